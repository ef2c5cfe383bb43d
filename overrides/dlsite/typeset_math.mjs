// Typeset TeX as MathML with Temml, for overrides/dlsite/math.py (the build runs it once a page).
// stdin: {"items": [{"tex": "...", "display": false}, ...]}
// stdout: {"items": [{"mathml": "<math>...</math>", "error": null}, ...]}
// One `macros` object per page: a \gdef or \newcommand holds for the rest of the page, as in
// a LaTeX document. An expression Temml cannot parse is rendered as its TeX in red (Temml's own
// error rendering) and its message returned, for the build to report with the page's name.
import temml from "temml";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;

const macros = {};
const items = JSON.parse(input).items.map(({ tex, display }) => {
  const options = { displayMode: display, wrap: display ? "none" : "tex", macros };
  try {
    return { mathml: temml.renderToString(tex, { ...options, throwOnError: true }), error: null };
  } catch (error) {
    return {
      mathml: temml.renderToString(tex, { ...options, throwOnError: false }),
      error: String(error.message || error),
    };
  }
});
process.stdout.write(JSON.stringify({ items, version: temml.version }));
