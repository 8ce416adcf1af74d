"""English and Spanish for the pages members see; the staff portal stays in English.

A member's choice (the language link, `?lang=es`) is kept in their session; otherwise the
browser's Accept-Language decides."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from babel.support import Translations
from flask import Flask, has_request_context, request, session
from flask_babel import Babel, get_locale

LANGUAGES = {"en": "English", "es": "Español"}
CATALOGS = Path(__file__).parent / "translations"


@functools.cache
def _catalog(lang: str) -> Translations:
    return Translations.load(str(CATALOGS), [lang if lang in LANGUAGES else "en"])


def words_in(lang: str | None) -> Callable[..., str]:
    """gettext in a member's language, outside any request (letters and notices are written
    by jobs and verbs too): words_in("es")("Hello %(name)s", name=...)."""
    catalog = _catalog(lang or "en")

    def gettext(message: str, **values) -> str:
        text = catalog.gettext(message)
        return text % values if values else text

    return gettext


def is_public(path: str) -> bool:
    return path == "/" or path == "/complaint" or path.startswith("/complaint/")


def select_locale() -> str:
    if not has_request_context() or not is_public(request.path):
        return "en"
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "en"


def language() -> str:
    return str(get_locale() or "en")


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=select_locale)

    @app.before_request
    def remember_language():
        chosen = request.args.get("lang")
        if chosen in LANGUAGES and is_public(request.path):
            session["lang"] = chosen

    @app.context_processor
    def languages():
        current = language()
        return {
            "lang": current,
            "other_languages": {k: v for k, v in LANGUAGES.items() if k != current},
            "show_language_links": has_request_context() and is_public(request.path),
        }
