"""`portal run`: the web app, one worker and the scheduler in the foreground, stopped together."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click
from flask import Flask

from portal.models import Grievance, Program


def _prepare_data(app: Flask) -> None:
    from portal.clock import utcnow
    from seed.demo import load_demo
    from seed.procedures import load_procedures
    from seed.programs import load_programs

    if Program.objects.count() == 0:
        load_programs()
        click.echo("Loaded the four seed programs.")
    if load_procedures():
        click.echo("Published the programs' complaint procedures (version 1).")
    if Grievance.objects.count() == 0:
        if app.config["MONGODB_URI"]:
            click.echo("MONGODB_URI is set: no demo data loaded (see `portal seed demo`).")
        else:
            click.echo("Loading demo data (staff, providers, grievances)...")
            click.echo(load_demo(utcnow()))


def port_is_free(host: str, port: int) -> bool:
    """Nothing listens there. Connections of a server just stopped, still closing, do not
    count: gunicorn binds as this does (SO_REUSEADDR)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def run(app: Flask, port: int) -> int:
    from portal.queue import EmbeddedRedis

    if not port_is_free("127.0.0.1", port):
        click.echo(
            f"Port {port} is in use (another portal?). Start on another: PORT=5001 make run",
            err=True,
        )
        return 1
    embedded = None
    if not app.config["REDIS_URL"]:
        embedded = EmbeddedRedis(Path(app.instance_path) / "redis")
        _url, started = embedded.ensure()
        if not started:
            embedded = None  # someone else's server for this instance: leave it running
    _prepare_data(app)

    base = [sys.executable, "-m", "portal"]
    # Every child links to the port the web app serves on, however it was chosen.
    # Text logs for the person at this terminal, unless they asked for JSON.
    env = {"LOG_FORMAT": "text", **os.environ, "PORT": str(port)}
    children = {
        "web": subprocess.Popen([*base, "serve", "--port", str(port)], env=env),
        "worker": subprocess.Popen([*base, "worker"], env=env),
        "scheduler": subprocess.Popen([*base, "scheduler"], env=env),
    }
    click.echo(
        f"\nGrievance portal on http://127.0.0.1:{port}\n"
        f"  complaint form  http://127.0.0.1:{port}/complaint\n"
        f"  staff admin     http://127.0.0.1:{port}/admin/\n"
        f"  demo logins     ROLE@demo.example / demo-password, ROLE one of\n"
        f"                  csr dhcs provider_relations liaison supervisor manager director "
        f"auditor admin\n"
        f"  instance        {app.instance_path}\n"
        f"Press Ctrl-C to stop the web app, the worker and the scheduler.\n"
    )

    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    status = 0
    try:
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    click.echo(f"{name} stopped (exit {child.returncode}); stopping the rest.")
                    status = 1
                    stopping = True
            time.sleep(0.3)
    finally:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for child in children.values():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if embedded is not None:
            embedded.stop()
        click.echo("Stopped.")
    return status
