// Tell the task page that holds the chooser dialog that the choice is stored, so it can
// close the dialog and refresh. Only this platform's own origin may receive the message.
(function () {
  "use strict";
  if (window.parent === window) return;
  var count = parseInt(document.body.dataset.count, 10) || 0;
  window.parent.postMessage(
    { subject: "ontrack.deepLinkComplete", count: count },
    window.location.origin
  );
})();
