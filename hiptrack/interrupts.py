"""Ctrl-C that waits for the end of a native call.

MediaPipe's Python wrappers set their C pointers in ``__init__``; a KeyboardInterrupt raised
between two of those bytecodes leaves a half-built object whose ``__del__`` prints a traceback at
exit. :func:`deferred_sigint` holds SIGINT for the duration of such a short call and raises the
KeyboardInterrupt right after it, so Ctrl-C still stops the program within one frame.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def deferred_sigint() -> Iterator[None]:
    """Delay SIGINT until the block ends, then raise KeyboardInterrupt.

    A no-op off the main thread (signals are only delivered there) or when someone else has
    replaced Python's default SIGINT handler (their handler keeps working unchanged).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is not signal.default_int_handler:
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        caught.append(signum)

    signal.signal(signal.SIGINT, hold)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
