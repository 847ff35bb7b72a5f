"""The URLs the local-disk storage backend signs, served by the app itself (S3 serves its own).

    PUT /storage/parts/{token}     one part of a multipart upload; answers with the part's ETag
    PUT /storage/objects/{token}   a single small upload (type and size as signed)
    GET /storage/objects/{token}   a download, with HTTP Range so a <video> can seek

The token IS the authorization: it is an HMAC over one operation on one key, with an expiry,
issued only by actions that have already checked who may upload or see that object. So these
routes are open to anyone holding a valid token (allow_anyone) and exempt from CSRF (Uppy PUTs
without our CSRF header, and a token cannot be forged by another site anyway).

`provide_storage` is the app-wide `storage` dependency: handlers declare `storage: Storage`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

from litestar import MediaType, Request, Response, Router, get, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from shared.integrations.storage import Storage, StorageError
from shared.integrations.storage_local import (
    CHUNK_BYTES,
    MAX_PART_BYTES,
    MAX_PUT_BYTES,
    BodyRefused,
    Grant,
    InvalidToken,
    LocalStorage,
)
from shared.web.guards import allow_anyone

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


# How handlers declare the dependency. Storage is a Protocol, which Litestar's signature model can't check
# with isinstance, so the annotation is Any; the value is the Storage provide_storage returns.
StorageDependency = NamedDependency[Any]


def provide_storage(state: State) -> Storage:
    """The app's one Storage (built from settings in create_app), for handlers that declare `storage`."""
    storage: Storage = state["storage"]
    return storage


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> Response[str]:
    return Response(message, status_code=status, media_type=MediaType.TEXT, headers=headers)


def _local(state: State) -> LocalStorage | None:
    storage = state.get("storage")
    return storage if isinstance(storage, LocalStorage) else None


def _grant(state: State, token: str, operation: Any) -> Grant | Response[str]:
    storage = _local(state)
    if storage is None:
        return _text(404, "This deployment stores files in S3; these URLs are not used.")
    try:
        return storage.verify(token, operation)
    except InvalidToken:
        # Expired or tampered with: the browser asks our API for a fresh URL and retries.
        return _text(403, "This upload or download link is invalid or has expired.")


@put(
    "/parts/{token:str}",
    guards=[allow_anyone],  # the signed token is the authorization (see the module docstring)
    request_max_body_size=MAX_PART_BYTES,
    status_code=200,
)
async def upload_part(request: Request[Any, Any, State], state: State, token: FromPath[str]) -> Response[str]:
    grant = _grant(state, token, "part")
    if isinstance(grant, Response):
        return grant
    storage = _local(state)
    assert storage is not None
    try:
        etag = await storage.receive_part(grant, request.stream())
    except BodyRefused as error:
        return _text(413, str(error))
    except StorageError:  # the upload was aborted or completed meanwhile
        return _text(404, "This upload no longer exists.")
    # Uppy reads the ETag from the answer (exposed for when the page is served from another origin).
    return _text(200, "", headers={"ETag": etag, "Access-Control-Expose-Headers": "ETag"})


@put("/objects/{token:str}", guards=[allow_anyone], request_max_body_size=MAX_PUT_BYTES, status_code=200)
async def upload_object(request: Request[Any, Any, State], state: State, token: FromPath[str]) -> Response[str]:
    grant = _grant(state, token, "put")
    if isinstance(grant, Response):
        return grant
    storage = _local(state)
    assert storage is not None
    content_type = request.headers.get("content-type", "")
    try:
        etag = await storage.receive_object(grant, content_type, request.stream())
    except BodyRefused as error:
        # S3 answers a type or size other than the signed one with 403 SignatureDoesNotMatch.
        return _text(403, str(error))
    return _text(200, "", headers={"ETag": etag, "Access-Control-Expose-Headers": "ETag"})


@get("/objects/{token:str}", guards=[allow_anyone], cache=False)
async def download_object(request: Request[Any, Any, State], state: State, token: FromPath[str]) -> Response[Any]:
    grant = _grant(state, token, "get")
    if isinstance(grant, Response):
        return grant
    storage = _local(state)
    assert storage is not None
    path = storage.object_path(grant.key)
    try:
        size = (await asyncio.to_thread(path.stat)).st_size
    except FileNotFoundError:
        return _text(404, "This file no longer exists.")
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": storage.disposition(grant),
        "Cache-Control": "private, max-age=0",
    }
    start, end, status = 0, size - 1, 200
    asked = request.headers.get("range")
    if asked:
        span = _byte_range(asked, size)
        if span is None:
            return _text(416, "Requested range not satisfiable", headers={"Content-Range": f"bytes */{size}"})
        start, end = span
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1 if size else 0)
    return Stream(
        _read(path, start, end + 1),
        status_code=status,
        media_type=grant.content_type or "application/octet-stream",
        headers=headers,
    )


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """One `bytes=a-b`, `bytes=a-` or `bytes=-n` range, clamped to the file; None when unsatisfiable.
    (Several ranges in one request are rare for media and answered with the first only.)"""
    match = _RANGE.match(header.split(",")[0].strip())
    if not match or size == 0:
        return None
    first, last = match.groups()
    if first == "":
        if last == "" or int(last) == 0:
            return None
        return max(size - int(last), 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return None
    return start, end


async def _read(path: Any, start: int, stop: int) -> AsyncIterator[bytes]:
    source = await asyncio.to_thread(path.open, "rb")
    try:
        await asyncio.to_thread(source.seek, start)
        remaining = stop - start
        while remaining > 0:
            chunk = await asyncio.to_thread(source.read, min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        await asyncio.to_thread(source.close)


local_storage_router = Router(path="/storage", route_handlers=[upload_part, upload_object, download_object])
