/* The kiosk's outbox: finished surveys wait in IndexedDB until the server acknowledges them.
   No entry may block the others: an entry the server fails on is found by halving the
   batch that failed, sent last, and set aside once the server is seen to store others. */
(function (global) {
  "use strict";

  const DB_NAME = "skm-kiosk";
  const BATCH = 100;
  const FIRST_RETRY_MS = 1000;
  const RETRY_MAX_MS = 15000;  // the interface promises a retry at least every 15 s
  const HALVING_MS = 250;      // between halves of a failed batch: a few requests find the culprit
  const REPORT_MS = 60000;     // how often the kiosk tells the server how it is doing
  const ALONE_FAILURES = 2;    // a suspect sent alone fails this often before it is set aside
  const SERVER = "server";     // the field of entries set aside because the server failed on them

  // The open databases by name, shared by every Outbox on the page. A citizen's phone keeps
  // one per slip, so that answers for one slip's code never go out under another's.
  const connections = new Map();

  /** The named database, opened on first use and kept open. */
  function database(name) {
    if (connections.has(name)) return connections.get(name);
    const forget = () => { if (connections.get(name) === opening) connections.delete(name); };
    const opening = new Promise((resolve, reject) => {
      const req = indexedDB.open(name, 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore("outbox", { keyPath: "id" });
        req.result.createObjectStore("rejected", { keyPath: "id" });
      };
      req.onsuccess = () => {
        const db = req.result;
        // A newer page upgrading the database, or the browser closing it (storage cleared),
        // ends this connection; the next transaction opens another.
        db.onversionchange = () => { db.close(); forget(); };
        db.onclose = forget;
        resolve(db);
      };
      req.onerror = () => { forget(); reject(req.error); };
    });
    connections.set(name, opening);
    return opening;
  }

  /** What a transaction's work gave: requests read once the transaction has committed. */
  function unwrap(value) {
    if (value instanceof IDBRequest) return value.result;
    if (Array.isArray(value)) return value.map(unwrap);
    return value;
  }

  /** Run work on the named stores in one transaction; resolves with its result once committed. */
  async function transact(name, names, mode, work, options) {
    for (let attempt = 0; ; attempt++) {
      const db = await database(name);
      let t;
      try {
        t = db.transaction(names, mode, options);
      } catch (err) {
        // The connection closed under us: open again, once.
        if (err.name !== "InvalidStateError" || attempt) throw err;
        connections.delete(name);
        continue;
      }
      return new Promise((resolve, reject) => {
        const result = work(...names.map((name) => t.objectStore(name)));
        t.oncomplete = () => resolve(unwrap(result));
        t.onerror = t.onabort = () => reject(t.error);
      });
    }
  }

  /** The wait a Retry-After header asks for (seconds or an HTTP date), at most 15 s; else null. */
  function retryAfter(res) {
    const value = (res.headers.get("Retry-After") || "").trim();
    if (!value) return null;
    const ms = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value) - Date.now();
    return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), RETRY_MAX_MS) : null;
  }

  /** Whether an error reply may be the fault of what was sent, not of the server's state. */
  function entryMayBeAtFault(status) {
    // 502, 503 and 504 speak of the server being away or unable to store (disk full,
    // database locked): nothing about the entries. 413 is a body too large for a proxy.
    return (status >= 500 && ![502, 503, 504].includes(status)) || status === 400 || status === 413;
  }

  class Outbox {
    constructor({ token = null, url = "/api/responses", helloUrl = "/api/kiosk/hello",
                  database = DB_NAME, onstatus = () => {} }) {
      this.token = token;  // none on a citizen's phone: the URL carries the slip's code
      this.database = database;
      this.url = url;
      this.helloUrl = helloUrl;
      this.onstatus = onstatus;
      this.delay = FIRST_RETRY_MS;  // grows while the server is away; reset when it answers
      this.timer = null;
      this.notBefore = 0;           // performance.now() until which the server asked for quiet
      this.sending = false;
      this.again = false;           // an entry came in while a send was under way
      this.lastError = null;
      // Entries in a batch the server failed on: id -> {alone: failures sent alone (a suspect
      // once above 0), storedBefore: this.stored when a batch with it first failed}.
      this.failed = new Map();
      this.stored = 0;              // entries the server has stored since the page loaded
      this.halving = null;          // ids of the smallest batch known to fail, less those settled
      // A failure with nothing stored since the last suspect was found looks like a server
      // failing on everything: wait as for an absent server, not hammer it with halves.
      this.storedSinceSuspect = true;
      global.addEventListener("online", () => this.schedule(0));
      setInterval(() => this.report(), REPORT_MS);
    }

    /** Run work on this outbox's stores in one transaction (see transact). */
    transact(names, mode, work, options) {
      return transact(this.database, names, mode, work, options);
    }

    /** Begin on a freshly loaded page: give server failures another chance, send, report. */
    async start() {
      // A restart or an update may have mended the server; invalid entries stay aside.
      try { await this.requeue(); } catch (err) { /* the outbox still sends what it has */ }
      this.flush();
      this.report();
    }

    /** Keep a response; resolves once it is committed to the tablet's storage. */
    async add(response) {
      // Strict: the citizen is thanked only once the survey is on disk, not in an OS buffer.
      await this.transact(["outbox"], "readwrite", (outbox) => outbox.put(response),
                          { durability: "strict" });
      if (this.sending || performance.now() < this.notBefore) { this.schedule(0); return; }
      // The request leaves before the citizen is thanked (a few ms): nothing waits for a
      // timer, and whoever watches sees the send begin with the thanks.
      await new Promise((resolve) => { this.flush(resolve); });
    }

    /** Every entry waiting to be sent. */
    pending() {
      return this.transact(["outbox"], "readonly", (outbox) => outbox.getAll());
    }

    /** Move entries set aside for a server failure back to the outbox; resolves with how many. */
    requeue() {
      return this.transact(["outbox", "rejected"], "readwrite", (outbox, rejected) => {
        const moved = { count: 0 };
        rejected.openCursor().onsuccess = (event) => {
          const cursor = event.target.result;
          if (!cursor) return;
          if (cursor.value.field === SERVER) {
            outbox.put(cursor.value.response);
            cursor.delete();
            moved.count += 1;
          }
          cursor.continue();
        };
        return moved;
      }).then((moved) => moved.count);
    }

    /** Tell the server what waits here and what went wrong: staff see it per kiosk. */
    async report() {
      if (!this.helloUrl) return;  // a phone has no kiosk status to report
      try {
        const [outbox, rejected] = await this.transact(["outbox", "rejected"], "readonly",
                                                       (o, r) => [o.count(), r.count()]);
        await fetch(this.helloUrl, {
          method: "POST", headers: this.headers(), cache: "no-store",
          body: JSON.stringify({ outbox, rejected, last_error: this.lastError }),
        });
      } catch (err) { /* the next report will tell */ }
    }

    /** The kiosk's token, and what its clock reads so the server can place its times. */
    headers() {
      const headers = { "Content-Type": "application/json",
                        "X-Kiosk-Clock": new Date().toISOString() };
      if (this.token) headers.Authorization = "Bearer " + this.token;
      return headers;
    }

    /** Flush after ms, or later if the server asked for a pause. */
    schedule(ms) {
      clearTimeout(this.timer);
      const wait = Math.max(ms, this.notBefore - performance.now());
      this.timer = setTimeout(() => this.flush(), wait);
    }

    /** Send one batch; the reply decides what goes next and when. */
    async flush(issued = () => {}) {
      if (this.sending) { this.again = true; issued(); return; }
      this.sending = true;
      this.again = false;
      clearTimeout(this.timer);
      let next;
      try {
        next = await this.sendBatch(issued);
      } catch (err) {  // the tablet's storage failed us: try again as after a network error
        next = this.backoff(String(err && err.message || err));
      } finally {
        this.sending = false;
        issued();
      }
      if (this.again) next = 0;  // what was added during the send goes now
      if (next !== null) this.schedule(next);
    }

    /** Send what comes next; resolves with the ms until the next send, or null if none waits. */
    async sendBatch(issued) {
      const { batch, waiting } = await this.take();
      if (!batch.length) {
        this.onstatus({ online: true, waiting: 0 });
        return null;
      }
      let res;
      try {
        const request = fetch(this.url, { method: "POST", headers: this.headers(),
                                          body: JSON.stringify(batch), cache: "no-store" });
        issued();
        res = await request;
      } catch (err) {
        return this.backoff(String(err && err.message || err));
      }
      if (res.ok) return this.acknowledged(batch, res);
      if (res.status === 429) {
        // The server bounds a kiosk's requests at once: a pause it asked for, not an error.
        const wait = retryAfter(res) ?? this.delay;
        this.notBefore = performance.now() + wait;
        this.onstatus({ online: true, waiting });
        return wait;
      }
      if (res.status === 401) this.onstatus({ online: true, unauthorized: true });
      if (entryMayBeAtFault(res.status)) return this.failedOn(batch, res.status, waiting);
      const wait = Math.max(this.backoff("HTTP " + res.status), retryAfter(res) ?? 0);
      if (res.status === 503) this.notBefore = performance.now() + wait;
      return wait;
    }

    /** The next batch: the half of a failed batch, else entries not suspected, else suspects. */
    async take() {
      if (this.halving) {
        const [found, waiting] = await this.transact(["outbox"], "readonly", (outbox) =>
          [this.halving.map((id) => outbox.get(id)), outbox.count()]);
        const left = found.filter(Boolean);
        this.halving = left.length ? left.map((entry) => entry.id) : null;
        if (left.length) return { batch: left.slice(0, Math.ceil(left.length / 2)), waiting };
      }
      const suspect = (id) => (this.failed.get(id)?.alone ?? 0) > 0;
      if (![...this.failed.keys()].some(suspect)) {
        const [batch, waiting] = await this.transact(["outbox"], "readonly", (outbox) =>
          [outbox.getAll(null, BATCH), outbox.count()]);
        return { batch, waiting };
      }
      const [found, waiting] = await this.transact(["outbox"], "readonly", (outbox) => {
        const found = { clear: [], suspects: [] };
        outbox.openCursor().onsuccess = (event) => {
          const cursor = event.target.result;
          if (!cursor) return;
          (suspect(cursor.key) ? found.suspects : found.clear).push(cursor.value);
          if (found.clear.length < BATCH) cursor.continue();
        };
        return [found, outbox.count()];
      });
      if (found.clear.length) return { batch: found.clear, waiting };
      // Suspects go together too: after a server failing on everything, they all may pass.
      const alone = (entry) => this.failed.get(entry.id).alone;
      found.suspects.sort((a, b) => alone(a) - alone(b));
      return { batch: found.suspects.slice(0, BATCH), waiting };
    }

    /** The server answered 2xx: remove what it settled, set invalid entries aside. */
    async acknowledged(batch, res) {
      let results;
      try {
        results = (await res.json()).results;
      } catch (err) {
        return this.backoff("unreadable reply: " + (err && err.message || err));
      }
      const { settled, stored, note, left } = await this.dequeue(batch, results);
      if (!settled.size) return this.backoff(`the reply settled none of ${batch.length} entries`);
      this.delay = FIRST_RETRY_MS;
      if (stored) {
        this.stored += stored;
        this.storedSinceSuspect = true;
      }
      for (const id of settled) this.failed.delete(id);
      if (this.halving) {
        this.halving = this.halving.filter((id) => !settled.has(id));
        if (!this.halving.length) this.halving = null;
      }
      if (note) this.lastError = note;
      this.onstatus({ online: true, waiting: left, setAside: note });
      if (note || !left) this.report();
      return left ? 0 : null;
    }

    /** Remove the entries the server settled (stored, duplicate or invalid) in one transaction. */
    async dequeue(batch, results) {
      const byId = new Map(batch.map((entry) => [entry.id, entry]));
      const settled = new Set();
      let stored = 0, note = null;
      const left = await this.transact(["outbox", "rejected"], "readwrite", (outbox, rejected) => {
        for (const r of Array.isArray(results) ? results : []) {
          if (!r || !byId.has(r.id) || settled.has(r.id)) continue;
          if (r.status === "invalid") {
            // Set aside, so a bad entry never blocks the ones behind it.
            note = this.setAsideIn(rejected, byId.get(r.id), r.field, r.message);
          } else if (r.status === "stored") {
            stored += 1;
          } else if (r.status !== "duplicate") {
            continue;
          }
          outbox.delete(r.id);
          settled.add(r.id);
        }
        return outbox.count();
      });
      return { settled, stored, note, left };
    }

    setAsideIn(rejected, entry, field, message) {
      const at = new Date().toISOString();
      rejected.put({ id: entry.id, response: entry, field, message, at });
      return `${at} set aside ${entry.id}: ${field}: ${message}`;
    }

    /** The server failed on a batch: halve it, or judge the one entry that failed alone. */
    async failedOn(batch, status, waiting) {
      const error = "HTTP " + status;
      for (const { id } of batch) {
        if (!this.failed.has(id)) this.failed.set(id, { alone: 0, storedBefore: this.stored });
      }
      if (batch.length > 1) {
        this.halving = batch.map((entry) => entry.id);
        return this.afterFailure(error, waiting);
      }
      const entry = batch[0];
      const record = this.failed.get(entry.id);
      record.alone += 1;
      this.halving = null;
      // Twice alone, and the server stored others since it first failed with this entry:
      // the entry is at fault, not the server. A server failing on everything stores
      // nothing, so then nothing is set aside.
      if (record.alone >= ALONE_FAILURES && this.stored > record.storedBefore) {
        const message = `the server failed on this entry (${error})`;
        const [note, left] = await this.transact(["outbox", "rejected"], "readwrite",
          (outbox, rejected) => {
            const note = this.setAsideIn(rejected, entry, SERVER, message);
            outbox.delete(entry.id);
            return [note, outbox.count()];
          });
        this.failed.delete(entry.id);
        this.lastError = note;
        this.onstatus({ online: true, waiting: left });
        this.report();
        return left ? 0 : null;
      }
      const wait = this.afterFailure(error, waiting);
      this.storedSinceSuspect = false;
      return wait;
    }

    /** The wait after a failure the entries may cause: short while halving pays, else back off. */
    afterFailure(error, waiting) {
      if (!this.storedSinceSuspect) return this.backoff(error);
      this.lastError = `${new Date().toISOString()} ${error}`;
      this.onstatus({ online: true, waiting });
      return HALVING_MS;
    }

    /** Nothing went through: note why, show the kiosk offline, wait longer each time. */
    backoff(error) {
      this.lastError = `${new Date().toISOString()} ${error}`;
      this.onstatus({ online: false, error: this.lastError });
      this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
      return this.delay;
    }
  }

  /** A random UUID (v4); crypto.randomUUID needs a secure context, getRandomValues does not. */
  function uuid() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }

  global.Outbox = Outbox;
  global.uuid = uuid;
})(window);
