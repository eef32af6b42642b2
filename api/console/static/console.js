// Enhancements only: every page works without this script.
// My work refreshes its lists and the navigation's counts every 30 seconds.
(function () {
  "use strict";
  function setCounts(counts) {
    Object.keys(counts).forEach(function (name) {
      document.querySelectorAll('[data-count="' + name + '"]').forEach(function (el) {
        el.textContent = String(counts[name]);
      });
    });
  }
  function refresh() {

    var box = document.getElementById("my-work");
    var url = box ? box.getAttribute("data-refresh") : "/console/my-work/counts";
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok || response.redirected) { return null; }
        var header = response.headers.get("X-Counts");
        if (header) {
          var counts = {};
          header.split(",").forEach(function (pair) {
            var kv = pair.split("=");
            counts[kv[0]] = Number(kv[1]);
          });
          setCounts(counts);
        }
        return box ? response.text() : response.json();
      })
      .then(function (body) {
        if (body === null || body === undefined) { return; }
        if (box && typeof body === "string") { box.innerHTML = body; }
        else if (typeof body === "object") { setCounts(body); }
      })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }
  window.consoleRefresh = refresh; // what the timer calls, for a test to call at once
  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector("[data-count]")) { window.setInterval(refresh, 30000); }
    var problem = document.getElementById("problem");
    if (problem) { problem.focus(); }
  });
})();
