"""Authorization rows for the local storage backend's signed URLs: the token is the authorization, so
everyone (signed in or not, either side) gets 403 for a made-up token. Real tokens: tests/shared."""

from __future__ import annotations

from tests.authz import FORBIDDEN, PERSONAS, Route

FORGED = "/storage/objects/eyJvcGVyYXRpb24iOiJnZXQifQ.forged"
FORGED_PART = "/storage/parts/eyJvcGVyYXRpb24iOiJwYXJ0In0.forged"
REFUSED = dict.fromkeys(PERSONAS, FORBIDDEN)

ROUTES = [
    Route("GET", "/storage/objects/{token:str}", FORGED, REFUSED),
    Route("PUT", "/storage/objects/{token:str}", FORGED, REFUSED),
    Route("PUT", "/storage/parts/{token:str}", FORGED_PART, REFUSED),
]
