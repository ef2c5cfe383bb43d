"""dlcourse.autoencoders and dlcourse.generative: shapes, bad input, losses by hand, and
training steps that lower the loss."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.linalg import subspace_angles
from torch import nn

from dlcourse import autoencoders, classic, generative, train
from dlcourse.autoencoders import Autoencoder, GaussianNoise
from dlcourse.generative import VAE, Discriminator, Generator


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny networks: a second thread only adds hand-overs (and stalls on a busy machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# ---------------------------------------------------------------------------------------------
# mlp and Autoencoder


def test_mlp_layers_and_bad_arguments():
    net = autoencoders.mlp([3, 5, 2], "tanh", "sigmoid")
    kinds = [type(layer) for layer in net]
    assert kinds == [nn.Linear, nn.Tanh, nn.Linear, nn.Sigmoid]
    assert net(torch.zeros(4, 3)).shape == (4, 2)
    with pytest.raises(ValueError, match="at least an input and an output"):
        autoencoders.mlp([3])
    with pytest.raises(ValueError, match=r"sizes\[1\] must be an integer >= 1; got 0"):
        autoencoders.mlp([3, 0, 2])
    with pytest.raises(ValueError, match="activation must be one of"):
        autoencoders.mlp([3, 2], "swish")
    with pytest.raises(ValueError, match="output must be one of.*'softmax'"):
        autoencoders.mlp([3, 2], output="softmax")


def test_autoencoder_shapes_and_output_range():
    torch.manual_seed(0)
    ae = Autoencoder(64, bottleneck=3, hidden=(16, 8))
    x = torch.rand(5, 64)
    assert ae.encode(x).shape == (5, 3)
    assert ae.decode(torch.zeros(7, 3)).shape == (7, 64)
    out = ae(x)
    assert out.shape == (5, 64) and torch.all((out > 0) & (out < 1))  # sigmoid
    # The decoder mirrors the encoder: 3 -> 8 -> 16 -> 64.
    widths = [m.out_features for m in ae.decoder if isinstance(m, nn.Linear)]
    assert widths == [8, 16, 64]


def test_linear_autoencoder_is_two_matrices():
    ae = Autoencoder(10, bottleneck=2, hidden=(), output="linear")
    assert [type(m) for m in ae.encoder] == [nn.Linear]
    assert [type(m) for m in ae.decoder] == [nn.Linear]
    x = torch.randn(4, 10)
    W_e, b_e = ae.encoder[0].weight, ae.encoder[0].bias
    W_d, b_d = ae.decoder[0].weight, ae.decoder[0].bias
    torch.testing.assert_close(ae(x), (x @ W_e.T + b_e) @ W_d.T + b_d)


def test_autoencoder_bad_input_names_expected_and_actual_shape():
    ae = Autoencoder(64, bottleneck=4)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 64\); got \(5, 63\)"):
        ae(torch.zeros(5, 63))
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 64\); got \(64,\)"):
        ae.encode(torch.zeros(64))
    with pytest.raises(ValueError, match=r"z must have shape \(batch, 4\); got \(2, 3\)"):
        ae.decode(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="bottleneck must be an integer >= 1; got 0"):
        Autoencoder(64, bottleneck=0)
    with pytest.raises(TypeError, match=r"n_inputs must be an integer in \[1, .*got 2.5"):
        Autoencoder(2.5, bottleneck=1)


def test_autoencoder_training_lowers_the_reconstruction_error():
    torch.manual_seed(0)
    X = np.random.default_rng(0).random((128, 16))
    ae = Autoencoder(16, bottleneck=4, hidden=(32,))
    before = autoencoders.reconstruction_error(ae, X).mean()
    history = train.fit(
        ae,
        train.make_loader(X, X, 32, shuffle=True),
        None,
        nn.MSELoss(),
        torch.optim.Adam(ae.parameters(), lr=1e-2),
        epochs=20,
        device="cpu",
        progress=None,
    )
    after = autoencoders.reconstruction_error(ae, X).mean()
    assert after < 0.7 * before
    assert history.train_loss[-1] < history.train_loss[0]


def test_linear_autoencoder_finds_the_pca_subspace():
    # Data close to a plane in 6-D, with clearly different variances along the plane's axes.
    rng = np.random.default_rng(0)
    basis, _ = np.linalg.qr(rng.standard_normal((6, 2)))
    X = (rng.standard_normal((300, 2)) * [3.0, 1.0]) @ basis.T + 0.05 * rng.standard_normal(
        (300, 6)
    )
    X = X - X.mean(0)
    torch.manual_seed(0)
    ae = Autoencoder(6, bottleneck=2, hidden=(), output="linear")
    train.fit(
        ae,
        train.make_loader(X, X, 300),
        None,
        nn.MSELoss(),
        torch.optim.Adam(ae.parameters(), lr=3e-2),
        epochs=400,
        device="cpu",
        progress=None,
    )
    components, _ = classic.pca(X, 2)
    W_d = ae.decoder[0].weight.detach().numpy()  # (6, 2)
    assert np.degrees(subspace_angles(W_d, components.T)).max() < 1.0


# ---------------------------------------------------------------------------------------------
# Noise and reconstruction error


def test_gaussian_noise_only_in_training_mode():
    torch.manual_seed(0)
    layer = GaussianNoise(0.1, clip=None)
    x = torch.full((200, 50), 0.5)
    noisy = layer.train()(x)
    assert not torch.equal(noisy, x)
    assert (noisy - x).std().item() == pytest.approx(0.1, rel=0.05)
    assert torch.equal(layer.eval()(x), x)
    clipped = GaussianNoise(2.0).train()(x)
    assert clipped.min() >= 0 and clipped.max() <= 1
    with pytest.raises(ValueError, match="std must be a finite real number >= 0.0; got -0.1"):
        GaussianNoise(-0.1)


def test_add_noise_is_seeded_clipped_and_leaves_x_alone():
    X = np.full((100, 8), 0.5)
    a, b = autoencoders.add_noise(X, 0.3, seed=1), autoencoders.add_noise(X, 0.3, seed=1)
    np.testing.assert_array_equal(a, b)
    assert a.shape == X.shape and a.min() >= 0 and a.max() <= 1
    assert np.all(X == 0.5)
    unclipped = autoencoders.add_noise(X, 5.0, seed=np.random.default_rng(0), clip=None)
    assert unclipped.min() < 0 < 1 < unclipped.max()
    assert np.array_equal(autoencoders.add_noise(X, 0.0), X)
    with pytest.raises(ValueError, match=r"X must be a 2-D array .*; got shape \(8,\)"):
        autoencoders.add_noise(np.zeros(8), 0.1)
    with pytest.raises(ValueError, match="std must be a finite real number >= 0.0"):
        autoencoders.add_noise(X, -1.0)


def test_reconstruction_error_by_hand_and_bad_shapes():
    torch.manual_seed(0)
    ae = Autoencoder(4, bottleneck=2, hidden=(3,))
    X = np.random.default_rng(0).random((6, 4))
    target = np.random.default_rng(1).random((6, 4))
    with torch.no_grad():
        output = ae(torch.as_tensor(X, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(
        autoencoders.reconstruction_error(ae, X, target),
        ((output - target) ** 2).mean(1),
        rtol=1e-6,
    )
    assert autoencoders.reconstruction_error(ae, X).shape == (6,)
    with pytest.raises(ValueError, match=r"got X \(6, 4\), target \(6, 3\)"):
        autoencoders.reconstruction_error(ae, X, target[:, :3])
    with pytest.raises(ValueError, match=r"same shape; got \(6, 2\)"):
        autoencoders.reconstruction_error(ae.encoder, X)
    with pytest.raises(ValueError, match=r"model could not take X of shape \(6, 3\)"):
        autoencoders.reconstruction_error(ae, X[:, :3])
    with pytest.raises(TypeError, match="model must be Module"):
        autoencoders.reconstruction_error(None, X)
    with pytest.raises(ValueError, match="clip must be a pair"):
        autoencoders.add_noise(X, 0.1, clip=(1.0, 0.0))
    with pytest.raises(ValueError, match=r"hidden\[0\] must be an integer >= 1; got 0"):
        Autoencoder(4, bottleneck=2, hidden=(0,))
    with pytest.raises(TypeError, match="x must hold floating-point numbers"):
        ae(torch.zeros(2, 4, dtype=torch.long))


# ---------------------------------------------------------------------------------------------
# VAE


def test_reparameterise_gradients_and_moments():
    torch.manual_seed(0)
    mu = torch.tensor([[0.5, -1.0]], requires_grad=True)
    logvar = torch.tensor([[0.0, -2.0]], requires_grad=True)
    z = generative.reparameterise(mu, logvar)
    z.sum().backward()
    eps = (z.detach() - mu.detach()) / torch.exp(0.5 * logvar.detach())
    torch.testing.assert_close(mu.grad, torch.ones_like(mu))
    torch.testing.assert_close(logvar.grad, 0.5 * torch.exp(0.5 * logvar.detach()) * eps)
    many = generative.reparameterise(torch.full((20000, 1), 2.0), torch.full((20000, 1), 0.0))
    assert many.mean().item() == pytest.approx(2.0, abs=0.03)
    assert many.std().item() == pytest.approx(1.0, abs=0.03)


def test_vae_loss_pieces_by_hand():
    logits = torch.tensor([[0.0, 2.0], [-1.0, 1.0]], dtype=torch.float64)
    x = torch.tensor([[1.0, 0.0], [0.5, 1.0]], dtype=torch.float64)
    mu = torch.tensor([[0.0, 1.0], [2.0, -1.0]], dtype=torch.float64)
    logvar = torch.tensor([[0.0, math.log(4.0)], [-1.0, 0.0]], dtype=torch.float64)
    total, reconstruction, kl = generative.vae_loss(logits, x, mu, logvar, beta=0.5)

    def bce(logit, target):
        p = 1 / (1 + math.exp(-logit))
        return -(target * math.log(p) + (1 - target) * math.log(1 - p))

    by_hand_rec = ((bce(0, 1) + bce(2, 0)) + (bce(-1, 0.5) + bce(1, 1))) / 2
    # KL per dimension: (mu^2 + sigma^2 - 1 - log sigma^2) / 2
    kl_first = 0 + (1 + 4 - 1 - math.log(4)) / 2
    kl_second = (4 + math.exp(-1) - 1 + 1) / 2 + (1 + 1 - 1 - 0) / 2
    by_hand_kl = (kl_first + kl_second) / 2
    assert reconstruction.item() == pytest.approx(by_hand_rec, rel=1e-12)
    assert kl.item() == pytest.approx(by_hand_kl, rel=1e-12)
    assert total.item() == pytest.approx(by_hand_rec + 0.5 * by_hand_kl, rel=1e-12)
    # The closed form equals torch's KL between the Gaussians.
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    assert kl.item() == pytest.approx(
        torch.distributions.kl_divergence(q, p).sum(1).mean().item(), rel=1e-12
    )
    # A standard normal encoder costs nothing.
    zero = torch.zeros(3, 2)
    assert generative.vae_loss(torch.zeros(3, 4), torch.zeros(3, 4), zero, zero)[2].item() == 0


def test_vae_loss_bad_shapes():
    logits, mu = torch.zeros(3, 4), torch.zeros(3, 2)
    with pytest.raises(ValueError, match=r"x must have shape \(3, 4\); got \(3, 5\)"):
        generative.vae_loss(logits, torch.zeros(3, 5), mu, mu)
    with pytest.raises(ValueError, match=r"mu must have shape \(3, d\); got \(2, 2\)"):
        generative.vae_loss(logits, logits, torch.zeros(2, 2), mu)
    with pytest.raises(ValueError, match=r"logvar must have shape \(3, 2\); got \(3, 1\)"):
        generative.vae_loss(logits, logits, mu, torch.zeros(3, 1))
    with pytest.raises(ValueError, match=r"got \(3, 1\), which does not match mu"):
        generative.reparameterise(mu, torch.zeros(3, 1))
    with pytest.raises(TypeError, match="mu must be Tensor"):
        generative.reparameterise(np.zeros((3, 2)), mu)


def test_vae_loss_refuses_targets_outside_0_1_and_lets_nan_through():
    logits, mu = torch.zeros(3, 4), torch.zeros(3, 2)
    for bad in (-0.1, 1.5):
        x = torch.full((3, 4), 0.5)
        x[1, 2] = bad
        with pytest.raises(ValueError, match=rf"x must hold targets in \[0, 1\].*{bad:g}"):
            generative.vae_loss(logits, x, mu, mu)
    x = torch.full((3, 4), 0.5)
    x[0, 0] = float("nan")  # not scanned for (docs/notation.md, "Bad values"): it propagates
    assert torch.isnan(generative.vae_loss(logits, x, mu, mu)[0])
    binary = (torch.rand(3, 4) > 0.5).float()  # the ends themselves are fine
    assert torch.isfinite(generative.vae_loss(logits, binary, mu, mu)[0])


def test_check_widths_names_the_argument():
    assert autoencoders.check_widths("hidden", (4, 2)) == [4, 2]
    with pytest.raises(ValueError, match=r"hidden\[1\] must be an integer >= 1; got 0"):
        autoencoders.check_widths("hidden", [4, 0])
    with pytest.raises(TypeError, match="hidden must be a list of layer widths"):
        autoencoders.check_widths("hidden", "4")


def test_vae_shapes_sampling_and_bad_input():
    torch.manual_seed(0)
    vae = VAE(64, latent=3, hidden=(16,))
    x = torch.rand(5, 64)
    mu, logvar = vae.encode(x)
    assert mu.shape == logvar.shape == (5, 3)
    logits = vae(x)
    assert logits.shape == (5, 64) and vae.mu.shape == (5, 3)
    images = vae.sample(7)
    assert images.shape == (7, 64) and torch.all((images > 0) & (images < 1))
    assert vae.decode(torch.zeros(2, 3)).shape == (2, 64)
    with pytest.raises(ValueError, match="before its loss"):
        VAE(64).loss(logits, x)
    with pytest.raises(ValueError, match=r"x must have shape \(B, 64\); got \(5, 8, 8\)"):
        vae(torch.zeros(5, 8, 8))
    with pytest.raises(ValueError, match=r"z must have shape \(B, 3\); got \(2, 2\)"):
        vae.decode(torch.zeros(2, 2))
    with pytest.raises(
        ValueError, match=r"beta must be a finite real number in \[0.0, 1000000.0\]; got -1"
    ):
        VAE(64, beta=-1)
    with pytest.raises(ValueError, match="n must be an integer >= 1; got 0"):
        vae.sample(0)


def test_vae_trains_with_fit_and_its_loss_falls():
    torch.manual_seed(0)
    # Four binary patterns with a few flipped pixels: structure that a 2-D code can hold.
    rng = np.random.default_rng(0)
    patterns = rng.random((4, 16)) > 0.5
    X = (patterns[rng.integers(0, 4, 128)] ^ (rng.random((128, 16)) < 0.05)).astype(float)
    vae = VAE(16, latent=2, hidden=(32,))
    X_t = torch.as_tensor(X, dtype=torch.float32)
    before = vae.loss(vae(X_t), X_t).item()
    train.fit(
        vae,
        train.make_loader(X, X, 32, shuffle=True),
        None,
        vae.loss,
        torch.optim.Adam(vae.parameters(), lr=1e-2),
        epochs=30,
        device="cpu",
        progress=None,
    )
    torch.manual_seed(1)
    after = vae.loss(vae(X_t), X_t).item()
    assert after < 0.7 * before


# ---------------------------------------------------------------------------------------------
# GAN


def _players(seed=0):
    torch.manual_seed(seed)
    return Generator(latent=2, n_outputs=2, hidden=(16,)), Discriminator(2, hidden=(16,))


def test_generator_and_discriminator_shapes_and_bad_input():
    G, D = _players()
    assert G(torch.zeros(5, 2)).shape == (5, 2)
    assert G.sample(4).shape == (4, 2)
    assert D(torch.zeros(5, 2)).shape == (5,)
    assert Generator(3, 64, output="sigmoid").sample(2).shape == (2, 64)
    with pytest.raises(ValueError, match=r"z must have shape \(B, 2\); got \(5, 3\)"):
        G(torch.zeros(5, 3))
    with pytest.raises(ValueError, match=r"x must have shape \(B, 2\); got \(2,\)"):
        D(torch.zeros(2))


def test_gan_losses_by_hand():
    s = torch.tensor([-2.0, 0.0, 3.0], dtype=torch.float64)
    D = torch.sigmoid(s)
    torch.testing.assert_close(generative.GAN_LOSSES["minimax"](s), torch.log(1 - D).mean())
    torch.testing.assert_close(generative.GAN_LOSSES["non-saturating"](s), -torch.log(D).mean())


def _real(n=256, seed=0):
    X, _ = generative.ring_of_gaussians(n, modes=4, std=0.1, seed=seed)
    return torch.as_tensor(X, dtype=torch.float32)


def test_gan_step_discriminator_steps_lower_its_loss_and_leave_g_alone():
    G, D = _players()
    g_before = [p.detach().clone() for p in G.parameters()]
    opt_g = torch.optim.SGD(G.parameters(), lr=0.0)  # a generator that does not move
    opt_d = torch.optim.Adam(D.parameters(), lr=1e-2)
    real = _real()
    d_losses = [generative.gan_step(G, D, opt_g, opt_d, real)[0] for _ in range(60)]
    assert isinstance(d_losses[0], float)
    assert np.mean(d_losses[-10:]) < 0.5 * d_losses[0]
    assert all(torch.equal(a, b) for a, b in zip(g_before, G.parameters(), strict=True))


@pytest.mark.parametrize("loss", ["minimax", "non-saturating"])
def test_gan_step_generator_steps_lower_its_loss(loss):
    G, D = _players()
    opt_g = torch.optim.Adam(G.parameters(), lr=1e-2)
    opt_d = torch.optim.SGD(D.parameters(), lr=0.0)  # a fixed judge
    real = _real()
    g_losses = [generative.gan_step(G, D, opt_g, opt_d, real, loss=loss)[1] for _ in range(60)]
    assert np.mean(g_losses[-10:]) < np.mean(g_losses[:10]) - 0.1


def test_gan_step_bad_input():
    G, D = _players()
    opts = torch.optim.SGD(G.parameters(), 0.1), torch.optim.SGD(D.parameters(), 0.1)
    with pytest.raises(ValueError, match="loss must be one of.*got 'wasserstein'"):
        generative.gan_step(G, D, *opts, _real(), loss="wasserstein")
    with pytest.raises(ValueError, match=r"real must have shape \(B, 2\); got \(8, 3\)"):
        generative.gan_step(G, D, *opts, torch.zeros(8, 3))
    with pytest.raises(TypeError, match="opt_d must be Optimizer"):
        generative.gan_step(G, D, opts[0], None, _real())
    with pytest.raises(ValueError, match="generator makes examples of 3 numbers"):
        generative.gan_step(Generator(2, 3, hidden=(4,)), D, *opts, _real())
    with pytest.raises(ValueError, match="real must not be empty"):
        generative.gan_step(G, D, *opts, torch.zeros(0, 2))
    with pytest.raises(TypeError, match="real must hold floating-point numbers"):
        generative.gan_step(G, D, *opts, torch.zeros(8, 2, dtype=torch.long))


# ---------------------------------------------------------------------------------------------
# The ring of Gaussians and mode counting


def test_ring_centres_are_evenly_spaced_on_the_circle():
    c = generative.ring_centres(8, radius=2.0)
    assert c.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), 2.0)
    gaps = np.linalg.norm(c - np.roll(c, 1, axis=0), axis=1)
    np.testing.assert_allclose(gaps, 2 * 2.0 * math.sin(math.pi / 8))


def test_ring_of_gaussians_draws_around_each_centre():
    X, mode = generative.ring_of_gaussians(4000, modes=8, std=0.05, seed=3)
    assert X.shape == (4000, 2) and mode.shape == (4000,)
    assert set(np.unique(mode)) == set(range(8))
    offsets = X - generative.ring_centres(8, 2.0)[mode]
    assert offsets.std() == pytest.approx(0.05, rel=0.05)
    np.testing.assert_array_equal(X, generative.ring_of_gaussians(4000, std=0.05, seed=3)[0])
    with pytest.raises(ValueError, match="std must be a finite real number > 0.0; got 0"):
        generative.ring_of_gaussians(10, std=0)
    with pytest.raises(ValueError, match="m must be an integer >= 1; got 0"):
        generative.ring_of_gaussians(0)


def test_modes_covered_counts_by_hand():
    centres = generative.ring_centres(4, radius=1.0)  # (1,0), (0,1), (-1,0), (0,-1)
    points = np.array([[1.0, 0.05], [0.98, 0.0], [0.0, 1.02], [5.0, 5.0]])
    covered, near, counts = generative.modes_covered(points, centres, within=0.1, min_share=0.2)
    np.testing.assert_array_equal(counts, [2, 1, 0, 0])
    assert covered == 2 and near == pytest.approx(0.75)
    # A mode with too small a share does not count.
    assert generative.modes_covered(points, centres, 0.1, min_share=0.3)[0] == 1
    with pytest.raises(ValueError, match=r"same d; got \(4, 2\) and \(4, 3\)"):
        generative.modes_covered(points, np.zeros((4, 3)), 0.1)
    with pytest.raises(ValueError, match="within must be a finite real number > 0.0; got 0"):
        generative.modes_covered(points, centres, 0.0)
