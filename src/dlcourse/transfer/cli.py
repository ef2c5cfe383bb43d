"""``python -m dlcourse.transfer --retrain``: pretrain again and write the weights file."""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import torch

from dlcourse.transfer import pretraining

__all__: list[str] = []  # the command line; `main` is importable for tests


def main(argv: list[str] | None = None) -> None:
    """``python -m dlcourse.transfer --retrain [--out PATH]``: pretrain and save the weights.

    Prints the new file's sha256, whether it equals ``WEIGHTS_SHA256``, and this machine next
    to ``WEIGHTS_MADE_WITH``: the same machine and versions give the same bytes.
    """
    parser = argparse.ArgumentParser(prog="python -m dlcourse.transfer", description=main.__doc__)
    parser.add_argument("--retrain", action="store_true", help="pretrain and save the weights")
    parser.add_argument("--out", default=str(pretraining.WEIGHTS_PATH), help="where to save them")
    args = parser.parse_args(argv)
    if not args.retrain:
        parser.error("nothing to do: pass --retrain")
    model = pretraining.pretrain(progress=1)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()  # not torch.save(.., out): its zip names a folder after the file
    torch.save(model.state_dict(), buffer)
    out.write_bytes(buffer.getvalue())
    digest = pretraining.sha256(out)
    same = "the same as" if digest == pretraining.WEIGHTS_SHA256 else "DIFFERENT from"
    print(f"saved {out} ({out.stat().st_size:,} bytes), sha256 {digest}: {same} WEIGHTS_SHA256")
    here, shipped = pretraining.machine(), pretraining.WEIGHTS_MADE_WITH
    for key in shipped:
        mark = "" if str(here.get(key)) == str(shipped[key]) else "   <- differs"
        print(f"  {key:15s} this machine {here.get(key)!s:40s} shipped file {shipped[key]}{mark}")
