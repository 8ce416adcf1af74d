"""Random sequences of staff edits (a hypothesis state machine over the services the admin's
actions call): after every step, the record's history rebuilds each version it has been
through, and a history entry changed behind the portal's back is detected."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from portal.models import Grievance, User
from portal.services.grievances import history
from portal.services.grievances import verbs as grievances
from portal.services.grievances.intake import Intake, submit

FIGURES = Counter()
# What staff edits change, as the history names them.
TRACKED = [
    "status",
    "level",
    "assignee",
    "team",
    "tier",
    "resolution",
    "substantiated",
    "substantiation_reason",
    "legal_hold",
]


class StaffEdits(RuleBasedStateMachine):
    """One record; each rule is one thing staff do to it. `seen` holds, for every history
    length reached, the tracked fields as they were read back from the store then."""

    @initialize()
    def file(self):
        self.program = self.programs["ct-dental"]
        self.now = datetime(2026, 11, 2, 15, tzinfo=UTC)
        self.record = submit(self.program, Intake(description="x"), self.now)
        self.seen: dict[int, dict] = {}
        self.snapshot()

    def tick(self) -> datetime:
        self.now += timedelta(minutes=7)
        return self.now

    def snapshot(self):
        self.record = Grievance.objects.get(pk=self.record.pk)
        self.seen[len(self.record.history)] = history.current(self.record, TRACKED)
        FIGURES["steps"] += 1

    def act(self, verb, **kwargs):
        try:
            verb(self.record, by=self.lead, now=self.tick(), **kwargs)
        except grievances.ActionError:
            FIGURES["refused"] += 1  # not allowed in this state: nothing may have changed
        self.snapshot()

    @rule(who=st.integers(0, 2))
    @precondition(lambda self: self.record.is_open)
    def assign(self, who):
        grievances.assign(self.record, self.staff[who], by=self.lead, now=self.tick())
        self.snapshot()

    @rule(level=st.sampled_from(["I", "II", "III"]))
    @precondition(lambda self: self.record.is_open)
    def classify(self, level):
        grievances.classify(self.record, by=self.lead, now=self.tick(), level=level)
        self.snapshot()

    @rule(to=st.sampled_from([None, 0, 1]))
    @precondition(lambda self: self.record.is_open)
    def escalate(self, to):
        person = None if to is None else self.staff[to]
        self.act(grievances.escalate, reason="The member asked.", to=person)

    @rule(substantiated=st.sampled_from([True, False, None]), summary=st.text(min_size=1))
    @precondition(lambda self: self.record.is_open)
    def resolve(self, substantiated, summary):
        self.act(grievances.resolve, summary=summary, substantiated=substantiated)

    @rule()
    @precondition(lambda self: self.record.status == "resolved")
    def close(self):
        self.act(grievances.close)

    @rule()
    @precondition(lambda self: not self.record.is_open)
    def reopen(self):
        self.act(grievances.reopen, reason="New information from the member.")

    @rule(on=st.booleans())
    def hold(self, on):
        self.act(grievances.set_legal_hold, on=on, reason="Litigation hold")

    @rule(index=st.integers(min_value=0), what=st.sampled_from(["detail", "changes", "at"]))
    def tamper(self, index, what):
        """Change one stored entry directly in the store: the chain shows where."""
        collection = Grievance._get_collection()
        raw = collection.find_one({"_id": self.record.pk})
        index %= len(raw["history"])
        original = raw["history"][index]
        forged = dict(original)
        if what == "detail":
            forged["detail"] = (original.get("detail") or "") + " (amended)"
        elif what == "changes":
            forged["changes"] = {"status": ["received", "closed"]}
        else:
            forged["at"] = original["at"] - timedelta(days=1)
        collection.update_one({"_id": self.record.pk}, {"$set": {f"history.{index}": forged}})
        detected = history.first_broken(Grievance.objects.get(pk=self.record.pk))
        FIGURES["tampered"] += 1
        FIGURES["tampering detected"] += detected == index
        assert detected == index
        collection.update_one({"_id": self.record.pk}, {"$set": {f"history.{index}": original}})
        assert history.first_broken(Grievance.objects.get(pk=self.record.pk)) is None

    @invariant()
    def every_version_rebuilds(self):
        versions = history.versions(self.record)
        assert len(versions) == len(self.record.history)
        now = history.current(self.record, TRACKED)
        for length, fields in self.seen.items():
            # A field no entry names has never changed: it is as it is now.
            rebuilt = {**now, **versions[length - 1]}
            assert rebuilt == fields, (length, rebuilt, fields)
            FIGURES["versions checked"] += 1
        assert history.first_broken(self.record) is None


@pytest.mark.slow
def test_the_history_rebuilds_every_version_and_shows_tampering(app, programs, staff):
    lead = staff["manager"]
    team = [
        User(
            email=f"worker{n}@staff.test",
            name=f"Worker {n}",
            roles=["csr"],
            team=t,
            programs=[programs["ct-dental"]],
        ).save()
        for n, t in enumerate(["intake", "liaison", None])
    ]

    class Machine(StaffEdits):
        pass

    Machine.programs, Machine.lead, Machine.staff = programs, lead, team
    FIGURES.clear()
    run = Machine.TestCase
    run.settings = settings(
        max_examples=60,
        stateful_step_count=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    run("runTest").runTest()
    print("\naudit history: " + ", ".join(f"{k} {v}" for k, v in sorted(FIGURES.items())))
    assert FIGURES["tampered"] > 0 and FIGURES["tampering detected"] == FIGURES["tampered"]
    assert FIGURES["versions checked"] > 1000
