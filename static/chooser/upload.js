// Uploading a file (or a recording) into Panopto, in parts.
//
// The file never travels whole: each part is a slice of it, sent in its own request and
// streamed on by the tool to Panopto. A part that fails is sent again (three tries, then
// the person can resume); cancelling stops the part in flight and the whole upload.
import {
  ApiError, api, config, el, errorFrom, formatBytes, formatTimeLeft, setStatus,
} from "./core.js";

const PART_TRIES = 3;
const POLL_MS = 2000;
// Speed is measured over the last few seconds, so it follows a connection that changes.
const SPEED_WINDOW_MS = 5000;

let job = null;
let attached = null; // a recording waiting to be uploaded instead of a picked file
let onSessionReady = () => {};

export function whenSessionReady(callback) { onSessionReady = callback; }

// The default destination is the unit's folder, else a folder inside it (where the
// unit's students can watch), else the first folder the person may upload into.
export function setFolders(folders, unitId) {
  const select = el("upload-folder");
  select.replaceChildren();
  folders.forEach((folder) => select.append(new Option(folder.name, folder.id)));
  const preferred = folders.find((folder) => folder.id === unitId) ||
    folders.find((folder) => unitId && folder.parent_id === unitId);
  if (preferred) select.value = preferred.id;
  select.disabled = folders.length < 2;
  el("upload-button").disabled = folders.length === 0;
  if (folders.length === 0) {
    el("drop-hint").textContent = "You cannot add videos to any Panopto folder. Ask your " +
      "Panopto administrator for a folder you can upload into.";
  }
}

// A recording is uploaded through the same path as a picked file.
export function attachRecording(file) {
  attached = file;
  el("upload-file").value = "";
  el("recording-chosen").textContent = "Your recording (" + formatBytes(file.size) +
    ") is ready to upload. Choose another file to upload that instead.";
  el("recording-chosen").hidden = false;
  if (!el("upload-title").value) el("upload-title").value = file.name.replace(/\.[^.]+$/, "");
}

function chosenFile() {
  return el("upload-file").files[0] || attached;
}

function suggestTitle(file) {
  if (!el("upload-title").value.trim()) {
    el("upload-title").value = file.name.replace(/\.[^.]+$/, "").replace(/[_-]+/g, " ");
  }
}

// ---- one upload -----------------------------------------------------------------------

class UploadJob {
  constructor(file, upload) {
    this.file = file;
    this.upload = upload;
    this.received = new Set(upload.received_parts);
    this.cancelled = false;
    this.xhr = null;
    this.samples = [];
    this.inFlight = 0;
  }

  get url() { return config.uploadsUrl + "/" + encodeURIComponent(this.upload.id); }

  sentBytes() {
    let bytes = this.inFlight;
    this.received.forEach((number) => { bytes += this.partLength(number); });
    return bytes;
  }

  partLength(number) {
    const { size, part_size: partSize, part_count: count } = this.upload;
    return number < count ? partSize : size - partSize * (count - 1);
  }

  async run() {
    showProgress(this);
    for (let number = 1; number <= this.upload.part_count; number += 1) {
      if (this.cancelled) return;
      if (this.received.has(number)) continue;
      await this.sendWithRetries(number);
    }
    await this.finish();
  }

