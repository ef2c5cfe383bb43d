// A block that scrolls sideways (wide output, a wide equation, a wide table) must be reachable
// by keyboard, or a reader without a mouse cannot scroll it (WCAG 2.1.1; axe-core's
// scrollable-region-focusable). Such a block becomes a tab stop while, and only while, it
// overflows: on load and whenever the window is resized. Material does the same for code.
(function () {
  var SELECTOR = ".jp-OutputArea-output > pre, .dl-math-display, .jp-RenderedHTMLCommon table";
  function update() {
    document.querySelectorAll(SELECTOR).forEach(function (el) {
      if (el.scrollWidth > el.clientWidth + 1) {
        el.setAttribute("tabindex", "0");
      } else if (el.getAttribute("tabindex") === "0") {
        el.removeAttribute("tabindex");
      }
    });
  }
  var pending = null;
  function later() {
    if (pending) cancelAnimationFrame(pending);
    pending = requestAnimationFrame(update);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
  window.addEventListener("resize", later);
  document.addEventListener("toggle", later, true); // a folded block opens (checks, solutions)
  // Web fonts (the math font) change widths when they arrive.
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(later);
})();
