"""One index: respondents and IKM per channel agree on the IKM page, the report, the
workbook and the API, and ?channel= limits the page and the API to one channel."""
import csv
import dataclasses
import io
import re
from collections import Counter
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from support import staff_page

import store
from ikm import office
from ikm.periods import containing
from ikm.validation import CHANNELS, parse
from results import channels, summary
from store.audit import COMMAND_LINE

OCTOBER = containing("month", date(2026, 10, 1))
ARGS = "kind=month&from=2026-10-01"
API = "/api/ikm?from=2026-10-01&to=2026-10-31"
OUTPUT = Path(__file__).resolve().parent.parent / "test-output" / "channels"
# Per channel: how many responses, and each one's answers (so every channel's IKM differs).
SENT = {"kiosk": (5, 4), "phone": (3, 3), "poster": (2, 1), "paper": (4, 2)}


def incoming(n: int, channel: str, answer: int, u1: int | None = None, **extra):
    """A response of October 2026 from a channel, every unsur answered `answer` (U1 `u1`)."""
    answers = {f"U{i}": answer for i in range(1, 10)} | {"U1": u1 or answer}
    base = parse({"id": f"00000000-0000-4000-8000-{n:012d}", "service": "KK",
                  "answered_at": f"2026-10-{1 + n % 28:02d}T10:{n % 60:02d}:00+07:00",
                  "duration_ms": 40_000, "answers": answers}, {"KK"})
    return dataclasses.replace(base, channel=channel, **extra)


@pytest.fixture
def sent(db):
    """Responses in October 2026 by every channel: 5 kiosk, 3 phone, 2 poster, 4 paper."""
    settings = {**office.DEFAULTS, "min_survey_seconds": 0}
    codes = iter(s["code"] for s in store.slips.create(db, 3, None, 14, actor=COMMAND_LINE))
    extra = {"kiosk": lambda n: {}, "phone": lambda n: {"slip": next(codes)},
             "poster": lambda n: {"browser": f"browser-{n}"},
             # Paper's U1 is 2 or 3: its interval has a width.
             "paper": lambda n: {"serial": store.paper.serial_text(n), "u1": 2 + n % 2}}
    n = 0
    for channel, (count, answer) in SENT.items():
        items = [incoming(n + i, channel, answer, **extra[channel](n + i)) for i in range(count)]
        n += count
        stored = store.responses.record(db, None, items, settings,
                                        entered_by="petugas" if channel == "paper" else None)
        assert stored == ["stored"] * count, stored
    return db


def table(page: str) -> dict[str, tuple[int, str]]:
    """Read the per-channel table of a page: channel -> (respondents, IKM as shown)."""
    part = page[page.index('<table class="channels">'):]
    part = part[:part.index("</table>")]
    row = r'data-channel="(\w+)".*?data-channel-respondents>(\d+)<.*?data-channel-ikm>([^<]*)<'
    return {c: (int(n), ikm) for c, n, ikm in re.findall(row, part, re.S)}


def expected(db) -> dict[str, tuple[int, str]]:
    """The per-channel figures from results.summary, as the tables show them."""
    found = summary.by_channel(db, OCTOBER.start, OCTOBER.end)
    rows = {c: (r.respondents, str(r.ikm)) for c, r in found.items() if r}
    total = summary.period_result(db, OCTOBER.start, OCTOBER.end)
    return {**rows, "all": (total.respondents, str(total.ikm))}


def test_every_channel_has_its_own_ikm_and_together_they_are_the_total(sent):
    figures = expected(sent)
    assert {c: n for c, (n, _) in figures.items()} == {
        **{c: count for c, (count, _) in SENT.items()}, "all": 14}
    assert len({ikm for ikm in figures.values()}) == 5  # every channel differs
    # The total is the IKM of all of them together, not an average of the channels': U1's
    # answers add up to 5x4 + 3x3 + 2x1 + (2+3+2+3), the other unsur's to 5x4 + 3x3 + 2x1 + 4x2.
    by_hand = 25 * (41 + 8 * 39) / (9 * 14)
    assert figures["all"][1] == f"{by_hand:.2f}"


def test_per_channel_figures_agree_on_page_report_workbook_and_api(sent, login):
    client = login("staff")
    want = expected(sent)
    assert table(client.get(f"/staff/?{ARGS}").text) == want
    assert table(client.get(f"/staff/report?{ARGS}").text) == want
    api = client.get(API).json
    assert api["respondents"] == want["all"][0] and f"{api['ikm']:.2f}" == want["all"][1]
    assert {c: (v["respondents"], f"{v['ikm']:.2f}") for c, v in api["channels"].items()} == {
        c: v for c, v in want.items() if c != "all"}
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/staff/exports/xlsx?{ARGS}").data))
    sheet = [row for row in book["Per saluran"].iter_rows(values_only=True)]
    assert sheet[0][:4] == ("Kode", "Saluran", "Responden", "IKM")
    from_book = {code or "all": (n, f"{ikm:.2f}") for code, _, n, ikm, *_ in sheet[1:]}
    assert from_book == want
    names = [name for _, name, *_ in sheet[1:]]
    assert names == ["Kios", "Ponsel (kupon QR)", "Formulir kertas", "Poster QR", "Semua saluran"]
    assert "terpisah" in sheet[4][6]  # the poster's row says why it is apart


