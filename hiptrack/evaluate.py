"""Score analyses against labelled clips (``*.labels.json``, schema ``hiptrack-labels/1``).

Metrics, per clip and overall:

* count error (predicted - true), exact and within-one rates, and RepCount's MAE: mean of
  |predicted - true| / true over clips with a true count > 0;
* reps (or holds) counted where there are none;
* timing error of matched reps (start, peak, end; matched by overlap) and hold duration error;
* per-fault precision and recall over matched reps/holds (a fault on an unmatched predicted rep
  is a false positive; on an unmatched true rep a false negative). Only the fault codes the
  labels can contain are scored (``hold_short`` is hiptrack's own judgement, not labelled);
* side accuracy of matched reps where the label gives a side.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hiptrack.errors import HiptrackError
from hiptrack.session import Session

LABEL_SCHEMA = "hiptrack-labels/1"
UNSCORED_FAULTS = frozenset({"hold_short"})


class LabelError(HiptrackError):
    """A labels file is missing or invalid."""


class LabelRep(BaseModel):
    model_config = ConfigDict(extra="allow")
    start_s: float
    peak_s: float
    end_s: float
    hold_s: float = 0.0
    faults: list[str] = Field(default_factory=list)


class LabelHold(BaseModel):
    model_config = ConfigDict(extra="allow")
    start_s: float
    end_s: float
    faults: list[str] = Field(default_factory=list)


class Labels(BaseModel):
    model_config = ConfigDict(extra="allow")
    schema_: str = Field(alias="schema")
    clip: str
    exercise: str
    side: str | None = None
    view: str | None = None
    reps: list[LabelRep] = Field(default_factory=list)
    holds: list[LabelHold] = Field(default_factory=list)
    time_tolerance_s: float | None = None
    source: str | None = None


def load_labels(path: str | Path) -> Labels:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        labels = Labels.model_validate(data)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise LabelError(f"Cannot read labels {path} ({exc}).") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise LabelError(f"{path} is not a valid labels file: {where}: {err['msg']}.") from exc
    if labels.schema_ != LABEL_SCHEMA:
        raise LabelError(f"{path} has schema {labels.schema_!r}; expected {LABEL_SCHEMA!r}.")
    return labels


def find_labels(paths: Sequence[str | Path]) -> list[Path]:
    """Every ``*.labels.json`` in the given files and folders (not recursive), sorted."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(p.glob("*.labels.json")))
        elif p.name.endswith(".labels.json"):
            found.append(p)
        elif p.exists():
            cand = p.with_name(p.stem + ".labels.json")
            if cand.exists():
                found.append(cand)
            else:
                raise LabelError(f"{p} has no {cand.name} beside it. Pass labels files or folders.")
        else:
            raise LabelError(f"No such file or folder: {p}.")
    return found


@dataclass
class Item:
    """One rep or hold, predicted or true, reduced to what is scored."""

    start_s: float
    end_s: float
    peak_s: float
    hold_s: float
    faults: frozenset[str]
    side: str | None = None


@dataclass
class ClipScore:
    clip: str
    exercise: str
    view: str | None
    true_count: int
    pred_count: int
    matched: int = 0
    start_err_s: list[float] = field(default_factory=list)
    peak_err_s: list[float] = field(default_factory=list)
    end_err_s: list[float] = field(default_factory=list)
    hold_err_s: list[float] = field(default_factory=list)
    side_ok: int = 0
    side_n: int = 0
    fault_tp: dict[str, int] = field(default_factory=dict)
    fault_fp: dict[str, int] = field(default_factory=dict)
    fault_fn: dict[str, int] = field(default_factory=dict)
    hold_tolerance_s: float = 0.5
    error: str | None = None

    @property
    def count_error(self) -> int:
        return self.pred_count - self.true_count

    @property
    def holds_in_tolerance(self) -> int:
        """Matched reps or holds whose hold duration is within ``hold_tolerance_s``."""
        return sum(abs(e) <= self.hold_tolerance_s for e in self.hold_err_s)


def _overlap(a: Item, b: Item) -> float:
    inter = min(a.end_s, b.end_s) - max(a.start_s, b.start_s)
    union = max(a.end_s, b.end_s) - min(a.start_s, b.start_s)
    return inter / union if union > 0 else 0.0


