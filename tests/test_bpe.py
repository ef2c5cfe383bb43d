"""dlcourse.bpe: merges learned by hand, a lossless round trip, and bad input."""

from __future__ import annotations

import pytest
import torch

from dlcourse.bpe import BytePairTokenizer


def test_the_most_frequent_pair_is_merged_first():
    # Chunks "aa", " aa" (twice), " ab". Pairs: "aa" 3 times, " a" 3 times, "ab" once: a tie,
    # which goes to the pair of smaller ids, (" ", "a"). Then " a"+"a" (twice) beats the rest.
    bpe = BytePairTokenizer("aa aa aa ab", 2)
    assert bpe.tokens[:3] == [" ", "a", "b"]
    first, second = (bpe.tokens[new] for _, new in bpe.merges)
    assert (first, second) == (" a", " aa")
    assert bpe.decode(bpe.encode(" aa ab")) == " aa ab"
    assert [bpe.tokens[i] for i in bpe.encode(" aa ab")] == [" aa", " a", "b"]


def test_merges_do_not_cross_words_and_the_round_trip_is_exact():
    text = "the cat sat on the mat. The end!  \n\n$x_1$ costs 42"
    bpe = BytePairTokenizer(text, 30)
    assert all(" " not in tok.strip(" ") or tok.isspace() for tok in bpe.tokens)
    ids = bpe.encode(text)
    assert ids.dtype == torch.int64 and len(ids) < len(text)
    assert bpe.decode(ids) == text
    assert bpe.decode(ids.tolist()) == text
    assert bpe.vocab_size == len(set(text)) + len(bpe.merges)


def test_merges_stop_when_nothing_is_left_to_merge():
    bpe = BytePairTokenizer("ab ab", 50)
    assert [bpe.tokens[new] for _, new in bpe.merges] == ["ab", " ab"]


def test_alphabet_adds_characters_that_the_text_lacks():
    bpe = BytePairTokenizer("abab", 1, alphabet="xyz")
    assert bpe.vocab_size == 2 + 3 + 1
    assert bpe.decode(bpe.encode("zab")) == "zab"


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="text must not be empty"):
        BytePairTokenizer("", 3)
    with pytest.raises(ValueError, match="num_merges must be an integer >= 0"):
        BytePairTokenizer("ab", -1)
    bpe = BytePairTokenizer("ab", 1)
    with pytest.raises(ValueError, match="text has characters the tokenizer never saw"):
        bpe.encode("abc")
    with pytest.raises(ValueError, match=r"ids must be integers in \[0, 3\)"):
        bpe.decode([0, 3])
    with pytest.raises(TypeError, match="ids must be a sequence of token ids"):
        bpe.decode("ab")
