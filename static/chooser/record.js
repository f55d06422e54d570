// Recording from the camera, the screen or both, with the microphone, through the
// browser's MediaRecorder. The recording is previewed, can be re-taken, and is then
// uploaded through the same path as a picked file.
import { el } from "./core.js";

const TYPES = ["video/webm;codecs=vp9,opus", "video/webm;codecs=vp8,opus", "video/webm",
  "video/mp4"];
const FRAME_RATE = 30;

let streams = [];
let recorder = null;
let chunks = [];
let recording = null;
let clockTimer = null;
let drawing = null;
let onUse = () => {};

export function whenRecordingChosen(callback) { onUse = callback; }

function say(text) { el("record-status").textContent = text; }

function show(ids) {
  ["record-start", "record-stop", "record-retake", "record-use"].forEach((id) => {
    el(id).hidden = !ids.includes(id);
  });
}

function source() {
  return document.querySelector('input[name="record-source"]:checked').value;
}

async function captureStreams(kind, withMicrophone) {
  const taken = [];
  try {
    if (kind === "camera" || kind === "both") {
      taken.push(await navigator.mediaDevices.getUserMedia({
        video: { width: { ideal: 1280 }, height: { ideal: 720 } }, audio: withMicrophone,
      }));
    } else if (withMicrophone) {
      taken.push(await navigator.mediaDevices.getUserMedia({ audio: true }));
    }
    if (kind === "screen" || kind === "both") {
      taken.unshift(await navigator.mediaDevices.getDisplayMedia({
        video: { frameRate: FRAME_RATE }, audio: false,
      }));
    }
  } catch (error) {
    taken.forEach(stopStream);
    throw error;
  }
  return taken;
}

// Screen and camera together: the screen fills a canvas with the camera in a corner.
function composite(screen, camera) {
  const canvas = document.createElement("canvas");
  const screenVideo = videoOf(screen);
  const cameraVideo = videoOf(camera);
  const context = canvas.getContext("2d");
  const draw = () => {
    canvas.width = screenVideo.videoWidth || 1280;
    canvas.height = screenVideo.videoHeight || 720;
    context.drawImage(screenVideo, 0, 0, canvas.width, canvas.height);
    const width = Math.round(canvas.width / 4);
    const height = Math.round((width * 9) / 16);
    context.drawImage(cameraVideo, canvas.width - width - 16, canvas.height - height - 16,
      width, height);
  };
  drawing = setInterval(draw, 1000 / FRAME_RATE);
  const mixed = canvas.captureStream(FRAME_RATE);
  camera.getAudioTracks().forEach((track) => mixed.addTrack(track));
  return mixed;
}

function videoOf(stream) {
  const video = document.createElement("video");
  video.muted = true;
  video.srcObject = new MediaStream(stream.getVideoTracks());
  video.play();
  return video;
}

function stopStream(stream) { stream.getTracks().forEach((track) => track.stop()); }

function release() {
  clearInterval(drawing);
  clearInterval(clockTimer);
  streams.forEach(stopStream);
  streams = [];
  const live = el("record-live");
  live.srcObject = null;
  live.hidden = true;
}

async function start() {
  const kind = source();
  const withMicrophone = el("record-microphone").checked;
  say("Asking your browser for the " + (kind === "camera" ? "camera"
    : kind === "screen" ? "screen" : "screen and camera") + "…");
  try {
    streams = await captureStreams(kind, withMicrophone);
  } catch (error) {
    say(error.name === "NotAllowedError"
      ? "The browser was not allowed to record. Allow the camera, microphone or screen " +
        "for this page and try again."
      : "Recording could not start: " + (error.message || error.name) + ".");
    return;
  }

  let stream;
  if (kind === "both") {
    stream = composite(streams[0], streams[1]);
  } else {
    stream = new MediaStream(streams.flatMap((s) => s.getTracks()));
  }
  const live = el("record-live");
  live.srcObject = new MediaStream(stream.getVideoTracks());
  live.hidden = false;
  live.play().catch(() => null);
  el("record-playback").hidden = true;

  const type = TYPES.find((candidate) => MediaRecorder.isTypeSupported(candidate)) || "";
  chunks = [];
  recorder = new MediaRecorder(stream, type ? { mimeType: type } : {});
  recorder.addEventListener("dataavailable", (event) => {
    if (event.data.size) chunks.push(event.data);
  });
  recorder.addEventListener("stop", finished);
  // Someone can end a screen share from the browser's own bar: stop recording then too.
  stream.getVideoTracks().forEach((track) => track.addEventListener("ended", stop));
  recorder.start(1000);

  const started = Date.now();
  el("record-clock").hidden = false;
  el("record-clock").textContent = "0:00";
  clockTimer = setInterval(() => {
    const seconds = Math.floor((Date.now() - started) / 1000);
    el("record-clock").textContent = Math.floor(seconds / 60) + ":" +
      String(seconds % 60).padStart(2, "0");
  }, 500);
  show(["record-stop"]);
  el("record-stop").focus();
  say("Recording. Choose “Stop recording” when you are done.");
}

function stop() {
  if (recorder && recorder.state !== "inactive") recorder.stop();
}

function finished() {
  release();
  const type = (recorder.mimeType || "video/webm").split(";")[0];
  const blob = new Blob(chunks, { type: type });
  const stamp = new Date();
  const name = "Recording " + stamp.toLocaleDateString(undefined,
    { day: "numeric", month: "short", year: "numeric" }) + " " +
    stamp.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  const extension = type === "video/mp4" ? "mp4" : "webm";
  recording = new File([blob], name.replace(/[^\w ]+/g, "-") + "." + extension, { type: type });
  const playback = el("record-playback");
  if (playback.src) URL.revokeObjectURL(playback.src);
  playback.src = URL.createObjectURL(blob);
  playback.hidden = false;
  show(["record-retake", "record-use"]);
  el("record-use").focus();
  say("Here is your recording (" + el("record-clock").textContent + "). Watch it, re-take " +
    "it, or upload it.");
}

function retake() {
  recording = null;
  el("record-playback").hidden = true;
  el("record-clock").hidden = true;
  show(["record-start"]);
  el("record-start").focus();
  say("Choose what to record, then start.");
}

el("record-start").addEventListener("click", start);
el("record-stop").addEventListener("click", stop);
el("record-retake").addEventListener("click", retake);
el("record-use").addEventListener("click", () => { if (recording) onUse(recording); });

if (!window.MediaRecorder || !navigator.mediaDevices) {
  el("record-start").disabled = true;
  say("This browser cannot record here. Record with another app and upload the file.");
}
