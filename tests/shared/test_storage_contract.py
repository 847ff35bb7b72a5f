"""The Storage contract, run against both backends over real HTTP: S3Storage against moto's server,
LocalStorage against the app's own /storage/ routes. Whatever passes here, the upload flow may rely on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from shared.integrations.storage import MIN_PART_BYTES, Storage, StorageError, UploadedPart
from shared.integrations.storage_local import LocalStorage

KEY = "creators/1/deliverables/2/drafts/3/beach-reel.mp4"
# An MP4's first bytes, then filler: part 1 is exactly S3's minimum part size, part 2 the remainder.
MP4_HEAD = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
VIDEO = MP4_HEAD + bytes(range(256)) * ((MIN_PART_BYTES + 300_000) // 256)
PART_1, PART_2 = VIDEO[:MIN_PART_BYTES], VIDEO[MIN_PART_BYTES:]


@dataclass
class Backend:
    name: str
    storage: Storage
    http: httpx.AsyncClient  # plays the browser: PUTs and GETs the signed URLs


@pytest.fixture(params=["s3", "local"])
async def backend(
    request: pytest.FixtureRequest, client: httpx.AsyncClient, local_storage: LocalStorage
) -> AsyncIterator[Backend]:
    if request.param == "s3":
        async with httpx.AsyncClient(timeout=30) as http:
            yield Backend("s3", request.getfixturevalue("s3_storage"), http)
    else:
        # The in-process app serves the local backend's URLs (whatever host they name).
        yield Backend("local", local_storage, client)


async def put_part(backend: Backend, key: str, upload_id: str, number: int, body: bytes) -> UploadedPart:
    url = await backend.storage.sign_upload_part(key, upload_id, number)
    response = await backend.http.put(url, content=body)
    assert response.status_code == 200, response.text
    return UploadedPart(number, response.headers["etag"], len(body))


async def test_it_uploads_in_parts_resumes_and_serves_the_file(backend: Backend) -> None:
    storage = backend.storage
    upload_id = await storage.create_multipart_upload(KEY, "video/mp4")
    first = await put_part(backend, KEY, upload_id, 1, PART_1)

    # The connection drops; after a reload the browser asks which parts the store already has.
    assert await storage.list_parts(KEY, upload_id) == [first]
    second = await put_part(backend, KEY, upload_id, 2, PART_2)
    parts = await storage.list_parts(KEY, upload_id)
    assert [(p.number, p.size) for p in parts] == [(1, len(PART_1)), (2, len(PART_2))]
    assert parts == [first, second]

    await storage.complete_multipart_upload(KEY, upload_id, parts)

    info = await storage.head(KEY)
    assert info is not None
    assert (info.size, info.content_type) == (len(VIDEO), "video/mp4")
    assert info.checksum.endswith('-2"')  # S3's multipart ETag shape, on both backends
    assert await storage.read_head_bytes(KEY, 12) == VIDEO[:12]
    assert await storage.sha256(KEY) == hashlib.sha256(VIDEO).hexdigest()
    assert await storage.list_multipart_uploads(started_before=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)) == []

    url = await storage.sign_download(KEY, filename="Beach réel (final).mp4", content_type="video/mp4")
    seek = await backend.http.get(url, headers={"Range": "bytes=1000-1999"})
    assert seek.status_code == 206
    assert seek.content == VIDEO[1000:2000]
    assert seek.headers["content-range"] == f"bytes 1000-1999/{len(VIDEO)}"
    assert seek.headers["content-type"] == "video/mp4"
    assert seek.headers["content-disposition"] == 'inline; filename="Beach-reel-final-.mp4"'
    whole = await backend.http.get(url)
    assert whole.status_code == 200
    assert hashlib.sha256(whole.content).hexdigest() == hashlib.sha256(VIDEO).hexdigest()

    await storage.delete(KEY)
    assert await storage.head(KEY) is None
    await storage.delete(KEY)  # idempotent


async def test_it_replaces_a_retried_part(backend: Backend) -> None:
    upload_id = await backend.storage.create_multipart_upload(KEY, "video/mp4")
    await put_part(backend, KEY, upload_id, 1, b"a first attempt, cut short")
    retried = await put_part(backend, KEY, upload_id, 1, PART_1)
    assert await backend.storage.list_parts(KEY, upload_id) == [retried]


async def test_it_refuses_to_complete_with_a_part_it_does_not_have(backend: Backend) -> None:
    upload_id = await backend.storage.create_multipart_upload(KEY, "video/mp4")
    part = await put_part(backend, KEY, upload_id, 1, PART_1)
    wrong = UploadedPart(1, '"' + "0" * 32 + '"', part.size)
    with pytest.raises(StorageError):
        await backend.storage.complete_multipart_upload(KEY, upload_id, [wrong])
    with pytest.raises(StorageError):
        await backend.storage.complete_multipart_upload(KEY, upload_id, [part, UploadedPart(2, part.etag, 10)])
    assert await backend.storage.head(KEY) is None


async def test_it_refuses_a_small_part_before_the_last(backend: Backend) -> None:
    upload_id = await backend.storage.create_multipart_upload(KEY, "video/mp4")
    parts = [await put_part(backend, KEY, upload_id, n, b"x" * 1000) for n in (1, 2)]
    with pytest.raises(StorageError):
        await backend.storage.complete_multipart_upload(KEY, upload_id, parts)


async def test_it_aborts_an_upload_and_frees_its_parts(backend: Backend) -> None:
    storage = backend.storage
    upload_id = await storage.create_multipart_upload(KEY, "video/mp4")
    await put_part(backend, KEY, upload_id, 1, PART_1)
    await storage.abort_multipart_upload(KEY, upload_id)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert await storage.list_multipart_uploads(started_before=later) == []
    with pytest.raises(StorageError):
        await storage.list_parts(KEY, upload_id)
    await storage.abort_multipart_upload(KEY, upload_id)  # idempotent
    assert await storage.head(KEY) is None


async def test_it_lists_only_uploads_started_before_the_cutoff(backend: Backend) -> None:
    storage = backend.storage
    other_key = KEY.replace("drafts/3", "drafts/4")
    first = await storage.create_multipart_upload(KEY, "video/mp4")
    second = await storage.create_multipart_upload(other_key, "video/quicktime")
    now = dt.datetime.now(dt.UTC)
    pending = await storage.list_multipart_uploads(started_before=now + dt.timedelta(minutes=5))
    assert {(p.key, p.upload_id) for p in pending} == {(KEY, first), (other_key, second)}
    assert all(p.started_at.tzinfo is not None for p in pending)
    assert await storage.list_multipart_uploads(started_before=dt.datetime(2001, 1, 1, tzinfo=dt.UTC)) == []
    if backend.name == "local":
        # moto reports every upload as started on 2010-11-10, so only the local backend can show
        # that an upload started a minute ago is not yet "stale".
        assert all(abs(p.started_at - now) < dt.timedelta(minutes=2) for p in pending)
        assert await storage.list_multipart_uploads(started_before=now - dt.timedelta(hours=1)) == []


async def test_it_puts_a_small_file_through_a_signed_url(backend: Backend) -> None:
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 2000
    key = "creators/1/deliverables/2/drafts/5/photo.jpg"
    url = await backend.storage.sign_put(key, "image/jpeg", len(jpeg))
    response = await backend.http.put(url, content=jpeg, headers={"Content-Type": "image/jpeg"})
    assert response.status_code == 200, response.text
    info = await backend.storage.head(key)
    assert info is not None
    assert (info.size, info.content_type) == (len(jpeg), "image/jpeg")
    assert info.checksum == f'"{hashlib.md5(jpeg).hexdigest()}"'
    # Fewer bytes than asked for: what there is.
    assert await backend.storage.read_head_bytes(key, 1_000_000) == jpeg


async def test_it_stores_a_file_from_disk_and_serves_it_signed(backend: Backend, tmp_path: Path) -> None:
    """An export's CSV, written to disk by the job, stored without reading it whole."""
    data = ("date,journal,account\r\n" + "2026-10-01,1,expense\r\n" * 100_000).encode()
    source = tmp_path / "export.csv"
    source.write_bytes(data)
    key = "brands/1/exports/7/acme-ledger.csv"
    await backend.storage.put_file(key, str(source), "text/csv; charset=utf-8")
    info = await backend.storage.head(key)
    assert info is not None and info.size == len(data) and info.content_type.startswith("text/csv")
    url = await backend.storage.sign_download(key, filename="acme-ledger.csv", content_type="text/csv; charset=utf-8")
    response = await backend.http.get(url)
    assert response.status_code == 200 and response.content == data


async def test_it_answers_none_for_a_missing_object(backend: Backend) -> None:
    assert await backend.storage.head("creators/1/nothing-here.mp4") is None


async def test_it_signs_short_lived_urls_that_name_no_credentials(backend: Backend) -> None:
    url = await backend.storage.sign_download(KEY, filename="a.mp4", content_type="video/mp4")
    assert urlsplit(url).scheme == "http"
    assert "rapport-test-secret" not in url
