"""Django's admin over SQLite on the same grievances as the portal's bench store: the public
anchor the portal's pages are measured against. Run in a process of its own by bench.peer's
`measure` (Django's settings are process-wide)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def measure(sample_reference: str, surname: str, month: str, repeat: int) -> dict[str, float]:
    """Django admin's p50 for each page, on a copy of the portal's bench records."""
    from portal.models import Grievance

    rows = [
        {
            "reference": r["reference"],
            "program": "ct-dental",
            "status": r.get("status") or "",
            "is_open": bool(r.get("is_open")),
            "level": r.get("level") or "",
            "received_at": r["received_at"].isoformat(),
            "member_name": (r.get("member") or {}).get("name") or "",
            "member_id": (r.get("member") or {}).get("member_id") or "",
        }
        for r in Grievance._get_collection().find(
            {},
            {"reference": 1, "status": 1, "is_open": 1, "level": 1, "received_at": 1, "member": 1},
        )
    ]
    with tempfile.TemporaryDirectory(prefix="bench-peer-rows-") as scratch:
        path = Path(scratch) / "rows.json"
        path.write_text(
            json.dumps(
                {"records": rows, "reference": sample_reference, "surname": surname, "month": month}
            )
        )
        done = subprocess.run(
            [sys.executable, "-m", "bench.peer", str(path), str(repeat)],
            capture_output=True,
            text=True,
            timeout=1800,
        )
    if done.returncode != 0:
        raise RuntimeError(f"the Django peer failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
