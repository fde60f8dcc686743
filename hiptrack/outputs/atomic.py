"""A temporary file beside the destination, renamed into place only when complete.

Streaming writers (video, CSV) cannot use :func:`hiptrack.session.write_atomic`, which needs the
whole content at once; they write to an :class:`AtomicPath`'s ``tmp`` and ``commit()`` at the
end, or ``discard()`` on failure, so an interrupted run never leaves a half-written file where a
good one was.
"""

from __future__ import annotations

import os
import tempfile
import weakref
from pathlib import Path
from types import TracebackType
from typing import Self

from hiptrack.session import Session, file_mode


def _unlink(path: str) -> None:
    Path(path).unlink(missing_ok=True)


class AtomicPath:
    """``tmp`` is a fresh file in the destination's folder; ``commit`` renames it to ``path``."""

    def __init__(self, path: str | Path, suffix: str = ".tmp") -> None:
        self.path = Path(path)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=suffix)
        os.close(fd)
        self.tmp = Path(tmp)
        self.done = False
        # safety net: a writer that is never closed or aborted (a crash in the caller) still
        # removes its temporary file when collected or at exit
        self._cleanup = weakref.finalize(self, _unlink, tmp)

    def commit(self) -> Path:
        os.chmod(self.tmp, file_mode(self.path))  # mkstemp made it 0600
        os.replace(self.tmp, self.path)
        self.done = True
        self._cleanup.detach()
        return self.path

    def discard(self) -> None:
        self.tmp.unlink(missing_ok=True)
        self.done = True
        self._cleanup.detach()


class CommitOnSuccess:
    """``with sink: ...`` commits the output (``close()``) when the block succeeds and drops it
    (``abort()``) when it raises, so a failed run never replaces an earlier file."""

    def close(self, session: Session | None = None) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()
