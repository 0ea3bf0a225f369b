// "Remind me later" without a reload: the same POST the form makes with
// JavaScript off, sent with fetch; the server sets the signed cookie and
// answers 204-like JSON instead of redirecting, and the prompt is hidden.
// Without this script the form posts and the server redirects back.
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (!form.classList || !form.classList.contains("prompt-snooze") || !window.fetch) {
      return;
    }
    ev.preventDefault();
    var box = form.closest(".prompt");
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (res) {
      if (!res.ok) { throw new Error("snooze: " + res.status); }
      if (box) { box.hidden = true; }
    }).catch(function () {
      form.submit(); // fall back to the plain form
    });
  });
})();
