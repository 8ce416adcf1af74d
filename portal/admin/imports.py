"""The upload screen for old logs: a thin view over services.imports. A worker imports the
file while the page shows how far it got."""

from __future__ import annotations

from bson import ObjectId
from bson.errors import InvalidId
from flask import abort, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from portal.admin.base import SecureView
from portal.clock import utcnow
from portal.models import ImportRun, Program
from portal.runtime import runtime
from portal.services import imports
from portal.services.imports import ImportFileError, import_file
from portal.services.reporting.reports import program_named

UPLOAD_LIMIT = 32 * 1024 * 1024  # a 50,000-row workbook; the public pages keep 256 KB


class ImportView(SecureView):
    permission = "import.run"

    def _handle_view(self, name, **kwargs):
        request.max_content_length = UPLOAD_LIMIT
        return super()._handle_view(name, **kwargs)

    def _page(self, status=200, **context):
        programs = list(Program.objects(active=True).order_by("slug").only("slug", "name"))
        recent = list(ImportRun.objects.exclude("content", "report").order_by("-created_at")[:10])
        return self.render("admin/import.html", programs=programs, recent=recent, **context), status

    @expose("/", methods=["GET", "POST"])
    def index(self):
        if request.method == "GET":
            return self._page()
        upload = request.files.get("file")
        try:
            program = program_named(str(request.form.get("program", "")))
            if upload is None or not upload.filename:
                raise ImportFileError("choose an .xlsx or .csv file to import")
            content = upload.read()
        except (ImportFileError, ValueError) as exc:
            if request.args.get("format") == "json":
                return jsonify({"ok": False, "error": str(exc)}), 400
            return self._page(400, error=str(exc))
        dry_run = bool(request.form.get("dry_run"))
        me = current_user._get_current_object()
        if request.args.get("format") == "json":
            # For scripts: answered when done, in one request.
            try:
                report = import_file(
                    upload.filename, content, program, utcnow(), by=me, dry_run=dry_run
                )
            except ImportFileError as exc:
                return jsonify({"ok": False, "error": str(exc)}), 400
            return jsonify(report.as_dict()), 200 if report.ok else 400
        job = imports.upload(
            program,
            upload.filename,
            content,
            by=me,
            now=utcnow(),
            dry_run=dry_run,
            runtime=runtime(),
        )
        return redirect(url_for(".progress", run_id=str(job.pk)))

    @expose("/run/<run_id>")
    def progress(self, run_id: str):
        try:
            job = ImportRun.objects.exclude("content").get(pk=ObjectId(run_id))
        except (InvalidId, ImportRun.DoesNotExist):
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
