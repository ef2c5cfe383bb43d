"""Checkers for chapters 04 to 08: the normal equation, an MLP's backward pass, softmax with
cross-entropy, and one Adam step. NumPy in and out, as on those pages."""

from __future__ import annotations

import numpy as np

from dlcourse.exercises.core import (
    Exercise,
    ExerciseFailed,
    Mistake,
    call,
    compare,
    register,
    unpack,
)

__all__: list[str] = []  # checkers register themselves; use dlcourse.exercises.check

# --- normal_equation (chapter 04) ----------------------------------------------------------


def normal_equation_reference(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    Xb = np.hstack([X, np.ones((len(X), 1))])
    theta = np.linalg.lstsq(Xb, y, rcond=None)[0]
    return theta[:-1], float(theta[-1])


def _no_intercept(probe, expected):
    return np.linalg.lstsq(probe["X"], probe["y"], rcond=None)[0] if expected.ndim == 1 else 0.0


def _ones_first(probe, expected):
    theta = np.linalg.lstsq(
        np.hstack([np.ones((len(probe["X"]), 1)), probe["X"]]), probe["y"], rcond=None
    )[0]
    return theta[:-1] if expected.ndim == 1 else theta[-1]


NORMAL_EQUATION_MISTAKES = [
    Mistake(
        "you fitted no intercept: append a column of ones to X, and read b from its coefficient",
        _no_intercept,
    ),
    Mistake(
        "the ones column is first in X but you read b from the last coefficient: unpack "
        "the solution in the order of your columns",
        _ones_first,
    ),
    Mistake(
        "w must have shape (n,), one weight per feature: flatten it",
        lambda probe, e: e.reshape(-1, 1) if e.ndim == 1 else None,
    ),
]


def _check_normal_equation(candidate) -> list[str]:
    rng = np.random.default_rng(4)
    probes = []
    for m, n, offset in [(30, 3, 0.0), (12, 1, 0.0), (40, 4, 50.0)]:
        X = rng.normal(size=(m, n)) + offset
        y = X @ rng.normal(size=n) + 2.5 + 0.1 * rng.normal(size=m)
        probes.append(({"X": X, "y": y}, f"X of shape {X.shape} (mean {offset:g}), y {y.shape}"))
    for probe, text in probes:
        w, b = unpack(
            "normal_equation",
            call("normal_equation", candidate, text, probe["X"].copy(), probe["y"].copy()),
            ("w", "b"),
            text,
        )
        w_ref, b_ref = normal_equation_reference(probe["X"], probe["y"])
        compare(
            "normal_equation",
            "w",
            w,
            w_ref,
            text,
            atol=1e-6,
            rtol=1e-6,
            mistakes=NORMAL_EQUATION_MISTAKES,
            context=probe,
        )
        if np.ndim(b) != 0 and np.size(b) != 1:
            raise ExerciseFailed(
                f"normal_equation: b must be a scalar; got shape {np.shape(b)}\n  on {text}"
            )
        compare(
            "normal_equation",
            "b",
            np.reshape(b, ()),
            b_ref,
            text,
            atol=1e-6,
            rtol=1e-6,
            mistakes=NORMAL_EQUATION_MISTAKES,
            context=probe,
        )
    return ["w and b against least squares, on three data sets (one with features far from 0)"]


register(
    Exercise(
        "normal_equation",
        "04-linear-regression",
        "f(X, y) -> (w, b)",
        _check_normal_equation,
        "X (m, n) without the ones column, y (m,); returns w (n,) and a scalar b",
        {"w": NORMAL_EQUATION_MISTAKES},
    )
)


# --- mlp_backward (chapter 07) -------------------------------------------------------------


def mlp_backward_reference(X, W1, b1, W2, b2, dlogits, relu_grad=True):
    """The gradients of a ReLU MLP ``logits = relu(X W1 + b1) W2 + b2`` given dL/dlogits."""
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0.0)
    dW2 = A1.T @ dlogits
    db2 = dlogits.sum(axis=0)
    dA1 = dlogits @ W2.T
    dZ1 = dA1 * (Z1 > 0) if relu_grad else dA1
    return X.T @ dZ1, dZ1.sum(axis=0), dW2, db2


