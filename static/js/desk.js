// Small behaviours the pages share. No inline scripts: the CSP forbids them.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.requestSubmit();
  }
});

// Countdown badges: the server renders the text; keep it current while the page stays open.
const lang = document.documentElement.lang || "en";
const zh = lang.startsWith("zh");
function span(ms) {
  let minutes = Math.floor(Math.abs(ms) / 60000);
  const days = Math.floor(minutes / 1440); minutes -= days * 1440;
  const hours = Math.floor(minutes / 60); minutes -= hours * 60;
  if (zh) return days ? `${days} 天 ${hours} 小时` : hours ? `${hours} 小时 ${minutes} 分钟` : `${minutes} 分钟`;
  return days ? `${days} d ${hours} h` : hours ? `${hours} h ${minutes} min` : `${minutes} min`;
}
function refreshCountdowns() {
  const now = Date.now();
  document.querySelectorAll("[data-due]").forEach((badge) => {
    const left = Date.parse(badge.dataset.due) - now;
    if (Number.isNaN(left)) return;
    if (left < 0) {
      badge.textContent = zh ? `已逾期 ${span(left)}` : `overdue by ${span(left)}`;
      badge.className = "badge badge-overdue";
    } else {
      badge.textContent = zh ? `剩余 ${span(left)}` : `${span(left)} left`;
    }
  });
}
setInterval(refreshCountdowns, 60000);
