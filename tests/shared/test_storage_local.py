"""The local-disk backend's own guarantees: its URLs are signed, expiring and single-purpose; keys never
leave the storage root; downloads seek. (The behaviour both backends share: test_storage_contract.py.)"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from shared.integrations.storage import MIN_PART_BYTES, StorageError, UploadedPart
from shared.integrations.storage_local import MAX_PART_BYTES, LocalStorage, check_key
from shared.settings import Settings
from tests.live_server import serve_app

KEY = "creators/1/deliverables/2/drafts/3/clip.mp4"
BODY = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40


def path_of(url: str) -> str:
    return urlsplit(url).path


async def stored(storage: LocalStorage, client: httpx.AsyncClient, key: str = KEY, body: bytes = BODY) -> None:
    url = await storage.sign_put(key, "video/mp4", len(body))
    response = await client.put(path_of(url), content=body, headers={"Content-Type": "video/mp4"})
    assert response.status_code == 200, response.text


async def test_it_serves_signed_urls_on_the_app(local_storage: LocalStorage) -> None:
    url = await local_storage.sign_download(KEY, filename="clip.mp4", content_type="video/mp4")
    assert url.startswith("http://127.0.0.1:8000/storage/objects/")


async def test_it_refuses_a_tampered_token(local_storage: LocalStorage, client: httpx.AsyncClient) -> None:
    await stored(local_storage, client)
    url = await local_storage.sign_download(KEY, filename="clip.mp4", content_type="video/mp4")
    payload, signature = path_of(url).rsplit("/", 1)[1].split(".")
    forged_payload = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
    for token in (f"{forged_payload}.{signature}", f"{payload}.{signature[:-1]}x", payload, "", "a.b.c"):
        response = await client.get(f"/storage/objects/{token}")
        assert response.status_code in (403, 404), token  # "" does not even reach the route
    assert (await client.get(path_of(url))).status_code == 200


async def test_it_refuses_an_expired_token(
    local_storage: LocalStorage, client: httpx.AsyncClient, settings: Settings
) -> None:
    await stored(local_storage, client)
    # The same root and secret, an hour ago: the URL it signed has since expired.
    earlier = LocalStorage(
        local_storage.root,
        settings.secret_key,
        local_storage.base_url,
        clock=lambda: time.time() - 3600,
    )
    url = await earlier.sign_download(KEY, filename="clip.mp4", content_type="video/mp4")
    response = await client.get(path_of(url))
    assert response.status_code == 403
    assert "expired" in response.text


async def test_it_refuses_a_token_signed_with_another_secret(
    local_storage: LocalStorage, client: httpx.AsyncClient
) -> None:
    await stored(local_storage, client)
    stranger = LocalStorage(local_storage.root, "another-deployment's-secret", local_storage.base_url)
    url = await stranger.sign_download(KEY, filename="clip.mp4", content_type="video/mp4")
    assert (await client.get(path_of(url))).status_code == 403


async def test_it_refuses_a_token_for_another_operation(local_storage: LocalStorage, client: httpx.AsyncClient) -> None:
    download = await local_storage.sign_download(KEY, filename="clip.mp4", content_type="video/mp4")
    token = path_of(download).rsplit("/", 1)[1]
    # A download URL cannot be used to upload (or overwrite) the object, nor a part.
    assert (await client.put(f"/storage/objects/{token}", content=b"x")).status_code == 403
    assert (await client.put(f"/storage/parts/{token}", content=b"x")).status_code == 403
    upload_id = await local_storage.create_multipart_upload(KEY, "video/mp4")
    part = path_of(await local_storage.sign_upload_part(KEY, upload_id, 1)).rsplit("/", 1)[1]
    assert (await client.get(f"/storage/objects/{part}")).status_code == 403


async def test_it_refuses_a_single_upload_of_another_size_or_type(
    local_storage: LocalStorage, client: httpx.AsyncClient
) -> None:
    url = path_of(await local_storage.sign_put(KEY, "video/mp4", len(BODY)))
    bigger = await client.put(url, content=BODY + b"more", headers={"Content-Type": "video/mp4"})
    assert bigger.status_code == 403
    smaller = await client.put(url, content=BODY[:-1], headers={"Content-Type": "video/mp4"})
    assert smaller.status_code == 403
    relabeled = await client.put(url, content=BODY, headers={"Content-Type": "image/png"})
    assert relabeled.status_code == 403
    assert await local_storage.head(KEY) is None
    uploads = local_storage.root / ".uploads"
    assert not uploads.exists() or list(uploads.iterdir()) == []  # refused bodies are not kept


async def test_it_refuses_a_part_for_an_aborted_upload(local_storage: LocalStorage, client: httpx.AsyncClient) -> None:
    upload_id = await local_storage.create_multipart_upload(KEY, "video/mp4")
    url = path_of(await local_storage.sign_upload_part(KEY, upload_id, 1))
    await local_storage.abort_multipart_upload(KEY, upload_id)
    assert (await client.put(url, content=b"late bytes")).status_code == 404


@pytest.mark.parametrize(
    ("asked", "status", "expected", "content_range"),
    [
        ("bytes=0-15", 206, BODY[:16], f"bytes 0-15/{len(BODY)}"),
        ("bytes=100-", 206, BODY[100:], f"bytes 100-{len(BODY) - 1}/{len(BODY)}"),
        ("bytes=-10", 206, BODY[-10:], f"bytes {len(BODY) - 10}-{len(BODY) - 1}/{len(BODY)}"),
        ("bytes=10-999999", 206, BODY[10:], f"bytes 10-{len(BODY) - 1}/{len(BODY)}"),
        (f"bytes={len(BODY)}-", 416, b"", f"bytes */{len(BODY)}"),
    ],
)
async def test_it_answers_range_requests(
    local_storage: LocalStorage,
    client: httpx.AsyncClient,
    asked: str,
    status: int,
    expected: bytes,
    content_range: str,
) -> None:
    await stored(local_storage, client)
    url = await local_storage.sign_download(KEY, filename="clip.mp4", content_type="video/mp4")
    response = await client.get(path_of(url), headers={"Range": asked})
    assert response.status_code == status
    assert response.headers["content-range"] == content_range
    if status == 206:
        assert response.content == expected
        assert response.headers["accept-ranges"] == "bytes"


async def test_it_answers_404_for_a_deleted_object(local_storage: LocalStorage, client: httpx.AsyncClient) -> None:
    await stored(local_storage, client)
    url = await local_storage.sign_download(KEY, filename="clip.mp4", content_type="video/mp4")
    await local_storage.delete(KEY)
    assert (await client.get(path_of(url))).status_code == 404


@pytest.mark.parametrize(
    "key",
    [
        "../outside.mp4",
        "creators/../../etc/passwd",
        "/etc/passwd",
        "creators//double.mp4",
        "creators/./here.mp4",
        ".uploads/0123456789abcdef0123456789abcdef/upload.json",
        ".meta/creators/1.json",
        "creators\\1\\clip.mp4",
        "creators/1/nul\x00.mp4",
        "",
    ],
)
async def test_it_refuses_a_key_that_could_escape_the_root(local_storage: LocalStorage, key: str) -> None:
    with pytest.raises(StorageError):
        check_key(key)
    with pytest.raises(StorageError):
        await local_storage.create_multipart_upload(key, "video/mp4")
    with pytest.raises(StorageError):
        await local_storage.sign_put(key, "video/mp4", 10)
    with pytest.raises(StorageError):
        await local_storage.sign_download(key, filename="x.mp4", content_type="video/mp4")
    with pytest.raises(StorageError):
        await local_storage.head(key)


async def test_it_refuses_an_upload_id_that_is_not_one_of_its_own(local_storage: LocalStorage) -> None:
    with pytest.raises(StorageError):
        await local_storage.sign_upload_part(KEY, "../../creators", 1)
    with pytest.raises(StorageError):
        await local_storage.list_parts(KEY, "0" * 32)
    upload_id = await local_storage.create_multipart_upload(KEY, "video/mp4")
    with pytest.raises(StorageError):  # an upload belongs to one key (S3: NoSuchUpload)
        await local_storage.list_parts(KEY.replace("clip", "other"), upload_id)


async def test_it_streams_parts_through_a_real_server(database_url: str, settings: Settings, tmp_path: Path) -> None:
    """uvicorn, a real socket: parts arrive in many small ASGI messages, and an oversize part is refused."""
    root = tmp_path / "live-storage"
    with serve_app(database_url, tmp_path / "server.log", {"STORAGE_URL": f"file://{root}"}) as base_url:
        storage = LocalStorage(root, settings.secret_key, base_url)
        body = os.urandom(MIN_PART_BYTES + 123_456)
        upload_id = await storage.create_multipart_upload(KEY, "video/mp4")
        async with httpx.AsyncClient(timeout=60) as http:
            parts = []
            for number, chunk in ((1, body[:MIN_PART_BYTES]), (2, body[MIN_PART_BYTES:])):
                response = await http.put(await storage.sign_upload_part(KEY, upload_id, number), content=chunk)
                assert response.status_code == 200, response.text
                parts.append(UploadedPart(number, response.headers["etag"], len(chunk)))
            await storage.complete_multipart_upload(KEY, upload_id, parts)
            assert await storage.sha256(KEY) == hashlib.sha256(body).hexdigest()
            url = await storage.sign_download(KEY, filename="clip.mp4", content_type="video/mp4")
            seek = await http.get(url, headers={"Range": f"bytes={MIN_PART_BYTES - 10}-{MIN_PART_BYTES + 9}"})
            assert (seek.status_code, seek.content) == (206, body[MIN_PART_BYTES - 10 : MIN_PART_BYTES + 10])

            second = await storage.create_multipart_upload(KEY, "video/mp4")
            oversize = await http.put(
                await storage.sign_upload_part(KEY, second, 1), content=b"\0" * (MAX_PART_BYTES + 1)
            )
            assert oversize.status_code == 413
            assert await storage.list_parts(KEY, second) == []
