"""Generated sequence data for the recurrent-networks chapter, and the small tools to feed it.

- text: ``build_vocab``, ``encode`` (words to left-padded ids), ``bag_of_words`` (word counts,
  the order thrown away) and ``one_hot``; ``order_reviews``, whose sentiment only the order of
  the words tells (the simpler ``dlcourse.data.toy_reviews``, where "not" flips the sentiment,
  is a function of the counts);
- memory: ``first_symbol`` (name the first symbol of a long random sequence) and
  ``random_symbols`` (sequences to memorise);
- time series: ``seasonal_series`` (a noisy periodic signal) and ``windows`` (cut it into
  inputs and the values that follow them).

Everything is NumPy and deterministic given ``seed``.
"""

from __future__ import annotations

import numpy as np

from dlcourse.checks import (
    check_array,
    check_count,
    check_int,
    check_real,
    check_seed,
    check_size,
    describe,
)
from dlcourse.data import REVIEW_WORDS

__all__ = [
    "PAD",
    "bag_of_words",
    "build_vocab",
    "encode",
    "first_symbol",
    "one_hot",
    "order_reviews",
    "random_symbols",
    "seasonal_series",
    "windows",
]

PAD = "<pad>"  # id 0: fills the start of short texts


def _check_texts(texts) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("texts must be a list of strings, not one string")
    if not isinstance(texts, (list, tuple)) or not all(isinstance(t, str) for t in texts):
        raise TypeError(f"texts must be a list of strings; got {describe(texts)}")
    return list(texts)


def _check_ids(ids) -> np.ndarray:
    ids = check_array("ids", ids, ndim=2, shape="(n, T)", dtype=None, nonempty=False)
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(
            f"ids must be a 2-D integer array (n, T); got shape {ids.shape}, dtype {ids.dtype}"
        )
    return ids


# ---- text ------------------------------------------------------------------------------


def build_vocab(texts: list[str]) -> dict[str, int]:
    """Map every word of ``texts`` (split on spaces) to an id: ``PAD`` is 0, then the words in
    alphabetical order from 1 (so the same texts always give the same ids)."""
    texts = _check_texts(texts)
    words = sorted({word for text in texts for word in text.split()})
    return {PAD: 0, **{word: i + 1 for i, word in enumerate(words)}}


def encode(texts: list[str], vocab: dict[str, int], length: int | None = None) -> np.ndarray:
    """Word ids of each text, padded with 0 at the **start** to a common length.

    Padding at the start puts every text's last word at the last time step, where a recurrent
    network's final hidden state is read.

    Args:
        texts: n strings of words separated by spaces.
        vocab: from ``build_vocab``; every word must be in it.
        length: T; default: the longest text's number of words.

    Returns:
        int64 array (n, T).
    """
    tokens = [text.split() for text in _check_texts(texts)]
    if not isinstance(vocab, dict) or not all(
        isinstance(w, str) and isinstance(i, (int, np.integer)) and i >= 0 for w, i in vocab.items()
    ):
        raise TypeError(
            f"vocab must map words to ids >= 0, as build_vocab does; got {describe(vocab)}"
        )
    longest = max((len(t) for t in tokens), default=0)
    length = longest if length is None else check_count("length", length)
    if longest > length:
        raise ValueError(f"length must be >= the longest text ({longest} words); got {length}")
    check_size("the ids (n * length)", len(tokens) * length)
    ids = np.zeros((len(tokens), length), dtype=np.int64)
    for i, words in enumerate(tokens):
        unknown = [w for w in words if w not in vocab]
        if unknown:
            raise ValueError(f"text {i} has words missing from vocab: {unknown}")
        if words:
            ids[i, length - len(words) :] = [vocab[w] for w in words]
    return ids


def bag_of_words(ids, vocab_size: int) -> np.ndarray:
    """How often each word occurs in each sequence, padding not counted: the order is lost.

    Args:
        ids: int array (n, T) of ids in [0, vocab_size).
        vocab_size: V.

    Returns:
        float32 array (n, V); column 0 (padding) is all zeros.
    """
    ids = _check_ids(ids)
    vocab_size = check_count("vocab_size", vocab_size)
    if ids.size and (ids.min() < 0 or ids.max() >= vocab_size):
        raise ValueError(
            f"ids must lie in [0, vocab_size) = [0, {vocab_size}); got [{ids.min()}, {ids.max()}]"
        )
    check_size("the counts (n * vocab_size)", len(ids) * vocab_size)
    counts = np.zeros((len(ids), vocab_size), dtype=np.float32)
    np.add.at(counts, (np.repeat(np.arange(len(ids)), ids.shape[1]), ids.ravel()), 1.0)
    counts[:, 0] = 0.0
    return counts


