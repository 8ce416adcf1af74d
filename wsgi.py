"""WSGI entry point: `waitress-serve --call wsgi:create_app`, or `app` for servers that want it."""

from portal import create_app

app = create_app()
