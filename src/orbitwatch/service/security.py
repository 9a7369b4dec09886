"""Secrets: argon2id password hashes, API keys and session tokens (random, stored as keyed hashes).

API keys and session tokens carry 256 random bits, so a fast keyed hash (HMAC-SHA256 with
the deployment's ``key_pepper``) is enough to store them; passwords are low-entropy and get
argon2id.

>>> key = new_api_key()
>>> key.text.startswith("ow_") and parse_api_key(key.text) == (key.key_id, key.secret)
True
>>> h = hash_password("correct horse battery staple")
>>> verify_password(h, "correct horse battery staple"), verify_password(h, "wrong")
(True, False)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_PREFIX = "ow_"


@dataclass(frozen=True)
class NewKey:
    """A freshly generated API key: ``text`` is shown to its owner once, never stored."""

    key_id: str
    secret: str

    @property
    def text(self) -> str:
        return f"{KEY_PREFIX}{self.key_id}.{self.secret}"


def new_api_key() -> NewKey:
    return NewKey(secrets.token_hex(6), secrets.token_urlsafe(32))


def parse_api_key(text: str) -> tuple[str, str] | None:
    """(key id, secret) of a key's text, or None when it is not shaped like one."""
    text = (text or "").strip()
    if not text.startswith(KEY_PREFIX) or "." not in text:
        return None
    key_id, _, secret = text[len(KEY_PREFIX):].partition(".")
    if len(key_id) != 12 or not all(c in "0123456789abcdef" for c in key_id) or len(secret) < 20:
        return None
    return key_id, secret


def token_hash(secret: str, pepper: str = "") -> str:
    """Keyed hash of a high-entropy secret (key or session token), hex."""
    return hmac.new(("orbitwatch:" + pepper).encode(), secret.encode(), hashlib.sha256).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return bool(_hasher().verify(stored, password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


#: a hash of a fixed password, verified when a user does not exist, so that a wrong user name
#: takes as long as a wrong password (no user enumeration by timing)
_DUMMY: list[str] = []


def dummy_verify(password: str) -> None:
    if not _DUMMY:
        _DUMMY.append(hash_password(secrets.token_hex(8)))
    verify_password(_DUMMY[0], password)
