// The receiving form's scan field: when the scanner ends a pack's code with Enter, the server reads the code
// (the same reading the form gets without script) and the lot and expiry of the pack's line are filled in
// here, without sending the form. The field is then ready for the next pack.
(function () {
  "use strict";
  var field = document.getElementById("scan");
  if (!field || !field.dataset.readUrl) { return; }
  var problem = document.getElementById("scan-error");
  var notice = document.getElementById("scan-notice");

  function show(error, message) {
    problem.textContent = error || "";
    problem.hidden = !error;
    if (error) { field.setAttribute("aria-invalid", "true"); } else { field.removeAttribute("aria-invalid"); }
    notice.textContent = message || "";
  }

  function fill(pack) {
    var prefix = "line-" + pack.line + "-";
    if (pack.lot) { document.getElementById(prefix + "lot").value = pack.lot; }
    if (pack.expiry) { document.getElementById(prefix + "expiry").value = pack.expiry; }
    var line = document.getElementById("line-" + pack.line);
    line.classList.add("scanned");
    line.scrollIntoView({ block: "nearest" });
    field.value = "";
    show(null, pack.message);
  }

  function read(code) {
    var url = field.dataset.readUrl + "?code=" + encodeURIComponent(code);
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        return response.json().then(function (answer) { return { ok: response.ok, answer: answer }; });
      })
      .then(function (result) {
        if (result.ok) { fill(result.answer); } else { show(result.answer.error, null); }
      })
      .catch(function () {
        // No answer (offline, signed out): let the form take the code to the server as it would without script.
        field.form.querySelector("button[name=action][value=scan]").click();
      });
  }

  field.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") { return; }
    event.preventDefault();  // Enter reads this pack; it never sends the whole receipt
    read(field.value);
  });

  // A scanner aimed at a lot field ends with Enter too: in this form Enter sends nothing, the button does.
  field.form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.tagName === "INPUT" && event.target !== field) {
      event.preventDefault();
    }
  });
})();
