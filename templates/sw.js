/* The kiosk's service worker: keeps the kiosk's page and files on the tablet, so that a
   reload or a restart while the server is unreachable still shows a working kiosk.
   Survey answers never pass through here: they wait in the IndexedDB outbox. */
"use strict";
var CACHE = "skm-kiosk-{{ version }}";
var PAGE = {{ url_for("kiosk.survey")|tojson }};
var FILES = {{ files|tojson }};
var PAGE_TIMEOUT_MS = 4000;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // "reload" skips the browser's HTTP cache, so a new version never keeps an old file.
    return cache.addAll([PAGE].concat(FILES).map(function (url) {
      return new Request(url, { cache: "reload" });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("skm-kiosk-") === 0 && key !== CACHE;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }));
});

function fetchWithin(request, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    fetch(request).then(function (res) { clearTimeout(timer); resolve(res); },
                        function (err) { clearTimeout(timer); reject(err); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.indexOf("/api/") === 0) return;
  if (request.mode === "navigate" && url.pathname === PAGE) {
    // The page first from the server, so new services and settings arrive; else the copy.
    event.respondWith(fetchWithin(request, PAGE_TIMEOUT_MS).then(function (res) {
      if (!res.ok) throw new Error("HTTP " + res.status);
      var copy = res.clone();
      caches.open(CACHE).then(function (cache) { cache.put(PAGE, copy); });
      return res;
    }).catch(function () { return caches.match(PAGE); }));
    return;
  }
  if (FILES.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(url.pathname).then(function (hit) {
      return hit || fetch(request);
    }));
  }
});
