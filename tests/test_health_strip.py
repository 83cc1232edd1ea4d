"""The health strip on the staff pages, and the backups page it sends people to."""
import errno
import html
import os
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from support import ROLES, csrf_token, post_form

import store
from ikm import clock, health
from ikm.office import DEFAULTS
from store.audit import COMMAND_LINE

WIB = timezone(timedelta(hours=7))
GB = 10**9
BACKUPS = "/staff/settings/backups"


@pytest.fixture
def app(tmp_path):
    """An app that reads its health afresh on every page."""
    from kiosk import create_app

    return create_app({"TESTING": True, "HEALTH_CACHE_SECONDS": 0},
                      instance_path=tmp_path / "instance")


def disk(monkeypatch, free: float, total: float) -> None:
    monkeypatch.setattr("host.health.shutil.disk_usage",
                        lambda _: SimpleNamespace(total=total, used=total - free, free=free))


@pytest.fixture(autouse=True)
def roomy_disk(monkeypatch):
    """Half of a 100 GB disk free, whatever the disk the tests run on."""
    disk(monkeypatch, 50 * GB, 100 * GB)


def strip(reply) -> list[str]:
    """Return the strip's lines as a person reads them; [] when there is no strip."""
    assert reply.status_code == 200, reply.status_code
    found = re.search(r'<section class="health".*?</section>', reply.text, re.S)
    if not found:
        return []
    assert "<h2 id=\"health-title\">Perlu perhatian</h2>" in found.group(0)
    return [html.unescape(li) for li in re.findall(r"<li>(.*?)</li>", found.group(0), re.S)]


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def shown(moment: datetime) -> str:
    return f"{moment.astimezone(WIB):%d-%m-%Y %H:%M}"


def today_file() -> str:
    return f"skm-{datetime.now(WIB).date().isoformat()}.db"


def make_backup(app, second: str = "") -> store.backups.Outcome:
    """Make today's backup as the server's daily one does."""
    return store.backups.daily(Path(app.config["DATABASE"]), Path(app.instance_path),
                               datetime.now(WIB).date(), second)


def second_folder(app) -> Path:
    folder = Path(app.instance_path).parent / "flashdisk"
    folder.mkdir(exist_ok=True)
    return folder


def paired_kiosk(db, last_seen: datetime, **columns) -> None:
    kiosk_id, _ = store.kiosks.add_kiosk(db, "Loket 1", actor=COMMAND_LINE)
    db["kiosks"].update(kiosk_id, {"paired_at": utc_iso(last_seen - timedelta(days=1)),
                                   "last_seen": utc_iso(last_seen), **columns})


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


# --- each condition: what makes it, and the words the strip says it in (None: no strip) ---

def all_well(app, db, monkeypatch):
    make_backup(app)  # and no kiosks


def a_tenth_of_a_small_disk_free(app, db, monkeypatch):
    make_backup(app)
    disk(monkeypatch, 2 * GB, 20 * GB)


def backup_three_days_old(app, db, monkeypatch):
    then = time.time() - 3 * 86400
    os.utime(make_backup(app).file, (then, then))
    return "Cadangan data terakhir sudah 3 hari yang lalu."


def no_backup_of_a_database_made_three_days_ago(app, db, monkeypatch):
    made = datetime.now(timezone.utc) - timedelta(days=3)
    db.execute("UPDATE _sqlite_migrations SET applied_at = ?", [str(made)])
    return "Belum ada cadangan data. Buat cadangan di Pengaturan → Cadangan data."


def backup_failed_on_a_full_disk(app, db, monkeypatch):
    monkeypatch.setattr(store.backup, "backup", no_space)
    assert make_backup(app).error
    return "Cadangan terakhir gagal (No space left on device)."


def second_folder_removed(app, db, monkeypatch):
    folder = second_folder(app)
    store.settings.save(db, {"backup_folder": str(folder)}, actor=COMMAND_LINE)
    make_backup(app, str(folder))
    folder.joinpath(today_file()).unlink()
    folder.rmdir()
    return f"Folder cadangan kedua {folder} tidak ditemukan, jadi salinan ke sana dilewati."


