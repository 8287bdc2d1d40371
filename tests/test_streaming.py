"""Training on data larger than memory: the streaming estimator, its file driver and its command."""

import io
import json
import os
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pandas as pd
import pytest
from cli_runner import run_cli

import stance
from stance._errors import DataError, UsageError
from stance._featuriser import Featuriser, HashingFeaturiser
from stance._persistence import save_model
from stance._stream_training import held_out_rows, sampled_rows, train_streaming
from stance._streaming import StreamingStanceClassifier
from stance._text import load_lexicon
from stance._training import corpus_path, corpus_training_rows, prepare_training_data
from stance.cli import main

# Small hashed blocks keep the tests fast; the results hold for any size.
SMALL = {"n_features": 2**16, "epochs": 3}


@pytest.fixture(scope="module")
def corpus_sample(tmp_path_factory):
    """900 rows of the bundled corpus, in a CSV, and the same rows prepared."""
    rows = stance.load_corpus().sample(900, random_state=3).reset_index(drop=True)
    path = tmp_path_factory.mktemp("streaming") / "sample.csv"
    rows.to_csv(path, index=False)
    data, _ = prepare_training_data(rows)
    return path, data


def streamed(path, chunk_rows, **settings):
    estimator = StreamingStanceClassifier(**{**SMALL, "batch_rows": 100, **settings})
    model, metadata, _ = train_streaming(path, estimator=estimator, chunk_rows=chunk_rows, compare_rows=0)
    return model, metadata


def test_hashed_features_are_the_vocabulary_features_in_other_columns(tiny_corpus):
    # The hashing backend is the featuriser's: the same features with the
    # same values, in hashed columns (none of these collide in 2**22).
    texts = [
        *tiny_corpus["text"],
        "We will NOT support it, but 2017 was fine!",
        "#StopTheTax now: we won't back it; hardly a success?",
    ]
    chars = (2, 4)
    vocabulary = Featuriser.fit(texts, [None] * len(texts), lexicon=load_lexicon(), char_ngram_range=chars)
    hashing = HashingFeaturiser(n_features=2**22, lexicon=load_lexicon(), char_ngram_range=chars)
    hashing.count(texts)
    hashing.fix_idf()
    names = hashing.feature_names(texts)
    by_name = {(feature, source): column for column, entries in names.items() for feature, source in entries}
    assert len(set(by_name.values())) == len(by_name)  # no collisions
    expected = set()
    for row, column, value in zip(*vocabulary.transform(texts)):
        expected.add((row, by_name[vocabulary.feature_name(column)], value))
    assert set(zip(*hashing.transform(texts))) == expected


def test_hashed_columns_are_the_same_in_every_process():
    # Python's hash() of a string changes with each process; the columns must not.
    script = (
        "from stance._featuriser import HashingFeaturiser\n"
        "f = HashingFeaturiser(n_features=2**20)\n"
        "f.add_targets(['the treaty'])\n"
        "print(sorted(f.transform(['We do not back the treaty.'], ['the treaty'])[1].tolist()))\n"
    )
    columns = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout  # fmt: skip
        for seed in ("1", "2")
    }
    here = HashingFeaturiser(n_features=2**20)
    here.add_targets(["the treaty"])
    assert columns == {
        f"{sorted(here.transform(['We do not back the treaty.'], ['the treaty'])[1].tolist())}\n"
    }


def test_the_model_does_not_depend_on_the_chunk_size(corpus_sample):
    path, data = corpus_sample
    inputs = data[["text", "target"]]
    one_chunk, metadata = streamed(path, chunk_rows=10_000)
    for chunk_rows in (37,):  # chunks that straddle the blocks of 100 rows
        model, other = streamed(path, chunk_rows=chunk_rows)
        assert model.n_blocks_ == one_chunk.n_blocks_ == 3 * 9  # 810 training rows, blocks of 100, 3 epochs
        np.testing.assert_array_equal(model.predict_proba(inputs), one_chunk.predict_proba(inputs))
        assert other["metrics"] == metadata["metrics"]
        assert other["targets"] == metadata["targets"]


