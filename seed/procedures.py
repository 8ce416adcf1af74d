"""Each program's written complaint procedure, version 1, published. The texts are files in
seed/procedures_text (SLUG.en.md, SLUG.es.md; the first line is the title): Maryland's covers
what COMAR 10.09.65.11 D asks of it; the others say what their seeds promise members. The
dates and the plan's own numbers are made up: the plan replaces them with a new version."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from portal.models import ProcedureVersion, Program
from portal.services import procedures

TEXTS = Path(__file__).parent / "procedures_text"
APPROVED = date(2026, 1, 15)
PUBLISHED = datetime(2026, 2, 2, 14, tzinfo=UTC)


def _read(slug: str, lang: str) -> tuple[str, str]:
    """(title, text) of one file, or ("", "") when there is none."""
    path = TEXTS / f"{slug}.{lang}.md"
    if not path.exists():
        return "", ""
    first, _, rest = path.read_text(encoding="utf-8").partition("\n")
    return first.removeprefix("# ").strip(), rest.strip()


def load_procedures() -> int:
    """Publish version 1 for each program that has a text and no version yet."""
    made = 0
    for program in Program.objects.order_by("slug"):
        title, text = _read(program.slug, "en")
        if not text or ProcedureVersion.objects(program=program).first() is not None:
            continue
        title_es, text_es = _read(program.slug, "es")
        draft = procedures.write_draft(
            program,
            title=title,
            text=text,
            title_es=title_es,
            text_es=text_es,
            by=None,
            now=PUBLISHED,
        )
        procedures.record_approval(draft, approved_on=APPROVED, note="seed", by=None, now=PUBLISHED)
        procedures.publish(draft, by=None, now=PUBLISHED)
        made += 1
    return made
