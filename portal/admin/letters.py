"""Letters to post: the written notices for members without e-mail (or who chose post),
printed from here and marked posted. A thin view over services.mail.letters."""

from __future__ import annotations

from datetime import datetime, time

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from portal.access import may_read
from portal.admin.base import SecureView, audited
from portal.clock import utcnow
from portal.models import Letter
from portal.services.mail import letters


def _letter(letter_id: str) -> Letter:
    found = Letter.objects(pk=letter_id).first() if len(letter_id or "") == 24 else None
    if found is None or not may_read(current_user, found.grievance.program):
        abort(404)
    return found


class LettersView(SecureView):
    permission = "letter.post"

    @expose("/")
    def index(self):
        waiting = list(letters.to_post().select_related(max_depth=2))
        rows = []
        for letter in waiting:
            grievance = letter.grievance
            if not may_read(current_user, grievance.program):
                continue  # another program's post
            zone = grievance.program.calendar().zone
            rows.append(
                {
                    "letter": letter,
                    "grievance": grievance,
                    "written": letter.created_at.astimezone(zone),
                    "today": utcnow().astimezone(zone).date(),
                    "has_address": bool(letters.address_of(grievance)),
                }
            )
        return self.render("admin/letters.html", rows=rows)

    @expose("/<letter_id>.pdf")
    def pdf(self, letter_id: str):
        letter = _letter(letter_id)
        zone = letter.grievance.program.calendar().zone
        audited("letter printed", letter.grievance.reference, {"kind": letter.kind})
        return Response(
            letters.pdf(letter, zone),
            mimetype="application/pdf",
            headers={
                "Content-Disposition": (
                    f'attachment; filename="{letter.grievance.reference}-{letter.kind}.pdf"'
                ),
                "Cache-Control": "no-store",
            },
        )

    @expose("/<letter_id>/posted", methods=["POST"])
    def posted(self, letter_id: str):
        letter = _letter(letter_id)
        now = utcnow()
        zone = letter.grievance.program.calendar().zone
        text = (request.form.get("posted_on") or "").strip()
        try:
            day = datetime.strptime(text, "%Y-%m-%d").date() if text else None
        except ValueError:
            flash(f"Posted on: {text!r} is not a date (YYYY-MM-DD).", "error")
            return redirect(url_for(".index"))
        # A day in the past counts from its close of business in the program's timezone,
        # today from now: the letter went out that day.
        on = None
        if day is not None and day != now.astimezone(zone).date():
            on = datetime.combine(day, time(17), tzinfo=zone)
        try:
            said = letters.mark_posted(
                letter, by=current_user._get_current_object(), now=now, on=on
            )
        except letters.LetterError as exc:
            flash(str(exc), "error")
            return redirect(url_for(".index"))
        audited("letter posted", letter.grievance.reference, {"kind": letter.kind})
        flash(
            f"{letter.grievance.reference}: {letter.kind} letter posted"
            + (f"; {', '.join(said)}." if said else "."),
            "success",
        )
        return redirect(url_for(".index"))
