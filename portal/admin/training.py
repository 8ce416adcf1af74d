"""Colorado's training checklist: managers see who completed which objective and when, and
record completions. A thin view over services.training."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from portal.access import can
from portal.admin.base import SecureView, audited, forbidden, programs_served
from portal.clock import utcnow
from portal.models import User
from portal.services import training


class TrainingView(SecureView):
    permission = "training.view"

    def _programs(self):
        served = programs_served(active=True).order_by("name")
        return [p for p in served if p.training_objectives]

    @expose("/")
    def index(self):
        programs = self._programs()
        slug = request.args.get("program")
        program = next((p for p in programs if p.slug == slug), programs[0] if programs else None)
        return self.render(
            "admin/training.html",
            programs=programs,
            program=program,
            rows=training.checklist(program) if program else [],
            today=utcnow().astimezone(program.calendar().zone).date() if program else None,
            may_record=can(current_user, "training.record"),
        )

    @expose("/record", methods=["POST"])
    def record(self):
        if not can(current_user, "training.record"):
            forbidden("only managers record training")
        program = programs_served(slug=request.form.get("program", "")).first()
        user_id = request.form.get("user", "")
        user = User.objects(pk=user_id).first() if len(user_id) == 24 else None
        if program is None or user is None:
            abort(404)
        back = redirect(url_for(".index", program=program.slug))
        try:
            completed_on = date.fromisoformat(request.form.get("completed_on", ""))
            training.record(
                program,
                user,
                request.form.get("objective", ""),
                completed_on,
                by=current_user._get_current_object(),
                now=utcnow(),
            )
        except training.TrainingError as exc:
            flash(str(exc), "error")
            return back
        except ValueError:
            flash("Write the completion date as YYYY-MM-DD.", "error")
            return back
        objective = request.form.get("objective")
        audited("training recorded", user.email, {"objective": objective})
        flash(f"{user.name} completed {objective} on {completed_on}.", "success")
        return back
