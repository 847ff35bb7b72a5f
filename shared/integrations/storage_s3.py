"""The S3-compatible backend (AWS S3, MinIO, Cloudflare R2, Ceph…) through boto3.

Browsers send and fetch the bytes themselves with presigned URLs; this module only signs URLs and
asks the store about objects, so in S3 mode the app never carries a file's bytes (except the first
few KiB read to check a file's real type, and the checksum job that streams an object once).

boto3 is synchronous: every call runs in a worker thread (`asyncio.to_thread`) so the event loop
never waits on the network. boto3 clients are thread-safe, so one client serves every thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from shared.integrations.storage import (
    DOWNLOAD_URL_SECONDS,
    UPLOAD_URL_SECONDS,
    ObjectInfo,
    PendingUpload,
    StorageError,
    StorageUnavailable,
    UploadedPart,
    content_disposition,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

CHUNK_BYTES = 1024 * 1024
# Error codes that mean "there is no such thing" (the answer to an idempotent call, not a failure).
_MISSING = {"404", "NoSuchKey", "NoSuchUpload", "NotFound"}


def s3_client(endpoint_url: str | None = None, region: str | None = None) -> S3Client:
    """A client that works with AWS and with the S3 look-alikes.

    Path-style addressing (http://host/bucket/key) because MinIO, Ceph and local endpoints have no
    per-bucket DNS names. Checksums only "when required": recent botocore adds CRC32 checksums to
    every upload by default, which several S3-compatible services reject, and a presigned URL would
    then demand a checksum header the browser never sends. Credentials come from the standard
    chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile, or an instance role).
    """
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        retries={"max_attempts": 3, "mode": "standard"},
        # A store that does not answer is said so within seconds (3 attempts), not after botocore's 60 s each.
        connect_timeout=5,
    )
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    client: S3Client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)
    return client


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _failed(action: str, key: str, error: Exception) -> StorageError:
    detail = _code(error) if isinstance(error, ClientError) else type(error).__name__
    # No answer at all (refused, timed out, dropped), after botocore's own retries: the store is unreachable.
    unreachable = isinstance(error, BotoConnectionError | HTTPClientError)
    return (StorageUnavailable if unreachable else StorageError)(f"S3 {action} failed for {key!r}: {detail}")


class S3Storage:
    """The Storage protocol (shared.integrations.storage) on one S3 bucket."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        public_endpoint_url: str | None = None,
    ) -> None:
        self.bucket = bucket
        self.client = s3_client(endpoint_url, region)
        # The host is part of a presigned URL's signature, so URLs for browsers are signed against
        # the address browsers use when the app reaches the store by another (docker-compose's
        # http://minio:9000 behind a public https://files.example.com). Signing is offline.
        self.signer = s3_client(public_endpoint_url, region) if public_endpoint_url else self.client

    async def _call(self, action: str, key: str, method: str, **params: Any) -> Any:
        try:
            return await asyncio.to_thread(getattr(self.client, method), Bucket=self.bucket, **params)
        except (ClientError, BotoCoreError) as error:
            raise _failed(action, key, error) from error

    async def _sign(self, method: str, expires: int, **params: Any) -> str:
        # Signing is local computation (no network), but it reads credentials, which may mean a
        # metadata-service call the first time: keep it off the loop too.
        url: str = await asyncio.to_thread(
            self.signer.generate_presigned_url,
            ClientMethod=method,
            Params={"Bucket": self.bucket, **params},
            ExpiresIn=expires,
            HttpMethod="PUT" if method in ("put_object", "upload_part") else "GET",
        )
        return url

    async def create_multipart_upload(self, key: str, content_type: str) -> str:
        answer = await self._call(
            "create multipart upload", key, "create_multipart_upload", Key=key, ContentType=content_type
        )
        return str(answer["UploadId"])

    async def sign_upload_part(self, key: str, upload_id: str, part_number: int) -> str:
        return await self._sign("upload_part", UPLOAD_URL_SECONDS, Key=key, UploadId=upload_id, PartNumber=part_number)

    async def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        parts: list[UploadedPart] = []
        marker = 0
        while True:
            answer = await self._call(
                "list parts", key, "list_parts", Key=key, UploadId=upload_id, PartNumberMarker=marker
            )
            listed = answer.get("Parts", [])  # absent when none has arrived yet
            parts += [UploadedPart(int(p["PartNumber"]), str(p["ETag"]), int(p["Size"])) for p in listed]
            if not answer.get("IsTruncated"):
                return parts
            marker = int(answer["NextPartNumberMarker"])

    async def complete_multipart_upload(self, key: str, upload_id: str, parts: list[UploadedPart]) -> None:
        ordered = sorted(parts, key=lambda part: part.number)
        await self._call(
            "complete multipart upload",
            key,
            "complete_multipart_upload",
            Key=key,
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": p.number, "ETag": p.etag} for p in ordered]},
        )

    async def abort_multipart_upload(self, key: str, upload_id: str) -> None:
        try:
            await asyncio.to_thread(self.client.abort_multipart_upload, Bucket=self.bucket, Key=key, UploadId=upload_id)
        except ClientError as error:
            if _code(error) not in _MISSING:
                raise _failed("abort multipart upload", key, error) from error
        except BotoCoreError as error:
            raise _failed("abort multipart upload", key, error) from error

    async def list_multipart_uploads(self, *, started_before: dt.datetime) -> list[PendingUpload]:
        def collect() -> list[PendingUpload]:
            found = []
            paginator = self.client.get_paginator("list_multipart_uploads")
            for page in paginator.paginate(Bucket=self.bucket):
                for upload in page.get("Uploads", []):
                    started = upload["Initiated"]
                    if started.tzinfo is None:
                        started = started.replace(tzinfo=dt.UTC)
                    if started < started_before:
                        found.append(PendingUpload(str(upload["Key"]), str(upload["UploadId"]), started))
            return found

        try:
            return await asyncio.to_thread(collect)
        except (ClientError, BotoCoreError) as error:
            raise _failed("list multipart uploads", "*", error) from error

    async def sign_put(self, key: str, content_type: str, size: int) -> str:
        # Content-Type and Content-Length are part of the signature: a store that checks
        # signatures (AWS, MinIO, R2) refuses a body of another size or type.
        return await self._sign("put_object", UPLOAD_URL_SECONDS, Key=key, ContentType=content_type, ContentLength=size)

    async def head(self, key: str) -> ObjectInfo | None:
        try:
            answer = await asyncio.to_thread(self.client.head_object, Bucket=self.bucket, Key=key)
        except ClientError as error:
            if _code(error) in _MISSING:
                return None
            raise _failed("head", key, error) from error
        except BotoCoreError as error:
            raise _failed("head", key, error) from error
        return ObjectInfo(
            size=int(answer["ContentLength"]),
            content_type=str(answer.get("ContentType") or "application/octet-stream"),
            checksum=str(answer.get("ETag", "")),
        )

    async def read_head_bytes(self, key: str, length: int = 4096) -> bytes:
        def read() -> bytes:
            answer = self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{length - 1}")
            body = answer["Body"]
            try:
                # A store that ignores Range sends the whole object: read no more than asked.
                return bytes(body.read(length))
            finally:
                body.close()

        try:
            return await asyncio.to_thread(read)
        except ClientError as error:
            if _code(error) == "InvalidRange":  # an empty object has no byte 0
                return b""
            raise _failed("read head bytes", key, error) from error
        except BotoCoreError as error:
            raise _failed("read head bytes", key, error) from error

    async def sha256(self, key: str) -> str:
        def digest() -> str:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            hasher = hashlib.sha256()
            try:
                for chunk in body.iter_chunks(CHUNK_BYTES):
                    hasher.update(chunk)
            finally:
                body.close()
            return hasher.hexdigest()

        try:
            return await asyncio.to_thread(digest)
        except (ClientError, BotoCoreError) as error:
            raise _failed("sha256", key, error) from error

    async def sign_download(self, key: str, *, filename: str, content_type: str) -> str:
        return await self._sign(
            "get_object",
            DOWNLOAD_URL_SECONDS,
            Key=key,
            ResponseContentType=content_type,
            ResponseContentDisposition=content_disposition(filename),
        )

    async def delete(self, key: str) -> None:
        await self._call("delete", key, "delete_object", Key=key)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await self._call("put", key, "put_object", Key=key, Body=data, ContentType=content_type)

    async def put_file(self, key: str, path: str, content_type: str) -> None:
        # boto3's managed transfer streams the file, in parts once it is large.
        await self._call("put", key, "upload_file", Filename=path, Key=key, ExtraArgs={"ContentType": content_type})

    async def get_bytes(self, key: str) -> bytes:
        def read() -> bytes:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"]
            try:
                return bytes(body.read())
            finally:
                body.close()

        try:
            return await asyncio.to_thread(read)
        except ClientError as error:
            raise StorageError(f"could not read {key!r}: {_code(error)}") from error
