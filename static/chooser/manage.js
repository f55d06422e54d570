// Managing a video the person created: rename, describe, move, captions, delete.
import {
  ApiError, api, config, el, errorFrom, openDialog, sessionUrl, setStatus,
} from "./core.js";
import { removeEverywhere, updateEverywhere } from "./results.js";
import { choose } from "./selection.js";

let current = null;
let loadFolders = async () => [];

export function setFolderSource(source) { loadFolders = source; }

function say(text) { el("manage-status").textContent = text; }

function fail(error) {
  el("manage-error-message").textContent = error.message;
  el("manage-error").hidden = false;
  say("");
}

function clear() { el("manage-error").hidden = true; }

export async function manage(session, opener) {
  current = null;
  clear();
  el("manage-title").textContent = "Manage “" + session.name + "”";
  el("manage-form").hidden = true;
  el("captions-form").hidden = true;
  el("delete-confirm").hidden = true;
  el("delete-button").parentElement.hidden = true;
  say("Loading…");
  openDialog(el("manage-dialog"), opener);
  try {
    const [details, folders] = await Promise.all([api(sessionUrl(session.id)), loadFolders()]);
    if (!details.can_edit) {
      say("You can change only videos you created. Ask the video’s owner to make changes.");
      return;
    }
    current = details;
    fill(details, folders);
    say("");
  } catch (error) {
    fail(error);
  }
}

function fill(details, folders) {
  el("manage-name").value = details.name;
  el("manage-description").value = details.description || "";
  const select = el("manage-folder");
  select.replaceChildren();
  const known = folders.some((folder) => folder.id === details.folder_id);
  if (!known && details.folder_id) {
    select.append(new Option(details.folder_name || "Current folder", details.folder_id));
  }
  folders.forEach((folder) => select.append(new Option(folder.name, folder.id)));
  select.value = details.folder_id;
  el("manage-editor").href = details.editor_url;
  el("delete-name").textContent = details.name;
  el("manage-form").hidden = false;
  el("captions-form").hidden = false;
  el("delete-button").parentElement.hidden = false;
  el("manage-name").focus();
}

async function saveChanges(event) {
  event.preventDefault();
  clear();
  const name = el("manage-name").value.trim();
  if (!name) {
    fail(new ApiError("bad_request", "A video needs a title.", false));
    el("manage-name").focus();
    return;
  }
  say("Saving…");
  try {
    const updated = await api(sessionUrl(current.id), {
      method: "PUT",
      json: {
        name: name,
        description: el("manage-description").value,
        folder_id: el("manage-folder").value,
      },
    });
    current = updated;
    updateEverywhere(updated);
    say("Saved.");
    setStatus("Saved changes to " + updated.name + ".");
  } catch (error) {
    fail(error);
  }
}

async function uploadCaptions(event) {
  event.preventDefault();
  clear();
  const file = el("captions-file").files[0];
  if (!file) {
    fail(new ApiError("bad_request", "Choose a caption file (.srt or .vtt).", false));
    el("captions-file").focus();
    return;
  }
  const form = new FormData();
  form.append("language", el("captions-language").value);
  form.append("replace", el("captions-replace").checked ? "true" : "false");
  form.append("file", file, file.name);
  say("Uploading captions…");
  try {
    const response = await fetch(sessionUrl(current.id, "/captions"), {
      method: "POST",
      headers: { "X-Chooser-Token": config.token, Accept: "application/json" },
      body: form,
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw errorFrom(response.status, body);
    const language = el("captions-language").selectedOptions[0].textContent;
    say("Captions in " + language + " uploaded.");
    el("captions-file").value = "";
  } catch (error) {
    fail(error instanceof ApiError ? error
      : new ApiError("network", "The captions could not be sent. Try again.", true));
  }
}

async function deleteVideo() {
  clear();
  say("Deleting…");
  try {
    await api(sessionUrl(current.id), { method: "DELETE" });
    removeEverywhere(current.id);
    choose(current, false);
    setStatus("Deleted " + current.name + ".");
    el("manage-dialog").close();
  } catch (error) {
    fail(error);
  }
}

el("manage-form").addEventListener("submit", saveChanges);
el("captions-form").addEventListener("submit", uploadCaptions);
el("delete-button").addEventListener("click", () => {
  el("delete-confirm").hidden = false;
  el("delete-keep").focus();
});
el("delete-keep").addEventListener("click", () => {
  el("delete-confirm").hidden = true;
  el("delete-button").focus();
});
el("delete-confirm-button").addEventListener("click", deleteVideo);
