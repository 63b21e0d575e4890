// The appeal builder: facts and evidence rows re-ordered by drag and drop (HTML5) or by the
// up/down buttons, facts added and removed, and the plain text copied. Every change asks the
// form for a fresh preview (the form listens for "appeal-changed" through htmx).
(() => {
  let dragged = null;

  function changed(node) {
    const form = node.closest("form");
    if (form) form.dispatchEvent(new Event("appeal-changed", { bubbles: true }));
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    const row = button.closest(".sortable-row");
    if (button.dataset.move && row) {
      if (button.dataset.move === "up" && row.previousElementSibling) {
        row.parentNode.insertBefore(row, row.previousElementSibling);
      } else if (button.dataset.move === "down" && row.nextElementSibling) {
        row.parentNode.insertBefore(row.nextElementSibling, row);
      }
      button.focus();
      changed(row);
    } else if (button.hasAttribute("data-remove") && row) {
      const list = row.parentNode;
      row.remove();
      changed(list);
    } else if (button.hasAttribute("data-add-fact")) {
      const template = document.getElementById("fact-template");
      const list = document.getElementById("facts-list");
      list.appendChild(template.content.cloneNode(true));
      list.lastElementChild.querySelector("textarea").focus();
      changed(list);
    } else if (button.dataset.copy) {
      const source = document.querySelector(button.dataset.copy);
      const status = button.parentNode.querySelector("[data-copy-status]");
      navigator.clipboard.writeText(source.value || source.textContent).then(
        () => { if (status) status.textContent = gettext("Copied"); },
        () => { source.select(); if (status) status.textContent = gettext("Press Ctrl+C to copy"); },
      );
    }
  });

  // Facts and captions are one line each that wraps as it grows: the box follows its text
  // (CSS field-sizing where the browser has it, its scroll height otherwise), and Enter does
  // not break the line.
  const sizes = typeof CSS !== "undefined" && CSS.supports && CSS.supports("field-sizing", "content");
  function grow(box) {
    if (sizes) return;
    box.style.height = "auto";
    box.style.height = `${box.scrollHeight + 2}px`;
  }
  document.addEventListener("input", (event) => {
    if (event.target.matches && event.target.matches("textarea[data-autogrow]")) grow(event.target);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.matches && event.target.matches("textarea[data-one-line]")) {
      event.preventDefault();
    }
  });
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("textarea[data-autogrow]").forEach(grow);
  });

  document.addEventListener("dragstart", (event) => {
    const row = event.target.closest && event.target.closest("[data-sortable] > .sortable-row");
    if (!row) return;
    dragged = row;
    row.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", "");
  });

  document.addEventListener("dragover", (event) => {
    if (!dragged) return;
    const row = event.target.closest && event.target.closest(".sortable-row");
    if (!row || row === dragged || row.parentNode !== dragged.parentNode) return;
    event.preventDefault();
    const box = row.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    row.parentNode.insertBefore(dragged, after ? row.nextSibling : row);
  });

  document.addEventListener("drop", (event) => {
    if (dragged) event.preventDefault();
  });

  document.addEventListener("dragend", () => {
    if (!dragged) return;
    dragged.classList.remove("dragging");
    changed(dragged);
    dragged = null;
  });
})();
