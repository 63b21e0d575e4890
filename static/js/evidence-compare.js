// Side-by-side comparison: zoom with the buttons or the mouse wheel, pan by dragging; with
// "together" on, both photos follow the same zoom and pan so the same spot can be compared.
(() => {
  const MIN = 1, MAX = 8;
  const panes = Array.from(document.querySelectorAll("[data-zoom-frame]")).map((frame) => ({
    frame, image: frame.querySelector("[data-zoom-image]"), scale: 1, x: 0, y: 0,
  }));
  if (!panes.length) return;
  const controls = document.querySelector("[data-zoom-controls]");
  const linked = document.querySelector("[data-zoom-linked]");
  if (controls) controls.hidden = false;

  function apply(pane) {
    const maxX = (pane.frame.clientWidth * (pane.scale - 1)) / 2;
    const maxY = (pane.frame.clientHeight * (pane.scale - 1)) / 2;
    pane.x = Math.max(-maxX, Math.min(maxX, pane.x));
    pane.y = Math.max(-maxY, Math.min(maxY, pane.y));
    pane.image.style.transform = `translate(${pane.x}px, ${pane.y}px) scale(${pane.scale})`;
    pane.frame.dataset.scale = pane.scale.toFixed(2);
  }

  function targets(pane) {
    return linked && linked.checked ? panes : [pane];
  }

  function zoom(pane, factor) {
    for (const p of targets(pane)) {
      p.scale = Math.max(MIN, Math.min(MAX, p.scale * factor));
      if (p.scale === MIN) { p.x = 0; p.y = 0; }
      apply(p);
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-zoom]");
    if (!button) return;
    const action = button.dataset.zoom;
    for (const p of panes) {
      if (action === "reset") { p.scale = 1; p.x = 0; p.y = 0; apply(p); }
    }
    if (action === "in") zoom(panes[0], 1.5);
    if (action === "out") zoom(panes[0], 1 / 1.5);
  });

  for (const pane of panes) {
    pane.frame.addEventListener("wheel", (event) => {
      event.preventDefault();
      zoom(pane, event.deltaY < 0 ? 1.2 : 1 / 1.2);
    }, { passive: false });
    let drag = null;
    pane.frame.addEventListener("pointerdown", (event) => {
      drag = { x: event.clientX, y: event.clientY };
      pane.frame.setPointerCapture(event.pointerId);
    });
    pane.frame.addEventListener("pointermove", (event) => {
      if (!drag) return;
      const dx = event.clientX - drag.x, dy = event.clientY - drag.y;
      drag = { x: event.clientX, y: event.clientY };
      for (const p of targets(pane)) { p.x += dx; p.y += dy; apply(p); }
    });
    const stop = () => { drag = null; };
    pane.frame.addEventListener("pointerup", stop);
    pane.frame.addEventListener("pointercancel", stop);
  }
})();
