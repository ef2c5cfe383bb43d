"""dlcourse.sequences: generated sequence data and the tools that feed it to a network."""

from __future__ import annotations

import numpy as np
import pytest

from dlcourse import data
from dlcourse import sequences as seq
from dlcourse.data import REVIEW_WORDS


def test_vocab_is_sorted_with_padding_first():
    vocab = seq.build_vocab(["the film was good", "the film was not good"])
    assert vocab == {seq.PAD: 0, "film": 1, "good": 2, "not": 3, "the": 4, "was": 5}
    assert seq.build_vocab(["b a", "a"]) == seq.build_vocab(["a", "a b"])  # order-free


def test_encode_pads_at_the_start():
    vocab = seq.build_vocab(["a b c"])
    ids = seq.encode(["a b c", "c", ""], vocab, length=4)
    assert ids.dtype == np.int64
    np.testing.assert_array_equal(ids, [[0, 1, 2, 3], [0, 0, 0, 3], [0, 0, 0, 0]])
    assert seq.encode(["a b", "c"], vocab).shape == (2, 2)  # default: the longest text


def test_encode_rejects_unknown_words_and_short_lengths():
    vocab = seq.build_vocab(["a b"])
    with pytest.raises(ValueError, match=r"missing from vocab: \['z'\]"):
        seq.encode(["a z"], vocab)
    with pytest.raises(ValueError, match=r"longest text \(2 words\); got 1"):
        seq.encode(["a b"], vocab, length=1)
    with pytest.raises(TypeError, match="list of strings"):
        seq.encode("a b", vocab)


def test_bag_of_words_counts_and_forgets_order():
    vocab = seq.build_vocab(["good not bad"])
    ids = seq.encode(["good not bad", "bad not good", "good good"], vocab, length=4)
    bags = seq.bag_of_words(ids, len(vocab))
    assert bags.shape == (3, 4) and bags.dtype == np.float32
    np.testing.assert_array_equal(bags[0], bags[1])  # same words, other order
    np.testing.assert_array_equal(bags[2], [0, 0, 2, 0])  # padding not counted
    with pytest.raises(
        ValueError, match=r"ids must lie in \[0, vocab_size\) = \[0, 3\); got \[0, 3\]"
    ):
        seq.bag_of_words(ids, 3)
    with pytest.raises(
        ValueError, match=r"ids must be a 2-D array of shape \(n, T\); got shape \(4,\)"
    ):
        seq.bag_of_words(ids[0], 4)


def test_one_hot():
    x = seq.one_hot(np.array([[0, 2], [1, 1]]), 3)
    assert x.shape == (2, 2, 3) and x.dtype == np.float32
    np.testing.assert_array_equal(x.argmax(-1), [[0, 2], [1, 1]])
    np.testing.assert_array_equal(x.sum(-1), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"\[0, 2\)"):
        seq.one_hot(np.array([[2]]), 2)


def test_toy_reviews_encode_to_the_negation_task():
    # The chapter's pipeline: every review fits in 7 words, and "not" flips each adjective.
    texts, labels = data.toy_reviews(300, seed=0)
    vocab = seq.build_vocab(texts)
    ids = seq.encode(texts, vocab, 7)
    has_not = (ids == vocab["not"]).any(axis=1)
    words = [t.split() for t in texts]
    adjectives = np.array([w[w.index("was") + 1 + ("not" in w)] for w in words])
    for adjective in set(adjectives):
        same = adjectives == adjective
        plain, negated = labels[same & ~has_not], labels[same & has_not]
        assert len(set(plain)) <= 1 and len(set(negated)) <= 1
        if len(plain) and len(negated):
            assert plain[0] != negated[0]


def test_random_symbols_and_first_symbol():
    x = seq.random_symbols(500, 6, 4, seed=3)
    assert x.shape == (500, 6) and x.min() == 0 and x.max() == 3
    np.testing.assert_array_equal(x, seq.random_symbols(500, 6, 4, seed=3))  # deterministic
    assert not np.array_equal(x, seq.random_symbols(500, 6, 4, seed=4))
    ids, labels = seq.first_symbol(2000, 10, 4, seed=0)
    np.testing.assert_array_equal(labels, ids[:, 0])
    assert np.allclose(np.bincount(labels) / 2000, 0.25, atol=0.04)  # balanced: guessing is 1/4
    labels[0] += 1  # a copy, not a view of ids
    assert labels[0] != ids[0, 0]
    with pytest.raises(ValueError, match="num_symbols must be an integer >= 2; got 1"):
        seq.first_symbol(10, 5, 1)
    with pytest.raises(ValueError, match="length must be an integer >= 1; got 0"):
        seq.random_symbols(10, 0, 3)


def test_seasonal_series_repeats_with_its_period():
    clean = seq.seasonal_series(96, period=24, noise=0.0)
    np.testing.assert_allclose(clean[:24], clean[24:48], atol=1e-12)
    np.testing.assert_allclose(clean[:72], clean[24:], atol=1e-12)
    noisy = seq.seasonal_series(5000, period=24, noise=0.3, seed=1)
    residual = noisy - seq.seasonal_series(5000, period=24, noise=0.0)
    assert abs(residual.std() - 0.3) < 0.02
    with pytest.raises(ValueError, match=r"noise must be a finite real number >= 0.0; got -1.0"):
        seq.seasonal_series(10, noise=-1)


def test_windows_cut_inputs_and_targets():
    series = np.arange(10.0)
    X, y = seq.windows(series, lookback=3, horizon=2)
    assert X.shape == (6, 3, 1) and y.shape == (6, 2)
    np.testing.assert_array_equal(X[0, :, 0], [0, 1, 2])
    np.testing.assert_array_equal(y[0], [3, 4])
    np.testing.assert_array_equal(X[-1, :, 0], [5, 6, 7])
    np.testing.assert_array_equal(y[-1], [8, 9])
    with pytest.raises(ValueError, match="at least 12 values"):
        seq.windows(series, lookback=10, horizon=2)
    with pytest.raises(ValueError, match=r"1-D array of shape \(n,\); got shape \(2, 5\)"):
        seq.windows(series.reshape(2, 5), 2)


def test_order_reviews_swap_the_adjectives_with_the_same_bag_and_the_other_label():
    texts, labels = seq.order_reviews(400, seed=0)
    assert len(texts) == 400 and labels.dtype == np.int64 and set(labels) == {0, 1}
    assert 0.4 < labels.mean() < 0.6
    positive, negative = set(REVIEW_WORDS["positive"]), set(REVIEW_WORDS["negative"])
    for text, label in zip(texts, labels, strict=True):
        words = text.split()
        assert 6 <= len(words) <= 9 and words[:3] == ["the", words[1], "was"]
        if words[3] == "not":  # "not <dropped> but <kept>"
            assert words[5] == "but"
            kept = words[6]
        else:  # "<kept> not <dropped>"
            assert words[4] == "not"
            kept = words[3]
        assert label == (kept in positive) and (kept in positive) != (kept in negative)
    # the twin of a review: the same words, the opposite label
    vocab = seq.build_vocab(["the film was good not bad", "the film was bad not good"])
    bags = seq.bag_of_words(
        seq.encode(["the film was good not bad", "the film was bad not good"], vocab), len(vocab)
    )
    np.testing.assert_array_equal(bags[0], bags[1])
    again, _ = seq.order_reviews(400, seed=0)
    assert again == texts  # deterministic given the seed
