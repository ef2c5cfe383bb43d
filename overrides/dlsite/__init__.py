"""What ``overrides/site_hooks.py`` does to the built site, as plain functions the tests can call.

- ``notebook_page``: a chapter's rendered notebook made light and in Material's markup.
- ``highlight``: code highlighted with one class per Material colour, to keep pages light.
- ``math``: math typeset at build time as MathML (Temml, ``typeset_math.mjs``).
- ``squeeze``: the indentation between tags dropped from every page.
- ``wheel``: the wheel of ``dlcourse`` that the site serves.
- ``download``: the ``.ipynb`` a reader downloads, with an install cell and site links.
- ``provenance_cell.py``: the code the build runs in a chapter's kernel after its last cell.
"""
