"""The ``stance`` command: run in this process (``run_cli``), and as installed (``run_stance``).

The installed command is started in a new process only where that is the
point: its help, ``python -m stance``, an exit status, a pipe, and finding
the packaged model from any folder. Everything else calls the same ``main``
in this process, which is as exact and much faster.
"""

import io
import json
import sys

import pandas as pd
import pytest
from cli_runner import run_cli
from conftest import REPO, run_stance


def assert_one_line_error(result, status, pattern):
    assert result.returncode == status, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert pattern in lines[0], lines[0]


@pytest.mark.parametrize(
    "command", [[], ["predict"], ["analyze"], ["train"], ["evaluate"], ["info"], ["export"]]
)
def test_help_everywhere(command):
    result = run_cli(*command, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: stance")


def test_the_installed_command_helps_and_exits_2_on_a_usage_error():
    result = run_stance("--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: stance")
    assert_one_line_error(run_stance("predict", "--frobnicate"), 2, "unrecognized arguments")


def test_python_dash_m_is_the_same_command():
    import subprocess

    result = subprocess.run([sys.executable, "-m", "stance", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.startswith("stance ")


@pytest.mark.parametrize(
    "args, pattern",
    [
        (["frobnicate"], "invalid choice"),
        (["predict", "--frobnicate"], "unrecognized arguments"),
        ([], "required"),
        (["predict", "x", "--input", "y.csv"], "not both"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args, pattern):
    assert_one_line_error(run_cli(*args), 2, pattern)


def test_predict_arguments_write_csv():
    result = run_cli(
        "predict", "We welcome the agreement.", "The talks resume today.", "--target", "the Paris Agreement"
    )
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout))
    assert table.columns.tolist() == [
        "text",
        "stance_label",
        "stance_p_aligned",
        "stance_p_neutral",
        "stance_p_opposed",
        "stance_flag",
    ]
    assert table["stance_label"].tolist() == ["aligned", "neutral"]


def test_predict_stdin_text_lines_keep_blank_rows():
    # Through a pipe into the installed command, as 'printf ... | stance predict'.
    result = run_stance("predict", input="We condemn the invasion.\n\nThe vote is on Friday.\n")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)
    assert len(table) == 3
    assert table["stance_flag"].tolist() == ["", "blank text", ""]


def test_predict_file_keeps_gold_label_column_order_and_rows(tmp_path, tiny_corpus):
    path = tmp_path / "input.csv"
    frame = tiny_corpus.assign(stance_label="gold")
    frame.to_csv(path, index=False)
    out = tmp_path / "out.jsonl"
    result = run_cli("predict", "--input", str(path), "--output", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_json(out, lines=True)
    assert table["text"].tolist() == frame["text"].tolist()
    assert table["label"].tolist() == frame["label"].tolist()
    assert (table["stance_label"] == "gold").all()
    assert set(table["stance_label_2"]) <= {"aligned", "neutral", "opposed"}


def test_predict_uses_target_column(tmp_path):
    path = tmp_path / "input.csv"
    pd.DataFrame({"sentence": ["We will never accept this."], "about": ["the Paris Agreement"]}).to_csv(
        path, index=False
    )
    result = run_cli("predict", "-i", str(path), "--text-column", "sentence", "--target-column", "about")
    assert result.returncode == 0, result.stderr
    assert "opposed" in result.stdout


def test_predict_unknown_column_exit_2_lists_columns(tmp_path, tiny_csv):
    result = run_cli("predict", "--input", str(tiny_csv), "--text-column", "sentence")
    assert_one_line_error(result, 2, "available columns: text, target, label")


@pytest.mark.parametrize(
    "make, pattern",
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: p.write_bytes(b"text\n\xff\xfe broken\n"), "not valid UTF-8 on line 2"),
    ],
)
def test_predict_bad_files_exit_1_with_one_line(tmp_path, make, pattern):
    path = tmp_path / "input.csv"
    make(path)
    assert_one_line_error(run_cli("predict", "--input", str(path)), 1, pattern)


def test_predict_output_in_missing_folder(tmp_path, tiny_csv):
    result = run_cli("predict", "--input", str(tiny_csv), "--output", str(tmp_path / "no" / "out.csv"))
    assert_one_line_error(result, 1, "does not exist")


def test_predict_bad_model_file(tmp_path):
    path = tmp_path / "model.joblib"
    path.write_bytes(b"garbage")
    assert_one_line_error(run_cli("predict", "hi", "--model", str(path)), 1, "no metadata file")


def test_analyze_file_and_stdin(tmp_path):
    doc = "The ministry spoke on Monday. It said the government strongly supports the sanctions."
    path = tmp_path / "doc.txt"
    path.write_text(doc)
    for args, stdin in (([str(path)], None), (["-"], doc)):
        result = run_cli("analyze", *args, "--target", "sanctions against Russia", input=stdin)
        assert result.returncode == 0, result.stderr
        assert "overall stance: aligned" in result.stdout
        assert "sentences: 2" in result.stdout


def test_analyze_csv_output_has_offsets(tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("One sentence here. And another one.")
    result = run_cli("analyze", str(path), "--output-format", "csv")
    table = pd.read_csv(io.StringIO(result.stdout))
    assert table[["start", "end"]].values.tolist() == [[0, 18], [19, 35]]
    assert "overall stance" in result.stderr


def test_train_writes_model_metadata_and_card_and_refuses_overwrite(tmp_path, tiny_csv):
    out = tmp_path / "m.joblib"
    args = [
        "train",
        "--data",
        str(tiny_csv),
        "--output",
        str(out),
        "--folds",
        "2",
        "--set",
        "calibration_folds=2",
    ]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert "macro-F1" in result.stdout and "grouped by target" in result.stdout
    assert out.exists() and out.with_suffix(".json").exists() and out.with_suffix(".md").exists()
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["training_data"]["sha256"] and meta["hyperparameters"]["calibration_folds"] == 2
    before = out.read_bytes()
    assert_one_line_error(run_cli(*args), 2, "--force")
    assert out.read_bytes() == before
    assert run_cli(*args, "--force").returncode == 0


def test_train_unknown_labels_suggest_label_map(tmp_path):
    path = tmp_path / "d.csv"
    pd.DataFrame({"text": list("abcdef"), "label": ["yes", "no"] * 3}).to_csv(path, index=False)
    result = run_cli("train", "--data", str(path), "--output", str(tmp_path / "m.joblib"))
    assert_one_line_error(result, 1, "--label-map")


@pytest.mark.parametrize("spec", ["yes=positive", "yes"])
def test_train_invalid_label_map_exit_2(tmp_path, tiny_csv, spec):
    result = run_cli(
        "train", "--data", str(tiny_csv), "--output", str(tmp_path / "m.joblib"), "--label-map", spec
    )
    assert_one_line_error(result, 2, "invalid --label-map")


def test_train_unknown_setting_exit_2(tmp_path, tiny_csv):
    result = run_cli(
        "train", "--data", str(tiny_csv), "--output", str(tmp_path / "m.joblib"), "--set", "gamma=2"
    )
    assert_one_line_error(result, 2, "unknown setting 'gamma'")


def test_train_with_label_map_and_other_columns(tmp_path, tiny_corpus):
    path = tmp_path / "semeval_like.tsv"
    frame = tiny_corpus.rename(columns={"text": "Tweet", "target": "Target", "label": "Stance"})
    frame["Stance"] = frame["Stance"].map({"aligned": "YES", "opposed": "NO", "neutral": "MEH"})
    frame.to_csv(path, sep="\t", index=False)
    result = run_cli(
        "train",
        "-d",
        str(path),
        "-o",
        str(tmp_path / "m.joblib"),
        "--folds",
        "0",
        "--set",
        "calibration_folds=2",
        "--text-column",
        "Tweet",
        "--target-column",
        "Target",
        "--label-column",
        "Stance",
        "--label-map",
        "YES=aligned,NO=opposed,MEH=neutral",
    )
    assert result.returncode == 0, result.stderr


def test_evaluate_prints_every_score(tiny_csv, tiny_model_path):
    result = run_cli("evaluate", "--data", str(tiny_csv), "--model", str(tiny_model_path))
    assert result.returncode == 0, result.stderr
    for word in ("accuracy", "macro-F1", "F_avg", "precision", "confusion", "the treaty"):
        assert word in result.stdout
    report = json.loads(
        run_cli("evaluate", "-d", str(tiny_csv), "--model", str(tiny_model_path), "--json").stdout
    )
    assert report["texts"] == 24 and set(report["per_target"]) == {"the tax", "the treaty"}


def test_info_describes_a_model(tiny_model_path):
    result = run_cli("info", "--model", str(tiny_model_path))
    assert result.returncode == 0, result.stderr
    assert "the treaty" in result.stdout and "labels      aligned, neutral, opposed" in result.stdout
    meta = json.loads(run_cli("info", "--model", str(tiny_model_path), "--json").stdout)
    assert meta["artifact"]["file"] == "tiny.skops"


def test_installed_command_finds_the_default_model_from_anywhere(tmp_path):
    result = run_stance("info", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "stance-v7" in result.stdout
    assert "cross-validated" in result.stdout


def test_bundled_example_document_runs():
    result = run_cli("analyze", str(REPO / "examples" / "statement.txt"))
    assert result.returncode == 0, result.stderr
    assert "overall stance:" in result.stdout


@pytest.mark.parametrize("command", ["predict", "suggest"])
def test_target_over_a_target_column_says_the_column_is_not_read(tmp_path, command):
    path = tmp_path / "in.csv"
    pd.DataFrame({"text": ["We back the levy."], "target": ["the levy"]}).to_csv(path, index=False)
    result = run_cli(command, "-i", str(path), "--target", "the gizmo fee")
    assert result.returncode == 0, result.stderr
    assert "--target 'the gizmo fee' is every row's target; the input's 'target' column is not read" in result.stderr


def test_profiles_that_no_rows_target_names_are_warned_of(tmp_path):
    profiles = tmp_path / "p.toml"
    profiles.write_text('[[target]]\nname = "The Widgit Levy"\n[[target]]\nname = "the tariff"\n'
                        '[[target]]\nname = "the gizmo fee"\nopponents = ["Sylvania"]\n'
                        '[[target]]\nname = "ending the duty"\nallies = ["Freedonia"]\n'
                        '[[target]]\nname = "1984"\n')
    data = tmp_path / "in.jsonl"
    rows = [("We back it.", "the widget levy"), ("We condemn Sylvania.", "ending the gizmo fee"),
            ("We praise Freedonia.", "ending the duty"), ("We back it.", 1984)]
    pd.DataFrame(rows, columns=["text", "target"]).assign(label="aligned").to_json(data, orient="records", lines=True)
    # Used: "the gizmo fee" as the base of a reversal, "ending the duty" by its own name (read as the
    # duty's), "1984" by a number's text. "The Widgit Levy" misspells a row's target; "the tariff"
    # is only unused.
    typo = f"warning: profiles in {profiles} that no row's target named: 'The Widgit Levy' (is it the rows' 'the widget levy'?)"
    for command in (["predict", "-i", str(data)], ["evaluate", "-d", str(data)]):
        result = run_cli(*command, "--targets", str(profiles))
        assert result.returncode == 0, result.stderr
        assert result.stderr.strip().splitlines() == [f"stance: {typo}"], result.stderr
    result = run_cli("predict", "-i", str(data), "--targets", str(profiles), "-v")
    assert f"2 of the 5 profiles in {profiles} named no row's target: 'The Widgit Levy', 'the tariff'" in result.stderr
    result = run_cli("predict", "We back it.", "-t", "sanctions against Russia", "--targets", str(profiles))
    assert f"warning: none of the 5 profiles in {profiles} named a row's target" in result.stderr


def test_predict_target_and_target_column_conflict():
    result = run_cli("predict", "x", "--target", "a", "--target-column", "about")
    assert_one_line_error(result, 2, "not both")


def test_model_from_other_scikit_learn_warns_in_one_line(tmp_path, tiny_model_path):
    import shutil

    model = tmp_path / "old.skops"
    shutil.copy(tiny_model_path, model)
    shutil.copy(tiny_model_path.with_suffix(".npz"), model.with_suffix(".npz"))
    meta = json.loads(tiny_model_path.with_suffix(".json").read_text())
    meta["versions"]["scikit-learn"] = "0.0.1"
    model.with_suffix(".json").write_text(json.dumps(meta))
    # Labelling reads only the compiled arrays, which scikit-learn does not
    # affect; exporting reads the estimator, and warns.
    result = run_cli("predict", "--model", str(model), "We back it.")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    result = run_cli("export", "--model", str(model), "--output", str(tmp_path / "new.skops"))
    assert result.returncode == 0
    warnings = [line for line in result.stderr.splitlines() if "scikit-learn 0.0.1" in line]
    assert len(warnings) == 1 and warnings[0].startswith("stance: warning:")
    assert "Traceback" not in result.stderr


def test_export_to_skops_and_load_it_safely(tmp_path):
    out = tmp_path / "shared.skops"
    result = run_cli("export", "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert out.with_suffix(".json").exists() and out.with_suffix(".md").exists()
    text = "We welcome the new sanctions package."
    shipped = run_cli("predict", text, "--target", "sanctions against Russia")
    exported = run_cli("predict", text, "--target", "sanctions against Russia", "--model", str(out))
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == shipped.stdout
    assert_one_line_error(run_cli("export", "--output", str(out)), 2, "--force")
    assert_one_line_error(
        run_cli("export", "--output", str(tmp_path / "x.joblib")), 2, "must end in .skops"
    )


def test_joblib_model_needs_trust_model(tmp_path, tiny_model_path):
    joblib_model = tmp_path / "tiny.joblib"
    assert (
        run_cli(
            "export", "--model", str(tiny_model_path), "--format", "joblib", "--output", str(joblib_model)
        ).returncode
        == 0
    )
    assert_one_line_error(run_cli("predict", "hi", "--model", str(joblib_model)), 1, "--trust-model")
    assert run_cli("predict", "hi", "--model", str(joblib_model), "--trust-model").returncode == 0


def test_predict_with_two_jobs_matches_one_job(tmp_path):
    corpus = pd.read_csv(REPO / "stance" / "data" / "corpus.csv").head(700)
    path = tmp_path / "in.csv"
    corpus.to_csv(path, index=False)
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.csv"
        result = run_cli("predict", "-i", str(path), "-o", str(out), "--chunk-rows", "100", "--jobs", jobs)
        assert result.returncode == 0, result.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert len(pd.read_csv(tmp_path / "out2.csv")) == 700


@pytest.mark.parametrize("argv", [["--help"], ["predict", "--help"], ["--version"]])
def test_help_and_version_to_a_full_disk_fail_with_one_line(argv, monkeypatch, capsys):
    # argparse ignores a failed write: the command ended with 0, having printed nothing.
    import contextlib

    from stance.cli import main

    full = open("/dev/full", "w")
    monkeypatch.setattr(sys, "stdout", full)
    status = main(argv)
    monkeypatch.undo()
    with contextlib.suppress(OSError):  # what is left in its buffer cannot be written either
        full.close()
    assert status == 1
    err = capsys.readouterr().err
    assert "cannot write to standard output" in err and err.count("\n") == 1
