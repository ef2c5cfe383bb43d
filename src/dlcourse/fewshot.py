"""Few-shot classification: episodes, prototypical networks, and a nearest-neighbour baseline.

An **episode** is a tiny classification problem: ``n_way`` classes, ``k_shot`` labelled
examples of each (the *support set*) and ``n_query`` more of each to classify (the *query
set*). A **prototypical network** (Snell et al., 2017) embeds every image, takes the mean
embedding of each class's support examples as that class's *prototype*, and classifies a query
by its squared Euclidean distance to each prototype: the logits are the negative distances,
and training minimises their cross-entropy, one episode at a time, on classes that the test
episodes never use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from dlcourse.checks import (
    MAX_COUNT,
    check_array,
    check_instance,
    check_int,
    check_labels,
    check_real,
    check_same_length,
    check_size,
    describe,
)

__all__ = [
    "ConvEmbedding",
    "Episode",
    "ProtoNet",
    "evaluate_episodes",
    "mean_ci95",
    "nearest_neighbour_predict",
    "prototypes",
    "sample_episode",
    "squared_distances",
    "train_protonet",
]


# The embedding network's width: 1024 channels are already 9.4 million weights in the second
# convolution, far past anything an 8x8 image needs.
MAX_CHANNELS = 1024


def _float_tensor(name: str, value, shape: str) -> torch.Tensor:
    """A 2-D floating-point tensor (NaN is not looked for: it would cost a sync per step, and it
    shows in the loss at once)."""
    check_instance(name, value, torch.Tensor)
    if not value.is_floating_point():
        raise TypeError(f"{name} must hold floating-point numbers; got dtype {value.dtype}")
    if value.dim() != 2:
        raise ValueError(f"{name} must have shape {shape}; got {tuple(value.shape)}")
    return value


@dataclass
class Episode:
    """One N-way K-shot episode; labels are re-numbered 0 to N-1 within the episode.

    ``support_x`` (N*K, D), ``support_y`` (N*K,), ``query_x`` (N*Q, D), ``query_y`` (N*Q,);
    ``classes`` (N,) the original labels (``classes[j]`` is episode label ``j``);
    ``support_idx`` and ``query_idx`` the rows of ``X`` used, never overlapping.
    """

    support_x: np.ndarray
    support_y: np.ndarray
    query_x: np.ndarray
    query_y: np.ndarray
    classes: np.ndarray
    support_idx: np.ndarray
    query_idx: np.ndarray


def sample_episode(
    X: np.ndarray,
    y: np.ndarray,
    n_way: int,
    k_shot: int,
    n_query: int,
    rng: np.random.Generator,
) -> Episode:
    """Draw ``n_way`` classes of ``y``, then ``k_shot + n_query`` distinct rows of each.

    The first ``k_shot`` rows of a class go to the support set, the rest to the query set, so
    no image is ever both. Classes and rows are drawn without replacement.

    Args:
        X: (m, D) examples. y: (m,) their labels.
        n_way: classes per episode, at most the number of distinct labels in ``y``.
        k_shot: support examples per class (>= 1). n_query: query examples per class (>= 1).
        rng: a ``np.random.Generator``.
    """
    X = check_array("X", X, ndim=2, shape="(m, D)")
    y = check_labels("y", y)
    check_same_length("X and y", X, y)
    check_instance("rng", rng, np.random.Generator, "a numpy.random.Generator")
    labels, counts = np.unique(y, return_counts=True)
    n_way = check_int("n_way", n_way, min=1, max=len(labels), note=f"y has {len(labels)} classes")
    k_shot = check_int("k_shot", k_shot, min=1, max=len(y))
    n_query = check_int("n_query", n_query, min=1, max=len(y))
    classes = np.sort(rng.choice(labels, size=n_way, replace=False))
    need = k_shot + n_query
    fewest = counts[np.isin(labels, classes)].min()
    if fewest < need:
        raise ValueError(
            f"k_shot + n_query must be at most the examples of the rarest chosen class "
            f"({fewest}); got {k_shot} + {n_query} = {need}"
        )
    support, query = [], []
    for c in classes:
        rows = rng.choice(np.flatnonzero(y == c), size=need, replace=False)
        support.append(rows[:k_shot])
        query.append(rows[k_shot:])
    support_idx, query_idx = np.concatenate(support), np.concatenate(query)
    return Episode(
        support_x=X[support_idx],
        support_y=np.repeat(np.arange(n_way), k_shot),
        query_x=X[query_idx],
        query_y=np.repeat(np.arange(n_way), n_query),
        classes=classes,
        support_idx=support_idx,
        query_idx=query_idx,
    )


def prototypes(embeddings: torch.Tensor, labels: torch.Tensor, n_way: int) -> torch.Tensor:
    """The mean embedding of each class: (S, E) embeddings, (S,) labels 0..n_way-1 -> (n_way, E).

    Every class must have at least one support example (a mean of nothing is undefined).
    """
    _float_tensor("embeddings", embeddings, "(S, E)")
    check_instance("labels", labels, torch.Tensor)
    if labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        raise TypeError(f"labels must hold integer class labels; got dtype {labels.dtype}")
    if labels.shape != embeddings.shape[:1]:
        raise ValueError(
            f"labels must have shape ({embeddings.shape[0]},) to match embeddings; "
            f"got {tuple(labels.shape)}"
        )
    n_way = check_int(
        "n_way", n_way, min=1, max=len(labels), note=f"labels has {len(labels)} examples"
    )
    if len(labels) and int(labels.min()) < 0:
        raise ValueError(f"labels must be class labels 0..{n_way - 1}; got {int(labels.min())}")
    counts = torch.bincount(labels, minlength=n_way)
    if len(counts) > n_way or (counts == 0).any():
        raise ValueError(
            f"labels must cover every class 0..{n_way - 1} (n_way={n_way}) and no other; "
            f"got counts {counts.tolist()}"
        )
    sums = torch.zeros(n_way, embeddings.shape[1], dtype=embeddings.dtype)
    sums = sums.to(embeddings.device).index_add(0, labels, embeddings)
    return sums / counts.to(embeddings.dtype).unsqueeze(1)


def squared_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """All squared Euclidean distances: a (Q, E), b (N, E) -> (Q, N), ``||a_i - b_j||^2``."""
    _float_tensor("a", a, "(Q, E)")
    _float_tensor("b", b, "(N, E)")
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"a and b must have shapes (Q, E) and (N, E) with the same E; "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return (a.unsqueeze(1) - b.unsqueeze(0)).pow(2).sum(-1)


class ConvEmbedding(nn.Module):
    """A small CNN for 8x8 digit images: (B, 64) pixels -> (B, out_features) embeddings.

    Two blocks of 3x3 convolution, batch norm, ReLU and 2x2 max pooling (8x8 -> 4x4 -> 2x2),
    then flattening: ``out_features = 4 * channels``.
    """

    def __init__(self, channels: int = 32) -> None:
        super().__init__()
        channels = check_int("channels", channels, min=1, max=MAX_CHANNELS)
        self.out_features = 4 * channels

        def block(c_in: int) -> nn.Sequential:
            return nn.Sequential(
                nn.Conv2d(c_in, channels, 3, padding=1),
                nn.BatchNorm2d(channels),
                nn.ReLU(),
                nn.MaxPool2d(2),
            )

        self.net = nn.Sequential(block(1), block(channels), nn.Flatten())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _float_tensor("x", x, "(B, 64) (8x8 images)")
        if x.shape[1] != 64:
            raise ValueError(f"x must have shape (B, 64) (8x8 images); got {tuple(x.shape)}")
        return self.net(x.view(-1, 1, 8, 8))


class ProtoNet(nn.Module):
    """A prototypical network around an embedding network ``embed`` ((B, D) -> (B, E)).

    ``forward(support_x (S, D), support_y (S,), query_x (Q, D), n_way) -> (Q, n_way)`` logits,
    the negative squared distances from each query embedding to each class prototype. The
    cross-entropy of these logits is the prototypical loss.
    """

    def __init__(self, embed: nn.Module) -> None:
        super().__init__()
        self.embed = check_instance("embed", embed, nn.Module)

    def forward(
        self,
        support_x: torch.Tensor,
        support_y: torch.Tensor,
        query_x: torch.Tensor,
        n_way: int,
    ) -> torch.Tensor:
        _check_episode(support_x, support_y, query_x, n_way)  # shapes, dtypes, every class
        z = self.embed(torch.cat([support_x, query_x]))  # one batch: same batch-norm statistics
        z_support, z_query = z[: len(support_x)], z[len(support_x) :]
        return -squared_distances(z_query, prototypes(z_support, support_y, n_way))

    @torch.no_grad()
    def predict(
        self, support_x: np.ndarray, support_y: np.ndarray, query_x: np.ndarray
    ) -> np.ndarray:
        """Episode labels (Q,) for NumPy ``support_x`` (S, D), ``support_y`` (S,), ``query_x``
        (Q, D), in eval mode (batch norm uses its running statistics); the model's mode is
        restored afterwards."""
        support_y = check_labels("support_y", support_y)
        n_way = int(support_y.max()) + 1
        was_training = self.training
        self.eval()
        try:
            logits = self(
                torch.as_tensor(check_array("support_x", support_x, ndim=2), dtype=torch.float32),
                torch.as_tensor(support_y),
                torch.as_tensor(check_array("query_x", query_x, ndim=2), dtype=torch.float32),
                n_way,
            )
        finally:
            self.train(was_training)
        return logits.argmax(1).numpy()


def _check_episode(support_x, support_y, query_x, n_way) -> None:
    """The arguments of ``ProtoNet.forward``, each named in its error."""
    _float_tensor("support_x", support_x, "(S, D)")
    _float_tensor("query_x", query_x, "(Q, D)")
    check_instance("support_y", support_y, torch.Tensor)
    if support_y.shape != support_x.shape[:1]:
        raise ValueError(
            f"support_y must have shape ({len(support_x)},), one label per row of support_x; "
            f"got {tuple(support_y.shape)}"
        )
    if support_y.is_floating_point() or support_y.is_complex() or support_y.dtype == torch.bool:
        raise TypeError(f"support_y must hold integer labels; got dtype {support_y.dtype}")
    if query_x.shape[1] != support_x.shape[1]:
        raise ValueError(
            f"query_x must have {support_x.shape[1]} features like support_x; "
            f"got {query_x.shape[1]}"
        )
    n_way = check_int("n_way", n_way, min=1, max=max(len(support_y), 1),
                      note=f"support_y has {len(support_y)} labels")  # fmt: skip
    if len(support_y) and int(support_y.min()) < 0:
        raise ValueError(f"support_y must hold labels 0..{n_way - 1}; got {int(support_y.min())}")
    counts = torch.bincount(support_y, minlength=n_way)
    if len(counts) > n_way or (counts == 0).any():
        raise ValueError(
            f"support_y must hold every label 0..{n_way - 1} (n_way={n_way}) at least once, "
            f"and no other; got counts per label {counts.tolist()}"
        )


def _tensors(episode: Episode) -> tuple[torch.Tensor, ...]:
    return (
        torch.as_tensor(episode.support_x, dtype=torch.float32),
        torch.as_tensor(episode.support_y, dtype=torch.long),
        torch.as_tensor(episode.query_x, dtype=torch.float32),
        torch.as_tensor(episode.query_y, dtype=torch.long),
    )


def train_protonet(
    model: ProtoNet,
    X: np.ndarray,
    y: np.ndarray,
    *,
    n_way: int,
    k_shot: int,
    n_query: int,
    episodes: int,
    lr: float = 1e-3,
    rng: np.random.Generator,
) -> list[float]:
    """Episodic training with Adam: one episode of ``X, y`` per step. Returns the losses.

    The loop is written out, not ``dlcourse.train.fit``: a batch here is an episode, whose
    labels are re-drawn every step, and the loss needs the support set as well as the inputs.
    """
    check_instance("model", model, ProtoNet)
    episodes = check_int("episodes", episodes, min=1, max=MAX_COUNT)
    lr = check_real("lr", lr, min=0, min_open=True)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for _ in range(episodes):
        episode = sample_episode(X, y, n_way, k_shot, n_query, rng)
        sx, sy, qx, qy = _tensors(episode)
        loss = F.cross_entropy(model(sx, sy, qx, n_way), qy)  # forward, loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # backward
        optimizer.step()  # step
        losses.append(loss.item())  # log
    return losses


def nearest_neighbour_predict(
    support_x: np.ndarray, support_y: np.ndarray, query_x: np.ndarray
) -> np.ndarray:
    """1-nearest-neighbour on raw features: (S, D), (S,), (Q, D) -> (Q,) predicted labels."""
    support_x = check_array("support_x", support_x, ndim=2, shape="(S, D)")
    support_y = check_labels("support_y", support_y)
    check_same_length("support_x and support_y", support_x, support_y)
    query_x = check_array("query_x", query_x, ndim=2, shape="(Q, D)")
    if query_x.shape[1] != support_x.shape[1]:
        raise ValueError(
            f"query_x must have {support_x.shape[1]} features like support_x; "
            f"got {query_x.shape[1]}"
        )
    d = ((query_x[:, None, :] - support_x[None, :, :]) ** 2).sum(-1)  # (Q, S)
    return support_y[d.argmin(1)]


def evaluate_episodes(
    predict,
    X: np.ndarray,
    y: np.ndarray,
    *,
    n_way: int,
    k_shot: int,
    n_query: int,
    episodes: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """The accuracy of ``predict`` on ``episodes`` fresh episodes of ``X, y``: shape (episodes,).

    ``predict(support_x, support_y, query_x) -> (Q,)`` predicted episode labels, NumPy in and
    out (``nearest_neighbour_predict`` is one; wrap a ``ProtoNet`` in a small function).
    """
    if not callable(predict):
        raise TypeError(f"predict must be a function; got {describe(predict)}")
    episodes = check_int("episodes", episodes, min=1, max=MAX_COUNT)
    check_size("episodes", episodes)
    accuracies = np.empty(episodes)
    for i in range(episodes):
        e = sample_episode(X, y, n_way, k_shot, n_query, rng)
        guess = np.asarray(predict(e.support_x, e.support_y, e.query_x))
        if guess.shape != e.query_y.shape:
            raise ValueError(f"predict must return shape {e.query_y.shape}; got {guess.shape}")
        accuracies[i] = np.mean(guess == e.query_y)
    return accuracies


def mean_ci95(values: np.ndarray) -> tuple[float, float]:
    """The mean of ``values`` (n,) and the half-width of its 95% interval, 1.96 s / sqrt(n).

    The normal approximation, right for the hundreds of episodes a few-shot test averages.
    """
    values = check_array("values", values, ndim=1, shape="(n,)")
    if len(values) < 2:
        raise ValueError(f"values must hold at least 2 numbers for a spread; got {len(values)}")
    return float(values.mean()), float(1.96 * values.std(ddof=1) / np.sqrt(len(values)))
