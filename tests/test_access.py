"""Who may open the staff pages, sign-in and its defences, and the same IKM on every page."""
from __future__ import annotations

import csv
import html
import io
import json
import random
import re
import uuid
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from support import (
    LEAST_ROLE,
    PASSWORD,
    ROLES,
    SAMPLE_ARGS,
    csrf_token,
    post_form,
    sign_in,
    signed_in,
)

import store
from bench.seed import seed
from ikm.__main__ import main as calculator
from results import summary
from store.audit import COMMAND_LINE

# --- who may open what ----------------------------------------------------------------

PUBLIC = ("/", "/kiosk/", "/api/services", "/api/ikm", "/login")
def staff_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/staff/")]


def staff_pages(app) -> set[str]:
    """Every /staff/ address that takes GET, pages about one thing with SAMPLE_ARGS."""
    urls = app.url_map.bind("localhost")
    return {urls.build(r.endpoint, {a: SAMPLE_ARGS[a] for a in r.arguments})
            for r in staff_rules(app) if "GET" in r.methods}


def is_login_redirect(reply, url: str) -> bool:
    if reply.status_code != 302:
        return False
    location = urlsplit(reply.headers["Location"])
    return location.path == "/login" and parse_qs(location.query).get("next") == [url]


def test_every_staff_page_is_in_the_table(app):
    pages = staff_pages(app)
    assert pages - LEAST_ROLE.keys() == set(), "staff pages with no least role in LEAST_ROLE"
    assert LEAST_ROLE.keys() - pages == set(), "LEAST_ROLE names pages that do not exist"


def test_anonymous_visitors_are_sent_to_login(client):
    for url in sorted(LEAST_ROLE):
        reply = client.get(url)
        assert is_login_redirect(reply, url), (url, reply.status_code, reply.headers)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_its_pages(login, db, kiosk_token, role):
    # Kiosk 1, user 1 and paper forms 1-2 exist for the pages about one thing; user 1 is
    # not the one signed in (an admin would be told they cannot deactivate themselves).
    store.accounts.create_user(db, "someone", PASSWORD, "viewer", actor=COMMAND_LINE)
    store.paper.new_batch(db, 2, actor=COMMAND_LINE)
    store.actions.create(db, "U9", "Perbaiki AC ruang tunggu", actor=COMMAND_LINE)
    client = login(role)
    wrong = {}
    for url, least in sorted(LEAST_ROLE.items()):
        expected = 200 if store.accounts.at_least(role, least) else 403
        status = client.get(url).status_code
        if status != expected:
            wrong[url] = (status, expected)
    assert wrong == {}, "(status, expected) per page"


def test_a_refusal_explains_itself(login):
    page = login("viewer").get("/staff/users")
    assert page.status_code == 403
    assert "Halaman ini bukan untuk peran Anda" in page.text


def test_public_pages_need_no_login(client):
    for url in PUBLIC:
        assert client.get(url).status_code == 200, url


def test_logout_needs_the_csrf_token(login):
    client = login("viewer")
    assert client.post("/logout").status_code == 400
    assert client.get("/staff/").status_code == 200  # still signed in
    token = csrf_token(client.get("/staff/").text)
    reply = client.post("/logout", data={"csrf_token": token})
    assert reply.status_code == 302 and urlsplit(reply.headers["Location"]).path == "/login"
    assert is_login_redirect(client.get("/staff/"), "/staff/")


# --- CSRF -------------------------------------------------------------------------------

def test_login_without_csrf_token_is_refused(client, db):
    store.accounts.create_user(db, "viewer1", PASSWORD, "viewer", actor=COMMAND_LINE)
    reply = client.post("/login", data={"username": "viewer1", "password": PASSWORD})
    assert reply.status_code == 400
    assert "belum disimpan" in reply.text  # the page says why, in words
    assert is_login_redirect(client.get("/staff/"), "/staff/")


