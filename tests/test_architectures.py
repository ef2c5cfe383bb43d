"""dlcourse.architectures: LeNet-5, and VGG16 and ResNet-18 in torchvision's layout, with their
parameter counts and multiply-adds (torchvision itself is not installed here)."""

from __future__ import annotations

import pytest
import torch

from dlcourse import architectures as arch
from dlcourse.cnn import output_size


@pytest.fixture(scope="module")
def vgg():
    with torch.device("meta"):  # no weights allocated: 138 million parameters cost nothing
        return arch.vgg16()


@pytest.fixture(scope="module")
def resnet():
    with torch.device("meta"):
        return arch.resnet18()


def test_lenet5_shapes_and_parameter_count():
    torch.manual_seed(0)
    model = arch.LeNet5()
    assert model(torch.zeros(4, 1, 28, 28)).shape == (4, 10)
    assert model.features(torch.zeros(1, 1, 28, 28)).shape == (1, 16, 5, 5)
    # conv 6*(25+1), conv 16*(6*25+1), then 400*120+120, 120*84+84, 84*10+10
    assert arch.count_parameters(model) == 156 + 2416 + 48120 + 10164 + 850 == 61706
    assert arch.LeNet5(in_channels=3, num_classes=5)(torch.zeros(2, 3, 28, 28)).shape == (2, 5)


def test_lenet5_rejects_bad_input():
    model = arch.LeNet5()
    with pytest.raises(
        ValueError, match=r"x must have shape \(N, 1, 28, 28\); got \(2, 1, 32, 32\)"
    ):
        model(torch.zeros(2, 1, 32, 32))
    with pytest.raises(ValueError, match=r"got \(1, 28, 28\)"):
        model(torch.zeros(1, 28, 28))
    with pytest.raises(ValueError, match="num_classes must be an integer >= 1; got 0"):
        arch.LeNet5(num_classes=0)


def test_vgg16_matches_torchvisions_parameter_count_and_layout(vgg):
    assert arch.count_parameters(vgg) == 138_357_544
    keys = list(vgg.state_dict())
    # 13 convolutions and 3 dense layers, a weight and a bias each, at torchvision's indices
    assert len(keys) == 32
    assert keys[:2] == ["features.0.weight", "features.0.bias"]
    assert keys[-2:] == ["classifier.6.weight", "classifier.6.bias"]
    assert vgg(torch.empty(1, 3, 224, 224, device="meta")).shape == (1, 1000)


def test_resnet18_matches_torchvisions_parameter_count_and_layout(resnet):
    assert arch.count_parameters(resnet) == 11_689_512
    keys = set(resnet.state_dict())
    assert len(keys) == 122  # batch norms add running statistics, which are not parameters
    for key in (
        "conv1.weight",
        "bn1.running_var",
        "layer1.0.conv2.weight",
        "layer2.0.downsample.0.weight",
        "layer4.1.bn2.bias",
        "fc.weight",
    ):
        assert key in keys
    assert "layer1.0.downsample.0.weight" not in keys  # same shape: an identity shortcut
    assert resnet(torch.empty(1, 3, 224, 224, device="meta")).shape == (1, 1000)


def test_multiply_adds_of_lenet5_by_hand():
    counts = arch.multiply_adds(arch.LeNet5(), (1, 28, 28))
    conv = 6 * 28 * 28 * (1 * 5 * 5) + 16 * 10 * 10 * (6 * 5 * 5)
    linear = 400 * 120 + 120 * 84 + 84 * 10
    assert counts == {"conv": conv, "linear": linear, "total": conv + linear}


def test_multiply_adds_of_vgg16_from_its_layer_list(vgg):
    size, channels, conv = 224, 3, 0
    for v in arch.VGG16_LAYERS:
        if v == "M":
            size //= 2
        else:
            conv += size * size * v * channels * 9
            channels = v
    linear = 512 * 7 * 7 * 4096 + 4096 * 4096 + 4096 * 1000
    counts = arch.multiply_adds(vgg, (3, 224, 224))
    assert counts == {"conv": conv, "linear": linear, "total": conv + linear}
    assert round(counts["total"] / 1e9, 2) == 15.47  # torchvision's published "GFLOPS"


def test_multiply_adds_of_resnet18(resnet):
    counts = arch.multiply_adds(resnet, (3, 224, 224))
    stem = 112 * 112 * 64 * 3 * 49
    side = output_size(112, 3, 2, 1)  # after the max pool: 56
    convs = 0
    for stage, width in enumerate((64, 128, 256, 512)):
        c_in = 64 if stage == 0 else width // 2
        if stage:
            side //= 2
            convs += side * side * width * c_in  # the 1x1 projection shortcut
        convs += side * side * width * c_in * 9 + 3 * side * side * width * width * 9
    assert counts["conv"] == stem + convs
    assert counts["linear"] == 512 * 1000
    assert round(counts["total"] / 1e9, 2) == 1.81  # torchvision's published "GFLOPS"