def one_hot(ids, num_classes: int) -> np.ndarray:
    """One-hot vectors: ids (n, T) in [0, num_classes) -> float32 (n, T, num_classes)."""
    ids = _check_ids(ids)
    num_classes = check_count("num_classes", num_classes)
    if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
        raise ValueError(
            f"ids must lie in [0, num_classes) = [0, {num_classes}); got [{ids.min()}, {ids.max()}]"
        )
    check_size("the one-hot array (ids.size * num_classes)", ids.size * num_classes)
    return np.eye(num_classes, dtype=np.float32)[ids]


def order_reviews(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Reviews whose sentiment only the order of their words tells.

    Each holds one positive and one negative adjective (``dlcourse.data.REVIEW_WORDS``), one of
    them negated, in one of two forms, equally often:

    - ``"the <subject> was <kept> not <dropped>[ <ending>]"`` ("good not bad"),
    - ``"the <subject> was not <dropped> but <kept>[ <ending>]"`` ("not bad but good").

    The label is 1 when the kept adjective is positive, else 0. Swapping the two adjectives
    keeps every word, hence the bag of words, and flips the label; both orders are equally
    likely, so no function of the word counts beats a coin toss on new reviews.

    Args:
        n: number of reviews, from 1 to 10**6.
        seed: seed of the generator.

    Returns:
        ``(texts, labels)``: n strings of 6 to 9 words, and int64 labels (n,) of 0 or 1.
    """
    # Built one by one in Python, as toy_reviews: a million reviews take seconds.
    n, seed = check_int("n", n, min=1, max=10**6), check_seed("seed", seed)
    rng = np.random.default_rng(seed)
    words = REVIEW_WORDS
    texts, labels = [], np.zeros(n, dtype=np.int64)
    for i in range(n):
        good, bad = rng.choice(words["positive"]), rng.choice(words["negative"])
        positive = bool(rng.random() < 0.5)
        kept, dropped = (good, bad) if positive else (bad, good)
        subject, ending = rng.choice(words["subjects"]), rng.choice(words["endings"])
        middle = f"{kept} not {dropped}" if rng.random() < 0.5 else f"not {dropped} but {kept}"
        texts.append(f"the {subject} was {middle}{ending}")
        labels[i] = int(positive)
    return texts, labels


# ---- memory ----------------------------------------------------------------------------


def random_symbols(n: int, length: int, num_symbols: int, seed: int = 0) -> np.ndarray:
    """n sequences of ``length`` symbols drawn uniformly from 0..num_symbols-1: int64 (n, T)."""
    n, length = check_count("n", n), check_count("length", length)
    num_symbols = check_count("num_symbols", num_symbols, min=2)
    check_size("the symbols (n * length)", n * length)
    return np.random.default_rng(check_seed("seed", seed)).integers(
        0, num_symbols, size=(n, length)
    )


def first_symbol(
    n: int, length: int, num_symbols: int = 4, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The long-range memory task: name the first symbol of a random sequence.

    Every symbol is drawn uniformly from 0..num_symbols-1; the label is the first one, so the
    ``length - 1`` symbols after it are distractors that a model must read and ignore.
    Guessing scores 1/num_symbols.

    Returns:
        ``(ids, labels)``: int64 (n, length) and int64 (n,).
    """
    ids = random_symbols(n, length, num_symbols, seed)
    return ids, ids[:, 0].copy()


# ---- time series -----------------------------------------------------------------------


def seasonal_series(n: int, period: int = 24, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """A noisy seasonal signal: a sine of period ``period`` plus a smaller sine of a third of
    that period, plus Gaussian noise of standard deviation ``noise``. float64 (n,)."""
    n, period = check_count("n", n), check_count("period", period, min=2)
    noise = check_real("noise", noise, min=0.0)
    check_size("n", n)
    seed = check_seed("seed", seed)
    t = np.arange(n)
    signal = np.sin(2 * np.pi * t / period) + 0.4 * np.sin(6 * np.pi * t / period + 1.0)
    return signal + noise * np.random.default_rng(seed).normal(size=n)


def windows(series, lookback: int, horizon: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Cut a series into (input window, the values that follow) pairs.

    Window i is ``series[i : i + lookback]``; its target is the next ``horizon`` values.

    Args:
        series: 1-D array of length n.
        lookback: L, steps the model sees. horizon: h, steps it must predict.

    Returns:
        ``(X, y)``: float32 (m, L, 1) and float32 (m, h), with m = n - L - h + 1.
    """
    series = check_array("series", series, ndim=1, shape="(n,)").astype(np.float32)
    lookback, horizon = check_count("lookback", lookback), check_count("horizon", horizon)
    m = len(series) - lookback - horizon + 1
    if m < 1:
        raise ValueError(
            f"series of length {len(series)} is too short for lookback={lookback} and "
            f"horizon={horizon}: it needs at least {lookback + horizon} values"
        )
    idx = np.arange(m)[:, None]
    X = series[idx + np.arange(lookback)][..., None]
    y = series[idx + lookback + np.arange(horizon)]
    return X, y