def test_password_change_without_csrf_token_changes_nothing(app, login):
    client = login("viewer")
    reply = client.post("/staff/password", data={"current": PASSWORD, "new": "sandi-baru-123",
                                                 "confirm": "sandi-baru-123"})
    assert reply.status_code == 400
    assert sign_in(app, "viewer1", PASSWORD)[1].status_code == 302
    assert sign_in(app, "viewer1", "sandi-baru-123")[1].status_code == 200


def test_population_without_csrf_token_changes_nothing(login, db):
    client = login("staff")
    reply = client.post("/staff/population?month=2026-10", data={"s_KK": "1000"})
    assert reply.status_code == 400
    assert db["populations"].count == 0


# --- throttled logins -------------------------------------------------------------------

def test_five_wrong_passwords_slow_down_that_address_for_that_name(app, db):
    store.accounts.create_user(db, "viewer1", PASSWORD, "viewer", actor=COMMAND_LINE)
    store.accounts.create_user(db, "viewer2", PASSWORD, "viewer", actor=COMMAND_LINE)
    for _ in range(5):
        client, reply = sign_in(app, "viewer1", "salah-sekali", "10.0.0.66")
        assert reply.status_code == 200 and "kata sandi salah" in reply.text
    client, reply = sign_in(app, "viewer1", PASSWORD, "10.0.0.66")
    assert reply.status_code == 429 and reply.headers["Retry-After"] in ("29", "30")
    assert re.search(r"Coba lagi dalam (29|30) detik", reply.text), reply.text
    assert not signed_in(client)
    # Letter case or spaces do not make another account to guess against.
    assert sign_in(app, " VIEWER1", PASSWORD, "10.0.0.66")[1].status_code == 429
    # Another account from that address, and the same account elsewhere, are not affected.
    client, reply = sign_in(app, "viewer2", PASSWORD, "10.0.0.66")
    assert reply.status_code == 302 and signed_in(client)
    client, reply = sign_in(app, "viewer1", PASSWORD, "10.0.0.7")
    assert reply.status_code == 302 and signed_in(client)


def test_a_success_before_the_limit_clears_the_failures(app, db):
    store.accounts.create_user(db, "viewer1", PASSWORD, "viewer", actor=COMMAND_LINE)
    for _ in range(4):
        assert sign_in(app, "viewer1", "salah-sekali")[1].status_code == 200
    assert sign_in(app, "viewer1", PASSWORD)[1].status_code == 302
    for _ in range(4):
        assert sign_in(app, "viewer1", "salah-sekali")[1].status_code == 200
    client, reply = sign_in(app, "viewer1", PASSWORD)
    assert reply.status_code == 302 and signed_in(client)


def test_unknown_names_are_throttled_like_real_ones(app, db):
    for _ in range(5):
        sign_in(app, "tidak-ada", "apa-saja-123")
    assert sign_in(app, "tidak-ada", "apa-saja-123")[1].status_code == 429


# --- the one-time setup link ------------------------------------------------------------

def setup_form(client, token: str, username: str = "camat", password: str = "sandi-admin-1"):
    page = client.get(f"/setup/{token}")
    csrf = csrf_token(page.text if page.status_code == 200 else client.get("/login").text)
    return client.post(f"/setup/{token}", data={"username": username, "password": password,
                                                "confirm": password, "csrf_token": csrf})


def test_the_setup_link_creates_the_first_admin_once(app, client, db):
    token = store.accounts.new_setup_token(db)
    page = client.get(f"/setup/{token}")
    assert page.status_code == 200
    assert 'name="username"' in page.text and 'name="confirm"' in page.text
    reply = setup_form(client, token)
    assert reply.status_code == 302 and urlsplit(reply.headers["Location"]).path == "/staff/"
    assert client.get("/staff/users").status_code == 200  # signed in, as an admin
    assert [(u["username"], u["role"]) for u in db["users"].rows] == [("camat", "admin")]
    # The link is spent: it neither shows the form nor creates anyone.
    other = app.test_client()
    assert other.get(f"/setup/{token}").status_code == 404
    assert setup_form(other, token, "penyusup").status_code == 404
    assert db["users"].count == 1 and not signed_in(other)


