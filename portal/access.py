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
    # The letters to post: members' names and addresses, printed and posted by those who work
    # records.
    "letter.post": WORKERS,
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
