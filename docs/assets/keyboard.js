// A block that scrolls sideways (code, output, a wide equation, a wide table) must be reachable
// by keyboard, or a reader without a mouse cannot scroll it (WCAG 2.1.1; axe-core's
// scrollable-region-focusable). Such a block becomes a tab stop while, and only while, it
// overflows: checked after load, whenever the window is resized, when a folded block opens and
// when the math font arrives. Material does this for code only where the pointer can hover (not
// on a touch screen, and it takes the tab stop away there): it is restored for code that
// overflows.
//
// The check reads every block's width, which lays out the page. A long chapter has a hundred
// blocks, most of them off screen and not yet laid out (notebook.css): they are checked in
// slices while the browser is idle, so no slice blocks the page. When every block is checked,
// <html> gets data-dl-keyboard="ready" (the tests wait for it).
(function () {
  var SELECTOR =
    ".highlight pre > code, .highlight > pre, .jp-OutputArea-output > pre, .dl-math-display, " +
    ".jp-RenderedHTMLCommon table, .md-typeset__scrollwrap";
  var SLICE = 2; // blocks per read-then-write pass
  var BUDGET_MS = 6; // per task: a slow phone (4x slower) still stays under 50 ms, a long task
  var root = document.documentElement;
  var idle =
    window.requestIdleCallback ||
    function (run) {
      return setTimeout(function () {
        run({ didTimeout: true, timeRemaining: function () { return 0; } });
      }, 16);
    };
  var queue = [];
  var scheduled = false;

  function overflows(el) {
    return el.scrollWidth > el.clientWidth; // as axe-core counts it: one pixel scrolls too
  }
  function check(blocks) {
    var wide = blocks.map(overflows); // every read first, then the writes
    blocks.forEach(function (el, i) {
      if (wide[i]) {
        if (el.getAttribute("tabindex") !== "0") el.setAttribute("tabindex", "0");
      } else if (el.getAttribute("tabindex") === "0") {
        el.removeAttribute("tabindex");
      }
    });
  }
  function drain(deadline) {
    scheduled = false;
    var start = performance.now();
    do {
      check(queue.splice(0, SLICE)); // at least one slice, even when the browser is never idle
    } while (
      queue.length &&
      deadline.timeRemaining() > 1 &&
      performance.now() - start < BUDGET_MS
    );
    if (queue.length) schedule();
    else root.setAttribute("data-dl-keyboard", "ready");
  }
  function schedule() {
    if (!scheduled) {
      scheduled = true;
      idle(drain, { timeout: 1000 });
    }
  }
  function checkAll() {
    root.removeAttribute("data-dl-keyboard");
    queue = Array.prototype.slice.call(document.querySelectorAll(SELECTOR));
    schedule();
  }

  if (document.readyState === "complete") checkAll();
  else window.addEventListener("load", checkAll); // figures and fonts in: the final widths
  window.addEventListener("resize", checkAll);
  document.addEventListener("toggle", checkAll, true); // a folded block opens (checks, solutions)
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(checkAll);
  // A tab stop that Material takes away is given back with the next slice, not at once:
  // reading a width between Material's writes would lay the page out once per block.
  new MutationObserver(function (changes) {
    changes.forEach(function (change) {
      var el = change.target;
      if (!el.hasAttribute("tabindex") && el.matches(SELECTOR) && queue.indexOf(el) < 0) {
        queue.push(el);
      }
    });
    if (queue.length) {
      root.removeAttribute("data-dl-keyboard");
      schedule();
    }
  }).observe(document.body, { attributes: true, attributeFilter: ["tabindex"], subtree: true });
})();
