"""Majority votes over a sliding time window, with running counts.

The engine votes on every frame (posture, working side, position mismatch) over windows of
1.5-5 s: recounting the window each frame cost more than the rest of the vote, so the counts
are kept up to date as labels enter and leave.
"""

from __future__ import annotations

from collections import Counter, deque
from typing import Generic, TypeVar

K = TypeVar("K")


class WindowVotes(Generic[K]):
    """Labels seen over the last ``window_s`` seconds (a label at ``t`` leaves once the newest
    time passes ``t + window_s``)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._items: deque[tuple[float, K]] = deque()
        self.counts: Counter[K] = Counter()

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        self._items.clear()
        self.counts.clear()

    def add(self, t: float, label: K) -> None:
        self._items.append((t, label))
        self.counts[label] += 1

    def expire(self, t: float) -> None:
        """Forget labels older than ``t - window_s``."""
        items, counts = self._items, self.counts
        while items and items[0][0] < t - self.window_s:
            _, old = items.popleft()
            counts[old] -= 1
            if not counts[old]:
                del counts[old]

    @property
    def span_s(self) -> float:
        """Time from the oldest label kept to the newest (0 when empty)."""
        return self._items[-1][0] - self._items[0][0] if self._items else 0.0

    def winner(self) -> tuple[K, int] | None:
        """The most frequent label and its count; a tie goes to the label seen first in the
        window (as ``Counter(labels).most_common(1)`` would have it)."""
        if not self._items:
            return None
        top = max(self.counts.values())
        for _, label in self._items:
            if self.counts[label] == top:
                return label, top
        raise AssertionError("counts out of step with the window")  # pragma: no cover
