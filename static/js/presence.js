// Presence on the claim page (templates/disputes/_presence.html). htmx polls who else has the
// claim open; this script tells each poll whether this page's reply box holds a draft, polls at
// once when that changes, and says goodbye when the page goes away. The reply box is found by
// its id (or a data-presence-draft attribute), through document-wide events, because the
// composer swaps its own parts.
(() => {
  const form = document.getElementById("presence");
  if (!form) return;
  const typing = document.getElementById("presence-typing");
  const drafting = () => {
    const box = document.querySelector("#compose-text, [data-presence-draft]");
    return box && box.value.trim() !== "" ? "1" : "0";
  };
  const update = () => {
    const now = drafting();
    if (now !== typing.value) {
      typing.value = now;
      htmx.trigger(form, "presence-changed");
    }
  };
  // A refused poll (the session or its CSRF token gone) must not leave stale names on the page.
  const forget = () => document.getElementById("presence-people").replaceChildren();
  form.addEventListener("htmx:responseError", forget);
  form.addEventListener("htmx:sendError", forget);
  document.addEventListener("input", update);
  document.body.addEventListener("htmx:afterSwap", update); // a template picked into the box
  const token = () => {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch {
      return "";
    }
  };
  // Each poll and the goodbye carry this page load's token: after the goodbye the server no
  // longer lets a poll with it show the person (one sent just before may arrive after). Made
  // here, not in the HTML, which the browser may show again from its cache when the user goes
  // back; this runs (deferred) before htmx's first poll.
  const page = document.getElementById("presence-page");
  const newPage = () => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    page.value = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  };
  newPage();
  window.addEventListener("pagehide", () => {
    const data = new FormData();
    data.append("left", "1");
    data.append("page", page.value);
    data.append("csrfmiddlewaretoken", token());
    navigator.sendBeacon(form.action, data);
  });
  // Back from the browser's page cache: this page said goodbye, so it says hello again
  // straight away under a new token.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    newPage();
    htmx.trigger(form, "presence-changed");
  });
})();
