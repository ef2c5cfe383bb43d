"""A real server: run an app with uvicorn, blocking (``serve``) or in a thread (``running``).

``serve`` runs until interrupted; ``running`` starts uvicorn in a background thread on a free
port of 127.0.0.1 and stops it cleanly when the ``with`` block ends.
"""

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

from dlcourse.checks import check_instance as check_type
from dlcourse.checks import check_int, check_real, describe

__all__ = ["THREAD_NAME", "running", "serve"]

THREAD_NAME = "dlcourse-server"  # running()'s server thread: f"{THREAD_NAME}-{port}"


def _check_app_and_host(app, host) -> None:
    """An ASGI app (a callable, or uvicorn's "module:attribute" string) and a host name."""
    if not (callable(app) or isinstance(app, str)):
        raise TypeError(f"app must be an ASGI app such as create_app's; got {describe(app)}")
    check_type("host", host, str)
    if not host:  # "" would bind every interface of the machine, as "0.0.0.0" does
        raise ValueError("host must name an interface such as '127.0.0.1'; got ''")


def serve(app, port: int = 8000, host: str = "127.0.0.1") -> None:
    """Run ``app`` with uvicorn on ``host:port`` until interrupted (Ctrl-C). Blocks.

    ``127.0.0.1`` answers this machine only; ``0.0.0.0`` would answer the whole network.
    """
    import uvicorn

    _check_app_and_host(app, host)
    port = check_int("port", port, min=1, max=65535)
    uvicorn.run(app, host=host, port=port, log_level="warning")


@contextlib.contextmanager
def running(app, port: int = 0, host: str = "127.0.0.1", timeout: float = 60.0) -> Iterator[str]:
    """Run ``app`` with uvicorn in a background thread for the duration of a ``with`` block.

    Args:
        port: 0 picks a free port.
        timeout: the longest wait, in seconds, for the server to start (a bound, not a
            measurement: a busy machine only makes the wait longer).

    Yields:
        The server's base URL, ``"http://127.0.0.1:PORT"``. On leaving the block the server
        finishes the requests in flight and stops; the thread is joined.
    """
    import uvicorn

    _check_app_and_host(app, host)
    port = check_int("port", port, min=0, max=65535)
    timeout = check_real("timeout", timeout, min=0, min_open=True)
    # proto=IPPROTO_TCP: asyncio then sets TCP_NODELAY on each connection (with proto 0 it does
    # not, and every answer waits about 40 ms for a delayed ACK)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))  # bound here: the port is known before the server starts
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, daemon=True, name=f"{THREAD_NAME}-{port}"
    )
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the server on {host}:{port} did not start in {timeout} s")
            time.sleep(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        if thread.is_alive():
            raise RuntimeError(f"the server on {host}:{port} did not stop within 30 s")
