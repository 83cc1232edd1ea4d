"""E-mail of alerts: SMTP settings with a password never shown, a queue retried with longer
pauses while the network is down, and every message sent once it is back."""
from __future__ import annotations

import logging
import smtplib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from support import csrf_token, post_form

import store
from host.upkeep import Upkeep
from ikm import alerts, mail
from ikm.refused import Refused
from results import alerts as checked
from store.audit import COMMAND_LINE

PAGE = "/staff/settings/mail"
SECRET = "sandi-smtp-rahasia-42"
SMTP = {"smtp_host": "smtp.example.go.id", "smtp_port": 587, "smtp_security": "starttls",
        "smtp_user": "skm@example.go.id", "smtp_password": SECRET, "smtp_from": "",
        "alert_recipients": ["camat@example.go.id", "sekcam@example.go.id"]}


def form(**changes) -> dict:
    data = {**SMTP, "alert_recipients": ", ".join(SMTP["alert_recipients"]), **changes}
    return {k: v for k, v in data.items() if v is not None}


def overdue_action(db, due: date = date(2026, 11, 10)) -> int:
    return store.actions.create(db, "U9", "Perbaiki AC ruang tunggu", actor=COMMAND_LINE,
                                due=due)


# --- the settings page ----------------------------------------------------------------

def test_the_password_is_saved_but_never_shown_nor_audited(db, login):
    admin = login("admin")
    reply = post_form(admin, PAGE, form())
    assert reply.status_code == 302
    settings = store.settings.read(db)
    assert {k: settings[k] for k in SMTP} == SMTP
    page = admin.get(PAGE).text
    assert SECRET not in page and "smtp.example.go.id" in page
    assert "camat@example.go.id, sekcam@example.go.id" in page
    assert "Sudah tersimpan" in page and "E-mail aktif" in page
    [event] = store.audit.recent(db, action="settings")
    assert SECRET not in event["detail"] and "smtp_password=[changed]" in event["detail"]
    # Left blank, the stored password stays; asked to, it goes.
    assert post_form(admin, PAGE, form(smtp_password="", smtp_port=465,
                                       smtp_security="ssl")).status_code == 302
    assert store.settings.read(db)["smtp_password"] == SECRET
    assert store.settings.read(db)["smtp_port"] == 465
    assert post_form(admin, PAGE, form(smtp_password="", forget_password="y")).status_code == 302
    assert store.settings.read(db)["smtp_password"] == ""
    assert all(SECRET not in e["detail"] for e in store.audit.recent(db))


@pytest.mark.parametrize("changes, words", [
    ({"alert_recipients": "camat@example.go.id, bukan-alamat"},
     "bukan-alamat bukan alamat e-mail"),
    ({"alert_recipients": "a@b.id\nBcc: x@y.id"}, "bukan alamat e-mail"),
    ({"smtp_from": "skm@example.go.id\r\nBcc: x@y.id"}, "Alamat pengirim"),
    ({"smtp_user": "skm", "smtp_from": ""}, "Alamat pengirim: wajib diisi"),
    ({"smtp_host": "smtp example"}, "Server SMTP: tulis nama server"),
    ({"smtp_port": "70000"}, "Port: isi angka bulat dari 1 sampai 65535"),
    ({"smtp_password": "a\nb"}, "tanpa baris baru"),
])
def test_what_cannot_work_is_refused_and_nothing_is_saved(db, login, changes, words):
    reply = post_form(login("admin"), PAGE, form(**changes))
    assert reply.status_code == 400 and words in reply.text
    assert store.settings.read(db)["smtp_host"] == ""


def test_only_an_admin_opens_or_saves_it(login, db):
    staff = login("staff")
    assert staff.get(PAGE).status_code == 403
    token = csrf_token(staff.get("/staff/").text)
    assert staff.post(PAGE, data={**form(), "csrf_token": token}).status_code == 403
    assert store.settings.read(db)["smtp_host"] == ""


def test_a_test_mail_is_queued_for_every_recipient(db, login):
    admin = login("admin")
    post_form(admin, PAGE + "/test", {}, PAGE)
    assert "Isi dan simpan server SMTP" in admin.get(PAGE).text
    assert store.mail.status(db).waiting == 0
    post_form(admin, PAGE, form())
    reply = post_form(admin, PAGE + "/test", {}, PAGE)
    assert reply.status_code == 302
    page = admin.get(PAGE).text
    assert "E-mail uji masuk antrean untuk 2 alamat" in page
    assert "2 e-mail menunggu dikirim" in page
    assert [e["detail"] for e in store.audit.recent(db, action="mail")] == [
        "test mail queued for 2 recipients"]


# --- the queue and the upkeep that sends it --------------------------------------------

def test_alerts_queue_one_mail_per_recipient_only_when_smtp_is_set(db):
    overdue_action(db)
    settings = store.settings.read(db)
    assert len(checked.check(db, date(2026, 11, 20), settings)) == 1
    assert store.mail.status(db).waiting == 0  # no SMTP: shown on the pages only
    store.settings.save(db, SMTP, actor=COMMAND_LINE)
    overdue_action(db, date(2026, 11, 12))
    settings = store.settings.read(db)
    [alert_id] = checked.check(db, date(2026, 11, 20), settings)
    assert checked.check(db, date(2026, 11, 20), settings) == []  # once, mail and all
    waiting = store.mail.due(db, "9999")
    assert [(m["alert_id"], m["recipient"]) for m in waiting] == [
        (alert_id, "camat@example.go.id"), (alert_id, "sekcam@example.go.id")]
    assert waiting[0]["subject"] == ("SKM Kantor Camat Serai Serumpun: Tindak lanjut lewat "
                                     "target waktu")
    assert "sudah melewati target waktu 12 November 2026" in waiting[0]["body"]


