"""Crash safety, interruption, determinism and thread safety."""

import json
import os
import signal
import subprocess
import threading
import time
import zipfile

import numpy as np
import pandas as pd
import pytest
from conftest import run_stance, stance_command

import stance

OLD = "old content\n"


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """About 126,000 rows: several seconds of labelling, so that a kill or an interrupt lands mid-way."""
    corpus = stance.load_corpus()[["text", "target"]]
    path = tmp_path_factory.mktemp("big") / "big.csv"
    pd.concat([corpus] * 20, ignore_index=True).to_csv(path, index=False)
    return path


def start(*args):
    # A session of its own, so that a Ctrl-C can reach the whole process group
    # (the command and any worker processes), as a terminal's does.
    return subprocess.Popen(
        [stance_command(), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def assert_old_or_complete(path, complete):
    content = path.read_text()
    assert content == OLD or complete(content), f"partial file: {len(content)} characters"


@pytest.mark.parametrize("delay", [0.3, 1.5, 3.0, 5.0])
def test_killed_predict_leaves_old_or_complete_output(tmp_path, big_csv, delay):
    out = tmp_path / "labelled.csv"
    out.write_text(OLD)
    # Small chunks: the kill lands while chunks are being written.
    process = start("predict", "--input", str(big_csv), "--output", str(out), "--chunk-rows", "500")
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    rows = len(pd.read_csv(big_csv))
    assert_old_or_complete(out, lambda content: len(pd.read_csv(out)) == rows)


def test_completed_predict_replaces_old_output(tmp_path, big_csv):
    out = tmp_path / "labelled.csv"
    out.write_text(OLD)
    result = run_stance("predict", "--input", str(big_csv), "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(out)) == len(pd.read_csv(big_csv))
    assert [p.name for p in tmp_path.iterdir()] == ["labelled.csv"]


def old_model(folder):
    """A model path whose model, compiled form, metadata and card hold old content."""
    model = folder / "m.skops"
    for path in (model, model.with_suffix(".npz"), model.with_suffix(".json"), model.with_suffix(".md")):
        path.write_text(OLD)
    return model


def train_tiny(tiny_csv, model):
    return [
        "train",
        "--data",
        str(tiny_csv),
        "--output",
        str(model),
        "--force",
        "--folds",
        "0",
        "--set",
        "calibration_folds=3",
    ]


@pytest.mark.parametrize("delay", [0.3, 0.8, 1.2, 1.6, 2.0, 2.5, 3.0])
def test_killed_train_leaves_old_or_complete_files(tmp_path, tiny_csv, delay):
    # A small training run: the kills land during start-up, fitting and writing.
    model = old_model(tmp_path)
    process = start(*train_tiny(tiny_csv, model))
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # Each file is either untouched or complete.
    for archive in (model, model.with_suffix(".npz")):
        assert archive.read_bytes() == OLD.encode() or zipfile.ZipFile(archive).testzip() is None
    metadata = model.with_suffix(".json").read_text()
    assert metadata == OLD or json.loads(metadata)["format"] == "stance-model"
    card = model.with_suffix(".md").read_text()
    assert card == OLD or card.startswith("# Model card") and card.endswith("```\n")
    if OLD not in (metadata, card) and OLD.encode() not in (model.read_bytes(), model.with_suffix(".npz").read_bytes()):
        assert stance.load_model(model).targets


def test_uninterrupted_train_replaces_the_old_model(tmp_path, tiny_csv):
    model = old_model(tmp_path)
    result = run_stance(*train_tiny(tiny_csv, model))
    assert result.returncode == 0, result.stderr
    assert stance.load_model(model).targets == ["the tax", "the treaty"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.md", "m.npz", "m.skops"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_cleanly_and_keeps_the_old_output(tmp_path, big_csv, jobs):
    out = tmp_path / "labelled.csv"
    out.write_text(OLD)
    process = start(
        "predict", "--input", str(big_csv), "--output", str(out), "--jobs", jobs, "--chunk-rows", "1000"
    )
    time.sleep(1.5)
    os.killpg(os.getpgid(process.pid), signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("labelling finished before the interrupt arrived")
    assert process.returncode == 130
    assert stderr.strip().splitlines()[-1] == "stance: interrupted"
    assert "Traceback" not in stderr
    assert out.read_text() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["labelled.csv"]


def test_one_model_in_many_threads_gives_the_same_labels():
    model = stance.load_model()
    corpus = stance.load_corpus().sample(600, random_state=0)
    texts, targets = corpus["text"].tolist(), corpus["target"].tolist()
    expected = model.predict(texts, targets)
    results = {}

    def work(index):
        chunk = slice(index * 50, (index + 1) * 50)
        results[index] = [model.predict(texts[chunk], targets[chunk]) for _ in range(3)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, runs in results.items():
        for labels in runs:
            assert labels == expected[index * 50 : (index + 1) * 50]
    assert len(results) == 12


def test_default_model_loads_once_under_concurrency(monkeypatch):
    from stance import _model

    monkeypatch.setattr(_model, "_default_model", None)
    loaded = []
    original = _model.load_model
    monkeypatch.setattr(_model, "load_model", lambda *a, **k: loaded.append(1) or original(*a, **k))
    threads = [threading.Thread(target=_model.default_model) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loaded == [1]


def test_predictions_do_not_depend_on_the_process(tmp_path):
    # Same labels and probabilities from a fresh process (no hidden state).
    sentences = ["We welcome the decision.", "This is a disaster.", "The vote is on Friday."]
    first = run_stance("predict", *sentences)
    second = run_stance("predict", *sentences)
    assert first.returncode == 0 and first.stdout == second.stdout
    inside = stance.predict_proba(sentences).to_numpy()
    outside = pd.read_csv(pd.io.common.StringIO(first.stdout))[
        ["stance_p_aligned", "stance_p_neutral", "stance_p_opposed"]
    ]
    # The command writes probabilities rounded to 6 decimals.
    np.testing.assert_allclose(inside, outside.to_numpy(), atol=5e-7, rtol=0)
