"""Secrets handed out once (kiosk tokens, the setup link): made here, kept only as hashes."""
from __future__ import annotations

import hashlib
import secrets


def new_token(nbytes: int = 32) -> str:
    """Return a new secret for a URL or a header, shown once and never stored."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str) -> str:
    """Return the stored form of a secret: its SHA-256, looked up by equality."""
    return hashlib.sha256(token.encode()).hexdigest()
