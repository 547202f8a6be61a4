/* The tablet's sync receipt: its own log of what it sent (and what still waits), beside what
   the server says it holds from this device. */
(function () {
  "use strict";
  var Store = window.SanquStore, Sync = window.SanquSync;
  var T = JSON.parse(document.getElementById("receipt-texts").textContent);
  var state = document.getElementById("receipt-state"), tbody = document.querySelector("#receipt tbody");

  function row(uuid, questionnaire, local, server) {
    var tr = document.createElement("tr");
    tr.dataset.uuid = uuid;
    tr.dataset.server = server;
    [uuid, questionnaire, local, T[server] || server].forEach(function (text) {
      var td = document.createElement("td"); td.textContent = text; tr.appendChild(td);
    });
    tbody.appendChild(tr);
  }

  Promise.all([Sync.deviceId(), Store.all("sent"), Store.all("queue"), Store.meta("device_token")]).then(function (r) {
    var id = r[0], sent = r[1], queue = r[2], token = r[3];
    document.getElementById("device-id").textContent = id;
    var ask = token ? fetch("/api/v1/devices/" + id + "/receipt", { headers: { Authorization: "Bearer " + token }, cache: "no-store" })
      .then(function (res) { return res.status === 401 ? "login" : res.json(); }) : Promise.resolve("login");
    return ask.catch(function () { return "offline"; }).then(function (server) {
      var held = {};
      if (typeof server === "object") server.received.forEach(function (x) { held[x.uuid] = x; });
      var lost = 0;
      sent.forEach(function (s) {
        var verdict = typeof server === "object" ? (held[s.uuid] ? "held" : "missing") : "?";
        if (verdict === "missing") lost += 1;
        row(s.uuid, s.questionnaire, T.sent + " " + s.at.slice(0, 16).replace("T", " "), verdict);
      });
      queue.forEach(function (q) { row(q.uuid, q.body.questionnaire, T[q.state] || q.state, held[q.uuid] ? "held" : "?"); });
      state.dataset.state = typeof server === "object" ? (lost ? "lost" : "ok") : server;
      state.textContent = typeof server === "object" ? (lost ? T.lost : T.ok) : T[server];
    });
  });
})();
