"""The local-disk backend: the zero-setup default (STORAGE_URL=file://./var/storage).

It mimics S3's semantics so the rest of Rapport cannot tell the difference: the browser PUTs
parts and files to signed, expiring URLs and GETs downloads from them; only here the URLs point at
the app itself (shared.web.local_storage serves them) and carry an HMAC token instead of an AWS
signature. A token names one operation on one key (and upload id and part number), with its
expiry; nothing else is accepted at those URLs.

On disk, under `root`:
    <key>                                  the object's bytes
    .meta/<key>.json                       its content type and ETag
    .uploads/<upload id>/upload.json       a multipart upload in progress (key, type, start time)
    .uploads/<upload id>/<n>.<md5>.part    its parts; the name carries the ETag, so a part is
                                           listed only once it is whole (written, then renamed)
Keys never start a segment with "." (validated), so they can never collide with those folders.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from shared.integrations.storage import (
    DOWNLOAD_URL_SECONDS,
    MAX_PARTS,
    MIN_PART_BYTES,
    UPLOAD_URL_SECONDS,
    ObjectInfo,
    PendingUpload,
    StorageError,
    UploadedPart,
    content_disposition,
)

# Largest part the app accepts at /storage/parts/… (the route's body limit). Uppy sends 5 MiB parts
# unless told otherwise; S3 would take up to 5 GiB, but here the bytes cross the app.
MAX_PART_BYTES = 64 * 1024 * 1024
# Largest single PUT (S3's own limit); the signed size is what is really enforced.
MAX_PUT_BYTES = 5 * 1024**3
CHUNK_BYTES = 1024 * 1024

Operation = Literal["part", "put", "get"]
_UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
_PART_FILE = re.compile(r"^(\d{5})\.([0-9a-f]{32})\.part$")
_TOKEN_PURPOSE = b"rapport.local-storage.v1"


class InvalidToken(StorageError):
    """A storage URL's token is malformed, tampered with, expired or for another operation."""


class BodyRefused(StorageError):
    """The bytes sent do not match what the URL was signed for (too large, wrong size, wrong type)."""


@dataclass(frozen=True)
class Grant:
    """What a verified token allows: one operation on one key."""

    operation: Operation
    key: str
    expires: int
    upload_id: str = ""
    part_number: int = 0
    content_type: str = ""
    size: int = 0  # "put": the exact size signed
    filename: str = ""  # "get": the name in Content-Disposition


def check_key(key: str) -> str:
    """Refuse a key that could escape the storage root or reach the hidden folders."""
    if not key or len(key) > 1024 or key.startswith("/") or "\\" in key or "\x00" in key:
        raise StorageError(f"invalid storage key {key!r}")
    for segment in key.split("/"):
        if not segment or segment.startswith(".") or segment in ("..", "."):
            raise StorageError(f"invalid storage key {key!r}")
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _quoted(md5_hex: str) -> str:
    return f'"{md5_hex}"'


