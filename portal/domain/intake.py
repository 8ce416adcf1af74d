"""Pure rules for what a member tells us at intake: triage of serious matters, NPI check
digits, adult or child."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# Medicaid counts a member as a child under 21 (EPSDT); the quarterly report splits on this.
CHILD_UNDER_AGE = 21

# Words that suggest a Level III matter: violence, abuse, sexual contact, an emergency.
# English and Spanish, matched on whole words after folding case and accents. Staff confirm
# or change the level; a false alarm costs a look, a missed one costs a member.
_SERIOUS = {
    "violence": [
        r"violen\w*",
        r"assault\w*",
        r"attack\w*",
        r"hit (?:me|him|her|my|them)",
        r"slapp?\w*",
        r"punch\w*",
        r"kick(?:ed)?",
        r"threat\w*",
        r"weapon\w*",
        r"golpe\w*",
        r"pego",
        r"pegaron",
        r"amenaz\w*",
        r"arma",
        r"agredi\w*",
        r"agresion",
    ],
    "abuse": [r"abus\w*", r"neglect\w*", r"maltrat\w*", r"negligencia"],
    "sexual contact": [
        r"sexual\w*",
        r"molest\w*",
        r"rap(?:e|ed)",
        r"grop\w*",
        r"touched (?:me|him|her|my)",
        r"violacion",
        r"violo",
        r"acoso",
        r"manose\w*",
        r"me toco",
        r"la toco",
        r"lo toco",
    ],
    "emergency": [
        r"emergenc\w*",
        r"911",
        r"ambulanc\w*",
        r"hospital\w*",
        r"urgencias",
        r"emergencia\w*",
    ],
}
_PATTERNS = {
    kind: re.compile(r"\b(?:" + "|".join(words) + r")\b") for kind, words in _SERIOUS.items()
}


def fold(text: str) -> str:
    """Lower case without accents, so 'Violación' and 'violacion' read the same."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def serious_matters(text: str) -> list[str]:
    """The kinds of Level III matter the text suggests, in a fixed order; empty if none."""
    folded = fold(text)
    return [kind for kind, pattern in _PATTERNS.items() if pattern.search(folded)]


def npi_is_valid(npi: str) -> bool:
    """A National Provider Identifier: 10 digits, the last a Luhn check digit computed with
    the prefix 80840 (CMS, 'NPI check digit')."""
    if not re.fullmatch(r"\d{10}", npi or ""):
        return False
    digits = [int(d) for d in "80840" + npi]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def age_group(birth_date: date, on: date) -> str:
    """'child' under CHILD_UNDER_AGE on the given day, else 'adult'."""
    years = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    return "child" if years < CHILD_UNDER_AGE else "adult"
