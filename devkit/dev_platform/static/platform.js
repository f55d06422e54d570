// The task page's behaviour: the video chooser dialog and the placed videos' iframes.
(function () {
  "use strict";

  // Tallest and shortest height a tool may ask for with lti.frameResize, in pixels.
  var MAX_FRAME_HEIGHT = 4000;
  var MIN_FRAME_HEIGHT = 50;

  var dialog = document.getElementById("chooser-dialog");
  var chooserFrame = document.getElementById("chooser-frame");
  var closeButton = document.getElementById("chooser-close");
  var toolOrigin = document.body.dataset.toolOrigin;

  // Clicking an "Insert Panopto video" button starts a Deep Linking launch in the dialog.
  document.querySelectorAll("button.insert-video").forEach(function (button) {
    button.addEventListener("click", function () {
      chooserFrame.src = button.dataset.chooserUrl;
      dialog.showModal();
    });
  });

  closeButton.addEventListener("click", function () {
    dialog.close();
  });

  // Whether closed by the button, Escape or a completed choice: stop the chooser.
  dialog.addEventListener("close", function () {
    chooserFrame.src = "about:blank";
  });

  function messageData(event) {
    // Some tools send a JSON string rather than an object (as Canvas accepts both).
    if (typeof event.data !== "string") {
      return event.data;
    }
    try {
      return JSON.parse(event.data);
    } catch (error) {
      return null;
    }
  }

  function frameOf(source) {
    var frames = document.querySelectorAll("iframe.lti-item");
    for (var i = 0; i < frames.length; i += 1) {
      if (frames[i].contentWindow === source) {
        return frames[i];
      }
    }
    return null;
  }

  function requestedHeight(value) {
    var height = parseInt(String(value), 10);
    if (isNaN(height)) {
      return null;
    }
    return Math.min(Math.max(height, MIN_FRAME_HEIGHT), MAX_FRAME_HEIGHT);
  }

  // The platform's own deep-link return page, inside the chooser frame, says it is done.
  function onChooserMessage(event, data) {
    if (event.origin !== window.location.origin) return;
    if (event.source !== chooserFrame.contentWindow) return;
    if (data.subject !== "ontrack.deepLinkComplete") return;
    dialog.close();
    window.location.reload();
  }

  // A placed video asks for a new height; only the tool's origin is listened to.
  function onToolMessage(event, data) {
    if (event.origin !== toolOrigin) return;
    if (data.subject !== "lti.frameResize") return;
    var frame = frameOf(event.source);
    var height = requestedHeight(data.height);
    if (frame && height !== null) {
      frame.style.height = height + "px";
      frame.setAttribute("height", String(height));
    }
  }

  window.addEventListener("message", function (event) {
    var data = messageData(event);
    if (!data || typeof data !== "object") return;
    onChooserMessage(event, data);
    onToolMessage(event, data);
  });
})();
