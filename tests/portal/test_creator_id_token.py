"""id_token checks: signature from the JWKS, issuer, audience, expiry and nonce (keys served over real HTTP)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import werkzeug.serving
from joserfc import jwt
from joserfc.jwk import RSAKey

from shared.integrations.oauth import OAuthFailure, _verified_claims
from shared.settings import OidcProvider

KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
STRANGER = RSAKey.generate_key(2048, parameters={"kid": "k1", "use": "sig", "alg": "RS256"})
ISSUER = "https://id.example.test"


@pytest.fixture(scope="module")
def jwks_uri() -> Iterator[str]:
    body = json.dumps({"keys": [KEY.as_dict(private=False)]}).encode()

    def app(environ: Any, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("content-type", "application/json")])
        return [body]

    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/jwks"
    server.shutdown()


PROVIDER = OidcProvider(name="idp", issuer=ISSUER, client_id="rapport", client_secret="s", label="IdP")


def _token(key: RSAKey = KEY, **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "rapport", "sub": "u1", "exp": now + 600, "iat": now, "nonce": "n1", **overrides}
    return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)


async def test_it_accepts_a_good_id_token(jwks_uri: str) -> None:
    claims = await _verified_claims(PROVIDER, {"issuer": ISSUER, "jwks_uri": jwks_uri}, _token(), "n1")
    assert claims["sub"] == "u1"


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://evil.example.test"},
        {"aud": "someone-else"},
        {"exp": int(time.time()) - 3600},
        {"nonce": "n2"},
    ],
    ids=["issuer", "audience", "expired", "nonce"],
)
async def test_it_refuses_a_wrong_claim(jwks_uri: str, overrides: dict[str, Any]) -> None:
    with pytest.raises(OAuthFailure):
        await _verified_claims(PROVIDER, {"issuer": ISSUER, "jwks_uri": jwks_uri}, _token(**overrides), "n1")


async def test_it_refuses_a_token_signed_by_another_key(jwks_uri: str) -> None:
    with pytest.raises(OAuthFailure):
        await _verified_claims(PROVIDER, {"issuer": ISSUER, "jwks_uri": jwks_uri}, _token(STRANGER), "n1")


async def test_it_refuses_a_token_without_a_nonce(jwks_uri: str) -> None:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "rapport", "sub": "u1", "exp": now + 600}
    token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, KEY)
    with pytest.raises(OAuthFailure):
        await _verified_claims(PROVIDER, {"issuer": ISSUER, "jwks_uri": jwks_uri}, token, "n1")
