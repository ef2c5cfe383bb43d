"""dlcourse.frameworks: the same MLP in PyTorch and Keras 3 (torch backend), TensorBoard logs."""

from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")  # before any import of keras

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.tensorboard import SummaryWriter  # noqa: E402

from dlcourse import frameworks  # noqa: E402
from dlcourse.frameworks import (  # noqa: E402
    copy_weights_to_keras,
    import_keras,
    log_scalars,
    mlp_keras,
    mlp_torch,
    read_scalars,
    weight_gap,
)

keras = import_keras("torch")


def n_params(sizes):
    return sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))


@pytest.mark.parametrize("sizes", [(64, 32, 10), (5, 3), (4, 8, 8, 2)])
def test_both_builders_make_the_same_architecture(sizes):
    torch.manual_seed(0)
    net = mlp_torch(sizes)
    km = mlp_keras(sizes, like=net)
    assert sum(p.numel() for p in net.parameters()) == n_params(sizes)
    assert km.count_params() == n_params(sizes)
    linears = [m for m in net if isinstance(m, nn.Linear)]
    assert [m.out_features for m in linears] == list(sizes[1:])
    assert sum(isinstance(m, nn.ReLU) for m in net) == len(sizes) - 2
    x = np.random.default_rng(1).normal(size=(7, sizes[0])).astype(np.float32)
    out_torch = net(torch.from_numpy(x)).detach().numpy()
    out_keras = np.asarray(km(x).detach().cpu().numpy())
    assert out_torch.shape == out_keras.shape == (7, sizes[-1])
    np.testing.assert_allclose(out_keras, out_torch, atol=1e-5)
    assert weight_gap(net, km) == 0.0


def test_weight_gap_sees_a_changed_weight_and_a_copy_repairs_it():
    torch.manual_seed(0)
    net = mlp_torch()
    km = mlp_keras(like=net)
    with torch.no_grad():
        net[2].bias[3] += 0.5
    assert weight_gap(net, km) == pytest.approx(0.5, abs=1e-6)
    copy_weights_to_keras(net, km)
    assert weight_gap(net, km) == 0.0


def test_without_like_keras_keeps_its_own_initialisation():
    torch.manual_seed(0)
    net = mlp_torch()
    km = mlp_keras()
    assert weight_gap(net, km) > 0.01
    assert np.all(km.layers[0].bias.numpy() == 0)  # Keras: zero biases, unlike PyTorch


