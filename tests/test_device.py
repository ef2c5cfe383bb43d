"""dlcourse.device: the one device rule, and which process of several prints and saves."""

from __future__ import annotations

import pytest
import torch

from dlcourse import device


@pytest.mark.parametrize("value", [3.5, 3, b"cpu", ["cpu"], torch.zeros(1)])
def test_a_device_of_the_wrong_type_is_a_type_error(value):
    with pytest.raises(TypeError, match=r"^map_location must be a torch.device or its name"):
        device.as_device(value, "map_location")
    with pytest.raises(TypeError, match="^device must be"):
        device.as_device(value, available_only=False)


@pytest.mark.parametrize("value", ["gpu", "banana", "cuda:x", ""])
def test_a_name_that_is_no_device_is_a_value_error(value):
    with pytest.raises(ValueError, match="^device must name a torch device such as 'cpu'"):
        device.as_device(value)


def test_a_device_this_machine_lacks_is_a_value_error_unless_only_parsed():
    missing = [k for k in ("cuda", "mps") if torch.device(k) not in device.available()]
    for kind in missing:
        with pytest.raises(ValueError, match=f"device '{kind}' is not available here"):
            device.as_device(kind)
        with pytest.raises(ValueError, match="not available here"):
            device.describe(kind)
        assert device.as_device(kind, available_only=False) == torch.device(kind)
    assert device.as_device(None) == device.best()
    assert device.as_device("cpu") == device.as_device(torch.device("cpu")) == torch.device("cpu")


def test_the_package_uses_the_one_rule_everywhere():
    from dlcourse import timing, train

    model = torch.nn.Linear(2, 1)
    loader = train.make_loader(torch.zeros(4, 2).numpy(), torch.zeros(4).numpy(), 2)
    calls = [
        lambda d: device.describe(d),
        lambda d: timing.synchronizer(d),
        lambda d: train.evaluate(model, loader, torch.nn.MSELoss(), device=d),
        lambda d: train.predict(model, torch.zeros(2, 2).numpy(), device=d),
    ]
    for call in calls:
        with pytest.raises(TypeError, match="device must be a torch.device or its name"):
            call(3.5)
        with pytest.raises(ValueError, match="device must name a torch device"):
            call("gpu")


def test_only_rank_zero_of_a_process_group_is_the_main_process(monkeypatch):
    assert device.is_main_process()  # no process group: the one process is the main one
    monkeypatch.setattr(torch.distributed, "is_available", lambda: True)
    monkeypatch.setattr(torch.distributed, "is_initialized", lambda: True)
    for rank, main in ((0, True), (1, False), (3, False)):
        monkeypatch.setattr(torch.distributed, "get_rank", lambda group=None, r=rank: r)
        assert device.is_main_process() is main