def test_streaming_from_a_file_equals_fitting_the_same_rows_in_memory(corpus_sample):
    path, data = corpus_sample
    model, metadata = streamed(path, chunk_rows=64)
    held = held_out_rows(0, len(data))
    assert held.sum() == metadata["streaming"]["held_out"]["rows"] == 90
    in_memory = StreamingStanceClassifier(**SMALL, batch_rows=100).fit(
        data.loc[~held, ["text", "target"]], data.loc[~held, "label"]
    )
    inputs = data[["text", "target"]]
    np.testing.assert_array_equal(model.predict_proba(inputs), in_memory.predict_proba(inputs))
    assert model.targets_ == in_memory.targets_
    assert model.class_weights_ == in_memory.class_weights_
    # The held-out scores are the in-memory model's scores on those rows.
    predicted = in_memory.predict(data.loc[held, ["text", "target"]])
    accuracy = float(np.mean(predicted == data.loc[held, "label"].to_numpy()))
    assert metadata["metrics"]["held_out"]["accuracy"] == pytest.approx(accuracy)


def test_training_twice_gives_the_same_model(tiny_corpus):
    inputs, labels = tiny_corpus[["text", "target"]], tiny_corpus["label"]
    first = StreamingStanceClassifier(**SMALL, batch_rows=5).fit(inputs, labels)
    second = StreamingStanceClassifier(**SMALL, batch_rows=5).fit(inputs, labels)
    np.testing.assert_array_equal(first.predict_proba(inputs), second.predict_proba(inputs))
    # A different seed shuffles the blocks differently: the model changes.
    other = StreamingStanceClassifier(**SMALL, batch_rows=5, random_state=1).fit(inputs, labels)
    assert not np.array_equal(first.predict_proba(inputs), other.predict_proba(inputs))


def test_memory_holds_a_chunk_or_a_block_never_the_file(corpus_sample):
    path, _ = corpus_sample
    sizes = {"scan": [], "partial_fit": []}

    class Spy(StreamingStanceClassifier):
        def scan(self, X, y=None):
            sizes["scan"].append(len(X))
            return super().scan(X, y)

        def partial_fit(self, X, y, classes=None, sample_weight=None):
            sizes["partial_fit"].append(len(X))
            return super().partial_fit(X, y, classes, sample_weight)

    train_streaming(path, estimator=Spy(**SMALL, batch_rows=100), chunk_rows=50, compare_rows=0)
    assert max(sizes["scan"]) <= 50 and sum(sizes["scan"]) == 810
    # Blocks of batch_rows rows, whatever the chunks; the last of an epoch is what is left.
    assert sizes["partial_fit"] == [100] * 8 + [10] + [100] * 8 + [10] + [100] * 8 + [10]


def test_saved_models_label_as_the_model_in_memory(tmp_path, corpus_sample):
    path, data = corpus_sample
    model, metadata = streamed(path, chunk_rows=1000)
    inputs = data[["text", "target"]]
    expected = model.predict_proba(inputs)
    for name in ("safe.skops", "fast.joblib"):
        save_model(model, tmp_path / name, metadata)
        loaded = stance.load_model(tmp_path / name, trusted=True)
        assert isinstance(loaded.estimator, StreamingStanceClassifier)
        assert (
            loaded.predict(data["text"], data["target"]) == model.classes_[expected.argmax(axis=1)].tolist()
        )
        np.testing.assert_array_equal(loaded.predict_proba(data["text"], data["target"]).to_numpy(), expected)
        assert loaded.targets == model.targets_ and loaded.knows_target(model.targets_[0])
        why = loaded.explain(data["text"][0], data["target"][0], top=5)
        assert list(why.columns) == ["feature", "source", "weight", "value"] and len(why) == 5


