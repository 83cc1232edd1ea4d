/* The kiosk's service worker: keeps the kiosk's page and files on the tablet, so that a
   reload or a restart while the server is unreachable still shows a working kiosk.
   Survey answers never pass through here: they wait in the IndexedDB outbox. */
"use strict";
const CACHE = "skm-kiosk-{{ version }}";
const PAGE = {{ url_for("kiosk.survey")|tojson }};
const FILES = {{ files|tojson }};
// The office's recorded prompts, each address naming one sound (?v= its hash): kept like
// the files, so that a question is read aloud with the network down too.
const AUDIO = {{ audio|tojson }};
const PAGE_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // "reload" skips the browser's HTTP cache, so a new version never keeps an old file.
    await cache.addAll([PAGE, ...FILES, ...AUDIO]
      .map((url) => new Request(url, { cache: "reload" })));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    const old = (await caches.keys())
      .filter((key) => key.startsWith("skm-kiosk-") && key !== CACHE);
    await Promise.all(old.map((key) => caches.delete(key)));
    await self.clients.claim();
  })());
});

/** Fetch, or fail after ms: a server that hangs must not keep the kiosk from its copy. */
async function fetchWithin(request, ms) {
  let timer;
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error("timeout")), ms);
  });
  try {
    return await Promise.race([fetch(request), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The page from the server, so new services and settings arrive; else the stored copy. */
async function kioskPage(event) {
  let res = null;
  try {
    res = await fetchWithin(event.request, PAGE_TIMEOUT_MS);
  } catch (err) { /* unreachable or too slow: the copy will do */ }
  if (!res || !res.ok) return caches.match(PAGE);
  const copy = res.clone();
  // Within waitUntil: once the page is answered the browser may stop the worker, and the
  // copy would never be stored.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.put(PAGE, copy)));
  return res;
}

/** A kiosk file from the cache; from the server if the cache has lost it. */
async function kioskFile(request, path) {
  return (await caches.match(path)) || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(kioskPage(event));
  } else if (FILES.includes(url.pathname)) {
    event.respondWith(kioskFile(request, url.pathname));
  } else if (AUDIO.includes(url.pathname + url.search)) {
    // The whole sound, also for a media element's range request: it plays from a full reply.
    event.respondWith(kioskFile(request, url.pathname + url.search));
  }
});
