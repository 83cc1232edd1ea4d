"""Prompts read aloud on the kiosk: which recordings it is told of, and their sound."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import abort, current_app, request, send_file, url_for

import store
from ikm import audio
from web.database import get_db

YEAR = 365 * 24 * 3600


def instance() -> Path:
    return Path(current_app.instance_path)


def version(sha256: str) -> str:
    """Return the part of a recording's hash its address carries: a new one, a new address."""
    return sha256[:12]


def recordings(settings: dict[str, Any]) -> dict[str, Any]:
    """Return what the kiosk needs to read prompts aloud: the address of each recording by
    language and prompt, the local language's name, and whether questions play by themselves."""
    local = settings["local_language"]
    urls: dict[str, dict[str, str]] = {}
    for r in store.recordings.listed(get_db(), instance()):
        if r.lang == "local" and not local:
            continue  # a language without a name cannot be offered on the welcome screen
        urls.setdefault(r.lang, {})[r.key] = url_for(
            "kiosk.audio", voice=r.lang, prompt=r.key, v=version(r.sha256))
    return {"urls": urls, "local": local, "autoplay": settings["audio_autoplay"]}


def addresses(config: dict[str, Any]) -> list[str]:
    """Return every recording's address in `recordings()`, for the service worker to keep."""
    return sorted(url for prompts in config["urls"].values() for url in prompts.values())


def serve(voice: str, prompt: str):
    """A recorded prompt's sound, from this server, for the kiosk and phones to play."""
    if voice not in audio.LANGUAGES or prompt not in audio.KEYS:
        abort(404)
    rec = store.recordings.get(get_db(), voice, prompt)
    path = rec and store.recordings.file(instance(), rec)
    if rec is None or path is None or not path.is_file():
        abort(404)
    # This address names this sound only (its hash): a tablet may keep it for good. An old
    # address is answered with today's sound, but must be asked again each time.
    lasting = request.args.get("v") == version(rec.sha256)
    # conditional: ranges (a media element asks for them) and If-None-Match answered.
    response = send_file(path, mimetype=rec.mime, conditional=True, etag=rec.sha256,
                         max_age=YEAR if lasting else None)
    response.cache_control.immutable = lasting or None
    return response