def test_a_reloaded_model_learns_on_exactly_as_the_one_in_memory(corpus_sample):
    # Saved with sparse weights (a fraction of the size); learning more
    # after loading gives the same model as never saving.
    _, data = corpus_sample
    inputs, labels = data[["text", "target"]], data["label"].to_numpy()
    model = StreamingStanceClassifier(n_features=2**18, epochs=2).fit(inputs, labels)
    reloaded = pickle.loads(pickle.dumps(model))
    assert reloaded.sgd_.coef_.nnz < 0.1 * np.prod(reloaded.sgd_.coef_.shape)
    for learner in (model, reloaded):
        learner.partial_fit(inputs[:300], labels[:300])
    np.testing.assert_array_equal(model.predict_proba(inputs), reloaded.predict_proba(inputs))


def test_a_saved_model_holds_no_scikit_learn_loss_object(tiny_corpus):
    # The loss object's module differs between scikit-learn versions (1.8
    # names it _loss, 1.9 sklearn._loss._loss), so a model saved with it
    # could not be loaded under the other version; it must not be saved, also
    # when a loaded model that holds it (saved by an earlier stance) is saved again.
    import skops.io

    model = StreamingStanceClassifier(**SMALL).fit(tiny_corpus[["text", "target"]], tiny_corpus["label"])
    loaded = pickle.loads(pickle.dumps(model))
    loaded.sgd_._loss_function_ = model.sgd_._loss_function_  # as an earlier stance's file loads
    for fitted in (model, loaded):
        assert "_loss_function_" not in vars(pickle.loads(pickle.dumps(fitted)).sgd_)
        with zipfile.ZipFile(io.BytesIO(skops.io.dumps(fitted))) as archive:
            assert "Loss" not in archive.read("schema.json").decode()
        assert hasattr(fitted.sgd_, "_loss_function_")  # the model in memory keeps it
    inputs = tiny_corpus[["text", "target"]]
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(loaded)).predict_proba(inputs), model.predict_proba(inputs)
    )


@pytest.mark.parametrize("name", ["old.skops", "old.joblib"])
def test_a_model_saved_by_stance_1_2_is_refused_with_what_to_do(tmp_path, name, monkeypatch):
    # Its hashers' analyser was stance._text.word_features, which is gone: the
    # featuriser's hashing backend puts features in other columns.
    import functools

    import stance._text

    def word_features(text):  # stands for the old analyser while the model is saved
        return text.split()

    word_features.__module__, word_features.__qualname__ = "stance._text", "word_features"
    monkeypatch.setattr(stance._text, "word_features", word_features, raising=False)
    model = StreamingStanceClassifier(**SMALL).fit(
        ["We back it.", "We reject it."] * 2, ["aligned", "opposed"] * 2
    )
    model.word_hasher_ = functools.partial(word_features)
    path = tmp_path / name
    save_model(model, path, {})
    monkeypatch.delattr(stance._text, "word_features")
    with pytest.raises(stance.ModelError, match=r"saved by stance 1.2 or earlier.*retrain it"):
        stance.load_model(path, trusted=True)


def test_on_the_bundled_corpus_streaming_is_close_to_the_in_memory_recipe():
    # Measured: macro-F1 0.758 streaming, 0.756 in memory (the default recipe,
    # whose relevance model sends more to neutral) on the 1,215 held-out rows;
    # the margins leave room for library versions.
    model, metadata, notes = train_streaming(corpus_path(), "csv", keep_rows=corpus_training_rows)
    held_out = metadata["metrics"]["held_out"]
    comparison = metadata["metrics"]["in_memory_comparison"]
    assert held_out["texts"] == 1215 and comparison["training_rows"] == metadata["training"]["rows"] == 10937
    assert held_out["macro_f1"] >= 0.745
    assert comparison["gap_points"] <= 2.0
    assert comparison["gap_points"] == pytest.approx(
        100 * (comparison["held_out"]["macro_f1"] - held_out["macro_f1"]), abs=0.01
    )
    assert 0 <= held_out["calibration"]["ece"] <= 0.08
    assert notes == []


