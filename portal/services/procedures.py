"""A program's written complaint procedure, versioned: drafted, approved by the Department
(its date recorded), published, and superseded by the next; every published version stays
readable with the dates it was in force."""

from __future__ import annotations

from datetime import date, datetime

from portal.models import ProcedureVersion, Program, User


class ProcedureError(ValueError):
    """A step the procedure's versions do not allow, with a message that says why."""


def in_force(program: Program, on: datetime) -> ProcedureVersion | None:
    """The version members were given on `on`: published by then, not yet superseded."""
    for version in ProcedureVersion.objects(
        program=program, status__in=("published", "superseded"), published_at__lte=on
    ).order_by("-published_at"):
        if version.superseded_at is None or version.superseded_at > on:
            return version
    return None


def published(program: Program) -> list[ProcedureVersion]:
    """Every version that was ever given to members, newest first."""
    return list(
        ProcedureVersion.objects(program=program, status__in=("published", "superseded")).order_by(
            "-number"
        )
    )


def versions(program: Program) -> list[ProcedureVersion]:
    return list(ProcedureVersion.objects(program=program).order_by("-number"))


def write_draft(
    program: Program,
    *,
    title: str,
    text: str,
    by: User | None,
    now: datetime,
    title_es: str | None = None,
    text_es: str | None = None,
) -> ProcedureVersion:
    """Start the next version, or change the draft there is: one draft at a time, and what
    was approved or published is never edited (a revision is a new version, approved again)."""
    if not (title or "").strip() or not (text or "").strip():
        raise ProcedureError("a procedure needs a title and its text")
    values = {
        "title": title.strip(),
        "text": text.strip(),
        "title_es": (title_es or "").strip() or None,
        "text_es": (text_es or "").strip() or None,
    }
    draft = ProcedureVersion.objects(program=program, status="draft").first()
    if draft is not None:
        for name, value in values.items():
            setattr(draft, name, value)
        draft.updated_at = now
        return draft.save()
    last = ProcedureVersion.objects(program=program).order_by("-number").first()
    return ProcedureVersion(
        program=program,
        number=(last.number + 1) if last else 1,
        created_by=by,
        created_at=now,
        updated_at=now,
        **values,
    ).save()


def record_approval(
    version: ProcedureVersion, *, approved_on: date, note: str | None, by: User | None, now
) -> ProcedureVersion:
    """The Department approved this draft on `approved_on` (COMAR .11 C(1)-(2))."""
    if version.status != "draft":
        raise ProcedureError(
            f"version {version.number} is {version.status}: only a draft is approved"
        )
    if approved_on > now.date():
        raise ProcedureError("the approval date is still to come")
    version.status = "approved"
    version.approved_on = approved_on
    version.approval_note = (note or "").strip() or None
    version.approved_by = by
    version.updated_at = now
    return version.save()


def publish(version: ProcedureVersion, *, by: User | None, now: datetime) -> ProcedureVersion:
    """Give members this approved version from now; the one in force until now is
    superseded (and stays readable)."""
    if version.status != "approved":
        raise ProcedureError(
            f"version {version.number} is {version.status}: only an approved version is "
            "published (record the Department's approval first)"
        )
    ProcedureVersion.objects(program=version.program, status="published").update(
        set__status="superseded", set__superseded_at=now, set__updated_at=now
    )
    version.status = "published"
    version.published_at = now
    version.published_by = by
    version.updated_at = now
    return version.save()
