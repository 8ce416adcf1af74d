"""Demo staff (one per role), providers and grievances with a realistic spread.

Made-up people only. Deterministic (a fixed random seed), and idempotent: staff and
providers are matched by e-mail and NPI, and grievances are added only once.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from portal.models import ROLES, Counter, Letter, Program, Provider, User
from portal.services.grievances.clocks import refresh_overdue
from portal.services.grievances.intake import Intake, submit
from portal.services.grievances.verbs import (
    assign,
    close,
    decides_substantiation,
    escalate,
    record_contact,
    resolve,
)
from portal.services.mail import letters

DEMO_PASSWORD = "demo-password"  # noqa: S105 - printed by `make run`; demo data only
FIRST = [
    "Alex",
    "Jordan",
    "Sam",
    "Taylor",
    "Morgan",
    "Casey",
    "Riley",
    "Jamie",
    "Avery",
    "Quinn",
    "Rowan",
    "Drew",
    "Elliot",
    "Harper",
    "Kai",
    "Logan",
    "Parker",
    "Reese",
]
LAST = [
    "Rivera",
    "Nguyen",
    "Okafor",
    "Schmidt",
    "Haddad",
    "Kowalski",
    "Tanaka",
    "Moreau",
    "Lindqvist",
    "Osei",
    "Park",
    "Delgado",
    "Byrne",
    "Iyer",
    "Novak",
    "Fischer",
]
COMPLAINTS = [
    "The office was dirty and the waiting room had trash on the floor.",
    "Front desk staff were rude when I asked about my appointment.",
    "I was billed for a cleaning that should be covered.",
    "I was told the wrong information about my benefits.",
    "The instruments did not look sterilized.",
    "The dentist did a filling I did not agree to.",
    "I waited three weeks and still could not get an appointment.",
    "Nobody called me back about my case manager.",
    "My assessment was scheduled and then cancelled twice.",
    "The doctor did not follow up on my test results.",
]
STREETS = ("Elm Street", "Main Street", "Oak Avenue", "River Road", "Hill Street")
TOWNS = {
    "ct-dental": "Hartford, CT 06103",
    "ia-escalations": "Des Moines, IA 50309",
    "co-cma": "Denver, CO 80202",
    "md-hmo": "Baltimore, MD 21201",
}
PROVIDER_NAMES = [
    "Bright Smile Dental",
    "Harbor Family Dentistry",
    "Elm Street Clinic",
    "Prairie Health Partners",
    "Front Range Care",
    "Chesapeake Medical Group",
    "Riverside Pediatrics",
    "Summit Dental Arts",
    "Oak Valley Health",
    "Bayview Primary Care",
    "Maple Grove Dental",
    "Cedar Point Clinic",
]
TEAMS = {
    "csr": "intake",
    "dhcs": "intake",
    "provider_relations": "provider relations",
    "liaison": "liaison",
    "supervisor": "intake",
    "manager": "grievances",
}


def _users() -> dict[str, User]:
    users = {}
    for role in ROLES:
        email = f"{role}@demo.example"
        user = User.objects(email=email).first()
        if user is None:
            user = User(
                totp_exempt=True,  # demo data only: `make run` stays one step
                email=email,
                name=f"Demo {role.replace('_', ' ').title()}",
                roles=[role],
                team=TEAMS.get(role),
                programs=list(Program.objects(active=True)),  # the demo team serves them all
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        users[role] = user
    # Reporting lines: staff -> supervisor -> manager, for escalations and completeness.
    for role in ("csr", "dhcs", "provider_relations", "liaison"):
        users[role].update(set__manager=users["manager"])
    users["supervisor"].update(set__manager=users["manager"])
    return {role: User.objects.get(pk=u.pk) for role, u in users.items()}


def _providers(rng: random.Random, programs: list[Program]) -> list[Provider]:
    providers = []
    for index, name in enumerate(PROVIDER_NAMES):
        npi = f"1{index:09d}"
        provider = (
            Provider.objects(npi=npi).first()
            or Provider(
                name=name,
                npi=npi,
                office=f"{name} main office",
                city=rng.choice(["Hartford", "Des Moines", "Denver", "Baltimore", "New Haven"]),
                program=programs[index % len(programs)],
            ).save()
        )
        providers.append(provider)
    return providers


def _work(rng: random.Random, grievance, worker, lead, received: datetime, now: datetime) -> None:
    """What staff did with a record so far: usually a call within days, for older records
    often a resolution (by whom the program lets decide) and a close by a lead; some left
    late, so the demo has overdue work. Every change goes through the services' verbs."""
    age = now - received
    if rng.random() < 0.8:
        called = received + timedelta(hours=rng.uniform(2, 24 * min(age.days + 1, 6)))
        if called < now:
            record_contact(
                grievance,
                by=worker,
                now=called,
                at=called,
                with_whom="member",
                channel="phone",
                outcome="reached",
            )
    if age > timedelta(days=20) and rng.random() < 0.75:
        resolved = received + timedelta(days=rng.uniform(1, min(age.days, 60)))
        decides = decides_substantiation(grievance.program, worker)
        resolve(
            grievance,
            by=worker if decides else lead,
            now=resolved,
            summary="Spoke with the office; the member is satisfied.",
            substantiated=rng.random() < 0.4,
        )
        _post_letters(grievance, worker, now)
        if rng.random() < 0.3:
            close(grievance, by=lead, now=resolved, note="The member was told by phone.")
    elif rng.random() < 0.2:
        moment = min(received + timedelta(days=2), now)
        escalate(grievance, by=worker, now=moment, reason="The member asked for a supervisor.")


