"""The upload screen for old logs: a thin view over services.imports."""

from __future__ import annotations

from flask import jsonify, request
from flask_admin import BaseView, expose
from flask_login import current_user

from portal.access import can
from portal.admin.views import _deny
from portal.clock import utcnow
from portal.models import Program
from portal.services.imports import ImportFileError, import_file
from portal.services.reports import program_named

UPLOAD_LIMIT = 32 * 1024 * 1024  # a 50,000-row workbook; the public pages keep 256 KB


class ImportView(BaseView):
    def is_accessible(self):
        return can(current_user, "import.run")

    def inaccessible_callback(self, name, **kwargs):
        return _deny()

    def _handle_view(self, name, **kwargs):
        request.max_content_length = UPLOAD_LIMIT
        return super()._handle_view(name, **kwargs)

    @expose("/", methods=["GET", "POST"])
    def index(self):
        programs = list(Program.objects(active=True).order_by("slug").only("slug", "name"))
        report, error = None, None
        if request.method == "POST":
            upload = request.files.get("file")
            try:
                program = program_named(str(request.form.get("program", "")))
                if upload is None or not upload.filename:
                    raise ImportFileError("choose an .xlsx or .csv file to import")
                report = import_file(
                    upload.filename,
                    upload.read(),
                    program,
                    utcnow(),
                    by=current_user._get_current_object(),
                    dry_run=bool(request.form.get("dry_run")),
                )
            except (ImportFileError, ValueError) as exc:
                error = str(exc)
            if request.args.get("format") == "json":
                if error:
                    return jsonify({"ok": False, "error": error}), 400
                return jsonify(report.as_dict()), 200 if report.ok else 400
        status = 400 if error or (report and not report.ok) else 200
        return self.render(
            "admin/import.html", programs=programs, report=report, error=error
        ), status
