"""python -m bench.peer ROWS.json REPEAT: load the rows into a fresh SQLite database, time
Django admin's changelist pages, print one JSON line of medians (seconds)."""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path


def configure(folder: Path) -> None:
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-peer-only",  # noqa: S106
        ALLOWED_HOSTS=["testserver"],
        USE_TZ=True,
        ROOT_URLCONF="bench.peer.urls",
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": folder / "db"}},
        INSTALLED_APPS=[
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "django.contrib.messages",
            "django.contrib.staticfiles",
            "bench.peer.apps.PeerConfig",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
            "django.contrib.messages.middleware.MessageMiddleware",
        ],
        TEMPLATES=[
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {
                    "context_processors": [
                        "django.template.context_processors.request",
                        "django.contrib.auth.context_processors.auth",
                        "django.contrib.messages.context_processors.messages",
                    ]
                },
            }
        ],
        STATIC_URL="/static/",
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()


def main() -> None:
    rows_path, repeat = Path(sys.argv[1]), int(sys.argv[2])
    with tempfile.TemporaryDirectory(prefix="bench-peer-") as scratch:
        configure(Path(scratch))
        from django.contrib.auth.models import User
        from django.core.management import call_command
        from django.test import Client

        from bench.peer.models import Grievance

        call_command("migrate", run_syncdb=True, verbosity=0)
        rows = json.loads(rows_path.read_text())
        Grievance.objects.bulk_create(
            [
                Grievance(**{**row, "received_at": datetime.fromisoformat(row["received_at"])})
                for row in rows["records"]
            ],
            batch_size=2000,
        )
        client = Client()
        client.force_login(User.objects.create_superuser("bench", "b@bench.test", "x"))
        base = "/admin/peer/grievance/"
        year, month = (int(part) for part in rows["month"].split("-"))
        following = f"{year + month // 12}-{month % 12 + 1:02d}-01"
        pages = {
            # Django's admin opens on everything; it counts and sorts in SQLite.
            "as it opens": base,
            "open": f"{base}?is_open__exact=1",
            "a month of closed history": (
                f"{base}?received_at__gte={rows['month']}-01&received_at__lt={following}"
            ),
            "search reference": f"{base}?q={rows['reference']}",
            "search surname": f"{base}?q={rows['surname']}",
        }
        out = {}
        for name, url in pages.items():
            assert client.get(url).status_code == 200, url
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(url)
                times.append(time.perf_counter() - started)
            out[name] = statistics.median(times)
        print(json.dumps(out))


if __name__ == "__main__":
    main()
