"""Alerts in words: the notice's and the list's lines, and the e-mail that tells of one."""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from ikm import periods
from ikm.alerts import DROP, GRADE, OVERALL, OVERDUE, Alert
from ikm.method import PERMENPAN_2017

TITLES = {
    (DROP, OVERALL): _l("IKM turun"),
    DROP: _l("Unsur %(code)s turun"),
    GRADE: _l("Mutu unsur %(code)s turun ke %(grade)s"),
    OVERDUE: _l("Tindak lanjut lewat target waktu"),
}
WORDS = {
    (DROP, OVERALL): _l(
        "IKM %(month)s sejauh ini %(now)s (%(respondents)s responden), turun %(drop)s poin "
        "dari %(before)s pada %(previous)s. Penurunan sebesar ini lebih dari sekadar "
        "kebetulan."),
    DROP: _l(
        "Unsur %(code)s %(name)s pada %(month)s sejauh ini %(now)s (%(respondents)s "
        "jawaban), turun %(drop)s poin dari %(before)s pada %(previous)s. Penurunan sebesar "
        "ini lebih dari sekadar kebetulan."),
    GRADE: _l(
        "Mutu unsur %(code)s %(name)s turun dari %(before_grade)s ke %(grade)s: %(now)s pada "
        "%(month)s sejauh ini (%(respondents)s jawaban), %(before)s pada %(previous)s."),
    OVERDUE: _l(
        "Tindak lanjut #%(action_id)s “%(what)s” (unsur %(unsur)s) sudah melewati target "
        "waktu %(due)s dan belum selesai."),
}
MAIL_END = _l(
    "Tandai peringatan ini sudah ditangani di halaman Peringatan (menu Peringatan di "
    "halaman petugas SKM), dengan catatan apa yang dilakukan.")
TEST_SUBJECT = _l("E-mail uji")
TEST_BODY = _l(
    "E-mail ini dikirim dari Pengaturan → E-mail peringatan untuk memeriksa pengaturan "
    "SMTP. Jika e-mail ini sampai, peringatan juga akan sampai ke alamat ini.")


def _key(alert: Mapping[str, Any]) -> Any:
    return (DROP, OVERALL) if alert["kind"] == DROP and alert["subject"] == OVERALL \
        else alert["kind"]


def _day(text: str, lang: str) -> str:
    day = date.fromisoformat(text)
    return f"{day.day} {(periods.MONTHS_EN if lang == 'en' else periods.MONTHS)[day.month - 1]} " \
           f"{day.year}"


def _values(alert: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Return what the words of an alert fill in: its details, named for people."""
    values = {**alert["details"], "code": alert["subject"]}
    if alert["month"]:
        month = periods.containing("month", date.fromisoformat(f"{alert['month']}-01"))
        values.update(month=month.label(lang), previous=month.previous().label(lang))
    if alert["subject"] in PERMENPAN_2017.codes:
        unsur = PERMENPAN_2017.unsur_by_code(alert["subject"])
        values["name"] = unsur.name_en if lang == "en" else unsur.name
    if "delta" in values:
        values["drop"] = str(-Decimal(values["delta"]))
    if alert["kind"] == OVERDUE:
        values["due"] = _day(values["due"], lang)
    return values


def as_row(alert: Alert | Mapping[str, Any]) -> Mapping[str, Any]:
    """Return an alert as the store keeps it: a mapping of kind, subject, month, details."""
    return dataclasses.asdict(alert) if isinstance(alert, Alert) else alert


def title(alert: Alert | Mapping[str, Any], lang: str = "id") -> str:
    """Return an alert's few words, for a heading or a mail's subject."""
    row = as_row(alert)
    return str(TITLES[_key(row)]) % _values(row, lang)


def words(alert: Alert | Mapping[str, Any], lang: str = "id") -> str:
    """Return what an alert says, in the page's language."""
    row = as_row(alert)
    return str(WORDS[_key(row)]) % _values(row, lang)


def mail(alert: Alert | Mapping[str, Any], office: str) -> tuple[str, str]:
    """Return an alert's e-mail (subject, body), in Bahasa Indonesia: the office's language."""
    with force_locale("id"):
        return (f"SKM {office}: {title(alert)}",
                f"{words(alert)}\n\n{MAIL_END}\n\n-- \nSKM {office}\n")


def trial_mail(office: str) -> tuple[str, str]:
    """Return the e-mail that checks the SMTP settings (subject, body)."""
    with force_locale("id"):
        return f"SKM {office}: {TEST_SUBJECT}", f"{TEST_BODY}\n\n-- \nSKM {office}\n"
