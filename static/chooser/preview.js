// Watching a video in the chooser before choosing it.
import { api, el, formatDate, formatDuration, handleFailure, openDialog, sessionUrl } from "./core.js";
import { choose, isChosen } from "./selection.js";

let current = null;

export async function preview(session, opener) {
  current = session;
  const dialog = el("preview-dialog");
  el("preview-title").textContent = "Preview: " + session.name;
  el("preview-frame").title = "Preview of " + session.name;
  el("preview-frame").removeAttribute("src");
  el("preview-meta").textContent = "";
  el("preview-description").textContent = session.description || "";
  el("preview-choose").textContent = isChosen(session.id) ? "Chosen" : "Choose this video";
  el("preview-choose").disabled = isChosen(session.id);
  el("preview-open").removeAttribute("href");
  openDialog(dialog, opener);
  try {
    const details = await api(sessionUrl(session.id));
    if (current !== session) return;
    el("preview-frame").src = details.preview_url;
    el("preview-open").href = details.viewer_url;
    const parts = [details.folder_name,
      details.duration_seconds ? formatDuration(details.duration_seconds) : "still processing",
      details.start_time ? formatDate(details.start_time) : null];
    el("preview-meta").textContent = parts.filter(Boolean).join(" · ");
    el("preview-description").textContent = details.description || "";
  } catch (error) {
    dialog.close();
    handleFailure(error, () => preview(session, opener));
  }
}

el("preview-choose").addEventListener("click", () => {
  if (current) choose(current, true);
  el("preview-dialog").close();
});
el("preview-dialog").addEventListener("close", () => {
  // Stop the player: a closed dialog must not keep playing sound.
  el("preview-frame").removeAttribute("src");
});
