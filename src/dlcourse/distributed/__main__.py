"""``torchrun --nproc_per_node=2 -m dlcourse.distributed --modes allreduce,ddp --out run/``:
every rank runs ``dlcourse.distributed.worker.main``."""

import os
import sys

from dlcourse.distributed.worker import main

if __name__ == "__main__":
    main()
    # Everything is written and the group destroyed; leave without the interpreter's teardown.
    # On a busy machine gloo's threads could still be winding down when C++ destructors ran,
    # and about one launch in eight aborted at exit ("terminate called without an active
    # exception", SIGABRT) after finishing its work. A clean os._exit skips that teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
