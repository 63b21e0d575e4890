// Evidence uploader: several files at once, by drag and drop or the file picker, each with its
// own kind and caption, one request per file so each has a real progress bar (XMLHttpRequest
// upload progress). The server answers
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

  // The files chosen or dropped wait in the list, each with its own kind (the panel's kind
  // to start with) and caption, until Upload sends them; a refused file stays, with its reason,
  // to be fixed or removed, and is sent again by the next Upload.
  const staged = new Map();
  let rows = 0;

  function stage(form, files) {
    const list = form.querySelector("[data-upload-list]");
    const template = form.querySelector("template[data-upload-row]").content.firstElementChild;
    const defaults = {kind: form.elements.kind.value, caption: form.elements.caption.value};
    for (const file of files) {
      const row = template.cloneNode(true);
      rows += 1;
      row.querySelector(".upload-name").textContent = file.name;
      for (const field of row.querySelectorAll("[data-field]")) {
        const name = field.dataset.field;
        field.id = `evidence-upload-${rows}-${name}`;
        field.value = defaults[name];
        const label = row.querySelector(`label[data-for="${name}"]`);
        label.htmlFor = field.id;
        label.textContent = `${label.textContent} · ${file.name}`;
      }
      row.querySelector("progress").hidden = true;
      row.dataset.state = "staged";
      staged.set(row, file);
      list.appendChild(row);
    }
    const hint = form.querySelector("[data-upload-hint]");
    if (hint) hint.hidden = false;
  }

  function setFields(row, enabled) {
    for (const field of row.querySelectorAll("[data-field], [data-upload-remove]")) field.disabled = !enabled;
  }

  function uploadOne(form, row) {
    const file = staged.get(row);
    const bar = row.querySelector("progress");
    const state = row.querySelector(".upload-state");
    row.classList.remove("upload-failed");
    state.removeAttribute("role");
    state.textContent = gettext("Uploading…");
    bar.hidden = false;
    bar.value = 0;
    row.dataset.state = "uploading";

    const data = new FormData();
    const token = form.elements.csrfmiddlewaretoken;
    if (token) data.append("csrfmiddlewaretoken", token.value);
    data.append("kind", row.querySelector("[data-field=kind]").value);
    data.append("caption", row.querySelector("[data-field=caption]").value);
    data.append("captured_at", form.elements.captured_at ? form.elements.captured_at.value : "");
    data.append("file_name", file.name);
    data.append("file", file, file.name);
    setFields(row, false);

    const failed = (message) => {
      row.classList.add("upload-failed");
      row.dataset.state = "failed";
      state.textContent = message;
      state.setAttribute("role", "alert");
      bar.hidden = true;
      setFields(row, true);
    };
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
        row.dataset.progress = "100";
        row.dataset.state = "done";
        row.classList.add("upload-done");
        state.textContent = gettext("Added");
        staged.delete(row);
        const remove = row.querySelector("[data-upload-remove]");
        if (remove) remove.remove();
        const gallery = document.querySelector("[data-evidence-gallery]");
        const empty = gallery.querySelector("[data-gallery-empty]");
        if (empty) empty.remove();
        const card = fragment(xhr.responseText);
        gallery.appendChild(card);
        if (window.htmx) window.htmx.process(card);
        announceChange();
      } else {
        const message = xhr.status === 400 ? fragment(xhr.responseText) : null;
        failed(message ? message.textContent : gettext("Upload failed; try again."));
      }
    });
    xhr.addEventListener("error", () => failed(gettext("Upload failed; try again.")));
    xhr.send(data);
  }

  function uploadStaged(form) {
    for (const row of form.querySelectorAll("[data-upload-list] > li")) {
      if (staged.has(row) && row.dataset.state !== "uploading") uploadOne(form, row);
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-evidence-upload]");
    if (!form) return;
    event.preventDefault();
    const input = form.querySelector("input[type=file]");
    if (input.files.length) stage(form, Array.from(input.files));
    input.value = "";
    uploadStaged(form);
  });

  document.addEventListener("change", (event) => {
    const input = event.target;
    const form = input.closest && input.closest("form[data-evidence-upload]");
    if (!form || input.type !== "file" || !input.files.length) return;
    stage(form, Array.from(input.files));
    input.value = "";
  });

  document.addEventListener("click", (event) => {
    const remove = event.target.closest && event.target.closest("[data-upload-remove]");
    if (!remove) return;
    const row = remove.closest("li");
    staged.delete(row);
    row.remove();
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
    if (files.length) stage(zone.closest("form[data-evidence-upload]"), files);
  });
})();
