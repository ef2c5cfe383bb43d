"""Malformed arguments against every public function of dlcourse: a clear error or a right answer.

One file per module of the package: ``test_<module>.py`` holds a valid call (a ``Recipe``) of
every public function, class and method of ``dlcourse.<module>`` (a package such as
``dlcourse.train`` is one module here). For each recipe:

- every *bad* value of every argument's kind (wrong type, NaN, inf, negative, zero, huge, bool,
  string, complex, wrong ndim, empty, ...) must raise ``ValueError`` or ``TypeError`` whose
  message names the argument (a deterministic sweep);
- hypothesis draws *odd* values (arrays of random shapes, counts at their edges) and the call
  must raise such an error or return an answer the recipe accepts;
- no call may hang or allocate without bound: each runs under ``fuzzing.guarded``.

``fuzzing.py`` is the engine (kinds, recipes, the guard), ``registry.py`` turns a file's
recipes into its tests, ``values.py`` holds the valid values several files share, and
``test_registry.py`` is the one completeness test: every public function registered, once, in
the file of its module. See README.md for adding a module.
"""