def test_a_wrong_setup_token_gives_404(app, client, db):
    store.accounts.new_setup_token(db)
    assert client.get("/setup/bukan-token-yang-benar").status_code == 404
    assert setup_form(client, "bukan-token-yang-benar").status_code == 404
    assert db["users"].count == 0


def test_no_setup_link_works_once_there_is_an_admin(app, client, db):
    store.accounts.create_user(db, "admin1", PASSWORD, "admin", actor=COMMAND_LINE)
    token = store.accounts.new_setup_token(db)
    assert client.get(f"/setup/{token}").status_code == 404
    assert setup_form(client, token, "penyusup").status_code == 404
    assert [u["username"] for u in db["users"].rows] == ["admin1"]
    with pytest.raises(store.accounts.AccountError):
        store.accounts.use_setup_token(db, token, "penyusup", "sandi-admin-1")


# --- the session ------------------------------------------------------------------------

def test_signing_in_gives_a_new_session_cookie(app, client, db):
    store.accounts.create_user(db, "viewer1", PASSWORD, "viewer", actor=COMMAND_LINE)
    token = csrf_token(client.get("/login").text)
    before = client.get_cookie("session").value
    reply = client.post("/login", data={"username": "viewer1", "password": PASSWORD,
                                        "csrf_token": token})
    assert reply.status_code == 302
    after = client.get_cookie("session").value
    assert after != before
    # Someone holding the cookie from before the login (session fixation) is not signed in.
    planted = app.test_client()
    planted.set_cookie("session", before)
    assert is_login_redirect(planted.get("/staff/"), "/staff/")
    assert signed_in(client)


def test_a_role_change_or_deactivation_applies_to_an_open_session(login, db):
    client = login("staff")
    assert client.get("/staff/comments").status_code == 200
    db["users"].update(store.accounts.get_user(db, "staff1")["id"], {"role": "viewer"})
    assert client.get("/staff/comments").status_code == 403
    assert client.get("/staff/").status_code == 200
    db["users"].update(store.accounts.get_user(db, "staff1")["id"], {"active": 0})
    assert is_login_redirect(client.get("/staff/"), "/staff/")


def test_logout_clears_the_session(app, login):
    client = login("staff")
    signed = app.session_interface.get_signing_serializer(app)
    assert "_user_id" in signed.loads(client.get_cookie("session").value)
    token = csrf_token(client.get("/staff/").text)
    client.post("/logout", data={"csrf_token": token})
    cookie = client.get_cookie("session")
    assert cookie is None or "_user_id" not in signed.loads(cookie.value)
    assert is_login_redirect(client.get("/staff/"), "/staff/")


@pytest.mark.parametrize("target", ["//evil.example", "http://evil.example",
                                    "https://evil.example/staff/", "///evil.example"])
def test_next_cannot_leave_the_site(client, db, target):
    store.accounts.create_user(db, "viewer1", PASSWORD, "viewer", actor=COMMAND_LINE)
    token = csrf_token(client.get("/login").text)
    reply = client.post("/login", query_string={"next": target},
                        data={"username": "viewer1", "password": PASSWORD, "csrf_token": token})
    assert reply.status_code == 302 and reply.headers["Location"] == "/staff/"


def test_next_within_the_site_is_followed(client, db):
    store.accounts.create_user(db, "viewer1", PASSWORD, "viewer", actor=COMMAND_LINE)
    target = "/staff/report?kind=month&from=2026-10-01"
    assert client.get(target).headers["Location"].startswith("/login?next=")
    token = csrf_token(client.get("/login").text)
    reply = client.post("/login", query_string={"next": target},
                        data={"username": "viewer1", "password": PASSWORD, "csrf_token": token})
    assert reply.headers["Location"] == target


