/* A report job's page: follow the job's progress (its JSON status) and show the finished page
   when it is done or has failed.  Without JavaScript the page refreshes itself instead. */
(function () {
  "use strict";
  var box = document.querySelector("[data-job][data-status-url]");
  if (!box || box.dataset.state === "done" || box.dataset.state === "failed") return;
  var bar = box.querySelector("[data-role=bar]"), step = box.querySelector("[data-role=step]");
  var percent = box.querySelector("[data-role=percent]");

  function show(status) {
    var share = Math.max(0, Math.min(1, status.progress || 0));
    if (bar) bar.value = share;
    if (percent) percent.textContent = Math.round(share * 100) + "%";
    if (step && status.step) step.textContent = status.step;
    box.dataset.state = status.state;
  }

  function poll(wait) {
    window.setTimeout(function () {
      fetch(box.dataset.statusUrl, { cache: "no-store", credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (res) {
          if (res.status >= 400 && res.status < 500) { window.location.reload(); return null; }
          if (!res.ok) throw new Error(String(res.status));
          return res.json();
        })
        .then(function (status) {
          if (!status) return;
          show(status);
          if (status.state === "done" || status.state === "failed") window.location.reload();
          else poll(1500);
        })
        .catch(function () { poll(5000); });  // a worker restarting or a weak signal: try again later
    }, wait);
  }
  poll(1000);
})();
