// Before the chooser inserts videos: would students be refused by Panopto?
//
// Asks the tool (POST /chooser/api/access/check) about each chosen video. When the
// deployment relies on Panopto's own sharing and a video is shared with specific people
// only, this shows which ones, offers a one-click fix per video ("anyone at the
// organisation with the link") and lets the person insert anyway or go back. Everything
// Panopto returns is put on the page as text.
(function () {
  "use strict";

  var root = document.getElementById("chooser");
  if (!root) return;
  var config = root.dataset;

  function call(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-Chooser-Token": config.token,
        "Content-Type": "application/json",
        Accept: "application/json",
      },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = (data && data.error) || {};
          throw new Error(error.message || "Panopto could not be asked. Please try again.");
        }
        return data;
      });
    });
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function ask(videos, refused) {
    return new Promise(function (resolve) {
      var panel = element("section", null, "access-warning");
      panel.id = "access-warning";
      panel.setAttribute("role", "alertdialog");
      panel.setAttribute("aria-labelledby", "access-warning-heading");
      var heading = element("h2", "Students may not be able to watch");
      heading.id = "access-warning-heading";
      panel.append(
        heading,
        element("p", "In Panopto these videos are shared only with specific people. " +
          "Students who were not given access there will be refused:")
      );

      var list = element("ul");
      var pending = refused.length;
      var insertButton = element("button", "Insert anyway", "primary");
      insertButton.type = "button";
      insertButton.id = "access-insert-anyway";

      refused.forEach(function (item) {
        var video = videos.filter(function (v) { return v.id === item.id; })[0];
        var row = element("li");
        row.append(element("span", (video ? video.name : item.id) + " "));
        var fix = element("button", "Let anyone at the university with the link watch");
        fix.type = "button";
        fix.className = "access-fix";
        fix.addEventListener("click", function () {
          fix.disabled = true;
          var url = config.accessShareUrlTemplate.replace(
            "SESSION_ID", encodeURIComponent(item.id));
          call(url).then(function () {
            fix.replaceWith(element("span", "Shared: students can watch now.", "access-fixed"));
            pending -= 1;
            if (pending === 0) insertButton.textContent = "Insert";
          }, function (error) {
            fix.disabled = false;
            row.append(element("span", " " + error.message, "access-error"));
          });
        });
        row.append(fix);
        list.append(row);
      });

      var cancel = element("button", "Go back");
      cancel.type = "button";
      function close(answer) {
        panel.remove();
        resolve(answer);
      }
      insertButton.addEventListener("click", function () { close(true); });
      cancel.addEventListener("click", function () { close(false); });

      var buttons = element("div", null, "access-buttons");
      buttons.append(insertButton, cancel);
      panel.append(list, buttons);
      root.append(panel);
      insertButton.focus();
    });
  }

  window.PanoptoAccessCheck = {
    // Resolves true to go on with the insert, false to stay in the chooser.
    confirm: function (videos) {
      var ids = videos.map(function (video) { return video.id; });
      return call(config.accessCheckUrl, { session_ids: ids }).then(function (answer) {
        var refused = (answer.sessions || []).filter(function (s) { return s.students_refused; });
        return refused.length ? ask(videos, refused) : true;
      }, function () {
        // The check is advice only: when it cannot be made, the insert goes ahead.
        return true;
      });
    },
  };
})();
