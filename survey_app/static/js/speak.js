/* Every word can be heard (issue 13): window.SanquSpeak reads a screen aloud, piece by piece.

   A piece is an element with data-prompt (the keys of survey_app/audio/prompts.py: q:QID,
   o:QID:VALUE, hint:QID, consent:N, greeting, thanks), read in page order when it is visible.
   Each piece is said by the first of:
     1. the approved recording of its key in the chosen dialect (script#recordings
        {"dialects": {code: {"name", "prompts": {key: url}}}}; the dialect is form#collect[data-dialect]);
     2. for a question's label, the question's own audio file (its speaker's data-audio);
     3. speech synthesis with a voice of the page's language (Chinese: zh-CN first);
   and when none of these exists, a message next to the speaker says so: never silence.

   speak(container)  reads a question / screen; the same container again stops it
   sayBack(element)  says one option back (kiosk mode, when a villager taps it)
   stop()
   Only one thing speaks at a time on the page. Recordings play through one reused <audio>. */
(function () {
  "use strict";

  var EN = /^en\b/i.test(document.documentElement.lang || "");
  var MESSAGES = EN ? {
    none: "This tablet cannot read this aloud: there is no recording and no English voice. Please ask the social worker for help.",
    some: "Some of this cannot be read aloud: it has no recording and this tablet has no English voice. Please ask the social worker for help.",
  } : {
    none: "这台平板不能朗读：没有录音，也没有中文语音。请社工帮忙。",
    some: "有几句不能朗读：没有录音，这台平板也没有中文语音。请社工帮忙。",
  };
  var VOICE_WAIT_MS = 1500;
  var HIGHLIGHT = "speaking";

  var audio = document.createElement("audio");
  audio.preload = "none";
  var run = 0;            // the current reading; callbacks of an older one do nothing
  var active = null;      // {container, button, pieces, at, missing}
  var lit = [];           // elements carrying the highlight
  var utterance = null;   // kept referenced: Chrome drops the events of a collected utterance

  /* ---- what there is to read --------------------------------------------------------------- */
  function textOf(el) {
    return (el.innerText || el.textContent || "").replace(/[*\uFF0A]/g, " ").replace(/\s+/g, " ").trim();
  }
  function visible(el) {
    if (!el.getClientRects().length) return false;
    return getComputedStyle(el).visibility !== "hidden";
  }
  function piecesIn(container) {
    var els = container.matches("[data-prompt]") ? [container] : Array.prototype.slice.call(container.querySelectorAll("[data-prompt]"));
    // the question, then its answers, then the hint (the hint stands above the answers on the page)
    return els.filter(visible).map(piece).filter(function (p) { return p.text || p.recording; })
      .map(function (p, i) { return { p: p, i: i }; })
      .sort(function (a, b) { return rank(a.p.key) - rank(b.p.key) || a.i - b.i; })
      .map(function (x) { return x.p; });
  }
  function rank(key) { return key.indexOf("hint:") === 0 ? 1 : 0; }
  function piece(el) {
    var key = el.dataset.prompt, legacy = null;
    if (key.indexOf("q:") === 0) {
      var q = el.closest("[data-question]"), b = q && q.querySelector("[data-action=speak][data-audio]");
      if (b && b.dataset.audio) legacy = b.dataset.audio;
    }
    return { el: el, key: key, text: textOf(el), recording: recordingOf(key), legacy: legacy };
  }
  function recordingOf(key) {
    var form = document.getElementById("collect"), dialect = form && form.dataset.dialect;
    var tag = document.getElementById("recordings");
    if (!dialect || !tag) return null;
    try {
      var d = (JSON.parse(tag.textContent).dialects || {})[dialect];
      return (d && d.prompts && d.prompts[key]) || null;
    } catch (e) { return null; }
  }

  /* ---- the voice ------------------------------------------------------------------------------ */
  var voicesWaited = null;
  function synth() { return window.speechSynthesis || null; }
  function findVoice() {
    var s = synth();
    if (!s || !window.SpeechSynthesisUtterance) return null;
    var all = (s.getVoices && s.getVoices()) || [];
    var want = EN ? [/^en[-_]GB/i, /^en[-_]US/i, /^en\b/i] : [/^(zh[-_]CN|cmn[-_]Hans|zh[-_]Hans)/i, /^(zh|cmn)[-_]?(TW|Hant)?/i, /^(zh|cmn|yue)\b/i];
    for (var i = 0; i < want.length; i++) {
      for (var j = 0; j < all.length; j++) if (want[i].test(all[j].lang || "")) return all[j];
    }
    return null;
  }
  // Voices arrive late on Chrome (getVoices() is empty until "voiceschanged"): wait once, briefly.
  function voice() {
    var now = findVoice(), s = synth();
    if (now || !s) return Promise.resolve(now);
    if (!voicesWaited) {
      voicesWaited = new Promise(function (resolve) {
        var done = false;
        function finish() { if (!done) { done = true; resolve(); } }
        if (s.addEventListener) s.addEventListener("voiceschanged", finish, { once: true });
        else s.onvoiceschanged = finish;
        setTimeout(finish, VOICE_WAIT_MS);
      });
    }
    return voicesWaited.then(findVoice);
  }

  /* ---- the speaker's button and its message --------------------------------------------------- */
  function buttonOf(container) {
    if (!container) return null;
    var box = container.closest("[data-question], .kiosk-thanks, .step") || container;
    return box.querySelector("[data-action=speak]") || container.querySelector("[data-action=speak]");
  }
  function noteOf(button) {
    if (!button) return null;
    var note = button.nextElementSibling;
    if (note && note.classList.contains("speak-note")) return note;
    note = document.createElement("p");
    note.className = "speak-note";
    note.setAttribute("aria-live", "polite");
    button.insertAdjacentElement("afterend", note);
    return note;
  }
  function say(button, text) { var n = noteOf(button); if (n) n.textContent = text; }

  /* ---- playing ---------------------------------------------------------------------------------- */
  function light(el) {
    var box = el.closest("label.choice") || el;
    box.classList.add(HIGHLIGHT);
    lit.push(box);
  }
  function unlight() {
    lit.forEach(function (e) { e.classList.remove(HIGHLIGHT); });
    lit = [];
  }
  function halt() {
    run++;
    var s = synth();
    if (s && s.cancel) s.cancel();
    utterance = null;
    audio.onended = audio.onerror = null;
    try { audio.pause(); } catch (e) { /* nothing to pause */ }
    unlight();
    if (active && active.button) { active.button.classList.remove("is-speaking"); active.button.setAttribute("aria-pressed", "false"); }
    active = null;
  }

  function start(container, pieces) {
    var button = buttonOf(container);
    var me = ++run;
    active = { container: container, button: button, pieces: pieces, at: -1, missing: 0, said: 0 };
    say(button, "");
    if (button) { button.classList.add("is-speaking"); button.setAttribute("aria-pressed", "true"); }
    next(me);
  }
  function next(me) {
    if (me !== run || !active) return;
    unlight();
    var a = active;
    a.at++;
    if (a.at >= a.pieces.length) { halt(); return; }
    var p = a.pieces[a.at];
    light(p.el);
    var url = p.recording || p.legacy;
    if (url) play(me, p, url);
    else synthesise(me, p);
  }
  function play(me, p, url) {
    var fallen = false;
    function fallBack() {
      if (me !== run || fallen) return;
      fallen = true;
      audio.onended = audio.onerror = null;
      synthesise(me, p);
    }
    audio.onended = function () { if (me === run && !fallen) { active.said++; next(me); } };
    audio.onerror = fallBack;
    audio.src = url;
    var promise;
    try { promise = audio.play(); } catch (e) { fallBack(); return; }
    if (promise && promise.catch) promise.catch(fallBack);
  }
  function cannot(me) {
    var a = active;
    a.missing++;
    // at once, while the rest is still read: "none" when nothing of this screen has a recording
    say(a.button, a.pieces.some(function (p) { return p.recording || p.legacy; }) ? MESSAGES.some : MESSAGES.none);
    next(me);
  }
  function synthesise(me, p) {
    voice().then(function (v) {
      if (me !== run) return;
      var s = synth();
      if (!v || !s || !p.text) { cannot(me); return; }
      var u = new window.SpeechSynthesisUtterance(p.text);
      try { u.voice = v; } catch (e) { /* a voice from another synthesiser: the language still picks one */ }
      u.lang = v.lang || (EN ? "en-GB" : "zh-CN");
      u.rate = EN ? 0.95 : 0.85;  // a little slower: the listeners are often old
      u.onend = function () { if (me === run) { active.said++; next(me); } };
      u.onerror = function (ev) {
        if (me !== run) return;
        if (ev && (ev.error === "interrupted" || ev.error === "canceled")) return;
        cannot(me);
      };
      utterance = u;
      s.speak(u);
    });
  }

  /* ---- the interface ---------------------------------------------------------------------- */
  function speak(container) {
    if (!container) return;
    if (active && active.container === container) { halt(); return; }  // a second tap stops
    halt();
    var pieces = piecesIn(container);
    if (!pieces.length) return;
    start(container, pieces);
  }
  function sayBack(element) {
    if (!element) return;
    var el = element.matches("[data-prompt]") ? element : element.querySelector("[data-prompt]");
    halt();
    if (!el) return;
    start(el, [piece(el)]);
  }
  function stop() { halt(); }

  // every speaker gets its (empty) message line now, so that a screen reader hears what comes into it
  document.querySelectorAll("[data-action=speak]").forEach(noteOf);

  window.SanquSpeak = {
    speak: speak, sayBack: sayBack, stop: stop,
    speaking: function () { return active ? (active.pieces[active.at] || {}).key || null : null; },
  };
})();
