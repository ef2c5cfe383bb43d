"""Bad input for dlcourse.sequences."""

from __future__ import annotations

import numpy as np

from bad_input.fuzzing import NAN, Array, Count, Other
from bad_input.registry import Registry
from bad_input.values import NON_NEGATIVE, SEED
from dlcourse import sequences

RECIPES = Registry()
register = RECIPES.register

TEXTS = ["the cat sat", "a dog ran", "the dog sat"]
TEXT_LIST = Other(bad_values=(None, "the cat", [1, 2], ["a", None], 3), odd_values=([], [""]))
register(sequences.build_vocab, texts=(TEXTS, TEXT_LIST))
VOCAB = sequences.build_vocab(TEXTS)
register(
    sequences.encode,
    texts=(TEXTS, TEXT_LIST),
    vocab=(VOCAB, Other(bad_values=(None, 3, ["a"], {"a": "b"}, {"a": -1}))),
    length=(None, Count(1, optional=True)),
)
IDS = np.array([[2, 3, 1], [4, 1, 0]])
ID_KIND = Other(
    bad_values=(None, "abc", np.array([[0.5, 1.0]]), np.array([[-1, 0]]), np.array([[NAN]])),
    odd_values=(np.zeros((1, 1), dtype=int), np.arange(5).reshape(1, 5)),
)
register(sequences.bag_of_words, ids=(IDS, ID_KIND), vocab_size=(6, Count(1)))
register(sequences.one_hot, ids=(IDS, ID_KIND), num_classes=(6, Count(1)))
register(
    sequences.random_symbols, n=(4, Count(1)), length=(5, Count(1)), num_symbols=(3, Count(1)),
    seed=(0, SEED),
)  # fmt: skip
register(
    sequences.first_symbol, n=(4, Count(1)), length=(5, Count(1)), num_symbols=(3, Count(2)),
    seed=(0, SEED),
)  # fmt: skip
register(
    sequences.seasonal_series, n=(48, Count(1)), period=(12, Count(1)), noise=(0.1, NON_NEGATIVE),
    seed=(0, SEED),
)  # fmt: skip
SERIES = np.sin(np.arange(30) / 3)
register(
    sequences.windows,
    series=(SERIES, Array(ndims=(1,), like=SERIES)),
    lookback=(5, Count(1)),
    horizon=(1, Count(1)),
)

register(sequences.order_reviews, n=(40, Count(1)), seed=(0, SEED))

globals().update(RECIPES.tests())  # this file's tests: see registry.py
