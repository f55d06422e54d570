// Tell the chooser (our own origin only) that the sign-in did not finish, and why.
(function () {
  "use strict";
  const page = document.getElementById("sign-in-failed");
  const message = document.getElementById("failure-message").textContent;
  if (window.opener) {
    window.opener.postMessage({ subject: "panopto.sign_in_failed", message: message },
      page.dataset.origin);
  }
  document.getElementById("close-window").addEventListener("click", () => window.close());
})();
