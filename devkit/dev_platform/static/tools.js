// The tool registration page: when the tool's registration frame says it is done
// (org.imsglobal.lti.close, LTI Dynamic Registration 1.0), close it and show the result.
(function () {
  "use strict";
  var origin = document.body.dataset.registrationOrigin;
  var frame = document.getElementById("registration-frame");
  if (!origin || !frame) return;
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    if (!event.data || event.data.subject !== "org.imsglobal.lti.close") return;
    document.getElementById("registration-panel").remove();
    window.location.replace(document.body.dataset.toolsPage + "?registered=1");
  });
})();
