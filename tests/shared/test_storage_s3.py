"""What the S3 backend signs and how it is configured. moto's server stores what it is sent but does not
check presigned signatures or policies, so these tests read the signed URLs themselves: a real S3,
MinIO or R2 refuses a request that does not match them.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar

from shared.content.rules import same_media, sniff_content_type
from shared.integrations.storage import DOWNLOAD_URL_SECONDS, UPLOAD_URL_SECONDS, StorageError
from shared.integrations.storage_factory import storage_from_settings
from shared.integrations.storage_local import LocalStorage
from shared.integrations.storage_s3 import S3Storage
from shared.settings import Settings

KEY = "creators/7/deliverables/8/drafts/9/reel.mp4"


def query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


async def test_it_signs_the_size_and_type_of_a_single_upload(s3_storage: S3Storage, s3_bucket: str) -> None:
    url = await s3_storage.sign_put(KEY, "video/mp4", 1234)
    params = query(url)
    assert params["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert set(params["X-Amz-SignedHeaders"].split(";")) >= {"content-length", "content-type", "host"}
    assert params["X-Amz-Expires"] == str(UPLOAD_URL_SECONDS)
    # Path-style (MinIO and friends have no per-bucket host names).
    assert urlsplit(url).path == f"/{s3_bucket}/{KEY}"


async def test_it_adds_no_checksum_the_browser_would_have_to_send(s3_storage: S3Storage) -> None:
    """With botocore's default ("when supported") a presigned PUT demands a CRC32 header; browsers
    never send one and several S3-compatible services reject it."""
    upload_id = await s3_storage.create_multipart_upload(KEY, "video/mp4")
    for url in (await s3_storage.sign_put(KEY, "video/mp4", 10), await s3_storage.sign_upload_part(KEY, upload_id, 1)):
        assert not [name for name in query(url) if "checksum" in name.lower()], url
        assert "x-amz-checksum" not in query(url)["X-Amz-SignedHeaders"]


async def test_it_signs_a_part_url_for_one_upload_and_part(s3_storage: S3Storage) -> None:
    upload_id = await s3_storage.create_multipart_upload(KEY, "video/mp4")
    params = query(await s3_storage.sign_upload_part(KEY, upload_id, 3))
    assert (params["uploadId"], params["partNumber"]) == (upload_id, "3")
    assert params["X-Amz-Expires"] == str(UPLOAD_URL_SECONDS)


async def test_it_signs_a_download_shown_inline_under_a_safe_name(s3_storage: S3Storage) -> None:
    params = query(await s3_storage.sign_download(KEY, filename='My "reel"\r\n.mp4', content_type="video/mp4"))
    assert params["response-content-disposition"] == 'inline; filename="My-reel-.mp4"'
    assert params["response-content-type"] == "video/mp4"
    assert params["X-Amz-Expires"] == str(DOWNLOAD_URL_SECONDS)


async def test_it_shows_verification_the_real_size_and_type_of_a_mislabeled_file(s3_storage: S3Storage) -> None:
    """moto accepts a body other than the signed one (a real store would not); whatever arrived, `head`
    and `read_head_bytes` report what is really stored, which is what the verification checks."""
    url = await s3_storage.sign_put(KEY, "video/mp4", 1000)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 5000
    async with httpx.AsyncClient() as http:
        response = await http.put(url, content=png, headers={"Content-Type": "video/mp4"})
    assert response.status_code == 200
    info = await s3_storage.head(KEY)
    assert info is not None
    assert info.size == len(png) != 1000  # oversize: refused by the size check
    sniffed = sniff_content_type(await s3_storage.read_head_bytes(KEY))
    assert sniffed == "image/png"
    assert not same_media("video/mp4", sniffed)  # mislabeled: refused by the magic bytes


async def test_it_reads_nothing_from_an_empty_object(s3_storage: S3Storage) -> None:
    s3_storage.client.put_object(Bucket=s3_storage.bucket, Key=KEY, Body=b"")
    assert await s3_storage.read_head_bytes(KEY) == b""


async def test_it_turns_store_errors_into_storage_errors(s3_storage: S3Storage) -> None:
    with pytest.raises(StorageError) as raised:
        await s3_storage.sha256("creators/7/missing.mp4")
    assert "NoSuchKey" in str(raised.value)
    with pytest.raises(StorageError):
        await s3_storage.list_parts(KEY, "no-such-upload")
    await s3_storage.abort_multipart_upload(KEY, "no-such-upload")  # idempotent


def test_it_builds_the_backend_storage_url_names(settings: Settings, moto_endpoint: str) -> None:
    s3 = storage_from_settings(
        dataclasses.replace(settings, storage_url="s3://media-bucket", s3_endpoint_url=moto_endpoint)
    )
    assert isinstance(s3, S3Storage)
    assert s3.bucket == "media-bucket"
    assert s3.client.meta.endpoint_url == moto_endpoint
    assert s3.client.meta.config.s3 == {"addressing_style": "path"}
    assert s3.client.meta.config.request_checksum_calculation == "when_required"
    assert s3.client.meta.config.response_checksum_validation == "when_required"
    local = storage_from_settings(dataclasses.replace(settings, storage_url="file://./var/storage"))
    assert isinstance(local, LocalStorage)
    assert str(local.root) == "var/storage"
    absolute = storage_from_settings(dataclasses.replace(settings, storage_url="file:///srv/rapport/files"))
    assert isinstance(absolute, LocalStorage)
    assert str(absolute.root) == "/srv/rapport/files"
    with pytest.raises(StorageError):
        storage_from_settings(dataclasses.replace(settings, storage_url="s3://"))


async def test_it_runs_the_app_in_s3_mode(s3_app: Litestar, s3_app_client: httpx.AsyncClient, s3_bucket: str) -> None:
    storage = s3_app.state["storage"]
    assert isinstance(storage, S3Storage)
    assert storage.bucket == s3_bucket
    # The app's own storage URLs are not used in S3 mode: the bytes never pass through it.
    response = await s3_app_client.get("/storage/objects/anything.forged")
    assert response.status_code == 404


async def test_it_signs_browser_urls_for_the_public_endpoint(settings: Settings, moto_endpoint: str) -> None:
    """Behind docker-compose the app reaches MinIO at http://minio:9000; browsers at the public address."""
    extra = {"RAPPORT_S3_PUBLIC_ENDPOINT_URL": "https://files.example.com"}
    internal = dataclasses.replace(settings, storage_url="s3://media", s3_endpoint_url=moto_endpoint, extra=extra)
    storage = storage_from_settings(internal)
    assert isinstance(storage, S3Storage)
    assert storage.client.meta.endpoint_url == moto_endpoint
    url = await storage.sign_download(KEY, filename="reel.mp4", content_type="video/mp4")
    assert url.startswith(f"https://files.example.com/media/{KEY}?")


async def test_it_serves_a_live_app_in_s3_mode(s3_live_server: str, s3_live_bucket: str) -> None:
    async with httpx.AsyncClient(base_url=s3_live_server) as http:
        assert (await http.get("/healthz")).status_code == 200
        # Nothing is stored on the app's disk in S3 mode: its own storage URLs answer 404.
        assert (await http.get("/storage/objects/anything.forged")).status_code == 404
