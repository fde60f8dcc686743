"""Running window votes agree with recounting the window on every frame."""

from __future__ import annotations

from collections import Counter, deque

from hypothesis import given, settings
from hypothesis import strategies as st

from hiptrack.votes import WindowVotes


def test_labels_leave_the_window_and_ties_go_to_the_first_seen() -> None:
    v: WindowVotes[str] = WindowVotes(1.0)
    assert v.winner() is None and v.span_s == 0.0
    for t, label in [(0.0, "a"), (0.5, "b"), (0.8, "b"), (1.2, "a")]:
        v.add(t, label)
        v.expire(t)
    # "a" at 0.0 has left; "b" (0.5) and "a" (1.2) remain, b twice
    assert v.winner() == ("b", 2) and len(v) == 3 and v.span_s == 0.7
    v.add(1.6, "a")
    v.expire(1.6)  # b at 0.5 leaves: a 2, b 1
    assert v.winner() == ("a", 2) and dict(v.counts) == {"b": 1, "a": 2}
    v.add(2.7, "b")
    v.expire(2.7)  # everything before 1.7 leaves: only the new b
    assert v.winner() == ("b", 1) and dict(v.counts) == {"b": 1}
    v.clear()
    assert v.winner() is None and not v.counts


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0.0, 0.5), st.sampled_from("abc")),
        min_size=1,
        max_size=80,
    ),
    st.floats(0.1, 3.0),
)
def test_same_winner_as_recounting_the_window(steps: list[tuple[float, str]], window: float) -> None:
    v: WindowVotes[str] = WindowVotes(window)
    ref: deque[tuple[float, str]] = deque()
    t = 0.0
    for dt, label in steps:
        t += dt
        v.add(t, label)
        v.expire(t)
        ref.append((t, label))
        while ref and ref[0][0] < t - window:
            ref.popleft()
        want = Counter(x for _, x in ref).most_common(1)[0]
        assert v.winner() == want
        assert v.counts == Counter(x for _, x in ref)
        assert len(v) == len(ref)
