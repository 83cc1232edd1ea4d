"""Each kiosk token's fair share of the server: a flood from one never starves the rest.

A kiosk's outbox sends one request at a time, and its status report may overlap it: two
under way is all an honest kiosk needs. A third is answered 429 with Retry-After, which
the outbox honours. A client that sends again at once anyway is refused before Flask
runs (no session, no database), so that refusing it costs next to nothing and the queue
it fills empties fast: staff pages and the other kiosks wait behind it only briefly.
"""
from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask

from store.tokens import hash_token
from web import errors

PER_KIOSK = 2
RETRY_AFTER_SECONDS = 1
KIOSK_PATHS = frozenset({"/api/responses", "/api/kiosk/hello"})
MESSAGE = "this kiosk already has requests under way; send again after Retry-After seconds"


class Busy(Exception):
    """The kiosk already has its requests under way."""


class KioskTurns:
    """How many requests each kiosk token (by its stored hash) has under way."""

    def __init__(self, limit: int = PER_KIOSK):
        self.limit = limit
        self._lock = threading.Lock()
        self._under_way: dict[str, int] = {}  # only tokens that passed a look-up get here

    def full(self, token_hash: str) -> bool:
        """Return whether this token has all its requests under way (a hint, unlocked)."""
        return self._under_way.get(token_hash, 0) >= self.limit

    @contextlib.contextmanager
    def turn(self, token_hash: str) -> Iterator[None]:
        """Hold one of the token's turns for the block; raise Busy when it has none left."""
        with self._lock:
            taken = self._under_way.get(token_hash, 0)
            if taken >= self.limit:
                raise Busy
            self._under_way[token_hash] = taken + 1
        try:
            yield
        finally:
            with self._lock:
                left = self._under_way[token_hash] - 1
                if left:
                    self._under_way[token_hash] = left
                else:
                    del self._under_way[token_hash]


def turns(app: Flask) -> KioskTurns:
    """Return the app's count of kiosk requests under way."""
    return app.extensions["kiosk_turns"]


StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class RefuseBusyKiosks:
    """WSGI middleware: a request from a kiosk with no turn left gets 429 before Flask."""

    def __init__(self, app: WsgiApp, kiosk_turns: KioskTurns):
        self.app, self.turns = app, kiosk_turns
        self.body = json.dumps(errors.body("Authorization", MESSAGE)).encode()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        header = environ.get("HTTP_AUTHORIZATION", "")
        if (environ.get("PATH_INFO") in KIOSK_PATHS and header[:7].lower() == "bearer "
                and self.turns.full(hash_token(header[7:].strip()))):
            start_response("429 Too Many Requests", [
                ("Content-Type", "application/json"), ("Content-Length", str(len(self.body))),
                ("Retry-After", str(RETRY_AFTER_SECONDS)), ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff")])
            return [self.body]
        return self.app(environ, start_response)


def init_app(app: Flask) -> None:
    """Count each kiosk's requests under way, and refuse the extra ones cheaply."""
    app.extensions["kiosk_turns"] = KioskTurns()
    app.wsgi_app = RefuseBusyKiosks(app.wsgi_app, turns(app))  # type: ignore[method-assign]
