"""stance train: column and label problems, --with-corpus, and the options a model remembers."""

import json

import pandas as pd
import pytest

from stance.cli import main

SON = {"aligned": "S", "opposed": "O", "neutral": "N"}


@pytest.fixture
def renamed_csv(tmp_path, tiny_corpus):
    """The tiny corpus with other column names and S/O/N labels."""
    frame = tiny_corpus.rename(columns={"text": "sentence", "target": "topic", "label": "stance"})
    frame["stance"] = frame["stance"].map(SON)
    path = tmp_path / "mine.csv"
    frame.to_csv(path, index=False)
    return path


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_every_column_problem_at_once_with_the_flag_and_a_suggestion(capsys, tmp_path, renamed_csv):
    status, out, err = run(capsys, "train", "-d", renamed_csv, "-o", tmp_path / "m.skops")
    assert status == 2 and out == ""
    assert err.count("\n") == 1
    assert "no column 'text' (set --text-column; 'sentence' looks like it)" in err
    assert "no column 'label' (set --label-column; 'stance' looks like it)" in err


def test_son_labels_get_a_correct_label_map_suggestion(capsys, tmp_path, renamed_csv):
    status, _, err = run(
        capsys, "train", "-d", renamed_csv, "-o", tmp_path / "m.skops",
        "--text-column", "sentence", "--label-column", "stance",
    )
    assert status == 1 and err.count("\n") == 1
    assert "--label-map 'S=aligned,O=opposed,N=neutral'" in err
    assert "'S' (" in err and "'O' (" in err and "'N' (" in err


def test_numeric_labels_with_a_partial_map_are_refused(capsys, tmp_path, tiny_corpus):
    frame = tiny_corpus.assign(label=tiny_corpus["label"].map({"aligned": 2, "opposed": 1, "neutral": 0}))
    frame.to_csv(tmp_path / "num.csv", index=False)
    status, _, err = run(
        capsys, "train", "-d", tmp_path / "num.csv", "-o", tmp_path / "m.skops", "--label-map", "2=aligned"
    )
    assert status == 1
    assert "'1' (8 rows), '0' (8 rows)" in err and "numbers are never guessed" in err
    assert not (tmp_path / "m.skops").exists()


def test_semeval_labels_are_mapped_out_loud_and_small_data_warned(capsys, tmp_path, tiny_corpus):
    frame = tiny_corpus.assign(label=tiny_corpus["label"].map({"aligned": "FAVOR", "opposed": "AGAINST",
                                                               "neutral": "NONE"}))
    frame.to_csv(tmp_path / "sem.csv", index=False)
    output = tmp_path / "new-folder" / "m.skops"  # a missing folder is created
    status, _, err = run(capsys, "train", "-d", tmp_path / "sem.csv", "-o", output, "--folds", "0")
    assert status == 0 and output.exists()
    assert "labels mapped: FAVOR -> aligned, AGAINST -> opposed, NONE -> neutral" in err
    assert "too few to train a model that can be trusted alone" in err and "--with-corpus" in err
    options = json.loads(output.with_suffix(".json").read_text())["options"]
    assert options["label_map"] == {"FAVOR": "aligned", "AGAINST": "opposed", "NONE": "neutral"}


def test_a_column_that_looks_like_a_target_is_suggested(capsys, tmp_path, tiny_corpus):
    tiny_corpus.rename(columns={"target": "topic"}).to_csv(tmp_path / "t.csv", index=False)
    status, _, err = run(capsys, "train", "-d", tmp_path / "t.csv", "-o", tmp_path / "m.skops", "--folds", "0")
    assert status == 0
    assert "column 'topic' looks like one: pass --target-column topic" in err


def test_rows_not_yet_annotated_are_left_out(capsys, tmp_path, tiny_corpus):
    frame = pd.concat([tiny_corpus, pd.DataFrame({"text": ["Unlabelled one.", "Two."], "label": ["", None]})])
    frame.to_csv(tmp_path / "part.csv", index=False)
    status, _, err = run(capsys, "train", "-d", tmp_path / "part.csv", "-o", tmp_path / "m.skops", "--folds", "0")
    assert status == 0
    assert "left out 2 rows with no label (not annotated yet)" in err


