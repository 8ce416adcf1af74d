"""The background work, for managers and administrators: a thin view over services.monitor."""

from __future__ import annotations

import re

import redis
from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from portal.access import can
from portal.admin.base import SecureView, audited, forbidden
from portal.clock import utcnow
from portal.runtime import runtime
from portal.services import monitor

JOB_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


class JobsView(SecureView):
    permission = "jobs.view"

    @expose("/")
    def index(self):
        now = utcnow()
        try:
            connection = runtime().redis()
        except redis.RedisError:
            connection = None  # the page still shows what the store knows
        state = monitor.snapshot(connection)
        return self.render(
            "admin/jobs.html",
            state=state,
            now=now,
            age=monitor.age,
            may_retry=can(current_user, "jobs.retry"),
        )

    @expose("/retry", methods=["POST"])
    def retry(self):
        if not can(current_user, "jobs.retry"):
            forbidden()
        job_id = request.form.get("job_id", "")
        if not JOB_ID.match(job_id):
            flash("That is not a job id.", "error")
            return redirect(url_for(".index"))
        if monitor.retry(runtime().redis(), job_id):
            audited("job retried", job_id)
            flash(f"Job {job_id} is queued again.", "success")
        else:
            flash(f"Job {job_id} is no longer among the failed jobs.", "warning")
        return redirect(url_for(".index"))
