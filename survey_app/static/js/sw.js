/* The service worker of the collection pages (scope /collect/).  It keeps the app shell, the
   pages of every current questionnaire (also at their versioned address, so that a response
   in progress finishes on the version it started with), their audio and approved prompt
   recordings (/collect/recordings/, the audio studio's; immutable by address), the script and the
   fonts, so that a form opens and completes with no network at all, also after the browser
   restarts.  Pages: network first, the cache when the network fails or is too slow.  Static
   files and audio: the cache first, refreshed in the background.  The API is never cached. */
"use strict";
var PAGES = "sanqu-pages-v1", ASSETS = "sanqu-assets-v1";
var NETWORK_TIMEOUT_MS = 4000;

function refresh() {
  return fetch("/collect/manifest.json", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
    if (!r.ok || r.redirected) return null;  // not logged in: keep what is cached
    return r.json().then(function (m) {
      return Promise.all([
        caches.open(PAGES).then(function (c) { return addEach(c, m.pages); }),
        caches.open(ASSETS).then(function (c) { return addEach(c, m.static.concat(m.audio, m.recordings || [])); }),
      ]);
    });
  }).catch(function () { return null; });
}

function addEach(cache, urls) {
  // One by one, so that one failure does not lose the rest; redirects (to the login) are not kept.
  return Promise.all(urls.map(function (url) {
    return fetch(url, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.ok && !r.redirected) return cache.put(url, r);
    }).catch(function () {});
  }));
}

self.addEventListener("install", function (event) {
  event.waitUntil(refresh().then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

/* Tell the pages when the cache was refreshed (there is signal and a login): they fetch the
   follow-up list then, which needs the device token the pages hold. */
function refreshed(done) {
  if (!done) return null;
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (pages) {
    pages.forEach(function (p) { p.postMessage("refreshed"); });
  });
}

self.addEventListener("message", function (event) {
  if (event.data === "refresh") event.waitUntil(refresh().then(refreshed));
});

function fromNetwork(request) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, NETWORK_TIMEOUT_MS);
    fetch(request).then(function (r) { clearTimeout(timer); resolve(r); }, function (e) { clearTimeout(timer); reject(e); });
  });
}

function page(request) {
  return fromNetwork(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES).then(function (c) { c.put(request, copy); });
      return response;
    }
    if (response.redirected || response.status >= 500) {
      // Logged out or a broken server: the cached form still works; sync asks to log in.
      return caches.match(request, { cacheName: PAGES }).then(function (hit) { return hit || response; });
    }
    return response;
  }, function () {
    return caches.match(request, { cacheName: PAGES }).then(function (hit) {
      if (hit) return hit;
      // The form without its version, or a version's address: whichever is cached.
      var url = new URL(request.url);
      return caches.match(url.pathname, { cacheName: PAGES }).then(function (any) {
        return any || new Response("offline and not cached", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
      });
    });
  });
}

function asset(request) {
  return caches.match(request, { ignoreSearch: true }).then(function (hit) {
    var network = fetch(request).then(function (r) {
      // never a login page kept under a recording's address (recordings need a session)
      if (r.ok && !r.redirected) { var copy = r.clone(); caches.open(ASSETS).then(function (c) { c.put(request, copy); }); }
      return r;
    });
    if (hit) { network.catch(function () {}); return hit; }
    return network;
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/api/") === 0 || url.pathname === "/collect/manifest.json" || url.pathname === "/collect/sw.js") return;
  if (url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/collect/audio/") === 0 || url.pathname.indexOf("/collect/recordings/") === 0 || url.pathname === "/collect/app.webmanifest") { event.respondWith(asset(request)); return; }
  if (request.mode === "navigate" || url.pathname.indexOf("/collect/") === 0) { event.respondWith(page(request)); return; }
});
