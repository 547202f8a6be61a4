// Dashboard pages: draw each figure the server built (JSON beside its box), and send the filter
// form when a choice changes.  A file rather than inline script, so that the pages need no
// 'unsafe-inline' in their Content-Security-Policy.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("script[data-figure]").forEach(function (s) {
    var fig = JSON.parse(s.textContent);
    var box = document.querySelector("[data-chart='" + s.dataset.figure + "']");
    if (!box || typeof Plotly === "undefined") return;
    Plotly.newPlot(box, fig.data, fig.layout, { displaylogo: false, responsive: true })
      .then(function () { box.setAttribute("data-drawn", "1"); });
  });
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
