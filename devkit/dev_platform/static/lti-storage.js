// The platform side of LTI platform storage (1EdTech client-side postMessage drafts).
//
// On the task page (data-storage-role="page") it answers lti.capabilities, naming the
// frame that stores values: the hidden post_message_forwarding frame, or the page itself
// (PLATFORM_STORAGE=parent). The storing frame answers lti.put_data and lti.get_data.
// Only the registered tool's origin is answered, and values are kept per tool origin in
// this platform's sessionStorage, so one tool can never read another's.
(function () {
  "use strict";

  var FRAME_NAME = "post_message_forwarding";
  // Sizes the drafts suggest a platform may limit itself to.
  var MAX_KEY_LENGTH = 2048;
  var MAX_VALUE_LENGTH = 4096;

  var body = document.body;
  var role = body.dataset.storageRole;
  var mode = body.dataset.storageMode || "frame";
  var toolOrigin = body.dataset.toolOrigin;
  var memory = {};

  function storageKey(origin, key) { return "lti-storage:" + origin + ":" + key; }

  function put(origin, key, value) {
    var name = storageKey(origin, key);
    try {
      if (value === null) window.sessionStorage.removeItem(name);
      else window.sessionStorage.setItem(name, value);
    } catch (err) {
      if (value === null) delete memory[name];
      else memory[name] = value;
    }
  }

  function get(origin, key) {
    var name = storageKey(origin, key);
    try {
      var stored = window.sessionStorage.getItem(name);
      if (stored !== null) return stored;
    } catch (err) { /* fall through to memory */ }
    return Object.prototype.hasOwnProperty.call(memory, name) ? memory[name] : null;
  }

  function count(name) {
    body.dataset[name] = String((parseInt(body.dataset[name], 10) || 0) + 1);
  }

  function capabilities() {
    var messages = [{ subject: "lti.capabilities" }];
    if (mode === "off") return messages;
    var where = mode === "frame" ? { frame: FRAME_NAME } : {};
    messages.push(Object.assign({ subject: "lti.put_data" }, where));
    messages.push(Object.assign({ subject: "lti.get_data" }, where));
    return messages;
  }

  var stores = role === "frame" || (role === "page" && mode === "parent");

  window.addEventListener("message", function (event) {
    var data = event.data;
    if (!data || typeof data !== "object" || typeof data.subject !== "string") return;
    if (!toolOrigin || event.origin !== toolOrigin || !event.source) return;

    function answer(fields) {
      event.source.postMessage(Object.assign({
        subject: data.subject + ".response",
        message_id: data.message_id,
      }, fields), event.origin);
    }

    if (data.subject === "lti.capabilities" && role === "page") {
      answer({ supported_messages: capabilities() });
      return;
    }
    if (!stores || (data.subject !== "lti.put_data" && data.subject !== "lti.get_data")) {
      return;
    }
    if (typeof data.key !== "string" || !data.key || data.key.length > MAX_KEY_LENGTH) {
      answer({ error: { code: "bad_request", message: "The key must be a short string." } });
      return;
    }
    if (data.subject === "lti.put_data") {
      var value = data.value;
      if (value !== null && (typeof value !== "string" || value.length > MAX_VALUE_LENGTH)) {
        answer({ error: { code: "bad_request", message: "The value must be a short string." } });
        return;
      }
      put(event.origin, data.key, value);
      count("storagePuts");
      answer({ key: data.key, value: value });
      return;
    }
    count("storageGets");
    answer({ key: data.key, value: get(event.origin, data.key) });
  });
})();
