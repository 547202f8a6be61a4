/* The collection page with JavaScript: one screen at a time, skip logic and validation in the
   browser (SanquRules, the mirror of the server's), every answer saved as a draft on the
   device at once, finished responses queued and synced (SanquSync), interviewer and kiosk
   modes.  Without this script the same page is one form that posts to the server.

   Screens.  The page holds a section a .step; the script cuts the sections into screens:
   interviewer mode shows a section a screen, but never more than 4 likert items on one (a
   battery of 12 becomes three screens of 4); kiosk mode shows one question a screen, likert
   items too: a villager who reads little meets one statement, hears it and its five answers
   read out, and answers it, with nothing to scroll and nothing else to tap by mistake
   (comparing statements side by side is not what an agreement scale asks of anyone).
   Questions hidden by the skip logic are left out, and a screen with none left is skipped.

   Kiosk mode is a handover.  The social worker sets up everything a villager cannot (village,
   wave, dialect, one or more respondent codes in a queue) and a PIN; the villager then sees
   only a greeting, the consent, the questions and a thank-you, then the next villager's
   greeting, and when the queue is done a hand-back screen that asks for the PIN.  Back and
   forward stay inside the interview (a state a screen in the History API), a reload resumes
   the same screen of the same respondent from the draft (Store meta "kiosk" names it), and
   leaving the page asks first (beforeunload).

   Preview (form[data-preview], the office trying a draft: admin/drafts.py).  The same screens,
   but nothing is kept on the device: drafts and settings live in memory only (previewStore),
   nothing is queued, synced or cached by the service worker, and a finished response goes to
   the dry run (form[data-dry-run]), which judges it as the server judges a real one and shows
   the verdict. */