def test_estimator_behaves_like_stance_classifier(tiny_corpus):
    from sklearn.base import clone

    inputs, labels = tiny_corpus[["text", "target"]], tiny_corpus["label"]
    model = StreamingStanceClassifier(**SMALL).fit(inputs, labels)
    assert list(model.classes_) == ["aligned", "neutral", "opposed"]
    assert model.targets_ == ["the tax", "the treaty"]
    proba = model.predict_proba(["", "   ", "We reject it."])
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert proba[0].tolist() == proba[1].tolist() == [0.0, 1.0, 0.0]  # blank: neutral
    # A target the model never saw uses the shared features only, as no target does.
    text = "We oppose the tax and will fight it."
    np.testing.assert_array_equal(
        model.predict_proba([(text, "an unseen target")]), model.predict_proba([text])
    )
    assert not np.array_equal(model.predict_proba([(text, "The TAX")]), model.predict_proba([text]))
    assert clone(model).get_params() == model.get_params()
    assert model.predict(inputs).tolist() == labels.tolist()


def test_two_labels(tiny_corpus):
    rows = tiny_corpus[tiny_corpus["label"] != "neutral"]
    model = StreamingStanceClassifier(**SMALL).fit(rows[["text", "target"]], rows["label"])
    proba = model.predict_proba(["We reject the treaty.", "We back the treaty."])
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert model.predict(["We reject the treaty.", "We back the treaty."]).tolist() == ["opposed", "aligned"]
    why = model.explain("We firmly reject the treaty.")
    assert why.attrs["label"] == "opposed" and why["weight"].iloc[0] > 0


def test_explain_names_the_features_of_the_text(tiny_corpus):
    model = StreamingStanceClassifier(**SMALL).fit(tiny_corpus[["text", "target"]], tiny_corpus["label"])
    why = model.explain("We condemn the treaty.", target="the treaty", top=50)
    assert why.attrs["label"] == "opposed"
    assert {"condemn", "we condemn", "LEX_oppose"} <= set(why["feature"])
    assert set(why["source"]) == {"shared", "target: the treaty"}
    # Contributions add up to the label's score, less the intercept.
    label = list(model.classes_).index("opposed")
    score = model.decision_function([("We condemn the treaty.", "the treaty")])[0, label]
    assert why["weight"].sum() == pytest.approx(score - model.sgd_.intercept_[label])


def test_top_features_need_texts_to_name_hashed_columns(tiny_corpus):
    model = StreamingStanceClassifier(**SMALL).fit(tiny_corpus[["text", "target"]], tiny_corpus["label"])
    with pytest.raises(ValueError, match="keeps no vocabulary"):
        model.top_features()
    top = model.top_features(top=3, texts=tiny_corpus[["text", "target"]])
    assert top["label"].tolist() == ["aligned"] * 3 + ["neutral"] * 3 + ["opposed"] * 3
    assert (top.groupby("label")["weight"].apply(lambda w: w.is_monotonic_decreasing)).all()


@pytest.mark.parametrize(
    "settings",
    [
        {"epochs": 0},
        {"epochs": 1.5},
        {"alpha": 0},
        {"n_features": 0},
        {"batch_rows": -1},
        {"class_weight": "auto"},
        {"target_features": "chars"},
        {"char_ngram_range": (3, 2)},
        {"random_state": None},
    ],
)
def test_settings_out_of_range_are_refused(settings, tiny_corpus):
    with pytest.raises(ValueError, match=f"invalid setting {next(iter(settings))}="):
        StreamingStanceClassifier(**settings).fit(tiny_corpus["text"], tiny_corpus["label"])


def test_partial_fit_needs_counts_first_and_known_labels(tiny_corpus):
    texts, labels = tiny_corpus["text"].tolist(), tiny_corpus["label"].tolist()
    with pytest.raises(ValueError, match="scan"):
        StreamingStanceClassifier().partial_fit(texts, labels, classes=["aligned", "neutral", "opposed"])
    model = StreamingStanceClassifier(**SMALL).scan(texts, labels).partial_fit(texts, labels)
    with pytest.raises(ValueError, match="not among the model's classes"):
        model.partial_fit(["A text."], ["maybe"])
    with pytest.raises(ValueError, match="cannot follow partial_fit"):
        model.scan(texts, labels)
    # Without idf or balanced weights, no counting pass is needed.
    plain = StreamingStanceClassifier(**SMALL, idf=False, class_weight=None)
    plain.partial_fit(texts, labels, classes=["aligned", "neutral", "opposed"])
    assert plain.predict(["We strongly support the treaty."]).tolist() == ["aligned"]


