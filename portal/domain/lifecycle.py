"""The lifecycle of a grievance: every change is one of these actions, allowed for a record in
some states and for some roles. The screen offers, the services check and any other door
(import, API) asks the same table. Pure: a record is described by `State`."""

from __future__ import annotations

from dataclasses import dataclass

from portal.access import PERMISSIONS

STATUSES = ("received", "in_progress", "escalated", "resolved", "closed", "withdrawn")
OPEN = frozenset({"received", "in_progress", "escalated"})
# How a person says each status.
STATUS_WORDS = {
    "received": "Received",
    "in_progress": "In progress",
    "escalated": "Escalated",
    "resolved": "Resolved",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
}
ANY = frozenset(STATUSES)
TIERS = ("staff", "supervisor", "manager")

# Who may: the permission table's own role sets (portal.access has no Flask in it).
WORKERS = PERMISSIONS["grievance.edit"]  # everyone who works records
LEADS = PERMISSIONS["grievance.manage"]  # close, withdraw, reopen, extend
HOLDERS = PERMISSIONS["grievance.hold"]


@dataclass(frozen=True)
class State:
    """What the table needs to know of a record."""

    status: str
    running_clocks: int = 0  # not met and not paused
    paused_clocks: int = 0
    tier: str = "staff"
    legal_hold: bool = False
    department_referral: bool = False  # Maryland: a complaint the Department referred
    callback_to_approve: bool = False  # Iowa: an escalated callback a unit lead has not approved


@dataclass(frozen=True)
class Action:
    label: str
    roles: frozenset[str]
    statuses: frozenset[str]
    changes: tuple[str, ...]  # the record's fields it may change
    needs: str = ""  # a further condition: "running clock", "paused clock", "below the top tier"


ACTIONS: dict[str, Action] = {
    "assign": Action("Assign", WORKERS, OPEN, ("assignee", "team", "status")),
    "contact": Action("Record a contact attempt", WORKERS, OPEN, ("contact_attempts", "clocks")),
    "event": Action("Record a step", WORKERS, OPEN, ("clocks",)),
    "note": Action("Add a note", WORKERS, ANY, ("narratives",)),
    # A file on the record, a step or a narrative (site visit report, CAP, the member's bill).
    "attach": Action("Attach a file", WORKERS, ANY, ("attachments",)),
    "classify": Action(
        "Level, priority and type",
        WORKERS,
        OPEN,
        ("level", "priority", "type", "category", "mco", "team"),
    ),
    "correct": Action(
        "Correct what was taken at intake",
        WORKERS,
        ANY,
        ("member", "caller", "provider", "incident_date", "desired_resolution", "staff_involved"),
    ),
    # Iowa: the unit lead (a supervisor here) approves an escalated callback.
    "approve": Action(
        "Approve the callback",
        LEADS,
        OPEN,
        ("callback_approved_by", "callback_approved_at", "clocks"),
        needs="callback to approve",
    ),
    "escalate": Action(
        "Escalate", WORKERS, OPEN, ("status", "tier", "assignee"), needs="below the top tier"
    ),
    "pause": Action("Pause a clock", WORKERS, OPEN, ("clocks",), needs="running clock"),
    "resume": Action("Resume a clock", WORKERS, OPEN, ("clocks",), needs="paused clock"),
    "extend": Action("Extend a clock", LEADS, OPEN, ("clocks",), needs="running clock"),
    "report": Action(
        "Report to the Department",
        WORKERS,
        ANY,
        ("department_reports", "clocks"),
        needs="department referral",
    ),
    "resolve": Action(
        "Resolve", WORKERS, OPEN, ("status", "resolution", "substantiated", "substantiation_reason")
    ),
    "close": Action("Close", LEADS, frozenset({"resolved"}), ("status",)),
    "withdraw": Action("Withdraw", LEADS, OPEN, ("status",)),
    # The same complaint twice (by phone and by the web form): closed, linked to the one kept.
    "duplicate": Action("Close as a duplicate", LEADS, OPEN, ("status", "duplicate_of")),
    "reopen": Action("Reopen", LEADS, ANY - OPEN, ("status",)),
    "hold": Action("Legal hold on / off", HOLDERS, ANY, ("legal_hold",)),
}


def why_not(name: str, state: State, roles) -> str | None:
    """None when the action is allowed for this record and these roles; else why not, in
    words for the person who tried. `roles` None is the system itself (jobs, seeds)."""
    action = ACTIONS.get(name)
    if action is None:
        return f"there is no action {name!r}"
    if roles is not None and not action.roles & set(roles):
        return f"your role may not {action.label.lower()}"
    if state.status not in action.statuses:
        return _status_refusal(name, state.status)
    if action.needs == "running clock" and not state.running_clocks:
        return "no clock is running on this record"
    if action.needs == "paused clock" and not state.paused_clocks:
        return "no clock is paused on this record"
    if action.needs == "callback to approve" and not state.callback_to_approve:
        return "there is no callback waiting for approval on this record"
    if action.needs == "department referral" and not state.department_referral:
        return "only a complaint the Department referred is reported to the Department"
    if action.needs == "below the top tier" and state.tier == TIERS[-1]:
        return "this record is with a manager already, the last tier"
    return None


def _status_refusal(name: str, status: str) -> str:
    if name == "close":
        return "only a resolved record can be closed: resolve it first"
    if name == "reopen":
        return "the record is open already"
    return f"the record is {status.replace('_', ' ')}: {name} is for open records"


def allowed(name: str, state: State, roles) -> bool:
    return why_not(name, state, roles) is None


def available(state: State, roles) -> list[str]:
    """The actions these roles may take on this record now, in the table's order."""
    return [name for name in ACTIONS if allowed(name, state, roles)]
