// The Panopto video chooser: browse, search, upload, record, preview, manage, insert.
import {
  TOP_FOLDER, api, clearError, config, el, folderSessionsUrl, handleFailure, setStatus,
  showError, staff, takeRetry,
} from "./chooser/core.js";
import { manage, setFolderSource } from "./chooser/manage.js";
import { preview } from "./chooser/preview.js";
import { whenRecordingChosen } from "./chooser/record.js";
import { ResultList } from "./chooser/results.js";
import { choose, insert, render as renderSelection } from "./chooser/selection.js";
import { attachRecording, offerResume, setFolders, whenSessionReady } from "./chooser/upload.js";

const SEARCH_DELAY_MS = 300;
const actions = { preview: preview, manage: manage };

const state = {
  context: null,
  path: [{ id: TOP_FOLDER, name: "All folders" }],
  query: "",
  view: 0,
  signingIn: false,
  popupTimer: null,
  creatorFolders: null,
  started: false,
};

// ---- tabs (WAI-ARIA tabs: arrow keys move between them) --------------------------------

const tabs = [...document.querySelectorAll('[role="tab"]')];
const opened = new Set();

function selectTab(tab, focus) {
  tabs.forEach((other) => {
    const selected = other === tab;
    other.setAttribute("aria-selected", selected ? "true" : "false");
    other.tabIndex = selected ? 0 : -1;
    el(other.getAttribute("aria-controls")).hidden = !selected;
  });
  if (focus) tab.focus();
  const name = tab.id.replace("tab-", "");
  if (!opened.has(name)) {
    opened.add(name);
    firstOpen(name);
  }
}

tabs.forEach((tab, index) => {
  tab.addEventListener("click", () => selectTab(tab, false));
  tab.addEventListener("keydown", (event) => {
    const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    selectTab(tabs[(moves[event.key] + tabs.length) % tabs.length], true);
  });
});

function firstOpen(name) {
  if (name === "mine") showCreatorFolders();
  if (name === "recent") recentList.show((page) => api(config.recentUrl + "?page=" + page),
    "You have not watched any videos lately.");
  if (name === "own") showOwnVideos();
  if (name === "upload") prepareUpload();
}

// ---- browsing folders and searching (staff) --------------------------------------------

const browseList = staff ? new ResultList(el("browse-results"), el("browse-more"), actions) : null;
const recentList = staff ? new ResultList(el("recent-results"), el("recent-more"), actions) : null;
const ownList = staff ? null : new ResultList(el("own-results"), el("own-more"), actions);

// `moveFocus` is false only for a view nobody asked for by keyboard or mouse: the button a
// keyboard user pressed is replaced by the new view, so focus goes to where they now are.
async function openFolder(index, moveFocus = true) {
  const view = ++state.view;
  state.path = state.path.slice(0, index + 1);
  state.query = "";
  el("search-input").value = "";
  el("clear-search").hidden = true;
  const folder = state.path[state.path.length - 1];
  clearError();
  setStatus("Loading " + folder.name + "…");
  try {
    const body = await api(config.foldersUrl + "?parent=" + encodeURIComponent(folder.id));
    if (view !== state.view) return;
    renderBreadcrumbs();
    renderFolders(el("folder-list"), body.folders);
    if (moveFocus) el("current-folder").focus();
    if (folder.id === TOP_FOLDER) {
      el("browse-heading").textContent = "Videos";
      browseList.show(async () => ({ sessions: [] }),
        body.folders.length + " folders. Open a folder or search for a video.");
      return;
    }
    el("browse-heading").textContent = "Videos in " + folder.name;
    await browseList.show((page) => api(folderSessionsUrl(folder.id, page)),
      "This folder has no videos yet. Upload or record one.");
  } catch (error) {
    if (view === state.view) handleFailure(error, () => openFolder(index));
  }
}

function openFolderAtTop(folder, moveFocus = true) {
  state.path = [state.path[0], { id: folder.id, name: folder.name }];
  selectTab(el("tab-browse"), false);
  return openFolder(1, moveFocus);
}

function search(query) {
  state.view += 1;
  state.query = query;
  el("browse-heading").textContent = "Videos matching “" + query + "”";
  el("folder-list").replaceChildren();
  el("breadcrumbs").replaceChildren();
  el("clear-search").hidden = false;
  selectTab(el("tab-browse"), false);
  return browseList.show(
    (page) => api(config.searchUrl + "?q=" + encodeURIComponent(query) + "&page=" + page),
    "No videos match “" + query + "”. Try fewer or other words.");
}