class LocalStorage:
    """The Storage protocol (shared.integrations.storage) on a directory, with app-served signed URLs."""

    def __init__(self, root: Path, secret_key: str, base_url: str, *, clock: Callable[[], float] = time.time) -> None:
        self.root = Path(root)
        self.base_url = base_url.rstrip("/")
        # A key of its own, so a storage token can never pass for any other signed value of the app.
        self._key = hmac.new(secret_key.encode(), _TOKEN_PURPOSE, hashlib.sha256).digest()
        self._clock = clock

    # --- signed URLs --------------------------------------------------------------------------------

    def sign(self, grant: Grant) -> str:
        payload = _b64(json.dumps(grant.__dict__, separators=(",", ":"), sort_keys=True).encode())
        return f"{payload}.{_b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())}"

    def verify(self, token: str, operation: Operation) -> Grant:
        """The grant a token carries, if it is genuine, unexpired and for this operation."""
        payload, _, signature = token.partition(".")
        expected = _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())
        if not signature or not hmac.compare_digest(signature, expected):
            raise InvalidToken("storage token signature does not match")
        try:
            grant = Grant(**json.loads(_unb64(payload)))
        except (ValueError, TypeError) as error:
            raise InvalidToken("storage token is malformed") from error
        if grant.operation != operation:
            raise InvalidToken("storage token is for another operation")
        if grant.expires < self._clock():
            raise InvalidToken("storage token has expired")
        return grant

    def _url(self, path: str, grant: Grant) -> str:
        return f"{self.base_url}/storage/{path}/{self.sign(grant)}"

    def _expiry(self, seconds: int) -> int:
        return int(self._clock()) + seconds

    # --- paths --------------------------------------------------------------------------------------

    def _object_path(self, key: str) -> Path:
        return self.root / check_key(key)

    def _meta_path(self, key: str) -> Path:
        return self.root / ".meta" / f"{check_key(key)}.json"

    def _upload_dir(self, upload_id: str) -> Path:
        if not _UPLOAD_ID.match(upload_id):
            raise StorageError("invalid upload id")
        return self.root / ".uploads" / upload_id

    def _upload_for(self, key: str, upload_id: str) -> Path:
        """The upload's folder, if that upload exists and is for this key (S3 answers NoSuchUpload otherwise)."""
        folder = self._upload_dir(upload_id)
        try:
            started = json.loads((folder / "upload.json").read_text())
        except (OSError, ValueError) as error:
            raise StorageError(f"no such upload for {key!r}") from error
        if started.get("key") != check_key(key):
            raise StorageError(f"no such upload for {key!r}")
        return folder

    # --- the Storage protocol -----------------------------------------------------------------------

    async def create_multipart_upload(self, key: str, content_type: str) -> str:
        check_key(key)
        upload_id = secrets.token_hex(16)

        def create() -> None:
            folder = self._upload_dir(upload_id)
            folder.mkdir(parents=True)
            started = dt.datetime.fromtimestamp(self._clock(), dt.UTC).isoformat()
            record = {"key": key, "content_type": content_type, "started_at": started}
            (folder / "upload.json").write_text(json.dumps(record))

        await asyncio.to_thread(create)
        return upload_id

    async def sign_upload_part(self, key: str, upload_id: str, part_number: int) -> str:
        check_key(key)
        self._upload_dir(upload_id)
        if not 1 <= part_number <= MAX_PARTS:
            raise StorageError(f"part number must be 1..{MAX_PARTS}, got {part_number}")
        grant = Grant("part", key, self._expiry(UPLOAD_URL_SECONDS), upload_id=upload_id, part_number=part_number)
        return self._url("parts", grant)

    async def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        def collect() -> list[UploadedPart]:
            folder = self._upload_for(key, upload_id)
            parts = []
            for path in folder.iterdir():
                if match := _PART_FILE.match(path.name):
                    parts.append(UploadedPart(int(match[1]), _quoted(match[2]), path.stat().st_size))
            return sorted(parts, key=lambda part: part.number)

        return await asyncio.to_thread(collect)

    async def complete_multipart_upload(self, key: str, upload_id: str, parts: list[UploadedPart]) -> None:
        await asyncio.to_thread(self._complete, key, upload_id, parts)

    def _complete(self, key: str, upload_id: str, parts: list[UploadedPart]) -> None:
        folder = self._upload_for(key, upload_id)
        record = json.loads((folder / "upload.json").read_text())
        if not parts:
            raise StorageError(f"completing {key!r} needs at least one part")
        ordered = sorted(parts, key=lambda part: part.number)
        if len({part.number for part in ordered}) != len(ordered):
            raise StorageError(f"completing {key!r}: a part is listed twice")
        files = []
        for index, part in enumerate(ordered):
            etag = part.etag.strip('"')
            path = folder / f"{part.number:05d}.{etag}.part"
            if not _PART_FILE.match(path.name) or not path.exists():
                raise StorageError(f"completing {key!r}: part {part.number} is missing or its ETag differs")
            if index < len(ordered) - 1 and path.stat().st_size < MIN_PART_BYTES:
                raise StorageError(f"completing {key!r}: part {part.number} is smaller than 5 MiB (EntityTooSmall)")
            files.append((path, bytes.fromhex(etag)))
        # Concatenated on disk in 1 MiB chunks, never in memory; moved into place in one step, so a
        # reader sees the whole object or none.
        assembled = folder / "assembled"
        with assembled.open("wb") as out:
            for path, _ in files:
                with path.open("rb") as source:
                    shutil.copyfileobj(source, out, CHUNK_BYTES)
        # S3's multipart ETag: the MD5 of the parts' binary MD5s, then "-<count>".
        etag = _quoted(f"{hashlib.md5(b''.join(d for _, d in files)).hexdigest()}-{len(files)}")  # noqa: S324
        self._install(key, assembled, content_type=record["content_type"], etag=etag)
        shutil.rmtree(folder, ignore_errors=True)

    def _install(self, key: str, source: Path, *, content_type: str, etag: str) -> None:
        target, meta = self._object_path(key), self._meta_path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"content_type": content_type, "etag": etag}))
        os.replace(source, target)

    async def abort_multipart_upload(self, key: str, upload_id: str) -> None:
        def abort() -> None:
            try:
                folder = self._upload_for(key, upload_id)
            except StorageError:
                return  # unknown upload: nothing to free
            shutil.rmtree(folder, ignore_errors=True)

        await asyncio.to_thread(abort)

    async def list_multipart_uploads(self, *, started_before: dt.datetime) -> list[PendingUpload]:
        def collect() -> list[PendingUpload]:
            found = []
            uploads = self.root / ".uploads"
            for folder in uploads.iterdir() if uploads.exists() else []:
                try:
                    record = json.loads((folder / "upload.json").read_text())
                except (OSError, ValueError):
                    continue  # being created or removed right now
                started = dt.datetime.fromisoformat(record["started_at"])
                if started < started_before:
                    found.append(PendingUpload(record["key"], folder.name, started))
            return found

        return await asyncio.to_thread(collect)

    async def sign_put(self, key: str, content_type: str, size: int) -> str:
        check_key(key)
        if not 0 <= size <= MAX_PUT_BYTES:
            raise StorageError(f"a single upload is at most {MAX_PUT_BYTES} bytes, got {size}")
        grant = Grant("put", key, self._expiry(UPLOAD_URL_SECONDS), content_type=content_type, size=size)
        return self._url("objects", grant)

    async def head(self, key: str) -> ObjectInfo | None:
        def read() -> ObjectInfo | None:
            try:
                size = self._object_path(key).stat().st_size
            except FileNotFoundError:
                return None
            try:
                meta = json.loads(self._meta_path(key).read_text())
            except (OSError, ValueError):
                meta = {}
            return ObjectInfo(size, meta.get("content_type", "application/octet-stream"), meta.get("etag", ""))

        return await asyncio.to_thread(read)

    async def read_head_bytes(self, key: str, length: int = 4096) -> bytes:
        def read() -> bytes:
            try:
                with self._object_path(key).open("rb") as source:
                    return source.read(length)
            except FileNotFoundError as error:
                raise StorageError(f"no object {key!r}") from error

        return await asyncio.to_thread(read)

    async def sha256(self, key: str) -> str:
        def digest() -> str:
            hasher = hashlib.sha256()
            try:
                with self._object_path(key).open("rb") as source:
                    while chunk := source.read(CHUNK_BYTES):
                        hasher.update(chunk)
            except FileNotFoundError as error:
                raise StorageError(f"no object {key!r}") from error
            return hasher.hexdigest()

        return await asyncio.to_thread(digest)

    async def sign_download(self, key: str, *, filename: str, content_type: str) -> str:
        check_key(key)
        grant = Grant("get", key, self._expiry(DOWNLOAD_URL_SECONDS), content_type=content_type, filename=filename)
        return self._url("objects", grant)

    async def delete(self, key: str) -> None:
        def remove() -> None:
            self._object_path(key).unlink(missing_ok=True)
            self._meta_path(key).unlink(missing_ok=True)

        await asyncio.to_thread(remove)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        def write() -> None:
            target, meta = self._object_path(key), self._meta_path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            meta.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.partial")
            temporary.write_bytes(data)
            meta.write_text(json.dumps({"content_type": content_type, "etag": _quoted(hashlib.md5(data).hexdigest())}))  # noqa: S324
            os.replace(temporary, target)

        await asyncio.to_thread(write)

    async def put_file(self, key: str, path: str, content_type: str) -> None:
        def copy() -> None:
            target = self._object_path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.partial")
            hasher = hashlib.md5()  # noqa: S324 - S3's ETag
            with open(path, "rb") as source, temporary.open("wb") as out:
                while chunk := source.read(CHUNK_BYTES):
                    hasher.update(chunk)
                    out.write(chunk)
            self._install(key, temporary, content_type=content_type, etag=_quoted(hasher.hexdigest()))

        await asyncio.to_thread(copy)

    async def get_bytes(self, key: str) -> bytes:
        def read() -> bytes:
            try:
                return self._object_path(key).read_bytes()
            except FileNotFoundError as error:
                raise StorageError(f"no object {key!r}") from error

        return await asyncio.to_thread(read)

    # --- what the app's storage routes do with a verified grant ------------------------------------

    async def receive_part(self, grant: Grant, chunks: AsyncIterator[bytes]) -> str:
        """Store one part's bytes as they arrive; returns its ETag (quoted, as S3 sends it)."""
        folder = await asyncio.to_thread(self._upload_for, grant.key, grant.upload_id)
        hasher = hashlib.md5()  # noqa: S324 - S3's ETag, not a security measure
        temporary = folder / f".{grant.part_number:05d}.{secrets.token_hex(8)}.partial"
        await self._receive(temporary, chunks, hasher, limit=MAX_PART_BYTES)
        etag = hasher.hexdigest()

        def publish() -> None:
            # A retried part replaces the earlier attempt (as in S3).
            for old in folder.glob(f"{grant.part_number:05d}.*.part"):
                old.unlink(missing_ok=True)
            os.replace(temporary, folder / f"{grant.part_number:05d}.{etag}.part")

        await asyncio.to_thread(publish)
        return _quoted(etag)

    async def receive_object(self, grant: Grant, content_type: str, chunks: AsyncIterator[bytes]) -> str:
        """Store a single PUT, refused unless its type and size are the ones signed; returns its ETag."""
        if content_type != grant.content_type:
            raise BodyRefused(f"Content-Type {content_type!r} is not the one this URL was signed for")
        temporary = self.root / ".uploads" / f"put-{secrets.token_hex(16)}.partial"
        await asyncio.to_thread(temporary.parent.mkdir, parents=True, exist_ok=True)
        hasher = hashlib.md5()  # noqa: S324 - S3's ETag
        size = await self._receive(temporary, chunks, hasher, limit=grant.size)
        if size != grant.size:
            await asyncio.to_thread(temporary.unlink, missing_ok=True)
            raise BodyRefused(f"received {size} bytes, this URL was signed for {grant.size}")
        etag = _quoted(hasher.hexdigest())
        await asyncio.to_thread(self._install, grant.key, temporary, content_type=content_type, etag=etag)
        return etag

    async def _receive(self, path: Path, chunks: AsyncIterator[bytes], hasher: hashlib._Hash, *, limit: int) -> int:
        """Write a request body to `path` in ~1 MiB writes off the loop; removed again on any failure."""
        size = 0
        buffer = bytearray()
        out: IO[bytes] = await asyncio.to_thread(path.open, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise BodyRefused(f"body is larger than the {limit} bytes allowed here")
                hasher.update(chunk)
                buffer += chunk
                if len(buffer) >= CHUNK_BYTES:
                    await asyncio.to_thread(out.write, bytes(buffer))
                    buffer.clear()
            if buffer:
                await asyncio.to_thread(out.write, bytes(buffer))
        except BaseException:
            # Also on cancellation (a dropped connection), where awaiting a thread is not possible.
            out.close()
            path.unlink(missing_ok=True)  # noqa: ASYNC240
            raise
        await asyncio.to_thread(out.close)
        return size

    def object_path(self, key: str) -> Path:
        """Where a stored object's bytes are (for the download route to stream ranges from)."""
        return self._object_path(key)

    @staticmethod
    def disposition(grant: Grant) -> str:
        return content_disposition(grant.filename)
