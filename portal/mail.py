"""Mail transports: .eml files in the instance outbox folder, or SMTP when SMTP_URL is set."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


def build_message(
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str | None,
    *,
    key: str,
    written: datetime,
):
    """A message as RFC 5322 wants it: its Date (when the portal wrote it), a Message-ID made
    from the outbox key (a resend is the same message to the receiving side), and marked
    as automatic (RFC 3834), so that out-of-office replies do not answer it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    written = written if written.tzinfo else written.replace(tzinfo=UTC)
    message["Date"] = format_datetime(written.astimezone(UTC))
    domain = sender.rpartition("@")[2] or "portal.invalid"
    message["Message-ID"] = f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


class FileTransport:
    """Writes each message as an .eml file: the embedded stand-in for an SMTP server."""

    def __init__(self, folder: Path):
        self.folder = folder

    def describe(self) -> str:
        return f".eml files in {self.folder}"

    def check(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage, key: str) -> str:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(key.encode()).hexdigest()[:16] + ".eml"
        path = self.folder / name
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(bytes(message))
        tmp.replace(path)  # atomic: a reader never sees half a message
        return name


class SmtpTransport:
    """smtp://[user:password@]host[:port][?starttls=1] or smtps://..."""

    def __init__(self, url: str, timeout: float = 30):
        parsed = urlparse(url)
        if parsed.scheme not in ("smtp", "smtps") or not parsed.hostname:
            raise ValueError("SMTP_URL must look like smtp://host:port or smtps://host:port")
        self.ssl = parsed.scheme == "smtps"
        self.host = parsed.hostname
        self.port = parsed.port or (465 if self.ssl else 25)
        self.username = unquote(parsed.username) if parsed.username else None
        self.password = unquote(parsed.password) if parsed.password else None
        self.starttls = parse_qs(parsed.query).get("starttls", ["0"])[0] in ("1", "true")
        self.timeout = timeout

    def describe(self) -> str:
        return f"SMTP at {self.host}:{self.port}"

    def _connect(self) -> smtplib.SMTP:
        if self.ssl:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.starttls:
            client.starttls(context=ssl.create_default_context())
        return client

    def check(self) -> None:
        with self._connect() as client:
            client.noop()

    def send(self, message: EmailMessage, key: str) -> str:
        with self._connect() as client:
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)
        return f"smtp:{self.host}"


def transport_for(smtp_url: str | None, outbox_folder: Path):
    return SmtpTransport(smtp_url) if smtp_url else FileTransport(outbox_folder)
