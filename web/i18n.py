"""Bahasa Indonesia first, English on request (Flask-Babel); the kiosk gets both at once."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel, force_locale, get_locale
from flask_babel import lazy_gettext as _l

LANGUAGES = ("id", "en")

# The kiosk switches language without a round trip (it may be offline), so its page
# carries every text in both languages.
KIOSK_TEXT = {
    "title": _l("Survei Kepuasan Masyarakat"),
    "welcome": _l("Bagaimana pelayanan kami hari ini?"),
    "welcome_sub": _l("Sentuh layar untuk mulai. Kurang dari satu menit."),
    "start": _l("Mulai"),
    "service": _l("Layanan apa yang Anda terima hari ini?"),
    "back": _l("Kembali"),
    "progress": _l("Pertanyaan {n} dari {total}"),
    "progress_label": _l("Kemajuan survei"),
    "reason": _l("Apa yang kurang?"),
    "reason_sub": _l("Pilih satu, atau lewati."),
    "skip_all": _l("Lewati semua"),
    "large_text": _l("Teks besar"),
    "normal_text": _l("Teks biasa"),
    # The speaker buttons of recorded prompts (their names for screen readers), and the
    # welcome's button for the office's local language ("Dengar dalam Bahasa Melayu Jambi").
    "listen": _l("Dengarkan"),
    "listen_question": _l("Dengarkan pertanyaan"),
    "listen_answers": _l("Dengarkan pilihan jawaban"),
    "listen_local": _l("Dengar dalam {name}"),
    "closed": _l("Layanan sedang tutup"),
    "closed_hours": _l("Jam layanan: {hours}"),
    "closed_holiday": _l("Hari ini libur: {name}"),
    "closed_wake": _l("Petugas: tekan lama layar ini (2 detik) untuk membuka satu survei."),
    "about_you": _l("Tentang Anda (boleh dilewati)"),
    "skip": _l("Lewati"),
    "comment": _l("Ada kritik atau saran? (boleh dilewati)"),
    "comment_placeholder": _l("Tulis di sini..."),
    "send": _l("Kirim"),
    "finish": _l("Selesai tanpa saran"),
    "thanks": _l("Terima kasih!"),
    "thanks_sub": _l("Jawaban Anda membantu kami memperbaiki pelayanan."),
    "thanks_back": _l("Kembali ke awal dalam {s} detik"),
    "other_language": _l("English"),
    "offline": _l("Tersimpan di tablet, dikirim nanti"),
    "not_paired": _l("Tablet ini belum dipasangkan"),
    "not_paired_sub": _l("Petugas: buka tautan pemasangan dari perintah add-kiosk "
                         "atau dari halaman staf."),
}


def kiosk_texts() -> dict[str, dict[str, str]]:
    """Return the kiosk's texts in every language."""
    texts = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            texts[lang] = {key: str(value) for key, value in KIOSK_TEXT.items()}
    return texts


def select_locale() -> str:
    """Use ?lang=, then the lang cookie, else Bahasa Indonesia."""
    for choice in (request.args.get("lang"), request.cookies.get("lang")):
        if choice in LANGUAGES:
            return choice
    return "id"


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "id")
    Babel(app, locale_selector=select_locale)
    app.jinja_env.globals["get_locale"] = get_locale

    @app.after_request
    def remember_language(response):
        # A language chosen with ?lang= stays chosen on the next pages.
        choice = request.args.get("lang")
        if choice in LANGUAGES and request.cookies.get("lang") != choice:
            response.set_cookie("lang", choice, max_age=365 * 24 * 3600, samesite="Lax")
        return response
