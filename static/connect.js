// The sign-in pop-up's first page. The chooser that opened this window hands over its token
// by postMessage (never in a URL); we post it to the tool, which sends us on to Panopto.
(function () {
  "use strict";

  const origin = document.getElementById("connect").dataset.origin;
  const status = document.getElementById("connect-status");
  const form = document.getElementById("connect-form");
  const WAIT_MS = 5000;

  function giveUp() {
    status.textContent = "This window must be opened from the video chooser's " +
      "“Sign in to Panopto” button. Close it and try again from the chooser.";
  }

  if (!window.opener) {
    giveUp();
    return;
  }

  const timer = window.setTimeout(giveUp, WAIT_MS);
  window.addEventListener("message", (event) => {
    if (event.origin !== origin || event.source !== window.opener) return;
    const data = event.data || {};
    if (data.subject !== "panopto.token" || typeof data.token !== "string") return;
    window.clearTimeout(timer);
    form.elements.token.value = data.token;
    form.submit();
  });
  window.opener.postMessage({ subject: "panopto.ready" }, origin);
})();