  async sendWithRetries(number) {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.sendPart(number);
        this.received.add(number);
        this.inFlight = 0;
        showProgress(this);
        return;
      } catch (error) {
        this.inFlight = 0;
        if (this.cancelled) throw error;
        if (attempt >= PART_TRIES || !error.retryable) throw error;
        figures("Part " + number + " did not arrive; sending it again (try " +
          (attempt + 1) + " of " + PART_TRIES + ")…");
        await pause(1000 * 2 ** (attempt - 1));
      }
    }
  }

  sendPart(number) {
    const start = (number - 1) * this.upload.part_size;
    const body = this.file.slice(start, start + this.partLength(number));
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      this.xhr = xhr;
      xhr.open("PUT", this.url + "/parts/" + number);
      xhr.setRequestHeader("X-Chooser-Token", config.token);
      xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", (event) => {
        this.inFlight = event.loaded;
        showProgress(this);
      });
      xhr.addEventListener("load", () => {
        if (xhr.status >= 200 && xhr.status < 300) return resolve();
        let answer = {};
        try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = {}; }
        reject(errorFrom(xhr.status, answer));
      });
      xhr.addEventListener("error", () => reject(new ApiError(
        "network", "The connection dropped while sending part " + number + ".", true)));
      xhr.addEventListener("abort", () => reject(new ApiError(
        "cancelled", "The upload was cancelled.", false)));
      xhr.send(body);
    });
  }

  async finish() {
    figures("All parts sent. Handing the video to Panopto…");
    this.upload = await api(this.url + "/complete", { method: "POST" });
    el("upload-cancel").hidden = true;
    await this.watchProcessing();
  }

  async watchProcessing() {
    let announced = false;
    while (!this.cancelled) {
      if (this.upload.session_id && !announced) {
        announced = true;
        onSessionReady({
          id: this.upload.session_id, name: this.upload.title, folder_id: this.upload.folder_id,
          processing: this.upload.state === "processing",
        });
      }
      if (this.upload.state === "complete") {
        done("“" + this.upload.title + "” is ready in Panopto and chosen for inserting.");
        return;
      }
      if (this.upload.state === "failed") {
        done("Panopto could not process “" + this.upload.title + "”: " +
          (this.upload.message || "the file may be damaged") +
          " Try another file, or record again.", true);
        return;
      }
      figures(announced
        ? "Panopto is processing the video. You can insert it now: until it is ready, " +
          "viewers see “still processing”."
        : "Panopto is preparing the video…");
      await pause(POLL_MS);
      this.upload = await api(this.url);
    }
  }

  async cancel() {
    this.cancelled = true;
    if (this.xhr) this.xhr.abort();
    try {
      await api(this.url, { method: "DELETE" });
    } catch (error) { /* already finished or gone: nothing more to stop */ }
  }
}

