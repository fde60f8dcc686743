"""Bad configuration: unknown exercises, invalid spec/labels/prescription files, unknown options.

Every case ends in one sentence that names what is wrong (the field path for files) and a
non-zero exit, before any video is opened.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hiptrack.cli import main
from hiptrack.evaluate import LabelError, load_labels
from hiptrack.spec import SpecError, builtin_ids, load_spec_file
from tests.hostile_media import SAMPLES

VIDEO = str(SAMPLES / "dev_cs_1.mp4")

GOOD_SPEC = (Path(__file__).parent.parent / "hiptrack" / "specs" / "clamshell.toml").read_text()
VIEW_LINE = re.compile(r"(?m)^view_depth_signal = .*")  # the spec's view signal line
SIG = re.findall(r'^signal = "[^"]+"', GOOD_SPEC, re.MULTILINE)[0]  # the main signal, whatever it is today


def cli_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_unknown_exercise_lists_the_valid_ones(capsys: pytest.CaptureFixture[str]) -> None:
    err = cli_error(["analyze", VIDEO, "-e", "squat"], capsys)
    assert "Unknown exercise 'squat'" in err
    assert all(i in err for i in builtin_ids())


def test_no_exercise_says_how_to_choose(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--exercise ID" in cli_error(["analyze", VIDEO], capsys)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["analyze", VIDEO, "-e", "clamshell", "--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["analyze", VIDEO, "-e", "clamshell", "--side", "middle"], "invalid choice: 'middle'"),
        (["analyze", VIDEO, "-e", "clamshell", "--jobs", "two"], "invalid int value: 'two'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
    ],
)
def test_unknown_options(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


SPEC_CASES = [
    ("spec.toml", GOOD_SPEC.replace("start_delta = ", "start_delta = -"), "main.start_delta: Input should"),
    ("spec.toml", GOOD_SPEC.replace('id = "clamshell"', 'id = "Clam Shell!"'), "id: String should match"),
    ("spec.toml", GOOD_SPEC + "\nunknown_field = 1\n", "unknown_field: Extra inputs are not permitted"),
    ("spec.toml", GOOD_SPEC.replace(SIG, 'signal = "nope"', 1), "unknown signal 'nope'"),
    ("spec.toml", GOOD_SPEC.replace(SIG, f'{SIG}\ndeep_view_signal = "x"', 1), "deep_view_signal: Value"),
    ("spec.toml", GOOD_SPEC.replace(SIG, f"{SIG}\nengaged_rest = 1.0", 1), "Value error, 'engaged_rest'"),
    ("spec.toml", GOOD_SPEC.replace("[main]", "[main\n"), "is not valid TOML"),
    ("spec.toml", VIEW_LINE.sub("view_depth_signal = 1", GOOD_SPEC), "view_depth_signal: Input should be"),
    ("spec.toml", "", "name: Field required"),
    ("spec.yaml", "id: [unclosed\n", "is not valid YAML"),
    ("spec.yaml", "- a list\n- not a table\n", "expected a table of fields"),
    ("spec.yaml", "id: x\nmain: {signal: knee_opening_deg}\n", "main.start_delta: Field required"),
    ("spec.toml", b"\xff\xfe binary", "Pass a UTF-8 TOML or YAML file"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "message"), SPEC_CASES)
def test_invalid_spec_names_the_field(tmp_path: Path, name: str, text: str | bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace("[", r"\[")) as exc:
        load_spec_file(path)
    assert str(path) in str(exc.value)


def test_invalid_spec_through_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "mine.toml"
    spec.write_text(GOOD_SPEC.replace("min_rom = ", "min_rom = -"))
    err = cli_error(["analyze", VIDEO, "--spec", str(spec)], capsys)
    assert err.startswith("hiptrack: error: ") and "main.min_rom" in err and err.count("\n") == 1


def test_missing_spec_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "No such file" in cli_error(["analyze", VIDEO, "--spec", str(tmp_path / "nope.toml")], capsys)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"schema": "hiptrack-labels/1", "clip": "a.mp4"}', "exercise: Field required"),
        ('{"schema": "hiptrack-labels/1", "clip": "a.mp4", "exercise": "x", "reps": [{}]}', "reps.0.start_s"),
        ('{"schema": "other/2", "clip": "a.mp4", "exercise": "x"}', "expected 'hiptrack-labels/1'"),
        ("[1, 2]", "(top level)"),
        ("{not json", "Cannot read labels"),
    ],
)
def test_invalid_labels_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "a.labels.json"
    path.write_text(text)
    with pytest.raises(LabelError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_labels(path)


PRESCRIPTION_CASES = [
    ("rx.toml", "[exercises.clamshell]\nsides = ['left']\nreps = -3\n", "exercises.clamshell.reps"),
    ("rx.toml", "[exercises.clamshell]\nsides = ['middle']\n", "exercises.clamshell.sides"),
    ("rx.toml", "exercises = 3\n", "exercises"),
    ("rx.yaml", "exercises: {clamshell: {sides: [left], reps: ten}}\n", "exercises.clamshell.reps"),
    ("rx.yaml", "exercises: [\n", "not valid YAML"),
]


@pytest.mark.parametrize(("name", "text", "message"), PRESCRIPTION_CASES)
def test_invalid_prescription_names_the_field(tmp_path: Path, name: str, text: str, message: str) -> None:
    mod = pytest.importorskip("hiptrack.prescription", reason="hiptrack.prescription not merged yet")
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(mod.PrescriptionError, match=message):
        mod.load_prescription(path)


def test_batch_clip_with_an_unknown_exercise_in_its_labels(tmp_path: Path) -> None:
    """In a folder, a bad per-clip exercise fails that clip only, with the valid ids."""
    from hiptrack.batch import ClipJob, analyze_clip, clip_args
    from hiptrack.cli import build_parser

    video = tmp_path / "clip.mp4"
    video.write_bytes((SAMPLES / "dev_rcs_1.mp4").read_bytes()[:2000])
    (tmp_path / "clip.labels.json").write_text(
        '{"schema": "hiptrack-labels/1", "clip": "clip.mp4", "exercise": "squat"}'
    )
    args = build_parser().parse_args(["analyze", str(tmp_path)])
    out = tmp_path / "out"
    out.mkdir()
    res = analyze_clip(ClipJob(str(video), "clip", str(out), clip_args(args, video, "clip", out)))
    assert res.status == "failed"
    assert res.reason is not None and "Unknown exercise 'squat'" in res.reason and "clamshell" in res.reason


def test_jobs_must_be_positive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "--jobs must be at least 1" in cli_error(["analyze", str(tmp_path), "--jobs", "0"], capsys)
