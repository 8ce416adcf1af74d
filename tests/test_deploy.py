"""deploy/ checked against the app itself: the compose file's environment is what the settings
read and accept for production, its hosts are its own services, its commands exist, and the
image carries every package. No Docker engine runs here; where the docker compose client or
caddy is installed, their own validators run too, and the test says which ran."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from pymongo.uri_parser import parse_uri

from portal import config, mail

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
PORTAL_SERVICES = ("setup", "web", "worker", "scheduler")


def _example_env() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    values["SECRET_KEY"] = "a" * 64
    values["HISTORY_KEY"] = "b" * 64
    return values


_VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")


def _interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error} forms."""

    def value(match):
        name, operator, rest = match.groups()
        if env.get(name):
            return env[name]
        if operator in (":?", "?"):
            raise AssertionError(f"{name} is required: {rest}")
        return rest or ""

    return _VARIABLE.sub(value, text)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(_interpolate((DEPLOY / "docker-compose.yml").read_text(), _example_env()))


def _reads(environment: dict[str, str], tmp_path) -> tuple[dict, set[str]]:
    """The settings the app makes of this environment, and every name it looked up."""
    looked_up: set[str] = set()

    class Recording(dict):
        def get(self, name, default=None):
            looked_up.add(name)
            return super().get(name, default)

        def __getitem__(self, name):
            looked_up.add(name)
            return super().__getitem__(name)

    saved = os.environ
    os.environ = Recording(environment)  # noqa: B003 - read back at once, restored below
    try:
        settings = config.from_environment(tmp_path)
    finally:
        os.environ = saved  # noqa: B003
    return settings, looked_up


def test_the_compose_environment_is_a_valid_production_configuration(compose, tmp_path):
    services = compose["services"]
    environments = [services[name]["environment"] for name in PORTAL_SERVICES]
    assert all(env == environments[0] for env in environments), "one environment for all"
    environment = {k: str(v) for k, v in environments[0].items()}
    settings, looked_up = _reads(environment, tmp_path)

    assert set(environment) <= looked_up, f"not read by the app: {set(environment) - looked_up}"
    assert settings["SESSION_COOKIE_SECURE"] and settings["PROXY_HOPS"] == 1
    assert settings["PUBLIC_BASE_URL"] == "https://grievances.example.org"

    mongo = parse_uri(settings["MONGODB_URI"])
    assert mongo["options"]["replicaSet"] == "rs0"
    assert {host for host, _port in mongo["nodelist"]} == {"mongo1", "mongo2", "mongo3"}
    assert set(mongo["nodelist"]) <= {(name, 27017) for name in services}
    assert urlsplit(settings["REDIS_URL"]).hostname in services
    transport = mail.transport_for(settings["SMTP_URL"], tmp_path)
    assert transport.host in services
    # Without the shared key every instance would make its own, and sessions would break.
    with pytest.raises(SystemExit, match="SECRET_KEY"):
        _reads({k: v for k, v in environment.items() if k != "SECRET_KEY"}, tmp_path)
    # Nor does it start without the key of the records' history (issue 18).
    with pytest.raises(SystemExit, match="HISTORY_KEY"):
        _reads({k: v for k, v in environment.items() if k != "HISTORY_KEY"}, tmp_path)


def test_every_command_in_deploy_exists(compose, app):
    import click

    context = click.Context(app.cli)
    for name in ("worker", "scheduler", "setup"):
        command = compose["services"][name]["command"]
        lines = command[-1].split("&&") if command[0] == "sh" else [" ".join(command)]
        for line in lines:
            words = line.split()
            assert words[0] == "portal", line
            found = app.cli.get_command(context, words[1])
            assert found is not None, f"{line}: no command {words[1]!r}"
            if len(words) > 2 and hasattr(found, "get_command"):
                assert found.get_command(context, words[2]) is not None, line

    # The image serves as a developer does: `portal serve` (gunicorn), on every interface.
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    assert cmd[:2] == ["portal", "serve"], cmd
    options = app.cli.get_command(context, "serve").make_context("serve", cmd[2:]).params
    assert options["host"] == "0.0.0.0" and options["port"] == 8000, options  # noqa: S104 - a container
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert "name web" in caddyfile and "port 8000" in caddyfile
    # Every package the project installs goes into the image.
    for package in ("portal", "forms", "jobs", "seed"):
        assert f"COPY {package} {package}" in dockerfile
        assert f"!{package}/" in (DEPLOY / "Dockerfile.dockerignore").read_text()


def _compose_client() -> list[str] | None:
    if shutil.which("docker"):
        plugin = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if plugin.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def test_the_compose_client_accepts_the_file_where_there_is_one(compose):
    """The YAML checks above run everywhere; `docker compose config` only where a client is."""
    services = compose["services"]
    assert {"mongo1", "mongo2", "mongo3", "redis", "mail", "proxy", *PORTAL_SERVICES} <= set(
        services
    )
    assert "--appendonly" in services["redis"]["command"]
    assert all("--replSet" in services[m]["command"] for m in ("mongo1", "mongo2", "mongo3"))
    assert services["web"]["deploy"]["replicas"] > 1
    assert services["scheduler"]["deploy"]["replicas"] > 1
    client = _compose_client()
    if client is None:
        print("deploy/docker-compose.yml: no docker compose client here; YAML checks only")
        return
    checked = subprocess.run(
        [*client, "-f", str(DEPLOY / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={**os.environ, **_example_env()},
    )
    assert checked.returncode == 0, checked.stderr
    print(f"deploy/docker-compose.yml: {' '.join(client)} config accepts it")


def test_caddy_accepts_the_caddyfile():
    caddy = shutil.which("caddy")
    assert caddy, "caddy is missing: `make test` installs Debian's caddy (apt-get install caddy)"
    checked = subprocess.run(
        [caddy, "validate", "--adapter", "caddyfile", "--config", str(DEPLOY / "Caddyfile")],
        capture_output=True,
        text=True,
        env={**os.environ, "PORTAL_HOST": "grievances.example.org"},
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
