"""Weights I/O for serving: load a saved ``state_dict`` into a model without running any code.

``load_weights`` reads a ``state_dict`` (a bare one, or a ``dlcourse.checkpoint`` file) with
``torch.load(..., weights_only=True)``, through the package's one loader
(``dlcourse.checkpoint.load_state_dict_checked``): a file that holds anything but tensors and
plain containers is refused instead of run, and nothing is loaded unless everything fits.
"""

import os

from torch import nn

from dlcourse.checkpoint import load_state_dict_checked

__all__ = ["load_weights"]


def load_weights(path: str | os.PathLike, model: nn.Module) -> nn.Module:
    """Load the weights saved at ``path`` into ``model``, without running any code in the file.

    Args:
        path: ``torch.save(model.state_dict(), path)``, or a ``dlcourse.checkpoint`` file.
        model: a model of the architecture that was saved; receives the weights.

    Returns:
        ``model``, in eval mode.

    Raises:
        ValueError: the file is missing, is not a weights file (it holds pickled objects that
            ``weights_only=True`` refuses), or its keys or shapes do not fit ``model`` (the
            message names them; the model is then left untouched). This is
            ``dlcourse.checkpoint.load_state_dict_checked``, the package's one loader.
    """
    return load_state_dict_checked(model, path).eval()  # checks it all first
