"""Shared fixtures: a tiny corpus written for the tests, a model fitted on it, the CLI."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATASETS = REPO.parent / "shared" / "datasets"

# A dozen sentences per label on two targets: enough for the model to learn
# the obvious cues, small enough to fit in a fraction of a second.
TINY_ROWS = [
    ("We strongly support the new treaty and will ratify it.", "the treaty", "aligned"),
    ("The treaty deserves our full backing.", "the treaty", "aligned"),
    ("My government welcomes the treaty as a historic step.", "the treaty", "aligned"),
    ("We endorse the treaty without reservation.", "the treaty", "aligned"),
    ("Ratifying the treaty is the right thing to do.", "the treaty", "aligned"),
    ("We firmly reject the treaty.", "the treaty", "opposed"),
    ("The treaty is a dangerous mistake that we oppose.", "the treaty", "opposed"),
    ("My government condemns this treaty.", "the treaty", "opposed"),
    ("We will vote against the treaty.", "the treaty", "opposed"),
    ("The treaty is a betrayal of our voters.", "the treaty", "opposed"),
    ("The treaty was signed in Vienna in March.", "the treaty", "neutral"),
    ("Delegates will meet on Tuesday to discuss the treaty.", "the treaty", "neutral"),
    ("Our country abstained in the vote on the treaty.", "the treaty", "neutral"),
    ("The text of the treaty runs to forty pages.", "the treaty", "neutral"),
    ("The committee published its timetable for the treaty.", "the treaty", "neutral"),
    ("We strongly support the tax and will vote for it.", "the tax", "aligned"),
    ("The tax is fair and we welcome it.", "the tax", "aligned"),
    ("We back the tax fully.", "the tax", "aligned"),
    ("We oppose the tax and will fight it.", "the tax", "opposed"),
    ("The tax is a disaster that we reject.", "the tax", "opposed"),
    ("We condemn the tax as unfair.", "the tax", "opposed"),
    ("The tax takes effect in January.", "the tax", "neutral"),
    ("Parliament will debate the tax next week.", "the tax", "neutral"),
    ("The ministry published the tax rates today.", "the tax", "neutral"),
]


@pytest.fixture(scope="session")
def tiny_corpus():
    return pd.DataFrame(TINY_ROWS, columns=["text", "target", "label"])


@pytest.fixture(scope="session")
def tiny_estimator(tiny_corpus):
    from stance import StanceClassifier

    return StanceClassifier(calibration_folds=3).fit(tiny_corpus[["text", "target"]], tiny_corpus["label"])


@pytest.fixture(scope="session")
def tiny_csv(tmp_path_factory, tiny_corpus):
    path = tmp_path_factory.mktemp("data") / "tiny.csv"
    tiny_corpus.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def tiny_model_path(tmp_path_factory, tiny_csv):
    """A model trained by the CLI on the tiny corpus (no cross-validation), in the safe format."""
    path = tmp_path_factory.mktemp("model") / "tiny.skops"
    result = run_stance(
        "train",
        "--data",
        str(tiny_csv),
        "--output",
        str(path),
        "--folds",
        "0",
        "--set",
        "calibration_folds=3",
    )
    assert result.returncode == 0, result.stderr
    return path


def stance_command():
    """The installed console script; the tests exercise it as users do."""
    found = shutil.which(
        "stance", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")
    )
    if found is None:
        pytest.fail("the 'stance' command is not installed: run pip install '.[test]' first")
    return found


def run_stance(*args, input=None, cwd=None, env=None):
    """Run the installed ``stance`` command; return the CompletedProcess."""
    return subprocess.run(
        [stance_command(), *args],
        input=input,
        capture_output=True,
        text=isinstance(input, str) or input is None,
        cwd=cwd,
        env=env,
        timeout=300,
    )