def _mlp_mistakes(name: str) -> list[Mistake]:
    index = ("dW1", "db1", "dW2", "db2").index(name)

    def variant(**kw):
        def wrong(probe, expected):
            return mlp_backward_reference(**{**probe, **kw})[index]

        return wrong

    found = [
        Mistake(
            "the ReLU passes the gradient only where Z1 > 0: multiply dA1 by (Z1 > 0)",
            variant(relu_grad=False),
        ),
        Mistake(
            "dlogits already holds the 1/N of the mean loss: do not divide by N again",
            lambda probe, e: e / len(probe["X"]),
        ),
    ]
    if name.startswith("db"):
        found.append(
            Mistake(
                "the bias gradient sums dZ over the batch, axis 0: one entry per "
                "unit, not per example",
                lambda probe, e: (len(probe["X"]),),
            )
        )
    return found


def _check_mlp_backward(candidate) -> list[str]:
    rng = np.random.default_rng(7)
    names = ("dW1", "db1", "dW2", "db2")
    for N, n_in, n_hidden, n_out in [(6, 4, 5, 3), (1, 3, 2, 2), (9, 2, 7, 4)]:
        probe = {
            "X": rng.normal(size=(N, n_in)),
            "W1": rng.normal(size=(n_in, n_hidden)),
            "b1": rng.normal(size=n_hidden),
            "W2": rng.normal(size=(n_hidden, n_out)),
            "b2": rng.normal(size=n_out),
            "dlogits": rng.normal(size=(N, n_out)) / N,
        }
        text = (
            f"a batch of {N}, layer sizes [{n_in}, {n_hidden}, {n_out}] (W of shape "
            "(inputs, outputs), ReLU hidden layer)"
        )
        args = [probe[k].copy() for k in ("X", "W1", "b1", "W2", "b2", "dlogits")]
        got = unpack("mlp_backward", call("mlp_backward", candidate, text, *args), names, text)
        for name, value, expected in zip(names, got, mlp_backward_reference(**probe), strict=True):
            compare(
                "mlp_backward",
                name,
                value,
                expected,
                text,
                atol=1e-8,
                rtol=1e-6,
                mistakes=_mlp_mistakes(name),
                context=probe,
            )
    return ["dW1, db1, dW2, db2 against the chain rule, on three batches (one of a single row)"]


register(
    Exercise(
        "mlp_backward",
        "07-backprop-by-hand",
        "f(X, W1, b1, W2, b2, dlogits) -> (dW1, db1, dW2, db2)",
        _check_mlp_backward,
        "logits = relu(X @ W1 + b1) @ W2 + b2; dlogits = dL/dlogits (N, n_out)",
    )
)


# --- softmax_cross_entropy (chapter 07) ----------------------------------------------------


