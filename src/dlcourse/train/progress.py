"""When ``fit`` draws a progress bar: for a reader watching, never in the built page or a test.

A bar is for a person waiting on a long run. The same code also runs where nobody watches and
every character lands in a file: the test suite, and the site build, which executes each chapter
in a Jupyter kernel through nbclient and pastes the output under the code. ``bar_wanted`` decides,
in this order:

1. ``DLCOURSE_PROGRESS=0`` (or ``false``/``no``/``off``) never shows a bar, ``=1`` always does.
2. Under pytest (``PYTEST_CURRENT_TEST`` is set) there is no bar.
3. In a Jupyter kernel, a bar shows when the running cell was sent by a front end that takes
   keyboard input (JupyterLab, Notebook, VS Code). Headless executors (nbclient in the site
   build, nbconvert, papermill) send their cells with ``allow_stdin=False``: no bar.
4. Otherwise (a script, a Python prompt) a bar shows when standard error is a terminal.

The bar is tqdm's, from ``tqdm.autonotebook``: a widget in a notebook with ipywidgets, text
elsewhere. (Not ``tqdm.auto``, whose asyncio class calls ``iter()`` on a DataLoader when it is
created and so draws one more seed from torch's generator: a bar would change the numbers.) It
appears only after its first second, so a quick run shows nothing at all.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable, Mapping

from dlcourse.checks import check_bool, check_instance, describe

__all__ = ["ENV_VAR", "bar", "bar_wanted"]

ENV_VAR = "DLCOURSE_PROGRESS"
_OFF, _ON = {"0", "false", "no", "off"}, {"1", "true", "yes", "on"}


def _notebook_reader() -> bool | None:
    """None outside a Jupyter kernel; inside one, whether the current cell's sender takes input."""
    shell = sys.modules["IPython"].get_ipython() if "IPython" in sys.modules else None
    kernel = getattr(shell, "kernel", None)
    if kernel is None or not hasattr(kernel, "get_parent"):
        return None
    request = kernel.get_parent("shell") or {}
    return bool(request.get("content", {}).get("allow_stdin", False))


def bar_wanted(environ: Mapping[str, str] | None = None, stream=None) -> bool:
    """Whether a progress bar should be drawn here (see the module's docstring for the rules).

    Args:
        environ: the environment to read; default ``os.environ``.
        stream: where the bar would go; default ``sys.stderr``.
    """
    environ = os.environ if environ is None else check_instance("environ", environ, Mapping)
    if stream is not None and not callable(getattr(stream, "isatty", None)):
        raise TypeError(f"stream must be a file-like object with isatty(); got {describe(stream)}")
    value = environ.get(ENV_VAR, "").strip().lower()
    if value in _OFF:
        return False
    if value in _ON:
        return True
    if value:
        raise ValueError(f"environ[{ENV_VAR!r}] must be one of {sorted(_OFF | _ON)}; got {value!r}")
    if "PYTEST_CURRENT_TEST" in environ:
        return False
    reader = _notebook_reader()
    if reader is not None:
        return reader
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def bar(iterable: Iterable, enabled: bool, **kwargs) -> Iterable:
    """``iterable`` wrapped in a tqdm bar when ``enabled``, else ``iterable`` itself."""
    check_bool("enabled", enabled)
    if not hasattr(iterable, "__iter__"):
        raise TypeError(f"iterable must be iterable; got {describe(iterable)}")
    if not enabled:
        return iterable
    with warnings.catch_warnings():  # in a notebook it warns that it is experimental
        warnings.simplefilter("ignore")
        from tqdm.autonotebook import tqdm
    return tqdm(iterable, delay=1.0, dynamic_ncols=True, **kwargs)
