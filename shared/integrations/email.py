"""Sending email: SMTP when SMTP_URL is set, otherwise the message is written to the log (demo, dev).

Called only after the database transaction committed (shared.db.transactions.on_commit), so an
email never announces a change that was rolled back. smtplib runs in a thread to keep the event
loop free.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

log = logging.getLogger("rapport.email")

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates" / "emails"
SENDER = "Rapport <no-reply@rapport.invalid>"

_env = Environment(loader=FileSystemLoader(TEMPLATES_DIR), autoescape=False, undefined=StrictUndefined)  # noqa: S701 plain-text only


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


def render_email(template: str, to: str, **context: Any) -> Email:
    """templates/emails/<template>.txt: the first line is 'Subject: …', the rest is the plain-text body."""
    text = _env.get_template(f"{template}.txt").render(**context)
    first, _, body = text.partition("\n")
    subject = " ".join(first.removeprefix("Subject:").split())  # no line breaks in a header
    return Email(to=to, subject=subject, body=body.lstrip("\n"))


@dataclass(frozen=True)
class Mailer:
    """Where emails go: an SMTP server (smtp:// or smtps://user:pass@host:port), or the log when unset."""

    smtp_url: str | None
    sender: str = SENDER

    async def send(self, email: Email) -> None:
        if not self.smtp_url:
            # Dev and demo only: the body holds the one-time link, which is the point of printing it.
            log.warning("email not sent (SMTP_URL unset) to=%s subject=%s\n%s", email.to, email.subject, email.body)
            return
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message.set_content(email.body)
        await asyncio.to_thread(_deliver, self.smtp_url, message)

    async def send_quietly(self, email: Email) -> bool:
        """Send, logging (never raising) a delivery failure: the change it reports is already committed."""
        try:
            await self.send(email)
        except (OSError, smtplib.SMTPException) as exc:
            log.error("email delivery failed to=%s subject=%s: %s", email.to, email.subject, exc)
            return False
        return True


def _deliver(smtp_url: str, message: EmailMessage) -> None:
    url = urlsplit(smtp_url)
    host = url.hostname or "localhost"
    if url.scheme == "smtps":
        client: smtplib.SMTP = smtplib.SMTP_SSL(host, url.port or 465, timeout=20)
    else:
        client = smtplib.SMTP(host, url.port or 25, timeout=20)
    with client:
        if url.scheme == "smtp" and url.port == 587:
            client.starttls()
        if url.username:
            client.login(unquote(url.username), unquote(url.password or ""))
        client.send_message(message)
