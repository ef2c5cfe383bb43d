"""Run by the site build in a chapter's kernel, after the chapter's last cell (see site_hooks.py).

It prints one JSON object: when the page was executed, and with what (Python, PyTorch, NumPy,
the device), read in the kernel's own process: the environment that produced the page.
"""


def _dl_provenance():
    import datetime
    import json
    import os
    import platform

    info = {
        "executed": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
    }
    for name in ("torch", "numpy"):
        try:
            info[name] = __import__(name).__version__
        except ImportError:
            pass
    try:
        import torch

        cuda = torch.cuda.is_available()
        mps = torch.backends.mps.is_available()
    except (ImportError, AttributeError):
        cuda = mps = False
    # The order of dlcourse.device.best(): the device the chapter's code ran on.
    if cuda:
        info["device"] = f"a CUDA GPU ({torch.cuda.get_device_name(0)})"
    elif mps:
        info["device"] = "an Apple GPU (MPS)"
    else:
        model = platform.processor()
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
                names = [line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line]
            model = names[0] if names else model
        except OSError:
            pass
        if hasattr(os, "sched_getaffinity"):
            cores = len(os.sched_getaffinity(0))
        else:
            cores = os.cpu_count()
        info["device"] = f"the CPU ({model + ', ' if model else ''}{cores} cores)"
    print(json.dumps(info))


_dl_provenance()
del _dl_provenance
