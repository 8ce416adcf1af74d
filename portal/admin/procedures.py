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

    def _may_edit(self) -> None:
        if not can(current_user, "program.edit"):
            forbidden("only an administrator changes a program's procedure")

    def _step(self, program: Program, action: str, step, said) -> object:
        """Do one step of a version's life as the signed-in administrator; say what became of
        it, or why not, and go back to the program's page."""
        self._may_edit()
        try:
            version = step(by=current_user._get_current_object(), now=utcnow())
        except procedures.ProcedureError as exc:
            flash(str(exc), "error")
        else:
            audited(action, f"{program.slug} v{version.number}")
            flash(said(version), "success")
        return redirect(url_for(".index", program=program.slug))

    def _version(self, program: Program) -> ProcedureVersion:
        number = request.form.get("number", "")
        version = ProcedureVersion.objects(
            program=program, number=int(number) if number.isdigit() else 0
        ).first()
        if version is None:
            abort(404)
        return version

    @expose("/draft", methods=["POST"])
    def draft(self):
        self._may_edit()
        program, form = self._program(), request.form
        return self._step(
            program,
            "procedure drafted",
            lambda **who: procedures.write_draft(
                program,
                title=form.get("title", ""),
                text=form.get("text", ""),
                title_es=form.get("title_es"),
                text_es=form.get("text_es"),
                **who,
            ),
            lambda v: f"Draft of version {v.number} saved.",
        )

    @expose("/approve", methods=["POST"])
    def approve(self):
        self._may_edit()
        program = self._program()
        version = self._version(program)
        text = (request.form.get("approved_on") or "").strip()
        try:
            approved_on = date.fromisoformat(text)
        except ValueError:
            flash(f"Approved on: {text!r} is not a date (YYYY-MM-DD).", "error")
            return redirect(url_for(".index", program=program.slug))
        return self._step(
            program,
            "procedure approval recorded",
            lambda **who: procedures.record_approval(
                version, approved_on=approved_on, note=request.form.get("note"), **who
            ),
            lambda v: f"Version {v.number}: the Department's approval is recorded.",
        )

    @expose("/publish", methods=["POST"])
    def publish(self):
        self._may_edit()
        program = self._program()
        version = self._version(program)
        return self._step(
            program,
            "procedure published",
            lambda **who: procedures.publish(version, **who),
            lambda v: f"Version {v.number} is published; members see it now.",
        )
