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
    from cli_runner import run_cli

    path = tmp_path_factory.mktemp("model") / "tiny.skops"
    result = run_cli(
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


#: Rows per target and label of the small corpus: every target and label, a sixth of the rows.
SMALL_CORPUS_ROWS = 6


def write_small_corpus(path):
    """Write a sample of the bundled corpus to ``path``: every column, target and label, fewer rows.

    Training on the whole corpus takes about ten seconds a fit; tests of what
    training *with* the corpus does (``--with-corpus``, the notebooks, the
    README's examples) run the same code on this sample in a fraction of
    that. ``tests/test_training.py`` trains on the whole corpus and checks
    that the result is the shipped model.
    """
    import stance

    corpus = stance.load_corpus()
    # Every row of a target and label that has fewer (the targets added with version 4 have few).
    sizes = corpus.groupby(["target", "label"])["text"].transform("size")
    many = corpus[sizes >= SMALL_CORPUS_ROWS]
    sample = pd.concat(
        [
            many.groupby(["target", "label"], group_keys=False).sample(n=SMALL_CORPUS_ROWS, random_state=0),
            corpus[sizes < SMALL_CORPUS_ROWS],
        ]
    )
    sample.sort_index().to_csv(path, index=False)
    return path


def small_corpus_code(path):
    """Python that makes the bundled corpus, for the rest of the process, the sample at ``path``."""
    return f"import pathlib, stance._training; stance._training.corpus_path = lambda: pathlib.Path({str(path)!r})"


@pytest.fixture(scope="session")
def small_corpus_csv(tmp_path_factory):
    return write_small_corpus(tmp_path_factory.mktemp("corpus") / "corpus.csv")


@pytest.fixture
def small_bundled_corpus(monkeypatch, small_corpus_csv):
    """For this test, the bundled corpus (``stance.load_corpus``, ``--with-corpus``) is the small sample."""
    import stance._training

    monkeypatch.setattr(stance._training, "corpus_path", lambda: small_corpus_csv)
    return small_corpus_csv


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
