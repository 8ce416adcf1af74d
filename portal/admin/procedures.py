"""The programs' written complaint procedures: staff read every version; an administrator
drafts the next one, records the Department's approval and publishes it. A thin view over
services.procedures."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from portal.access import can
from portal.admin.base import SecureView, audited, forbidden
from portal.clock import utcnow
from portal.models import ProcedureVersion, Program
from portal.services import procedures


class ProcedureView(SecureView):
    permission = "program.view"

    def _program(self) -> Program:
        slug = request.values.get("program") or ""
        program = (
            Program.objects(slug=slug).first() if slug else Program.objects.order_by("name").first()
        )
        if program is None:
            abort(404)
        return program

    @expose("/")
    def index(self):
        program = self._program()
        versions = procedures.versions(program)
        draft = next((v for v in versions if v.status == "draft"), None)
        base = draft or procedures.in_force(program, utcnow())
        return self.render(
            "admin/procedures.html",
            programs=Program.objects.order_by("name").only("slug", "name"),
            program=program,
            versions=versions,
            draft=draft,
            approved=next((v for v in versions if v.status == "approved"), None),
            base=base,
            zone=program.calendar().zone,
            may_edit=can(current_user, "program.edit"),
        )

    def _back(self, program: Program):
        return redirect(url_for(".index", program=program.slug))

    def _may_edit(self) -> None:
        if not can(current_user, "program.edit"):
            forbidden("only an administrator changes a program's procedure")

    @expose("/draft", methods=["POST"])
    def draft(self):
        self._may_edit()
        program = self._program()
        form = request.form
        try:
            version = procedures.write_draft(
                program,
                title=form.get("title", ""),
                text=form.get("text", ""),
                title_es=form.get("title_es"),
                text_es=form.get("text_es"),
                by=current_user._get_current_object(),
                now=utcnow(),
            )
        except procedures.ProcedureError as exc:
            flash(str(exc), "error")
            return self._back(program)
        audited("procedure drafted", f"{program.slug} v{version.number}")
        flash(f"Draft of version {version.number} saved.", "success")
        return self._back(program)

    def _version(self, program: Program, status: str) -> ProcedureVersion:
        number = request.form.get("number", "")
        version = ProcedureVersion.objects(
            program=program, number=int(number) if number.isdigit() else 0
        ).first()
        if version is None:
            abort(404)
        return version

    @expose("/approve", methods=["POST"])
    def approve(self):
        self._may_edit()
        program = self._program()
        version = self._version(program, "draft")
        text = (request.form.get("approved_on") or "").strip()
        try:
            approved_on = date.fromisoformat(text)
        except ValueError:
            flash(f"Approved on: {text!r} is not a date (YYYY-MM-DD).", "error")
            return self._back(program)
        try:
            procedures.record_approval(
                version,
                approved_on=approved_on,
                note=request.form.get("note"),
                by=current_user._get_current_object(),
                now=utcnow(),
            )
        except procedures.ProcedureError as exc:
            flash(str(exc), "error")
            return self._back(program)
        audited("procedure approval recorded", f"{program.slug} v{version.number}")
        flash(f"Version {version.number}: the Department's approval is recorded.", "success")
        return self._back(program)

    @expose("/publish", methods=["POST"])
    def publish(self):
        self._may_edit()
        program = self._program()
        version = self._version(program, "approved")
        try:
            procedures.publish(version, by=current_user._get_current_object(), now=utcnow())
        except procedures.ProcedureError as exc:
            flash(str(exc), "error")
            return self._back(program)
        audited("procedure published", f"{program.slug} v{version.number}")
        flash(f"Version {version.number} is published; members see it now.", "success")
        return self._back(program)
