"""Who may do what: the one permission table every view, action and export consults."""

from __future__ import annotations

# The roles of domain.md, in the order screens list them.
ROLES = (
    "csr",
    "dhcs",
    "provider_relations",
    "liaison",
    "supervisor",
    "manager",
    "director",
    "auditor",
    "admin",
)
STAFF = frozenset(ROLES)
WORKERS = STAFF - {"auditor"}
LEADS = frozenset({"supervisor", "manager", "director", "admin"})
# Minimum necessary (HIPAA 164.514(d)): these may read every program's records; everyone else
# reads the records of the programs listed on their account, and an account that lists none
# reads none.
SEES_EVERY_PROGRAM = frozenset({"admin", "director", "auditor"})

PERMISSIONS: dict[str, frozenset[str]] = {
    "home.view": STAFF,
    "grievance.view": STAFF,
    "grievance.edit": WORKERS,
    # A complaint taken by phone, letter or at the desk: everyone who works records.
    "grievance.intake": WORKERS,
    # Close, withdraw, reopen, extend a clock: decisions a lead takes.
    "grievance.manage": LEADS,
    "grievance.export": LEADS | {"auditor"},
    # Member names and IDs in an export: those who answer for the record universe.
    "grievance.export_phi": frozenset({"manager", "director", "auditor", "admin"}),
    # The member's identifiers and how to reach them (ID, date of birth, phone, e-mail,
    # address, the caller's number): those who contact members. Provider relations work the
    # office's side and see the member's name and age group only.
    "member.details": STAFF - {"provider_relations"},
    # Files on records (the member's photos and bills, the office's records): downloaded by
    # those who answer for the record universe and the leads who review the work; everyone
    # who works records may attach one.
    "file.download": LEADS | {"auditor"},
    # The letters to post: members' names and addresses, printed and posted by those who work
    # records.
    "letter.post": WORKERS - {"provider_relations"},
    # Colorado's training checklist: managers see it and record completions.
    "training.view": LEADS | {"auditor"},
    "training.record": frozenset({"manager", "director", "admin"}),
    "grievance.hold": frozenset({"manager", "director", "admin"}),
    "audit.view": frozenset({"auditor", "director", "admin"}),
    "provider.view": STAFF,
    "provider.edit": frozenset({"provider_relations", "manager", "admin"}),
    "program.view": STAFF,
    "program.edit": frozenset({"admin"}),
    "user.edit": frozenset({"admin"}),
    "outbox.view": frozenset({"manager", "director", "admin"}),
    "completeness.view": LEADS | {"auditor"},
    "report.view": LEADS | {"auditor"},
    # Member months and the trend analysis's written parts.
    "report.write": frozenset({"manager", "director"}),
    # One row per record with member names: for a state reviewer and those who answer to one.
    "report.universe": frozenset({"manager", "director", "auditor", "admin"}),
    "import.run": frozenset({"manager", "admin"}),
    "jobs.view": frozenset({"manager", "director", "admin"}),
    "jobs.retry": frozenset({"manager", "admin"}),
}


def can(user, permission: str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    allowed = PERMISSIONS[permission]
    return any(role in allowed for role in user.roles)


# What "member.details" covers, by path on the record.
MEMBER_DETAIL_FIELDS = frozenset(
    {
        "member.member_id",
        "member.birth_date",
        "member.phone",
        "member.email",
        "member.address",
        "member.contact_times",
        "caller.phone",
    }
)


def sees_every_program(user) -> bool:
    return any(role in SEES_EVERY_PROGRAM for role in user.roles)


def program_scope(user) -> list | None:
    """The ids of the programs whose records this person may read; None for every program."""
    return None if sees_every_program(user) else user.program_ids()


def may_read(user, program) -> bool:
    """This person may read this program's records."""
    scope = program_scope(user)
    return scope is None or (program is not None and program.pk in scope)


def serves(user, program) -> bool:
    """This person's mail covers this program: the programs listed on the account, or every
    program for those who may read them all and list none."""
    listed = user.program_ids()
    if listed:
        return program.pk in listed
    return sees_every_program(user)
