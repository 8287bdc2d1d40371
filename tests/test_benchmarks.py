"""Public benchmarks, when their data is beside the repository (skipped otherwise).

The data sets are research data that must not be redistributed: they are read
from the folder, never copied into the repository.
"""

import json
import subprocess
import sys

import pytest
from cli_runner import run_cli
from conftest import REPO, SHARED_DATASETS

SEMEVAL = SHARED_DATASETS / "semeval2016_t6"
needs_semeval = pytest.mark.skipif(
    not SEMEVAL.is_dir(), reason="SemEval-2016 data not found beside the repository"
)


@needs_semeval
def test_semeval_per_target_recipe_beats_every_published_system(tmp_path):
    model = tmp_path / "semeval.skops"
    trained = run_cli(
        "train",
        "--data",
        str(SEMEVAL / "train.csv"),
        "--recipe",
        "per-target",
        "--folds",
        "0",
        "--output",
        str(model),
    )
    assert trained.returncode == 0, trained.stderr
    assert json.loads(model.with_suffix(".json").read_text())["recipe"] == "per-target"
    result = run_cli("evaluate", "--data", str(SEMEVAL / "test.csv"), "--model", str(model), "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["texts"] == 1249
    # Above the organisers' SVM (68.98) and every SemEval-2016 team.
    assert report["f_avg"] >= 0.70


def test_benchmark_without_data_says_so_and_exits_cleanly(tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "semeval2016.py"), "--data-dir", str(tmp_path / "absent")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0
    assert "benchmark data not found" in result.stdout


def test_unknown_recipe_is_a_usage_error(tmp_path, tiny_csv):
    result = run_cli(
        "train", "--data", str(tiny_csv), "--output", str(tmp_path / "m.joblib"), "--recipe", "magic"
    )
    assert result.returncode == 2 and "invalid choice" in result.stderr
