"""Every word a member sees has its Spanish, and the catalog the app loads is the current one."""

import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "portal" / "translations" / "es" / "LC_MESSAGES"


def test_every_member_facing_message_has_its_spanish(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg"]
        + ["-k", "_l", "-k", "lazy_gettext", "--omit-header", "-o", str(pot), "."],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with (CATALOG / "messages.po").open("rb") as fh:
        spanish = {m.id: m.string for m in read_po(fh) if m.id}
    missing = sorted(w for w in wanted if not spanish.get(w))
    assert not missing, f"run `make messages` and translate: {missing}"
    assert len(wanted) > 100


def test_the_compiled_catalog_matches_its_source():
    with (CATALOG / "messages.po").open("rb") as fh:
        source = {m.id: m.string for m in read_po(fh) if m.id}
    assert (CATALOG / "messages.mo").exists(), "run `make translations`"
    with (CATALOG / "messages.mo").open("rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    assert compiled == source, "the .mo is stale: run `make translations`"
