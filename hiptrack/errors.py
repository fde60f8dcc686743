"""Errors that the CLI turns into one clear sentence (and a non-zero exit), never a traceback."""

from __future__ import annotations


class HiptrackError(Exception):
    """Base class: the message says what went wrong and how to fix it."""

    exit_code = 2
