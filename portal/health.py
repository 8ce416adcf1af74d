"""Is it alive, is it ready: what `portal doctor` checks, answered over HTTP for the
orchestrator. `/healthz`: the process answers (it touches nothing). `/readyz`: the store, the
queue and the mail transport each answer; 503 naming the part that does not."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify

bp = Blueprint("health", __name__)


def parts(app: Flask) -> list[tuple[str, str, object]]:
    """(name, what it is, a check that raises when it does not answer)."""
    from portal import queue, store
    from portal.runtime import runtime

    rt = runtime()
    return [
        (
            "store",
            store.describe(app.config["MONGODB_URI"], Path(app.instance_path) / "data"),
            store.ping,
        ),
        (
            "queue",
            queue.describe(app.config["REDIS_URL"], Path(app.instance_path)),
            lambda: rt.redis().ping(),
        ),
        ("mail", rt.transport.describe(), rt.transport.check),
    ]


def readiness(app: Flask) -> dict[str, str]:
    """Each part: "ok", or the type of error it gave (never its message: it may hold a
    host name or an address)."""
    answers = {}
    for name, _what, check in parts(app):
        try:
            check()
        except Exception as exc:
            answers[name] = type(exc).__name__
        else:
            answers[name] = "ok"
    return answers


@bp.route("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.route("/readyz")
def readyz():
    answers = readiness(current_app._get_current_object())
    ready = all(state == "ok" for state in answers.values())
    return jsonify({"status": "ready" if ready else "not ready", **answers}), (
        200 if ready else 503
    )