def softmax_cross_entropy_reference(logits, labels):
    """Mean cross-entropy of softmax(logits) and its gradient, computed stably."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = len(logits)
    loss = -log_p[np.arange(N), labels].mean()
    d = np.exp(log_p)
    d[np.arange(N), labels] -= 1.0
    return loss, d / N


SOFTMAX_MISTAKES = [
    Mistake(
        "the loss is a mean over the batch, and its gradient carries that 1/N",
        lambda probe, e: e * len(probe["logits"]),
    ),
    Mistake(
        "the gradient is softmax(logits) minus the one-hot labels, not the reverse",
        lambda probe, e: -e if e.ndim == 2 else None,
    ),
]


def _check_softmax_cross_entropy(candidate) -> list[str]:
    rng = np.random.default_rng(3)
    for scale, text in [(1.0, "logits of size 1"), (1000.0, "logits near 1000 (overflow test)")]:
        logits = rng.normal(size=(5, 4)) * 3 + (scale if scale > 1 else 0)
        logits[0, 1] += scale if scale > 1 else 0
        labels = rng.integers(0, 4, size=5)
        probe = {"logits": logits, "labels": labels}
        text = f"{text}: 5 examples, 4 classes"
        loss, d = unpack(
            "softmax_cross_entropy",
            call("softmax_cross_entropy", candidate, text, logits.copy(), labels.copy()),
            ("loss", "dlogits"),
            text,
        )
        loss_ref, d_ref = softmax_cross_entropy_reference(logits, labels)
        stable = (
            ""
            if scale == 1
            else ("exp(1000) overflows: subtract each row's maximum before exponentiating")
        )
        for name, got, expected in [("loss", loss, loss_ref), ("dlogits", d, d_ref)]:
            try:
                compare(
                    "softmax_cross_entropy",
                    name,
                    got,
                    expected,
                    text,
                    atol=1e-8,
                    rtol=1e-6,
                    mistakes=SOFTMAX_MISTAKES,
                    context=probe,
                )
            except ExerciseFailed as failed:
                if stable and not np.all(np.isfinite(np.asarray(got, dtype=float))):
                    raise ExerciseFailed(f"{failed}\n  hint: {stable}") from None
                raise
    return ["the mean loss and its gradient, with small logits and with logits near 1000"]


register(
    Exercise(
        "softmax_cross_entropy",
        "07-backprop-by-hand",
        "f(logits, labels) -> (loss, dlogits)",
        _check_softmax_cross_entropy,
        "logits (N, C), integer labels (N,); the mean loss",
    )
)


# --- adam_step (chapter 08) ----------------------------------------------------------------


def adam_step_reference(
    theta,
    grad,
    m,
    v,
    t,
    lr=1e-3,
    beta1=0.9,
    beta2=0.999,
    eps=1e-8,
    bias_correction=True,
    eps_inside=False,
):
    """One Adam update as ``torch.optim.Adam`` makes it; t counts steps from 1."""
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat = m / (1 - beta1**t) if bias_correction else m
    v_hat = v / (1 - beta2**t) if bias_correction else v
    denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
    return theta - lr * m_hat / denom, m, v


def _adam_mistakes(index: int) -> list[Mistake]:
    def variant(**kw):
        def wrong(probe, expected):
            return adam_step_reference(**{**probe, **kw})[index]

        return wrong

    return [
        Mistake(
            "no bias correction: divide m by 1 - beta1**t and v by 1 - beta2**t",
            variant(bias_correction=False),
        ),
        Mistake(
            "eps goes outside the square root: sqrt(v_hat) + eps, as in torch and the Adam paper",
            variant(eps_inside=True),
        ),
        Mistake(
            "t counts steps from 1: the first update uses t = 1 in the bias correction",
            lambda probe, e: adam_step_reference(**{**probe, "t": probe["t"] + 1})[index],
        ),
        Mistake(
            "t counts steps from 1: the first update uses t = 1 in the bias correction",
            lambda probe, e: adam_step_reference(**{**probe, "t": max(probe["t"] - 1, 0.5)})[index],
        ),
        Mistake(
            "beta1 averages the gradient (m) and beta2 its square (v): they are swapped",
            lambda probe, e: adam_step_reference(
                **{**probe, "beta1": probe["beta2"], "beta2": probe["beta1"]}
            )[index],
        ),
    ]


def _check_adam_step(candidate) -> list[str]:
    rng = np.random.default_rng(8)
    names = ("theta", "m", "v")
    cases = [
        (1, dict(), (3,), "the first step (t = 1) from zero moments"),
        (5, dict(lr=0.01, beta1=0.8, beta2=0.99, eps=1e-3), (2, 3), "step t = 5, other betas"),
        (2, dict(lr=0.1, eps=0.1), (4,), "a large eps (0.1), step t = 2"),
    ]
    for t, hyper, shape, text in cases:
        first = t == 1
        probe = {
            "theta": rng.normal(size=shape),
            "grad": rng.normal(size=shape),
            "m": np.zeros(shape) if first else rng.normal(size=shape) * 0.1,
            "v": np.zeros(shape) if first else rng.random(size=shape) * 0.1,
            "t": t,
            **{"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, **hyper},
        }
        # Positional, in the signature's order: a reader may name the parameters otherwise.
        args = [
            probe[k].copy() if isinstance(probe[k], np.ndarray) else probe[k]
            for k in ("theta", "grad", "m", "v", "t", "lr", "beta1", "beta2", "eps")
        ]
        got = unpack("adam_step", call("adam_step", candidate, text, *args), names, text)
        for index, (name, value, expected) in enumerate(
            zip(names, got, adam_step_reference(**probe), strict=True)
        ):
            compare(
                "adam_step",
                name,
                value,
                expected,
                text,
                atol=1e-10,
                rtol=1e-7,
                mistakes=_adam_mistakes(index),
                context=probe,
            )
    return [
        "theta, m and v after one step, at t = 1, t = 2 with a large eps, t = 5 with other betas"
    ]


register(
    Exercise(
        "adam_step",
        "08-optimizers",
        "f(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8) -> (theta, m, v)",
        _check_adam_step,
        "NumPy arrays; t is the number of this step, counting from 1",
    )
)
