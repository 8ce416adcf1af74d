"""Help for the people who take the calls: what counts, levels and types, escalation, each
clock and what meets it, and each action of the record page (its form links here)."""

from __future__ import annotations

from flask_admin import expose
from flask_login import current_user

from portal.access import can
from portal.admin.base import SecureView
from portal.domain.lifecycle import ACTIONS
from portal.models import Program

# What each event is, in the words staff use: the clocks' "met by".
EVENT_HELP = {
    "acknowledged": "the acknowledgment e-mail was sent, its letter posted, or a contact "
    "reached the member or caller",
    "member contacted": "a contact attempt reached the member or the caller",
    "office contacted": "a contact attempt reached the provider's office",
    "originator contacted": "a contact attempt reached whoever raised it: the member, the "
    "caller or the provider's office",
    "mco contacted": "the MCO reported back, or you reached the MCO for an update",
    "mco reached originator": "the MCO reports it has contacted the member or provider "
    "(record it as a step)",
    "callback approved": "a unit lead approved the callback (the Approve action)",
    "callback complete": "the member was reached, or two phone attempts and a letter",
    "site visit": "the office was visited (a contact by visit, or the step)",
    "cap received": "the office's written corrective action plan came in (a step)",
    "follow up": "the follow-up visit was made (a step)",
    "alert sent": "the Level III alert went out to senior management",
    "department report": "a final or interim report went to the Department (the Report action)",
    "department final report": "the final report went to the Department",
    "facts gathered": "the facts of a Level III matter are gathered (a step)",
    "office still deficient": "the follow-up found the office still deficient (a step)",
    "state referral": "the matter was referred to the state agency (a step)",
    "resolved": "the record was resolved",
    "member told": "the resolution notice was e-mailed or its letter posted, or you told the "
    "member after resolving",
    "extension notice": "the notice of the extension's reason was e-mailed or its letter posted",
}

# What each program calls a grievance, and its levels or types with examples (the seeds).
DEFINITIONS = {
    "ct-dental": (
        "Any client expression of dissatisfaction is a grievance: record it, whoever takes "
        "the call (CSR or DHCS), with its type, level, date, provider and a narrative.",
        [
            (
                "Level I",
                "Non-clinical, administrative: the office is dirty, staff were rude, "
                "incorrect billing, information different from what the client was told, a "
                "benefit not covered. Provider Relations contacts the office if you cannot solve "
                "it. Repeated Level I complaints about one office may become Level II.",
            ),
            (
                "Level II",
                "Clinical care: instruments not sterilized, unauthorized treatment, "
                "poor quality work, an unsafe environment. The office is visited within 5 "
                "business days, sends a written corrective action plan, and is followed up in 30 "
                "days; still deficient, it is referred to DSS.",
            ),
            (
                "Level III",
                "Serious: violence or physical abuse, inappropriate sexual contact, "
                "treatment that caused an emergency. Provider Relations and senior management "
                "are told at once; the office is contacted immediately; once the facts are "
                "gathered, DSS is informed.",
            ),
        ],
    ),
    "ia-escalations": (
        "An escalated issue needs a faster answer than the call center can give: an IME "
        "escalated callback, or a member's or provider's issue with their MCO.",
        [
            (
                "High priority",
                "Member issues: the liaison reaches the member or whoever raised "
                "it within 2-4 business hours, the MCO by the end of the day. Provider issues: "
                "1-2 business days.",
            ),
            (
                "Escalated",
                "Member issues: MSA/ESR within 1 business day. Provider issues: 3-4 "
                "business days, the MCO within 3-5.",
            ),
            (
                "IME escalated callback",
                "A unit lead approves the callback; it is made within "
                "2 business days (two phone attempts, then a letter).",
            ),
            (
                "Not enrolled in an MCO",
                "Choose 'not enrolled': the record goes to the member "
                "escalations queue for a unit lead's callback.",
            ),
        ],
    ),
    "co-cma": (
        "A complaint is about services the agency provides: general business, administration, "
        "state general funded programs, case management, LOC and SIS assessments. Department "
        "managers decide whether it is substantiated.",
        [
            (
                "Unsubstantiated",
                "Outside staff or agency control; within the standard "
                "response times; repeatedly filed by the same person; without legitimate grounds.",
            ),
        ],
    ),
    "md-hmo": (
        "A quality of care complaint: a bad outcome, failed diagnostic follow-up, treatment "
        "below standard, medical records, confidentiality, general dissatisfaction with care, "
        "staff qualifications, misdiagnosis, an inappropriate referral, infection control, "
        "emergency screening, the complaint process itself, policy compliance, credentialing.",
        [
            (
                "Department referral",
                "A complaint the Department referred: a written report "
                "within 30 days (results, policy changes, method of prevention), or an interim "
                "report with the expected completion, day 60 at the latest.",
            ),
        ],
    ),
}


class HelpView(SecureView):
    permission = "home.view"

    @expose("/")
    def index(self):
        programs = list(Program.objects(active=True).order_by("name"))
        return self.render(
            "admin/help.html",
            programs=programs,
            definitions=DEFINITIONS,
            events=EVENT_HELP,
            actions=ACTIONS,
            may_take=can(current_user, "grievance.intake"),
        )