def disk_half_a_gigabyte_free(app, db, monkeypatch):
    make_backup(app)
    disk(monkeypatch, 500 * 10**6, 100 * GB)
    return "Disk komputer server hampir penuh: tinggal 0.5 GB"


def disk_four_percent_free(app, db, monkeypatch):
    make_backup(app)
    disk(monkeypatch, 40 * GB, 1000 * GB)
    return "Disk komputer server hampir penuh: tinggal 40.0 GB (4.0%)."


def kiosk_silent_for_a_month(app, db, monkeypatch):
    make_backup(app)
    seen = datetime.now(timezone.utc) - timedelta(days=30)
    paired_kiosk(db, seen)
    return f"Tablet Loket 1 tidak terhubung sejak {shown(seen)}."


def kiosk_set_entries_aside(app, db, monkeypatch):
    make_backup(app)
    paired_kiosk(db, datetime.now(timezone.utc), rejected=3)
    return "Tablet Loket 1 menyisihkan 3 jawaban yang tidak dapat disimpan server."


def server_clock_behind_by_upkeep(app, db, monkeypatch):
    make_backup(app)
    evidence = datetime(2028, 1, 5, 3, 0, tzinfo=timezone.utc)
    app.extensions["upkeep"] = SimpleNamespace(server_clock=clock.ServerClock(
        behind=timedelta(days=400), evidence=evidence))
    return "Jam komputer server tertinggal 400 hari (paling tidak sudah 05-01-2028 10:00)."


def server_clock_behind_a_response_received(app, db, monkeypatch):
    make_backup(app)
    ahead = datetime.now(timezone.utc) + timedelta(days=3, hours=1)
    db["responses"].insert({"id": "r1", "service": "KK", "questionnaire": "full",
                            "answered_at": utc_iso(ahead), "received_at": utc_iso(ahead),
                            "local_date": ahead.astimezone(WIB).date().isoformat(),
                            "counted": 1})
    return f"Jam komputer server tertinggal 3 hari (paling tidak sudah {shown(ahead)})."


CONDITIONS = {make.__name__: make for make in (
    all_well, a_tenth_of_a_small_disk_free,
    backup_three_days_old, no_backup_of_a_database_made_three_days_ago,
    backup_failed_on_a_full_disk, second_folder_removed, disk_half_a_gigabyte_free,
    disk_four_percent_free, kiosk_silent_for_a_month, kiosk_set_entries_aside,
    server_clock_behind_by_upkeep, server_clock_behind_a_response_received)}


# --- the strip ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", CONDITIONS)
@pytest.mark.parametrize("role", ROLES)
def test_each_concern_shows_its_line_to_every_role_on_staff_pages(
        app, db, login, monkeypatch, role, name):
    expected = CONDITIONS[name](app, db, monkeypatch)
    client = login(role)
    for url in ("/staff/", "/staff/report"):
        reply = client.get(url)
        if expected is None:
            assert reply.status_code == 200 and 'class="health"' not in reply.text, url
        else:
            lines = strip(reply)
            assert len(lines) == 1 and expected in lines[0], (url, lines)


def test_a_backup_that_cannot_be_written_to_a_read_only_folder_shows(app, login):
    if os.geteuid() == 0:
        pytest.skip("root writes into a read-only folder; the full disk stands in for it")
    backups = store.backups.folder(Path(app.instance_path))
    backups.mkdir(mode=0o500)
    try:
        client = login("admin")
        page = client.post(BACKUPS + "/now", data={"csrf_token": csrf(client)},
                           follow_redirects=True).text
        assert "Cadangan gagal dibuat" in page
        assert strip(client.get("/staff/"))[0].startswith("Cadangan terakhir gagal")
    finally:
        backups.chmod(0o700)


def test_a_failed_backup_shows_until_one_succeeds(app, login, monkeypatch):
    app.config["HEALTH_CACHE_SECONDS"] = 60  # as in an office: making a backup reads afresh
    client = login("admin")
    real = store.backup.backup
    monkeypatch.setattr(store.backup, "backup", no_space)
    page = client.post(BACKUPS + "/now", data={"csrf_token": csrf(client)},
                       follow_redirects=True).text
    assert ("Cadangan gagal dibuat: No space left on device. Cadangan sebelumnya tetap aman."
            in page)
    assert strip(client.get("/staff/")) == [
        "Cadangan terakhir gagal (No space left on device). Periksa ruang kosong disk "
        "komputer server; cadangan sebelumnya tetap aman."]
    monkeypatch.setattr(store.backup, "backup", real)  # space was freed
    client.post(BACKUPS + "/now", data={"csrf_token": csrf(client)})
    assert strip(client.get("/staff/")) == []


