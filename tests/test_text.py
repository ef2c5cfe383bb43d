"""dlcourse.text: the corpus, the tokenizer, windows of text, and the two baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dlcourse import text
from dlcourse.bpe import BytePairTokenizer
from dlcourse.text import CharTokenizer, Corpus

HEADER = "---\njupyter:\n  kernelspec:\n    name: python3\n---\n"


@pytest.fixture
def docs(tmp_path):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "02-b.md").write_text(HEADER + "# Two\nbeta", encoding="utf-8")
    (tmp_path / "chapters" / "01-a.md").write_text(HEADER + "# One\nalpha", encoding="utf-8")
    (tmp_path / "index.md").write_text("# Home\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not markdown", encoding="utf-8")
    return tmp_path


# --- the corpus ---------------------------------------------------------------------------


def test_load_corpus_reads_markdown_in_sorted_order_without_front_matter(docs):
    corpus = text.load_corpus(docs)
    assert list(corpus.documents) == ["chapters/01-a.md", "chapters/02-b.md", "index.md"]
    assert corpus.documents["chapters/01-a.md"] == "# One\nalpha"
    assert corpus.text == "# One\nalpha\n\n# Two\nbeta\n\n# Home\n"
    assert corpus.origin == str(docs)
    one = text.load_corpus(docs / "index.md")
    assert one.documents == {"index.md": "# Home\n"}


def test_load_corpus_rejects_missing_and_empty_paths(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        text.load_corpus(tmp_path / "nowhere")
    with pytest.raises(ValueError, match=r"no Markdown \(\*.md\) files"):
        text.load_corpus(tmp_path)


def test_default_corpus_is_this_book_in_a_checkout():
    docs = text.book_docs()
    assert docs is not None and (docs / "chapters").is_dir()
    corpus = text.load_corpus()
    assert corpus.origin == str(docs)
    assert any(name.startswith("chapters/") for name in corpus.documents)
    assert all("jupytext" not in doc[:200] for doc in corpus.documents.values())


def test_without_the_repository_the_corpus_is_the_package_docstrings(monkeypatch):
    monkeypatch.setattr(text, "book_docs", lambda: None)
    corpus = text.load_corpus()
    assert corpus.origin == "dlcourse docstrings"
    assert "dlcourse.attention" in corpus.documents and "dlcourse.text" in corpus.documents
    assert "softmax(q k^T / sqrt(d_k)) v" in corpus.documents["dlcourse.attention"]
    assert len(corpus.text) > 20_000  # enough to train a small model on
    assert text.package_docstrings() == corpus.documents


def test_without_code_keeps_the_prose():
    doc = (
        "Intro.\n\n```python\nx = 1\n```\n\nMiddle.\n"
        "````text\n```python\ninside\n```\n````\n"
        "~~~\ntilde\n~~~\nEnd with `inline` code.\n```python\nunclosed = True\n"
    )
    prose = Corpus({"a": doc}, "test").without_code()
    assert prose.documents["a"] == (
        "Intro.\n\n\nMiddle.\nEnd with `inline` code.\n```python\nunclosed = True\n"
    )
    assert prose.origin == "test"


def test_split_holds_out_the_end_of_every_document():
    corpus = Corpus({"a": "0123456789", "b": "abcdefghij"}, "test")
    train, val = corpus.split(0.2)
    assert train == "01234567\n\nabcdefgh" and val == "89\n\nij"
    with pytest.raises(
        ValueError, match=r"val_fraction must be a finite real number in \(0, 1\); got 1"
    ):
        corpus.split(1)


# --- the tokenizer ------------------------------------------------------------------------


def test_char_tokenizer_round_trip():
    tok = CharTokenizer("hello world")
    assert tok.chars == [" ", "d", "e", "h", "l", "o", "r", "w"] and tok.vocab_size == 8
    ids = tok.encode("hold")
    assert ids.dtype == torch.int64 and ids.tolist() == [3, 5, 4, 1]
    assert tok.decode(ids) == "hold" and tok.decode([7, 5]) == "wo"


def test_the_tokenizers_share_one_check_of_text_and_of_ids():
    # One home: CharTokenizer and BytePairTokenizer call the same two checks.
    assert text.check_token_ids(torch.tensor([2, 0]), 3) == [2, 0]
    assert text.check_token_ids(np.array([1, 2]), 3) == [1, 2]
    assert text.check_token_ids(range(3), 3) == [0, 1, 2]
    assert text.check_characters("ab", {"a": 0, "b": 1}) == "ab"
    bpe = BytePairTokenizer("ab ab", 1)
    for tok in (CharTokenizer("ab "), bpe):
        with pytest.raises(ValueError, match=r"integers in \[0, \d\) \(vocab_size=\d\); got \[9\]"):
            tok.decode([0, 9])
        with pytest.raises(ValueError, match=r"never saw \(not among its 3 characters\)"):
            tok.encode("abz")


def test_char_tokenizer_rejects_unknown_input():
    tok = CharTokenizer("abc")
    with pytest.raises(ValueError, match=r"not among its 3 characters\): \['x', 'z'\]"):
        tok.encode("axz")
    with pytest.raises(ValueError, match=r"in \[0, 3\) \(vocab_size=3\); got \[3\]"):
        tok.decode([0, 3])
    with pytest.raises(ValueError, match="non-empty"):
        CharTokenizer("")


# --- windows ------------------------------------------------------------------------------


def test_training_windows_are_random_and_shifted_by_one():
    ids = torch.arange(100)
    loader = text.windows_loader(
        ids, 8, 4, num_batches=5, generator=torch.Generator().manual_seed(0)
    )
    batches = list(loader)
    assert len(batches) == 5
    for x, y in batches:
        assert x.shape == y.shape == (4, 8)
        assert torch.equal(y, x + 1)  # the target is the next token
        assert torch.equal(x, x[:, :1] + torch.arange(8))  # contiguous windows
        assert x.max() <= 98  # the last target, 99, still exists
    starts = torch.cat([x[:, 0] for x, _ in batches])
    assert len(set(starts.tolist())) > 1


def test_evaluation_windows_cover_the_text_once():
    ids = torch.arange(35)
    batches = list(text.windows_loader(ids, 8, 3))
    x = torch.cat([b[0] for b in batches])
    assert x[:, 0].tolist() == [0, 8, 16, 24]  # non-overlapping, in order
    assert [len(b[0]) for b in batches] == [3, 1]


def test_windows_loader_rejects_bad_input():
    with pytest.raises(ValueError, match="1-D int64; got torch.float32"):
        text.windows_loader(torch.zeros(50), 8, 4)
    with pytest.raises(ValueError, match="at least block_size \\+ 1 = 9 ids.*8 ids"):
        text.windows_loader(torch.arange(8), 8, 4)
    with pytest.raises(TypeError, match="block_size must be an integer"):
        text.windows_loader(torch.arange(50), 8.0, 4)
    with pytest.raises(TypeError, match="ids must be a 1-D int64 tensor"):
        text.windows_loader("abc", 2, 4)
    with pytest.raises(TypeError, match="generator must be Generator"):
        text.windows_loader(torch.arange(50), 8, 4, num_batches=2, generator=0)


def test_tokenizer_and_corpus_reject_bad_input(tmp_path):
    tokenizer = text.CharTokenizer("abc")
    with pytest.raises(TypeError, match="text must be str"):
        text.CharTokenizer(["a", "b"])
    with pytest.raises(TypeError, match="text must be str"):
        tokenizer.encode(b"ab")
    with pytest.raises(TypeError, match=r"ids\[0\] must be an integer; got 0.5"):
        tokenizer.decode([0.5])
    with pytest.raises(ValueError, match="ids must be a 1-D tensor of integers"):
        tokenizer.decode(torch.zeros(2, 2, dtype=torch.int64))
    with pytest.raises(ValueError, match="path must name a folder or a file"):
        text.load_corpus("")
    with pytest.raises(TypeError, match="path must be a folder or file name"):
        text.load_corpus(3)
    with pytest.raises(TypeError, match="documents must map names"):
        text.Corpus({"a": 1}, "here")


# --- baselines ----------------------------------------------------------------------------


def test_unigram_and_bigram_losses_by_hand():
    train = torch.tensor([0, 1, 0, 1, 0, 2])  # counts 3, 2, 1
    val = torch.tensor([1, 0, 2])
    alpha = 0.5
    p = torch.tensor([3.5, 2.5, 1.5]) / 7.5
    expected_uni = -(math.log(p[0]) + math.log(p[2])) / 2  # targets val[1:] = 0, 2
    assert text.unigram_loss(train, val, 3, alpha) == pytest.approx(expected_uni)
    # pairs in train: 0->1 twice, 1->0 twice, 0->2 once
    p_1_0 = (2 + 0.5) / (2 + 1.5)  # P(0 | 1)
    p_0_2 = (1 + 0.5) / (3 + 1.5)  # P(2 | 0)
    expected_bi = -(math.log(p_1_0) + math.log(p_0_2)) / 2
    assert text.bigram_loss(train, val, 3, alpha) == pytest.approx(expected_bi)
    log_p = text.bigram_log_probs(train, 3, alpha)
    torch.testing.assert_close(log_p.exp().sum(1), torch.ones(3, dtype=torch.float64))


def test_bigram_beats_unigram_only_when_there_is_order():
    g = torch.Generator().manual_seed(0)
    shuffled = torch.randint(0, 5, (20_000,), generator=g)
    ordered = torch.arange(20_000) % 5  # each character fixes the next
    for ids in (shuffled, ordered):
        uni = text.unigram_loss(ids[:15_000], ids[15_000:], 5)
        bi = text.bigram_loss(ids[:15_000], ids[15_000:], 5)
        assert uni == pytest.approx(math.log(5), abs=0.01)
        assert text.uniform_loss(5) == math.log(5)
        if ids is shuffled:
            assert bi == pytest.approx(uni, abs=0.01)
        else:
            assert bi < 0.01


def test_baselines_reject_bad_input():
    ids = torch.tensor([0, 1, 2])
    with pytest.raises(ValueError, match="alpha must be a finite real number > 0.0; got 0"):
        text.unigram_loss(ids, ids, 3, alpha=0)
    with pytest.raises(
        ValueError, match=r"val_ids must be 1-D, at least 2 long, with ids in \[0, 2\)"
    ):
        text.bigram_loss(torch.tensor([0, 1]), ids, 2)
    with pytest.raises(ValueError, match=r"\(vocab_size=2\); got ids in \[0, 2\]"):
        text.bigram_log_probs(ids, 2)
    with pytest.raises(TypeError, match="train_ids must hold integer token ids"):
        text.unigram_loss(torch.tensor([0.0, 1.0]), ids, 3)
    with pytest.raises(TypeError, match="vocab_size must be an integer"):
        text.uniform_loss(2.5)
    with pytest.raises(TypeError, match="sample must be str"):
        text.known_word_fraction(None, "the cat")


def test_known_word_fraction():
    reference = "the cat sat on the mat"
    assert text.known_word_fraction("the mat sat", reference) == 1.0
    assert text.known_word_fraction("the xqz", reference) == 0.5
    assert text.known_word_fraction("!!! 1 2", reference) == 0.0
