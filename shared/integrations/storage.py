"""Object storage: one interface, two backends (S3-compatible through boto3, and local disk).

Browsers upload and download directly with short-lived signed URLs; in S3 mode the app never
carries a file's bytes. Large files go up in parts (multipart upload, a signed URL per part), so
an upload can resume after a reload or a dropped connection: `list_parts` tells the browser which
parts the store already has. Keys are always chosen by the server (shared.content.rules).

This module is the interface only and imports nothing of ours: the backends (storage_s3, storage_local)
import it, and `shared.integrations.storage_factory.storage_from_settings` picks one from STORAGE_URL.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

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


class StorageUnavailable(StorageError):
    """The store could not be reached (refused connection, timeout, dropped connection): it said nothing, so
    nothing was refused; the same call may work in a minute."""


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

    async def put_file(self, key: str, path: str, content_type: str) -> None:
        """Store a file the server wrote to local disk (an export), read in chunks: never whole in memory."""
        ...


def safe_filename(filename: str) -> str:
    """A file name safe in a key and a Content-Disposition header: ASCII letters, digits, dot, dash."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip(".-")
    return cleaned[-120:] or "upload"


def content_disposition(filename: str) -> str:
    """`inline` so a browser plays a video or shows an image; the name is made header-safe first."""
    return f'inline; filename="{safe_filename(filename)}"'
