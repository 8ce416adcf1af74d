"""The four programs of domain.md, as data an administrator can later edit."""

from __future__ import annotations

from datetime import date

from portal.domain.clocks import RESOLUTION_CLOCK
from portal.models import ClockRule, ContactLine, Program

WEEKDAYS_8_TO_5 = {day: ["08:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}
DEFAULT_COMPLETENESS = [
    "received_at",
    "type",
    "description",
    "member_name|member_id",
    "when_resolved:resolution",
    "when_resolved:resolved_at",
]
# 42 CFR 438.406-408: every grievance acknowledged, resolved within 90 calendar days. The
# rule sets no acknowledgment time; 5 business days is a common contract term (editable).
FEDERAL_CLOCKS = [
    {"name": "acknowledgment", "rule": "5 business days", "met_by": "acknowledged"},
    {"name": RESOLUTION_CLOCK, "rule": "90 calendar days", "met_by": "resolved"},
]


def _iowa(kind: str, priority: str, contact: tuple[str, str], mco: str, report: str) -> list:
    """Seed 002's response standards for one kind of issue at one priority: whoever takes it
    (the liaison, or MSA/ESR when escalated) reaches the member or originator; the MCO
    reaches them; the MCO reports back (or is chased for an update) by the report time."""
    when = {"type": kind, "priority": priority, "mco": "!not enrolled"}
    who, rule = contact
    return [
        {"name": f"{who} contact", "rule": rule, "when": when, "met_by": "originator contacted"},
        {"name": "MCO contact", "rule": mco, "when": when, "met_by": "mco reached originator"},
        {"name": "MCO report", "rule": report, "when": when, "met_by": "mco contacted"},
    ]


IOWA_CLOCKS = [
    # IME escalated issues: a unit lead approves the callback at once; it is made within
    # 2 business days (reached, or two attempts by phone and a letter).
    {
        "name": "callback approval",
        "rule": "end of day",
        "when": {"type": "IME escalated callback"},
        "met_by": "callback approved",
    },
    {
        "name": "callback",
        "rule": "2 business days",
        "when": {"type": "IME escalated callback"},
        "met_by": "callback complete",
    },
    # A member not enrolled in an MCO: a unit lead's callback, as for IME escalated issues.
    {
        "name": "unit lead callback",
        "rule": "2 business days",
        "when": {"mco": "not enrolled"},
        "met_by": "callback complete",
    },
    # Member issues: high, the liaison in 2-4 business hours and the MCO by end of day (the
    # liaison chases the MCO at the end of the day); escalated, MSA/ESR in 1 business day
    # and the MCO's contact and report within 1 business day (the seed's "end of day" after
    # the referral, assumed to be the next business day's close).
    *_iowa(
        "MCO member issue", "high", ("liaison", "2-4 business hours"), "end of day", "end of day"
    ),
    *_iowa(
        "MCO member issue",
        "escalated",
        ("MSA/ESR", "1 business day"),
        "1 business day",
        "1 business day",
    ),
    # Provider issues: high, the liaison and the MCO in 1-2 business days, chased at the end of
    # day two; escalated, MSA/ESR in 3-4 business days, the MCO in 3-5.
    *_iowa(
        "MCO provider issue",
        "high",
        ("liaison", "1-2 business days"),
        "1-2 business days",
        "2 business days",
    ),
    *_iowa(
        "MCO provider issue",
        "escalated",
        ("MSA/ESR", "3-4 business days"),
        "3-5 business days",
        "5 business days",
    ),
]


# Hours as the seeds give them, in both languages.
WEEKDAYS_8_TO_5_WORDS = (
    "Monday to Friday, 8 AM to 5 PM",
    "de lunes a viernes, de 8 a. m. a 5 p. m.",
)

PROGRAMS = [
    {
        "slug": "ct-dental",
        "name": "Connecticut dental plan",
        "timezone": "America/New_York",
        "office_hours": WEEKDAYS_8_TO_5,
        "holiday_country": "US",
        "holiday_subdivision": "CT",
        "types": [
            "Provider Access",
            "Quality of Provider Service",
            "Quality of ASO Service",
            "Other",
        ],
        "levels": ["I", "II", "III"],
        "intake_sources": ["phone", "web form", "letter", "e-mail", "provider relations"],
        "clock_rules": FEDERAL_CLOCKS
        + [
            {
                "name": "site visit",
                "rule": "5 business days",
                "when": {"level": "II"},
                "met_by": "site visit",
            },
            # The seed asks for a written plan without a time; 10 business days is assumed.
            {
                "name": "corrective action plan",
                "rule": "10 business days after site visit",
                "when": {"level": "II"},
                "met_by": "cap received",
            },
            {
                "name": "follow-up visit",
                "rule": "30 calendar days after site visit",
                "when": {"level": "II"},
                "met_by": "follow up",
            },
            {
                "name": "senior management alert",
                "rule": "immediately",
                "when": {"level": "III"},
                "met_by": "alert sent",
            },
            {
                "name": "office contact",
                "rule": "immediately",
                "when": {"level": "III"},
                "met_by": "office contacted",
            },
            # "After facts gathered, DSS informed": the seed gives no time; 1 business day
            # is assumed (editable).
            {
                "name": "DSS referral",
                "rule": "1 business day after facts gathered",
                "when": {"level": "III"},
                "met_by": "state referral",
            },
            # "If the office remains deficient ... referred to DSS": 5 business days assumed.
            {
                "name": "DSS referral",
                "rule": "5 business days after office still deficient",
                "when": {"level": "II"},
                "met_by": "state referral",
            },
        ],
        "completeness_rules": DEFAULT_COMPLETENESS + ["level"],
        # Seed 000's last slide.
        "contact_lines": [
            {
                "purpose": "call centre",
                "label": "Client Call Center",
                "label_es": "Centro de llamadas para clientes",
                "phone": "1-855-CT-DENTAL (1-855-283-3682)",
                "hours": WEEKDAYS_8_TO_5_WORDS[0],
                "hours_es": WEEKDAYS_8_TO_5_WORDS[1],
            },
            {
                "purpose": "TTY",
                "label": "TTY: Relay Connecticut",
                "label_es": "TTY: Relay Connecticut",
                "phone": "7-1-1",
            },
            {
                "purpose": "website",
                "label": "Website",
                "label_es": "Sitio web",
                "url": "https://www.ctdhp.com/",
            },
            {
                "purpose": "state",
                "label": "Connecticut Department of Public Health: ask us for its complaint form",
                "label_es": "Departamento de Salud Pública de Connecticut: pídanos su formulario "
                "de quejas",
            },
        ],
        # Seed 000, Level III: "CSR/DHCS immediately advises provider relations staff and/or
        # senior management".
        "level3_alert_roles": ["provider_relations"],
        # Seed 000's own lines; the street address is the plan's to fill in.
        "letterhead": {
            "name": "Connecticut Dental Health Partnership",
            "address": "Grievances, Provider Relations",
            "phone": "Client Call Center 1-855-CT-DENTAL (1-855-283-3682), Monday to Friday "
            "8 AM to 5 PM; TTY 7-1-1",
            "website": "www.ctdhp.com",
        },
        "member_routes": "You may also file a complaint with the Connecticut Department of "
        "Public Health. Ask us for its complaint form and we will send it to you.",
        "member_routes_es": "También puede presentar una queja ante el Departamento de Salud "
        "Pública de Connecticut. Pídanos su formulario de quejas y se lo enviaremos.",
    },
    {
        "slug": "ia-escalations",
        "name": "Iowa Medicaid escalations",
        "timezone": "America/Chicago",
        "office_hours": WEEKDAYS_8_TO_5,  # assumed: the seed gives none
        "holiday_country": "US",
        "holiday_subdivision": "IA",
        # Iowa Code 1C.1 also closes state offices the Friday after Thanksgiving, which the
        # holidays package does not list; closures are data an administrator extends.
        "closures": [date(2026, 11, 27), date(2027, 11, 26)],
        "types": ["IME escalated callback", "MCO member issue", "MCO provider issue"],
        "priorities": ["high", "escalated"],
        "intake_sources": [
            "call center",
            "account managers",
            "ombudsman",
            "other state agencies",
            "legislative liaison",
            "policy staff",
            "leadership",
            "providers",
            "provider associations",
            "web form",
        ],
        # Seed 002's managed care organisations; "not enrolled" goes to member escalations.
        "mcos": ["Iowa Total Care", "Molina Healthcare of Iowa", "Wellpoint Iowa"],
        "clock_rules": FEDERAL_CLOCKS + IOWA_CLOCKS,
        "completeness_rules": DEFAULT_COMPLETENESS + ["priority"],
        "letterhead": {"name": "Iowa Medicaid", "address": "Member escalations"},
        # The seed gives no number: a made-up one (555-01xx) until the plan enters its own.
        "contact_lines": [
            {
                "purpose": "call centre",
                "label": "Member Services",
                "label_es": "Servicios para miembros",
                "phone": "515-555-0140",
                "hours": WEEKDAYS_8_TO_5_WORDS[0],
                "hours_es": WEEKDAYS_8_TO_5_WORDS[1],
            },
            {
                "purpose": "TTY",
                "label": "TTY: Relay Iowa",
                "label_es": "TTY: Relay Iowa",
                "phone": "7-1-1",
            },
        ],
    },
    {
        "slug": "co-cma",
        "name": "Colorado case management agency",
        "timezone": "America/Denver",
        "office_hours": {
            "mon": ["07:30-17:00"],
            "tue": ["07:30-17:00"],
            "wed": ["07:30-17:00"],
            "thu": ["07:30-17:00"],
            "fri": ["07:30-11:30"],
        },
        "holiday_country": "US",
        "holiday_subdivision": "CO",
        "types": [
            "General business functions",
            "Administration",
            "State general funded programs",
            "Case management",
            "Level of care (LOC) assessment",
            "Supports intensity scale (SIS) assessment",
            "Other",
        ],
        "intake_sources": ["phone", "web form", "in person", "letter", "e-mail"],
        "clock_rules": FEDERAL_CLOCKS
        + [
            {"name": "initial response", "rule": "2 business days", "met_by": "member contacted"},
        ],
        "completeness_rules": DEFAULT_COMPLETENESS + ["when_resolved:substantiated"],
        "letterhead": {"name": "Colorado case management agency", "address": "Grievances"},
        "training_objectives": [
            "Complaint definitions",
            "Customer service best practices and expectations",
            "Best practices for engaging with members and complaint resolution",
            "Understanding when a complaint needs escalation",
            "Responding to a complaint vs. resolving a complaint",
            "Documenting in activity logs (including timeframes)",
            "Interacting with and updating the complaint log",
        ],
        # Seed 003's escalation plan and hours of operation.
        "contact_lines": [
            {
                "purpose": "immediate needs",
                "label": "Immediate needs: Colorado Springs main line",
                "label_es": "Necesidades inmediatas: línea principal de Colorado Springs",
                "phone": "719-380-1100",
                "hours": "Monday to Thursday 7:30 AM to 5 PM; Friday 7:30 to 11:30 AM",
                "hours_es": "de lunes a jueves, de 7:30 a. m. a 5 p. m.; viernes, de 7:30 a "
                "11:30 a. m.",
            },
            {
                "purpose": "immediate needs",
                "label": "Immediate needs: Pueblo main line",
                "label_es": "Necesidades inmediatas: línea principal de Pueblo",
                "phone": "719-601-9991",
                "hours": "Monday to Thursday 7:30 AM to 5 PM; Friday 7:30 to 11:30 AM",
                "hours_es": "de lunes a jueves, de 7:30 a. m. a 5 p. m.; viernes, de 7:30 a "
                "11:30 a. m.",
            },
        ],
        # Department managers decide whether a grievance was substantiated.
        "substantiation_roles": ["manager"],
        "substantiation_reasons": [
            "Outside staff or agency control",
            "Within the standard response times",
            "Repeatedly filed by the same person",
            "Without legitimate grounds",
        ],
        "report_settings": {
            "trend_analysis": True,
            "trend_due": ["10-15", "01-15", "04-15", "07-15"],
        },
    },
    {
        "slug": "md-hmo",
        "name": "Maryland HMO quality of care",
        "timezone": "America/New_York",
        "office_hours": WEEKDAYS_8_TO_5,  # assumed
        "holiday_country": "US",
        "holiday_subdivision": "MD",
        "types": ["Quality of care"],
        "categories": [
            "Bad outcome",
            "Failed diagnostic follow-up",
            "Treatment below standard",
            "Medical records",
            "Confidentiality",
            "General dissatisfaction",
            "Staff qualifications",
            "Misdiagnosis",
            "Inappropriate referral",
            "Environment and infection control",
            "Emergency screening",
            "Internal complaint process",
            "Policy compliance",
            "Credentialing",
        ],
        "intake_sources": ["phone", "web form", "letter", "department referral"],
        "clock_rules": FEDERAL_CLOCKS
        + [
            {"name": "final response", "rule": "60 calendar days", "met_by": "resolved"},
            # A referred complaint: written results, or an interim report, within 30 days...
            {
                "name": "department report",
                "rule": "30 calendar days",
                "when": {"intake_source": "department referral"},
                "met_by": "department report",
            },
            # ...and after an interim report, the final one by day 60 at the latest.
            {
                "name": "department final report",
                "rule": "60 calendar days",
                "when": {"intake_source": "department referral"},
                "met_by": "department final report",
            },
        ],
        # The seed's own 5 years; each record keeps the longest rule, the federal 10 years.
        "retention_years": 5,
        # Seed 004 (.11 Complaint System, C(5)): the enrollee is given the Maryland Insurance
        # Administration's number for quality-of-care complaints outside the HMO's system.
        "member_routes": "If you wish to pursue a complaint about the quality of your care "
        "outside our complaint system, you may call the Maryland Insurance Administration at "
        "1-800-492-6116.",
        "member_routes_es": "Si desea presentar una queja sobre la calidad de su atención fuera "
        "de nuestro sistema de quejas, puede llamar a la Administración de Seguros de Maryland "
        "al 1-800-492-6116.",
        "completeness_rules": DEFAULT_COMPLETENESS + ["category"],
        "letterhead": {"name": "Maryland HMO", "address": "Complaint Department"},
        # The HMO's own department: a made-up number (555-01xx) until the plan enters its own;
        # the Insurance Administration's is seed 004's.
        "contact_lines": [
            {
                "purpose": "call centre",
                "label": "Complaint Department",
                "label_es": "Departamento de Quejas",
                "phone": "410-555-0160",
                "hours": WEEKDAYS_8_TO_5_WORDS[0],
                "hours_es": WEEKDAYS_8_TO_5_WORDS[1],
            },
            {
                "purpose": "state",
                "label": "Maryland Insurance Administration (quality of care complaints outside "
                "our system)",
                "label_es": "Administración de Seguros de Maryland (quejas sobre la calidad de la "
                "atención fuera de nuestro sistema)",
                "phone": "1-800-492-6116",
            },
        ],
    },
]


def load_programs(*, refresh: bool = False) -> tuple[int, int]:
    """Create the programs that are missing, by slug. Existing ones are left as they are
    (an administrator may have edited them since), unless `refresh`: then each existing one
    takes this file's settings again, over any edit. Returns (created, kept or refreshed)."""
    created = kept = 0
    for spec in PROGRAMS:
        values = {k: v for k, v in spec.items() if k not in ("clock_rules", "contact_lines")}
        values["clock_rules"] = [ClockRule(**rule) for rule in spec["clock_rules"]]
        values["contact_lines"] = [ContactLine(**line) for line in spec.get("contact_lines", [])]
        existing = Program.objects(slug=spec["slug"]).first()
        if existing is None:
            Program(**values).save()
            created += 1
            continue
        if refresh:
            for name, value in values.items():
                setattr(existing, name, value)
            existing.save()
        kept += 1
    return created, kept