def test_held_out_and_sampled_rows_do_not_depend_on_chunks():
    whole = held_out_rows(0, 1000, every=10, limit=40)
    pieces = np.concatenate([held_out_rows(start, 7, every=10, limit=40) for start in range(0, 1000, 7)])[
        :1000
    ]
    np.testing.assert_array_equal(whole, pieces)
    assert whole.sum() == 40 and whole[:400].sum() == 40
    sample = sampled_rows(0, 1000, 1000, 123)
    pieces = np.concatenate([sampled_rows(start, 7, 1000, 123) for start in range(0, 1000, 7)])[:1000]
    np.testing.assert_array_equal(sample, pieces)
    assert sample.sum() == 123 and sample[:500].sum() in (61, 62)


def test_driver_errors(tmp_path, tiny_csv):
    with pytest.raises(UsageError, match="standard input can be read only once"):
        train_streaming("-")
    with pytest.raises(UsageError, match="chunk_rows"):
        train_streaming(tiny_csv, chunk_rows=0)
    bad = tmp_path / "bad.csv"
    pd.DataFrame(
        {"text": [f"Sentence {i}." for i in range(30)], "label": ["aligned"] * 29 + ["maybe"]}
    ).to_csv(bad, index=False)
    with pytest.raises(DataError, match=r"rows 21-30: unknown labels in column 'label': 'maybe' \(1 rows\)"):
        train_streaming(bad, chunk_rows=10)
    one_label = tmp_path / "one.csv"
    pd.DataFrame({"text": [f"Sentence {i}." for i in range(30)], "label": ["aligned"] * 30}).to_csv(
        one_label, index=False
    )
    with pytest.raises(DataError, match="at least 2 different labels"):
        train_streaming(one_label)


# -- the command line ------------------------------------------------------------------


