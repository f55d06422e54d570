// While Panopto is still processing the video, ask the tool every few seconds whether it
// is ready; when it is, show the player in place of the message.
(function () {
  "use strict";
  var POLL_MS = 5000;
  var player = document.getElementById("player");
  var url = player.dataset.statusUrl;
  if (!url) return;

  var MESSAGES = {
    failed: "Panopto could not process this video. Ask the person who posted it to " +
      "upload it again.",
    deleted: "This video was deleted from Panopto.",
    forbidden: "Panopto says your account may not see this video.",
  };

  function showReady() {
    var ready = document.getElementById("ready");
    var frame = ready.querySelector("iframe[data-src]");
    if (frame) frame.src = frame.dataset.src;
    ready.hidden = false;
    document.getElementById("processing").hidden = true;
  }

  function showProblem(state) {
    var box = document.getElementById("processing");
    box.classList.add("problem");
    box.querySelector("h1").textContent = "This video cannot be shown";
    box.querySelector("p").textContent = MESSAGES[state];
  }

  function check() {
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) return;  // the page is too old to ask: the message stays
        if (body.state === "ready") return showReady();
        if (MESSAGES[body.state]) return showProblem(body.state);
        window.setTimeout(check, POLL_MS);
      })
      .catch(function () { window.setTimeout(check, POLL_MS * 2); });
  }

  window.setTimeout(check, POLL_MS);
})();