def test_the_strip_is_never_on_public_pages_the_kiosk_or_for_visitors(app, client, login):
    server_clock_behind_by_upkeep(app, None, None)
    for url in ("/login", "/", "/kiosk/"):
        reply = client.get(url)
        assert reply.status_code == 200 and 'class="health"' not in reply.text, url
    assert client.get("/staff/").status_code == 302  # to the sign-in page
    login("viewer")
    for url in ("/", "/kiosk/"):
        assert 'class="health"' not in client.get(url).text, url
    assert strip(client.get("/staff/"))  # the same concern, on a staff page


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of Monday 30 November 2026 (day 0), office time."""
    return datetime(2026, 11, 30, hour, minute, tzinfo=WIB) + timedelta(days=day)


@pytest.mark.parametrize("last_seen, now, silent", [
    (wib(0, 8, 30), wib(0, 11), True),  # Monday: two and a half office hours
    (wib(0, 8), wib(0, 10), False),  # exactly two
    (wib(0, 6), wib(0, 10, 1), True),  # seen before opening: counted from 08:00
    (wib(-3, 16), wib(0, 9), False),  # Friday 16:00 to Monday 09:00: 0.5 + 1 hours
    (wib(-3, 16), wib(0, 10), True),  # ... to Monday 10:00: 0.5 + 2
    (wib(3, 14), wib(3, 17), False),  # Thursday closes at 16:00
    (wib(4, 14), wib(4, 16, 20), True),  # Friday at 16:30
    (wib(-2, 8), wib(-2, 15), False),  # a Saturday counts nothing
    (wib(-2, 0), wib(0, 7), False),  # nor the whole weekend
])
def test_a_kiosk_is_silent_after_two_office_hours_of_working_days(last_seen, now, silent):
    facts = health.Facts(now=now.astimezone(timezone.utc), tz=WIB,
                         office_hours=DEFAULTS["office_hours"], since=now, last_backup=now,
                         kiosks=[health.Kiosk("Loket 1", last_seen.astimezone(timezone.utc))])
    expected = [health.Concern(health.KIOSK_SILENT, {"name": "Loket 1", "since": last_seen})]
    assert health.concerns(facts) == (expected if silent else [])


# --- the backups page ---------------------------------------------------------------------

def csrf(client, page: str = BACKUPS) -> str:
    return csrf_token(client.get(page).text)


def audit_actions(db) -> list[str]:
    return [r["action"] for r in db["audit"].rows_where(order_by="id")]


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_only_an_admin_opens_the_backups_page(app, login, role):
    client = login(role)
    assert client.get(BACKUPS).status_code == 403
    token = csrf(client, "/staff/password")
    assert client.post(BACKUPS + "/now", data={"csrf_token": token}).status_code == 403
    assert not store.backups.folder(Path(app.instance_path)).exists()


@pytest.mark.parametrize("backup_time, folder, message", [
    ("25:99", "", "Jam cadangan harian: tulis jam dan menit, misalnya 12:30."),
    ("1230", "", "Jam cadangan harian: tulis jam dan menit, misalnya 12:30."),
    # Python 3.11's time.fromisoformat takes these (1230Z is 12:30 UTC, not office time).
    ("T1230", "", "Jam cadangan harian: tulis jam dan menit, misalnya 12:30."),
    ("1230Z", "", "Jam cadangan harian: tulis jam dan menit, misalnya 12:30."),
    ("12:30", "cadangan", "Folder cadangan kedua: tulis alamat lengkap folder"),
    ("12:30", "MISSING", "Folder cadangan kedua: folder MISSING tidak ada."),
])
def test_a_bad_hour_or_folder_is_refused_naming_the_field(
        app, db, login, backup_time, folder, message):
    missing = str(Path(app.instance_path).parent / "tidak-ada")
    folder, message = folder.replace("MISSING", missing), message.replace("MISSING", missing)
    client = login("admin")
    before, actions = store.settings.read(db), audit_actions(db)
    reply = post_form(client, BACKUPS, {"backup_time": backup_time, "backup_folder": folder})
    assert reply.status_code == 400
    assert message in html.unescape(reply.text) and "Belum disimpan. Periksa:" in reply.text
    assert store.settings.read(db) == before and audit_actions(db) == actions


def test_the_form_saves_a_second_folder_that_backup_now_copies_to(app, db, login):
    folder = second_folder(app)
    client = login("admin")
    reply = post_form(client, BACKUPS, {"backup_time": "07:45", "backup_folder": str(folder)})
    assert reply.status_code == 302
    assert "Pengaturan cadangan disimpan." in client.get(reply.location).text
    settings = store.settings.read(db)
    assert (settings["backup_time"], settings["backup_folder"]) == ("07:45", str(folder))
    assert audit_actions(db)[-1] == "settings"
    reply = post_form(client, BACKUPS + "/now", {}, page_url=BACKUPS)
    page = client.get(reply.location).text
    assert f"Cadangan dibuat: {today_file()}." in page and "Cadangan terakhir berhasil" in page
    assert f"<code>{today_file()}</code>" in page  # the list of backups on this PC
    here = store.backups.folder(Path(app.instance_path)) / today_file()
    assert here.is_file() and (folder / today_file()).is_file()
    assert audit_actions(db)[-1] == "backup"


def test_a_removed_second_folder_is_named_and_the_local_backup_still_made(app, db, login):
    folder = second_folder(app)
    client = login("admin")
    post_form(client, BACKUPS, {"backup_time": "12:30", "backup_folder": str(folder)})
    folder.rmdir()  # the flash disk is pulled out
    missing = [f"Folder cadangan kedua {folder} tidak ditemukan, jadi salinan ke sana "
               "dilewati. Colokkan flashdisk itu, atau ubah foldernya di Pengaturan → "
               "Cadangan data."]
    assert strip(client.get("/staff/")) == missing
    reply = post_form(client, BACKUPS + "/now", {}, page_url=BACKUPS)
    page = html.unescape(client.get(reply.location).text)
    assert (store.backups.folder(Path(app.instance_path)) / today_file()).is_file()
    said = re.search(r'<p class="flash error"[^>]*>(.*?)</p>', page).group(1)
    assert said == (f"Cadangan dibuat di komputer ini, tetapi folder kedua {folder} tidak "
                    "ditemukan, jadi salinan ke sana dilewati. Colokkan flashdisk itu.")
    assert "Folder kedua tidak ditemukan" in page  # by the form's field
    assert audit_actions(db)[-1] == "backup"
    assert strip(client.get("/staff/")) == missing


def test_a_second_folder_that_is_there_but_full_is_not_called_missing(
        app, db, login, monkeypatch):
    folder = second_folder(app)
    store.settings.save(db, {"backup_folder": str(folder)}, actor=COMMAND_LINE)
    monkeypatch.setattr("store.backups.shutil.copyfile", no_space)
    assert make_backup(app, str(folder)).second_error == "No space left on device"
    client = login("admin")
    lines = strip(client.get("/staff/"))
    assert len(lines) == 1 and str(folder) in lines[0]
    assert "No space left on device" in lines[0]
    assert "tidak ditemukan" not in lines[0] and "Colokkan flashdisk" not in lines[0]
    page = client.get(BACKUPS).text
    assert "Folder kedua tidak ditemukan" not in page and "Folder kedua tersedia" not in page


def test_posts_without_a_csrf_token_are_refused(app, db, login):
    client = login("admin")
    before = store.settings.read(db)
    assert client.post(BACKUPS, data={"backup_time": "07:45", "backup_folder": ""}
                       ).status_code == 400
    assert client.post(BACKUPS + "/now").status_code == 400
    assert store.settings.read(db) == before
    assert store.backups.listing(Path(app.instance_path)) == []


def test_the_whole_database_still_downloads(login):
    reply = login("admin").get("/staff/backup.db")
    assert reply.status_code == 200 and reply.data.startswith(b"SQLite format 3\x00")