function pause(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

// ---- showing progress -----------------------------------------------------------------

function figures(text) { el("upload-figures").textContent = text; }

let lastFigures = 0;

function showProgress(current) {
  const sent = current.sentBytes();
  const total = current.upload.size;
  const now = performance.now();
  current.samples.push([now, sent]);
  while (current.samples.length > 2 && now - current.samples[0][0] > SPEED_WINDOW_MS) {
    current.samples.shift();
  }
  const percent = Math.min(100, Math.floor((sent / total) * 100));
  el("upload-bar").value = percent;
  // Figures change at most twice a second, so screen readers are not flooded.
  if (now - lastFigures < 500 && sent < total) return;
  lastFigures = now;
  const [t0, b0] = current.samples[0];
  const speed = now > t0 ? ((sent - b0) / (now - t0)) * 1000 : 0;
  figures(percent + "% · " + formatBytes(sent) + " of " + formatBytes(total) + " · " +
    (speed > 0 ? formatBytes(speed) + "/s · " + formatTimeLeft((total - sent) / speed)
      : "starting"));
}

function done(message, failed) {
  figures(message);
  setStatus(message);
  el("upload-cancel").hidden = true;
  el("upload-resume").hidden = true;
  el("upload-another").hidden = false;
  el("upload-progress").classList.toggle("failed", !!failed);
  job = null;
}

function paused(error) {
  figures("The upload stopped: " + error.message + " Nothing sent is lost; resume when " +
    "you are ready.");
  setStatus("The upload stopped. Resume it when you are ready.");
  el("upload-resume").hidden = false;
  el("upload-resume").focus();
}

async function runJob(current) {
  job = current;
  el("upload-form").hidden = true;
  el("upload-progress").hidden = false;
  el("upload-progress").classList.remove("failed");
  el("upload-cancel").hidden = false;
  el("upload-resume").hidden = true;
  el("upload-another").hidden = true;
  el("upload-name").textContent = "Uploading “" + current.upload.title + "” (" +
    formatBytes(current.upload.size) + ")";
  setStatus("Uploading “" + current.upload.title + "”. You can keep choosing videos " +
    "meanwhile.");
  try {
    await current.run();
  } catch (error) {
    if (current.cancelled) return;
    paused(error);
  }
}

// ---- the form -------------------------------------------------------------------------

async function startUpload(event) {
  event.preventDefault();
  const file = chosenFile();
  if (!file) {
    figuresOrStatus("Choose a file to upload, or record one.");
    el("upload-file").focus();
    return;
  }
  const title = el("upload-title").value.trim();
  if (!title) {
    figuresOrStatus("Give the video a title.");
    el("upload-title").focus();
    return;
  }
  el("upload-button").disabled = true;
  setStatus("Starting the upload…");
  try {
    const upload = await api(config.uploadsUrl, {
      method: "POST",
      json: {
        folder_id: el("upload-folder").value,
        title: title,
        description: el("upload-description").value,
        filename: file.name,
        size: file.size,
        content_type: file.type,
      },
    });
    await runJob(new UploadJob(file, upload));
  } catch (error) {
    el("upload-form").hidden = false;
    el("upload-progress").hidden = true;
    figuresOrStatus(error.message);
  } finally {
    el("upload-button").disabled = false;
  }
}

function figuresOrStatus(text) {
  setStatus(text);
  el("drop-hint").textContent = text;
}

function reset() {
  attached = null;
  el("upload-form").reset();
  el("recording-chosen").hidden = true;
  el("upload-form").hidden = false;
  el("upload-progress").hidden = true;
  el("upload-file").focus();
}

// ---- uploads that stopped before they finished ----------------------------------------

export async function offerResume() {
  let body;
  try {
    body = await api(config.uploadsUrl);
  } catch (error) {
    return;
  }
  const box = el("resume-list");
  box.replaceChildren();
  body.uploads.forEach((upload) => box.append(resumeItem(upload)));
  box.hidden = body.uploads.length === 0;
}

function resumeItem(upload) {
  const item = document.createElement("div");
  item.className = "resume-item";
  const sent = upload.received_parts.length * upload.part_size;
  const text = document.createElement("p");
  text.textContent = "“" + upload.title + "” (" + upload.filename + ") stopped after " +
    Math.min(99, Math.floor((sent / upload.size) * 100)) + "%. Choose the same file to " +
    "carry on from there.";
  const picker = document.createElement("input");
  picker.type = "file";
  picker.id = "resume-" + upload.id;
  const label = document.createElement("label");
  label.htmlFor = picker.id;
  label.textContent = "Same file for “" + upload.title + "”";
  picker.addEventListener("change", () => {
    const file = picker.files[0];
    if (!file) return;
    if (file.size !== upload.size) {
      text.textContent = "That is not the same file (its size differs). Choose " +
        upload.filename + " again.";
      return;
    }
    item.remove();
    runJob(new UploadJob(file, upload));
  });
  const discard = document.createElement("button");
  discard.type = "button";
  discard.textContent = "Discard";
  discard.setAttribute("aria-label", "Discard the upload of " + upload.title);
  discard.addEventListener("click", async () => {
    await api(config.uploadsUrl + "/" + encodeURIComponent(upload.id), { method: "DELETE" })
      .catch(() => null);
    item.remove();
  });
  item.append(text, label, picker, discard);
  return item;
}

// ---- wiring ---------------------------------------------------------------------------

const zone = el("drop-zone");
zone.addEventListener("dragover", (event) => {
  event.preventDefault();
  zone.classList.add("dragging");
});
zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
zone.addEventListener("drop", (event) => {
  event.preventDefault();
  zone.classList.remove("dragging");
  const file = event.dataTransfer.files[0];
  if (!file) return;
  const transfer = new DataTransfer();
  transfer.items.add(file);
  el("upload-file").files = transfer.files;
  el("upload-file").dispatchEvent(new Event("change"));
});
el("upload-file").addEventListener("change", () => {
  const file = el("upload-file").files[0];
  if (!file) return;
  attached = null;
  el("recording-chosen").hidden = true;
  el("drop-hint").textContent = file.name + " (" + formatBytes(file.size) + ")";
  suggestTitle(file);
});
el("upload-form").addEventListener("submit", startUpload);
el("upload-cancel").addEventListener("click", async () => {
  if (!job) return;
  const current = job;
  job = null;
  await current.cancel();
  done("Upload cancelled. Nothing was added to Panopto.");
});
el("upload-resume").addEventListener("click", () => {
  if (job) runJob(job);
});
el("upload-another").addEventListener("click", reset);
