// Tell the chooser (our own origin only) that Panopto sign-in finished, then close.
(function () {
  "use strict";
  if (window.opener) {
    window.opener.postMessage({ subject: "panopto.connected" }, window.location.origin);
  }
  window.setTimeout(() => window.close(), 300);
})();
