// The composer: Send stays disabled while the policy check shows a blocking finding, unless a
// manager has written an override reason, and while a placeholder is left unfilled (nobody
// overrides a missing fact). The server refuses such a send anyway.
(() => {
  function update() {
    const findings = document.getElementById("policy-findings");
    const override = document.getElementById("override-reason");
    const blocked = findings && findings.dataset.blocking === "true";
    const unfilled = findings && findings.dataset.unfilled === "true";
    // Send, and "Send and mark responded" on a claim's page.
    for (const id of ["send-button", "send-respond-button"]) {
      const button = document.getElementById(id);
      if (button) button.disabled = Boolean(unfilled) || (blocked && !(override && override.value.trim()));
    }
  }
  document.addEventListener("htmx:afterSettle", update);
  document.addEventListener("input", (event) => {
    if (event.target && event.target.id === "override-reason") update();
  });
  document.addEventListener("DOMContentLoaded", update);
})();
