"""Staff password hashing (argon2id) and what makes a password acceptable."""

from __future__ import annotations

import functools
import gzip
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# Verifying against this when the account does not exist keeps the timing the same,
# so sign-in does not reveal which emails have accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password-just-for-timing")

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024

# Django's list of 20,000 common passwords (BSD licence; see docs/identity-staff.md).
_COMMON_PASSWORDS = Path(__file__).with_name("common-passwords.txt.gz")


@functools.cache
def _common_passwords() -> frozenset[str]:
    with gzip.open(_COMMON_PASSWORDS, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is not acceptable (too short, too common, just the email or name); None if fine."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    lowered = password.strip().lower()
    if lowered in _common_passwords():
        return "This password is too common: attackers try it first. Choose another."
    personal = {email.strip().lower(), email.split("@")[0].strip().lower(), name.strip().lower()} - {""}
    if any(lowered == part or lowered.replace(" ", "") == part.replace(" ", "") for part in personal):
        return "Do not use your email or name as your password."
    return None
