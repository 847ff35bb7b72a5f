"""Fixtures for a real SMTP server (aiosmtpd) that captures the emails the app sends."""

from __future__ import annotations

import dataclasses
import email
import email.policy
import re
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from shared.settings import Settings
from tests.live_server import free_port


class Inbox:
    """What the SMTP server received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def last_link(self, address: str, pattern: str = r"https?://\S+/backoffice/invitations/\S+") -> str:
        """The last link of that shape in the last email to `address`."""
        messages = self.to(address)
        assert messages, f"no email to {address}; got {[m['To'] for m in self.messages]}"
        body = messages[-1].get_content()
        links = re.findall(pattern, body)
        assert links, body
        return str(links[-1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[Inbox, int]) -> Inbox:
    return smtp_server[0]


@pytest.fixture
def email_settings(settings: Settings, smtp_server: tuple[Inbox, int]) -> Settings:
    return dataclasses.replace(settings, smtp_url=f"smtp://127.0.0.1:{smtp_server[1]}")


@pytest.fixture
async def email_client(email_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Like `client`, but the app sends its emails to the captured SMTP server."""
    from tests.conftest import app_client, reused_app

    async with app_client(reused_app(email_settings)) as client:
        yield client
