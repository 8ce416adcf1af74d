"""What every staff message has in common: whose office time it follows, who may receive it,
and how it is written (templates, so every value is escaped; never member data)."""

from __future__ import annotations

from flask import render_template

from portal.domain.businesstime import Calendar
from portal.models import Program, User


def active_programs() -> list[Program]:
    return list(Program.objects(active=True).order_by("slug"))


def home_program(user: User | None, programs: list[Program]) -> Program | None:
    """The program whose office hours a person's mail follows: their first program, or the
    first active program when they serve all of them."""
    if user is not None:
        listed = set(user.program_ids())
        mine = [p for p in programs if p.pk in listed]
        if mine:
            return mine[0]
    return programs[0] if programs else None


def home_calendar(user: User | None, programs: list[Program]) -> Calendar | None:
    program = home_program(user, programs)
    return program.calendar() if program else None


def staff_with(*roles: str) -> list[User]:
    return list(User.objects(roles__in=list(roles), active=True).order_by("email"))


def compose(template: str, **context) -> tuple[str, str, str]:
    """(subject, text, html) from mail/<template>.{subject,txt,html}."""
    subject = render_template(f"mail/{template}.subject.txt", **context).strip()
    text = render_template(f"mail/{template}.txt", **context)
    html = render_template(f"mail/{template}.html", **context)
    return subject, text, html
