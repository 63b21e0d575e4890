// Alerts that reach people where they are (loaded on every page of a signed-in user, from
// base.html). It asks the desk's alert feed (disputes/alert_views.py) now and then for:
// - the user's overdue claims, shown in the tab title ("(3) Queue · Dispute Desk") and as a
//   badge drawn on the desk's own favicon;
// - alerts raised since the last one this browser saw: a desktop notification for each once the
//   user switched them on (the button on the alerts page; the browser's permission prompt only
//   ever follows that click), and a short sound when their settings ask for one.
// The last alert seen is kept per user in localStorage, so other open tabs do not repeat it and
// opening a page never replays old alerts.
(() => {
  const script = document.currentScript;
  if (!script || !script.dataset.feed) return;
  const feedUrl = script.dataset.feed;
  const iconUrl = script.dataset.icon;
  const soundUrl = script.dataset.sound;
  const seenKey = `desk.alerts.seen.${script.dataset.user || ""}`;
  const switchKey = "desk.alerts.desktop";
  const baseTitle = document.title;
  const supported = "Notification" in window;

  const store = {
    get(key) {
      try {
        return window.localStorage.getItem(key);
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        window.localStorage.setItem(key, value);
      } catch {
        // Private windows may refuse storage: notifications then repeat per tab, nothing worse.
      }
    },
  };

  const desktopOn = () => supported && Notification.permission === "granted" && store.get(switchKey) === "on";

  // --- favicon and title -----------------------------------------------------------------
  const iconLink = (() => {
    let link = document.querySelector("link[rel~='icon']");
    if (!link) {
      link = document.createElement("link");
      link.rel = "icon";
      link.type = "image/png";
      document.head.appendChild(link);
    }
    link.href = iconUrl;
    return link;
  })();
  const plainIcon = new Image();
  plainIcon.src = iconUrl;
  let shownCount = 0;

  const drawBadge = (count) => {
    if (!plainIcon.complete || !plainIcon.naturalWidth) {
      plainIcon.addEventListener("load", () => drawBadge(count), { once: true });
      return;
    }
    const size = 64;
    const canvas = document.createElement("canvas");
    canvas.width = size;
    canvas.height = size;
    const ctx = canvas.getContext("2d");
    ctx.drawImage(plainIcon, 0, 0, size, size);
    const text = count > 99 ? "99+" : String(count);
    const radius = text.length > 1 ? 22 : 18;
    ctx.beginPath();
    ctx.arc(size - radius + 2, radius - 2, radius, 0, 2 * Math.PI);
    ctx.fillStyle = "#c62828";
    ctx.fill();
    ctx.fillStyle = "#ffffff";
    ctx.font = `bold ${text.length > 2 ? 18 : 26}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(text, size - radius + 2, radius);
    iconLink.href = canvas.toDataURL("image/png");
  };

  const showOverdue = (count) => {
    document.title = count > 0 ? `(${count}) ${baseTitle}` : baseTitle;
    document.documentElement.dataset.overdue = String(count);
    if (count === shownCount) return;
    shownCount = count;
    if (count > 0) drawBadge(count);
    else iconLink.href = iconUrl;
  };

  const showUnread = (count) => {
    const bell = document.getElementById("bell");
    const number = bell && bell.querySelector(".bell-count");
    if (!number) return;
    number.textContent = String(count);
    bell.classList.toggle("bell-active", count > 0);
  };

  // --- new alerts ------------------------------------------------------------------------
  const announce = (alerts, sound) => {
    if (!alerts.length) return;
    if (desktopOn()) {
      for (const alert of alerts) {
        const note = new Notification(alert.title, { body: alert.body, tag: `desk-alert-${alert.id}`, icon: iconUrl });
        note.addEventListener("click", () => {
          window.focus();
          window.location.assign(alert.url);
          note.close();
        });
      }
    }
    if (sound && soundUrl) {
      // A browser may refuse sound before the user touched the page; the notification stays.
      new Audio(soundUrl).play().catch(() => {});
    }
  };

  let every = 30;
  const poll = async () => {
    const stored = store.get(seenKey);
    const seen = Number(stored || "0");
    const url = stored === null ? feedUrl : `${feedUrl}?after=${seen}`;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const feed = await response.json();
        every = Math.max(1, Number(feed.every) || every);
        showOverdue(feed.overdue);
        showUnread(feed.unread);
        // Mark as seen before announcing, so a second tab polling now does not repeat them.
        const now = Number(store.get(seenKey) || "0");
        const fresh = feed.alerts.filter((alert) => alert.id > now);
        if (stored === null || feed.latest < seen) {
          store.set(seenKey, String(feed.latest)); // first visit, or another database: start here
        } else if (fresh.length) {
          store.set(seenKey, String(Math.max(...fresh.map((alert) => alert.id))));
          announce(fresh, feed.sound);
        }
      }
    } catch {
      // The desk is out of reach for a moment: the next poll tries again.
    }
    window.setTimeout(poll, every * 1000);
  };
  poll();

  // --- the switch on the alerts page -----------------------------------------------------
  const toggle = document.querySelector("[data-desktop-alerts]");
  const status = document.querySelector("[data-desktop-alerts-status]");
  if (!toggle) return;
  const render = () => {
    toggle.hidden = false;
    if (!supported) {
      status.textContent = gettext("This browser cannot show desktop notifications.");
      toggle.hidden = true;
    } else if (Notification.permission === "denied") {
      status.textContent = gettext("Desktop notifications are blocked in this browser's site settings.");
      toggle.hidden = true;
    } else if (desktopOn()) {
      status.textContent = gettext("Desktop notifications are on in this browser.");
      toggle.textContent = gettext("Turn off desktop notifications");
    } else {
      status.textContent = gettext("Desktop notifications are off in this browser.");
      toggle.textContent = gettext("Turn on desktop notifications");
    }
  };
  toggle.addEventListener("click", async () => {
    if (desktopOn()) {
      store.set(switchKey, "off");
    } else {
      const answer = await Notification.requestPermission();
      store.set(switchKey, answer === "granted" ? "on" : "off");
    }
    render();
  });
  render();
})();
