// Ask the platform to size our iframe to the page (Canvas-style lti.frameResize), so the
// viewer has no double scrollbar. Sent again whenever the page's height changes, for
// example when a "still processing" message gives way to the player.
(function () {
  "use strict";
  if (window.parent === window) return;
  var last = 0;
  function report() {
    // The body's height, not the document's: the document is never shorter than the
    // frame, so it could only ever ask to grow.
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    // Only a height is sent, nothing private, so any parent origin may read it.
    window.parent.postMessage({ subject: "lti.frameResize", height: height }, "*");
  }
  window.addEventListener("load", report);
  window.addEventListener("resize", report);
  if (window.ResizeObserver) new ResizeObserver(report).observe(document.body);
})();
