// Fold each exercise solution of a chapter into a collapsible <details> block.
//
// Chapters are notebooks, so one solution spans several cells (text, code, output) and cannot
// sit inside one HTML element in the source. The source marks where a solution starts and ends:
//   <div class="dl-solution" data-title="Solution"></div>  ...cells...  <div class="dl-solution-end"></div>
// and this script moves the cells in between into a <details> styled as a Material admonition.
// Without JavaScript the solution simply stays open.
(function () {
  function cellOf(node) {
    return node.closest(".jp-Cell");
  }
  function foldSolutions() {
    document.querySelectorAll(".dl-solution").forEach(function (start) {
      var first = cellOf(start);
      if (!first || first.dataset.dlFolded) return;
      first.dataset.dlFolded = "1";
      var details = document.createElement("details");
      details.className = "success dl-solution-details";
      var summary = document.createElement("summary");
      summary.textContent = start.dataset.title || "Solution";
      details.appendChild(summary);
      var cell = first.nextElementSibling;
      while (cell) {
        var next = cell.nextElementSibling;
        if (cell.querySelector(".dl-solution-end")) {
          if (cell.textContent.trim() === "") cell.remove();
          break;
        }
        if (cell.querySelector(".dl-solution")) break; // a new solution starts: stop here
        details.appendChild(cell);
        cell = next;
      }
      first.after(details);
      if (first.textContent.trim() === "") first.remove();
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", foldSolutions);
  } else {
    foldSolutions();
  }
})();
