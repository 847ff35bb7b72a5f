// Review screens (the brand's review page and the creator's feedback): comments at a moment of the video.
// - A button with data-seek-ms plays the video from that moment. It names its video with data-seek-target
//   (an element id); without one it uses the video in the same [data-review-media] block, else the page's first.
//   A button whose video is not on the page is disabled (the moment stays readable).
// - A comment form's "at the current time" checkbox (data-at-current="<video id>") copies the video's current
//   time into the hidden at_ms field when the form is sent; pausing the video ticks it, so a comment written
//   while paused lands at that moment. The label shows the time it will use.
// - A video or image that can't be loaded (the file store unreachable, the signed link expired) says so in
//   words under it, instead of an empty player.

function videoFor(button) {
  const id = button.getAttribute("data-seek-target");
  if (id) {
    // A named video or none: never seek another version's video by mistake.
    const named = document.getElementById(id);
    return named instanceof HTMLVideoElement ? named : null;
  }
  const block = button.closest("[data-review-media]");
  const near = block ? block.querySelector("video") : null;
  return near || document.querySelector("video");
}

function clock(seconds) {
  const total = Math.max(0, Math.floor(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

function seek(button) {
  const video = videoFor(button);
  const ms = Number(button.getAttribute("data-seek-ms"));
  if (!video || !Number.isFinite(ms)) return;
  const go = () => {
    video.currentTime = ms / 1000;
    video.play().catch(() => {}); // autoplay rules may refuse; the position is set either way
  };
  // Before its metadata has loaded a video can't seek; wait for it (preload="metadata" makes it quick).
  if (video.readyState >= 1) go();
  else video.addEventListener("loadedmetadata", go, { once: true });
  video.scrollIntoView({ block: "nearest", behavior: "smooth" });
  video.focus({ preventScroll: true });
}

function wireCommentForm(form) {
  const box = form.querySelector("[data-at-current]");
  const hidden = form.querySelector("[data-at-ms]");
  if (!box || !hidden) return;
  const video = document.getElementById(box.getAttribute("data-at-current"));
  if (!(video instanceof HTMLVideoElement)) return;
  const label = box.closest("label");
  const shown = document.createElement("span");
  shown.className = "at-now";
  label?.append(shown);
  const update = () => {
    shown.textContent = ` (${clock(video.currentTime)})`;
  };
  video.addEventListener("timeupdate", update);
  video.addEventListener("seeked", update);
  video.addEventListener("pause", () => {
    if (video.currentTime > 0) box.checked = true;
    update();
  });
  update();
  form.addEventListener("submit", () => {
    hidden.value = box.checked ? String(Math.round(video.currentTime * 1000)) : "";
  });
}

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-seek-ms]") : null;
  if (button) {
    event.preventDefault();
    seek(button);
  }
});

const UNLOADABLE = "The file can't be shown right now: it could not be loaded from the file store. Reload the page in a minute.";

function sayUnloadable(media) {
  const block = media.closest("[data-review-media]");
  if (!block || block.querySelector("[data-media-failed]")) return;
  const note = document.createElement("p");
  note.className = "form-error";
  note.setAttribute("role", "alert");
  note.setAttribute("data-media-failed", "");
  note.textContent = UNLOADABLE;
  media.after(note);
}

function watchMedia(media) {
  // The load may have failed before this script ran (it is deferred): look, then listen.
  const failed =
    media instanceof HTMLVideoElement
      ? media.error !== null || media.networkState === HTMLMediaElement.NETWORK_NO_SOURCE
      : media.complete && media.naturalWidth === 0;
  if (failed) sayUnloadable(media);
  media.addEventListener("error", () => sayUnloadable(media));
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-review-media] video, [data-review-media] img").forEach(watchMedia);
  document.querySelectorAll("form[data-comment-form]").forEach(wireCommentForm);
  document.querySelectorAll("button[data-seek-ms]").forEach((button) => {
    if (!videoFor(button)) {
      button.disabled = true;
      button.title = "This version's video is not shown on this page";
    }
  });
});
