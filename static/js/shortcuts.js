// Keyboard shortcuts: "/" search, j / k next / previous claim, Enter open it (queue), r reply,
// a assign to me, e close, ? the list. They bind to stable ids and data attributes, never to
// the layout: the search box #site-search, queue rows [data-claim], the composer's
// #compose textarea, the forms #assign-form and #close-form. None fires while typing in a
// field or with a modifier held. Words come from the JavaScript catalogue (/jsi18n/).
(() => {
  const script = document.getElementById("shortcuts-script");
  if (!script) return;
  const me = script.dataset.user;
  const QUEUE_KEY = "desk.queue";  // the queue's address (its filters), kept for j / k on a claim

  function urlFor(template, id) {
    return template.replace("/0/", `/${id}/`);  // the URL reversed with id 0
  }

  // The claim this page shows, from its address (the claim URL with the id swapped in).
  function currentClaim() {
    const pattern = script.dataset.claimUrl.replace(/\/0\/$/, "/(\\d+)/$");
    const match = new RegExp(`^${pattern}`).exec(window.location.pathname);
    return match ? match[1] : null;
  }

  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    if (target.isContentEditable) return true;
    const tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag !== "INPUT") return false;
    const type = (target.getAttribute("type") || "text").toLowerCase();
    return !["checkbox", "radio", "button", "submit", "reset", "image", "range", "color", "file"].includes(type);
  }

  // --- the queue: a highlighted row moved by j / k, opened by Enter -------------------------
  function rows() {
    return Array.from(document.querySelectorAll("[data-claim]"));
  }
  function highlighted() {
    return document.querySelector("[data-claim].kbd-current");
  }
  function claimLink(row) {
    const id = row.dataset.claim;
    return row.querySelector(`a[href="${urlFor(script.dataset.claimUrl, id)}"]`) || row.querySelector("a[href]");
  }
  function moveHighlight(step) {
    const all = rows();
    if (!all.length) return false;
    const current = highlighted();
    let index = current ? all.indexOf(current) + step : step > 0 ? 0 : all.length - 1;
    index = Math.max(0, Math.min(all.length - 1, index));
    if (current) {
      current.classList.remove("kbd-current");
      current.removeAttribute("aria-current");
    }
    const row = all[index];
    row.classList.add("kbd-current");
    row.setAttribute("aria-current", "true");
    row.scrollIntoView({ block: "nearest" });
    return true;
  }

  function rememberQueue() {
    if (window.location.pathname !== script.dataset.queueUrl) return;
    try {
      sessionStorage.setItem(QUEUE_KEY, window.location.search);
    } catch (error) {
      // Storage refused (private mode): j / k then follow the unfiltered queue.
    }
  }
  function savedQueueFilters() {
    try {
      return sessionStorage.getItem(QUEUE_KEY) || "";
    } catch (error) {
      return "";
    }
  }
  rememberQueue();
  document.addEventListener("htmx:pushedIntoHistory", rememberQueue);

  // --- the claim page -------------------------------------------------------------------------
  function stepClaim(direction) {
    const id = currentClaim();
    if (!id) return false;
    const template = direction === "next" ? script.dataset.nextUrl : script.dataset.previousUrl;
    window.location.assign(urlFor(template, id) + savedQueueFilters());
    return true;
  }

  function focusReply() {
    const box = document.querySelector("#compose textarea[name=body]");
    if (!box) return false;
    box.scrollIntoView({ block: "center" });
    box.focus();
    return true;
  }

  function assignToMe() {
    const form = document.getElementById("assign-form");
    const select = form && form.querySelector("select[name=assignee]");
    if (!select || !Array.from(select.options).some((option) => option.value === me)) return false;
    select.value = me;
    form.requestSubmit();
    return true;
  }

  function startClosing() {
    const form = document.getElementById("close-form");
    if (!form) return false;
    const details = form.closest("details");
    if (details) details.open = true;
    const first = form.querySelector("select, textarea, input:not([type=hidden])");
    form.scrollIntoView({ block: "start" });
    if (first) first.focus();
    return true;
  }

  // --- the list of shortcuts ------------------------------------------------------------------
  const SHORTCUTS = [
    ["/", () => gettext("Search")],
    ["j", () => gettext("Next claim (queue: move the highlight; claim page: open the next one)")],
    ["k", () => gettext("Previous claim")],
    ["Enter", () => gettext("Open the highlighted claim (queue)")],
    ["r", () => gettext("Reply: go to the message box")],
    ["a", () => gettext("Assign the claim to me")],
    ["e", () => gettext("Close the claim: go to the outcome")],
    ["?", () => gettext("Show this list")],
  ];
  function helpDialog() {
    let dialog = document.getElementById("shortcut-help");
    if (dialog) return dialog;
    dialog = document.createElement("dialog");
    dialog.id = "shortcut-help";
    dialog.className = "shortcut-help";
    dialog.setAttribute("aria-labelledby", "shortcut-help-title");
    const title = document.createElement("h2");
    title.id = "shortcut-help-title";
    title.textContent = gettext("Keyboard shortcuts");
    const list = document.createElement("dl");
    for (const [key, words] of SHORTCUTS) {
      const term = document.createElement("dt");
      const kbd = document.createElement("kbd");
      kbd.textContent = key;
      term.append(kbd);
      const description = document.createElement("dd");
      description.textContent = words();
      list.append(term, description);
    }
    const note = document.createElement("p");
    note.className = "muted";
    note.textContent = gettext("Shortcuts do nothing while you type in a field; Esc leaves it.");
    const close = document.createElement("button");
    close.type = "button";
    close.id = "shortcut-help-close";
    close.textContent = gettext("Close");
    close.addEventListener("click", () => dialog.close());
    dialog.append(title, list, note, close);
    document.body.append(dialog);
    return dialog;
  }

  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape" && isTyping(event.target) && event.target.id === "site-search") {
      event.target.blur();
      return;
    }
    if (isTyping(event.target)) return;
    const open = document.querySelector("dialog[open]");
    if (open && event.key !== "?") return;  // the dialog has the keyboard (Esc closes it)
    let done = false;
    switch (event.key) {
      case "/": {
        const box = document.getElementById("site-search");
        if (box) {
          box.focus();
          box.select();
          done = true;
        }
        break;
      }
      case "?": {
        const dialog = helpDialog();
        if (dialog.open) dialog.close();
        else dialog.showModal();
        done = true;
        break;
      }
      case "j":
        done = currentClaim() ? stepClaim("next") : moveHighlight(1);
        break;
      case "k":
        done = currentClaim() ? stepClaim("previous") : moveHighlight(-1);
        break;
      case "Enter": {
        // Only from the page itself: Enter on a focused link or button keeps its own meaning.
        if (event.target !== document.body && event.target !== document.documentElement) break;
        const row = highlighted();
        const link = row && claimLink(row);
        if (link) {
          link.click();
          done = true;
        }
        break;
      }
      case "r":
        done = focusReply();
        break;
      case "a":
        done = currentClaim() ? assignToMe() : false;
        break;
      case "e":
        done = currentClaim() ? startClosing() : false;
        break;
      default:
        break;
    }
    if (done) event.preventDefault();
  });
})();
