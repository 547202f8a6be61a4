/* Sends the device's queue to the server.  Submissions waiting together go in batches
   (POST /api/v1/submissions/batch, each item judged and answered alone), every body gzip-compressed
   where the browser can (CompressionStream): a week of interviews over a 2G link at the township is
   a few requests of a few kilobytes each, not hundreds (issue 17).  An item leaves the device only
   after a 201 (created) or a 200 (already there); 409, 422 and 403 keep it, flagged for review
   with the server's message; 401 keeps the whole queue and asks the collector to log in again;
   anything else (no network, 5xx such as a 503 while the database is out of reach, a dropped
   connection) is retried later with backoff, never sooner than the server's Retry-After.  The
   uuid made when the interview started makes every retry safe: the server never stores twice,
   also when a batch's reply was lost after the server stored it. */
(function (root) {
  "use strict";
  var Store = root.SanquStore;
  var running = null, timer = null, listeners = [];
  var ENDPOINT = { submission: "/api/v1/submissions", refusal: "/api/v1/refusals" };
  var BATCH_ENDPOINT = { submission: "/api/v1/submissions/batch" };
  var MAX_BACKOFF_MS = 5 * 60 * 1000;
  /* A batch small enough that a link dropping halfway costs little (the server's limit is 100
     items and 1 MB as sent; raw JSON is bounded too, for a browser that cannot compress). */
  var BATCH_ITEMS = 25, BATCH_RAW_BYTES = 512 * 1024, COMPRESS_FROM_BYTES = 512;
  var batchItems = BATCH_ITEMS;  // halved after a 413, for this page's life
  var noBatch = false, noGzip = false;  // an older server or a proxy that refuses them

  function notify() { listeners.forEach(function (fn) { try { fn(); } catch (e) { /* a listener must not stop sync */ } }); }

  function deviceId() {
    return Store.meta("device_id").then(function (id) {
      if (id) return id;
      id = root.crypto.randomUUID();
      return Store.setMeta("device_id", id).then(function () { return id; });
    });
  }

  /* A device token for this collector, issued by the server while the login session lasts
     (one request at a time: the queue and the follow-up list may both ask at page load). */
  var issuing = null;
  function token() {
    return Store.meta("device_token").then(function (t) {
      if (t) return t;
      if (!issuing) {
        issuing = issue().then(function (v) { issuing = null; return v; }, function (e) { issuing = null; throw e; });
      }
      return issuing;
    });
  }

  function issue() {
    return deviceId().then(function (id) {
      return fetch("/collect/device", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ device_id: id }),
      }).then(function (r) {
        noteClock(r);
        if (r.status === 403 || r.status === 409) {
          // not a collecting account, or too many tablets: logging in again will not help, so
          // the server's own words are shown instead (the queue waits, nothing is dropped)
          return r.json().catch(function () { return {}; }).then(function (body) {
            return Store.setMeta("device_problem", body.message || String(r.status));
          }).then(function () { return null; });
        }
        // The server or its database is down or busy (503, 5xx, 429): as good as no signal.
        // Logging in again would not help, so nobody is asked to; the timer tries again.
        if (r.status >= 500 || r.status === 429) return null;
        if (r.status === 401 || r.redirected || !r.ok) return Store.setMeta("needs_login", true).then(function () { return null; });
        return r.json().then(function (body) {
          return Store.setMeta("device_token", body.token)
            .then(function () { return Store.setMeta("needs_login", false); })
            .then(function () { return Store.setMeta("device_problem", null); })
            .then(function () { return body.token; });
        });
      });
    });
  }

  function due(item, now) { return item.state === "pending" && (!item.next_at || item.next_at <= now); }

  /* The tablet's clock as the server judges times: from 2013-01-01 (China time) to a day past
     the server's clock; a time outside is refused (422) and would wait in the queue for ever.
     Each reply's Date header gives the offset; an interview does not start while the clock is
     visibly wrong.  A record taken before the clock was set back is dropped. */
  var PROGRAMME_START = Date.UTC(2012, 11, 31, 16), AHEAD_LIMIT_MS = 20 * 3600000, CLOCK_KEY = "sanqu.clock";
  function noteClock(r) {
    var server = Date.parse(r.headers.get("Date") || "");
    if (isNaN(server)) return;
    try { localStorage.setItem(CLOCK_KEY, JSON.stringify({ server: server, device: Date.now() })); } catch (e) { /* private mode */ }
  }
  function clockProblem() {
    var now = Date.now(), seen = null;
    if (now < PROGRAMME_START) return { code: "clock_past", date: new Date(now).toISOString().slice(0, 10) };
    try { seen = JSON.parse(localStorage.getItem(CLOCK_KEY) || "null"); } catch (e) { seen = null; }
    if (seen && now >= seen.device && seen.device - seen.server > AHEAD_LIMIT_MS) {
      return { code: "clock_ahead", hours: Math.round((seen.device - seen.server) / 3600000) };
    }
    return null;
  }

  /* The JSON text as bytes, gzip-compressed when the browser can and it is worth it. */
  function encode(text) {
    if (noGzip || !root.CompressionStream || text.length < COMPRESS_FROM_BYTES) return Promise.resolve({ body: text, gzip: false });
    var stream = new Blob([text]).stream().pipeThrough(new root.CompressionStream("gzip"));
    return new Response(stream).arrayBuffer().then(function (bytes) { return { body: bytes, gzip: true }; },
                                                   function () { return { body: text, gzip: false }; });
  }

  function post(url, payload, secret) {
    var text = JSON.stringify(payload);
    return encode(text).then(function (encoded) {
      var headers = { "Content-Type": "application/json", "Authorization": "Bearer " + secret,
                      "Accept-Language": document.documentElement.lang === "en" ? "en" : "zh" };
      if (encoded.gzip) headers["Content-Encoding"] = "gzip";
      return fetch(url, { method: "POST", credentials: "omit", cache: "no-store", headers: headers, body: encoded.body })
        .then(function (r) {
          noteClock(r);
          if (r.status === 415 && encoded.gzip) {
            noGzip = true;  // something between here and the server does not take gzip: plain from now on
            return post(url, payload, secret);
          }
          var wait = Number(r.headers.get("Retry-After"));  // seconds; a date form is read as none
          return r.json().catch(function () { return {}; }).then(function (body) {
            return { status: r.status, body: body, retryAfter: isFinite(wait) && wait > 0 ? wait : 0 };
          });
        });
    });
  }

  function sendOne(item, secret) { return post(ENDPOINT[item.kind], item.body, secret); }

  /* What the sent log keeps of a delivered item: enough for the receipt, and the place, wave and
     respondent code, so that a code used on this tablet is recognised when it comes again. */
  function sentRecord(item, status) {
    var b = item.body, record = { uuid: item.uuid, kind: item.kind, questionnaire: b.questionnaire, status: status,
                                  at: new Date().toISOString(), body: b };
    ["county", "wave", "respondent_code", "completed_at"].forEach(function (k) { if (b[k]) record[k] = b[k]; });
    return record;
  }

  /* Refill after a restore (issue 16).  The body of every delivered item is kept for KEEP_DAYS
     after delivery; now and then the tablet asks the server what it holds from this tablet (its
     receipt) and queues again, under the same uuid, whatever the server no longer holds: a
     restore from last night's backup loses nothing the tablets still carry, and a resend of
     what the server has is a harmless duplicate.  Older bodies are dropped (the record stays). */
  var REFILL_EVERY_MS = 5 * 60 * 1000, lastRefill = 0;
  function keepDays() {
    var el = root.document && root.document.getElementById("sync-indicator");
    var days = el ? Number(el.dataset.keepDays) : NaN;
    return isFinite(days) && days >= 0 ? days : 60;
  }
  function refill(force) {
    if (!force && Date.now() - lastRefill < REFILL_EVERY_MS) return Promise.resolve(0);
    var oldest = Date.now() - keepDays() * 86400000;
    return Store.all("sent").then(function (sent) {
      var kept = [], expired = [];
      sent.forEach(function (r) { if (r.body) (Date.parse(r.at) >= oldest ? kept : expired).push(r); });
      return Promise.all(expired.map(function (r) { delete r.body; return Store.put("sent", r); })).then(function () {
        if (!kept.length) { lastRefill = Date.now(); return 0; }
        return Promise.all([deviceId(), Store.meta("device_token")]).then(function (v) {
          if (!v[1]) return 0;
          return fetch("/api/v1/devices/" + v[0] + "/receipt", {
            headers: { "Authorization": "Bearer " + v[1] }, credentials: "omit", cache: "no-store",
          }).then(function (r) {
            if (!r.ok) return 0;  // no signal, a busy server, a revoked token: next time
            return r.json().then(function (body) {
              lastRefill = Date.now();
              var held = new Set((body.received || []).map(function (x) { return x.uuid; }));
              var missing = kept.filter(function (rec) { return !held.has(rec.uuid); });
              return Promise.all(missing.map(function (rec) {
                return Store.requeue({ uuid: rec.uuid, kind: rec.kind, body: rec.body, state: "pending",
                                       queued_at: new Date().toISOString(), attempts: 0, refilled: true });
              })).then(function () { return missing.length; });
            });
          });
        });
      });
    }).catch(function () { return 0; });
  }

  function handle(item, reply) {
    var s = reply.status;
    if (s === 201 || s === 200) {
      delivered += 1;
      return Store.delivered(item.uuid, sentRecord(item, s === 201 ? "created" : "duplicate")).then(function () { return "next"; });
    }
    if (s === 401) {
      // The token was revoked (a logout elsewhere, an administrator): drop it.  While the
      // login session lasts a new one is issued at once; otherwise the collector is asked to
      // log in again, and the queue waits.
      return Store.setMeta("device_token", null).then(function () { return "unauthorized"; });
    }
    if (s === 409 || s === 422 || s === 403) {
      item.state = "review";
      item.status = s;
      item.message = reply.body.errors || reply.body.status || ("HTTP " + s);
      return Store.put("queue", item).then(function () { return "next"; });
    }
    return backoff(item, "HTTP " + s, reply.retryAfter);
  }

  /* Try the item again later: twice as long after each failure, at least what the server asked
     for (Retry-After, as a 503 says while its database is out of reach), at most five minutes. */
  function backoff(item, why, retryAfterSeconds, since) {
    item.attempts = (item.attempts || 0) + 1;
    var wait = Math.max(2000 * Math.pow(2, item.attempts - 1), (retryAfterSeconds || 0) * 1000);
    item.next_at = (since || Date.now()) + Math.min(MAX_BACKOFF_MS, wait);
    item.last_error = why;
    return Store.put("queue", item).then(function () { return "backoff"; });
  }

  var fresh = false;  // the token in use was issued during this run
  var delivered = 0;  // items the server took during this run

  /* The due items to send next: the oldest, and with it as many due items of its kind as one
     batch holds (oldest first), where that kind has a batch endpoint. */
  function nextGroup(items) {
    var now = Date.now();
    var ready = items.filter(function (i) { return due(i, now); })
      .sort(function (a, b) { return a.queued_at < b.queued_at ? -1 : 1; });
    if (!ready.length) return [];
    var kind = ready[0].kind, group = [], bytes = 0;
    if (noBatch || !BATCH_ENDPOINT[kind]) return [ready[0]];
    for (var i = 0; i < ready.length && group.length < batchItems; i++) {
      if (ready[i].kind !== kind) continue;
      var size = JSON.stringify(ready[i].body).length;
      if (group.length && bytes + size > BATCH_RAW_BYTES) break;
      group.push(ready[i]);
      bytes += size;
    }
    return group;
  }

  /* Each item's outcome within a batch's reply, as its own reply would have been. */
  function handleEach(group, results) {
    return group.reduce(function (chain, item, i) {
      return chain.then(function (worst) {
        var r = results[i];
        return handle(item, { status: r.http_status, body: r, retryAfter: 0 }).then(function (what) {
          return what === "next" ? worst : what;
        });
      });
    }, Promise.resolve("next"));
  }

  function sendBatch(group, secret) {
    return post(BATCH_ENDPOINT[group[0].kind], { items: group.map(function (i) { return i.body; }) }, secret)
      .then(function (reply) {
        var results = reply.body && reply.body.results;
        if (reply.status === 200 && Array.isArray(results) && results.length === group.length &&
            results.every(function (r, i) { return r && r.uuid === group[i].body.uuid; })) {
          return handleEach(group, results);
        }
        if (reply.status === 413 && group.length > 1) {
          batchItems = Math.max(1, Math.floor(group.length / 2));  // smaller batches, at once
          return "next";
        }
        if ([200, 403, 404, 405, 422].indexOf(reply.status) >= 0) {
          noBatch = true;  // a server without batches, a token not allowed them, a reply not understood: one by one
          return "next";
        }
        if (reply.status === 401) return handle(group[0], reply);
        return backoffAll(group, "HTTP " + reply.status, reply.retryAfter);  // the server is down or busy
      }, function (err) { return backoffAll(group, String(err)); });
  }

  /* Every item of a batch that failed as a whole waits its turn again, all counted from the same
     moment: timed from each one's own write, the first would fall due before the last and the
     retry would send a batch of part of these and newer items, out of their order. */
  function backoffAll(group, why, retryAfterSeconds) {
    var since = Date.now();
    return group.reduce(function (chain, item) {
      return chain.then(function () { return backoff(item, why, retryAfterSeconds, since); });
    }, Promise.resolve()).then(function () { return "backoff"; });
  }

  function loop() {
    return Store.all("queue").then(function (items) {
      var group = nextGroup(items);
      if (!group.length) return null;
      return Store.meta("device_token").then(function (had) {
        return token().then(function (secret) {
          if (!secret) return null;  // log in again; the queue waits
          if (!had) fresh = true;
          var sent = group.length > 1 ? sendBatch(group, secret)
            : sendOne(group[0], secret).then(function (reply) { return handle(group[0], reply); },
                                               function (err) { return backoff(group[0], String(err)); });
          return sent.then(function (what) {
            notify();
            if (what === "next") return loop();
            if (what === "unauthorized" && !fresh) return loop();  // a new token, once
            if (what === "unauthorized") return Store.setMeta("needs_login", true).then(function () { return null; });
            return null;  // backoff: scheduleRetry tries again when it is due
          });
        });
      });
    });
  }

  var retry = null;
  /* After a backoff, try again when the earliest item is due (the timer is only a safety net). */
  function scheduleRetry() {
    return Store.all("queue").then(function (items) {
      var next = items.filter(function (i) { return i.state === "pending" && i.next_at; })
        .reduce(function (m, i) { return Math.min(m, i.next_at); }, Infinity);
      if (retry) { clearTimeout(retry); retry = null; }
      if (next !== Infinity) retry = setTimeout(Sync.run, Math.max(0, next - Date.now()) + 50);
    });
  }

  /* The follow-up worklist (回访名单) of a questionnaire: its baseline respondents within the
     collector's team, fetched while there is signal and kept in the settings store with the
     time it was fetched, so that the follow-up can be done with none.  A follow-up still in
     the queue counts as done at once, whatever the server said before it arrived. */
  function followupsKey(questionnaire) { return "followups:" + questionnaire; }

  function markFollowed(list, body) {
    if (!list || !body || body.questionnaire !== list.questionnaire || body.wave !== "post" || !body.respondent_code) return false;
    var hit = false;
    list.items.forEach(function (i) {
      if (i.county === body.county && i.respondent_code === body.respondent_code) { i.followed = true; i.status = "followed"; hit = true; }
    });
    return hit;
  }

  function fetchFollowups(questionnaire) {
    return token().then(function (secret) {
      if (!secret) return null;
      return fetch("/api/v1/followups?questionnaire=" + encodeURIComponent(questionnaire), {
        credentials: "omit", cache: "no-store", headers: { "Authorization": "Bearer " + secret, "Accept": "application/json" },
      }).then(function (r) {
        if (r.status === 401) return Store.setMeta("device_token", null).then(function () { return null; });
        if (!r.ok) return null;  // kept: the list fetched before
        return r.json().then(function (body) {
          if (!body || !Array.isArray(body.items)) return null;
          var list = { questionnaire: questionnaire, fetched_at: new Date().toISOString(), items: body.items };
          return Store.all("queue").then(function (queue) {
            queue.forEach(function (q) { markFollowed(list, q.body); });
            return Store.setMeta(followupsKey(questionnaire), list);
          }).then(function () { return list; });
        });
      });
    }).catch(function () { return null; });
  }

  var ranListeners = [], forceRefill = true;  // the first run of a page compares at once
  var Sync = {
    clockProblem: clockProblem,
    run: function () {
      if (!running) {
        fresh = false;
        delivered = 0;
        running = loop().catch(function () { /* retried by the timer */ })
          .then(function () { return refill(forceRefill); })
          .then(function (n) { forceRefill = false; return n ? loop() : null; }).catch(function () {})
          .then(scheduleRetry).catch(function () {})
          .then(function () {
            var n = delivered;
            running = null;
            notify();
            ranListeners.forEach(function (fn) { try { fn(n); } catch (e) { /* a listener must not stop sync */ } });
          });
      }
      return running;
    },
    /* fn(number delivered) after every run. */
    afterRun: function (fn) { ranListeners.push(fn); },
    /* Fetch and keep the follow-up worklist: resolves to the list, or null (no signal, no token). */
    fetchFollowups: fetchFollowups,
    /* The kept worklist ({questionnaire, fetched_at, items}), or undefined if never fetched. */
    followups: function (questionnaire) { return Store.meta(followupsKey(questionnaire)); },
    /* A follow-up was queued: its respondent counts as followed on this tablet from now on. */
    markFollowed: function (body) {
      var key = followupsKey(body.questionnaire);
      return Store.meta(key).then(function (list) {
        if (markFollowed(list, body)) return Store.setMeta(key, list);
      });
    },
    /* Retry now whatever waits for its backoff (the network came back). */
    wake: function () {
      return Store.all("queue").then(function (items) {
        return Promise.all(items.filter(function (i) { return i.state === "pending" && i.next_at; })
          .map(function (i) { i.next_at = 0; return Store.put("queue", i); }));
      }).then(Sync.run);
    },
    start: function (intervalMs) {
      root.addEventListener("online", Sync.wake);
      if (timer) clearInterval(timer);
      timer = setInterval(Sync.run, intervalMs || 30000);
      return Sync.ensureToken().then(Sync.run);
    },
    onChange: function (fn) { listeners.push(fn); },
    /* Get the device token while the page is online and logged in, before any response needs
       it: a tablet that goes out of signal before its first upload, or whose browser restarts
       (which ends the login session), still uploads when the signal comes back. */
    ensureToken: function () { return token().catch(function () { return null; }); },
    deviceId: deviceId,
    counts: function () {
      return Store.all("queue").then(function (items) {
        return { pending: items.filter(function (i) { return i.state === "pending"; }).length,
                 review: items.filter(function (i) { return i.state === "review"; }).length };
      });
    },
  };
  root.SanquSync = Sync;
})(typeof self !== "undefined" ? self : this);