def test_cli_round_trip(tmp_path, tiny_csv, tiny_corpus):
    model = tmp_path / "streamed.skops"
    trained = run_cli(
        "train", "--streaming", "--data", str(tiny_csv), "--output", str(model), "--chunk-rows", "7",
        "--epochs", "4", "--set", "n_features=65536",
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert "held-out rows (every 10th data row" in trained.stdout
    assert "in-memory recipe 'default' fitted on 22 training rows" in trained.stdout
    metadata = json.loads(model.with_suffix(".json").read_text())
    assert metadata["recipe"] == "default"
    assert metadata["streaming"]["estimator"] == "StreamingStanceClassifier"
    assert metadata["streaming"]["passes"] == 5 and metadata["streaming"]["chunk_rows"] == 7
    assert metadata["hyperparameters"]["epochs"] == 4 and metadata["hyperparameters"]["n_features"] == 65536
    assert metadata["metrics"]["held_out"]["texts"] == 2
    assert "in_memory_comparison" in metadata["metrics"]
    assert "streaming model" in model.with_suffix(".md").read_text()

    predicted = run_cli(
        "predict", "We firmly reject the treaty.", "The treaty deserves our full backing.",
        "--target", "the treaty", "--model", str(model),
    )  # fmt: skip
    assert predicted.returncode == 0, predicted.stderr
    assert [line.split(",")[1] for line in predicted.stdout.splitlines()[1:]] == ["opposed", "aligned"]

    info = run_cli("info", "--model", str(model))
    assert info.returncode == 0, info.stderr
    assert "streaming   trained chunk by chunk: 5 passes over 24 rows" in info.stdout
    assert "gap in macro-F1" in info.stdout

    evaluated = run_cli("evaluate", "--data", str(tiny_csv), "--model", str(model), "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    assert report["texts"] == 24 and report["accuracy"] >= 0.9

    # The same labels in Python, and through the estimator.
    loaded = stance.load_model(model)
    texts, targets = tiny_corpus["text"].tolist(), tiny_corpus["target"].tolist()
    assert loaded.predict(texts, targets) == loaded.estimator.predict(list(zip(texts, targets))).tolist()
    assert loaded.explain("We firmly reject the treaty.", target="the treaty").attrs["label"] == "opposed"


def test_cli_recipe_gives_its_feature_settings_and_is_the_one_compared(tmp_path, tiny_csv, capsys):
    status = main(
        ["train", "--streaming", "--data", str(tiny_csv), "--output", str(tmp_path / "m.joblib"),
         "--recipe", "per-target", "--set", "n_features=4096", "--set", "target_weight=2.0"]
    )  # fmt: skip
    assert status == 0, capsys.readouterr().err
    metadata = json.loads((tmp_path / "m.json").read_text())
    assert metadata["recipe"] == "per-target"
    settings = metadata["hyperparameters"]
    assert settings["char_ngram_range"] == [2, 5] and settings["target_features"] == "all"
    assert settings["target_weight"] == 2.0 and "C" not in settings  # --set wins; the SVM's C does not apply
    assert metadata["metrics"]["in_memory_comparison"]["recipe"] == "per-target"


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--data", "-"], "standard input can be read only once"),
        (["--epochs", "0"], "--epochs must be at least 1"),
        (["--chunk-rows", "0"], "--chunk-rows must be at least 1"),
        (["--compare-rows", "-1"], "--compare-rows must be at least 0"),
        (["--folds", "3"], "--folds does not apply to --streaming"),
        (["--set", "C=1.0"], "unknown setting 'C'; settings are"),
        (["--set", "alpha=-1"], "invalid setting alpha=-1"),
        (["--text-column", "sentence"], "no column 'sentence' in the input; available columns: text, target"),
    ],
)
def test_cli_usage_errors_exit_2_with_one_line(tmp_path, tiny_csv, capsys, extra, message):
    # Run in this process (main() is what the installed command runs): the
    # errors come before any work, and a new process each would cost more
    # than the checks. The round trip above runs the installed command.
    args = ["train", "--streaming", "--output", str(tmp_path / "m.skops")]
    status = main([*args, *(extra if "--data" in extra else ["--data", str(tiny_csv), *extra])])
    stderr = capsys.readouterr().err
    assert status == 2, stderr
    assert message in stderr and len(stderr.strip().splitlines()) == 1
    assert not (tmp_path / "m.skops").exists()


def test_the_command_refuses_standard_input(tmp_path, tiny_corpus):
    result = run_cli(
        "train", "--streaming", "--data", "-", "--output", str(tmp_path / "m.skops"),
        input=tiny_corpus.to_csv(index=False),
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("stance: error: --streaming reads the data once per epoch")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("option", [["--epochs", "3"], ["--chunk-rows", "100"], ["--compare-rows", "0"]])
def test_streaming_options_need_streaming(tmp_path, tiny_csv, capsys, option):
    assert main(["train", "--data", str(tiny_csv), "--output", str(tmp_path / "m.skops"), *option]) == 2
    assert f"{option[0]} applies only with --streaming" in capsys.readouterr().err


def test_cli_data_errors_exit_1_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"text": ["We back it.", "We reject it."] * 5, "label": ["yes", "no"] * 5}).to_csv(
        bad, index=False
    )
    assert main(["train", "--streaming", "--data", str(bad), "--output", str(tmp_path / "m.skops")]) == 1
    stderr = capsys.readouterr().err
    assert "rows 1-10: unknown labels" in stderr and "--label-map" in stderr
    assert len(stderr.strip().splitlines()) == 1
    mapped = main(
        ["train", "--streaming", "--data", str(bad), "--output", str(tmp_path / "m.skops"),
         "--label-map", "yes=aligned,no=opposed", "--compare-rows", "0", "--set", "n_features=4096"]
    )  # fmt: skip
    assert mapped == 0, capsys.readouterr().err
    assert json.loads((tmp_path / "m.json").read_text())["labels"] == ["aligned", "opposed"]
