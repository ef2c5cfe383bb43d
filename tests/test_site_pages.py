"""Chapter pages as the build writes them: light, in Material's markup, every link checked.

A two-chapter fixture book is built once (tiny cells, a second each); the book itself is
checked through ``site_build.book_site`` (the real ``site/`` when fresh, else a small build).
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import textwrap
from pathlib import Path

import docs_blocks
import nbformat
import numpy
import pytest
import torch
from bs4 import BeautifulSoup
from site_build import (
    MINI_CHAPTER,
    PAGE_BUDGET,
    ROOT,
    book_site,
    build,
    chapters,
    site_helpers,
    write_config,
)

HEADER = (ROOT / "docs" / "chapters" / "04-linear-regression.md").read_text(encoding="utf-8")
HEADER = "---" + HEADER.split("---")[1] + "---\n"

FIXTURE = {
    "index.md": """\
        # Home

        Start with [the fixture chapter](chapters/01-fixture.md).
        """,
    "chapters/01-fixture.md": """\
        # A fixture chapter

        **You need:** [the other chapter](02-other.md), its [first section](02-other.md#a-section).

        ```python
        import matplotlib.pyplot as plt

        from dlcourse import plot

        answer = 21 * 2
        print(f"answer = {answer}")
        ```

        ```python tags=["checks"]
        # the answer is forty-two
        assert answer == 42
        print("checked: the answer")
        ```

        ```python tags=["checks"]
        assert answer > 0
        ```

        A wide equation, which must scroll rather than be cut off:

        $$a_1 + a_2 + a_3 + a_4 + a_5 + a_6 + a_7 + a_8 + a_9 + a_{10} + a_{11} + a_{12} + a_{13}
        + a_{14} + a_{15} + a_{16} + a_{17} + a_{18} + a_{19} + a_{20} = b$$

        ```python
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1])
        plot.show(fig, alt="A straight line.")
        ```
        """,
    "chapters/02-other.md": """\
        # The other chapter

        ## A section

        Back to [the fixture](01-fixture.md).

        ```python
        print("other")
        ```
        """,
}
NAV = ["index.md", "chapters/01-fixture.md", "chapters/02-other.md"]


def _write_docs(root, files):
    # The book's stylesheets and scripts, which mkdocs.yml names.
    shutil.copytree(ROOT / "docs" / "assets", root / "docs" / "assets")
    for name, text in files.items():
        path = root / "docs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = textwrap.dedent(text)
        path.write_text(HEADER + "\n" + text if name.startswith("chapters/") else text)
    return root / "docs"


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fixture-book")
    docs = _write_docs(tmp, FIXTURE)
    config = write_config(tmp, docs, execute=["01-fixture.md", "02-other.md"], nav=NAV)
    result = build(config, strict=True)
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp / "site"


def _page(site, slug):
    return BeautifulSoup((site / "chapters" / slug / "index.html").read_text(), "html.parser")


def test_checks_cells_fold_into_one_closed_details(fixture_site):
    page = _page(fixture_site, "01-fixture")
    folds = page.select("details.dl-checks")
    assert len(folds) == 1, "two consecutive checks cells make one fold"
    assert all("no-copy" in b["class"] for b in folds[0].select("div.highlight")), (
        "folded checks have no copy button"
    )
    fold = folds[0]
    assert not fold.has_attr("open"), "checks are closed until the reader opens them"
    assert fold.summary.get_text() == "Checked on this page: the answer is forty-two"
    assert len(fold.select(".jp-CodeCell")) == 2
    assert "assert answer == 42" in fold.get_text()
    assert "checked: the answer" in fold.get_text(), "the checks' output stays with them"
    # The teaching cell before it is not folded.
    first = page.select_one(".jp-CodeCell")
    assert first.find_parent("details") is None and "answer = 42" in first.get_text()


def test_search_indexes_prose_and_code_but_not_outputs_or_checks(fixture_site):
    index = json.loads((fixture_site / "search" / "search_index.json").read_text())
    text = " ".join(d["text"] for d in index["docs"] if d["location"].startswith("chapters/01"))
    assert "wide equation" in text and "answer = 21 * 2" in text, "prose and code are found"
    assert "answer = 42" not in text, "a cell's output is not in the index"
    assert "assert answer" not in text and "checked: the answer" not in text, "nor are checks"
    page = (fixture_site / "chapters" / "01-fixture" / "index.html").read_text()
    assert "data-search-exclude" not in page, "the mark is for the index; the page drops it"


def test_chapter_page_is_light_and_in_materials_markup(fixture_site):
    html = (fixture_site / "chapters" / "01-fixture" / "index.html").read_text()
    page = BeautifulSoup(html, "html.parser")
    assert "<style" not in html, "nbconvert's stylesheet must not be inlined"
    assert "data:image" not in html, "figures must be files, not base64"
    assert not page.select("clipboard-copy, .clipboard-copy-txt, .celltoolbar")
    assert not [s for s in page.find_all("script") if "mermaid" in s.get_text()]
    code = page.select(".jp-CodeCell > div.language-python.highlight > pre > code")
    assert len(code) == 4, "every code cell is a Material code block (its copy button needs it)"
    (figure,) = page.select(".dl-figure img")
    assert figure["alt"] == "A straight line."
    assert figure["loading"] == "lazy" and figure["src"].endswith(".svg")
    assert int(figure["width"]) > 0 and int(figure["height"]) > 0
    svg = (fixture_site / "chapters" / "01-fixture" / figure["src"]).read_bytes()
    assert svg.lstrip().startswith(b"<?xml") and b"<svg" in svg[:500]


def test_links_between_chapters_point_at_the_built_pages(fixture_site):
    page = _page(fixture_site, "01-fixture")
    hrefs = {a.get_text(): a["href"] for a in page.select(".jp-RenderedMarkdown a[href]")}
    assert hrefs["the other chapter"] == "../02-other/"
    assert hrefs["first section"] == "../02-other/#a-section"
    assert (fixture_site / "chapters" / "02-other" / "index.html").is_file()
    other = _page(fixture_site, "02-other")
    assert other.find(id="a-section") is not None


def test_provenance_comes_from_the_kernel_that_ran_the_page(fixture_site):
    line = _page(fixture_site, "01-fixture").select_one("p.dl-provenance")
    assert line is not None, "every executed chapter says when and with what it ran"
    text = line.get_text()
    # The kernel runs this interpreter and these packages (the build inherits our environment).
    for expected in (
        f"Python {platform.python_version()}",
        f"PyTorch {torch.__version__}",
        f"NumPy {numpy.__version__}",
    ):
        assert expected in text, f"{expected!r} not in {text!r}"
    assert re.search(r"executed on \d{4}-\d\d-\d\d \d\d:\d\d UTC", text)
    assert re.search(r" on (the CPU|a CUDA GPU|an Apple GPU)", text)
    # Last on the page, after the chapter's own cells.
    assert line.find_next(class_="jp-Cell") is None


def test_downloaded_notebook_installs_first_and_links_to_the_site(fixture_site):
    path = fixture_site / "chapters" / "01-fixture" / "01-fixture.ipynb"
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    first = notebook.cells[0]
    assert first.cell_type == "code", "the first cell installs what the chapter imports"
    assert first.metadata["tags"] == ["dl-install", docs_blocks.SKIP_TAG]
    commands = [line for line in first.source.splitlines() if not line.startswith("#")]
    wheels = sorted((fixture_site / "assets").glob("dlcourse-*-py3-none-any.whl"))
    assert len(wheels) == 1, "the site serves the wheel it was built with"
    assert commands == [
        f"%pip install torch=={torch.__version__.split('+')[0]}",  # first, pinned
        f"%pip install https://dlcourse.github.io/dlcourse/assets/{wheels[0].name}",
    ]
    assert "pip install notebook" in first.source, "a note for a reader without Jupyter"
    assert "https://dlcourse.github.io/dlcourse/chapters/01-fixture/" in first.source
    text = "\n".join(cell.source for cell in notebook.cells)
    assert "(https://dlcourse.github.io/dlcourse/chapters/02-other/#a-section)" in text
    assert ".md)" not in text, "no link may point at a Markdown file outside the site"
    assert not any("_dl_provenance" in cell.source for cell in notebook.cells)
    tags = [cell.metadata.get("tags", []) for cell in notebook.cells if cell.cell_type == "code"]
    assert tags.count(["checks"]) == 2, "the checks cells keep their tag"


def test_the_site_serves_the_wheel_of_the_package_it_executed(fixture_site):
    """The wheel holds exactly the package's files: the code that produced the pages."""
    import zipfile

    (wheel,) = (fixture_site / "assets").glob("dlcourse-*-py3-none-any.whl")
    package = ROOT / "src" / "dlcourse"
    with zipfile.ZipFile(wheel) as archive:
        inside = {
            name.removeprefix("dlcourse/"): archive.read(name)
            for name in archive.namelist()
            if name.startswith("dlcourse/")
        }
    files = {
        path.relative_to(package).as_posix(): path.read_bytes()
        for path in package.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert inside == files


def test_404_page_is_self_contained(fixture_site):
    """Served for a missing page at any depth, on any host: nothing to load, no script."""
    page = BeautifulSoup((fixture_site / "404.html").read_text(), "html.parser")
    assert not page.select("script, link[rel=stylesheet], img, iframe")
    assert page.select_one("link[rel=icon]")["href"] == "data:,", "no request for a favicon"
    assert page.style is not None and page.h1.get_text() == "Page not found"
    assert page.select_one("a[href]")["href"] == "https://dlcourse.github.io/dlcourse/"


def test_math_is_typeset_at_build_time(fixture_site):
    page = _page(fixture_site, "01-fixture")
    (display,) = page.select("span.dl-math-display")
    assert display.math is not None and display.math.get("display") == "block"
    assert "$$" not in page.select_one("article").get_text()
    assert not [s for s in page.find_all("script") if "mathjax" in str(s).lower()]
    css = (fixture_site / "assets" / "math" / "Temml-Latin-Modern.css").read_text()
    assert "font-display: swap" in css
    assert (fixture_site / "assets" / "math" / "Temml.woff2").stat().st_size > 1000


def test_the_math_font_is_cut_to_the_glyphs_the_math_uses(fixture_site):
    """Every character of the site's math is in the font it serves, and little else is."""
    from fontTools.ttLib import TTFont

    served = fixture_site / "assets" / "math" / "latinmodernmath.woff2"
    whole = ROOT / "overrides" / "dlsite" / "fonts" / "latinmodern-math.woff2"
    font = TTFont(served)
    assert "MATH" in font, "the MATH table (stretchy brackets, big operators) is kept"
    cmap = font.getBestCmap()
    drawn = {
        c
        for p in fixture_site.rglob("index.html")
        for m in BeautifulSoup(p.read_text(), "html.parser").find_all("math")
        for c in m.get_text()
    }
    assert "∑" not in drawn or ord("∑") in cmap
    assert {c for c in drawn if ord(c) not in cmap} == set()
    assert served.stat().st_size < whole.stat().st_size / 4


BROKEN = {
    **FIXTURE,
    "index.md": FIXTURE["index.md"]
    + "[a page that is gone](chapters/98-gone.md) and [no anchor](chapters/02-other.md#nope)\n",
    "chapters/02-other.md": FIXTURE["chapters/02-other.md"]
    + "[a missing chapter](99-missing.md) and [a missing section](01-fixture.md#no-such)\n",
}


def test_a_broken_link_or_anchor_fails_the_strict_build(tmp_path):
    docs = _write_docs(tmp_path, BROKEN)
    # Rendered as notebooks, not run: link checking does not need the outputs.
    config = write_config(
        tmp_path, docs, execute=["01-fixture.md", "02-other.md"], nav=NAV, run_cells=False
    )
    result = build(config, strict=True)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    for needle in (
        "'chapters/02-other.md' contains a link '99-missing.md'",  # chapter, page
        "'chapters/02-other.md' contains a link '01-fixture.md#no-such'",  # chapter, anchor
        "'index.md' contains a link 'chapters/98-gone.md'",  # plain page, page
        "'index.md' contains a link 'chapters/02-other.md#nope'",  # plain page, anchor
    ):
        assert needle in output, f"missing warning: {needle}\n{output}"


def test_highlight_keeps_every_character_and_materials_colours():
    highlight = site_helpers().highlight
    source = 'def f(x: int = 3) -> str:\n    return f"{x!r} & <b>"  # note\n'
    html = highlight.highlight(source, "python")
    fragment = BeautifulSoup(html, "html.parser")
    assert fragment.get_text() == source
    colours = {span.get_text().strip(): span["class"] for span in fragment.find_all("span")}
    assert colours["def"] == ["k"] and colours["return"] == ["k"] and colours["f"] == ["nf"]
    assert colours["int"] == ["nb"] and colours["# note"] == ["c"]
    assert "&amp; &lt;b&gt;" in html
    assert not any(c in ("p", "o", "m") for cls in colours.values() for c in cls), (
        "operators, punctuation and numbers are left bare"
    )


# --- the book ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return book_site(tmp_path_factory)


def test_every_executed_chapter_is_within_the_page_budget(book):
    site, executed = book
    sizes = {
        name: (site / "chapters" / name.removesuffix(".md") / "index.html").stat().st_size
        for name in executed
    }
    over = {name: size for name, size in sizes.items() if size > PAGE_BUDGET}
    assert not over, f"chapter pages over {PAGE_BUDGET:,} bytes of HTML: {over}"


def test_every_chapter_has_its_notebook(book):
    site, _ = book
    for name in chapters():
        slug = name.removesuffix(".md")
        notebook = nbformat.read(site / "chapters" / slug / f"{slug}.ipynb", as_version=4)
        assert "%pip install" in notebook.cells[0].source


def _download(site: Path, name: str) -> Path:
    slug = name.removesuffix(".md")
    return site / "chapters" / slug / f"{slug}.ipynb"


def test_every_downloaded_notebook_runs_the_cells_that_ran_top_to_bottom(book):
    """The download of every chapter holds exactly the code cells that docs_blocks executed, in
    order, top to bottom in a fresh kernel, without an error (the run the build and the tests
    share; executed here if no stored run is current)."""
    site, _ = book
    for name in chapters():
        page = ROOT / "docs" / "chapters" / name
        run = docs_blocks.cached_execute(page)
        assert run.failure is None, str(run.failure)
        ran = [c for c in run.notebook.cells if c.cell_type == "code"]
        ran = [c for c in ran if docs_blocks.PROVENANCE_TAG not in c.metadata.get("tags", [])]
        downloaded = nbformat.read(_download(site, name), as_version=4)
        install, *code = [c for c in downloaded.cells if c.cell_type == "code"]
        assert "dl-install" in install.metadata["tags"], f"{name}: no install cell first"
        assert len(code) == len(ran), name
        for mine, theirs in zip(code, ran, strict=True):
            skipped = docs_blocks.SKIP_TAG in theirs.metadata.get("tags", [])
            assert skipped == (docs_blocks.SKIP_TAG in mine.metadata.get("tags", [])), name
            assert mine.source.endswith(theirs.source), f"{name}: a cell differs from what ran"


def test_a_downloaded_notebook_executes_in_a_fresh_kernel(book, tmp_path):
    """One download, run as a reader runs it: nbclient, a fresh kernel, top to bottom."""
    from nbclient import NotebookClient

    site, _ = book
    notebook = nbformat.read(_download(site, MINI_CHAPTER), as_version=4)
    NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=600,
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert outputs and not [o for o in outputs if o.get("output_type") == "error"]


def test_notebook_links_resolve_to_pages_of_the_site(book):
    site, _ = book
    base = "https://dlcourse.github.io/dlcourse/"
    for name in chapters():
        slug = name.removesuffix(".md")
        text = json.dumps(
            nbformat.read(site / "chapters" / slug / f"{slug}.ipynb", as_version=4).cells
        )
        for url in re.findall(re.escape(base) + r"([^)\s\"#>\\]*)", text):
            assert (site / url / "index.html").is_file() or (site / url).is_file(), (
                f"{name}: the notebook links to {base}{url}, which the site does not have"
            )


def test_extract_images_writes_each_figure_once_with_its_size():
    import base64
    import io

    import matplotlib.pyplot as plt

    page = site_helpers().notebook_page
    fig, ax = plt.subplots(figsize=(2, 1), dpi=50)
    png, svg = io.BytesIO(), io.BytesIO()
    fig.savefig(png, format="png")
    fig.savefig(svg, format="svg")
    plt.close(fig)
    uri = {
        "png": "data:image/png;base64," + base64.b64encode(png.getvalue()).decode(),
        "svg": "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode(),
    }
    html = (
        f'<img src="{uri["png"]}" alt="a"><img src="{uri["svg"]}" alt="b">'
        f'<img src="{uri["png"]}" alt="the same figure again">'
    )
    out, images = page.extract_images(html)
    assert sorted(i.name.rsplit(".", 1)[1] for i in images) == ["png", "svg"]
    assert {i.data for i in images} == {png.getvalue(), svg.getvalue()}
    imgs = BeautifulSoup(out, "html.parser").find_all("img")
    assert [i["alt"] for i in imgs] == ["a", "b", "the same figure again"]
    assert imgs[0]["src"] == imgs[2]["src"] and imgs[0]["src"].endswith(".png")
    assert (imgs[0]["width"], imgs[0]["height"]) == ("100", "50")  # 2 x 1 inches at 50 dpi
    assert (imgs[1]["width"], imgs[1]["height"]) == ("192", "96")  # 144 x 72 pt, 96 px per inch
    assert all(i["loading"] == "lazy" for i in imgs)


def test_notebook_links_are_rewritten_to_the_site():
    download = site_helpers().download
    pages = {"chapters/02-b.md": "chapters/02-b/", "assets/x.svg": "assets/x.svg"}
    resolve = download.link_resolver("chapters/01-a.md", pages.get, "https://host/book/")
    text = (
        "[b](02-b.md), [b's part](02-b.md#part), ![x](../assets/x.svg), "
        '<a href="02-b.md">b</a>, [web](https://example.org/a.md), [here](#top), '
        "[gone](99-gone.md)"
    )
    assert download.rewrite_links(text, resolve) == (
        "[b](https://host/book/chapters/02-b/), [b's part](https://host/book/chapters/02-b/#part), "
        "![x](https://host/book/assets/x.svg), "
        '<a href="https://host/book/chapters/02-b/">b</a>, [web](https://example.org/a.md), '
        "[here](#top), [gone](99-gone.md)"
    )


def test_split_tex_finds_math_as_mathjax_does():
    math = site_helpers().math
    parts = math.split_tex(
        r"a $x_1$ costs \$5, $$\frac{a}{b}$$ \(y\) \[z\] "
        r"\begin{aligned}a&=b\end{aligned} ${a}$ and a lone $ too"
    )
    found = [(p.tex, p.display) for p in parts if not isinstance(p, str)]
    assert found == [
        ("x_1", False),
        (r"\frac{a}{b}", True),
        ("y", False),
        ("z", True),
        (r"\begin{aligned}a&=b\end{aligned}", True),
        ("{a}", False),
    ]
    text = "".join(p if isinstance(p, str) else p.source for p in parts)
    assert text == r"a $x_1$ costs $5, $$\frac{a}{b}$$ \(y\) \[z\] " + (
        r"\begin{aligned}a&=b\end{aligned} ${a}$ and a lone $ too"
    ), "everything else is kept, an escaped dollar becomes a dollar"
    # A $ inside braces does not close the math.
    (piece,) = [p for p in math.split_tex(r"$\text{\$}x$") if not isinstance(p, str)]
    assert piece.tex == r"\text{\$}x"


def test_typeset_leaves_code_alone_and_reports_what_fails():
    math = site_helpers().math
    soup = BeautifulSoup(
        "<p>Let $x$ be <code>$x$</code>.</p><pre>$ ls</pre><p>$\\frac{a}$</p>", "html.parser"
    )
    seen = []

    def render(pieces):
        seen.extend(p.tex for p in pieces)
        return [
            (f"<math><mi>{p.tex}</mi></math>", "bad" if "frac" in p.tex else None) for p in pieces
        ]

    failures = math.typeset(soup, render)
    assert seen == ["x", "\\frac{a}"]
    assert [(piece.source, error) for piece, error in failures] == [("$\\frac{a}$", "bad")]
    assert (
        str(soup.p)
        == '<p>Let <span class="dl-math"><math><mi>x</mi></math></span> be <code>$x$</code>.</p>'
    )
    assert soup.pre.get_text() == "$ ls"


def test_squeeze_drops_indentation_between_tags_but_not_in_code():
    squeeze = site_helpers().squeeze.squeeze
    page = (
        "<div>\n    <p>a <b>b</b>\n      <i>c</i></p>\n  <pre>\n  <span>x</span>\n    y\n</pre>"
        "\n  <script>\n  if (a >\n  <b) {}\n</script>  \n  <p>d</p>"
    )
    assert squeeze(page) == (
        "<div>\n<p>a <b>b</b>\n<i>c</i></p>\n<pre>\n  <span>x</span>\n    y\n</pre>"
        "\n<script>\n  if (a >\n  <b) {}\n</script>\n<p>d</p>"
    )


def test_a_table_with_an_empty_corner_gets_row_headers():
    page = site_helpers().notebook_page
    soup = BeautifulSoup(
        '<div class="jp-RenderedMarkdown"><table><thead><tr><th></th><th>a</th></tr></thead>'
        "<tbody><tr><td>row</td><td>1</td></tr></tbody></table></div>",
        "html.parser",
    )
    page.restyle(soup)
    assert str(soup.table) == (
        "<table><thead><tr><td></td><th>a</th></tr></thead>"
        '<tbody><tr><th scope="row">row</th><td>1</td></tr></tbody></table>'
    )