def test_multiply_adds_leaves_the_model_alone_and_checks_the_shape():
    model = arch.LeNet5()
    arch.multiply_adds(model, (1, 28, 28))
    assert next(model.parameters()).device.type == "cpu"
    assert not model.features[0]._forward_hooks
    with pytest.raises(ValueError, match=r"one image's \(C, H, W\); got \(1, 1, 28, 28\)"):
        arch.multiply_adds(model, (1, 1, 28, 28))


def test_resnet18_runs_on_a_small_real_image():
    torch.manual_seed(0)
    model = arch.resnet18(num_classes=7).eval()
    assert model(torch.randn(2, 3, 32, 32)).shape == (2, 7)


def test_basic_block_shortcut_adds_the_input():
    torch.manual_seed(0)
    residual = arch.BasicBlock(4, 4).eval()
    plain = arch.BasicBlock(4, 4, shortcut=False).eval()
    plain.load_state_dict(residual.state_dict())
    x = torch.randn(2, 4, 6, 6)
    with torch.no_grad():
        inner = residual.bn2(residual.conv2(torch.relu(residual.bn1(residual.conv1(x)))))
        torch.testing.assert_close(residual(x), torch.relu(inner + x))
        torch.testing.assert_close(plain(x), torch.relu(inner))
    down = arch.BasicBlock(4, 8, stride=2)
    assert down(torch.randn(2, 4, 6, 6)).shape == (2, 8, 3, 3)
    assert arch.BasicBlock(4, 8, stride=2, shortcut=False).downsample is None
    with pytest.raises(ValueError, match="stride must be an integer >= 1; got 0"):
        arch.BasicBlock(4, 4, stride=0)


def test_constructors_and_forwards_name_the_bad_argument():
    with pytest.raises(ValueError, match=r"layers\[1\] must be an integer >= 1; got 0"):
        arch.VGG((8, 0))
    with pytest.raises(TypeError, match="layers must be a list"):
        arch.VGG("M")
    with pytest.raises(ValueError, match="blocks must be 4 block counts"):
        arch.ResNet((2, 2, 2))
    with pytest.raises(ValueError, match=r"blocks\[3\] must be an integer >= 1; got 0"):
        arch.ResNet((2, 2, 2, 0))
    with pytest.raises(ValueError, match="ResNet's weights asks for"):
        arch.ResNet((1, 1, 1, 10**8))
    with pytest.raises(TypeError, match="shortcut must be True or False"):
        arch.BasicBlock(4, 4, shortcut="no")
    with pytest.raises(TypeError, match="x must hold floating-point numbers"):
        arch.LeNet5()(torch.zeros(1, 1, 28, 28, dtype=torch.long))
    with pytest.raises(ValueError, match=r"x must have shape \(N, 4, H, W\)"):
        arch.BasicBlock(4, 4)(torch.zeros(1, 3, 6, 6))
    with pytest.raises(ValueError, match="x must be at least 4x4 pixels"):
        arch.VGG((4, "M", 4, "M"), num_classes=2)(torch.zeros(1, 3, 3, 3))
    with pytest.raises(ValueError, match=r"input_shape \(2, 28, 28\) does not fit the model"):
        arch.multiply_adds(arch.LeNet5(), (2, 28, 28))
    with pytest.raises(TypeError, match="model must be Module"):
        arch.count_parameters("lenet")


def test_forwards_check_shapes_only_and_never_wait_for_the_device():
    """On the meta device a tensor has no values: a forward pass that read one to check its
    input would raise. The CNNs check shapes and dtypes only, at the door."""
    with torch.device("meta"):
        for model, shape in [
            (arch.LeNet5(), (2, 1, 28, 28)),
            (arch.BasicBlock(4, 8, stride=2), (2, 4, 6, 6)),
            (arch.VGG((4, "M", 4, "M"), num_classes=3), (2, 3, 8, 8)),
            (arch.ResNet((1, 1, 1, 1), num_classes=3), (2, 3, 32, 32)),
        ]:
            assert model(torch.empty(shape)).device.type == "meta"
        with pytest.raises(ValueError, match=r"x must have shape \(N, 1, 28, 28\)"):
            arch.LeNet5()(torch.empty(2, 1, 32, 32))
