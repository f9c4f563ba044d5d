/* The offline interview worker, registered by the offline page of one interview link
   with that link as its scope (/s/<token>). It keeps the page (in each language), its
   bundle (the survey version as JSON) and the page's styles and script in a cache of
   its own, and answers from that cache when the network does not.

   An update never leaves the link without a working copy: the new worker fills a new
   cache completely before it takes over (install fails, and the old one stays, if any
   file cannot be fetched), and only then are older caches of this link deleted.
   Posts (sending interviews) always go to the network: the queue lives in the page's
   IndexedDB, and a record leaves it only on the server's 2xx. */
"use strict";
var SCOPE = new URL(self.registration.scope);
var TOKEN = SCOPE.pathname.split("/")[2] || "";
var PREFIX = "interview:" + TOKEN + ":";
var BUNDLE = SCOPE.pathname.replace(/\/$/, "") + "/offline.json";
var TIMEOUT = 4000;
// Which cache is complete, kept under a URL of its own (never fetched).
var MARKER = SCOPE.pathname.replace(/\/$/, "") + "/offline-cache-name";

// One cache per version of the survey and of the files (their URLs carry a content hash).
function cacheName(bundle) {
  var text = bundle.assets.join(" ");
  var hash = 5381;
  for (var i = 0; i < text.length; i++) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
  return PREFIX + bundle.version + ":" + hash.toString(36);
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    fetch(BUNDLE, { cache: "no-store" }).then(function (response) {
      if (!response.ok) throw new Error("bundle " + response.status);
      return response.clone().json().then(function (bundle) {
        return caches.open(cacheName(bundle)).then(function (cache) {
          var others = bundle.assets.filter(function (url) { return url !== BUNDLE; });
          return cache.addAll(others).then(function () { return cache.put(BUNDLE, response); });
        }).then(function () {
          return caches.open(PREFIX + "current").then(function (marker) {
            return marker.put(MARKER, new Response(cacheName(bundle)));
          });
        });
      });
    }).then(function () { return self.skipWaiting(); })
  );
});

function currentCache() {
  return caches.open(PREFIX + "current")
    .then(function (marker) { return marker.match(MARKER); })
    .then(function (response) { return response ? response.text() : null; });
}

self.addEventListener("activate", function (event) {
  event.waitUntil(currentCache().then(function (name) {
    return caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf(PREFIX) === 0 && key !== name && key !== PREFIX + "current";
      }).map(function (key) { return caches.delete(key); }));
    });
  }).then(function () { return self.clients.claim(); }));
});

function fromCache(request) {
  return currentCache().then(function (name) {
    if (!name) return undefined;
    return caches.open(name).then(function (cache) { return cache.match(request); });
  });
}

function withTimeout(promise) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, TIMEOUT);
    promise.then(function (value) { clearTimeout(timer); resolve(value); },
      function (error) { clearTimeout(timer); reject(error); });
  });
}

// The page and its bundle: the network when it answers, else the copy kept here.
function networkFirst(request) {
  return withTimeout(fetch(request)).then(function (response) {
    if (response.status >= 500) throw new Error("server " + response.status);
    if (response.ok) {
      var copy = response.clone();
      currentCache().then(function (name) {
        if (name) caches.open(name).then(function (cache) { cache.put(request, copy); });
      });
    }
    return response;
  }).catch(function (error) {
    return fromCache(request).then(function (cached) {
      if (cached) return cached;
      throw error;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== SCOPE.origin) return;
  var own = SCOPE.pathname.replace(/\/$/, "");
  if (url.pathname === own + "/offline" || url.pathname === BUNDLE) {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.indexOf("/static/") === 0 && url.searchParams.has("v")) {
    // Versioned files never change: the kept copy, else the network.
    event.respondWith(fromCache(request).then(function (cached) { return cached || fetch(request); }));
  }
});
