// Passkeys: adding one on the account page, and using one as the second factor at sign-in.
// The server (fido2) writes the options as JSON; the browser parses them and answers in JSON.
(() => {
  "use strict";

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    const data = await response.json().catch(() => ({}));
    return { ok: response.ok, data };
  }

  function show(box, text) {
    const out = box.querySelector("[data-passkey-error]");
    out.textContent = text;
    out.hidden = false;
  }

  async function ceremony(button, box) {
    const begin = await post(button.dataset.begin);
    if (!begin.ok) {
      if (begin.data.redirect) window.location.assign(begin.data.redirect);
      else show(box, begin.data.error || gettext("Something went wrong. Please try again."));
      return;
    }
    const credential =
      button.dataset.passkey === "register"
        ? await navigator.credentials.create({
            publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(begin.data.publicKey),
          })
        : await navigator.credentials.get({
            publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(begin.data.publicKey),
          });
    const name = box.querySelector("[name=passkey_name]");
    const done = await post(button.dataset.complete, {
      credential: credential.toJSON(),
      name: name ? name.value : "",
    });
    if (done.data.redirect) window.location.assign(done.data.redirect);
    else show(box, done.data.error || gettext("Something went wrong. Please try again."));
  }

  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-passkey]");
    if (!button) return;
    event.preventDefault();
    const box = button.closest("[data-passkey-box]");
    if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
      show(box, gettext("This browser cannot use passkeys."));
      return;
    }
    button.disabled = true;
    try {
      await ceremony(button, box);
    } catch (error) {
      show(box, gettext("The passkey was not used."));
    } finally {
      button.disabled = false;
    }
  });
})();
