/* The audio studio's recorder (templates/audio/studio.html): record a prompt with the tablet's
   microphone (MediaRecorder, Opus in WebM as Chrome records it, Ogg where that is what the
   browser has), listen back, re-record, upload as a draft.  One recording at a time; it stops by
   itself at the page's limit.  Staff's voices only: nothing here is used during an interview. */
"use strict";
(function () {
  var root = document.getElementById("studio");
  if (!root) return;
  var t = root.dataset;
  var MAX_MS = parseInt(t.maxMs, 10) || 20000;
  var BITRATE = parseInt(t.bitrate, 10) || 24000;
  var BUDGET = parseInt(t.budget, 10) || 65536;

  function chooseType() {
    if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return null;
    var types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus"];
    for (var i = 0; i < types.length; i++) if (MediaRecorder.isTypeSupported(types[i])) return types[i];
    return null;
  }
  var mimeType = chooseType();
  if (!mimeType) {
    document.getElementById("studio-unsupported").hidden = false;
    return;
  }
  Array.prototype.forEach.call(root.querySelectorAll(".recorder"), function (r) { r.hidden = false; });

  var stream = null, active = null;  // the microphone (kept for the next prompt) and the recording under way

  function microphone() {
    if (stream && stream.active) return Promise.resolve(stream);
    return navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true } })
      .then(function (s) { stream = s; return s; });
  }

  function parts(item) {
    return {
      record: item.querySelector("[data-action=record]"), stop: item.querySelector("[data-action=stop]"),
      preview: item.querySelector("[data-role=preview]"), upload: item.querySelector("[data-action=upload]"),
      status: item.querySelector("[data-role=status]"),
    };
  }

  function others(disabled) {
    Array.prototype.forEach.call(root.querySelectorAll("[data-action=record]"), function (b) { b.disabled = disabled; });
  }

  function start(item) {
    if (active) return;
    var p = parts(item);
    microphone().then(function (s) {
      var options = { mimeType: mimeType, audioBitsPerSecond: BITRATE };
      try { options.audioBitrateMode = "constant"; } catch (e) { /* older browsers ignore it */ }
      var recorder = new MediaRecorder(s, options), chunks = [];
      active = { item: item, recorder: recorder, started: Date.now() };
      recorder.ondataavailable = function (e) { if (e.data && e.data.size) chunks.push(e.data); };
      recorder.onstop = function () {
        clearTimeout(active && active.timer);
        active = null;
        others(false);
        var blob = new Blob(chunks, { type: mimeType.split(";")[0] });
        item._blob = blob;
        if (p.preview.src) URL.revokeObjectURL(p.preview.src);
        p.preview.src = URL.createObjectURL(blob);
        p.preview.hidden = false;
        p.stop.hidden = true;
        p.record.hidden = false;
        p.record.textContent = "● " + t.textRerecord;
        p.upload.hidden = blob.size > BUDGET;
        p.status.textContent = blob.size > BUDGET ? t.textTooBig : t.textRecorded;
        item.dataset.recorded = "1";
      };
      recorder.start();
      active.timer = setTimeout(function () { if (recorder.state === "recording") recorder.stop(); }, MAX_MS - 300);
      others(true);
      p.record.hidden = true;
      p.stop.hidden = false;
      p.stop.focus();
      p.upload.hidden = true;
      p.status.textContent = t.textRecording;
      item.dataset.recording = "1";
    }, function () {
      p.status.textContent = t.textMic;
    });
  }

  function stop(item) {
    if (active && active.item === item && active.recorder.state === "recording") active.recorder.stop();
    delete item.dataset.recording;
  }

  function upload(item) {
    var p = parts(item), blob = item._blob;
    if (!blob) return;
    var body = new FormData();
    body.append("key", item.dataset.key);
    body.append("audio", blob, "prompt." + (blob.type === "audio/ogg" ? "ogg" : "webm"));
    body.append("csrf_token", t.csrf);
    p.upload.disabled = true;
    p.status.textContent = t.textUploading;
    fetch(t.uploadUrl, { method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": t.csrf, Accept: "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return { error: "HTTP " + r.status }; }).then(function (j) { return { ok: r.ok, body: j }; });
      })
      .then(function (res) {
        if (!res.ok) {
          p.upload.disabled = false;
          p.status.textContent = t.textFailed + (res.body.error || "");
          return;
        }
        p.status.textContent = t.textUploaded;
        item.dataset.uploaded = String(res.body.id);
        // the page again, at this prompt, with the draft and its approve button
        history.replaceState(null, "", location.pathname + location.search + "#" + item.id);
        location.reload();
      }, function () {
        p.upload.disabled = false;
        p.status.textContent = t.textOffline;
      });
  }

  root.addEventListener("click", function (e) {
    var button = e.target.closest("button[data-action]");
    if (!button || !root.contains(button)) return;
    var item = button.closest("li.prompt"), action = button.dataset.action;
    if (action === "record") start(item);
    else if (action === "stop") stop(item);
    else if (action === "upload") upload(item);
  });
})();
