// Ask the platform to size our iframe to the page (Canvas-style lti.frameResize), so the
// viewer has no double scrollbar.
(function () {
  "use strict";
  if (window.parent === window) return;
  function report() {
    const height = Math.ceil(document.documentElement.scrollHeight);
    // Only a height is sent, nothing private, so any parent origin may read it.
    window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
  }
  window.addEventListener("load", report);
  window.addEventListener("resize", report);
})();
