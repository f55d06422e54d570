// Shared by the chooser's modules: its settings, talking to the tool, and the status line.
// Everything Panopto returns reaches the page through textContent or attribute values,
// never as HTML.

export const root = document.getElementById("chooser");
export const config = root.dataset;
export const multiple = config.multiple === "true";
export const staff = config.staff === "true";
export const displays = (config.displays || "inline").split(" ");
export const TOP_FOLDER = "00000000-0000-0000-0000-000000000000";

export const el = (id) => document.getElementById(id);

export class ApiError extends Error {
  constructor(code, message, retryable) {
    super(message);
    this.code = code;
    this.retryable = retryable;
  }
}

export async function api(url, options) {
  const settings = Object.assign({}, options || {});
  settings.headers = Object.assign(
    { "X-Chooser-Token": config.token, Accept: "application/json" },
    settings.headers || {});
  if (settings.json !== undefined) {
    settings.headers["Content-Type"] = "application/json";
    settings.body = JSON.stringify(settings.json);
    delete settings.json;
  }
  let response;
  try {
    response = await fetch(url, settings);
  } catch (err) {
    if (err.name === "AbortError") throw err;
    throw new ApiError("network", "The tool could not be reached. Check your connection.", true);
  }
  let body = {};
  try { body = await response.json(); } catch (err) { body = {}; }
  if (!response.ok) throw errorFrom(response.status, body);
  return body;
}

export function errorFrom(status, body) {
  const error = (body && body.error) || {};
  return new ApiError(error.code || "http_" + status,
    error.message || "Something went wrong. Please try again.", error.retryable !== false);
}

export function sessionUrl(sessionId, suffix) {
  return config.sessionUrlTemplate.replace("SESSION_ID", encodeURIComponent(sessionId)) +
    (suffix || "");
}

export function folderSessionsUrl(folderId, page) {
  return config.sessionsUrlTemplate.replace("FOLDER_ID", encodeURIComponent(folderId)) +
    "?page=" + page;
}

export function setStatus(text) { el("status").textContent = text; }

// ---- errors and the Panopto sign-in they may call for ---------------------------------

let lastAction = null;

export function showError(error, retry) {
  lastAction = retry || null;
  el("error-message").textContent = error.message;
  el("retry-button").hidden = !retry;
  el("error").hidden = false;
  // The message sits above the lists: bring it into view when the person has scrolled
  // down to the button that failed (screen readers hear it through role="alert").
  el("error").scrollIntoView({ block: "nearest" });
  setStatus("");
}

export function clearError() { el("error").hidden = true; }

export function handleFailure(error, retry) {
  if (error.code === "panopto_sign_in_required") {
    el("workspace").hidden = true;
    el("sign-in").hidden = false;
    setStatus("Sign in to Panopto to see your videos.");
    lastAction = retry || null;
    return;
  }
  showError(error, retry);
}

export function takeRetry() {
  const action = lastAction;
  lastAction = null;
  return action;
}

// ---- formatting -----------------------------------------------------------------------

export function formatDuration(seconds) {
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? h + ":" + String(m).padStart(2, "0") + ":" + s : m + ":" + s;
}

// Dates appear in the viewer's own time zone, with the zone named.
export function formatDate(iso) {
  return new Date(iso).toLocaleString(undefined, {
    year: "numeric", month: "short", day: "numeric",
    hour: "numeric", minute: "2-digit", timeZoneName: "short",
  });
}

export function formatBytes(bytes) {
  if (bytes >= 1e9) return (bytes / 1e9).toFixed(1) + " GB";
  if (bytes >= 1e6) return (bytes / 1e6).toFixed(1) + " MB";
  return Math.max(1, Math.round(bytes / 1e3)) + " kB";
}

export function formatTimeLeft(seconds) {
  if (!isFinite(seconds)) return "working out the time left";
  if (seconds < 60) return "about " + Math.max(1, Math.round(seconds)) + " s left";
  if (seconds < 3600) return "about " + Math.round(seconds / 60) + " min left";
  return "about " + (seconds / 3600).toFixed(1) + " h left";
}

// ---- dialogs: focus goes back to whatever opened them ---------------------------------

export function openDialog(dialog, opener) {
  dialog.returnFocusTo = opener || document.activeElement;
  dialog.showModal();
}

document.querySelectorAll("dialog").forEach((dialog) => {
  dialog.querySelectorAll("[data-close]").forEach((button) => {
    button.addEventListener("click", () => dialog.close());
  });
  dialog.addEventListener("close", () => {
    const target = dialog.returnFocusTo;
    if (target && document.contains(target)) target.focus();
  });
});
