"""TOTP (RFC 6238, via pyotp) and recovery codes: the staff second factor. No database access here."""

from __future__ import annotations

import hashlib
import hmac
import secrets

import pyotp
import segno

ISSUER = "Rapport"


def new_secret() -> str:
    return pyotp.random_base32()


def code_is_valid(secret: str, code: str) -> bool:
    """A 6-digit code from the current 30-second step, or the one just before/after (clock drift)."""
    cleaned = code.replace(" ", "").strip()
    if len(cleaned) != 6 or not cleaned.isdigit():
        return False
    return pyotp.TOTP(secret).verify(cleaned, valid_window=1)


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The otpauth:// URI as an inline SVG QR code (no scripts, no style attributes: CSP-safe)."""
    return str(segno.make(uri, error="m").svg_inline(scale=4, border=2, title="TOTP set-up code"))


def new_recovery_codes(count: int) -> list[str]:
    """Codes like 'k7p2-9xqm-4hdw': easy to copy, ~60 bits each."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return ["-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3)) for _ in range(count)]


def normalise_recovery_code(code: str) -> str:
    return code.strip().lower().replace(" ", "").replace("-", "")


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(normalise_recovery_code(code).encode()).hexdigest()


def recovery_code_matches(code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_recovery_code(code), stored_hash)
