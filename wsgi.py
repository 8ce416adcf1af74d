"""WSGI entry point for servers other than `portal serve` (which runs gunicorn on
`portal:create_app()` with portal/serving.py): `app`."""

from portal import create_app

app = create_app()
