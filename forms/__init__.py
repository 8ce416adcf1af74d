"""The public complaint form: no account, stored before anything else happens."""

from forms.views import bp

__all__ = ["bp"]
