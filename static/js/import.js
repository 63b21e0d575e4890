// Upload progress for the order import form. htmx reports the upload's progress (and then
// the response's) as htmx:xhr:progress; the bar only moves forward. Once every byte is sent
// the server queues the import and htmx follows it to the job's page, where it goes on.
(() => {
  const formOf = (event) => event.target.closest && event.target.closest("form.import-form");

  function parts(form) {
    const box = form.querySelector("[data-import-progress]");
    return box && { box, bar: box.querySelector("progress"), label: box.querySelector("[data-import-progress-label]") };
  }

  document.addEventListener("htmx:beforeRequest", (event) => {
    const form = formOf(event);
    const p = form && parts(form);
    if (!p) return;
    p.bar.value = 0;
    p.bar.removeAttribute("data-done");
    p.label.textContent = gettext("Uploading…");
    p.box.hidden = false;
  });

  document.addEventListener("htmx:xhr:progress", (event) => {
    const form = formOf(event);
    const p = form && parts(form);
    if (!p || !event.detail.lengthComputable || !event.detail.total) return;
    if (p.bar.hasAttribute("data-done")) return;
    const percent = Math.round((event.detail.loaded / event.detail.total) * 100);
    if (percent > p.bar.value) p.bar.value = percent;
    if (percent >= 100) {
      // Upload finished: the server stores the file and sends the browser to the job's page.
      p.bar.setAttribute("data-done", "");
      p.bar.removeAttribute("value");
      p.label.textContent = gettext("Uploaded. Opening the import…");
    }
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    const form = formOf(event);
    const p = form && parts(form);
    if (!p) return;
    p.box.hidden = true;
    p.bar.value = 0;
    p.bar.removeAttribute("data-done");
  });
})();