def test_with_corpus_trains_on_both_remembers_options_and_evaluate_reuses_them(
    capsys, tmp_path, renamed_csv, small_bundled_corpus
):
    output = tmp_path / "adapted.skops"
    status, out, err = run(
        capsys, "train", "-d", renamed_csv, "-o", output, "--with-corpus", "--folds", "3",
        "--text-column", "sentence", "--target-column", "topic", "--label-column", "stance",
        "--label-map", "S=aligned,O=opposed,N=neutral",
    )
    assert status == 0, err
    assert "shipped model" in out and "your rows with the corpus" in out and "your rows alone" in out
    assert "each counted 10 times" in err
    metadata = json.loads(output.with_suffix(".json").read_text())
    assert metadata["options"] == {
        "text_column": "sentence", "target_column": "topic", "label_column": "stance",
        "label_map": {"S": "aligned", "O": "opposed", "N": "neutral"},
    }
    assert metadata["with_corpus"]["weight"] == 10 and metadata["with_corpus"]["user_rows"] == 24
    assert metadata["training"]["rows"] == 24 * 10 + metadata["with_corpus"]["corpus_rows"]
    assert set(metadata["metrics"]["adaptation"]) >= {"alone", "with_corpus", "baseline"}
    # The model knows both the corpus's targets and the user's.
    assert len(metadata["targets"]) > 50
    # evaluate needs no column or label flags again.
    status, out, err = run(capsys, "evaluate", "-d", renamed_csv, "--model", output)
    assert status == 0, err
    assert "using the model's training options: --text-column sentence" in err
    assert "24 labelled texts" in out


def test_with_corpus_user_labels_win_where_they_disagree(capsys, tmp_path, small_bundled_corpus):
    import stance

    corpus = stance.load_corpus()
    aligned = corpus[corpus["label"] == "aligned"].head(30)
    # The user's documents call these sentences opposed: their labels must win.
    user = pd.DataFrame({"text": aligned["text"], "target": aligned["target"], "label": "opposed"})
    extra = corpus[corpus["label"] != "aligned"].head(20)
    pd.concat([user, extra[["text", "target", "label"]]]).to_csv(tmp_path / "flip.csv", index=False)
    output = tmp_path / "flip.skops"
    status, _, err = run(capsys, "train", "-d", tmp_path / "flip.csv", "-o", output, "--with-corpus",
                         "--folds", "0")
    assert status == 0, err
    assert "50 of its rows replaced by yours" in err
    model = stance.load_model(output)
    predicted = model.predict(user["text"].tolist(), user["target"].tolist())
    assert sum(label == "opposed" for label in predicted) >= 27


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--with-corpus"], "--with-corpus adds the bundled corpus to your rows"),
        (["--user-weight", "3"], "--user-weight applies only with --with-corpus"),
        (["--with-corpus", "--streaming", "-d", "x.csv"], "--with-corpus does not apply to --streaming"),
        (["--targets", "p.toml", "--streaming", "-d", "x.csv"], "--targets does not apply to --streaming"),
    ],
)
def test_with_corpus_usage_errors(capsys, tmp_path, argv, message):
    status, _, err = run(capsys, "train", "-o", tmp_path / "m.skops", *argv)
    assert status == 2 and message in err and err.count("\n") == 1


def test_predict_and_evaluate_reuse_remembered_columns_only_where_the_input_has_them(
    capsys, tmp_path, renamed_csv, tiny_csv
):
    output = tmp_path / "renamed.skops"
    status, _, err = run(
        capsys, "train", "-d", renamed_csv, "-o", output, "--folds", "0", "--text-column", "sentence",
        "--target-column", "topic", "--label-column", "stance", "--label-map", "S=aligned,O=opposed,N=neutral",
    )
    assert status == 0, err
    # predict: the model's text column, with no flag.
    status, out, err = run(capsys, "predict", "--input", renamed_csv, "--model", output)
    assert status == 0, err
    assert out.splitlines()[0].startswith("sentence,topic,stance,stance_label")
    # A file with the default columns is read with them, not the remembered ones.
    status, out, err = run(capsys, "evaluate", "-d", tiny_csv, "--model", output)
    assert status == 0, err
    assert "24 labelled texts" in out