def test_next_with_a_tab_cannot_leave_the_site(client, db):
    store.accounts.create_user(db, "viewer1", PASSWORD, "viewer", actor=COMMAND_LINE)
    token = csrf_token(client.get("/login").text)
    reply = client.post("/login", query_string={"next": "/\t/evil.example"},
                        data={"username": "viewer1", "password": PASSWORD, "csrf_token": token})
    location = urlsplit(reply.headers["Location"])
    assert location.netloc == "" and location.path.startswith("/") \
        and not location.path.startswith("//")


def test_next_with_a_newline_still_signs_in(app, client, db):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    store.accounts.create_user(db, "viewer1", PASSWORD, "viewer", actor=COMMAND_LINE)
    token = csrf_token(client.get("/login").text)
    reply = client.post("/login", query_string={"next": "/staff/\n/x"},
                        data={"username": "viewer1", "password": PASSWORD, "csrf_token": token})
    assert reply.status_code == 302 and reply.headers["Location"].startswith("/staff/")


# --- changing one's own password --------------------------------------------------------

def test_a_wrong_current_password_changes_nothing(app, login):
    client = login("viewer")
    reply = post_form(client, "/staff/password", {"current": "bukan-ini-123",
                                                  "new": "sandi-baru-123",
                                                  "confirm": "sandi-baru-123"})
    assert reply.status_code == 200
    assert 'class="error"' in reply.text and "Kata sandi sekarang salah." in reply.text
    assert sign_in(app, "viewer1", PASSWORD)[1].status_code == 302


def test_the_new_password_works_and_the_old_does_not(app, login):
    client = login("viewer")
    reply = post_form(client, "/staff/password", {"current": PASSWORD, "new": "sandi-baru-123",
                                                  "confirm": "sandi-baru-123"})
    assert reply.status_code == 302
    assert "Kata sandi diganti." in client.get("/staff/").text
    assert sign_in(app, "viewer1", PASSWORD)[1].status_code == 200
    fresh, reply = sign_in(app, "viewer1", "sandi-baru-123")
    assert reply.status_code == 302 and signed_in(fresh)


def test_the_new_password_must_be_typed_twice_alike(app, login):
    client = login("viewer")
    reply = post_form(client, "/staff/password", {"current": PASSWORD, "new": "sandi-baru-123",
                                                  "confirm": "sandi-baru-124"})
    assert reply.status_code == 200 and "Kedua kata sandi tidak sama." in reply.text
    assert sign_in(app, "viewer1", PASSWORD)[1].status_code == 302


# --- the same numbers on every page -----------------------------------------------------

WIB = timezone(timedelta(hours=7))
OCTOBER = ("2026-10-01", "2026-10-31")


class Tables(HTMLParser):
    """The cells of each <table class="unsur"> body, row by row."""

    def __init__(self, text: str):
        super().__init__()
        self.rows: list[list[str]] = []
        self._in_table = self._in_body = False
        self._cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "unsur" in (attrs.get("class") or "").split():
            self._in_table = True
        elif self._in_table and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.rows.append([])
        elif self._in_body and tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("table", "tbody"):
            self._in_body = False
            self._in_table = self._in_table and tag != "table"
        elif tag == "td" and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def page_numbers(text: str) -> dict:
    """What the IKM page says: IKM, grade, respondents, and per unsur (total, n, NRR)."""
    def attr(name):
        return re.search(rf"<[^>]+\b{name}\b[^>]*>([^<]*)<", text).group(1).strip()

    unsur = {}
    for cells in Tables(text).rows:
        code = cells[0].split()[0]
        unsur[code] = {"total": int(cells[1]), "n": int(cells[2]), "nrr": cells[3],
                       "ikm": cells[5]}
    return {"ikm": attr("data-ikm"), "grade": attr("data-grade"),
            "respondents": int(attr("data-respondents")), "unsur": unsur}


def json_numbers(data: dict) -> dict:
    """The same numbers from a to_dict() JSON object, formatted as the page prints them."""
    return {
        "ikm": f"{data['ikm']:.2f}", "grade": data["grade"], "respondents": data["respondents"],
        "unsur": {u["code"]: {"total": u["total"], "n": u["n"],
                              "nrr": "–" if u["nrr"] is None else f"{u['nrr']:.3f}",
                              "ikm": "–" if u["ikm"] is None else f"{u['ikm']:.2f}"}
                  for u in data["unsur"]},
    }


