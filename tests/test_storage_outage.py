"""The object store goes away (S3 mode; moto's S3 server in a process of its own, killed by its PID): the upload
endpoints say the file store can't be reached (a 503 the upload script shows), nothing is half-written (no draft
row, no audit row, the deliverable as it was; a draft being completed stays as it was), the review page still
renders (its signed URLs are computed locally), and generating a contract says so too and stores no contract."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from litestar import Litestar

from app import create_app
from shared.db.engine import RapportEngine
from shared.integrations.storage_s3 import S3Storage
from shared.settings import Settings
from shared.web.errors import STORAGE_UNAVAILABLE
from tests.conftest import Cast, app_client, csrf_token_from
from tests.factories import agreed_deal
from tests.personas import act_as_creator, act_as_staff
from tests.review_helpers import CAPTION, MP4, REEL, acme_deliverables, submitted_draft
from tests.storage_fixtures import Moto, create_bucket


@pytest.fixture
def s3_app(settings: Settings, moto: Moto) -> Litestar:
    bucket = create_bucket(moto.endpoint)
    return create_app(dataclasses.replace(settings, storage_url=f"s3://{bucket}", s3_endpoint_url=moto.endpoint))


@pytest.fixture
async def http(s3_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(s3_app) as client:
        yield client


async def _counts(engine: RapportEngine, deliverable_id: int) -> dict[str, object]:
    """Everything an upload writes: its draft rows, the audit log, the deliverable's own row."""
    [drafts] = await engine.fetch("SELECT count(*) AS n, max(upload_state) AS state FROM draft")
    [audit] = await engine.fetch("SELECT count(*) AS n FROM audit_log")
    [deliverable] = await engine.fetch("SELECT * FROM deliverable WHERE id = $1", deliverable_id)
    return {"drafts": dict(drafts), "audit": audit["n"], "deliverable": dict(deliverable)}


META = {"filename": "trail.mp4", "type": "video/mp4", "size": str(len(MP4))}  # what the upload script sends


async def _alice_on_her_reel(http: httpx.AsyncClient, cast: Cast) -> tuple[int, dict[str, str]]:
    """Alice, signed in, on the page of a reel she has to deliver; the headers the upload script sends."""
    deliverable = (await acme_deliverables(cast))[REEL]
    await act_as_creator(http, cast.alice_id)
    token = csrf_token_from((await http.get(f"/work/{deliverable}")).text)
    return deliverable, {"x-csrftoken": token, "accept": "application/json"}


def _unreachable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["detail"] == STORAGE_UNAVAILABLE  # what the upload script shows the creator
    assert response.headers["retry-after"] == "30"


async def test_starting_an_upload_says_the_store_is_unreachable_and_writes_nothing(
    http: httpx.AsyncClient, cast: Cast, moto: Moto, engine: RapportEngine
) -> None:
    deliverable, headers = await _alice_on_her_reel(http, cast)
    moto.stop()
    before = await _counts(engine, deliverable)
    _unreachable(await http.post(f"/work/{deliverable}/uploads", json=META, headers=headers))
    assert await _counts(engine, deliverable) == before
    # The page itself still works: nothing on it needs the store.
    assert (await http.get(f"/work/{deliverable}")).status_code == 200


async def test_completing_an_upload_says_so_and_leaves_the_draft_as_it_was(
    http: httpx.AsyncClient, cast: Cast, moto: Moto, engine: RapportEngine
) -> None:
    deliverable, headers = await _alice_on_her_reel(http, cast)
    started = await http.post(f"/work/{deliverable}/uploads", json=META, headers=headers)
    assert started.status_code == 201, started.text
    draft = started.json()["draftId"]
    signed = await http.post(f"/work/{deliverable}/uploads/{draft}/parts/1", headers=headers)
    async with httpx.AsyncClient() as browser:  # the part goes straight to the store, as from the browser
        put = await browser.put(signed.json()["url"], content=MP4)
    assert put.status_code == 200, put.text
    moto.stop()
    before = await _counts(engine, deliverable)
    assert before["drafts"] == {"n": 1, "state": "initiated"}
    parts = {"parts": [{"PartNumber": 1, "ETag": put.headers["etag"]}], "caption": CAPTION}
    _unreachable(await http.post(f"/work/{deliverable}/uploads/{draft}/complete", json=parts, headers=headers))
    # Not rejected ("parts are missing"), not verified: the creator may try again once the store is back.
    assert await _counts(engine, deliverable) == before


async def test_the_review_page_renders_while_the_store_is_down(
    http: httpx.AsyncClient, s3_app: Litestar, cast: Cast, moto: Moto
) -> None:
    storage = s3_app.state["storage"]
    assert isinstance(storage, S3Storage)
    deliverable = (await acme_deliverables(cast))[REEL]
    async with httpx.AsyncClient() as browser:
        draft = await submitted_draft(browser, storage, cast.alice_id, deliverable)
    moto.stop()
    await act_as_staff(http, cast.bob_id)
    page = await http.get(f"/backoffice/b/acme/reviews/{draft}")
    assert page.status_code == 200, page.text[:500]
    # The file's address is signed without asking the store; it is the browser that will find the store gone.
    assert f"{moto.endpoint}/" in page.text and "X-Amz-Signature=" in page.text


async def test_generating_a_contract_says_the_store_is_unreachable_and_writes_no_contract(
    http: httpx.AsyncClient, cast: Cast, moto: Moto, engine: RapportEngine
) -> None:
    deal = await agreed_deal(cast)
    await act_as_staff(http, cast.bob_id)
    offer = f"/backoffice/b/acme/offers/{deal.collaboration_id}"
    token = csrf_token_from((await http.get(offer)).text)
    moto.stop()
    response = await http.post(f"{offer}/contract", data={"_csrf_token": token})
    assert response.status_code == 503, response.text[:500]
    assert STORAGE_UNAVAILABLE.replace("'", "&#39;") in response.text  # the page, for a person
    assert (await engine.fetch("SELECT count(*) AS n FROM contract"))[0]["n"] == 0
    contract_audit = await engine.fetch("SELECT action FROM audit_log WHERE subject_type = 'contract'")
    assert contract_audit == []