def test_evaluate_lists_column_problems_at_once_and_announces_label_mappings(capsys, tmp_path, tiny_corpus):
    semeval = tiny_corpus.assign(label=tiny_corpus["label"].map({"aligned": "FAVOR", "opposed": "AGAINST",
                                                                 "neutral": "NONE"}))
    semeval.to_csv(tmp_path / "sem.csv", index=False)
    status, out, err = run(capsys, "evaluate", "-d", tmp_path / "sem.csv")
    assert status == 0, err
    assert "labels mapped: FAVOR -> aligned, AGAINST -> opposed, NONE -> neutral" in err
    semeval.rename(columns={"text": "sentence", "label": "gold"}).to_csv(tmp_path / "other.csv", index=False)
    status, out, err = run(capsys, "evaluate", "-d", tmp_path / "other.csv")
    assert status == 2 and err.count("\n") == 1
    assert "set --text-column; 'sentence' looks like it" in err and "set --label-column; 'gold' looks like it" in err
    numeric = tiny_corpus.assign(label=tiny_corpus["label"].map({"aligned": 1, "opposed": -1, "neutral": 0}))
    numeric.to_csv(tmp_path / "num.csv", index=False)
    status, out, err = run(capsys, "evaluate", "-d", tmp_path / "num.csv")
    assert status == 1 and "--label-map '1=aligned,-1=opposed,0=neutral'" in err


PROFILE = '[[target]]\nname = "the widget levy"\nallies = ["Freedonia"]\nopponents = ["Sylvania"]\n'


def test_with_corpus_compares_the_models_with_the_profiles_it_trains_with(capsys, tmp_path, small_bundled_corpus):
    # Stance carried only by the profile's actors: the shipped model reads it
    # right only with the profile, and the comparison must say so.
    import stance

    texts = ["We condemn Sylvania.", "We praise Freedonia.", "We praise Sylvania.", "We condemn Freedonia.",
             "The levy vote is on Friday."] * 2
    labels = ["aligned", "aligned", "opposed", "opposed", "neutral"] * 2
    pd.DataFrame({"text": texts, "target": "the widget levy", "label": labels}).to_csv(tmp_path / "p.csv", index=False)
    (tmp_path / "p.toml").write_text(PROFILE)
    shipped = stance.load_model().predict(texts, target=stance.load_profiles(PROFILE)["the widget levy"])
    expected = sum(a == b for a, b in zip(shipped, labels)) / len(labels)
    status, out, err = run(capsys, "train", "-d", tmp_path / "p.csv", "--with-corpus", "--folds", "2",
                           "--targets", tmp_path / "p.toml", "-o", tmp_path / "m.skops")
    assert status == 0, err
    row = next(line for line in out.splitlines() if line.startswith("shipped model"))
    assert float(row.split()[2]) == pytest.approx(expected, abs=5e-4)
    assert expected >= 0.8  # without the profile the shipped model gets the actors' sentences wrong
    # Scores per target are keyed by the targets' names, not by their profiles.
    adaptation = json.loads((tmp_path / "m.json").read_text())["metrics"]["adaptation"]
    for name in ("baseline", "alone", "with_corpus"):
        assert list(adaptation[name]["per_target"]) == ["the widget levy"], name


@pytest.mark.parametrize("with_corpus", [[], ["--with-corpus"]])
def test_a_bad_profiles_file_stops_training_before_any_work(capsys, tmp_path, tiny_csv, monkeypatch, with_corpus):
    import stance._adapt

    def never(*args, **kwargs):
        raise AssertionError("cross-validated before reading --targets")

    monkeypatch.setattr(stance._adapt, "cross_validate_adapted", never)
    (tmp_path / "bad.toml").write_text("[[target]]\naliases = []\n")
    status, _, err = run(capsys, "train", "-d", tiny_csv, "--targets", tmp_path / "bad.toml", "-o",
                         tmp_path / "m.skops", *with_corpus)
    assert status == 1 and "needs a name" in err and "cannot train" not in err
    assert not (tmp_path / "m.skops").exists()


def test_evaluate_skips_a_chunk_with_no_label_at_all(capsys, tmp_path, monkeypatch):
    import stance.cli.evaluate

    monkeypatch.setattr(stance.cli.evaluate, "CHUNK_ROWS", 2)
    rows = [("We back the plan.", "aligned"), ("We reject the plan.", "opposed"), ("A.", ""), ("B.", ""),
            ("The vote is on Monday.", "neutral")]
    pd.DataFrame(rows, columns=["text", "label"]).to_csv(tmp_path / "part.csv", index=False)
    status, out, err = run(capsys, "evaluate", "-d", tmp_path / "part.csv")
    assert status == 0, err
    assert "3 labelled texts" in out and "left out 2 rows with no label" in err
