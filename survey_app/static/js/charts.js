// Dashboard pages: draw each figure the server built (JSON beside its box), and send the filter
// form when a choice changes.  A file rather than inline script, so that the pages need no
// 'unsafe-inline' in their Content-Security-Policy.
"use strict";
function drawCharts() {
  document.querySelectorAll("script[data-figure]").forEach(function (s) {
    var fig = JSON.parse(s.textContent);
    var box = document.querySelector("[data-chart='" + s.dataset.figure + "']");
    if (!box || box.hasAttribute("data-drawn") || typeof Plotly === "undefined") return;
    box.setAttribute("data-drawn", "0");
    Plotly.newPlot(box, fig.data, fig.layout, { displaylogo: false, responsive: true })
      .then(function () { box.setAttribute("data-drawn", "1"); });
  });
}

document.addEventListener("DOMContentLoaded", function () {
  // Plotly measures its text once, when it draws: drawn before the Chinese web font has arrived
  // (a tablet without a Chinese system font), labels overlap and get cut.  So wait for the fonts
  // the page uses (layout first, so that the browser knows which it needs), at most 3 seconds.
  void document.body.offsetHeight;
  var ready = document.fonts && document.fonts.ready ? document.fonts.ready : Promise.resolve();
  Promise.race([ready, new Promise(function (r) { setTimeout(r, 3000); })]).then(drawCharts);
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (e) {
      // a county changed: the team and site chosen belonged to the previous one
      if (e.target.name === "county") {
        ["team", "site"].forEach(function (n) { if (form.elements[n]) form.elements[n].value = ""; });
      }
      form.submit();
    });
  });
});
