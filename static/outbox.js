/* The kiosk's outbox: finished surveys wait in IndexedDB until the server acknowledges them. */
(function (global) {
  "use strict";
  var DB_NAME = "skm-kiosk";
  var RETRY_MAX_MS = 15000;  // the interface promises a retry at least every 15 s
  var REPORT_MS = 60000;     // how often the kiosk tells the server how it is doing
  var BATCH = 100;

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () {
        var db = req.result;
        db.createObjectStore("outbox", { keyPath: "id" });
        db.createObjectStore("rejected", { keyPath: "id" });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(store, mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(store, mode);
        var result = work(t.objectStore(store));
        t.oncomplete = function () { db.close(); resolve(result && result.result); };
        t.onerror = t.onabort = function () { db.close(); reject(t.error); };
      });
    });
  }

  function Outbox(options) {
    var self = this;
    this.token = options.token;
    this.url = options.url || "/api/responses";
    this.helloUrl = options.helloUrl || "/api/kiosk/hello";
    this.onstatus = options.onstatus || function () {};
    this.delay = 1000;
    this.timer = null;
    this.sending = false;
    this.again = false;  // an entry came in while a send was under way
    this.lastError = null;
    global.addEventListener("online", function () { self.schedule(0); });
    setInterval(function () { self.report(); }, REPORT_MS);
  }

  function headers(token, json) {
    var h = { "Authorization": "Bearer " + token, "X-Kiosk-Clock": new Date().toISOString() };
    if (json) h["Content-Type"] = "application/json";
    return h;
  }

  /* Tell the server what waits here and what went wrong: staff see it per kiosk. */
  Outbox.prototype.report = function () {
    var self = this;
    return Promise.all([this.pending(), tx("rejected", "readonly", function (s) { return s.count(); })])
      .then(function (found) {
        return fetch(self.helloUrl, {
          method: "POST", headers: headers(self.token, true), cache: "no-store",
          body: JSON.stringify({ outbox: found[0].length, rejected: found[1], last_error: self.lastError })
        });
      }).catch(function () { /* the next report will tell */ });
  };

  /* Keep a response; resolves once it is committed to the tablet's storage. */
  Outbox.prototype.add = function (response) {
    var self = this;
    return tx("outbox", "readwrite", function (s) { s.put(response); }).then(function () {
      self.schedule(0);
    });
  };

  Outbox.prototype.pending = function () {
    return tx("outbox", "readonly", function (s) { return s.getAll(); });
  };

  Outbox.prototype.schedule = function (ms) {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.flush(); }, ms);
  };

  /* Send what waits; an entry leaves only once the server said stored, duplicate or invalid. */
  Outbox.prototype.flush = function () {
    var self = this;
    if (this.sending) { this.again = true; return Promise.resolve(); }
    this.sending = true;
    this.again = false;
    return this.pending().then(function (items) {
      if (!items.length) { self.onstatus({ online: true, waiting: 0 }); return; }
      var batch = items.slice(0, BATCH);
      return fetch(self.url, {
        method: "POST",
        headers: headers(self.token, true),
        body: JSON.stringify(batch),
        cache: "no-store"
      }).then(function (res) {
        if (res.status === 401) self.onstatus({ online: true, unauthorized: true });
        if (!res.ok) throw new Error("HTTP " + res.status);
        return res.json();
      }).then(function (reply) {
        return self.settle(batch, reply.results).then(function (setAside) {
          self.delay = 1000;
          var left = items.length - batch.length;
          if (setAside) self.lastError = setAside;
          self.onstatus({ online: true, waiting: left });
          if (left) self.schedule(0); else self.report();
        });
      });
    }).catch(function (err) {
      self.lastError = new Date().toISOString() + " " + String(err && err.message || err);
      self.onstatus({ online: false, error: self.lastError });
      self.delay = Math.min(self.delay * 2, RETRY_MAX_MS);
      self.schedule(self.delay);
    }).then(function () {
      self.sending = false;
      if (self.again) self.schedule(0);  // what was added during the send goes now
    });
  };

  /* Remove what the server settled; resolves with a note on anything set aside. */
  Outbox.prototype.settle = function (batch, results) {
    var byId = {}, note = null;
    batch.forEach(function (r) { byId[r.id] = r; });
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(["outbox", "rejected"], "readwrite");
        results.forEach(function (r) {
          if (!byId[r.id]) return;
          if (r.status === "invalid") {
            // Set aside, so a bad entry never blocks the ones behind it.
            t.objectStore("rejected").put({ id: r.id, response: byId[r.id], field: r.field,
                                            message: r.message, at: new Date().toISOString() });
            note = new Date().toISOString() + " set aside " + r.id + ": " + r.field + ": " + r.message;
          }
          t.objectStore("outbox").delete(r.id);
        });
        t.oncomplete = function () { db.close(); resolve(note); };
        t.onerror = t.onabort = function () { db.close(); reject(t.error); };
      });
    });
  };

  /* A random UUID (v4); crypto.randomUUID needs a secure context, getRandomValues does not. */
  function uuid() {
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  global.Outbox = Outbox;
  global.uuid = uuid;
})(window);
