"""The outbox against a server that fails: no entry blocks the others, nothing is lost."""
from __future__ import annotations

import json
import math
import time
import uuid
from datetime import datetime, timezone

import pytest
from support import BAD_ENTRY, pair, prepare, rows

from store.schema import connect

pytestmark = pytest.mark.slow  # a browser, server processes or a benchmark

ARRIVAL_WAIT = 40  # seconds; the outbox retries at least every 15 s
RESPONSES = "**/api/responses"

# The page's own database, read or written without an Outbox (whose constructor would
# start sending and reporting with whatever token it is given).
IDB = """async ([store, records]) => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open("skm-kiosk", 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore("outbox", { keyPath: "id" });
      open.result.createObjectStore("rejected", { keyPath: "id" });
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  return new Promise((resolve, reject) => {
    const t = db.transaction(["outbox", "rejected"], records ? "readwrite" : "readonly");
    const found = {};
    if (records) records.forEach((r) => t.objectStore(store).put(r));
    else for (const name of ["outbox", "rejected"]) {
      t.objectStore(name).getAll().onsuccess = (e) => { found[name] = e.target.result; };
    }
    t.oncomplete = () => { db.close(); resolve(found); };
    t.onerror = () => { db.close(); reject(t.error); };
  });
}"""

# Whether the offline banner was ever shown: its hidden attribute removed at any moment.
WATCH_OFFLINE = """
window.offlineShown = false;
new MutationObserver((records) => {
  for (const r of records) {
    if (!r.target.classList || !r.target.classList.contains("offline")) continue;
    if (r.oldValue === null || !r.target.hidden) window.offlineShown = true;
  }
}).observe(document, { subtree: true, attributes: true, attributeFilter: ["hidden"],
                       attributeOldValue: true });
"""


def entry(answer: int = 3) -> dict:
    """A survey as the kiosk keeps it in its outbox."""
    return {"id": str(uuid.uuid4()), "service": "KK", "questionnaire": "full",
            "answered_at": datetime.now(timezone.utc).isoformat(), "duration_ms": 60_000,
            "answers": {f"U{i}": answer for i in range(1, 10)}, "profile": {},
            "comment": None}


def ids_in_key_order(count: int) -> list[str]:
    """Fresh UUIDs in the order IndexedDB keeps them (and the outbox sends them)."""
    return sorted(str(uuid.uuid4()) for _ in range(count))


class FailingServer:
    """A route that answers chosen requests itself and passes the rest to the real server."""

    def __init__(self, answer):
        self.answer = answer  # batch ids -> (status, headers) to fail with, or None to pass
        self.batches: list[list[str]] = []
        self.times: list[float] = []

    def __call__(self, route) -> None:
        ids = [e["id"] for e in json.loads(route.request.post_data)]
        self.batches.append(ids)
        self.times.append(time.monotonic())
        failure = self.answer(ids)
        if failure is None:
            route.continue_()
        else:
            status, headers = failure
            route.fulfill(status=status, headers=headers, content_type="application/json",
                          body=json.dumps({"error": "failed", "field": "server"}))

    def alone(self, entry_id: str) -> int:
        return self.batches.count([entry_id])


def kiosk_page(browser, server, token, init_script: str | None = None):
    """A paired kiosk without a service worker, so page.route sees every request."""
    context = browser.new_context(viewport={"width": 800, "height": 1280}, has_touch=True,
                                  service_workers="block")
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    pair(page, server, token)
    return context, page


def fill_outbox(page, entries: list[dict], route=None) -> None:
    """Put entries in the outbox, then start the kiosk again so it sends them."""
    page.evaluate(IDB, ["outbox", entries])
    if route:
        page.route(RESPONSES, route)
    page.reload()
    page.wait_for_selector("#welcome", state="visible")


def stores(page) -> dict:
    return page.evaluate(IDB, [None, None])