def _post_letters(grievance, worker, now: datetime) -> None:
    """Letters written more than two days ago were posted the next day, as an office that
    keeps up would; the recent ones wait on the list."""
    for letter in Letter.objects(grievance=grievance, posted_at=None):
        posted = letter.created_at + timedelta(days=1)
        if posted < now - timedelta(days=1) and letters.address_of(grievance):
            letters.mark_posted(letter, by=worker, now=posted)
    grievance.reload()  # the posting saved the record through the letter's own reference


def load_demo(now: datetime, records: int = 300, progress=None) -> str:
    """Load the demo set once; a second run changes nothing. `progress(done)` is told after
    each record."""
    rng = random.Random(2026)
    programs = list(Program.objects.order_by("slug"))
    if not programs:
        return "no programs: run `portal seed programs` first"
    users = _users()
    providers = _providers(rng, programs)
    if Counter.objects(name="demo-loaded").first():
        return "demo data already loaded"
    workers = [users[r] for r in ("csr", "dhcs", "provider_relations", "liaison", "supervisor")]
    for done in range(1, records + 1):
        program = rng.choice(programs)
        received = now - timedelta(days=rng.uniform(0, 120), hours=rng.uniform(0, 24))
        provider = rng.choice(providers)
        grievance = submit(
            program,
            Intake(
                description=rng.choice(COMPLAINTS),
                member_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                member_id=f"DEMO{rng.randrange(10**6):06d}" if rng.random() < 0.8 else None,
                age_group=rng.choice(["adult", "adult", "child"]),
                provider_name=provider.name,
                provider_npi=provider.npi,  # links the known provider
                intake_source=rng.choice(program.intake_sources or ["phone"]),
                type=rng.choice(program.types) if rng.random() < 0.9 else None,
                level=rng.choices(["I", "II", "III"], [75, 20, 5])[0] if program.levels else None,
                priority=rng.choice(program.priorities) if program.priorities else None,
                category=rng.choice(program.categories) if program.categories else None,
                mco=rng.choice([*program.mcos, "not enrolled"]) if program.mcos else None,
                # Made-up postal addresses, so that the letters to post can be posted.
                member_address=f"{rng.randrange(1, 999)} {rng.choice(STREETS)}\n"
                + TOWNS.get(program.slug, "Springfield")
                if rng.random() < 0.9
                else None,
            ),
            received,  # entered when it came in: its history starts then
            received_at=received,
        )
        worker = rng.choice(workers)
        if rng.random() < 0.9:
            assign(grievance, worker, by=users["supervisor"], now=received)
        _work(rng, grievance, worker, users["manager"], received, now)
        if progress:
            progress(done)
    Counter(name="demo-loaded", value=1).save()
    marked = refresh_overdue(now)
    return (
        f"demo data: {len(users)} staff, {len(providers)} providers, {records} grievances "
        f"({marked['records_updated']} overdue)"
    )
