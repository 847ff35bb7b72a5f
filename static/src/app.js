// Site-wide behaviour: htmx, local times, and a notice when an htmx request fails.
import htmx from "htmx.org";

window.htmx = htmx;

// The server writes moments in UTC ("Mon 14 Dec 2026, 21:55 UTC"); here they become the viewer's own
// time zone in the very same pattern as every date on the page (templating.py's `when`).
const localFormat = new Intl.DateTimeFormat("en-GB", {
  weekday: "short",
  day: "2-digit",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

function formatLocal(when) {
  const part = Object.fromEntries(localFormat.formatToParts(when).map((p) => [p.type, p.value]));
  return `${part.weekday} ${part.day} ${part.month} ${part.year}, ${part.hour}:${part.minute}`;
}

function localiseTimes(root) {
  root.querySelectorAll("time[data-local]").forEach((el) => {
    const when = new Date(el.getAttribute("datetime"));
    if (!Number.isNaN(when.getTime())) {
      el.title = el.textContent;
      el.textContent = formatLocal(when);
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

// Filters that fold away on a phone (<details data-open-wide>) start open where there is room for them.
function openWide(root) {
  if (window.matchMedia("(min-width: 48rem)").matches) {
    root.querySelectorAll("details[data-open-wide]").forEach((el) => {
      el.open = true;
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  localiseTimes(document);
  openWide(document);
});
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
