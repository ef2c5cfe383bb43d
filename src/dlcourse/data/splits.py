"""Cut a dataset into training, validation and test sets: one function, one convention."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from dlcourse.checks import check_bool, check_probability, check_same_length, check_seed, describe

__all__ = ["train_val_test_split"]


def _rows(name: str, value: Any) -> Any:
    """A NumPy array or torch tensor with one row per example (a list becomes an array)."""
    if isinstance(value, torch.Tensor):
        rows = value
    elif value is None or isinstance(value, (str, bytes, dict, set)):
        rows = None
    else:
        try:
            rows = np.asarray(value)
        except ValueError as error:  # ragged
            raise ValueError(f"{name} must be a rectangular array; {error}") from None
    if rows is None or rows.ndim == 0:
        raise TypeError(
            f"{name} must be an array or tensor with one row per example; got {describe(value)}"
        )
    return rows


def _take(rows: Any, index: np.ndarray) -> Any:
    if isinstance(rows, torch.Tensor):
        return rows[torch.from_numpy(index).to(rows.device)]
    return rows[index]


def train_val_test_split(
    X: Any,
    y: Any,
    val: float = 0.15,
    test: float = 0.15,
    seed: int = 0,
    shuffle: bool = True,
) -> tuple[tuple[Any, Any], tuple[Any, Any], tuple[Any, Any]]:
    """Cut ``(X, y)`` into training, validation and test sets; NumPy arrays or torch tensors.

    With ``shuffle`` (the default) the rows are permuted once with ``seed`` before cutting.
    Without it the rows keep their order: the first ones train, the next validate, the last
    ones test. On data ordered in x or in time the test then measures *extrapolation* (how
    well a model predicts beyond what it saw).

    Args:
        X: (m, ...) inputs; y: (m, ...) targets with the same first dimension. A list becomes
            a NumPy array; a tensor stays a tensor, on its device.
        val, test: fractions of m for the validation and test sets, each in [0, 1), with
            ``val + test < 1``. A fraction of 0 gives an empty set; a positive fraction too
            small to give a single row is a ``ValueError``.
        seed: seed of the permutation (unused without ``shuffle``).
        shuffle: permute the rows before cutting.

    Returns:
        ``((X_train, y_train), (X_val, y_val), (X_test, y_test))``, of the type of the inputs;
        the test set has ``round(test * m)`` rows, the validation set ``round(val * m)``.
    """
    X, y = _rows("X", X), _rows("y", y)
    m = check_same_length("X and y", X, y)
    val = check_probability("val", val, max_open=True)
    test = check_probability("test", test, max_open=True)
    seed, shuffle = check_seed("seed", seed), check_bool("shuffle", shuffle)
    if val + test >= 1:
        raise ValueError(f"val + test must be < 1 to leave rows to train on; got {val} + {test}")
    n_test, n_val = round(test * m), round(val * m)
    sizes = {"train": m - n_val - n_test, "val": n_val, "test": n_test}
    fractions = {"train": 1 - val - test, "val": val, "test": test}
    for name, size in sizes.items():
        if size == 0 and fractions[name] > 0:
            raise ValueError(
                f"{name}={fractions[name]:g} of m={m} rows leaves the {name} set empty; "
                "use more rows or a larger fraction"
            )
    if shuffle:
        order = np.random.default_rng(seed).permutation(m)
        test_idx, val_idx, train_idx = np.split(order, [n_test, n_test + n_val])
    else:
        train_idx, val_idx, test_idx = np.split(np.arange(m), [sizes["train"], m - n_test])
    return tuple((_take(X, idx), _take(y, idx)) for idx in (train_idx, val_idx, test_idx))