def kiosk_post(client, token: str, body):
    headers = {"Authorization": f"Bearer {token}"}
    return client.post("/api/responses", json=body, headers=headers)


_ids = iter(range(1, 10**6))


def response(day: int, hour: int, answers: dict, **extra) -> dict:
    """A kiosk's response on a day of October 2026, office time."""
    when = datetime(2026, 10, day, hour, 0, tzinfo=WIB)
    return {"id": str(uuid.UUID(int=next(_ids), version=4)),
            "service": extra.pop("service", "KK"),
            "answered_at": when.isoformat(), "answers": answers, "duration_ms": 65_000,
            **extra}


FULL = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")


def known_responses() -> list[dict]:
    """A handful of October kiosk responses, each a case a calculation can get wrong."""
    rng = random.Random(5)
    items = [response(5 + i, 9 + i % 6, {c: rng.randint(1, 4) for c in FULL},
                      service=rng.choice(["KK", "KTP-EL", "LEGALISIR"]))
             for i in range(10)]
    items += [
        # Blanks are left out of n, never counted as 0.
        response(14, 10, {"U1": 2, "U2": None, "U3": 1, "U9": 1}),
        # The short questionnaire in a month of full ones: three unsur only.
        response(15, 11, {"U7": 4, "U3": 2, "U9": 3}, questionnaire="short"),
        # A comment that a CSV reader must not split or run.
        response(16, 9, {c: 3 for c in FULL},
                 comment='=SUM(A1) antrean; lama, "sekali"\nbaris kedua'),
        # Nothing answered but a comment: not a respondent anywhere.
        response(17, 9, {}, comment="Tidak sempat mengisi."),
        # 1 October 00:30 WIB is still 30 September in UTC: it belongs to October ...
        {**response(20, 10, {c: 4 for c in FULL}),
         "answered_at": datetime(2026, 10, 1, 0, 30, tzinfo=WIB).isoformat()},
        # ... and 1 November 00:30 WIB, 31 October in UTC, belongs to November.
        {**response(20, 10, {c: 1 for c in FULL}),
         "answered_at": datetime(2026, 11, 1, 0, 30, tzinfo=WIB).isoformat()},
    ]
    # Five surveys in one minute from one kiosk: the fifth is flagged and not counted.
    burst = datetime(2026, 10, 20, 13, 0, tzinfo=WIB)
    for i in range(5):
        items.append({**response(20, 13, {c: 1 for c in FULL}),
                      "answered_at": (burst + timedelta(seconds=10 * i)).isoformat()})
    return items


@pytest.fixture
def october(client, db, kiosk_token):
    """October 2026: known kiosk responses through the API, and a busy month seeded."""
    reply = kiosk_post(client, kiosk_token, known_responses())
    assert reply.status_code == 200
    assert {r["status"] for r in reply.json["results"]} == {"stored"}
    assert db["responses"].count_where("flag IS NOT NULL") == 1
    seed(db, date(2026, 10, 1), date(2026, 10, 31), 8, random.Random(2026))
    return db


