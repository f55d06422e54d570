// The videos chosen so far, each with its embed options, and inserting them. Kept in
// sessionStorage per person and course, so that a failure, or a chooser closed and opened
// again, loses nothing.
import {
  api, clearError, config, displays, el, handleFailure, multiple, openDialog, setStatus,
} from "./core.js";

const KEY = "panopto-chooser-selection:" + config.selectionKey;
const DEFAULT_OPTIONS = {
  start: "0:00", autoplay: false, captions: false, show_title: true,
  size: "medium", aspect: "16:9", display: displays.includes("inline") ? "inline" : displays[0],
};
const chosen = load();
const listeners = [];

function load() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(KEY) || "[]");
    // A place that takes one video keeps only the latest choice.
    const kept = multiple ? saved : saved.slice(-1);
    return new Map(kept.map((video) => [video.id, video]));
  } catch (err) {
    return new Map();
  }
}

function save() {
  try {
    sessionStorage.setItem(KEY, JSON.stringify([...chosen.values()]));
  } catch (err) { /* storage may be blocked in a third-party frame; memory still works */ }
}

export function isChosen(id) { return chosen.has(id); }

export function onChange(listener) { listeners.push(listener); }

export function choose(video, yes) {
  if (yes && !multiple) chosen.clear();
  if (yes) {
    const kept = chosen.get(video.id);
    chosen.set(video.id, {
      id: video.id, name: video.name,
      options: (kept && kept.options) || Object.assign({}, DEFAULT_OPTIONS),
    });
  } else {
    chosen.delete(video.id);
  }
  save();
  render();
  listeners.forEach((listener) => listener());
}

export function render() {
  const count = chosen.size;
  el("selection-summary").textContent = count === 0 ? "No video chosen yet."
    : count === 1 ? "1 video chosen:" : count + " videos chosen:";
  const list = el("selection-list");
  list.replaceChildren();
  chosen.forEach((video) => list.append(selectionItem(video)));
  const button = el("insert-button");
  button.disabled = count === 0;
  button.textContent = count > 1 ? "Insert " + count + " videos" : "Insert video";
}

function selectionItem(video) {
  const item = document.createElement("li");
  const name = document.createElement("span");
  name.className = "chosen-name";
  name.textContent = video.name;
  const summary = document.createElement("span");
  summary.className = "hint";
  summary.textContent = " (" + describeOptions(video.options) + ")";

  const edit = document.createElement("button");
  edit.type = "button";
  edit.className = "link";
  edit.textContent = "Options";
  edit.setAttribute("aria-label", "Options for " + video.name);
  edit.addEventListener("click", () => editOptions(video, edit));

  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "link";
  remove.textContent = "Remove";
  remove.setAttribute("aria-label", "Remove " + video.name);
  remove.addEventListener("click", () => choose(video, false));

  item.append(name, summary, " ", edit, " ", remove);
  return item;
}

function describeOptions(options) {
  const parts = [options.display === "thumbnail" ? "thumbnail link" : options.size + " player"];
  if (options.start && options.start !== "0:00") parts.push("starts at " + options.start);
  if (options.autoplay) parts.push("autoplay");
  if (options.captions) parts.push("captions on");
  if (!options.show_title) parts.push("no title");
  if (options.aspect !== "16:9") parts.push(options.aspect);
  return parts.join(", ");
}

// ---- the options dialog ---------------------------------------------------------------

let editing = null;
// m:ss, mm:ss, mmm:ss or h:mm:ss, as the tool accepts.
const CLOCK = /^(?:\d{1,2}:[0-5]\d|\d{1,3}):[0-5]\d$/;

function editOptions(video, opener) {
  editing = video;
  const options = video.options;
  el("options-title").textContent = "How to show “" + video.name + "”";
  el("option-start").value = options.start && options.start !== "0:00" ? options.start : "";
  el("option-autoplay").checked = options.autoplay;
  el("option-captions").checked = options.captions;
  el("option-title").checked = options.show_title;
  el("option-size").value = options.size;
  radio("option-aspect", options.aspect);
  radio("option-display", options.display);
  el("option-start-error").hidden = true;
  el("option-start").removeAttribute("aria-invalid");
  openDialog(el("options-dialog"), opener);
}

function radio(name, value) {
  document.querySelectorAll('input[name="' + name + '"]').forEach((input) => {
    input.checked = input.value === value;
  });
}

function radioValue(name) {
  const checked = document.querySelector('input[name="' + name + '"]:checked');
  return checked ? checked.value : null;
}

function saveOptions(event) {
  event.preventDefault();
  const start = el("option-start").value.trim() || "0:00";
  if (!CLOCK.test(start)) {
    const error = el("option-start-error");
    error.textContent = "Write the start time as minutes and seconds, such as 1:30.";
    error.hidden = false;
    el("option-start").setAttribute("aria-invalid", "true");
    el("option-start").focus();
    return;
  }
  editing.options = {
    start: start,
    autoplay: el("option-autoplay").checked,
    captions: el("option-captions").checked,
    show_title: el("option-title").checked,
    size: el("option-size").value,
    aspect: radioValue("option-aspect"),
    display: radioValue("option-display"),
  };
  save();
  render();
  el("options-dialog").close();
  setStatus("Options saved for " + editing.name + ".");
}

// Offer only the displays this place in OnTrack accepts.
["inline", "thumbnail"].forEach((display) => {
  el("option-display-" + display + "-label").hidden = !displays.includes(display);
});
if (displays.length < 2) el("option-display-set").hidden = true;
el("options-form").addEventListener("submit", saveOptions);

// ---- inserting ------------------------------------------------------------------------

export async function insert() {
  const button = el("insert-button");
  button.disabled = true;
  clearError();
  // access-check.js warns when students would be refused and offers a fix first.
  const check = window.PanoptoAccessCheck;
  if (check && !(await check.confirm([...chosen.values()]))) {
    button.disabled = false;
    return;
  }
  setStatus("Inserting…");
  try {
    const body = await api(config.insertUrl, {
      method: "POST",
      json: {
        items: [...chosen.values()].map((video) => ({
          session_id: video.id, options: video.options,
        })),
      },
    });
    // Browsers that block third-party cookies also refuse storage to this frame.
    try { sessionStorage.removeItem(KEY); } catch (err) { /* nothing was saved */ }
    const form = el("return-form");
    form.action = body.return_url;
    form.elements.JWT.value = body.jwt;
    form.submit();
  } catch (error) {
    button.disabled = false;
    handleFailure(error, insert);
  }
}
