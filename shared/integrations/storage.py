"""Object storage: one interface, two backends (S3-compatible through boto3, and local disk).

Browsers upload and download directly with short-lived signed URLs; in S3 mode the app never
carries a file's bytes. Large files go up in parts (multipart upload, a signed URL per part), so
an upload can resume after a reload or a dropped connection: `list_parts` tells the browser which
parts the store already has. Keys are always chosen by the server (shared.content.rules).

`storage_from_settings(settings)` picks the backend from STORAGE_URL: `s3://bucket` (with
S3_ENDPOINT_URL for MinIO, R2, Ceph…) or `file://path` (the zero-setup default, whose signed URLs
are served by the app itself: shared.web.local_storage).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from shared.content.rules import safe_filename

if TYPE_CHECKING:
    from shared.settings import Settings

# Signed URLs live this long: enough to send one part on a slow phone connection, short enough that
# a leaked URL is soon worthless.
UPLOAD_URL_SECONDS = 15 * 60
DOWNLOAD_URL_SECONDS = 10 * 60
# S3's own limits: parts are 5 MiB..5 GiB (the last may be smaller), at most 10,000 parts.
MIN_PART_BYTES = 5 * 1024 * 1024
MAX_PARTS = 10_000


@dataclass(frozen=True)
class UploadedPart:
    number: int  # 1-based
    etag: str
    size: int


@dataclass(frozen=True)
class ObjectInfo:
    size: int
    content_type: str
    checksum: str  # what the store reports (an ETag, or S3's composite checksum when it has one)


@dataclass(frozen=True)
class PendingUpload:
    """A multipart upload the store still holds (for the job that aborts abandoned ones)."""

    key: str
    upload_id: str
    started_at: dt.datetime


class StorageError(Exception):
    """The store refused or failed; the message is safe to log (it never contains a signed URL)."""


class Storage(Protocol):
    """What the rest of Rapport may ask of object storage."""

    async def create_multipart_upload(self, key: str, content_type: str) -> str:
        """Start a multipart upload; returns its upload id."""
        ...

    async def sign_upload_part(self, key: str, upload_id: str, part_number: int) -> str:
        """A URL the browser PUTs one part's bytes to (its answer carries the part's ETag)."""
        ...

    async def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        """The parts the store already has, so a resumed upload sends only the missing ones."""
        ...

    async def complete_multipart_upload(self, key: str, upload_id: str, parts: list[UploadedPart]) -> None: ...

    async def abort_multipart_upload(self, key: str, upload_id: str) -> None:
        """Give up an upload and free its parts (idempotent: an unknown upload is not an error)."""
        ...

    async def list_multipart_uploads(self, *, started_before: dt.datetime) -> list[PendingUpload]: ...

    async def sign_put(self, key: str, content_type: str, size: int) -> str:
        """A URL for one PUT of a small file (no multipart)."""
        ...

    async def head(self, key: str) -> ObjectInfo | None:
        """Size, type and checksum of a stored object; None when there is none."""
        ...

    async def read_head_bytes(self, key: str, length: int = 4096) -> bytes:
        """The first bytes of an object (to check its real type by magic bytes), never the whole file."""
        ...

    async def sha256(self, key: str) -> str:
        """The object's SHA-256, streamed in chunks (run by a job, never in a web request)."""
        ...

    async def sign_download(self, key: str, *, filename: str, content_type: str) -> str:
        """A short-lived URL to view or download the object (video players use Range requests on it)."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object (idempotent)."""
        ...

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        """Store a small file the server made itself (a contract's PDF), in one request."""
        ...

    async def get_bytes(self, key: str) -> bytes:
        """A small stored file's bytes (a contract's PDF, to seal or to serve)."""
        ...


def content_disposition(filename: str) -> str:
    """`inline` so a browser plays a video or shows an image; the name is made header-safe first."""
    return f'inline; filename="{safe_filename(filename)}"'


def storage_from_settings(settings: Settings) -> Storage:
    """The backend STORAGE_URL names: `s3://bucket` (S3_ENDPOINT_URL for MinIO, R2…) or `file://path`."""
    # Imported here: both backends import this module for the types above.
    from shared.integrations.storage_local import LocalStorage
    from shared.integrations.storage_s3 import S3Storage

    parts = urlsplit(settings.storage_url)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise StorageError(f"STORAGE_URL must name a bucket (s3://bucket), got {settings.storage_url!r}")
        # RAPPORT_S3_PUBLIC_ENDPOINT_URL: where browsers reach the store, when not at S3_ENDPOINT_URL.
        public = settings.extra.get("RAPPORT_S3_PUBLIC_ENDPOINT_URL") or None
        return S3Storage(parts.netloc, endpoint_url=settings.s3_endpoint_url, public_endpoint_url=public)
    if parts.scheme == "file":
        # file://./var/storage is relative to the working directory; file:///srv/rapport is absolute.
        root = Path(parts.netloc + parts.path)
        return LocalStorage(root, secret_key=settings.secret_key, base_url=settings.base_url)
    raise StorageError(f"STORAGE_URL must start with s3:// or file://, got {settings.storage_url!r}")


def browser_origin(settings: Settings) -> str | None:
    """The origin browsers talk to for uploads and playback (for the Content-Security-Policy), None for local disk."""
    parts = urlsplit(settings.storage_url)
    if parts.scheme != "s3":
        return None  # local signed URLs are served by the app itself: 'self'
    endpoint = settings.extra.get("RAPPORT_S3_PUBLIC_ENDPOINT_URL") or settings.s3_endpoint_url
    if endpoint:
        public = urlsplit(endpoint)
        return f"{public.scheme}://{public.netloc}"
    return "https://*.amazonaws.com"  # AWS itself: regional, path-style hosts
