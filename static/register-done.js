// Dynamic Registration is complete: ask the platform to close this window or frame
// (LTI Dynamic Registration 1.0, "org.imsglobal.lti.close"). The message carries nothing
// private, so any opener or parent may receive it, as the specification shows.
(function () {
  "use strict";
  var target = window.opener || (window.parent !== window ? window.parent : null);
  if (target) target.postMessage({ subject: "org.imsglobal.lti.close" }, "*");
})();
