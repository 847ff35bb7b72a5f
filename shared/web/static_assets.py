"""Built assets: their URLs for templates (asset('app.js')) and the route that serves them.

`npm run build` (static/build.mjs) writes static/dist: every file with a content hash in its name, a
Brotli (.br) and a gzip (.gz) copy beside it, and manifest.json mapping the names templates use to the
hashed files. Because a file's name changes whenever its content does, browsers may keep it for a year
without asking again (`immutable`); the server picks the precompressed copy the browser accepts and
never compresses per request.
"""

from __future__ import annotations

import json
import mimetypes
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import File

from shared.web.guards import allow_anyone

ROOT = Path(__file__).resolve().parents[2]
DIST_DIR = ROOT / "static" / "dist"
MANIFEST = DIST_DIR / "manifest.json"
URL_PREFIX = "/static/dist/"

IMMUTABLE = "public, max-age=31536000, immutable"
# Precompressed twins, in the order we prefer them when a browser accepts both.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
# Extensions of files a page may load; the build's .br/.gz twins and manifest.json are never asked for by name.
SERVED_SUFFIXES = {".js", ".css", ".svg", ".map", ".txt"}
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".map": "application/json"}


class AssetMissing(LookupError):
    """A template asked for an asset the build did not produce (run `make assets`)."""


# A page asks for three or four assets: looking at the manifest's file for each was a system call per asset per
# request (bench/http_bench.py --profile). Once a second still sees a rebuild while the dev server runs.
RECHECK_SECONDS = 1.0


@dataclass
class _Manifest:
    mtime: float = -1.0
    files: dict[str, str] | None = None
    checked: float = 0.0  # time.monotonic() of the last look at the file


_manifest = _Manifest()


def _files() -> dict[str, str]:
    # Re-read only when the build rewrote the manifest (a rebuild while the dev server runs).
    now = time.monotonic()
    if _manifest.files is not None and now - _manifest.checked < RECHECK_SECONDS:
        return _manifest.files
    _manifest.checked = now
    try:
        mtime = MANIFEST.stat().st_mtime
    except FileNotFoundError as missing:
        raise AssetMissing("static/dist/manifest.json is missing: run `make assets` (npm run build).") from missing
    if _manifest.files is None or mtime != _manifest.mtime:
        _manifest.files = json.loads(MANIFEST.read_text())
        _manifest.mtime = mtime
    return _manifest.files


def asset(name: str) -> str:
    """URL of a built asset by the name templates know it by: asset('app.js') -> /static/dist/app-3F2K7Q.js."""
    files = _files()
    if name not in files:
        raise AssetMissing(f"No built asset named {name!r}; static/build.mjs knows {', '.join(sorted(files))}.")
    return URL_PREFIX + files[name]


def accepted_encodings(header: str) -> set[str]:
    """Content codings an Accept-Encoding header allows (q=0 refuses one)."""
    accepted: set[str] = set()
    for part in header.split(","):
        coding, _, params = part.strip().partition(";")
        quality = params.strip().removeprefix("q=").strip() if params.strip().startswith("q=") else "1"
        try:
            allowed = float(quality) > 0
        except ValueError:
            allowed = False
        if coding and allowed:
            accepted.add(coding.strip().lower())
    return accepted


def _resolve(file_path: str) -> Path:
    relative = PurePosixPath(file_path.lstrip("/"))
    if (
        len(relative.parts) != 2
        or relative.parts[0] != "dist"
        or relative.name.startswith(".")
        or relative.suffix not in SERVED_SUFFIXES
    ):
        raise NotFoundException()
    path = DIST_DIR / relative.name
    if not path.is_file():
        raise NotFoundException()
    return path


@get("/static/{file_path:path}", guards=[allow_anyone], include_in_schema=False, cache=False)
async def static_file(request: Request[Any, Any, Any], file_path: FromPath[str]) -> File:
    """A built file, precompressed when the browser accepts it, cached for a year (its name is its version)."""
    path = _resolve(file_path)
    accepted = accepted_encodings(request.headers.get("accept-encoding", ""))
    served, encoding = path, None
    for coding, suffix in ENCODINGS:
        twin = path.with_name(path.name + suffix)
        if coding in accepted and twin.is_file():
            served, encoding = twin, coding
            break
    headers = {"cache-control": IMMUTABLE, "vary": "accept-encoding"}
    if encoding:
        headers["content-encoding"] = encoding
    # Litestar adds "; charset=utf-8" to text types itself.
    media_type = MEDIA_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return File(
        path=served, media_type=media_type, filename=path.name, content_disposition_type="inline", headers=headers
    )
