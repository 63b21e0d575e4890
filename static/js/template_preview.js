// Reply template admin: fill the text with sample values and run the policy check while the
// admin types (debounced). A static file, so the admin's CSP needs no inline script.
(() => {
  function csrfToken(form) {
    const field = form.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  document.addEventListener("DOMContentLoaded", () => {
    const target = document.getElementById("template-preview");
    const body = document.getElementById("id_body");
    if (!target || !body) return;
    const platform = document.getElementById("id_platform");
    let timer = null;
    async function refresh() {
      const data = new FormData();
      data.append("body", body.value);
      data.append("platform", platform ? platform.value : "");
      const response = await fetch(target.dataset.url, {
        method: "POST", body: data, credentials: "same-origin",
        headers: {"X-CSRFToken": csrfToken(body.form)},
      });
      if (response.ok) target.innerHTML = await response.text();
    }
    const later = () => { clearTimeout(timer); timer = setTimeout(refresh, 400); };
    body.addEventListener("input", later);
    if (platform) platform.addEventListener("change", later);
    refresh();
  });
})();