def test_the_ikm_is_the_same_on_the_page_the_api_and_the_calculator(
        october, login, tmp_path, capsys):
    client = login("staff")
    page = client.get("/staff/?kind=month&from=2026-10-01")
    assert page.status_code == 200 and "Oktober 2026" in page.text
    shown = page_numbers(page.text)

    api = client.get(f"/api/ikm?from={OCTOBER[0]}&to={OCTOBER[1]}").json
    download = client.get("/staff/exports/csv?kind=month&from=2026-10-01")
    assert download.status_code == 200
    path = tmp_path / "oktober.csv"
    path.write_bytes(download.data)
    capsys.readouterr()
    assert calculator([str(path), "--json"]) == 0
    out = capsys.readouterr()
    cli = json.loads(out.out)

    engine = summary.period_result(october, date(2026, 10, 1), date(2026, 10, 31)).to_dict()
    assert json_numbers(api) == json_numbers(engine)
    assert json_numbers(cli) == json_numbers(engine)
    assert shown == json_numbers(engine)
    # Exact to the last digit, not only as printed.
    for key in ("ikm", "index", "respondents", "grade", "ci95"):
        assert api[key] == cli[key] == engine[key], key
    assert [u["nrr_weighted"] for u in api["unsur"]] == [u["nrr_weighted"] for u in cli["unsur"]]
    # Respondents: the seeded ones; of the known ones the 10 full surveys, the blank, short
    # and commented ones (3), the one of 1 October WIB (1) and the burst less its flagged
    # fifth (4). Not the comment-only one, nor the one of 1 November WIB.
    seeded = october.execute("SELECT count(*) FROM responses WHERE kiosk_id IS NULL "
                             "AND local_date BETWEEN ? AND ?", OCTOBER).fetchone()[0]
    assert shown["respondents"] == seeded + 10 + 3 + 1 + 4


def test_the_csv_holds_exactly_the_counted_responses(october, login):
    client = login("staff")
    text = client.get("/staff/exports/csv?kind=month&from=2026-10-01").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    counted = october.execute("SELECT count(*) FROM responses WHERE counted = 1 AND "
                              "local_date BETWEEN ? AND ?", OCTOBER).fetchone()[0]
    assert len(rows) == counted
    assert all(r["counted"] == "1" for r in rows)
    comment = next(r["comment"] for r in rows if "antrean" in r["comment"])
    assert comment == '\'=SUM(A1) antrean; lama, "sekali"\nbaris kedua'


def tie_responses() -> list[dict]:
    """Sixteen September responses where U1 totals 49: NRR 49/16 = 3.0625 exactly."""
    items = []
    for i in range(16):
        when = datetime(2026, 9, 1 + i, 10, 0, tzinfo=WIB)
        items.append({"id": str(uuid.uuid4()), "service": "KK", "answered_at": when.isoformat(),
                      "answers": {**{c: 3 for c in FULL}, "U1": 4 if i == 0 else 3},
                      "duration_ms": 60_000})
    return items


def test_an_nrr_half_way_is_rounded_alike_everywhere(client, db, kiosk_token, login):
    assert kiosk_post(client, kiosk_token, tie_responses()).status_code == 200
    staff = login("viewer")
    shown = page_numbers(staff.get("/staff/?kind=month&from=2026-09-01").text)
    api = staff.get("/api/ikm?from=2026-09-01&to=2026-09-30").json
    assert api["unsur"][0]["nrr"] == 3.063  # 3.0625 rounded half-up, as the engine does
    assert shown["unsur"]["U1"]["nrr"] == "3.063"
    # The printed report has the same table (templates/staff/report.html).
    printed = Tables(staff.get("/staff/report?kind=month&from=2026-09-01").text).rows
    assert [cells[3] for cells in printed if cells[0].startswith("U1 ")] == ["3.063"]


# --- the population behind the minimum sample -------------------------------------------

def set_population(client, month: str, counts: dict[str, int]):
    data = {f"s_{code}": str(n) for code, n in counts.items()}
    return post_form(client, f"/staff/population?month={month}", data)


def sample_line(page: str) -> str:
    """The sample-size paragraph of the IKM page, as a reader sees it."""
    inner = re.search(r'<p class="sample">(.*?)</p>', page, re.S).group(1)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inner)).split())


@pytest.fixture
def autumn(db):
    """August to November 2026: a busy October, a quiet November."""
    seed(db, date(2026, 8, 1), date(2026, 8, 31), 3, random.Random(8))
    seed(db, date(2026, 9, 1), date(2026, 9, 30), 3, random.Random(9))
    seed(db, date(2026, 10, 1), date(2026, 10, 31), 16, random.Random(10))
    seed(db, date(2026, 11, 1), date(2026, 11, 27), 3, random.Random(11))
    return db


def respondents(db, start: str, end: str) -> int:
    return summary.period_result(db, date.fromisoformat(start), date.fromisoformat(end)
                                 ).respondents


