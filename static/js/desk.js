// Small behaviours the pages share. No inline scripts: the CSP forbids them.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit();
  }
});

// Countdown badges: the server renders the text; keep it current while the page stays open.
// Worded as the server words it (disputes/templatetags/desk.py), in the page's language through
// Django's JavaScript catalogue (gettext, ngettext and interpolate come from /jsi18n/).
function span(ms) {
  let minutes = Math.floor(Math.abs(ms) / 60000);
  const days = Math.floor(minutes / 1440); minutes -= days * 1440;
  const hours = Math.floor(minutes / 60); minutes -= hours * 60;
  const d = interpolate(ngettext("%s d", "%s d", days), [days]);
  const h = interpolate(ngettext("%s h", "%s h", hours), [hours]);
  const m = interpolate(ngettext("%s min", "%s min", minutes), [minutes]);
  // Translators: a time span in two units, the larger first, as in "2 d 5 h" or "3 h 10 min".
  const pair = (larger, smaller) => interpolate(gettext("%(larger)s %(smaller)s"), { larger, smaller }, true);
  return days ? pair(d, h) : hours ? pair(h, m) : m;
}
// The day a moment falls on in the user's time zone (the server's "due today" is "before the
// user's local midnight"); the browser's own zone if the page names none it knows.
function localDay(ms, zone) {
  const parts = { year: "numeric", month: "2-digit", day: "2-digit" };
  try {
    return new Intl.DateTimeFormat("en-CA", { ...parts, timeZone: zone || undefined }).format(ms);
  } catch (error) {
    return new Intl.DateTimeFormat("en-CA", parts).format(ms);
  }
}
// The badge's state by the server's rule (disputes/models/due.py): overdue, then due today,
// then due soon (within the rule's first warning), else fine. Each state is a CSS class.
const DUE_STATES = ["fine", "warning", "today", "overdue"];
function dueState(due, now, soonSeconds, zone) {
  const left = due - now;
  if (left < 0) return "overdue";
  if (localDay(due, zone) === localDay(now, zone)) return "today";
  if (left <= soonSeconds * 1000) return "warning";
  return "fine";
}
function refreshCountdowns() {
  const now = Date.now();
  document.querySelectorAll("[data-due]").forEach((badge) => {
    const due = Date.parse(badge.dataset.due);
    const left = due - now;
    if (Number.isNaN(left)) return;
    if (left < 0) {
      badge.textContent = interpolate(gettext("overdue by %(span)s"), { span: span(left) }, true);
    } else {
      badge.textContent = interpolate(gettext("%(span)s left"), { span: span(left) }, true);
    }
    const state = dueState(due, now, Number(badge.dataset.soon) || 0, badge.dataset.tz);
    if (!badge.classList.contains(`badge-${state}`)) {
      DUE_STATES.forEach((name) => badge.classList.remove(`badge-${name}`));
      badge.classList.add(`badge-${state}`);
      badge.dataset.state = state;
    }
  });
}
setInterval(refreshCountdowns, 60000);

// Scripts run: the stylesheet may fold what only a script can unfold (the narrow-screen menu).
document.documentElement.classList.add("js");

// The header's menu on narrow screens: the button folds and unfolds the navigation.
document.addEventListener("click", (event) => {
  const toggle = event.target instanceof Element ? event.target.closest("[data-nav-toggle]") : null;
  if (!toggle) return;
  const bar = toggle.closest(".topbar");
  const open = bar.classList.toggle("nav-open");
  toggle.setAttribute("aria-expanded", String(open));
});

// The header's managers' menu is a <details> (it opens without scripts): Escape folds it and
// gives the focus back to its summary, and a click anywhere else folds it.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const menu = document.querySelector("[data-nav-menu][open]");
  if (!menu) return;
  menu.open = false;
  menu.querySelector("summary").focus();
});
document.addEventListener("click", (event) => {
  document.querySelectorAll("[data-nav-menu][open]").forEach((menu) => {
    if (!(event.target instanceof Node) || !menu.contains(event.target)) menu.open = false;
  });
});

// The queue's select-all box and the count of ticked claims.
function updateSelection(form) {
  const boxes = [...form.querySelectorAll("input[type=checkbox][name=claims]")];
  const ticked = boxes.filter((box) => box.checked).length;
  const all = form.querySelector("[data-select-all]");
  if (all) {
    all.checked = boxes.length > 0 && ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  }
  const count = form.querySelector("[data-selected-count]");
  if (count) {
    count.textContent = ticked
      ? interpolate(ngettext("%(n)s claim selected", "%(n)s claims selected", ticked), { n: ticked }, true)
      : "";
  }
}
document.addEventListener("change", (event) => {
  const el = event.target;
  if (!(el instanceof HTMLInputElement) || !el.form) return;
  if (el.hasAttribute("data-select-all")) {
    el.form.querySelectorAll("input[type=checkbox][name=claims]").forEach((box) => { box.checked = el.checked; });
  }
  if (el.hasAttribute("data-select-all") || el.name === "claims") updateSelection(el.form);
});
function initSelections() {
  document.querySelectorAll("[data-select-all]").forEach((all) => { if (all.form) updateSelection(all.form); });
}
document.addEventListener("DOMContentLoaded", initSelections);
document.addEventListener("htmx:afterSettle", initSelections);

// Saving the queue's view: the filters as they are now (they change in place, without a reload).
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  form.querySelectorAll("input[data-filters-of]").forEach((input) => {
    const filters = document.getElementById(input.dataset.filtersOf);
    if (filters instanceof HTMLFormElement) {
      input.value = new URLSearchParams(new FormData(filters)).toString();
    }
  });
});
