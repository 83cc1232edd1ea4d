"""The recorded prompts go with the backups, and come back with a restore on another PC."""
from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

import pytest

import kiosk
import store
from store.audit import COMMAND_LINE
from store.schema import open_db

WAV = b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(2000)
OGG = b"OggS\x00\x02" + bytes(3000)


@pytest.fixture
def instance(tmp_path) -> Path:
    """An instance folder with two recorded prompts."""
    folder = tmp_path / "instance"
    folder.mkdir()
    with contextlib.closing(open_db(folder / "skm.db")) as db:
        store.recordings.save(db, folder, "id", "welcome", WAV, actor=COMMAND_LINE)
        store.recordings.save(db, folder, "id", "U1", OGG, actor=COMMAND_LINE)
    return folder


def sounds(folder: Path) -> dict[str, bytes]:
    place = folder / store.recordings.FOLDER
    return {p.name: p.read_bytes() for p in place.iterdir()} if place.is_dir() else {}


def test_the_daily_backup_keeps_the_recordings_beside_it_and_in_the_second_folder(
        instance, tmp_path):
    second = tmp_path / "flashdisk"
    second.mkdir()
    outcome = store.backups.daily(instance / "skm.db", instance, date(2026, 11, 30),
                                  str(second))
    assert outcome.error is None and outcome.second_error is None
    here = store.backups.folder(instance)
    assert sounds(here) == sounds(instance) == sounds(second)
    assert len(sounds(instance)) == 2
    # The next day's backup copies nothing again, and a re-recorded prompt is added: the
    # older backups may still name the sound it replaced, which stays.
    with contextlib.closing(open_db(instance / "skm.db")) as db:
        store.recordings.save(db, instance, "id", "U1", WAV + b"\x01", actor=COMMAND_LINE)
    store.backups.daily(instance / "skm.db", instance, date(2026, 12, 1), str(second))
    assert len(sounds(here)) == len(sounds(second)) == 3
    assert set(sounds(instance)) < set(sounds(here))


def test_a_restore_on_another_pc_brings_the_recordings_back(instance, tmp_path):
    store.backups.daily(instance / "skm.db", instance, date(2026, 11, 30))
    backup_file = store.backups.folder(instance) / "skm-2026-11-30.db"
    elsewhere = tmp_path / "new-pc"
    elsewhere.mkdir()
    assert kiosk.main(["restore", str(backup_file), "--instance", str(elsewhere)]) == 0
    assert sounds(elsewhere) == sounds(instance)
    with contextlib.closing(open_db(elsewhere / "skm.db")) as db:
        # The kiosk is told of a recording only when its file is there.
        assert {r.key for r in store.recordings.listed(db, elsewhere)} == {"welcome", "U1"}


def test_the_backup_command_copies_the_recordings_beside_its_file(instance, tmp_path, capsys):
    dest = tmp_path / "usb"
    dest.mkdir()
    assert kiosk.main(["backup", str(dest / "skm.db"), "--instance", str(instance)]) == 0
    assert "Recordings copied beside it: 2" in capsys.readouterr().out
    assert sounds(dest) == sounds(instance)


def test_a_recordings_copy_that_fails_leaves_the_backup_standing(instance, monkeypatch,
                                                                 caplog):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.backup, "copy_recordings", full)
    outcome = store.backups.daily(instance / "skm.db", instance, date(2026, 11, 30))
    assert outcome.error is None and Path(outcome.file).is_file()
    assert "recordings not copied" in caplog.text
