"""The upload screen for old logs: a thin view over services.imports. A worker imports the
file while the page shows how far it got."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bson import ObjectId
from bson.errors import InvalidId
from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from portal.access import may_read, program_scope
from portal.admin.base import SecureView, program_served, programs_served
from portal.clock import utcnow
from portal.models import ImportRun
from portal.runtime import runtime
from portal.services import imports
from portal.services.imports import ImportFileError


class ImportView(SecureView):
    """Uploads up to IMPORT_UPLOAD_LIMIT (set before the CSRF check reads the body, in
    portal/__init__.py); a worker imports them, never this process."""

    permission = "import.run"

    def _page(self, status=200, **context):
        served = programs_served(active=True)
        programs = list(served.clone().order_by("slug").only("slug", "name"))
        runs = ImportRun.objects.exclude("content", "report")
        if program_scope(current_user) is not None:
            runs = runs.filter(program__in=list(served.scalar("pk")))
        recent = [
            (r, r.created_at.astimezone(ZoneInfo(r.program.timezone)))
            for r in runs.order_by("-created_at")[:10]
        ]
        upload_mb = current_app.config["IMPORT_UPLOAD_LIMIT"] // 2**20
        page = self.render(
            "admin/import.html", programs=programs, recent=recent, upload_mb=upload_mb, **context
        )
        return page, status

    @expose("/", methods=["GET", "POST"])
    def index(self):
        if request.method == "GET":
            return self._page()
        upload = request.files.get("file")
        try:
            program = program_served(str(request.form.get("program", "")))
            if upload is None or not upload.filename:
                raise ImportFileError("choose an .xlsx or .csv file to import")
            content = upload.read()
        except (ImportFileError, ValueError) as exc:
            if request.args.get("format") == "json":
                return jsonify({"ok": False, "error": str(exc)}), 400
            return self._page(400, error=str(exc))
        dry_run = bool(request.form.get("dry_run"))
        me = current_user._get_current_object()
        job = imports.upload(
            program,
            upload.filename,
            content,
            by=me,
            now=utcnow(),
            dry_run=dry_run,
            runtime=runtime(),
        )
        progress = url_for(".progress", run_id=str(job.pk))
        if request.args.get("format") == "json":
            # For scripts: accepted; the run's address answers how far it got, and the report.
            return jsonify({"run": progress, "status": job.reload().status}), 202
        return redirect(progress)

    @expose("/run/<run_id>")
    def progress(self, run_id: str):
        try:
            job = ImportRun.objects.exclude("content").get(pk=ObjectId(run_id))
        except (InvalidId, ImportRun.DoesNotExist):
            abort(404)
        if not may_read(current_user, job.program):
            abort(404)
        if request.args.get("format") == "json":
            return jsonify(
                {
                    "status": job.status,
                    "stage": job.stage,
                    "done": job.done,
                    "total": job.total,
                    "report": job.report or None,
                    "error": job.error,
                }
            )
        report = job.report or None
        failed = job.status == "failed" or (report is not None and not report["ok"])
        return self._page(400 if failed else 200, job=job, report=report, error=job.error)