class Clock:
    """The server's clock, moved on by the test."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


class Network:
    """A stand-in for the SMTP server: down (raising what smtplib raises) until told."""

    def __init__(self):
        self.down: Exception | None = OSError(101, "Network is unreachable")
        self.tries: list[str] = []
        self.sent: list = []

    def __call__(self, settings, message) -> None:
        self.tries.append(message["To"])
        if self.down:
            raise self.down
        self.sent.append(message)


@pytest.fixture
def upkeep(app, db):
    """The server's upkeep, its clock right (the queue is dated by it), the network down."""
    store.settings.save(db, {**SMTP, "alert_recipients": ["camat@example.go.id"]},
                        actor=COMMAND_LINE)
    clock = Clock(datetime.now(timezone.utc))
    network = Network()
    keeper = Upkeep(Path(app.config["DATABASE"]), Path(app.instance_path), clock,
                    alerts=checked.check, send=network)
    return keeper, clock, network


def test_mail_waits_while_the_network_is_down_then_goes(db, upkeep, login):
    keeper, clock, network = upkeep
    overdue_action(db)
    keeper.tick()  # raises the alert, queues its mail, and fails to send it
    assert network.tries == ["camat@example.go.id"] and network.sent == []
    [mail] = store.mail.due(db, "9999")
    assert mail["attempts"] == 1
    page = login("admin").get(PAGE).text
    assert "1 e-mail menunggu dikirim" in page
    assert "Network is unreachable" in page and "Kegagalan terakhir" in page
    # The pauses grow: 1, 2, 4 ... minutes, and no try comes before its time.
    for attempts, pause in ((1, 1), (2, 2), (3, 4)):
        clock.now += timedelta(minutes=pause) - timedelta(seconds=1)
        keeper.tick()
        assert len(network.tries) == attempts
        clock.now += timedelta(seconds=1)
        keeper.tick()
        assert len(network.tries) == attempts + 1
    network.down = None
    clock.now += timedelta(minutes=8)
    keeper.tick()
    [sent] = network.sent
    assert sent["To"] == "camat@example.go.id" and sent["From"] == "skm@example.go.id"
    assert "Perbaiki AC ruang tunggu" in sent.get_content()
    assert store.mail.status(db).waiting == 0 and store.mail.due(db, "9999") == []
    page = login("admin").get(PAGE).text
    assert "Tidak ada e-mail yang menunggu" in page and "Terakhir terkirim" in page
    clock.now += timedelta(hours=1)
    keeper.tick()
    assert len(network.sent) == 1  # sent once: the alert is not raised again


def test_the_wait_is_never_longer_than_an_hour_and_never_given_up(db, upkeep):
    keeper, clock, network = upkeep
    store.mail.queue(db, ["camat@example.go.id"], "uji", "uji")
    for _ in range(12):
        keeper.tick()
        clock.now += timedelta(minutes=60)
    assert len(network.tries) == 12  # every hour, however long it has been down
    assert store.mail.status(db).waiting == 1


def test_the_password_never_reaches_the_log_or_the_page(db, upkeep, login, caplog):
    keeper, clock, network = upkeep
    network.down = smtplib.SMTPAuthenticationError(
        535, f"5.7.8 Username and Password not accepted ({SECRET})".encode())
    store.mail.queue(db, ["camat@example.go.id"], "uji", "uji")
    with caplog.at_level(logging.INFO):
        keeper.tick()
    assert "Username and Password not accepted" in caplog.text
    assert SECRET not in caplog.text
    assert SECRET not in (store.mail.status(db).last_error or "x")
    assert SECRET not in login("admin").get(PAGE).text


def test_a_cause_found_by_two_checks_at_once_is_stored_and_mailed_once(db):
    # The upkeep's check and a page's may both find it before either has stored it.
    found = store.alerts.Raised(alerts.Alert("overdue:1:2026-11-10", "overdue", "1", None, {
        "action_id": 1, "unsur": "U9", "what": "x", "who": None, "due": "2026-11-10"}),
        "subjek", "isi")
    assert len(store.alerts.raise_new(db, [found], ["camat@example.go.id"])) == 1
    assert store.alerts.raise_new(db, [found], ["camat@example.go.id"]) == []
    assert store.mail.status(db).waiting == 1 and len(store.alerts.open_alerts(db)) == 1


def test_recipients_are_read_as_people_type_them():
    assert mail.recipients(" camat@example.go.id;sekcam@example.go.id,\nCAMAT@example.go.id ,") \
        == ["camat@example.go.id", "sekcam@example.go.id"]
    assert mail.recipients("") == []
    with pytest.raises(Refused) as refused:
        mail.recipients(", ".join(f"p{i}@example.go.id" for i in range(mail.MAX_RECIPIENTS + 1)))
    assert refused.value.reason == "too_many"
