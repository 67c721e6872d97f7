// Keeps a part of the page current: fetches its fragment every data-every seconds and swaps it in.
// Pauses while the tab is hidden; on a failed fetch it keeps what it has and tries again later.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) { return; }
  var every = Math.max(Number(live.dataset.every) || 15, 5) * 1000;

  function refresh() {
    if (document.hidden) { return; }
    fetch(live.dataset.liveUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) { if (html !== null) { live.innerHTML = html; } })
      .catch(function () { /* offline for a moment: try again next time */ });
  }

  setInterval(refresh, every);
  document.addEventListener("visibilitychange", refresh);
})();
