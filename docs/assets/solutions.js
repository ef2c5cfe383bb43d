// Fold each exercise solution of a chapter into a collapsible <details> block.
//
// Chapters are notebooks, so one solution spans several cells (text, code, output) and cannot
// sit inside one HTML element in the source. The source marks where a solution starts and ends:
//   <div class="dl-solution" data-title="Solution"></div>  ...  <div class="dl-solution-end"></div>
// and this script moves everything in between into a <details> styled as a Material admonition:
// the rest of the marker's own cell, the cells that follow, and the start of the end marker's
// cell. Jupytext splits cells only at double blank lines, so a marker may share its cell with
// prose; working element by element makes that not matter. Without JavaScript the solution
// simply stays open.
(function () {
  function cellOf(node) {
    return node.closest(".jp-Cell");
  }
  // Move the siblings after `node` (or before it, with before=true) into `target`.
  function moveSiblings(node, target, before) {
    var parent = node.parentNode;
    var items = Array.prototype.slice.call(parent.childNodes);
    var at = items.indexOf(node);
    var chosen = before ? items.slice(0, at) : items.slice(at + 1);
    chosen.forEach(function (item) { target.appendChild(item); });
  }
  function isEmpty(cell) {
    return cell.textContent.trim() === "" && !cell.querySelector("img, pre, table");
  }
  function fold(start) {
    var first = cellOf(start);
    if (!first) return;
    var details = document.createElement("details");
    details.className = "success dl-solution-details";
    var summary = document.createElement("summary");
    summary.textContent = start.dataset.title || "Solution";
    details.appendChild(summary);
    first.after(details);

    var head = document.createElement("div");
    head.className = "jp-RenderedHTMLCommon jp-RenderedMarkdown";
    moveSiblings(start, head, false);
    if (head.childNodes.length) details.appendChild(head);
    start.remove();

    var cell = details.nextElementSibling;
    while (cell) {
      var next = cell.nextElementSibling;
      var end = cell.querySelector(".dl-solution-end");
      if (end) {
        var tail = document.createElement("div");
        tail.className = "jp-RenderedHTMLCommon jp-RenderedMarkdown";
        moveSiblings(end, tail, true);
        if (tail.textContent.trim()) details.appendChild(tail);
        end.remove();
        if (isEmpty(cell)) cell.remove();
        break;
      }
      if (cell.querySelector(".dl-solution")) break; // a new solution starts: stop here
      details.appendChild(cell);
      cell = next;
    }
    if (isEmpty(first)) first.remove();
  }
  function foldAll() {
    document.querySelectorAll(".dl-solution").forEach(fold);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", foldAll);
  } else {
    foldAll();
  }
})();
