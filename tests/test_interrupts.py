"""deferred_sigint: Ctrl-C inside a native call surfaces right after it, never inside it."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from hiptrack.interrupts import deferred_sigint


def test_sigint_inside_the_block_is_raised_when_it_ends() -> None:
    reached_end = False
    with pytest.raises(KeyboardInterrupt), deferred_sigint():
        os.kill(os.getpid(), signal.SIGINT)
        reached_end = True  # the signal did not cut the block short
    assert reached_end
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_no_signal_no_exception_and_handler_restored() -> None:
    with deferred_sigint():
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_a_custom_handler_is_left_alone() -> None:
    seen: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        with deferred_sigint():
            os.kill(os.getpid(), signal.SIGINT)
        assert seen == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous)


def test_off_the_main_thread_it_is_a_plain_block() -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with deferred_sigint():
                pass
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert errors == []
