"""Built assets: hashed names from the manifest, precompressed answers, a year of caching, nothing else served."""

from __future__ import annotations

import gzip
import re

import httpx
import pytest

from shared.web.static_assets import DIST_DIR, IMMUTABLE, AssetMissing, accepted_encodings, asset

Client = httpx.AsyncClient


async def raw_get(client: Client, url: str, accept_encoding: str) -> tuple[httpx.Response, bytes]:
    """The response and its body as sent (httpx would otherwise undo the gzip)."""
    async with client.stream("GET", url, headers={"accept-encoding": accept_encoding}) as response:
        body = b"".join([chunk async for chunk in response.aiter_raw()])
    return response, body


def test_templates_name_assets_by_their_content_hash() -> None:
    for name in ("app.js", "app.css", "uploads.js", "uploads.css", "charts.js", "review.js", "favicon.svg"):
        url = asset(name)
        stem, ext = name.rsplit(".", 1)
        assert re.fullmatch(rf"/static/dist/{stem}(-style)?-[A-Z0-9]{{8}}\.{ext}", url), url
        file = DIST_DIR / url.rsplit("/", 1)[1]
        assert file.is_file() and (DIST_DIR / f"{file.name}.br").is_file() and (DIST_DIR / f"{file.name}.gz").is_file()
    with pytest.raises(AssetMissing):
        asset("nope.js")


def test_it_reads_accept_encoding_with_its_weights() -> None:
    assert accepted_encodings("gzip, deflate, br, zstd") == {"gzip", "deflate", "br", "zstd"}
    assert accepted_encodings("br;q=0, gzip;q=0.5") == {"gzip"}
    assert accepted_encodings("") == set()


async def test_static_responses_are_precompressed_and_cached_for_good(client: Client) -> None:
    page = await client.get("/")
    url = asset("app.js")
    assert f'src="{url}"' in page.text
    plain = (DIST_DIR / url.rsplit("/", 1)[1]).read_bytes()

    response, body = await raw_get(client, url, "gzip, deflate, br, zstd")
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "br"
    assert response.headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert response.headers["vary"].lower() == "accept-encoding"
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "set-cookie" not in response.headers  # publicly cacheable: no CSRF cookie on it
    assert body == (DIST_DIR / f"{url.rsplit('/', 1)[1]}.br").read_bytes()
    assert int(response.headers["content-length"]) == len(body) < len(plain) / 3

    response, body = await raw_get(client, url, "gzip")
    assert response.headers["content-encoding"] == "gzip" and gzip.decompress(body) == plain
    assert response.headers["cache-control"] == IMMUTABLE

    response, body = await raw_get(client, asset("app.css"), "identity")
    assert "content-encoding" not in response.headers
    assert response.headers["content-type"].startswith("text/css")
    assert response.headers["vary"].lower() == "accept-encoding" and response.headers["cache-control"] == IMMUTABLE
    assert body == (DIST_DIR / asset("app.css").rsplit("/", 1)[1]).read_bytes()


async def test_it_serves_only_the_built_files(client: Client) -> None:
    app_js = asset("app.js").rsplit("/", 1)[1]
    for path in (
        "/static/dist/manifest.json",
        f"/static/dist/{app_js}.br",
        "/static/build.mjs",
        "/static/src/app.js",
        "/static/dist/../build.mjs",
        "/static/dist/%2e%2e/build.mjs",
        "/static/dist/app-AAAAAAAA.js",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
