"""Encryption at rest for tokens and TOTP secrets, and hashing of one-time secrets.

The key is derived from SECRET_KEY (HKDF, with a purpose label), so rotating SECRET_KEY
makes stored tokens unreadable: providers then ask the creator to reconnect.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class Encryptor:
    def __init__(self, secret_key: str, purpose: str = "rapport-at-rest-v1") -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode()).derive(secret_key.encode())
        self._fernet = Fernet(base64.urlsafe_b64encode(key))

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str | None:
        """The plaintext, or None when it was encrypted under another key (or tampered with)."""
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            return None


def new_token(nbytes: int = 32) -> str:
    """A URL-safe random secret for links (invitations, exports)."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """What we store for a one-time secret: its SHA-256, so a database leak reveals no live links."""
    return hashlib.sha256(token.encode()).hexdigest()


def tokens_match(token: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_token(token), stored_hash)
