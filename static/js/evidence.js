// Evidence uploader: several files at once, by drag and drop or the file picker, one request
// per file so each has a real progress bar (XMLHttpRequest upload progress). The server answers
// with the new evidence card (htmx then polls it until its thumbnail exists) or with the reason
// the file was refused. CSRF comes from <body hx-headers>, as for htmx requests.
(() => {
  function csrfToken(form) {
    try {
      const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      if (headers["X-CSRFToken"]) return headers["X-CSRFToken"];
    } catch (e) { /* fall back to the form's token */ }
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function fragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function announceChange() {
    if (window.htmx) window.htmx.trigger(document.body, "evidence-changed");
  }

  function uploadOne(form, file) {
    const list = form.querySelector("[data-upload-list]");
    const row = form.querySelector("template[data-upload-row]").content.firstElementChild.cloneNode(true);
    const bar = row.querySelector("progress");
    const state = row.querySelector(".upload-state");
    row.querySelector(".upload-name").textContent = file.name;
    state.textContent = gettext("Uploading…");
    list.appendChild(row);

    const data = new FormData();
    for (const name of ["csrfmiddlewaretoken", "kind", "caption", "captured_at"]) {
      const field = form.elements[name];
      if (field) data.append(name, field.value);
    }
    data.append("file_name", file.name);
    data.append("file", file, file.name);

    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
    xhr.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable || !event.total) return;
      const percent = Math.round((event.loaded / event.total) * 100);
      if (percent > bar.value) bar.value = percent;
      row.dataset.progress = String(bar.value);
      if (percent >= 100) state.textContent = gettext("Checking…");
    });
    xhr.addEventListener("load", () => {
      if (xhr.status === 201) {
        bar.value = 100;
        row.classList.add("upload-done");
        state.textContent = gettext("Added");
        const gallery = document.querySelector("[data-evidence-gallery]");
        const empty = gallery.querySelector("[data-gallery-empty]");
        if (empty) empty.remove();
        const card = fragment(xhr.responseText);
        gallery.appendChild(card);
        if (window.htmx) window.htmx.process(card);
        announceChange();
      } else {
        row.classList.add("upload-failed");
        const message = xhr.status === 400 ? fragment(xhr.responseText) : null;
        state.textContent = message ? message.textContent : gettext("Upload failed; try again.");
        state.setAttribute("role", "alert");
        bar.remove();
      }
    });
    xhr.addEventListener("error", () => {
      row.classList.add("upload-failed");
      state.textContent = gettext("Upload failed; try again.");
      bar.remove();
    });
    xhr.send(data);
  }

  function uploadAll(form, files) {
    for (const file of files) uploadOne(form, file);
  }

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-evidence-upload]");
    if (!form) return;
    event.preventDefault();
    const input = form.querySelector("input[type=file]");
    uploadAll(form, Array.from(input.files));
    input.value = "";
  });

  document.addEventListener("change", (event) => {
    const input = event.target;
    const form = input.closest && input.closest("form[data-evidence-upload]");
    if (!form || input.type !== "file" || !input.files.length) return;
    uploadAll(form, Array.from(input.files));
    input.value = "";
  });

  for (const type of ["dragenter", "dragover"]) {
    document.addEventListener(type, (event) => {
      const zone = event.target.closest && event.target.closest("[data-dropzone]");
      if (!zone) return;
      event.preventDefault();
      zone.classList.add("dropzone-active");
    });
  }
  document.addEventListener("dragleave", (event) => {
    const zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (zone) zone.classList.remove("dropzone-active");
  });
  document.addEventListener("drop", (event) => {
    const zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("dropzone-active");
    const files = event.dataTransfer ? Array.from(event.dataTransfer.files) : [];
    if (files.length) uploadAll(zone.closest("form[data-evidence-upload]"), files);
  });
})();
