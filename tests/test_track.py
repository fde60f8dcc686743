"""Pose tracks: write -> load -> replay is exact within float32; bad files give a clear TrackError."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hiptrack.landmarks import NUM_LANDMARKS
from hiptrack.pose import Pose
from hiptrack.track import TRACK_FORMAT, PoseTrack, TrackError


def random_pose(rng: np.random.Generator, t_ms: float) -> Pose:
    return Pose(
        t_ms=t_ms,
        xy_px=rng.uniform(0, 1280, (NUM_LANDMARKS, 2)),
        z_rel=rng.normal(0, 100, NUM_LANDMARKS),
        world_m=rng.normal(0, 0.5, (NUM_LANDMARKS, 3)),
        visibility=rng.uniform(0, 1, NUM_LANDMARKS),
        presence=rng.uniform(0, 1, NUM_LANDMARKS),
        image_wh=(1280, 720),
    )


def sample_track(n: int = 50) -> PoseTrack:
    rng = np.random.default_rng(0)
    rows: list[tuple[float, Pose | None]] = []
    for i in range(n):
        t = i * 1001 / 30  # 29.97 fps: timestamps must survive exactly
        rows.append((t, None if i % 7 == 3 else random_pose(rng, t)))
    return PoseTrack.from_frames(rows, {"source": "synthetic", "width": 1280, "height": 720, "fps": 29.97})


def assert_same_replay(a: PoseTrack, b: PoseTrack) -> None:
    assert len(a) == len(b)
    for (ta, pa), (tb, pb) in zip(a, b, strict=True):
        assert ta == tb
        assert (pa is None) == (pb is None)
        if pa is None or pb is None:
            continue
        for name in ("xy_px", "z_rel", "world_m", "visibility", "presence"):
            x, y = getattr(pa, name), getattr(pb, name)
            np.testing.assert_allclose(y, x.astype(np.float32), rtol=0, atol=0, err_msg=name)
        assert pa.image_wh == pb.image_wh


@pytest.mark.parametrize("n", [0, 1, 50])
def test_round_trip(tmp_path: Path, n: int) -> None:
    track = sample_track(n)
    loaded = PoseTrack.load(track.save(tmp_path / "t.npz"))
    assert_same_replay(track, loaded)
    assert loaded.meta["format"] == TRACK_FORMAT
    assert loaded.meta["source"] == "synthetic"
    np.testing.assert_array_equal(loaded.found, track.found)
    assert not list(tmp_path.glob(".t.npz.*"))  # the temporary file was renamed away


def _save_raw(path: Path, **arrays: object) -> Path:
    with path.open("wb") as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]
    return path


def _arrays(track: PoseTrack, meta: dict[str, object] | None = None) -> dict[str, object]:
    return {
        "t_ms": track.t_ms,
        "found": track.found,
        "xy_px": track.xy_px,
        "z_rel": track.z_rel,
        "world_m": track.world_m,
        "visibility": track.visibility,
        "presence": track.presence,
        "meta": np.array(json.dumps(meta if meta is not None else {"format": TRACK_FORMAT})),
    }


def test_bad_files_give_track_error(tmp_path: Path) -> None:
    track = sample_track(5)
    cases: dict[str, Path] = {}
    cases["missing"] = tmp_path / "missing.npz"
    cases["noise"] = tmp_path / "noise.npz"
    cases["noise"].write_bytes(np.random.default_rng(0).bytes(1000))
    cases["truncated"] = tmp_path / "cut.npz"
    full = track.save(tmp_path / "full.npz").read_bytes()
    cases["truncated"].write_bytes(full[: len(full) // 2])
    a = _arrays(track)
    del a["presence"]
    cases["missing array"] = _save_raw(tmp_path / "noarr.npz", **a)
    a = _arrays(track)
    a["xy_px"] = track.xy_px[:, :17]
    cases["wrong shape"] = _save_raw(tmp_path / "shape.npz", **a)
    a = _arrays(track)
    a["t_ms"] = track.t_ms[:-1]
    cases["wrong length"] = _save_raw(tmp_path / "len.npz", **a)
    cases["other format"] = _save_raw(tmp_path / "other.npz", **_arrays(track, {"format": "something"}))
    cases["meta not json"] = _save_raw(tmp_path / "meta.npz", **{**_arrays(track), "meta": np.array("{oops")})
    for name, path in cases.items():
        with pytest.raises(TrackError, match="hiptrack pose VIDEO --out") as exc_info:
            PoseTrack.load(path)
        assert "\n" not in str(exc_info.value), name


def test_newer_format_says_upgrade(tmp_path: Path) -> None:
    path = _save_raw(tmp_path / "v2.npz", **_arrays(sample_track(3), {"format": "hiptrack-track/2"}))
    with pytest.raises(TrackError, match="Upgrade hiptrack"):
        PoseTrack.load(path)


def test_pickled_arrays_are_refused(tmp_path: Path) -> None:
    a = _arrays(sample_track(3))
    a["found"] = np.array([object()] * 3, dtype=object)
    with pytest.raises(TrackError):
        PoseTrack.load(_save_raw(tmp_path / "pickle.npz", **a))


def test_save_into_missing_folder_is_a_track_error(tmp_path: Path) -> None:
    with pytest.raises(TrackError, match="folder exists"):
        sample_track(2).save(tmp_path / "nope" / "t.npz")