function renderBreadcrumbs() {
  const list = el("breadcrumbs");
  list.replaceChildren();
  state.path.forEach((folder, index) => {
    const item = document.createElement("li");
    if (index === state.path.length - 1) {
      const current = document.createElement("span");
      current.setAttribute("aria-current", "location");
      current.id = "current-folder";
      current.tabIndex = -1;
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

function renderFolders(list, folders, onOpen) {
  list.replaceChildren();
  folders.forEach((folder) => {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "folder";
    button.textContent = folder.name;
    button.setAttribute("aria-label", "Open folder " + folder.name);
    button.addEventListener("click", () => {
      if (onOpen) return onOpen(folder);
      state.path.push({ id: folder.id, name: folder.name });
      openFolder(state.path.length - 1);
    });
    item.append(button);
    list.append(item);
  });
  if (folders.length === 0 && onOpen) {
    const item = document.createElement("li");
    item.className = "empty";
    item.textContent = "There is no folder you can add videos to.";
    list.append(item);
  }
}

async function creatorFolders() {
  if (!state.creatorFolders) {
    state.creatorFolders = (await api(config.creatorFoldersUrl)).folders;
  }
  return state.creatorFolders;
}

async function showCreatorFolders() {
  try {
    renderFolders(el("mine-list"), await creatorFolders(), openFolderAtTop);
    setStatus("Folders you can add videos to. Open one to see its videos.");
  } catch (error) {
    handleFailure(error, showCreatorFolders);
  }
}

// ---- a student's own folder ------------------------------------------------------------

function ownFolder() { return state.context && state.context.own_folder; }

function showOwnVideos() {
  const folder = ownFolder();
  if (!folder) {
    ownList.show(async () => ({ sessions: [] }), "You have no Panopto folder to add videos to.");
    return;
  }
  el("own-heading").textContent = "Videos in " + folder.name;
  ownList.show((page) => api(folderSessionsUrl(folder.id, page)),
    "No videos in your folder yet. Record or upload one.");
}

// ---- uploads and recordings -------------------------------------------------------------

async function prepareUpload() {
  try {
    const folders = await creatorFolders();
    const unit = state.context && state.context.unit_folder;
    setFolders(folders, unit && unit.id);
    offerResume();
  } catch (error) {
    handleFailure(error, prepareUpload);
  }
}

whenRecordingChosen((file) => {
  attachRecording(file);
  selectTab(el("tab-upload"), false);
  el("upload-title").focus();
  setStatus("Your recording is attached. Check the title and folder, then choose Upload.");
});

// A new video can be inserted as soon as Panopto has made its session.
whenSessionReady((session) => {
  choose(session, true);
  const list = staff ? browseList : ownList;
  if (list) list.add(session);
  setStatus("“" + session.name + "” is chosen. You can insert it now.");
});

// ---- starting, and the Panopto sign-in pop-up -----------------------------------------

async function start() {
  clearError();
  setStatus("Loading your Panopto videos…");
  try {
    state.context = await api(config.contextUrl);
  } catch (error) {
    handleFailure(error, start);
    return;
  }
  el("sign-in").hidden = true;
  el("workspace").hidden = false;
  if (!state.started) {
    state.started = true;
    selectTab(tabs[0], false);
  }
  if (staff) {
    const unit = state.context.unit_folder;
    el("shortcuts").hidden = !unit;
    if (unit) {
      el("unit-folder-button").textContent = unit.name + " (this unit)";
      el("unit-folder-button").onclick = () => openFolderAtTop(unit);
      await openFolderAtTop(unit, false);
    } else {
      await openFolder(0, false);
    }
  } else {
    setStatus("Record or upload a video into " +
      (ownFolder() ? ownFolder().name : "your folder") + ".");
  }
}

// Each chooser names its own pop-up, so two open choosers never share one window.
const POPUP_NAME = "panopto-sign-in-" + Math.random().toString(36).slice(2);

function signIn() {
  state.signingIn = true;
  clearError();
  const popup = window.open(config.connectUrl, POPUP_NAME, "width=640,height=720");
  if (!popup) {
    el("popup-link").href = config.connectUrl;
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

function signInFailed(message) {
  window.clearInterval(state.popupTimer);
  state.signingIn = false;
  showError({ message: message }, signIn);
  el("retry-button").textContent = "Sign in again";
}

function retry() {
  clearError();
  el("retry-button").textContent = "Try again";
  const action = takeRetry();
  if (!state.context || !action) return start();
  el("sign-in").hidden = true;
  el("workspace").hidden = false;
  return action();
}

// Messages from our own sign-in window (same origin only). It asks for the chooser token
// rather than getting it in its URL, and reports how the sign-in ended.
window.addEventListener("message", (event) => {
  if (event.origin !== window.location.origin || !state.signingIn) return;
  const data = event.data || {};
  if (data.subject === "panopto.ready" && event.source) {
    event.source.postMessage({ subject: "panopto.token", token: config.token },
      window.location.origin);
  } else if (data.subject === "panopto.connected") {
    signInFinished();
  } else if (data.subject === "panopto.sign_in_failed") {
    signInFailed(String(data.message || "Panopto sign-in did not finish."));
  }
});

// ---- wiring ---------------------------------------------------------------------------

setFolderSource(creatorFolders);
el("sign-in-button").addEventListener("click", signIn);
el("retry-button").addEventListener("click", retry);
el("insert-button").addEventListener("click", insert);

if (staff) {
  let timer = null;
  const input = el("search-input");
  el("clear-search").addEventListener("click", () => openFolder(state.path.length - 1));
  el("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    const query = input.value.trim();
    if (query) search(query);
  });
  // Search as the person types, once they pause.
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const query = input.value.trim();
    timer = setTimeout(() => {
      if (query.length >= 2 && query !== state.query) search(query);
      if (!query && state.query) openFolder(state.path.length - 1);
    }, SEARCH_DELAY_MS);
  });
}

renderSelection();
// A launch that came without cookies is usable once lti-storage.js has verified it.
(window.ltiLaunchReady || Promise.resolve()).then(() => start(), () => {});
