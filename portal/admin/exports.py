"""Exports of the grievance list: a worker writes them (services.reporting.exports) while
this page shows how far each got; the person who asked downloads the file."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bson import ObjectId
from bson.errors import InvalidId
from flask import Response, abort, stream_with_context
from flask_admin import expose
from flask_login import current_user

from portal.admin.base import SecureView, audited
from portal.clock import as_utc, utcnow
from portal.models import ExportRun
from portal.services.reporting import exports, spreadsheets

TYPES = {"csv": "text/csv", "xlsx": spreadsheets.XLSX}


class ExportsView(SecureView):
    permission = "grievance.export"

    @expose("/")
    def index(self):
        me = current_user._get_current_object()
        runs = exports.mine(me, utcnow())
        programs = list(me.programs or [])
        zone = ZoneInfo(programs[0].timezone) if programs else ZoneInfo("UTC")
        return self.render(
            "admin/exports.html",
            runs=[(r, as_utc(r.created_at).astimezone(zone)) for r in runs],
            working=any(r.status in ("queued", "running") for r in runs),
        )

    @expose("/<export_id>/download")
    def download(self, export_id: str):
        try:
            run = ExportRun.objects.exclude("query").get(pk=ObjectId(export_id))
        except (InvalidId, ExportRun.DoesNotExist):
            abort(404)
        # Only the person who asked: the file holds what their access let them read.
        if run.by.pk != current_user.pk or run.status != "done" or run.expires_at is None:
            abort(404)
        if as_utc(run.expires_at) < utcnow():
            abort(404)
        audited("export downloaded", run.file_name or "", {"format": run.format, "rows": run.done})
        return Response(
            stream_with_context(exports.chunks(run)),
            mimetype=TYPES[run.format],
            headers={
                "Content-Disposition": f'attachment; filename="{run.file_name}"',
                "Content-Length": str(run.size),
            },
        )
