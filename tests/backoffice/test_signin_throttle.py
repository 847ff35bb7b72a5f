"""Sign-in rate limiting: growing locks per account and per address, without revealing accounts."""

import datetime as dt

import httpx

from shared.db.tables import AuditLog, SignInThrottle
from shared.identity.rules import ACCOUNT_THRESHOLD, MAX_LOCK_SECONDS, lock_seconds
from tests.backoffice.staff_helpers import submit_password
from tests.conftest import Cast

Client = httpx.AsyncClient


def _soon(minutes: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) + dt.timedelta(minutes=minutes)


def test_it_grows_the_lock_and_caps_it() -> None:
    assert [lock_seconds(n, 5) for n in (0, 4, 5, 6, 7, 10)] == [0, 0, 1, 2, 4, 32]
    assert lock_seconds(40, 5) == MAX_LOCK_SECONDS == 15 * 60


async def test_it_locks_an_account_after_repeated_failures(client: Client, cast: Cast) -> None:
    for _ in range(ACCOUNT_THRESHOLD):
        response = await submit_password(client, "bob@acme.test", "not-the-password")
        assert response.status_code == 400
    row = await SignInThrottle.objects().where(SignInThrottle.key == "account:bob@acme.test").first()
    assert row is not None and row.failures == ACCOUNT_THRESHOLD and row.locked_until is not None
    # As if more failures had followed: a ten-minute lock. Even the right password is refused, unchecked.
    await SignInThrottle.update({SignInThrottle.locked_until: _soon(10)}).where(SignInThrottle.id == row.id)
    refused = await submit_password(client, "bob@acme.test")
    assert refused.status_code == 429
    assert "Too many attempts, try again in 10 minutes" in refused.text
    assert 'value="bob@acme.test"' in refused.text
    assert 590 <= int(refused.headers["retry-after"]) <= 600
    assert "rapport_session" not in refused.cookies
    assert await AuditLog.exists().where(AuditLog.action == "staff.sign_in_throttled")
    # Once the lock has passed, the right password works and the count starts again.
    await SignInThrottle.update({SignInThrottle.locked_until: _soon(-1)}).where(SignInThrottle.id == row.id)
    ok = await submit_password(client, "bob@acme.test")
    assert ok.status_code == 303
    assert not await SignInThrottle.exists().where(SignInThrottle.key == "account:bob@acme.test")


async def test_it_treats_unknown_emails_exactly_like_accounts(client: Client, cast: Cast) -> None:
    for email in ("bob@acme.test", "nobody@acme.test"):
        for _ in range(ACCOUNT_THRESHOLD):
            await submit_password(client, email, "not-the-password")
        await SignInThrottle.update({SignInThrottle.locked_until: _soon(3)}).where(
            SignInThrottle.key == f"account:{email}"
        )
    known = await submit_password(client, "bob@acme.test", "not-the-password")
    unknown = await submit_password(client, "nobody@acme.test", "not-the-password")
    assert known.status_code == unknown.status_code == 429
    assert known.text.replace("bob@acme.test", "X").count("try again in 3 minutes") == 1
    assert "try again in 3 minutes" in unknown.text


async def test_it_locks_an_address_trying_many_accounts(client: Client, cast: Cast) -> None:
    await SignInThrottle.insert(SignInThrottle(key="ip:127.0.0.1", failures=25, locked_until=_soon(15)))
    response = await submit_password(client, "vic@acme.test")
    assert response.status_code == 429
    assert "try again in 15 minutes" in response.text


async def test_it_counts_address_failures_across_accounts(client: Client, cast: Cast) -> None:
    for email in ("a@x.test", "b@x.test", "c@x.test"):
        await submit_password(client, email, "not-the-password")
    row = await SignInThrottle.objects().where(SignInThrottle.key == "ip:127.0.0.1").first()
    assert row is not None and row.failures == 3 and row.locked_until is None


async def test_it_forgets_old_failures(client: Client, cast: Cast) -> None:
    await SignInThrottle.insert(
        SignInThrottle(
            key="account:bob@acme.test", failures=30, last_failure_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
        )
    )
    await submit_password(client, "bob@acme.test", "not-the-password")
    row = await SignInThrottle.objects().where(SignInThrottle.key == "account:bob@acme.test").first()
    assert row is not None and row.failures == 1 and row.locked_until is None
