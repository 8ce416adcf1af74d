"""What every benchmark shares: timing, percentiles, a throwaway instance, a signed-in client."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

PASSWORD = "bench password here"  # noqa: S105 - a throwaway instance's only account


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Median and nearest-rank 95th percentile."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def timed(fn, repeat: int, warm: bool = True) -> list[float]:
    """Seconds per call; the first (warming) call builds caches any later one would find."""
    if warm:
        fn()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def median_time(fn, repeat: int) -> float:
    return statistics.median(timed(fn, repeat, warm=False))


def make_app(folder: Path, **extra):
    from portal import create_app

    return create_app({"INSTANCE_PATH": str(folder), **extra})


def bench_manager():
    from portal.models import Program, User

    manager = User.objects(email="bench@bench.test").first()
    if manager is None:
        # A manager of a plan's every program: the list reads all of them, as before.
        manager = User(
            email="bench@bench.test",
            name="Bench",
            roles=["manager"],
            programs=list(Program.objects),
        )
        manager.totp_exempt = True
        manager.set_password(PASSWORD)
        manager.save()
    return manager


def child_env(folder: Path, **extra) -> dict:
    """Environment for `portal` subprocesses on the throwaway instance (embedded stores)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MONGODB_URI", "REDIS_URL")}
    env.update({"PORTAL_INSTANCE_PATH": str(folder), "SECRET_KEY": "bench-secret", **extra})
    return env


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc")


def row(*cells, widths=None) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"
