"""Issue 20: a fresh machine installs exactly the locked versions (requirements/*.lock, with
hashes, from `make lock`), so a new release inside a range changes nothing until the lock
does."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", re.MULTILINE)


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _lock(name: str) -> dict[str, str]:
    return {_name(n): v for n, v in PIN.findall((ROOT / "requirements" / name).read_text())}


def test_the_environment_is_exactly_the_lock():
    frozen = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--all", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    installed = {_name(n): v for n, v in PIN.findall(frozen)}
    installed.pop("pip", None)  # the installer itself, upgraded by the Makefile first
    assert installed == _lock("test.lock")


def test_the_image_lock_is_the_same_versions_without_the_test_tools():
    run, test = _lock("run.lock"), _lock("test.lock")
    assert run and all(test.get(name) == version for name, version in run.items())
    for tool in ("pytest", "playwright", "hypothesis", "ruff"):
        assert tool in test and tool not in run
    # Where the code reaches into a library's internals, the range itself is exact.
    pyproject = (ROOT / "pyproject.toml").read_text()
    for exact in ('"litemongo==', '"mongoengine==', '"rq=='):
        assert exact in pyproject
    assert "--require-hashes -r requirements/test.lock" in (ROOT / "Makefile").read_text()
    assert (
        "--require-hashes -r requirements/run.lock" in (ROOT / "deploy" / "Dockerfile").read_text()
    )