def wait_until(page, condition, timeout: float = ARRIVAL_WAIT):
    """Poll condition until it holds; wait through Playwright, so route handlers run."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        page.wait_for_timeout(200)


def kiosk_status(server) -> dict:
    db = connect(server.instance / "skm.db")
    try:
        return db["kiosks"].get(1)
    finally:
        db.close()


def arrived_ids(server) -> list[str]:
    return [r["id"] for r in rows(server)]


def assert_arrived_once(page, server, ids) -> None:
    """Wait until these responses are stored, then check none came twice or uninvited."""
    assert wait_until(page, lambda: len(arrived_ids(server)) >= len(ids)), arrived_ids(server)
    page.wait_for_timeout(1000)  # a late duplicate send would show up now
    assert sorted(arrived_ids(server)) == sorted(ids)


@pytest.mark.parametrize("position", ["first", "middle", "last"])
def test_an_entry_the_server_fails_on_is_set_aside_and_the_others_arrive_once(
        browser, server_process, position):
    token = prepare(server_process.start())
    context, page = kiosk_page(browser, server_process, token)
    ids = ids_in_key_order(7)
    poisoned = {"first": ids[0], "middle": ids[3], "last": ids[-1]}[position]
    entries = [{**entry(), "id": i} for i in ids]
    others = sorted(set(ids) - {poisoned})
    server = FailingServer(lambda batch: (500, {}) if poisoned in batch else None)
    fill_outbox(page, entries, server)

    assert wait_until(page, lambda: not stores(page)["outbox"]), stores(page)
    assert_arrived_once(page, server_process, others)
    (aside,) = stores(page)["rejected"]
    assert (aside["id"], aside["field"]) == (poisoned, "server")
    assert "HTTP 500" in aside["message"] and aside["response"] == entries[ids.index(poisoned)]
    # Found by halving the batch, not by sending each entry on its own.
    assert server.alone(poisoned) == 2
    assert len(server.batches) <= 2 * math.ceil(math.log2(len(ids))) + 3, server.batches

    # The kiosk tells the server, so staff see what was set aside and why.
    status = wait_until(page, lambda: (s := kiosk_status(server_process))["rejected"] == 1 and s,
                        timeout=20)
    assert status, kiosk_status(server_process)
    assert poisoned in status["last_error"] and "server" in status["last_error"]
    assert status["outbox"] == 0
    context.close()


def test_a_server_failing_on_every_entry_sets_nothing_aside(browser, server_process):
    token = prepare(server_process.start())
    context, page = kiosk_page(browser, server_process, token)
    entries = [entry(4), entry(2)]
    server = FailingServer(lambda batch: (500, {}))
    fill_outbox(page, entries, server)

    # Each entry alone has failed, one of them twice: a general failure, not one entry's.
    assert wait_until(page, lambda: max(server.alone(e["id"]) for e in entries) >= 2
                      and min(server.alone(e["id"]) for e in entries) >= 1), server.batches
    page.wait_for_selector(".offline", state="visible")
    found = stores(page)
    assert found["rejected"] == []
    assert sorted(e["id"] for e in found["outbox"]) == sorted(e["id"] for e in entries)

    page.unroute(RESPONSES)
    assert_arrived_once(page, server_process, [e["id"] for e in entries])
    assert wait_until(page, lambda: not stores(page)["outbox"], timeout=10)
    assert stores(page)["rejected"] == []
    page.wait_for_selector(".offline", state="hidden")
    context.close()


def test_storage_unavailable_503_neither_splits_nor_sets_aside_and_waits_at_most_15_s(
        browser, server_process):
    token = prepare(server_process.start())
    context, page = kiosk_page(browser, server_process, token)
    entries = [entry() for _ in range(4)]
    # As the server says when its disk is full, but asking for an hour.
    server = FailingServer(lambda batch: (503, {"Retry-After": "3600"})
                           if len(server.batches) == 1 else None)
    fill_outbox(page, entries, server)

    assert_arrived_once(page, server_process, [e["id"] for e in entries])
    assert stores(page) == {"outbox": [], "rejected": []}
    assert len(server.batches) == 2
    assert all(sorted(b) == sorted(e["id"] for e in entries) for b in server.batches)
    # Retry-After was honoured (a plain retry comes after 2 s), capped at the 15 s promise
    # (and a little for a busy machine).
    assert 10 <= server.times[1] - server.times[0] <= 20
    context.close()


def test_too_many_requests_429_waits_as_asked_without_showing_the_kiosk_offline(
        browser, server_process):
    token = prepare(server_process.start())
    context, page = kiosk_page(browser, server_process, token, init_script=WATCH_OFFLINE)
    entries = [entry() for _ in range(3)]
    server = FailingServer(lambda batch: (429, {"Retry-After": "2"})
                           if len(server.batches) == 1 else None)
    fill_outbox(page, entries, server)

    assert_arrived_once(page, server_process, [e["id"] for e in entries])
    assert stores(page) == {"outbox": [], "rejected": []}
    assert len(server.batches) == 2 and sorted(server.batches[0]) == sorted(server.batches[1])
    assert server.times[1] - server.times[0] >= 1.5
    assert page.evaluate("window.offlineShown") is False
    context.close()


def test_on_reload_an_entry_set_aside_for_a_server_failure_is_sent_again_not_an_invalid_one(
        browser, server_process):
    token = prepare(server_process.start())
    context, page = kiosk_page(browser, server_process, token)
    entries = [entry(4), entry(3), entry(1)]
    poisoned = entries[2]["id"]
    server = FailingServer(lambda batch: (500, {}) if poisoned in batch else None)
    fill_outbox(page, entries + [BAD_ENTRY], server)

    def set_aside() -> list:
        found = stores(page)
        return not found["outbox"] and sorted((r["id"], r["field"]) for r in found["rejected"])

    assert wait_until(page, set_aside) == sorted([(poisoned, "server"),
                                                  (BAD_ENTRY["id"], "answers.U1")])
    assert sorted(arrived_ids(server_process)) == sorted(e["id"] for e in entries[:2])
    assert wait_until(page, lambda: kiosk_status(server_process)["rejected"] == 2, timeout=20)

    # The server is mended; the tablet restarts.
    page.unroute(RESPONSES)
    page.reload()
    page.wait_for_selector("#welcome", state="visible")
    assert wait_until(page, lambda: len(arrived_ids(server_process)) >= 3)
    assert sorted(arrived_ids(server_process)) == sorted(e["id"] for e in entries)
    assert wait_until(page, lambda: not stores(page)["outbox"], timeout=10)
    assert [(r["id"], r["field"]) for r in stores(page)["rejected"]] == [
        (BAD_ENTRY["id"], "answers.U1")]
    assert wait_until(page, lambda: kiosk_status(server_process)["rejected"] == 1, timeout=20)
    context.close()


def test_a_reply_that_settles_nothing_is_retried_later_not_at_once(browser, server_process):
    token = prepare(server_process.start())
    context, page = kiosk_page(browser, server_process, token)
    entries = [entry(), entry()]
    server = FailingServer(lambda batch: (200, {}))  # 200, but no result names an entry
    fill_outbox(page, entries, server)

    assert wait_until(page, lambda: server.batches, timeout=10)
    page.wait_for_timeout(3000)  # a resend at once would make hundreds of requests by now
    assert 1 <= len(server.batches) <= 4, len(server.batches)
    assert len(stores(page)["outbox"]) == 2
    page.unroute(RESPONSES)
    assert wait_until(page, lambda: len(arrived_ids(server_process)) >= 2)
    assert sorted(arrived_ids(server_process)) == sorted(e["id"] for e in entries)
    context.close()
