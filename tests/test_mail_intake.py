"""Issue 23: complaints that arrive by e-mail, read from a real IMAP server on loopback
(Debian's dovecot, installed by `make test`). A new complaint, a reply carrying a reference,
the same message delivered twice and an unreadable one: one new record, one narrative added,
nothing twice, one message waiting for review, and the sender acknowledged."""

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from portal.models import Grievance, InboundMail, JobRun, Outbox
from portal.services.grievances.intake import Intake, submit
from tests.conftest import free_port
from tests.helpers import wait_until_listening
from tests.test_attachments import _pdf

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "ct-grievances", "mailbox password"


@pytest.fixture
def mailbox():
    """A dovecot of the test's own on a free loopback port, one mailbox, stopped by PID."""
    if not os.access(DOVECOT, os.X_OK):
        pytest.fail("Debian's dovecot is missing: run `apt-get install -y dovecot-imapd`")
    # Dovecot's own processes (its users, when run as root) read the folder: not pytest's
    # private temporary folders.
    tmp_path = Path(tempfile.mkdtemp(prefix="portal-dovecot-"))
    tmp_path.chmod(0o755)
    port = free_port()
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    (tmp_path / "users").chmod(0o644)  # read by dovecot's auth process
    # Dovecot runs no mailbox as root: as root, the mail belongs to its own user.
    owner = pwd.getpwnam("dovecot") if os.getuid() == 0 else pwd.getpwuid(os.getuid())
    shutil.chown(home, owner.pw_uid, owner.pw_gid)
    config = tmp_path / "dovecot.conf"
    config.write_text(f"""
base_dir = {tmp_path}/run
state_dir = {tmp_path}/state
log_path = {tmp_path}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = {owner.pw_uid}
default_internal_user = {"dovecot" if os.getuid() == 0 else owner.pw_name}
default_login_user = {"dovenull" if os.getuid() == 0 else owner.pw_name}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {tmp_path}/users
}}
userdb {{
  driver = static
  args = uid={owner.pw_uid} gid={owner.pw_gid} home={home}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
namespace inbox {{
  inbox = yes
}}
""")
    server = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_listening(port, server, f"dovecot (log: {tmp_path / 'dovecot.log'})")
        yield f"imap://{USER}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{port}/INBOX", port
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
        shutil.rmtree(tmp_path, ignore_errors=True)


def _deliver(port: int, *messages: bytes) -> None:
    with IMAPClient("127.0.0.1", port=port, ssl=False) as client:
        client.login(USER, PASSWORD)
        for raw in messages:
            client.append("INBOX", raw)


def _folders(port: int) -> dict[str, int]:
    with IMAPClient("127.0.0.1", port=port, ssl=False) as client:
        client.login(USER, PASSWORD)
        return {
            name: client.folder_status(name, ["MESSAGES"])[b"MESSAGES"]
            for _flags, _sep, name in client.list_folders()
        }


def _message(subject: str, text: str, message_id: str, pdf: bytes | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = "Rosa Pérez <rosa.perez@example.org>"
    message["To"] = "grievances@ct-dental.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(text)
    if pdf is not None:
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename="bill.pdf")
    return message.as_bytes()


def test_a_mailbox_files_a_complaint_a_reply_once_each_and_sets_aside_the_unreadable(
    app, programs, staff, sign_in, clock, mailbox, work_jobs, smtp_server
):
    url, port = mailbox
    app.config["MAIL_INTAKE"] = {"ct-dental": url}
    earlier = submit(
        programs["ct-dental"], Intake(description="x", member_name="Al Roe"), clock.now()
    )
    new = _message(
        "Billing problem",
        "The office charged me for a cleaning that Medicaid covers.",
        "<new-1@example.org>",
        pdf=_pdf("Invoice 1234"),
    )
    reply = _message(
        f"Re: We received your complaint ({earlier.reference})",
        "I have the receipt now; I can send it if you want.",
        "<reply-1@example.org>",
    )
    unreadable = b"\x00\x01 this is no message at all \xff\xfe"
    _deliver(port, new, reply, new, unreadable)  # the first delivered twice

    try:
        from jobs.tasks import mail_intake

        with app.app_context():
            summary = mail_intake(now=clock.now().isoformat())
            again = mail_intake(now=clock.now().isoformat())  # a second read files nothing
    finally:
        app.config["MAIL_INTAKE"] = {}
    assert summary == {"new": 1, "reply": 1, "review": 1, "again": 1, "waiting_for_review": 1}
    assert again == {"new": 0, "reply": 0, "review": 0, "again": 0, "waiting_for_review": 1}

    filed = Grievance.objects(intake_source="e-mail")
    assert filed.count() == 1 and Grievance.objects.count() == 2
    record = filed.get()
    assert record.member.email == "rosa.perez@example.org" and record.member.name == "Rosa Pérez"
    assert record.narratives[0].text == "The office charged me for a cleaning that Medicaid covers."
    assert [(a.name, a.content_type) for a in record.attachments] == [
        ("bill.pdf", "application/pdf")
    ]
    assert record.clocks and record.history[0].detail == "through e-mail with 1 file"
    earlier.reload()
    assert earlier.narratives[-1].kind == "contact"
    assert "I have the receipt now" in earlier.narratives[-1].text
    assert earlier.history[-1].action == "e-mail received"
    assert InboundMail.objects(outcome="review").count() == 1
    assert _folders(port) == {"INBOX": 0, "Done": 3, "Needs review": 1}

    # The sender gets the acknowledgment with the reference.
    work_jobs()
    ack = Outbox.objects.get(key=f"ack:{record.reference}")
    assert ack.recipient == "rosa.perez@example.org" and ack.status == "sent"
    # The admin home says a message waits for a person.
    assert JobRun.objects.get(name="mail-intake").summary["waiting_for_review"] == 1
    home = sign_in("csr").get("/admin/").text
    assert "1 e-mail to the grievance address could not be read as a complaint" in home
    print(f"mail intake: {summary}; again: {again}; folders {_folders(port)}")
