"""Checking training data, cross-validation, and reproducing the shipped model."""

import numpy as np
import pandas as pd
import pytest

import stance
from stance._errors import DataError, UsageError
from stance._training import cross_validate, prepare_training_data, train


def test_prepare_maps_labels_and_normalises_targets():
    frame = pd.DataFrame(
        {"Tweet": ["a", "b", "c"], "Target": ["X  Y", "x y", None], "Stance": ["FAVOR", "AGAINST", "NONE"]}
    )
    data, notes = prepare_training_data(frame, "Tweet", "Target", "Stance", min_examples=1)
    assert data["label"].tolist() == ["aligned", "opposed", "neutral"]
    assert data["target"].tolist()[:2] == ["x y", "x y"]
    assert pd.isna(data["target"].tolist()[2])
    assert notes == []


def test_unknown_labels_are_listed_with_a_label_map_hint():
    frame = pd.DataFrame({"text": ["a", "b", "c"], "label": ["yes", "no", "yes"]})
    with pytest.raises(DataError, match=r"'yes' \(2 rows\), 'no' \(1 rows\).*--label-map"):
        prepare_training_data(frame)
    data, _ = prepare_training_data(frame, label_map={"yes": "aligned", "no": "opposed"}, min_examples=1)
    assert data["label"].tolist() == ["aligned", "opposed", "aligned"]
    assert data["target"].isna().all()


def test_too_few_examples_and_single_label_are_refused():
    frame = pd.DataFrame({"text": list("abcdefg"), "label": ["aligned"] * 6 + ["opposed"]})
    with pytest.raises(DataError, match="'opposed' has 1"):
        prepare_training_data(frame, min_examples=5)
    with pytest.raises(DataError, match="at least 2 different labels"):
        prepare_training_data(frame.iloc[:6], min_examples=1)


def test_unknown_column_lists_available_ones():
    frame = pd.DataFrame({"text": ["a"], "label": ["aligned"]})
    with pytest.raises(UsageError, match="available columns: text, label"):
        prepare_training_data(frame, text_column="sentence")


def test_blank_rows_and_conflicting_duplicates_are_reported():
    frame = pd.DataFrame(
        {
            "text": ["We back it.", "we back it. ", "", "Other."] + ["x"] * 4,
            "label": ["aligned", "opposed", "neutral", "neutral", "aligned", "opposed", "aligned", "opposed"],
        }
    )
    data, notes = prepare_training_data(frame, min_examples=1)
    assert len(data) == 7
    assert any("1 rows with blank text" in n for n in notes)
    assert any("2 texts appear with conflicting labels" in n for n in notes)


def test_cross_validation_reports_random_and_grouped_folds(tiny_corpus):
    data, _ = prepare_training_data(tiny_corpus, min_examples=2)
    results = cross_validate(stance.StanceClassifier(calibration_folds=2), data, folds=2)
    assert set(results) == {"folds", "random", "grouped_by_target"}
    assert 0 <= results["random"]["macro_f1"] <= 1
    assert results["random"]["texts"] == results["grouped_by_target"]["texts"] == len(data)
    assert 0 <= results["random"]["calibration"]["ece"] <= 1


def test_training_twice_gives_identical_models_and_metrics(tiny_corpus):
    data, _ = prepare_training_data(tiny_corpus, min_examples=2)
    first, meta1 = train(data, stance.StanceClassifier(calibration_folds=2), folds=2)
    second, meta2 = train(data, stance.StanceClassifier(calibration_folds=2), folds=2)
    assert meta1["metrics"] == meta2["metrics"]
    inputs = data[["text", "target"]]
    np.testing.assert_array_equal(first.predict_proba(inputs), second.predict_proba(inputs))


def test_default_training_reproduces_the_shipped_model():
    # As 'stance train' trains on the bundled corpus: its held-out part left
    # out, its targets with their shipped profiles.
    corpus = stance.load_corpus()
    data, _ = prepare_training_data(corpus[corpus["split"] != "heldout"])
    model, _ = train(data, folds=0, profiles=stance.load_profiles())
    shipped = stance.load_model()
    assert model.get_params() == shipped.estimator.get_params()
    inputs = data[["text", "target"]]
    np.testing.assert_array_equal(model.predict(inputs), shipped.estimator.predict(inputs))
    np.testing.assert_allclose(
        model.predict_proba(inputs), shipped.estimator.predict_proba(inputs), atol=1e-9
    )


@pytest.mark.parametrize("folds", [2, 3, 5, 10])
def test_the_documented_minimum_of_examples_trains_and_cross_validates(folds):
    # Exactly examples_needed(folds) rows per label, one target: every fold fits.
    from stance._training import examples_needed

    n = examples_needed(folds)
    frame = pd.DataFrame(
        {
            "text": [
                f"{word} sentence number {i}" for word in ("support", "oppose", "report") for i in range(n)
            ],
            "label": ["aligned"] * n + ["opposed"] * n + ["neutral"] * n,
        }
    )
    data, _ = prepare_training_data(frame, min_examples=n)
    model, metadata = train(data, folds=folds)
    assert metadata["metrics"]["cross_validation"]["random"]["texts"] == 3 * n
    assert list(model.classes_) == ["aligned", "neutral", "opposed"]
