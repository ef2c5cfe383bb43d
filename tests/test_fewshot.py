"""dlcourse.fewshot: episodes, prototypes, distances, the prototypical network, the baseline."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from dlcourse import fewshot


def _data(classes=6, per_class=12, dim=5, seed=0, spread=0.1):
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(classes, dim)) * 5
    y = np.repeat(np.arange(classes), per_class)
    return centers[y] + spread * rng.normal(size=(len(y), dim)), y


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny networks: a second thread only adds synchronisation (and waits on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# --- episodes -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_episode_never_leaks_a_query_into_the_support(seed):
    X, y = _data()
    e = fewshot.sample_episode(X, y, n_way=4, k_shot=3, n_query=5, rng=np.random.default_rng(seed))
    assert len(set(e.support_idx) & set(e.query_idx)) == 0
    assert len(set(e.support_idx)) == 12 and len(set(e.query_idx)) == 20  # no repeats either
    # no image appears twice even by value (the data have no duplicate rows)
    rows = {tuple(r) for r in e.support_x} | {tuple(r) for r in e.query_x}
    assert len(rows) == 32


def test_episode_shapes_and_relabelling():
    X, y = _data()
    e = fewshot.sample_episode(X, y, n_way=4, k_shot=3, n_query=5, rng=np.random.default_rng(0))
    assert e.support_x.shape == (12, 5) and e.query_x.shape == (20, 5)
    np.testing.assert_array_equal(e.support_y, np.repeat(np.arange(4), 3))
    np.testing.assert_array_equal(e.query_y, np.repeat(np.arange(4), 5))
    assert len(set(e.classes)) == 4
    # episode label j is original class classes[j], in both sets
    np.testing.assert_array_equal(y[e.support_idx], e.classes[e.support_y])
    np.testing.assert_array_equal(y[e.query_idx], e.classes[e.query_y])
    np.testing.assert_array_equal(X[e.support_idx], e.support_x)


def test_episodes_visit_every_class():
    X, y = _data()
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(30):
        seen |= set(fewshot.sample_episode(X, y, 2, 1, 1, rng).classes.tolist())
    assert seen == set(range(6))


# --- prototypes and distances ---------------------------------------------------------------


def test_prototypes_are_the_class_means():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(10, 3, generator=g, dtype=torch.float64)
    labels = torch.tensor([2, 0, 1, 2, 2, 0, 1, 1, 0, 2])
    protos = fewshot.prototypes(z, labels, 3)
    for c in range(3):
        torch.testing.assert_close(protos[c], z[labels == c].mean(0))


def test_squared_distances_match_cdist():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(7, 4, generator=g), torch.randn(3, 4, generator=g)
    torch.testing.assert_close(fewshot.squared_distances(a, b), torch.cdist(a, b) ** 2)


def test_protonet_logits_are_negative_distances_to_the_prototypes():
    torch.manual_seed(0)
    embed = nn.Linear(5, 3)
    net = fewshot.ProtoNet(embed)
    sx, qx = torch.randn(6, 5), torch.randn(4, 5)
    sy = torch.tensor([0, 0, 1, 1, 2, 2])
    logits = net(sx, sy, qx, 3)
    zs = embed(sx)
    protos = torch.stack([zs[sy == c].mean(0) for c in range(3)])
    torch.testing.assert_close(logits, -(torch.cdist(embed(qx), protos) ** 2))


def test_protonet_learns_and_tells_unseen_classes_apart():
    torch.manual_seed(0)
    X, y = _data(classes=8, per_class=20, dim=64, spread=2.0)
    X = X / np.abs(X).max()
    train, test = y < 5, y >= 5
    net = fewshot.ProtoNet(nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 16)))
    losses = fewshot.train_protonet(net, X[train], y[train], n_way=3, k_shot=2, n_query=4,
                                    episodes=60, lr=3e-3, rng=np.random.default_rng(0))  # fmt: skip
    assert len(losses) == 60
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])
    acc = fewshot.evaluate_episodes(net.predict, X[test], y[test], n_way=3, k_shot=1, n_query=5,
                                    episodes=20, rng=np.random.default_rng(1))  # fmt: skip
    assert acc.mean() > 0.7  # chance is 1/3: blobs of unseen classes, told apart


def test_conv_embedding_shape():
    assert fewshot.ConvEmbedding(8)(torch.zeros(3, 64)).shape == (3, 32)


# --- the baseline and the evaluation --------------------------------------------------------


def test_nearest_neighbour_matches_scikit_learn():
    from sklearn.neighbors import KNeighborsClassifier

    X, y = _data(spread=3.0)
    sx, sy, qx = X[::3], y[::3], X[1::3]
    expected = KNeighborsClassifier(n_neighbors=1).fit(sx, sy).predict(qx)
    np.testing.assert_array_equal(fewshot.nearest_neighbour_predict(sx, sy, qx), expected)


def test_evaluate_episodes_counts_correct_answers():
    X, y = _data()
    rng = np.random.default_rng(0)
    perfect = fewshot.evaluate_episodes(fewshot.nearest_neighbour_predict, X, y, n_way=3,
                                        k_shot=1, n_query=4, episodes=10, rng=rng)  # fmt: skip
    np.testing.assert_array_equal(perfect, np.ones(10))  # well-separated blobs

    def always_zero(sx, sy, qx):
        return np.zeros(len(qx), dtype=int)

    zero = fewshot.evaluate_episodes(always_zero, X, y, n_way=4, k_shot=1, n_query=4,
                                     episodes=5, rng=rng)  # fmt: skip
    np.testing.assert_allclose(zero, 0.25)


def test_mean_ci95():
    values = np.array([0.5, 0.7, 0.6, 0.9])
    mean, half = fewshot.mean_ci95(values)
    assert mean == pytest.approx(0.675)
    assert half == pytest.approx(1.96 * np.std(values, ddof=1) / 2)


def test_cross_entropy_of_negative_distances_is_the_prototypical_loss():
    # the loss train_protonet minimises: -log softmax(-d)[true class]
    d = torch.tensor([[1.0, 4.0, 9.0]])
    loss = F.cross_entropy(-d, torch.tensor([0]))
    expected = -torch.log(torch.exp(-d[0, 0]) / torch.exp(-d[0]).sum())
    torch.testing.assert_close(loss, expected)


# --- bad input ------------------------------------------------------------------------------


def test_bad_input_names_what_was_expected():
    X, y = _data(classes=3, per_class=4)
    rng = np.random.default_rng(0)
    with pytest.raises(
        ValueError, match=r"n_way must be an integer <= 3 \(y has 3 classes\); got 4"
    ):
        fewshot.sample_episode(X, y, 4, 1, 1, rng)
    with pytest.raises(ValueError, match=r"rarest chosen class \(4\); got 3 \+ 2 = 5"):
        fewshot.sample_episode(X, y, 2, 3, 2, rng)
    with pytest.raises(ValueError, match="k_shot must be an integer >= 1; got 0"):
        fewshot.sample_episode(X, y, 2, 0, 2, rng)
    with pytest.raises(ValueError, match="X and y must have the same length; got 12 and 11"):
        fewshot.sample_episode(X, y[:-1], 2, 1, 1, rng)
    with pytest.raises(ValueError, match=r"X must be a 2-D array of shape \(m, D\); got shape"):
        fewshot.sample_episode(X[0], y, 2, 1, 1, rng)
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        fewshot.sample_episode(X, y, 2, 1, 1, 0)
    z = torch.zeros(4, 2)
    with pytest.raises(
        ValueError, match=r"labels must cover every class 0..2.*got counts \[2, 2, 0\]"
    ):
        fewshot.prototypes(z, torch.tensor([0, 0, 1, 1]), 3)
    with pytest.raises(ValueError, match=r"labels must have shape \(4,\).*got \(3,\)"):
        fewshot.prototypes(z, torch.tensor([0, 1, 1]), 2)
    with pytest.raises(ValueError, match=r"same E; got \(4, 2\) and \(3, 5\)"):
        fewshot.squared_distances(z, torch.zeros(3, 5))
    with pytest.raises(ValueError, match=r"x must have shape \(B, 64\).*got \(2, 63\)"):
        fewshot.ConvEmbedding(4)(torch.zeros(2, 63))
    with pytest.raises(ValueError, match="query_x must have 5 features like support_x; got 4"):
        fewshot.nearest_neighbour_predict(X, y, X[:, :4])
    with pytest.raises(ValueError, match=r"predict must return shape \(4,\); got \(3,\)"):
        fewshot.evaluate_episodes(lambda sx, sy, qx: np.zeros(3), X, y, n_way=2, k_shot=1,
                                  n_query=2, episodes=1, rng=rng)  # fmt: skip
    with pytest.raises(ValueError, match="values must hold at least 2 numbers for a spread; got 1"):
        fewshot.mean_ci95(np.array([0.5]))
    with pytest.raises(ValueError, match="episodes must be an integer >= 1; got 0"):
        fewshot.train_protonet(fewshot.ProtoNet(nn.Identity()), X, y, n_way=2, k_shot=1,
                               n_query=1, episodes=0, rng=rng)  # fmt: skip


def test_bad_tensors_and_sizes_are_refused_before_torch_sees_them():
    z = torch.zeros(4, 2)
    with pytest.raises(TypeError, match="labels must hold integer class labels"):
        fewshot.prototypes(z, torch.zeros(4), 2)
    with pytest.raises(ValueError, match=r"labels must be class labels 0..1; got -1"):
        fewshot.prototypes(z, torch.tensor([-1, 0, 1, 1]), 2)
    with pytest.raises(ValueError, match=r"n_way must be an integer <= 4 \(labels has 4"):
        fewshot.prototypes(z, torch.tensor([0, 0, 1, 1]), 10**12)
    with pytest.raises(TypeError, match="a must hold floating-point numbers"):
        fewshot.squared_distances(torch.zeros(4, 2, dtype=torch.complex64), z)
    with pytest.raises(ValueError, match="channels must be an integer <= 1024"):
        fewshot.ConvEmbedding(10**12)
    with pytest.raises(TypeError, match="x must be Tensor"):
        fewshot.ConvEmbedding(2)(np.zeros((2, 64)))
    proto = fewshot.ProtoNet(fewshot.ConvEmbedding(2))
    sx, qx = torch.zeros(4, 64), torch.zeros(2, 64)
    with pytest.raises(TypeError, match="support_y must hold integer labels"):
        proto(sx, torch.zeros(4), qx, 2)
    with pytest.raises(ValueError, match="query_x must have 64 features like support_x"):
        proto(sx, torch.tensor([0, 0, 1, 1]), torch.zeros(2, 63), 2)


def test_a_support_set_missing_a_class_names_support_y():
    proto = fewshot.ProtoNet(fewshot.ConvEmbedding(2))
    sx, qx = torch.zeros(4, 64), torch.zeros(2, 64)
    with pytest.raises(ValueError, match=r"support_y must hold every label 0..2 .*\[2, 0, 2\]"):
        proto(sx, torch.tensor([0, 0, 2, 2]), qx, 3)
    with pytest.raises(ValueError, match=r"support_y must hold labels 0..1; got -1"):
        proto(sx, torch.tensor([-1, 0, 1, 1]), qx, 2)


@pytest.mark.parametrize("mode", [True, False])
def test_predict_restores_the_mode_it_found(mode):
    # like train.predict and GPT.generate: eval mode while predicting, then the mode found
    proto = fewshot.ProtoNet(fewshot.ConvEmbedding(2)).train(mode)
    X = np.random.default_rng(0).random((6, 64))
    proto.predict(X[:4], np.array([0, 0, 1, 1]), X[4:])
    assert proto.training is mode and proto.embed.training is mode
    with pytest.raises(ValueError):  # also after an error inside
        proto.predict(X[:4], np.array([0, 0, 2, 2]), X[4:])
    assert proto.training is mode
