"""Complaint submissions through gunicorn (2 workers x 4 threads) under load from a second
process, next to a bare endpoint doing only the same insert under the same server settings."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import requests

from bench.common import child_env

SERVER = ["--workers", "2", "--threads", "4", "--worker-class", "gthread", "--timeout", "60"]
CONCURRENCY = 8


def _serve(folder, target: str, probe: str):
    from portal.queue import free_port

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *SERVER, "--bind", f"127.0.0.1:{port}", target],
        env=child_env(folder, COMPLAINT_RATE_LIMIT="1000000 per hour"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            requests.get(base + probe, timeout=2)
            return server, base
        except requests.ConnectionError:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn {target} did not start") from None
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn {target} did not answer")


def _load(folder, target: str, probe: str, mode: str, seconds: float) -> dict:
    server, base = _serve(folder, target, probe)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.loadgen", base, mode, str(seconds), str(CONCURRENCY)],
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(timeout=30)


def _fresh(folder):
    """A new empty instance with the programs, so each run starts from the same store."""
    folder.mkdir(parents=True)
    seeded = subprocess.run(
        [sys.executable, "-m", "portal", "seed", "programs"],
        env=child_env(folder),
        capture_output=True,
        text=True,
    )
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    return folder


def measure(folder, seconds: float, rounds: int = 2) -> dict:
    """Form and bare insert in turns, each round on fresh instances; the better round of each
    counts (noise only ever slows a run down)."""
    from portal.queue import EmbeddedRedis

    runs: dict[str, list[dict]] = {"form": [], "bare": []}
    for n in range(rounds):
        for mode, target, probe in (
            ("form", "wsgi:app", "/complaint"),
            ("bare", "bench.bare:app", "/"),
        ):
            instance = _fresh(folder / f"{mode}-{n}")
            embedded = EmbeddedRedis(instance / "redis")  # acknowledgments are queued
            embedded.ensure()
            try:
                runs[mode].append(_load(instance, target, probe, mode, seconds))
            finally:
                embedded.stop()
    form, bare = (max(runs[m], key=lambda r: r["per_second"]) for m in ("form", "bare"))
    print(
        f"\n| submissions, best of {rounds} runs of {seconds:.0f} s, {CONCURRENCY} clients "
        "| per s | p50 s | p95 s | errors |"
    )
    print("|---|---|---|---|---|")
    for name, result in (("complaint form (gunicorn)", form), ("bare insert (floor)", bare)):
        print(
            f"| {name} | {result['per_second']:.1f} | {result['p50']:.3f} | {result['p95']:.3f} "
            f"| {result['errors']} |"
        )
    print(f"ratio form / bare: {form['per_second'] / bare['per_second']:.2f}")
    return {"form": form, "bare": bare}