def test_the_page_marks_the_poster_apart_and_hides_channels_without_respondents(db, login):
    items = [incoming(n, "kiosk" if n < 3 else "poster", 4, browser=f"b{n}" if n >= 3 else None)
             for n in range(5)]
    store.responses.record(db, None, items, {**office.DEFAULTS, "min_survey_seconds": 0})
    page = login("viewer").get(f"/staff/?{ARGS}").text
    assert set(table(page)) == {"kiosk", "poster", "all"}  # no phone or paper row at 0
    assert re.search(r'data-channel="poster" class="apart', page)
    assert "ditampilkan terpisah agar petugas dapat menilainya" in page
    # ... and counted in the IKM all the same.
    assert '<span class="value" data-respondents>5</span>' in page


def test_channel_filter_limits_the_page_and_the_api_to_paper(sent, login):
    client = login("staff")
    store.populations.set_population(sent, "2026-10", {"KK": 20}, actor=COMMAND_LINE)
    paper = summary.period_result(sent, OCTOBER.start, OCTOBER.end, channel="paper")
    assert paper.respondents == 4 and paper.ci is not None and paper.ci[0] < paper.ci[1]
    api = client.get(f"{API}&channel=paper").json
    assert (api["respondents"], api["ikm"], api["ci95"]) == (
        4, float(paper.ikm), [float(x) for x in paper.ci])
    assert list(api["channels"]) == ["paper"]
    page = client.get(f"/staff/?{ARGS}&channel=paper")
    assert page.status_code == 200
    text = page.text
    assert f"data-ikm>{paper.ikm:.2f}<" in text and 'class="value" data-respondents>4<' in text
    assert "Hanya saluran Formulir kertas" in text and f"{paper.ci[0]} – {paper.ci[1]}" in text
    # The sample counts every channel: 14 of the minimum for 20, not paper's 4.
    assert "responden: 14." in text
    # The period picker keeps the channel; the table still lists every channel to switch to.
    picker = text[text.index("period-picker"):]
    assert picker[:picker.index("</nav>")].count("channel=paper") == 6  # 4 kinds, prev, next
    assert set(table(text)) == {"kiosk", "phone", "poster", "paper", "all"}
    assert re.search(r'data-channel="paper" class="[^"]*chosen', text)


def test_an_unknown_channel_is_refused_on_the_page_and_the_api(sent, login):
    client = login("viewer")
    reply = client.get(API + "&channel=fax")
    assert reply.status_code == 400 and reply.json["field"] == "channel"
    page = client.get(f"/staff/?{ARGS}&channel=fax")
    assert page.status_code == 400
    assert "Saluran tidak dikenal (fax); ditampilkan semua saluran." in page.text
    assert '<span class="value" data-respondents>14</span>' in page.text


def test_the_csv_says_each_response_s_channel(sent, login):
    reply = login("staff").get(f"/staff/exports/csv?{ARGS}")
    rows = list(csv.DictReader(io.StringIO(reply.data.decode("utf-8")[1:])))
    assert Counter(r["channel"] for r in rows) == {c: n for c, (n, _) in SENT.items()}


@pytest.mark.parametrize("found, selected, shown", [
    ({}, None, ["kiosk"]),  # the kiosk even at 0: an empty row says the tablet is quiet
    ({"paper": 1}, None, ["kiosk", "paper"]),
    ({"poster": 1, "phone": 1}, None, ["kiosk", "phone", "poster"]),
    ({"kiosk": 1, "poster": 1, "paper": 1}, None, ["kiosk", "paper", "poster"]),  # poster last
    ({}, "phone", ["kiosk", "phone"]),  # the channel chosen, even without respondents
])
def test_which_channels_a_table_shows(found, selected, shown, db):
    results = {c: summary.period_result(db, OCTOBER.start, OCTOBER.end) if c in found else None
               for c in CHANNELS}
    assert [row.channel for row in channels.rows(results, selected)] == shown
    assert len(channels.rows(results, every=True)) == 4


@pytest.mark.slow
def test_the_channel_table_on_screen(sent, live_server, browser):
    store.accounts.create_user(sent, "camat", "rahasia-camat", "viewer", actor=COMMAND_LINE)
    page = staff_page(browser, live_server.url, "camat", "rahasia-camat", width=1100)
    page.goto(f"{live_server.url}/staff/?{ARGS}")
    card = page.locator("#saluran")
    assert card.locator("tbody tr").count() == 4
    assert card.locator("tr.apart td").first.evaluate("td => getComputedStyle(td).fontStyle"
                                                      ) == "italic"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    card.screenshot(path=str(OUTPUT / "ikm-per-saluran.png"))
    card.locator("a", has_text="Formulir kertas").click()
    page.wait_for_url("**channel=paper**")
    assert "Hanya saluran Formulir kertas" in page.locator(".only-channel").inner_text()
    page.screenshot(path=str(OUTPUT / "ikm-kertas.png"), full_page=True)
    page.close()
