// Launches that work when the browser refuses the tool's cookies inside the course page.
//
// LTI platform storage (1EdTech client-side postMessage drafts): the tool keeps the OIDC
// state and nonce in the platform's frame with lti.put_data at login, and reads them back
// with lti.get_data at launch. Three modes, picked by the server:
//
// - "storage" (login page): store state and nonce with the platform, then go on to its
//   authorization endpoint. If the platform does not answer, fall back to "cookie-check".
// - "cookie-check" (login page inside a frame): go on if this frame may keep cookies, else
//   offer to open the tool in a new window, where its cookies are first-party.
// - "verify" (launch page): read state and nonce back from the platform, tell the server,
//   and only then let the page work (window.ltiLaunchReady resolves, the player loads).
//
// Every message goes to the origin of the platform's authorization endpoint, and answers
// from any other origin are ignored. Nothing here is written to the page as HTML.
(function () {
  "use strict";

  // The reference library waits one second per call; a busy laptop deserves more.
  var TIMEOUT_MS = 5000;
  // A message sent to a platform frame that is still loading is lost (its listener is not
  // there yet), so each one is sent again at this interval until it is answered. They
  // are safe to repeat: capabilities and get_data only read, put_data stores the same value.
  var RESEND_MS = 400;

  function randomId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return "msg-" + Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function platformWindow() {
    if (window.opener && window.opener !== window) return window.opener;
    if (window.parent && window.parent !== window) return window.parent;
    return null;
  }

  // One postMessage and its answer: same message_id, subject + ".response", right origin.
  function send(target, message, targetOrigin, expectedOrigin) {
    return new Promise(function (resolve, reject) {
      var id = randomId();
      var outgoing = Object.assign({ message_id: id }, message);
      var timer = null;
      var resender = null;
      function stop() {
        window.removeEventListener("message", listener);
        window.clearTimeout(timer);
        window.clearInterval(resender);
      }
      function listener(event) {
        var data = event.data;
        if (!data || typeof data !== "object" || data.message_id !== id) return;
        if (event.origin !== expectedOrigin) return;
        if (data.subject !== message.subject + ".response") return;
        stop();
        if (data.error) reject(data.error);
        else resolve(data);
      }
      window.addEventListener("message", listener);
      timer = window.setTimeout(function () {
        stop();
        reject({ code: "timeout", message: "The course system did not answer." });
      }, TIMEOUT_MS);
      resender = window.setInterval(function () {
        target.postMessage(outgoing, targetOrigin);
      }, RESEND_MS);
      target.postMessage(outgoing, targetOrigin);
    });
  }

  // The frame that answers one subject: the capability's "frame", else lti_storage_target.
  function storageFor(origin, storageTarget) {
    var parent = platformWindow();
    if (!parent) return Promise.reject({ code: "no_platform" });
    // Capabilities carry nothing private, so any parent may be asked (as the drafts do).
    return send(parent, { subject: "lti.capabilities" }, "*", origin).then(function (caps) {
      var supported = Array.isArray(caps.supported_messages) ? caps.supported_messages : [];
      function frameFor(subject) {
        var entry = supported.filter(function (m) { return m && m.subject === subject; })[0];
        if (!entry) throw { code: "unsupported", message: subject + " is not supported." };
        var name = entry.frame || storageTarget;
        if (!name || name === "_parent") return parent;
        var frame = null;
        try { frame = parent.frames[name]; } catch (err) { frame = null; }
        return frame || parent;
      }
      return {
        put: function (key, value) {
          return send(frameFor("lti.put_data"),
            { subject: "lti.put_data", key: key, value: value }, origin, origin);
        },
        get: function (key) {
          return send(frameFor("lti.get_data"), { subject: "lti.get_data", key: key },
            origin, origin).then(function (answer) { return answer.value; });
        },
      };
    });
  }

  function stateKey(state) { return "lti_state_" + state; }
  function nonceKey(nonce) { return "lti_nonce_" + nonce; }

  // ---- login page ------------------------------------------------------------------

  function cookiesWork(secure) {
    var attributes = secure ? "; SameSite=None; Secure; Partitioned" : "; SameSite=Lax";
    var probe = "lti_cookie_check=" + randomId();
    document.cookie = probe + "; path=/; max-age=60" + attributes;
    var works = document.cookie.split("; ").indexOf(probe) !== -1;
    document.cookie = "lti_cookie_check=; path=/; max-age=0" + attributes;
    return works;
  }

  function goOn(page) {
    window.location.replace(page.dataset.authUrl);
  }

  function checkCookiesThenGoOn(page) {
    if (cookiesWork(page.dataset.secure === "true")) {
      goOn(page);
      return;
    }
    document.getElementById("lti-login-status").textContent =
      "The Panopto tool cannot keep you signed in inside this page.";
    document.getElementById("lti-login-blocked").hidden = false;
  }

  function startLogin(page) {
    var data = page.dataset;
    if (data.mode !== "storage") {
      checkCookiesThenGoOn(page);
      return;
    }
    storageFor(data.platformOrigin, data.target)
      .then(function (storage) {
        return storage.put(stateKey(data.state), data.state).then(function () {
          return storage.put(nonceKey(data.nonce), data.nonce);
        });
      })
      .then(function () {
        page.dataset.stored = "true";
        goOn(page);
      }, function () {
        // No platform storage after all: the state cookie is the only way left.
        checkCookiesThenGoOn(page);
      });
  }

  // ---- launch page -----------------------------------------------------------------

  function verifyLaunch(holder) {
    var data = holder.dataset;
    var storage;
    return storageFor(data.platformOrigin, data.target)
      .then(function (found) {
        storage = found;
        return storage.get(stateKey(data.state));
      })
      .then(function (state) {
        if (state !== data.state) throw { code: "state_mismatch" };
        return storage.get(nonceKey(data.nonce));
      })
      .then(function (nonce) {
        if (nonce !== data.nonce) throw { code: "nonce_mismatch" };
        return fetch(data.confirmUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json" },
          body: JSON.stringify({ ticket: data.ticket, state: data.state, nonce: data.nonce }),
        });
      })
      .then(function (response) {
        if (!response.ok) throw { code: "refused" };
        document.querySelectorAll("[data-src]").forEach(function (frame) {
          frame.src = frame.dataset.src;
        });
        document.body.dataset.launchVerified = "true";
      });
  }

  function showVerifyFailure() {
    document.querySelectorAll("main").forEach(function (main) { main.hidden = true; });
    var failed = document.getElementById("lti-storage-failed");
    if (failed) failed.hidden = false;
    document.body.dataset.launchVerified = "false";
  }

  var login = document.getElementById("lti-login");
  if (login) {
    startLogin(login);
    return;
  }

  var holder = document.getElementById("lti-storage");
  if (holder && holder.dataset.mode === "verify") {
    window.ltiLaunchReady = verifyLaunch(holder);
    window.ltiLaunchReady.catch(showVerifyFailure);
  }
})();
