// Site-wide behaviour: htmx, local times, and a notice when an htmx request fails.
import htmx from "htmx.org";

window.htmx = htmx;

function localiseTimes(root) {
  const format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  root.querySelectorAll("time[data-local]").forEach((el) => {
    const when = new Date(el.getAttribute("datetime"));
    if (!Number.isNaN(when.getTime())) {
      el.title = el.textContent;
      el.textContent = format.format(when);
    }
  });
}

function showNotice(message) {
  let box = document.querySelector(".flashes");
  if (!box) {
    box = document.createElement("div");
    box.className = "flashes";
    box.setAttribute("role", "status");
    box.setAttribute("aria-live", "polite");
    document.querySelector("main")?.prepend(box);
  }
  const p = document.createElement("p");
  p.className = "flash flash-error";
  p.textContent = message;
  box.append(p);
}

document.addEventListener("DOMContentLoaded", () => localiseTimes(document));
document.addEventListener("htmx:afterSwap", (event) => localiseTimes(event.target));
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  showNotice(status >= 500 ? "Something went wrong on our side. Please try again." : "That did not work. Reload the page and try again.");
});
document.addEventListener("htmx:sendError", () => showNotice("You seem to be offline. Check your connection and try again."));

// Back-office shell: the phone menu opens and closes; "/" jumps to the header search (not while typing).
document.addEventListener("click", (event) => {
  const toggle = event.target.closest(".menu-toggle");
  if (!toggle) return;
  const nav = document.getElementById(toggle.getAttribute("aria-controls"));
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  nav?.classList.toggle("open", open);
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest?.("input, textarea, select, [contenteditable]")) return;
  const search = document.getElementById("header-search-q");
  if (search) {
    event.preventDefault();
    search.focus();
  }
});