(function () {
  "use strict";
  var form = document.getElementById("collect");
  if (!form || !window.SanquStore || !window.indexedDB) return;
  var preview = form.dataset.preview === "1";
  var Store = preview ? previewStore() : window.SanquStore, Sync = preview ? previewSync(window.SanquSync) : window.SanquSync;
  var Rules = window.SanquRules;
  var spec = JSON.parse(document.getElementById("rules").textContent);
  var lang = document.documentElement.lang === "en" ? "en" : "zh";
  var T = JSON.parse(document.getElementById("texts").textContent);
  var steps = Array.prototype.slice.call(form.querySelectorAll(".step"));
  var byName = function (n) { return form.querySelector("[data-step='" + n + "']"); };
  var navEl = form.querySelector("nav.steps");
  var nav = { prev: form.querySelector("[data-action=prev]"), next: form.querySelector("[data-action=next]"),
              submit: form.querySelector("[data-action=submit]"), bar: form.querySelector(".progress"),
              words: form.querySelector(".progress-words") };
  var status = document.getElementById("status");
  var pinScreen = document.getElementById("pin-screen");
  var current = null;   // the draft being filled: {uuid, setup, answers, screen, ...}
  var at = 0;           // index in screens
  var screens = [];
  var kiosk = false, idleTimer = null, doneTimer = null;
  var MAX_LIKERT = 4, DONE_MS = 15000;
  // The idle delay of kiosk mode, read at each touch: form#collect[data-idle-ms] overrides the
  // two minutes (the browser tests set it; nothing else does).
  function idleMs() { return Number(form.dataset.idleMs) || 120000; }

  document.documentElement.classList.add("js");
  nav.prev.hidden = false; nav.next.hidden = false; nav.bar.hidden = false;
  // Every speaker is shown: it reads (static/js/speak.js), or says next to itself why it cannot.
  document.querySelectorAll("[data-action=speak]").forEach(function (b) { b.hidden = false; });

  /* ---- answers in the DOM ------------------------------------------------------------- */
  function readAnswer(qid) {
    var q = spec.questions[qid], els = form.elements[qid];
    if (!els) return null;
    if (q.type === "single" || q.type === "likert") {
      var checked = form.querySelector("[name='" + qid + "']:checked");
      if (!checked) return null;
      return q.type === "likert" ? parseInt(checked.value, 10) : checked.value;
    }
    if (q.type === "multi") {
      var values = Array.prototype.map.call(form.querySelectorAll("[name='" + qid + "']:checked"), function (e) { return e.value; });
      return values.length ? values : null;
    }
    var raw = els.value;
    if (q.type === "number") {
      var t = raw.trim();
      if (/^-?[0-9]{1,15}$/.test(t)) return parseInt(t, 10);
      if (/^-?[0-9]{1,15}\.[0-9]{1,15}$/.test(t)) return parseFloat(t);
      return t || null;  // kept as typed: the validator says what is wrong, nothing is dropped
    }
    if (q.type === "text") return raw.trim() ? raw : null;
    return raw || null;
  }
  function readAll() {
    var a = {};
    Object.keys(spec.questions).forEach(function (qid) { var v = readAnswer(qid); if (v !== null) a[qid] = v; });
    return a;
  }
  function writeAnswer(qid, value) {
    var q = spec.questions[qid];
    if (q.type === "single" || q.type === "likert" || q.type === "multi") {
      var wanted = value === null || value === undefined ? [] : [].concat(value).map(String);
      form.querySelectorAll("[name='" + qid + "']").forEach(function (e) { e.checked = wanted.indexOf(e.value) >= 0; });
    } else if (form.elements[qid]) {
      form.elements[qid].value = value === null || value === undefined ? "" : String(value);
    }
  }
  function clearAll() {
    Object.keys(spec.questions).forEach(function (qid) { writeAnswer(qid, null); });
    form.querySelectorAll("[name=consent]").forEach(function (e) { e.checked = false; });
    showErrors({}, null);
  }
  var dialectBox = form.elements.dialect;
  function setDialect(code) {
    if (dialectBox && code !== undefined) dialectBox.value = code || "";
    // static/js/speak.js reads the voice here
    if (dialectBox && dialectBox.value) form.dataset.dialect = dialectBox.value; else delete form.dataset.dialect;
  }
  function readSetup() {
    var wave = form.querySelector("[name=wave]:checked");
    return { county: form.elements.county.value, site: form.elements.site.value, wave: wave ? wave.value : "",
             dialect: dialectBox ? dialectBox.value : "",
             respondent_code: form.elements.respondent_code ? form.elements.respondent_code.value.trim().toUpperCase() : "",
             respondent_code_confirm: form.elements.respondent_code_confirm ? form.elements.respondent_code_confirm.value.trim().toUpperCase() : "" };
  }
  function writeSetup(s) {
    if (!s) return;
    if (s.county) form.elements.county.value = s.county;
    filterSites();
    if (s.site !== undefined) form.elements.site.value = s.site;
    form.querySelectorAll("[name=wave]").forEach(function (e) { e.checked = e.value === s.wave; });
    if (s.dialect !== undefined) setDialect(s.dialect);
    if (form.elements.respondent_code) {
      form.elements.respondent_code.value = s.respondent_code || "";
      form.elements.respondent_code_confirm.value = s.respondent_code_confirm || s.respondent_code || "";
    }
  }
  var allSites = Array.prototype.map.call(form.elements.site.options, function (o) { return [o.value, o.text]; });
  var sitesByCounty = JSON.parse(document.getElementById("sites").textContent);
  function filterSites() {
    var keep = sitesByCounty[form.elements.county.value] || [], chosen = form.elements.site.value;
    form.elements.site.innerHTML = "";
    [["", "—"]].concat(keep).forEach(function (pair) {
      var o = document.createElement("option"); o.value = pair[0]; o.text = pair[1]; form.elements.site.add(o);
    });
    form.elements.site.value = keep.some(function (p) { return p[0] === chosen; }) ? chosen : "";
  }
  if (allSites.length) filterSites();
  form.elements.county.addEventListener("change", filterSites);

  /* ---- messages ------------------------------------------------------------------------ */
  function showErrors(errors, only) {
    form.querySelectorAll("[data-errors-for]").forEach(function (ul) {
      var name = ul.dataset.errorsFor;
      if (only && only.indexOf(name) < 0) return;
      var problems = errors[name] || [];
      ul.innerHTML = "";
      problems.forEach(function (p) {
        var li = document.createElement("li");
        li.textContent = typeof p === "string" ? p : Rules.render(spec, p, lang);
        ul.appendChild(li);
      });
      ul.hidden = !problems.length;
      var box = ul.closest(".question");
      if (box) box.classList.toggle("has-error", !!problems.length);
    });
  }
  /* A question that shows a message is judged again as soon as it is answered: the message
     and its red frame go the moment the answer is right (and say what is still wrong if not). */
  function recheck(target) {
    var box = target.closest && target.closest("[data-question]");
    if (!box || !box.classList.contains("has-error")) return;
    var qid = box.dataset.question, here = {};
    if (qid === "consent") { if (!form.querySelector("[name=consent]:checked")) return; }
    else {
      var problems = Rules.validate(spec, readAll()).errors[qid];
      if (problems) here[qid] = problems;
    }
    showErrors(here, [qid]);
  }
  function consentNeeded() { return kiosk ? T.consent_needed_kiosk : T.consent_needed; }

  /* ---- screens ------------------------------------------------------------------------- */
  function pagesOf(qids) {
    if (kiosk) return qids.map(function (q) { return [q]; });
    var likert = qids.filter(function (q) { return spec.questions[q].type === "likert"; }).length;
    if (likert <= MAX_LIKERT) return [qids];
    // as even as it goes: 12 items are 4+4+4, 9 are 3+3+3 (not 4+4+1)
    var per = Math.ceil(likert / Math.ceil(likert / MAX_LIKERT)), pages = [[]], n = 0;
    qids.forEach(function (q) {
      if (spec.questions[q].type === "likert") {
        if (n === per) { pages.push([]); n = 0; }
        n += 1;
      }
      pages[pages.length - 1].push(q);
    });
    return pages;
  }
  function buildScreens() {
    var out = [{ key: "setup", step: byName("setup"), qids: [] }];
    if (kiosk) out.push({ key: "greeting", step: byName("greeting"), qids: [] });
    if (byName("consent")) out.push({ key: "consent", step: byName("consent"), qids: [] });
    spec.sections.forEach(function (sec) {
      var step = form.querySelector("[data-section='" + sec.id + "']");
      pagesOf(sec.questions).forEach(function (qids) { out.push({ key: "q:" + qids[0], step: step, qids: qids }); });
    });
    return out;
  }
  function indexOfKey(key) {
    for (var i = 0; i < screens.length; i++) if (screens[i].key === key) return i;
    return -1;
  }
  /* The first screen of an interview (consent, else the first questions): in kiosk mode
     nothing before it can be reached from inside an interview. */
  function firstInterview() {
    for (var i = 0; i < screens.length; i++) if (screens[i].key === "consent" || screens[i].qids.length) return i;
    return 0;
  }
  function floor() { return kiosk ? (current ? firstInterview() : indexOfKey("greeting")) : 0; }

  /* ---- skip logic ---------------------------------------------------------------------- */
  function applyRelevance() {
    var r = Rules.validate(spec, readAll()), here = screens[at] ? screens[at].qids : [];
    Object.keys(spec.questions).forEach(function (qid) {
      var box = form.querySelector("[data-question='" + qid + "']");
      if (box) box.hidden = !r.relevant[qid] || here.indexOf(qid) < 0;
    });
    return r;
  }
  function screenVisible(sc, r) {
    if (!sc.qids.length) return true;
    return sc.qids.some(function (qid) { return r.relevant[qid]; });
  }

  function show(index, opts) {
    opts = opts || {};
    at = index;
    var sc = screens[index];
    hidePin();
    steps.forEach(function (s) { s.hidden = s !== sc.step; });
    updateNav();
    form.dataset.screen = sc.key;
    window.scrollTo(0, 0);
    if (current) { current.screen = sc.key; saveDraft(); }
    if (kiosk) remember(sc.key, opts.fromHistory);
    if (kiosk && (sc.qids.length || sc.key === "consent" || sc.key === "greeting")) autoplay(sc.step);
    var first = sc.step.querySelector("h2");
    if (first) { first.tabIndex = -1; first.focus({ preventScroll: true }); }
  }
  function updateNav() {
    var sc = screens[at], outside = sc.key === "setup" || sc.key === "greeting", r = applyRelevance();
    var last = 0, shown = [];
    screens.forEach(function (s, i) {
      if (s.key === "setup" || s.key === "greeting" || !screenVisible(s, r)) return;
      last = i; shown.push(i);
    });
    var declining = sc.key === "consent" && form.querySelector("[name=consent][value=decline]:checked");
    navEl.hidden = outside;
    nav.prev.hidden = outside || at <= floor();
    nav.next.hidden = outside || (at >= last && !declining);
    nav.submit.hidden = outside || at < last || !!declining;
    var n = Math.max(1, shown.indexOf(at) + 1), total = Math.max(1, shown.length);
    var words = T.page_of.replace("{n}", n).replace("{total}", total);
    nav.bar.firstElementChild.style.width = Math.round(100 * n / total) + "%";
    nav.bar.setAttribute("aria-valuenow", String(n));
    nav.bar.setAttribute("aria-valuemax", String(total));
    nav.bar.setAttribute("aria-valuetext", words);
    nav.words.textContent = words;
  }
  function move(delta) {
    var r = applyRelevance(), i = at + delta;
    while (i > floor() && i < screens.length && !screenVisible(screens[i], r)) i += delta;
    if (i >= floor() && i < screens.length) show(i);
  }
  function screenOf(qid) {
    if (qid === "consent") return indexOfKey("consent");
    for (var i = 0; i < screens.length; i++) if (screens[i].qids.indexOf(qid) >= 0) return i;
    return -1;
  }

  /* ---- the set-up, consent, and the end -------------------------------------------------- */
  function setupErrors(s) {
    var e = {}, clock = Sync.clockProblem();
    if (clock) e.clock = [fill(T[clock.code], clock)];
    if (!s.county) e.county = [T.required];
    if (spec.wave === "required" && !s.wave) e.wave = [T.required];
    if (spec.respondent_code !== "none") {
      if (spec.respondent_code === "required" && !s.respondent_code) e.respondent_code = [T.required];
      else if (s.respondent_code && !/^[A-Z0-9][A-Z0-9_-]{0,63}$/.test(s.respondent_code)) e.respondent_code = [T.code];
      if (s.respondent_code !== s.respondent_code_confirm) e.respondent_code_confirm = [T.mismatch];
    }
    return e;
  }
  /* Starts an interview once the set-up is right and its respondent code is cleared: a code
     used before (on this tablet, or known to the server for this wave) needs a deliberate
     "the same person" (opts.reuse), and at the follow-up a code not on the village's list a
     "new respondent" (opts.unknown).  Nothing starts until then.  In the kiosk's set-up the
     same checks put a code in the queue instead (codeFor "queue"). */
  var checking = false, codeFor = "start";
  function cleared(s, opts, then) {
    if (checking) return Promise.resolve();
    checking = true;
    return codeCheck(s).then(function (c) {
      checking = false;
      if (c.reuse && !opts.reuse) { prompt(warning, c.reuse); return; }
      if (c.unknown && !opts.reuse && !opts.unknown) { prompt(unknownBox, c.unknown); return; }
      hidePrompts();
      return then({ code_reuse_confirmed: !!c.reuse, post_only_confirmed: !!(c.unknown && opts.unknown) });
    }, function () { checking = false; });
  }
  function begin(opts) {
    opts = opts || {};
    codeFor = "start";
    var s = readSetup(), e = setupErrors(s);
    showErrors(e, ["clock", "county", "site", "wave", "respondent_code", "respondent_code_confirm"]);
    if (Object.keys(e).length) return Promise.resolve();
    return cleared(s, opts, function (flags) { start(s, flags); });
  }
  function start(s, flags) {
    if (!kiosk) Store.setMeta("setup", { county: s.county, site: s.site, wave: s.wave, dialect: s.dialect });
    current = { uuid: crypto.randomUUID(), questionnaire: spec.id, version: spec.version, page: location.pathname + "?version=" + spec.version,
                setup: s, answers: {}, started_at: isoNow(), updated_at: isoNow(), screen: null };
    if (kiosk) current.kiosk = true;
    Object.keys(flags).forEach(function (k) { if (flags[k]) current[k] = true; });
    clearAll();
    form.dataset.uuid = current.uuid;
    var uuid = current.uuid;
    return saveDraft().then(function () { return kiosk ? updateKiosk(function (k) { k.active = uuid; }) : null; })
      .then(function () { show(firstInterview()); });
  }
  function isoNow() {
    var d = new Date(), off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-", pad = function (n) { return String(Math.abs(n)).padStart(2, "0"); };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) +
      sign + pad(Math.floor(Math.abs(off) / 60)) + ":" + pad(Math.abs(off) % 60);
  }
  function envelope() {
    var s = current.setup, body = { uuid: current.uuid, questionnaire: spec.id, version: spec.version, county: s.county };
    if (s.site) body.site = s.site;
    if (spec.wave !== "none" && s.wave) body.wave = s.wave;
    return body;
  }
  function finish(kind) {
    var body = envelope(), deviceId;
    clearTimeout(idleTimer);
    if (preview) return tryOut(kind, body);
    return Sync.deviceId().then(function (id) {
      deviceId = id;
      if (kind === "refusal") {
        delete body.version;  // nothing of the questionnaire's content is kept
        body.declined_at = isoNow();
      } else {
        if (spec.respondent_code !== "none" && current.setup.respondent_code) body.respondent_code = current.setup.respondent_code;
        body.started_at = current.started_at;
        body.completed_at = isoNow();
        body.answers = Rules.validate(spec, readAll()).answers;
      }
      body.device_id = deviceId;
      return Store.enqueue({ uuid: current.uuid, kind: kind, body: body, state: "pending", queued_at: new Date().toISOString(), attempts: 0 });
    }).then(function () {
      // A follow-up interview done: its respondent is ticked off the list on this tablet at once.
      if (kind === "submission" && body.wave === "post") return Sync.markFollowed(body).then(loadFollowups, function () {});
    }).then(function () {
      // kiosk: this respondent is done; a reload now greets the next one
      return kiosk ? updateKiosk(function (k) { k.active = null; k.queue.shift(); }) : null;
    }).then(function () {
      var uuid = current.uuid;
      current = null;
      delete form.dataset.uuid;
      done(kind, uuid);
      refreshCount();
      Sync.run();
    });
  }
  function done(kind, uuid) {
    steps.forEach(function (s) { s.hidden = true; });
    navEl.hidden = true;
    status.hidden = false;
    status.dataset.status = "queued";
    status.dataset.uuid = uuid;
    status.querySelector("h2").textContent = kind === "refusal" ? T.refused : T.thanks;
    status.querySelector("p").textContent = T.queued;
    clearAll();
    clearCodes();  // the next person never inherits this one's code
    if (kiosk) {
      form.dataset.screen = "thanks";
      remember("thanks");
      autoplay(status.querySelector(".kiosk-thanks"));
      clearTimeout(doneTimer);
      doneTimer = setTimeout(afterThanks, DONE_MS);
    }
  }
  Sync.onChange(function () {
    refreshCount();
    if (status.dataset.uuid) {
      Store.get("sent", status.dataset.uuid).then(function (sent) {
        if (sent && !status.hidden) { status.dataset.status = "saved"; status.querySelector("p").textContent = T.saved; }
      });
    }
  });

  /* ---- drafts ---------------------------------------------------------------------------- */
  var saving = Promise.resolve();
  function saveDraft() {
    if (!current) return saving;
    current.answers = readAll();
    var consent = form.querySelector("[name=consent]:checked");
    current.consent = consent ? consent.value : null;
    current.updated_at = isoNow();
    var copy = JSON.parse(JSON.stringify(current));
    saving = saving.then(function () { return Store.put("drafts", copy); });
    return saving;
  }
  function resume(draft) {
    if (draft.version !== spec.version) { location.href = location.pathname + "?version=" + draft.version + "&resume=" + draft.uuid; return; }
    current = draft;
    if (!kiosk && draft.abandoned_in_kiosk) { delete draft.abandoned_in_kiosk; }  // the social worker takes it over
    form.dataset.uuid = draft.uuid;
    writeSetup(draft.setup);
    clearAll();
    Object.keys(draft.answers || {}).forEach(function (qid) { if (spec.questions[qid]) writeAnswer(qid, draft.answers[qid]); });
    form.querySelectorAll("[name=consent]").forEach(function (e) { e.checked = e.value === draft.consent; });
    status.hidden = true;
    var i = indexOfKey(draft.screen);
    show(i >= floor() ? i : firstInterview(), { fromHistory: true });
  }
  function listDrafts() {
    var box = document.getElementById("drafts");
    return Store.all("drafts").then(function (drafts) {
      drafts = drafts.filter(function (d) { return d.questionnaire === spec.id; });
      box.hidden = !drafts.length || kiosk;
      var ul = box.querySelector("ul");
      ul.innerHTML = "";
      drafts.sort(function (a, b) { return a.updated_at < b.updated_at ? 1 : -1; }).forEach(function (d) {
        var li = document.createElement("li"), b = document.createElement("button");
        b.type = "button"; b.className = "secondary"; b.dataset.action = "resume"; b.dataset.uuid = d.uuid;
        b.textContent = T.resume + " · " + (d.setup.respondent_code || "—") + " · " + d.updated_at.slice(5, 16).replace("T", " ") +
          (d.abandoned_in_kiosk ? " · " + T.abandoned : "");
        if (d.abandoned_in_kiosk) b.dataset.abandoned = "1";
        b.addEventListener("click", function () { resume(d); });
        li.appendChild(b); ul.appendChild(li);
      });
      return drafts;
    });
  }

  /* ---- respondent codes: the reuse warning, the follow-up list (回访名单) --------------------
     Pairing keeps one respondent per (questionnaire, county, code) and wave, the latest: a code
     given to a second person silently drops the first from the pre/post comparison.  So the
     code boxes start empty for every person, a code seen before for this wave (on this tablet,
     or on the server's list) must be confirmed as the same person, and at the follow-up the
     village's baseline respondents are offered to pick from, offline, from the kept list. */
  var hasCodes = spec.respondent_code !== "none" && !!form.elements.respondent_code;
  var warning = form.querySelector("[data-code-warning]"), unknownBox = form.querySelector("[data-followup-unknown]");
  var fuBox = form.querySelector("[data-followups]");  // present when the questionnaire has waves and codes
  var fuSearch = fuBox && fuBox.querySelector("[data-followup-search]");
  var followups = null;  // the kept worklist {questionnaire, fetched_at, items}, if ever fetched
  var ORDER = { to_see: 0, followed: 1, moved: 2, deceased: 3, not_found: 4 };

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return values[k] === undefined ? m : String(values[k]); });
  }
  function day(iso) { return iso ? String(iso).slice(0, 10) : ""; }
  function localTime(iso) {
    var d = new Date(iso), pad = function (n) { return String(n).padStart(2, "0"); };
    if (isNaN(d.getTime())) return "";
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function typedCode() { return hasCodes ? form.elements.respondent_code.value.trim().toUpperCase() : ""; }

  function hidePrompts() {
    [warning, unknownBox].forEach(function (box) { if (box) box.hidden = true; });
  }
  function prompt(box, message) {
    hidePrompts();
    var p = box.querySelector("[data-message]");
    p.textContent = message;
    box.hidden = false;
    box.scrollIntoView({ block: "center" });
    p.focus({ preventScroll: true });  // not a button: a stray tap or Enter must not answer for the worker
  }
  function clearCodes() {
    if (!hasCodes) return;
    form.elements.respondent_code.value = "";
    form.elements.respondent_code_confirm.value = "";
    if (fuSearch) fuSearch.value = "";
    hidePrompts();
    renderFollowups();
  }
  function retype() {
    clearCodes();
    form.elements.respondent_code.focus();
  }

  /* When this tablet used the set-up's code for this questionnaire, county and wave: its
     queue, its sent log (entries from before the log kept codes are not matched) and drafts
     begun, other than the one open. */
  function usedHere(s, wave) {
    function same(q, county, w, code) {
      return q === spec.id && county === s.county && (w || "") === (wave || "") && code === s.respondent_code;
    }
    return Promise.all([Store.all("queue"), Store.all("sent"), Store.all("drafts")]).then(function (r) {
      var when = [];
      r[0].forEach(function (i) {
        var b = i.body || {};
        if (i.kind === "submission" && same(b.questionnaire, b.county, b.wave, b.respondent_code)) when.push(b.completed_at || i.queued_at);
      });
      r[1].forEach(function (i) {
        if (i.kind === "submission" && same(i.questionnaire, i.county, i.wave, i.respondent_code)) when.push(i.completed_at || i.at);
      });
      r[2].forEach(function (d) {
        var x = d.setup || {};
        if ((!current || d.uuid !== current.uuid) && same(d.questionnaire, x.county, x.wave, x.respondent_code)) when.push(d.started_at);
      });
      return when.sort();
    });
  }
  function onList(county, code) {
    return followups ? followups.items.filter(function (i) { return i.county === county && i.respondent_code === code; }) : [];
  }
  function siteName(county, code) {
    var hit = (sitesByCounty[county] || []).filter(function (p) { return p[0] === code; })[0];
    return hit ? hit[1] : code;
  }
  /* What to ask before this set-up starts: {reuse: message} for a code seen before for this
     wave, {unknown: message} at the follow-up for a code the village's list does not have. */
  function codeCheck(s) {
    if (!hasCodes || !s.respondent_code) return Promise.resolve({});
    var code = s.respondent_code;
    return Promise.all([usedHere(s, s.wave), s.wave === "post" ? usedHere(s, "pre") : []]).then(function (r) {
      var out = {}, listed = onList(s.county, code);
      if (r[0].length) {
        out.reuse = fill(T.code_used_here, { code: code, date: day(r[0][r[0].length - 1]) });
      } else if (s.wave === "pre" && listed.length) {
        out.reuse = fill(T.code_known_pre, { code: code, date: day(listed[0].pre_completed_at) });
      } else if (s.wave === "post" && listed.some(function (i) { return i.followed; })) {
        out.reuse = fill(T.code_known_post, { code: code });
      }
      if (s.wave === "post" && followups && !r[1].length) {
        var here = s.site ? listed.filter(function (i) { return i.site === s.site; }) : listed;
        if (!here.length) {
          out.unknown = fill(s.site ? T.code_not_on_village_list : T.code_not_on_county_list, { code: code });
          var elsewhere = listed.filter(function (i) { return i.site; })[0];
          if (elsewhere) out.unknown += " " + fill(T.code_on_other_list, { place: siteName(s.county, elsewhere.site) });
        }
      }
      return out;
    });
  }

  /* The chosen village's baseline respondents as big buttons, those still to see first. */
  function renderFollowups() {
    if (!fuBox) return;
    var s = readSetup(), shown = s.wave === "post" && !kiosk;
    fuBox.hidden = !shown;
    if (!shown) return;
    var count = fuBox.querySelector("[data-followup-count]"), updated = fuBox.querySelector("[data-followup-updated]");
    var ul = fuBox.querySelector("[data-followup-list]"), finder = fuBox.querySelector(".followup-find");
    ul.innerHTML = "";
    fuBox.dataset.fetchedAt = followups ? followups.fetched_at : "";
    var age = followups ? Math.floor((Date.now() - new Date(followups.fetched_at).getTime()) / 86400000) : 0;
    updated.textContent = !followups ? T.fu_missing :
      fill(T.fu_updated, { time: localTime(followups.fetched_at) }) + (age >= 1 ? fill(T.fu_days_ago, { days: age }) : "");
    updated.classList.toggle("missing", !followups);
    var items = followups && s.site ? followups.items.filter(function (i) { return i.county === s.county && i.site === s.site; }) : [];
    finder.hidden = !items.length;
    if (!followups) { count.textContent = ""; filterFollowups(); return; }
    if (!s.site) { count.textContent = T.fu_pick_village; filterFollowups(); return; }
    var n = { followed: 0, to_see: 0, other: 0 };
    items.forEach(function (i) {
      if (i.followed) i.status = "followed";
      n[i.status === "followed" || i.status === "to_see" ? i.status : "other"] += 1;
    });
    count.textContent = items.length ? fill(T.fu_count, { n: items.length, followed: n.followed, to_see: n.to_see, other: n.other }) : T.fu_none;
    var rank = function (i) { return i.status in ORDER ? ORDER[i.status] : 9; };
    items.sort(function (a, b) {
      return rank(a) - rank(b) || (a.respondent_code < b.respondent_code ? -1 : 1);
    }).forEach(function (i) {
      var li = document.createElement("li"), b = document.createElement("button");
      b.type = "button";
      b.className = "followup-code";
      b.dataset.followupCode = i.respondent_code;
      b.dataset.followupStatus = i.status;
      [["code", i.respondent_code], ["when", fill(T.fu_baseline, { date: day(i.pre_completed_at) })],
       ["state", T["fu_" + i.status] || i.status]].forEach(function (part) {
        var span = document.createElement("span");
        span.className = part[0];
        span.textContent = part[1];
        b.appendChild(span);
      });
      li.appendChild(b);
      ul.appendChild(li);
    });
    filterFollowups();
    markChosen();
  }
  function filterFollowups() {
    if (!fuBox) return;
    var q = fuSearch.value.trim().toUpperCase(), shown = 0;
    fuBox.querySelectorAll("[data-followup-list] li").forEach(function (li) {
      var hit = !q || li.firstChild.dataset.followupCode.toUpperCase().indexOf(q) >= 0;
      li.hidden = !hit;
      if (hit) shown += 1;
    });
    var none = fuBox.querySelector("[data-followup-nomatch]");
    none.hidden = !q || shown > 0;
    none.textContent = fill(T.fu_no_match, { q: q });
  }
  function markChosen() {
    if (!fuBox) return;
    var code = typedCode();
    fuBox.querySelectorAll("[data-followup-code]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(!!code && b.dataset.followupCode === code));
    });
  }
  function pick(button) {
    var code = button.dataset.followupCode;
    form.elements.respondent_code.value = code;
    form.elements.respondent_code_confirm.value = code;
    showErrors({}, ["respondent_code", "respondent_code_confirm"]);
    hidePrompts();
    markChosen();
    // Already followed: say so now, not only at 开始访问 (which asks again all the same).
    // Otherwise bring the filled code boxes and 开始访问 into view: a long list pushes them down.
    codeCheck(readSetup()).then(function (c) {
      if (typedCode() !== code) return;
      if (c.reuse) prompt(warning, c.reuse);
      else form.querySelector("[data-field=respondent_code]").scrollIntoView({ block: "start", behavior: "smooth" });
    });
  }
  function loadFollowups() {
    if (!fuBox) return Promise.resolve();
    return Sync.followups(spec.id).then(function (list) { followups = list || null; renderFollowups(); });
  }
  /* Fetched whenever there is signal: at page load, after a sync run that delivered something
     (or ten minutes after the last fetch), and when the service worker has refreshed its cache. */
  var lastFetch = 0;
  function refreshFollowups(minGapMs) {
    if (!fuBox || !navigator.onLine || Date.now() - lastFetch < minGapMs) return Promise.resolve();
    lastFetch = Date.now();
    return Sync.fetchFollowups(spec.id).then(function (list) { if (list) { followups = list; renderFollowups(); } });
  }

  /* ---- the pending count, storage, log-in ------------------------------------------------ */
  var indicator = document.getElementById("sync-indicator");
  function refreshCount() {
    return Promise.all([Sync.counts(), Store.meta("needs_login"), Store.meta("device_problem")]).then(function (r) {
      var c = r[0];
      indicator.dataset.pendingCount = String(c.pending + c.review);
      indicator.querySelector(".n").textContent = String(c.pending + c.review);
      indicator.querySelector(".review").hidden = !c.review;
      indicator.querySelector(".review .m").textContent = String(c.review);
      document.getElementById("relogin").hidden = !r[1];
      var problem = document.getElementById("device-problem");
      problem.hidden = !r[2];
      problem.textContent = r[2] || "";
    });
  }
  function checkStorage() {
    var warn = document.getElementById("storage-warning");
    if (!navigator.storage) return;
    var persisted = navigator.storage.persist ? navigator.storage.persist() : Promise.resolve(false);
    persisted.then(function (ok) {
      return (navigator.storage.estimate ? navigator.storage.estimate() : Promise.resolve({})).then(function (est) {
        var full = est.quota && est.usage / est.quota > 0.9;
        warn.hidden = ok && !full;
        warn.textContent = full ? T.storage_full : T.storage_not_persistent;
      });
    }).catch(function () {});
  }

  /* ---- audio: static/js/speak.js (window.SanquSpeak) when it is there, else the old way ---- */
  var playing = null;
  function speak(button) {
    var S = window.SanquSpeak, box = button.closest(".question, .kiosk-thanks, .step");
    if (S && S.speak) { S.speak(box); return; }
    if (playing) { playing.pause(); playing = null; }
    if (button.dataset.audio) { playing = new Audio(button.dataset.audio); playing.play().catch(function () {}); return; }
    if (!window.speechSynthesis) return;
    var label = box.querySelector(".qlabel") || box.querySelector("[data-prompt]");
    if (!label) return;
    window.speechSynthesis.cancel();
    var u = new SpeechSynthesisUtterance(label.textContent.trim());
    u.lang = lang === "en" ? "en-GB" : "zh-CN";
    window.speechSynthesis.speak(u);
  }
  function autoplay(container) {
    var S = window.SanquSpeak;
    if (S && S.speak) {
      S.speak(container.querySelector(".question:not([hidden])") || container);
      return;
    }
    var b = container.querySelector(".question:not([hidden]) [data-action=speak][data-audio]");
    if (b) speak(b);
  }
  function sayBack(input) {
    var S = window.SanquSpeak, label = input.closest("label");
    if (!kiosk || !S || !S.sayBack || !label) return;
    S.sayBack(label.querySelector("[data-prompt]") || label.querySelector("span") || label);
  }

  /* ---- kiosk mode ------------------------------------------------------------------------ */
  function digest(pin) {
    return crypto.subtle.digest("SHA-256", new TextEncoder().encode("sanqu-kiosk:" + pin)).then(function (buf) {
      return Array.from(new Uint8Array(buf)).map(function (b) { return b.toString(16).padStart(2, "0"); }).join("");
    });
  }
  /* Store meta "kiosk": {pin (digest), setup {county, site, wave, dialect}, queue [{code, flags}],
     open (no queue: greet villager after villager until the PIN), active (the draft's uuid)}. */
  var kioskMeta = null;
  function updateKiosk(change) {
    return Store.meta("kiosk").then(function (k) {
      if (!k) return null;
      change(k);
      kioskMeta = k;
      return Store.setMeta("kiosk", k);
    });
  }

  /* The staff's queue of respondents, filled on the set-up before the handover. */
  var staffQueue = [];
  var queueList = document.getElementById("kiosk-queue");
  function renderQueue() {
    if (!queueList) return;
    queueList.innerHTML = "";
    if (!staffQueue.length) {
      var empty = document.createElement("li");
      empty.className = "muted empty";
      empty.textContent = T.queue_empty;
      queueList.appendChild(empty);
    }
    staffQueue.forEach(function (entry, i) {
      var li = document.createElement("li"), code = document.createElement("span"), b = document.createElement("button");
      code.className = "code"; code.textContent = entry.code;
      b.type = "button"; b.className = "secondary"; b.textContent = T.queue_remove;
      b.setAttribute("aria-label", T.queue_remove + " " + entry.code);
      b.addEventListener("click", function () { staffQueue.splice(i, 1); renderQueue(); });
      li.dataset.queuedCode = entry.code;
      li.appendChild(code); li.appendChild(b);
      queueList.appendChild(li);
    });
  }
  function queueAdd(opts) {
    opts = opts || {};
    codeFor = "queue";
    var s = readSetup(), e = setupErrors(s);
    if (!s.respondent_code) e.respondent_code = [T.queue_need_code];
    else if (staffQueue.some(function (q) { return q.code === s.respondent_code; })) e.respondent_code = [T.queue_duplicate];
    showErrors(e, ["clock", "county", "site", "wave", "respondent_code", "respondent_code_confirm"]);
    if (Object.keys(e).length) return Promise.resolve(false);
    var added = false;
    return cleared(s, opts, function (flags) {
      staffQueue.push({ code: s.respondent_code, flags: flags });
      added = true;
      clearCodes();
      renderQueue();
    }).then(function () { return added; });
  }
  /* "生成编码": the device's own id (a random uuid made once per tablet and kept in IndexedDB)
     cut to 8 hex digits, then this tablet's running number: K3F9A01C2-007.  The number never
     repeats on this tablet (kept in Store meta, counted up before the code is shown, skipping
     any code this tablet has used), and two tablets share the prefix with a chance of about
     1 in 4 billion a pair, where numbering alone (or the time) would collide between tablets
     working the same day.  Social workers read it back to the villager's paper slip. */
  function generateCode() {
    return Promise.all([Sync.deviceId(), Store.meta("code_seq")]).then(function (r) {
      var prefix = "K" + r[0].replace(/-/g, "").slice(0, 8).toUpperCase(), seq = Number(r[1]) || 0;
      function next() {
        seq += 1;
        var code = prefix + "-" + String(seq).padStart(3, "0"), s = readSetup();
        s.respondent_code = code;
        return usedHere(s, s.wave).then(function (used) {
          if (used.length || staffQueue.some(function (q) { return q.code === code; })) return next();
          return code;
        });
      }
      return next().then(function (code) {
        return Store.setMeta("code_seq", seq).then(function () { return code; });
      });
    }).then(function (code) {
      form.elements.respondent_code.value = code;
      form.elements.respondent_code_confirm.value = code;
      showErrors({}, ["respondent_code", "respondent_code_confirm"]);
      hidePrompts();
      markChosen();
    });
  }
  function enterKiosk() {
    var s = readSetup(), all = setupErrors({ county: s.county, wave: s.wave, respondent_code: "", respondent_code_confirm: "" }), e = {};
    ["clock", "county", "wave"].forEach(function (k) { if (all[k]) e[k] = all[k]; });
    if (!s.site && (sitesByCounty[s.county] || []).length) e.site = [T.required];
    var pin = document.getElementById("kiosk-pin").value;
    var pinBad = !/^[0-9]{4,8}$/.test(pin);
    showErrors(e, ["clock", "county", "site", "wave"]);
    showErrors(pinBad ? { kiosk_pin: [T.pin_rule] } : {}, ["kiosk_pin"]);
    if (Object.keys(e).length || pinBad) return;
    // a code typed (or picked, or generated) but not yet queued goes in first
    var typed = hasCodes && s.respondent_code ? queueAdd() : Promise.resolve(true);
    typed.then(function (ok) {
      if (!ok) return;
      if (hasCodes && spec.respondent_code === "required" && !staffQueue.length) {
        showErrors({ respondent_code: [T.queue_need_code] }, ["respondent_code"]);
        return;
      }
      var k = { pin: null, setup: { county: s.county, site: s.site, wave: s.wave, dialect: s.dialect },
                queue: staffQueue.slice(), open: !staffQueue.length, active: null };
      return digest(pin).then(function (h) {
        k.pin = h;
        return Store.setMeta("kiosk", k);
      }).then(function () {
        document.getElementById("kiosk-pin").value = "";
        staffQueue = []; renderQueue();
        startKiosk(k);
      });
    });
  }
  function startKiosk(k) {
    k.queue = k.queue || [];
    if (k.open === undefined) k.open = !k.queue.length;  // kept by an older page: no queue
    kiosk = true;
    kioskMeta = k;
    screens = buildScreens();
    document.body.classList.add("kiosk");
    document.getElementById("drafts").hidden = true;
    setDialect(k.setup.dialect);
    renderFollowups();  // other villagers' codes are not shown to villagers
    if (k.active) {
      return Store.get("drafts", k.active).then(function (d) {
        if (d && !d.abandoned_in_kiosk) resume(d); else nextVillager();
      });
    }
    return nextVillager();
  }
  /* The next villager's greeting, clean; or the hand-back screen when the queue is done. */
  function nextVillager() {
    clearTimeout(idleTimer); clearTimeout(doneTimer);
    current = null;
    delete form.dataset.uuid;
    return Store.meta("kiosk").then(function (k) {
      kioskMeta = k;
      clearAll();
      clearCodes();
      status.hidden = true;
      status.dataset.status = ""; delete status.dataset.uuid;
      writeSetup({ county: k.setup.county, site: k.setup.site, wave: k.setup.wave, dialect: k.setup.dialect, respondent_code: "" });
      hidePrompts();
      if (!k.open && !k.queue.length) { showPin("handback"); return; }
      show(indexOfKey("greeting"));
    });
  }
  function greet() {
    var k = kioskMeta, head = k.queue[0];
    var s = { county: k.setup.county, site: k.setup.site, wave: k.setup.wave, dialect: k.setup.dialect,
              respondent_code: head ? head.code : "", respondent_code_confirm: head ? head.code : "" };
    start(s, head ? head.flags || {} : {});
  }
  function afterThanks() {
    clearTimeout(doneTimer);
    if (kiosk) nextVillager();
  }
  /* Walked away: the half-filled response stays on the tablet for the social worker (the
     list of drafts after the PIN), and the next villager starts clean. */
  function idleOut() {
    if (!kiosk || !current) return;
    var leftover = current;
    current = null;
    return saving.then(function () { return Store.get("drafts", leftover.uuid); }).then(function (d) {
      if (d) { d.abandoned_in_kiosk = true; return Store.put("drafts", d); }
    }).then(function () {
      return updateKiosk(function (k) { k.active = null; if (k.queue.length && k.queue[0].code === (leftover.setup.respondent_code || "")) k.queue.shift(); });
    }).then(nextVillager);
  }
  function touched() {
    if (!kiosk) return;
    clearTimeout(idleTimer);
    if (current) idleTimer = setTimeout(idleOut, idleMs());
  }

  /* The PIN screen: big keys to tap, so it works on any touch screen without the system keyboard. */
  var pinInput = document.getElementById("pin-input"), pinError = document.getElementById("pin-error");
  var pinMode = null, pinFrom = null;
  function showPin(mode) {
    pinMode = mode;
    pinFrom = { status: !status.hidden, screen: at };
    clearTimeout(idleTimer); clearTimeout(doneTimer);
    form.hidden = true;
    status.hidden = true;
    pinScreen.hidden = false;
    pinScreen.dataset.mode = mode;
    document.getElementById("kiosk-exit").hidden = true;
    form.dataset.screen = "pin";
    document.getElementById("pin-title").textContent = mode === "handback" ? T.pin_handback : T.pin_staff;
    pinScreen.querySelector("[data-action=pin-cancel]").hidden = mode === "handback";
    pinInput.value = "";
    pinError.hidden = true;
    remember("pin");
    document.getElementById("pin-title").focus({ preventScroll: true });
  }
  function hidePin() {
    if (pinScreen.hidden) return;
    pinScreen.hidden = true;
    form.hidden = false;
    document.getElementById("kiosk-exit").hidden = false;
    pinMode = null;
  }
  function pinCancel() {
    var from = pinFrom || { status: false, screen: at };
    hidePin();
    if (from.status) { status.hidden = false; form.dataset.screen = "thanks"; doneTimer = setTimeout(afterThanks, DONE_MS); }
    else show(from.screen);
    touched();
  }
  function pinKey(key) {
    pinError.hidden = true;
    if (key === "back") pinInput.value = pinInput.value.slice(0, -1);
    else if (key === "ok") checkPin();
    else if (/^[0-9]$/.test(key) && pinInput.value.length < 8) pinInput.value += key;
  }
  function checkPin() {
    var pin = pinInput.value;
    Promise.all([digest(pin), Store.meta("kiosk")]).then(function (r) {
      if (!r[1] || r[0] !== r[1].pin) {
        pinInput.value = "";
        pinError.textContent = T.pin_wrong;
        pinError.hidden = false;
        return;
      }
      return exitKiosk(r[1]);
    });
  }
  function exitKiosk(k) {
    var leftover = current;
    current = null;
    delete form.dataset.uuid;
    var after = leftover ? saving.then(function () { return Store.get("drafts", leftover.uuid); }).then(function (d) {
      if (d) { d.abandoned_in_kiosk = true; return Store.put("drafts", d); }  // kept, listed for the social worker
    }) : Promise.resolve();
    return after.then(function () { return Store.setMeta("kiosk", null); }).then(function () {
      kiosk = false;
      kioskMeta = null;
      document.body.classList.remove("kiosk");
      screens = buildScreens();
      hidePin();
      status.hidden = true; status.dataset.status = ""; delete status.dataset.uuid;
      clearAll();
      // the villagers still waiting go back to the staff's queue
      staffQueue = (k.queue || []).filter(function (q) { return !leftover || q.code !== leftover.setup.respondent_code; });
      renderQueue();
      writeSetup({ county: k.setup.county, site: k.setup.site, wave: k.setup.wave, dialect: k.setup.dialect, respondent_code: "" });
      clearCodes();
      show(0);
      return listDrafts();
    });
  }

  /* ---- history: inside an interview, back goes back a screen and never leaves ------------- */
  function remember(key, fromHistory) {
    if (!kiosk || fromHistory) return;
    var state = { sanqu: "kiosk", key: key, uuid: current ? current.uuid : null };
    // An entry added without a tap may be skipped by the browser's back button (Chrome's
    // history intervention): replace instead, so the one the tap added stays in front of the
    // staff pages.
    if (navigator.userActivation && !navigator.userActivation.isActive) history.replaceState(state, "");
    else history.pushState(state, "");
  }
  window.addEventListener("popstate", function (ev) {
    if (!kiosk) return;
    var st = ev.state, i = st && st.sanqu === "kiosk" ? indexOfKey(st.key) : -1;
    if (pinScreen.hidden && i >= floor() && st.uuid === (current ? current.uuid : null)) {
      show(i, { fromHistory: true });
      return;
    }
    // behind it lie the set-up, another villager's interview or the staff pages: stay here
    var key = !pinScreen.hidden ? "pin" : form.dataset.screen;
    history.pushState({ sanqu: "kiosk", key: key, uuid: current ? current.uuid : null }, "");
  });
  window.addEventListener("beforeunload", function (ev) {
    if (!kiosk) return;
    ev.preventDefault();
    ev.returnValue = "";  // the browser asks before the page is left or reloaded
  });

  /* ---- export (the escape hatch) --------------------------------------------------------- */
  function exportQueue() {
    Promise.all([Store.all("queue"), Sync.deviceId()]).then(function (r) {
      var data = { format: "sanqu-queue", version: 1, device_id: r[1], exported_at: new Date().toISOString(),
                   items: r[0].map(function (i) { return { kind: i.kind, body: i.body, state: i.state }; }) };
      var a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 1)], { type: "application/json" }));
      a.download = "sanqu-queue-" + r[1].slice(0, 8) + "-" + data.exported_at.slice(0, 10) + ".json";
      document.body.appendChild(a); a.click(); a.remove();
    });
  }

  /* ---- wiring ---------------------------------------------------------------------------- */
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!current) { if (!kiosk) begin(); return; }
    var r = Rules.validate(spec, readAll()), errors = r.errors, firstBad = -1;
    var consent = form.querySelector("[name=consent]:checked");
    if (spec.consent && !consent) errors.consent = [consentNeeded()];
    Object.keys(errors).forEach(function (qid) {
      var i = screenOf(qid);
      if (i >= 0 && (firstBad < 0 || i < firstBad)) firstBad = i;
    });
    if (firstBad >= 0) { show(firstBad); showErrors(errors, null); return; }
    saveDraft().then(function () { finish("submission"); });
  });
  form.addEventListener("click", function (ev) {
    var chosen = ev.target.closest("[data-followup-code]");
    if (chosen) { pick(chosen); return; }
    var b = ev.target.closest("[data-action]");
    if (!b) return;
    var action = b.dataset.action;
    if (action === "start") { ev.preventDefault(); begin(); }
    else if (action === "confirm-code") (codeFor === "queue" ? queueAdd : begin)({ reuse: true });
    else if (action === "new-respondent") (codeFor === "queue" ? queueAdd : begin)({ unknown: true });
    else if (action === "change-code" || action === "retype") retype();
    else if (action === "generate-code") generateCode();
    else if (action === "queue-add") queueAdd();
    else if (action === "greet") greet();
    else if (action === "next") {
      var sc = screens[at];
      if (sc.key === "consent") {
        var c = form.querySelector("[name=consent]:checked");
        if (!c) { showErrors({ consent: [consentNeeded()] }, ["consent"]); return; }
        if (c.value === "decline") { finish("refusal"); return; }
        showErrors({}, ["consent"]);
        move(1); return;
      }
      var r = Rules.validate(spec, readAll()), ids = sc.qids.filter(function (q) { return r.relevant[q]; }), here = {};
      ids.forEach(function (qid) { if (r.errors[qid]) here[qid] = r.errors[qid]; });
      showErrors(here, ids);
      if (!Object.keys(here).length) move(1);
    }
    else if (action === "prev") move(-1);
    else if (action === "speak") speak(b);
  });
  status.addEventListener("click", function (ev) {
    var b = ev.target.closest("[data-action]");
    if (!b) return;
    if (b.dataset.action === "speak") speak(b);
    else if (b.dataset.action === "thanks-done") afterThanks();
  });
  pinScreen.addEventListener("click", function (ev) {
    var key = ev.target.closest("[data-key]"), b = ev.target.closest("[data-action=pin-cancel]");
    if (key) pinKey(key.dataset.key);
    else if (b) pinCancel();
  });
  document.addEventListener("keydown", function (ev) {
    if (pinScreen.hidden) return;
    if (/^[0-9]$/.test(ev.key)) pinKey(ev.key);
    else if (ev.key === "Backspace") pinKey("back");
    else if (ev.key === "Enter") { ev.preventDefault(); pinKey("ok"); }
  });
  var PLACE = ["county", "site", "wave"], CODES = ["respondent_code", "respondent_code_confirm"];
  form.addEventListener("change", function (ev) {
    if (current) { updateNav(); saveDraft(); }
    recheck(ev.target);
    if (ev.target === dialectBox) {
      setDialect();
      if (!kiosk) Store.meta("setup").then(function (s) { s = s || {}; s.dialect = dialectBox.value; return Store.setMeta("setup", s); });
    }
    if (PLACE.indexOf(ev.target.name) >= 0) { hidePrompts(); renderFollowups(); }
    if (current && (ev.target.type === "radio" || ev.target.type === "checkbox")) sayBack(ev.target);
    touched();
  });
  form.addEventListener("input", function (ev) {
    if (current) saveDraft();
    recheck(ev.target);
    if (CODES.indexOf(ev.target.name) >= 0) { hidePrompts(); markChosen(); }
    if (fuSearch && ev.target === fuSearch) filterFollowups();
    touched();
  });
  if (fuSearch) fuSearch.addEventListener("keydown", function (ev) { if (ev.key === "Enter") ev.preventDefault(); });
  document.addEventListener("pointerdown", touched, true);
  document.getElementById("kiosk-start").addEventListener("click", enterKiosk);
  document.getElementById("kiosk-exit").addEventListener("click", function () { showPin("exit"); });
  document.getElementById("export-queue").addEventListener("click", exportQueue);
  document.getElementById("next-respondent").addEventListener("click", function () {
    if (kiosk) { nextVillager(); return; }
    status.hidden = true; delete status.dataset.uuid; status.dataset.status = "";
    show(0);
  });
  var logout = document.querySelector("header.top form");
  if (logout) logout.addEventListener("submit", function (ev) {
    if (Number(indicator.dataset.pendingCount) > 0 && !window.confirm(T.logout_pending)) ev.preventDefault();
  });

  /* ---- preview: nothing kept, the server's verdict shown ----------------------------------- */
  function previewStore() {
    var kept = { drafts: {}, queue: {}, sent: {}, meta: {} };
    function copy(v) { return v === undefined ? undefined : JSON.parse(JSON.stringify(v)); }
    var S = {
      get: function (s, key) { return Promise.resolve(copy(kept[s][key])); },
      all: function (s) { return Promise.resolve(Object.keys(kept[s]).map(function (k) { return copy(kept[s][k]); })); },
      put: function (s, value, key) { kept[s][key === undefined ? value.uuid : key] = copy(value); return Promise.resolve(); },
      del: function (s, key) { delete kept[s][key]; return Promise.resolve(); },
      meta: function (key) { return S.get("meta", key); },
      setMeta: function (key, value) { return S.put("meta", value, key); },
    };
    return S;
  }
  function previewSync(real) {
    var id = crypto.randomUUID(), none = function () {}, nothing = function () { return Promise.resolve(null); };
    return { clockProblem: real.clockProblem, deviceId: function () { return Promise.resolve(id); },
             counts: function () { return Promise.resolve({ pending: 0, review: 0 }); },
             onChange: none, afterRun: none, start: nothing, run: nothing, followups: nothing, fetchFollowups: nothing,
             markFollowed: nothing };
  }
  /* The finished response to the dry run; its verdict where the tablet says "saved". */
  function tryOut(kind, body) {
    if (kind === "refusal") return Promise.resolve(verdict({ declined: true }));
    delete body.version;  // a draft has none
    if (spec.respondent_code !== "none" && current.setup.respondent_code) body.respondent_code = current.setup.respondent_code;
    body.started_at = current.started_at;
    body.completed_at = isoNow();
    body.answers = Rules.validate(spec, readAll()).answers;
    return fetch(form.dataset.dryRun, {
      method: "POST", credentials: "same-origin", cache: "no-store", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": form.elements.csrf_token.value },
    }).then(function (r) {
      // 400: the page's CSRF token has expired (an hour), not a verdict on the answers
      if (r.status === 400) return { failed: true, expired: true };
      return r.json().then(function (v) { return r.status === 200 || r.status === 422 ? v : { failed: true }; });
    }).catch(function () { return { failed: true }; }).then(verdict);
  }
  function verdict(v) {
    var box = status.querySelector("[data-verdict-box]");
    current = null;
    delete form.dataset.uuid;
    steps.forEach(function (s) { s.hidden = true; });
    navEl.hidden = true;
    status.hidden = false;
    status.dataset.status = "preview";
    status.dataset.verdict = v.failed ? "failed" : v.declined ? "declined" : v.accepted ? "accepted" : "rejected";
    status.querySelector("h2").textContent = v.expired ? T.preview_expired : v.failed ? T.preview_failed : v.declined ? T.preview_refused :
      v.accepted ? T.preview_accepted : T.preview_rejected;
    status.querySelector("p").textContent = "";
    box.innerHTML = "";
    function add(parent, tag, text, cls) {
      var el = document.createElement(tag);
      if (text !== undefined) el.textContent = text;
      if (cls) el.className = cls;
      parent.appendChild(el);
      return el;
    }
    if (v.errors && Object.keys(v.errors).length) {
      var ul = add(box, "ul", undefined, "errors");
      Object.keys(v.errors).forEach(function (key) {
        v.errors[key].forEach(function (p) { add(ul, "li", key + "：" + p).dataset.errorFor = key; });
      });
    }
    if (v.accepted && v.rows) {
      add(box, "h3", T.preview_stored_as);
      var table = add(box, "table"), head = add(add(table, "thead"), "tr"), body = add(table, "tbody");
      table.dataset.stored = "";
      [T.preview_question, T.preview_answer, T.preview_value].forEach(function (h) { add(head, "th", h); });
      v.rows.forEach(function (row) {
        var tr = add(body, "tr");
        tr.dataset.answer = row.question;
        add(tr, "td", row.question + " " + row.label);
        add(tr, "td", row.shown);
        add(tr, "td", JSON.stringify(row.value), "muted");
      });
    }
    if (v.cleared && v.cleared.length) add(box, "p", T.preview_cleared + v.cleared.join("、"), "muted");
    clearAll();
    clearCodes();
    window.scrollTo(0, 0);
  }

  /* ---- start ------------------------------------------------------------------------------ */
  // The page (cached by the service worker) carries no uuid: a response gets its own when it starts.
  screens = buildScreens();
  renderQueue();
  Promise.all([Store.meta("setup"), Store.meta("kiosk"), listDrafts()]).then(function (r) {
    if (r[0] && !form.querySelector("[data-errors-for] li")) writeSetup(r[0]);
    var wanted = new URLSearchParams(location.search).get("resume");
    var draft = wanted && r[2].filter(function (d) { return d.uuid === wanted; })[0];
    if (r[1] && r[1].setup) return startKiosk(r[1]);
    else if (draft) resume(draft);
    else show(0);
  }).then(function () {
    return loadFollowups().catch(function () { /* the form works without the list */ });
  }).then(function () {
    form.dataset.ready = "1";
    refreshFollowups(0);
  });
  if (preview) return;  // no queue to count, nothing to keep, no offline copy of a draft
  refreshCount();
  checkStorage();
  Sync.start();
  Sync.afterRun(function (delivered) { refreshFollowups(delivered ? 0 : 10 * 60 * 1000); });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (ev) { if (ev.data === "refreshed") refreshFollowups(15000); });
    navigator.serviceWorker.register(form.dataset.sw, { scope: form.dataset.swScope }).then(function (reg) {
      if (navigator.onLine && reg.active) reg.active.postMessage("refresh");
    }).catch(function () {});
  }
})();
