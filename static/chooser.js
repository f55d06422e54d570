// The Panopto video chooser. Everything Panopto returns is put on the page with textContent
// or as attribute values, never as HTML.
(function () {
  "use strict";

  const root = document.getElementById("chooser");
  const config = root.dataset;
  const multiple = config.multiple === "true";
  const TOP_FOLDER = "00000000-0000-0000-0000-000000000000";
  const SELECTION_KEY = "panopto-chooser-selection:" + config.token.slice(-24);

  const el = (id) => document.getElementById(id);
  const state = {
    path: [{ id: TOP_FOLDER, name: "All folders" }],
    query: "",
    page: 0,
    firstPageSize: 0,
    lastAction: null,
    selection: loadSelection(),
    // Bumped by every navigation; an answer for an older one is dropped, so a slow reply
    // can never replace the folder the person has since opened.
    view: 0,
    signingIn: false,
    popupTimer: null,
  };

  // ---- talking to the tool -------------------------------------------------------------

  class ApiError extends Error {
    constructor(code, message, retryable) {
      super(message);
      this.code = code;
      this.retryable = retryable;
    }
  }

  async function api(url, options) {
    const headers = { "X-Chooser-Token": config.token, Accept: "application/json" };
    let response;
    try {
      response = await fetch(url, Object.assign({ headers: headers }, options || {}));
    } catch (err) {
      throw new ApiError("network", "The tool could not be reached. Check your connection.", true);
    }
    let body = {};
    try { body = await response.json(); } catch (err) { body = {}; }
    if (!response.ok) {
      const error = body.error || {};
      throw new ApiError(error.code || "http_" + response.status,
        error.message || "Something went wrong. Please try again.", error.retryable !== false);
    }
    return body;
  }

  function sessionsUrl(folderId, page) {
    return config.sessionsUrlTemplate.replace("FOLDER_ID", encodeURIComponent(folderId)) +
      "?page=" + page;
  }

  // ---- showing state -------------------------------------------------------------------

  function setStatus(text) { el("status").textContent = text; }

  function showError(error, retry) {
    state.lastAction = retry;
    el("error-message").textContent = error.message;
    el("retry-button").hidden = !retry;
    el("error").hidden = false;
    setStatus("");
  }

  function clearError() { el("error").hidden = true; }

  function handleFailure(error, retry) {
    if (error.code === "panopto_sign_in_required") {
      el("browser").hidden = true;
      el("sign-in").hidden = false;
      setStatus("Sign in to Panopto to see your videos.");
      state.lastAction = retry;
      return;
    }
    showError(error, retry);
  }

  // ---- folders and videos --------------------------------------------------------------

  async function openFolder(index) {
    const view = ++state.view;
    state.path = state.path.slice(0, index + 1);
    state.query = "";
    el("search-input").value = "";
    el("clear-search").hidden = true;
    const folder = state.path[state.path.length - 1];
    clearError();
    setStatus("Loading " + folder.name + "…");
    try {
      const folders = await api(config.foldersUrl + "?parent=" + encodeURIComponent(folder.id));
      if (view !== state.view) return;
      el("sign-in").hidden = true;
      el("browser").hidden = false;
      renderBreadcrumbs();
      renderFolders(folders.folders);
      if (folder.id === TOP_FOLDER) {
        renderSessions([], true);
        el("results-heading").textContent = "Videos";
        setStatus(folders.folders.length + " folders. Open a folder or search for a video.");
        el("more-button").hidden = true;
        return;
      }
      el("results-heading").textContent = "Videos in " + folder.name;
      await loadSessions(0, true, view);
    } catch (error) {
      if (view === state.view) handleFailure(error, () => openFolder(index));
    }
  }

  async function loadSessions(page, replace, view) {
    if (view === undefined) view = ++state.view;
    const folder = state.path[state.path.length - 1];
    const url = state.query
      ? config.searchUrl + "?q=" + encodeURIComponent(state.query) + "&page=" + page
      : sessionsUrl(folder.id, page);
    setStatus("Loading videos…");
    clearError();
    try {
      const body = await api(url);
      if (view !== state.view) return;
      el("sign-in").hidden = true;
      el("browser").hidden = false;
      state.page = page;
      if (page === 0) state.firstPageSize = body.sessions.length;
      renderSessions(body.sessions, replace);
      // Panopto gives no totals: a page shorter than the first one, or an empty one, is last.
      const more = body.sessions.length > 0 && body.sessions.length >= state.firstPageSize;
      el("more-button").hidden = !more;
      const shown = el("session-list").children.length;
      setStatus(shown === 0
        ? (state.query ? "No videos match “" + state.query + "”." : "This folder has no videos.")
        : shown + " videos shown" + (more ? ", more available." : "."));
    } catch (error) {
      if (view === state.view) handleFailure(error, () => loadSessions(page, replace));
    }
  }

  async function search(query) {
    state.query = query;
    el("results-heading").textContent = "Videos matching “" + query + "”";
    el("folder-list").replaceChildren();
    el("clear-search").hidden = false;
    await loadSessions(0, true);
  }

  function renderBreadcrumbs() {
    const list = el("breadcrumbs");
    list.replaceChildren();
    state.path.forEach((folder, index) => {
      const item = document.createElement("li");
      if (index === state.path.length - 1) {
        const current = document.createElement("span");
        current.setAttribute("aria-current", "location");
        current.textContent = folder.name;
        item.append(current);
      } else {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = folder.name;
        button.addEventListener("click", () => openFolder(index));
        item.append(button);
      }
      list.append(item);
    });
  }

  function renderFolders(folders) {
    const list = el("folder-list");
    list.replaceChildren();
    folders.forEach((folder) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "folder";
      button.textContent = folder.name;
      button.setAttribute("aria-label", "Open folder " + folder.name);
      button.addEventListener("click", () => {
        state.path.push({ id: folder.id, name: folder.name });
        openFolder(state.path.length - 1);
      });
      item.append(button);
      list.append(item);
    });
  }

  function renderSessions(sessions, replace) {
    const list = el("session-list");
    if (replace) list.replaceChildren();
    sessions.forEach((session) => list.append(sessionItem(session)));
  }

  function sessionItem(session) {
    const item = document.createElement("li");
    item.className = "session";
    const id = "video-" + session.id;

    const input = document.createElement("input");
    input.type = multiple ? "checkbox" : "radio";
    input.name = "video";
    input.id = id;
    input.value = session.id;
    input.checked = state.selection.has(session.id);
    input.setAttribute("aria-labelledby", id + "-title");
    input.setAttribute("aria-describedby", id + "-meta");
    input.addEventListener("change", () => toggle(session, input.checked));

    const label = document.createElement("label");
    label.htmlFor = id;
    if (session.thumbnail_url) {
      const img = document.createElement("img");
      img.src = session.thumbnail_url;
      img.alt = "";
      img.loading = "lazy";
      img.width = 128;
      img.height = 72;
      label.append(img);
    }
    const title = document.createElement("span");
    title.className = "title";
    title.id = id + "-title";
    title.textContent = session.name;
    const meta = document.createElement("span");
    meta.className = "meta";
    meta.id = id + "-meta";
    meta.textContent = describe(session);
    label.append(title, meta);

    item.append(input, label);
    return item;
  }

  function describe(session) {
    const parts = [];
    if (session.folder_name) parts.push(session.folder_name);
    if (session.duration_seconds) parts.push(formatDuration(session.duration_seconds));
    if (session.start_time) {
      parts.push(new Date(session.start_time).toLocaleDateString(undefined,
        { year: "numeric", month: "short", day: "numeric" }));
    }
    return parts.join(" · ");
  }

  function formatDuration(seconds) {
    const total = Math.round(seconds);
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = String(total % 60).padStart(2, "0");
    return h ? h + ":" + String(m).padStart(2, "0") + ":" + s : m + ":" + s;
  }

  // ---- selection (kept in sessionStorage so a failure or reload loses nothing) ----------

  function loadSelection() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(SELECTION_KEY) || "[]");
      return new Map(saved.map((video) => [video.id, video]));
    } catch (err) {
      return new Map();
    }
  }

  function saveSelection() {
    try {
      sessionStorage.setItem(SELECTION_KEY, JSON.stringify([...state.selection.values()]));
    } catch (err) { /* storage may be blocked in a third-party frame; memory still works */ }
  }

  function toggle(session, chosen) {
    if (!multiple) state.selection.clear();
    if (chosen) state.selection.set(session.id, { id: session.id, name: session.name });
    else state.selection.delete(session.id);
    saveSelection();
    renderSelection();
  }

  function renderSelection() {
    const count = state.selection.size;
    el("selection-summary").textContent = count === 0 ? "No video chosen yet."
      : count === 1 ? "1 video chosen:" : count + " videos chosen:";
    const list = el("selection-list");
    list.replaceChildren();
    state.selection.forEach((video) => {
      const item = document.createElement("li");
      item.append(document.createTextNode(video.name + " "));
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", "Remove " + video.name);
      remove.addEventListener("click", () => {
        state.selection.delete(video.id);
        const box = document.getElementById("video-" + video.id);
        if (box) box.checked = false;
        saveSelection();
        renderSelection();
      });
      item.append(remove);
      list.append(item);
    });
    const button = el("insert-button");
    button.disabled = count === 0;
    button.textContent = count > 1 ? "Insert " + count + " videos" : "Insert video";
  }

  async function insert() {
    const button = el("insert-button");
    button.disabled = true;
    clearError();
    // access-check.js warns when students would be refused and offers a fix first.
    const check = window.PanoptoAccessCheck;
    if (check && !(await check.confirm([...state.selection.values()]))) {
      button.disabled = false;
      return;
    }
    setStatus("Inserting…");
    try {
      const body = await api(config.insertUrl, {
        method: "POST",
        headers: {
          "X-Chooser-Token": config.token,
          "Content-Type": "application/json",
          Accept: "application/json",
        },
        body: JSON.stringify({ session_ids: [...state.selection.keys()] }),
      });
      // Browsers that block third-party cookies also refuse storage to this frame.
      try { sessionStorage.removeItem(SELECTION_KEY); } catch (err) { /* nothing saved */ }
      const form = el("return-form");
      form.action = body.return_url;
      form.elements.JWT.value = body.jwt;
      form.submit();
    } catch (error) {
      button.disabled = false;
      handleFailure(error, insert);
    }
  }

  // ---- Panopto sign-in pop-up ----------------------------------------------------------

  function signIn() {
    state.signingIn = true;
    const url = config.connectUrl + "?t=" + encodeURIComponent(config.token);
    const popup = window.open(url, "panopto-sign-in", "width=640,height=720");
    if (!popup) {
      el("popup-link").href = url;
      el("popup-blocked").hidden = false;
      return;
    }
    setStatus("Waiting for you to sign in to Panopto in the new window…");
    window.clearInterval(state.popupTimer);
    state.popupTimer = window.setInterval(() => {
      if (popup.closed) signInFinished();
    }, 500);
  }

  // Reached by the pop-up's message or, if that never comes, by the pop-up closing: carry
  // on once, whichever happens first.
  function signInFinished() {
    window.clearInterval(state.popupTimer);
    if (!state.signingIn) return;
    state.signingIn = false;
    retry();
  }

  function retry() {
    clearError();
    const action = state.lastAction || (() => openFolder(state.path.length - 1));
    state.lastAction = null;
    action();
  }

  window.addEventListener("message", (event) => {
    if (event.origin !== window.location.origin) return;
    if (event.data && event.data.subject === "panopto.connected") signInFinished();
  });

  // ---- wiring --------------------------------------------------------------------------

  el("sign-in-button").addEventListener("click", signIn);
  el("retry-button").addEventListener("click", retry);
  el("insert-button").addEventListener("click", insert);
  el("more-button").addEventListener("click", () => loadSessions(state.page + 1, false));
  el("clear-search").addEventListener("click", () => openFolder(state.path.length - 1));
  el("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const query = el("search-input").value.trim();
    if (query) search(query);
  });

  renderSelection();
  // A launch that came without cookies is usable once lti-storage.js has verified it.
  (window.ltiLaunchReady || Promise.resolve()).then(() => openFolder(0), () => {});
})();
