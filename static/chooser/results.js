// Lists of videos: one row per video with its thumbnail, title, folder, length and date,
// a way to choose it, preview it and manage it, and "Load more" for the next page.
import { clearError, formatDate, formatDuration, handleFailure, multiple, setStatus } from "./core.js";
import { choose, isChosen, onChange } from "./selection.js";

const lists = [];

export class ResultList {
  // fetchPage(page) resolves to {sessions: [...]}; messages.empty says what "none" means.
  constructor(listElement, moreButton, actions) {
    this.list = listElement;
    this.more = moreButton;
    this.actions = actions;
    this.fetchPage = null;
    this.page = 0;
    this.firstPageSize = 0;
    this.view = 0;
    this.emptyText = "No videos here.";
    this.more.addEventListener("click", () => this.load(this.page + 1));
    lists.push(this);
  }

  // Start over with a new source; answers for an older source are dropped, so a slow
  // reply never replaces what the person has since asked for.
  show(fetchPage, emptyText) {
    this.fetchPage = fetchPage;
    this.emptyText = emptyText;
    this.view += 1;
    this.list.replaceChildren();
    this.more.hidden = true;
    return this.load(0);
  }

  async load(page) {
    const view = this.view;
    clearError();
    setStatus("Loading videos…");
    this.list.setAttribute("aria-busy", "true");
    try {
      const body = await this.fetchPage(page);
      if (view !== this.view) return;
      this.page = page;
      if (page === 0) this.firstPageSize = body.sessions.length;
      const firstNew = this.list.children.length;
      body.sessions.forEach((session) => this.list.append(this.item(session)));
      // Panopto gives no totals: a page shorter than the first one, or an empty one, is last.
      const more = body.sessions.length > 0 && body.sessions.length >= this.firstPageSize;
      this.more.hidden = !more;
      const shown = this.list.children.length;
      setStatus(shown === 0 ? this.emptyText
        : shown + (shown === 1 ? " video shown" : " videos shown") +
          (more ? ", more available." : "."));
      // After "Load more", keyboard users land on the first new video.
      if (page > 0 && this.list.children[firstNew]) {
        this.list.children[firstNew].querySelector("input").focus();
      }
      if (shown === 0) this.list.append(emptyItem(this.emptyText));
    } catch (error) {
      if (view === this.view) handleFailure(error, () => this.load(page));
    } finally {
      this.list.removeAttribute("aria-busy");
    }
  }

  add(session) {
    const empty = this.list.querySelector(".empty");
    if (empty) empty.remove();
    this.list.prepend(this.item(session));
  }

  item(session) {
    const item = document.createElement("li");
    item.className = "session";
    item.dataset.sessionId = session.id;
    const id = this.list.id + "-" + session.id;

    const input = document.createElement("input");
    input.type = multiple ? "checkbox" : "radio";
    input.name = multiple ? id : "video";
    input.id = id;
    input.value = session.id;
    input.checked = isChosen(session.id);
    input.setAttribute("aria-describedby", id + "-meta");
    input.addEventListener("change", () => choose(session, input.checked));

    const label = document.createElement("label");
    label.htmlFor = id;
    const picture = document.createElement("span");
    picture.className = "thumb";
    if (session.thumbnail_url) {
      const img = document.createElement("img");
      img.src = session.thumbnail_url;
      img.alt = "";
      img.loading = "lazy";
      img.width = 128;
      img.height = 72;
      picture.append(img);
    }
    const title = document.createElement("span");
    title.className = "title";
    title.textContent = session.name;
    label.append(picture, title);

    const meta = document.createElement("span");
    meta.className = "meta";
    meta.id = id + "-meta";
    meta.textContent = describe(session);

    const buttons = document.createElement("span");
    buttons.className = "row-actions";
    buttons.append(
      actionButton("Preview", "Preview " + session.name, (b) => this.actions.preview(session, b)),
      actionButton("Manage", "Manage " + session.name, (b) => this.actions.manage(session, b)));

    const text = document.createElement("span");
    text.className = "text";
    text.append(label, meta);
    item.append(input, text, buttons);
    return item;
  }

  syncChecks() {
    this.list.querySelectorAll("input").forEach((input) => {
      input.checked = isChosen(input.value);
    });
  }
}

function actionButton(text, label, onClick) {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "small";
  button.textContent = text;
  button.setAttribute("aria-label", label);
  button.addEventListener("click", () => onClick(button));
  return button;
}

function emptyItem(text) {
  const item = document.createElement("li");
  item.className = "empty";
  item.textContent = text;
  return item;
}

export function describe(session) {
  const parts = [];
  if (session.folder_name) parts.push(session.folder_name);
  parts.push(session.duration_seconds ? formatDuration(session.duration_seconds)
    : session.processing ? "still processing" : "length unknown");
  if (session.start_time) parts.push(formatDate(session.start_time));
  return parts.join(" · ");
}

// Rows in every list follow the selection, wherever it was changed.
onChange(() => lists.forEach((list) => list.syncChecks()));

// A video renamed, moved or deleted changes every list that shows it.
export function updateEverywhere(session) {
  lists.forEach((list) => {
    list.list.querySelectorAll('li[data-session-id="' + CSS.escape(session.id) + '"]')
      .forEach((row) => row.replaceWith(list.item(session)));
  });
}

export function removeEverywhere(sessionId) {
  lists.forEach((list) => {
    list.list.querySelectorAll('li[data-session-id="' + CSS.escape(sessionId) + '"]')
      .forEach((row) => row.remove());
  });
}
