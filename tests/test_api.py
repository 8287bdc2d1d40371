"""The public Python API, on the default model."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import stance

TARGET = "sanctions against Russia"


def test_import_loads_no_model_and_no_heavy_library():
    code = (
        "import sys, stance\n"
        "heavy = [m for m in ('sklearn', 'pandas', 'nltk', 'joblib', 'numpy') if m in sys.modules]\n"
        "print(heavy, stance._model._default_model)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "[] None", result.stderr


def test_default_model_loads_once():
    assert stance._model.default_model() is stance._model.default_model()
    assert isinstance(stance._model.default_model().estimator, stance.StanceClassifier)


def test_predict_one_string_or_many():
    assert stance.predict("We welcome the new sanctions package.", target=TARGET) == ["aligned"]
    labels = stance.predict(
        ["We welcome the new sanctions package.", "The sanctions are a failure and must be lifted.", ""],
        target=TARGET,
    )
    assert labels == ["aligned", "opposed", "neutral"]


def test_predict_accepts_generators_series_and_per_text_targets():
    texts = ["We condemn this invasion.", "We applaud the decision to raise the minimum wage."]
    targets = ["the Russian invasion of Ukraine", "raising the minimum wage"]
    expected = stance.predict(texts, targets)
    assert stance.predict(iter(texts), targets) == expected
    assert stance.predict(pd.Series(texts), tuple(targets)) == expected
    assert expected == ["opposed", "aligned"]


def test_target_spelling_does_not_matter():
    text = ["Further arms deliveries only prolong the killing."]
    np.testing.assert_allclose(
        stance.predict_proba(text, "Military aid to Ukraine").to_numpy(),
        stance.predict_proba(text, "  military AID to ukraine ").to_numpy(),
    )


def test_predict_proba_is_a_frame_of_calibrated_probabilities():
    table = stance.predict_proba(["We back the treaty.", "Talks resume on Monday.", "This is a disgrace."])
    assert list(table.columns) == list(stance.LABELS)
    assert table.shape == (3, 3)
    assert np.allclose(table.sum(axis=1), 1) and ((table >= 0) & (table <= 1)).all().all()


@pytest.mark.parametrize(
    "texts, error, message",
    [
        (["fine", None], TypeError, "position 1"),
        (["fine", "ok", 3], TypeError, "position 2"),
        ([b"bytes"], TypeError, "position 0"),
        (42, TypeError, "iterable"),
    ],
)
def test_bad_texts_raise_type_errors_naming_the_position(texts, error, message):
    with pytest.raises(error, match=message):
        stance.predict(texts)


def test_target_sequence_of_another_length_is_refused():
    with pytest.raises(ValueError, match="2 texts but 3 targets"):
        stance.predict(["a", "b"], ["x", "y", "z"])


@pytest.mark.parametrize(
    "text",
    [
        "We support it. " * 70_000,  # about 1 MB
        "\U0001f600\U0001f525 we love this deal \U0001f44d",
        "Мы поддерживаем это соглашение. 我们支持 this agreement.",
        "control\x00chars\x07and\x1b[31mescapes",
        "lone \ud800 surrogate",
        "\u200b\u200d\ufeff",
    ],
)
def test_hostile_text_still_gets_a_label(text):
    [label] = stance.predict(text)
    assert label in stance.LABELS


def test_analyze_gives_offsets_labels_and_summary():
    document = (
        "The foreign ministry issued a statement on Tuesday. "
        "It said the country takes no side in the vote on the sanctions and will abstain. "
        "The minister added that the sanctions are unjust and hurt ordinary families."
    )
    table = stance.analyze(document, target=TARGET)
    assert list(table.columns[:7]) == ["sentence", "start", "end", "voice", "speaker", "text", "label"]
    assert table["sentence"].tolist() == [1, 2, 3]
    for row in table.itertuples():
        assert document[row.start : row.end] == row.text
    assert table["label"].tolist() == ["neutral", "neutral", "opposed"]
    # "The minister added that..." reports someone else's words: the
    # document's own stance is the author's, the reported one comes apart.
    assert table["voice"].tolist()[-1] == "reported"
    summary = table.attrs["summary"]
    assert summary["sentences"] == 3
    assert summary["counts"] == {"aligned": 0, "neutral": 2, "opposed": 1}
    assert summary["stance"] == summary["author"]["stance"] == "neutral"
    assert summary["reported"]["stance"] == "opposed"
    assert np.isclose(sum(summary["mean_probabilities"].values()), 1)


def test_analyze_empty_document():
    table = stance.analyze("   ")
    assert len(table) == 0
    assert table.attrs["summary"]["stance"] == "neutral"
    with pytest.raises(TypeError):
        stance.analyze(None)


def test_explain_returns_weighted_features():
    table = stance.explain("We categorically reject this treaty.", top=5)
    assert table.attrs["label"] == "opposed"
    assert len(table) == 5
    assert table["weight"].abs().is_monotonic_decreasing
    assert table.loc[table["weight"].idxmax(), "feature"] != ""


def test_model_lists_targets_and_knows_them_in_any_spelling():
    model = stance.load_model()
    assert len(model.targets) >= 25
    assert model.knows_target("NATO  Enlargement")
    assert not model.knows_target("the price of tea")
    assert "StanceModel" in repr(model)


def test_label_frame_keeps_every_row_and_never_overwrites():
    frame = pd.DataFrame(
        {
            "text": ["We back the plan.", "", None, 12, "We reject it."],
            "stance_label": ["gold"] * 5,
        }
    )
    out = stance.load_model().label_frame(frame)
    assert len(out) == len(frame)
    assert out["stance_label"].tolist() == ["gold"] * 5
    assert out["stance_flag"].tolist() == ["", "blank text", "missing text", "non-text value", ""]
    assert out["stance_label_2"].tolist()[1] == "neutral"
    assert pd.isna(out["stance_label_2"].tolist()[2])
    assert np.isnan(out.loc[2, "stance_p_aligned"])


def test_label_frame_flags_a_target_without_words_and_labels_it_as_no_target():
    model = stance.load_model()
    frame = pd.DataFrame({"text": ["We back the plan."] * 4, "target": ["***", "...", stance.Target("the"), "the plan"]})
    out = model.label_frame(frame, target_column="target")
    assert out["stance_flag"].tolist() == ["target without words"] * 3 + [""]
    untargeted = model.predict_proba(["We back the plan."]).to_numpy()[0]
    columns = ["stance_p_aligned", "stance_p_neutral", "stance_p_opposed"]
    # "***" and "the" went through the relevance model: not as with no target.
    np.testing.assert_array_equal(out.loc[:2, columns].to_numpy(float), np.tile(untargeted, (3, 1)))
    for one_target in ("***", stance.Target("the")):  # a Target for every row was a TypeError
        one = model.label_frame(frame[["text"]], target=one_target)
        assert one["stance_flag"].tolist() == ["target without words"] * 4
    missing = model.label_frame(pd.DataFrame({"text": [None]}), target="***")
    assert missing["stance_flag"].tolist() == ["missing text"]  # not labelled: no word on its target


def test_a_bytes_cell_is_labelled_as_its_utf8_text():
    # It was labelled as Python's "b'...'" string.
    model = stance.load_model()
    out = model.label_frame(pd.DataFrame({"text": [b"We firmly back the treaty.", "We firmly back the treaty."]}),
                            target="the treaty")
    assert out["stance_p_aligned"].iloc[0] == out["stance_p_aligned"].iloc[1]
    assert out["stance_flag"].tolist() == ["non-text value", ""]
    # A bytes target too (it was read as "b'the treaty'", an unknown target).
    frame = pd.DataFrame({"text": ["We firmly back the treaty."] * 2, "target": [b"the treaty", "the treaty"]})
    out = model.label_frame(frame, target_column="target")
    assert out["stance_p_aligned"].iloc[0] == out["stance_p_aligned"].iloc[1]


def test_label_frames_streams_in_order_with_any_number_of_jobs():
    corpus = stance.load_corpus().head(300)
    chunks = [corpus.iloc[i : i + 40] for i in range(0, 300, 40)]
    model = stance.load_model()
    one = pd.concat(model.label_frames(iter(chunks), target_column="target"))
    two = pd.concat(model.label_frames(iter(chunks), target_column="target", jobs=2))
    pd.testing.assert_frame_equal(one, two)
    assert one["text"].tolist() == corpus["text"].tolist()
    with pytest.raises(ValueError, match="jobs"):
        next(model.label_frames(iter(chunks), jobs=0))


def test_label_frames_takes_one_frame_or_texts_and_keeps_every_row():
    corpus = stance.load_corpus().head(250)
    model = stance.load_model()
    whole = model.label_frame(corpus, target_column="target")
    chunked = list(model.label_frames(corpus, target_column="target", chunk_rows=60, jobs=2))
    assert [len(chunk) for chunk in chunked] == [60, 60, 60, 60, 10]
    pd.testing.assert_frame_equal(pd.concat(chunked), whole)
    texts = (text for text in corpus["text"].tolist() + ["", None])  # a generator, with bad rows
    labelled = pd.concat(model.label_frames(texts, chunk_rows=100), ignore_index=True)
    assert len(labelled) == 252
    assert labelled["stance_label"].tolist()[:250] == model.predict(corpus["text"])
    assert labelled["stance_flag"].tolist()[-2:] == ["blank text", "missing text"]
    with pytest.raises(TypeError, match="single string"):
        next(model.label_frames("We back the plan."))
