// The forecast run started from the page: asks how far it is every second and moves the bar; once it has
// ended (done or failed) the page loads again and shows the new forecast or what went wrong. Without
// script, the page refreshes itself (a <meta> inside <noscript>).
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || box.dataset.state !== "running") { return; }
  var bar = document.getElementById("forecast-progress");
  var share = document.getElementById("progress-share");

  function show(job) {
    if (!job.total) { return; }
    bar.max = job.total;
    bar.value = job.done;
    share.textContent = job.shown || "";
  }

  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (job === null) { setTimeout(poll, 3000); return; }
        if (job.state === "running") { show(job); setTimeout(poll, 1000); return; }
        window.location.reload();
      })
      .catch(function () { setTimeout(poll, 3000); });  // offline for a moment: ask again later
  }

  setTimeout(poll, 1000);
})();
