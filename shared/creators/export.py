"""The creator's "Download my data" archive: a ZIP of JSON files, built in memory (it is small)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from typing import Any

# Never part of an export, even if a caller passes a full row.
SECRET_COLUMNS = frozenset({"access_token_enc", "refresh_token_enc"})

README = """Your Rapport data, exported {when}.

profile.json   your creator profile
accounts.json  the social accounts linked to it (sign-in tokens are never exported)
activity.json  the audit trail of changes you made or that concern your account
contracts.json your contracts, their fingerprints (SHA-256) and your own signature events
"""


def _json(value: Any) -> bytes:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str, sort_keys=True).encode()


def _clean(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in SECRET_COLUMNS}


def build_export_zip(
    profile: Mapping[str, Any],
    accounts: Sequence[Mapping[str, Any]],
    audit_rows: Sequence[Mapping[str, Any]],
    contracts: Sequence[Mapping[str, Any]] = (),
) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(when=dt.datetime.now(dt.UTC).strftime("%d %b %Y, %H:%M UTC")))
        archive.writestr("profile.json", _json(_clean(profile)))
        archive.writestr("accounts.json", _json([_clean(row) for row in accounts]))
        archive.writestr("activity.json", _json([dict(row) for row in audit_rows]))
        archive.writestr("contracts.json", _json([dict(row) for row in contracts]))
    return buffer.getvalue()