def test_the_population_sets_the_minimum_sample(autumn, login):
    client = login("staff")
    page = client.get("/staff/population?month=2026-10")
    assert page.status_code == 200 and "Oktober 2026" in page.text
    assert 'name="s_KK"' in page.text and 'name="s_KTP-EL"' in page.text
    reply = set_population(client, "2026-10", {"KK": 600, "KTP-EL": 400})
    assert reply.status_code == 302
    assert parse_qs(urlsplit(reply.headers["Location"]).query) == {
        "kind": ["month"], "from": ["2026-10-01"]}
    page = client.get(reply.headers["Location"]).text
    assert "1000 orang" in page  # the saved message
    n = respondents(autumn, "2026-10-01", "2026-10-31")
    assert n >= 278
    assert sample_line(page).startswith(
        f"Pengguna layanan: 1000; sampel minimum (Krejcie & Morgan): 278; responden: {n}.")
    assert "Sampel cukup" in sample_line(page)
    # The form shows what was saved.
    form = client.get("/staff/population?month=2026-10").text
    assert re.search(r'name="s_KK"[^>]*value="600"', form)


def test_a_month_without_figures_uses_the_latest_earlier_month(autumn, login):
    client = login("staff")
    set_population(client, "2026-10", {"KK": 600, "KTP-EL": 400})
    november = sample_line(client.get("/staff/?kind=month&from=2026-11-01").text)
    n = respondents(autumn, "2026-11-01", "2026-11-30")
    assert n < 278
    assert f"Pengguna layanan: 1000; sampel minimum (Krejcie & Morgan): 278; " \
           f"responden: {n}." in november
    assert f"Sampel belum cukup: kurang {278 - n} responden" in november
    # Before any figures were entered, the page says so instead of guessing.
    september = sample_line(client.get("/staff/?kind=month&from=2026-09-01").text)
    assert "belum diisi" in september and "Krejcie" not in september
    # A later month with its own figures uses them.
    set_population(client, "2026-11", {"KK": 50})
    november = sample_line(client.get("/staff/?kind=month&from=2026-11-01").text)
    assert "Pengguna layanan: 50; sampel minimum (Krejcie & Morgan): 44;" in november


def test_population_counts_are_checked(autumn, login, db):
    client = login("staff")
    reply = set_population(client, "2026-10", {"KK": -5})
    assert reply.status_code == 200 and 'class="error"' in reply.text
    assert db["populations"].count == 0


def test_viewers_see_the_sample_but_cannot_change_the_population(autumn, login, db):
    staff = login("staff")
    set_population(staff, "2026-10", {"KK": 1000})
    staff.post("/logout", data={"csrf_token": csrf_token(staff.get("/staff/").text)})
    viewer = login("viewer")
    page = viewer.get("/staff/?kind=month&from=2026-10-01").text
    assert "sampel minimum (Krejcie & Morgan): 278" in sample_line(page)
    assert "/staff/population" not in page
    assert viewer.post("/staff/population?month=2026-10",
                       data={"s_KK": "5", "csrf_token": csrf_token(page)}).status_code == 403


def test_the_population_form_opens_on_the_offices_month(login, monkeypatch):
    import ikm.periods
    import web.staff

    # 30 November 18:00 UTC: already 1 December 01:00 at the office (WIB).
    now = datetime(2026, 11, 30, 18, 0, tzinfo=timezone.utc)

    class ServerDate(date):
        @classmethod
        def today(cls):
            return now.date()

    class ServerDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return now.astimezone(tz) if tz else now.replace(tzinfo=None)

    monkeypatch.setattr(web.staff, "date", ServerDate, raising=False)  # if it ever asks
    monkeypatch.setattr(ikm.periods, "datetime", ServerDatetime)
    client = login("staff")
    assert "Indeks Kepuasan Masyarakat: Desember 2026" in client.get("/staff/").text
    assert "Jumlah pengguna layanan: Desember 2026" in client.get("/staff/population").text
