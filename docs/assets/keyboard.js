// A block that scrolls sideways (code, output, a wide equation, a wide table) must be reachable
// by keyboard, or a reader without a mouse cannot scroll it (WCAG 2.1.1; axe-core's
// scrollable-region-focusable). Such a block becomes a tab stop while, and only while, it
// overflows: on load, whenever the window is resized, when a folded block opens and when the
// math font arrives. Material does this for code only where the pointer can hover (not on a
// touch screen, and it takes the tab stop away there): it is restored for code that overflows.
(function () {
  var SELECTOR =
    ".highlight pre > code, .highlight > pre, .jp-OutputArea-output > pre, .dl-math-display, " +
    ".jp-RenderedHTMLCommon table, .md-typeset__scrollwrap";
  function overflows(el) {
    return el.scrollWidth > el.clientWidth; // as axe-core counts it: one pixel scrolls too
  }
  function update() {
    var all = document.querySelectorAll(SELECTOR);
    var wide = Array.prototype.map.call(all, overflows); // every read first, then the writes
    all.forEach(function (el, i) {
      if (wide[i]) {
        if (el.getAttribute("tabindex") !== "0") el.setAttribute("tabindex", "0");
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
  window.addEventListener("load", update); // figures and fonts in: the final widths
  window.addEventListener("resize", later);
  document.addEventListener("toggle", later, true); // a folded block opens (checks, solutions)
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(later);
  // A tab stop taken away (by Material) is checked again in the next frame, with every other
  // block at once: reading a width here, between Material's writes, would lay the page out
  // once per block.
  new MutationObserver(function (changes) {
    var lost = changes.some(function (change) {
      return !change.target.hasAttribute("tabindex") && change.target.matches(SELECTOR);
    });
    if (lost) later();
  }).observe(document.body, { attributes: true, attributeFilter: ["tabindex"], subtree: true });
})();