def test_one_sgd_step_in_each_framework_moves_the_weights_alike():
    torch.manual_seed(0)
    net = mlp_torch((6, 5, 3))
    km = mlp_keras((6, 5, 3), like=net)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(16, 6)).astype(np.float32)
    y = rng.integers(0, 3, size=16)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    loss = nn.functional.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    opt.step()
    km.compile(
        optimizer=keras.optimizers.SGD(0.5),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    keras_loss = km.train_on_batch(x, y)
    assert float(keras_loss) == pytest.approx(loss.item(), rel=1e-5)
    assert weight_gap(net, km) < 1e-5


def test_import_keras_checks_the_backend():
    assert import_keras("torch") is keras
    with pytest.raises(RuntimeError, match="already running on backend 'torch'"):
        import_keras("jax")
    with pytest.raises(ValueError, match="backend"):
        import_keras("theano")


def test_tensorboard_round_trip(tmp_path):
    run = tmp_path / "run"
    writer = SummaryWriter(str(run))
    rng = np.random.default_rng(0)
    losses = rng.uniform(0.1, 3.0, size=6)
    for epoch, loss in enumerate(losses):
        log_scalars(writer, epoch, {"loss/train": loss, "accuracy/train": torch.tensor(0.1)})
    log_scalars(writer, 10, {"loss/val": 2})
    writer.close()
    curves = read_scalars(run)
    assert set(curves) == {"loss/train", "accuracy/train", "loss/val"}
    steps, values = curves["loss/train"]
    assert steps.dtype == np.int64 and values.dtype == np.float64
    np.testing.assert_array_equal(steps, np.arange(6))
    np.testing.assert_allclose(values, losses, rtol=1e-6)  # stored as float32
    np.testing.assert_array_equal(curves["loss/val"][0], [10])
    np.testing.assert_allclose(curves["accuracy/train"][1], 0.1, rtol=1e-6)


def test_read_scalars_wants_one_run_folder(tmp_path):
    writer = SummaryWriter(str(tmp_path / "run"))
    log_scalars(writer, 0, {"loss": 1.0})
    writer.close()
    with pytest.raises(ValueError, match="parent of the run folders"):
        read_scalars(tmp_path)  # the --logdir, not a run
    with pytest.raises(ValueError, match="existing folder"):
        read_scalars(tmp_path / "missing")
    with pytest.raises(TypeError, match="log_dir"):
        read_scalars(3)


@pytest.mark.parametrize(
    "sizes, error, match",
    [
        ((64,), ValueError, "at least an input and an output"),
        ((64, 0, 10), ValueError, r"layer_sizes\[1\]"),
        ((64, 2.5, 10), TypeError, r"layer_sizes\[1\]"),
        ("64", TypeError, "layer_sizes"),
        (64, TypeError, "layer_sizes"),
    ],
)
def test_bad_layer_sizes(sizes, error, match):
    with pytest.raises(error, match=match):
        mlp_torch(sizes)
    with pytest.raises(error, match=match):
        mlp_keras(sizes)


def test_mismatched_models_are_refused():
    torch.manual_seed(0)
    net = mlp_torch((64, 32, 10))
    with pytest.raises(ValueError, match=r"like must have the nn.Linear layers of layer_sizes"):
        mlp_keras((64, 16, 10), like=net)
    with pytest.raises(ValueError, match=r"keras_model's Dense kernel must have shape \(64, 32\)"):
        copy_weights_to_keras(net, mlp_keras((64, 16, 10)))
    with pytest.raises(TypeError, match="like must be Module"):
        mlp_keras((64, 32, 10), like="net")
    with pytest.raises(ValueError, match="step must be an integer <= "):
        log_scalars(type("W", (), {"add_scalar": lambda *a: None})(), 2**63, {"a": 1.0})
    with pytest.raises(ValueError, match="as many layers"):
        copy_weights_to_keras(net, mlp_keras((64, 10)))
    with pytest.raises(ValueError, match="as many layers"):
        weight_gap(mlp_torch((64, 10, 10, 10)), mlp_keras((64, 10, 10)))
    with pytest.raises(TypeError, match="torch_model"):
        copy_weights_to_keras("net", mlp_keras())
    with pytest.raises(TypeError, match="keras_model"):
        weight_gap(net, net)


def test_bad_scalars_are_refused_before_anything_is_written(tmp_path):
    class Recorder:
        def __init__(self):
            self.calls = []

        def add_scalar(self, tag, value, step):
            self.calls.append((tag, value, step))

    rec = Recorder()
    with pytest.raises(ValueError, match=r"scalars\['loss/val'\] must be finite"):
        log_scalars(rec, 0, {"loss/train": 1.0, "loss/val": float("nan")})
    with pytest.raises(ValueError, match="step"):
        log_scalars(rec, -1, {"loss": 1.0})
    with pytest.raises(TypeError, match="step"):
        log_scalars(rec, 1.5, {"loss": 1.0})
    with pytest.raises(TypeError, match="real number"):
        log_scalars(rec, 0, {"loss": "low"})
    with pytest.raises(TypeError, match="real number"):
        log_scalars(rec, 0, {"loss": True})
    with pytest.raises(TypeError, match="tags"):
        log_scalars(rec, 0, {"": 1.0})
    with pytest.raises(TypeError, match="mapping"):
        log_scalars(rec, 0, [("loss", 1.0)])
    with pytest.raises(TypeError, match="SummaryWriter"):
        log_scalars(object(), 0, {"loss": 1.0})
    assert rec.calls == []
    log_scalars(rec, 2, {"loss": np.float32(0.5)})
    assert rec.calls == [("loss", 0.5, 2)]


def test_backends_listed():
    assert frameworks.BACKENDS == ("torch", "jax", "tensorflow")
