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

// Payouts queue: the total of the ticked payables, per currency, as they are ticked (the confirmation page
// shows the same total from the server before anything happens; this is only a preview).
function tickedTotal() {
  const out = document.getElementById("ticked-total");
  if (!out) return;
  const sums = new Map();
  let count = 0;
  document.querySelectorAll("input[data-amount-minor]:checked").forEach((box) => {
    const currency = box.dataset.currency;
    sums.set(currency, (sums.get(currency) || 0n) + BigInt(box.dataset.amountMinor));
    count += 1;
  });
  const parts = [...sums.entries()].sort().map(([currency, minor]) => {
    const digits = new Intl.NumberFormat("en-US", { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits;
    const scale = 10n ** BigInt(digits);
    // The whole part grouped by Intl, then the exact minor digits (BigInt: no floating point in money).
    const whole = new Intl.NumberFormat("en-US", { style: "currency", currency, minimumFractionDigits: 0, maximumFractionDigits: 0 })
      .format(minor / scale);
    return digits ? `${whole}.${(minor % scale).toString().padStart(digits, "0")}` : whole;
  });
  out.textContent = count ? `Ticked: ${count} payable${count === 1 ? "" : "s"}, ${parts.join(" + ")}` : "";
}
document.addEventListener("change", (event) => {
  if (event.target.matches?.("input[data-amount-minor]")) tickedTotal();
});