def match(true: Sequence[Item], pred: Sequence[Item]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching by temporal overlap (IoU > 0)."""
    pairs = sorted(
        ((_overlap(t, p), i, j) for i, t in enumerate(true) for j, p in enumerate(pred)), reverse=True
    )
    used_t: set[int] = set()
    used_p: set[int] = set()
    out = []
    for iou, i, j in pairs:
        if iou <= 0:
            break
        if i in used_t or j in used_p:
            continue
        used_t.add(i)
        used_p.add(j)
        out.append((i, j))
    return sorted(out)


def _items_true(labels: Labels) -> tuple[list[Item], bool]:
    if labels.holds and not labels.reps:
        return [
            Item(
                h.start_s,
                h.end_s,
                (h.start_s + h.end_s) / 2,
                h.end_s - h.start_s,
                frozenset(h.faults),
                labels.side,
            )
            for h in labels.holds
        ], True
    return [
        Item(r.start_s, r.end_s, r.peak_s, r.hold_s, frozenset(r.faults), labels.side) for r in labels.reps
    ], False


def _items_pred(session: Session, holds: bool) -> list[Item]:
    if holds:
        return [
            Item(
                h.start_s,
                h.end_s,
                (h.start_s + h.end_s) / 2,
                h.duration_s,
                frozenset(h.faults) - UNSCORED_FAULTS,
                h.side,
            )
            for h in session.holds
        ]
    return [
        Item(r.start_s, r.end_s, r.peak_s, r.hold_s, frozenset(r.faults) - UNSCORED_FAULTS, r.side)
        for r in session.reps
    ]


def score_clip(labels: Labels, session: Session, fault_codes: Sequence[str]) -> ClipScore:
    true, holds = _items_true(labels)
    if not holds and labels.exercise == "hip_flexor_stretch":
        holds = True
    pred = _items_pred(session, holds)
    tol = (
        labels.time_tolerance_s
        if labels.time_tolerance_s is not None
        else (1.0 if labels.source == "real" else 0.5)
    )
    sc = ClipScore(labels.clip, labels.exercise, labels.view, len(true), len(pred), hold_tolerance_s=tol)
    codes = [c for c in fault_codes if c not in UNSCORED_FAULTS]
    for c in codes:
        sc.fault_tp[c] = sc.fault_fp[c] = sc.fault_fn[c] = 0
    pairs = match(true, pred)
    sc.matched = len(pairs)
    mt = {i for i, _ in pairs}
    mp = {j for _, j in pairs}
    for i, j in pairs:
        t, p = true[i], pred[j]
        sc.start_err_s.append(p.start_s - t.start_s)
        sc.end_err_s.append(p.end_s - t.end_s)
        sc.peak_err_s.append(p.peak_s - t.peak_s)
        sc.hold_err_s.append(p.hold_s - t.hold_s)
        if t.side in ("left", "right"):
            sc.side_n += 1
            sc.side_ok += int(p.side == t.side)
        for c in codes:
            if c in t.faults and c in p.faults:
                sc.fault_tp[c] += 1
            elif c in p.faults:
                sc.fault_fp[c] += 1
            elif c in t.faults:
                sc.fault_fn[c] += 1
    for j, p in enumerate(pred):
        if j not in mp:
            for c in codes:
                sc.fault_fp[c] += int(c in p.faults)
    for i, t in enumerate(true):
        if i not in mt:
            for c in codes:
                sc.fault_fn[c] += int(c in t.faults)
    return sc


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def summarize(scores: Sequence[ClipScore]) -> dict[str, object]:
    ok = [s for s in scores if s.error is None]
    n = len(ok)
    maes = [abs(s.count_error) / s.true_count for s in ok if s.true_count > 0]
    tp: dict[str, int] = {}
    fp: dict[str, int] = {}
    fn: dict[str, int] = {}
    for s in ok:
        for c in s.fault_tp:
            tp[c] = tp.get(c, 0) + s.fault_tp[c]
            fp[c] = fp.get(c, 0) + s.fault_fp[c]
            fn[c] = fn.get(c, 0) + s.fault_fn[c]
    faults = {}
    for c in sorted(tp):
        if tp[c] + fp[c] + fn[c] == 0:
            continue
        prec = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else None
        rec = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else None
        faults[c] = {"tp": tp[c], "fp": fp[c], "fn": fn[c], "precision": prec, "recall": rec}
    all_tp, all_fp, all_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    hold_errs = [abs(e) for s in ok for e in s.hold_err_s]
    holds_in_tol = sum(s.holds_in_tolerance for s in ok)
    abs_of = lambda name: [abs(e) for s in ok for e in getattr(s, name)]  # noqa: E731
    return {
        "clips": len(scores),
        "failed": len(scores) - n,
        "exact_rate": sum(s.count_error == 0 for s in ok) / n if n else None,
        "within_one_rate": sum(abs(s.count_error) <= 1 for s in ok) / n if n else None,
        "mae_norm": _mean(maes),
        "reps_where_none": sum(s.pred_count for s in ok if s.true_count == 0),
        "matched": sum(s.matched for s in ok),
        "true_total": sum(s.true_count for s in ok),
        "pred_total": sum(s.pred_count for s in ok),
        "start_mae_s": _mean(abs_of("start_err_s")),
        "peak_mae_s": _mean(abs_of("peak_err_s")),
        "end_mae_s": _mean(abs_of("end_err_s")),
        "hold_mae_s": _mean(hold_errs),
        "hold_within_tol_rate": holds_in_tol / len(hold_errs) if hold_errs else None,
        "side_accuracy": (
            sum(s.side_ok for s in ok) / sum(s.side_n for s in ok) if sum(s.side_n for s in ok) else None
        ),
        "fault_precision": all_tp / (all_tp + all_fp) if all_tp + all_fp else None,
        "fault_recall": all_tp / (all_tp + all_fn) if all_tp + all_fn else None,
        "faults": faults,
    }


def clip_row(s: ClipScore) -> dict[str, object]:
    """One clip's scores: mean absolute timing errors, and (``errors``) the signed error of every
    matched rep or hold, predicted minus true, in seconds, for finding which ones are off."""
    d = asdict(s)
    d["count_error"] = s.count_error
    errors = {}
    for k in ("start_err_s", "peak_err_s", "end_err_s", "hold_err_s"):
        errs = d.pop(k)
        d[k.replace("_err_s", "_mae_s")] = _mean([abs(e) for e in errs])
        errors[k.replace("_err_s", "_s")] = [round(e, 3) for e in errs]
    d["errors"] = errors
    d["holds_out_of_tolerance"] = len(s.hold_err_s) - s.holds_in_tolerance
    return d
