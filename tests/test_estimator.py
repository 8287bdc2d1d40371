"""StanceClassifier as a scikit-learn estimator, and its target-aware features."""

import pickle
from functools import partial

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
)

from stance import StanceClassifier


def inputs(frame):
    return frame[["text", "target"]]


def strip_texts(frame):
    return frame.assign(text=frame["text"].str.strip())


@pytest.mark.parametrize(
    "check",
    [
        check_no_attributes_set_in_init,
        check_get_params_invariance,
        check_set_params,
        check_parameters_default_constructible,
    ],
)
def test_x_independent_sklearn_checks(check):
    check("StanceClassifier", StanceClassifier())


def test_tags_declare_raw_text_input():
    tags = StanceClassifier().__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array


def test_init_stores_parameters_untouched():
    estimator = StanceClassifier(C=3, word_ngram_range=(1, 3), char_ngram_range=None)
    assert estimator.get_params()["C"] == 3
    assert estimator.word_ngram_range == (1, 3)
    assert "StanceClassifier(C=3" in repr(estimator)


def test_unfitted_model_refuses_to_predict():
    with pytest.raises(NotFittedError):
        StanceClassifier().predict(["text"])


def test_clone_is_unfitted_with_same_params(tiny_estimator):
    copy = clone(tiny_estimator)
    assert copy.get_params() == tiny_estimator.get_params()
    assert not hasattr(copy, "classes_")


def test_fit_learns_classes_and_targets(tiny_estimator):
    assert tiny_estimator.classes_.tolist() == ["aligned", "neutral", "opposed"]
    assert tiny_estimator.targets_ == ["the tax", "the treaty"]


def test_predictions_on_training_cues(tiny_estimator):
    X = pd.DataFrame(
        {
            "text": [
                "We strongly support the treaty.",
                "We firmly reject the treaty.",
                "The treaty was signed in March.",
            ],
            "target": ["the treaty"] * 3,
        }
    )
    assert tiny_estimator.predict(X).tolist() == ["aligned", "opposed", "neutral"]


def test_accepts_strings_pairs_and_frames(tiny_estimator):
    text = "We firmly reject the treaty."
    as_pairs = tiny_estimator.predict_proba([(text, "The Treaty")])
    as_frame = tiny_estimator.predict_proba(pd.DataFrame({"text": [text], "target": ["the treaty"]}))
    np.testing.assert_allclose(as_pairs, as_frame)
    assert tiny_estimator.predict([text]).shape == (1,)


def test_bare_string_and_non_text_are_refused(tiny_estimator):
    with pytest.raises(TypeError, match="single string"):
        tiny_estimator.predict("We support it.")
    with pytest.raises(TypeError, match="position 1"):
        tiny_estimator.predict(["fine", None])


def test_probabilities_are_finite_and_sum_to_one(tiny_estimator, tiny_corpus):
    proba = tiny_estimator.predict_proba(inputs(tiny_corpus))
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    # The label is always the most probable one.
    assert (
        tiny_estimator.classes_[proba.argmax(axis=1)] == tiny_estimator.predict(inputs(tiny_corpus))
    ).all()


def test_blank_text_is_neutral_with_certainty(tiny_estimator):
    proba = tiny_estimator.predict_proba(["", "   \n"])
    assert proba.tolist() == [[0.0, 1.0, 0.0], [0.0, 1.0, 0.0]]


def test_unknown_target_gets_no_per_target_block(tiny_estimator):
    featuriser = tiny_estimator.vectorizer_.featuriser_
    _, columns, _ = featuriser.transform(["We firmly reject the plan."], ["a target never seen"])
    assert {featuriser.feature_name(c)[1] for c in columns} <= {"shared", "relevance", "toward target"}


def test_without_relating_features_an_unknown_target_is_no_target(tiny_corpus):
    # The model of stance 1.1: the text's attitude, whatever the target.
    model = StanceClassifier(relation_weight=0, relevance=False, calibration_folds=2).fit(
        inputs(tiny_corpus), tiny_corpus["label"]
    )
    text = "We firmly reject the plan."
    np.testing.assert_allclose(
        model.predict_proba([(text, "a target never seen")]), model.predict_proba([text])
    )


def test_target_specific_features_change_scores(tiny_estimator):
    text = "We firmly reject the treaty."
    known = tiny_estimator.decision_function([(text, "the treaty")])
    unknown = tiny_estimator.decision_function([text])
    assert not np.allclose(known, unknown)


def test_without_target_features_targets_do_not_matter(tiny_corpus):
    model = StanceClassifier(
        target_features=None, relation_weight=0, relevance=False, calibration_folds=2
    ).fit(inputs(tiny_corpus), tiny_corpus["label"])
    assert model.targets_ == []
    text = "We firmly reject the treaty."
    np.testing.assert_allclose(
        model.decision_function([(text, "the treaty")]), model.decision_function([text])
    )


@pytest.mark.parametrize(
    "setting",
    [
        {"C": -1},
        {"target_features": "bogus"},
        {"word_ngram_range": 5},
        {"char_ngram_range": (3, 2)},
        {"calibration_folds": 1},
    ],
)
def test_invalid_settings_are_named_before_fitting(setting, tiny_corpus):
    with pytest.raises(ValueError, match=f"invalid setting {next(iter(setting))}"):
        StanceClassifier(**setting).fit(inputs(tiny_corpus), tiny_corpus["label"])


#: Invalid values of each setting, refused by every estimator that has the setting.
INVALID_SETTINGS = {
    "random_state": [-1, 2**32, 1.5, "0", None, True, float("nan"), np.random.RandomState(0)],
    "C": [-1, 0, float("nan"), float("inf"), "1", None, True, 10**400],
    "word_ngram_range": [(0, 1), (2, 1), (1,), "12", (1.0, 2.0), None, (True, 2), 5],
    "char_ngram_range": [(0, 3), (3, 2), "a"],
    "negation": ["no", 0, None],
    "target_features": ["bogus", 1, np.array(["words", "all"])],
    "target_weight": [-1, float("nan"), "x", float("inf"), 1e308],
    "relation_weight": [-1, float("nan"), "x", 1e300],
    "relevance": ["no", 1],
    "relevance_prior": [0, 1, 2, float("nan")],
    "lexicon": ["no", 2, None],
    "min_df": [0, -1, 1.5, "1", True],
    "sublinear_tf": ["yes", None],
    "class_weight": ["bogus", 1, {"aligned": -1}, {"aligned": float("nan")}],
    "calibration_folds": [1, 0, 2.0, True],
    "n_features": [0, 2**31, 1.5, -5],
    "idf": ["yes", None, 1],
    "alpha": [0, -1, float("nan"), "1", 1e300],
    "epochs": [0, 1.5, -1, 10**30],
    "batch_rows": [0, -1, 2.5],
}


def _invalid_cases():
    from stance import StanceVectorizer, StreamingStanceClassifier

    for estimator in (StanceClassifier, StreamingStanceClassifier, StanceVectorizer):
        names = estimator().get_params()
        for name, values in INVALID_SETTINGS.items():
            if name in names:
                for value in values:
                    if (
                        estimator is StreamingStanceClassifier
                        and name == "class_weight"
                        and isinstance(value, dict)
                    ):
                        continue  # a dict is the streaming estimator's own choice: tested below
                    # An object's repr holds its address: the id names its type instead,
                    # so that every test process collects the same ids.
                    shown = repr(value) if " at 0x" not in repr(value) else type(value).__name__
                    yield pytest.param(estimator, name, value, id=f"{estimator.__name__}-{name}={shown}"[:80])


@pytest.mark.parametrize("estimator, name, value", list(_invalid_cases()))
def test_every_invalid_setting_is_refused_at_fit_naming_it(estimator, name, value, tiny_corpus):
    # scikit-learn's convention: __init__ and set_params store values as
    # given (clone and get_params see them unchanged); fit refuses a bad one
    # with a ValueError that names it and says what it may be.
    model = estimator(**{name: value})
    assert model.get_params()[name] is value
    assert estimator().set_params(**{name: value}).get_params()[name] is value
    fit = (
        model.fit if estimator.__name__ == "StanceVectorizer" else partial(model.fit, y=tiny_corpus["label"])
    )
    with pytest.raises(ValueError) as refused:
        fit(inputs(tiny_corpus))
    message = str(refused.value)
    assert message.startswith(f"invalid setting {name}=") and f": {estimator.__name__} takes " in message
    assert len(message) < 250 and "\n" not in message


@pytest.mark.parametrize(
    "settings",
    [
        {"random_state": 0},
        {"random_state": 2**32 - 1},
        {"random_state": np.int64(7)},
        {"negation": np.True_, "lexicon": False, "sublinear_tf": np.False_},
        {"C": np.float32(0.5), "min_df": np.int32(2)},
        {"char_ngram_range": [2, 4], "word_ngram_range": [1, 1]},
        {"target_features": None, "class_weight": None, "relevance_prior": 0.999},
    ],
)
def test_valid_edge_settings_pass_the_check(settings):
    StanceClassifier(**settings).check_params()


def test_streaming_class_weight_dicts_are_checked():
    from stance import StreamingStanceClassifier

    StreamingStanceClassifier(class_weight={"aligned": 2, "opposed": 0.5}).check_params()
    for weights in ({"aligned": 0}, {"aligned": -1}, {"aligned": "2"}, {"aligned": float("inf")}):
        with pytest.raises(ValueError, match="class_weight=.*a {label: weight} dict of weights above 0"):
            StreamingStanceClassifier(class_weight=weights).check_params()


def test_a_label_with_one_example_is_refused(tiny_corpus):
    labels = tiny_corpus["label"].where(tiny_corpus.index != 0, "other")
    with pytest.raises(ValueError, match="at least 2 examples"):
        StanceClassifier().fit(inputs(tiny_corpus), labels)


def test_explain_agrees_with_predict_on_blank_text(tiny_estimator):
    for text in ("", "   ", "\n"):
        assert tiny_estimator.explain(text).attrs["label"] == tiny_estimator.predict([text])[0] == "neutral"


def test_row_order_and_batching_do_not_change_results(tiny_estimator, tiny_corpus):
    X = inputs(tiny_corpus)
    batch = tiny_estimator.predict_proba(X)
    order = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_allclose(tiny_estimator.predict_proba(X.iloc[order]), batch[order])
    one_by_one = np.vstack([tiny_estimator.predict_proba(X.iloc[[i]]) for i in range(len(X))])
    np.testing.assert_allclose(one_by_one, batch, atol=1e-12)


def test_refit_with_same_seed_is_identical(tiny_corpus, tiny_estimator):
    again = clone(tiny_estimator).fit(inputs(tiny_corpus), tiny_corpus["label"])
    np.testing.assert_array_equal(
        again.predict_proba(inputs(tiny_corpus)), tiny_estimator.predict_proba(inputs(tiny_corpus))
    )


def test_pickle_and_joblib_round_trip(tmp_path, tiny_estimator, tiny_corpus):
    path = tmp_path / "model.joblib"
    joblib.dump(tiny_estimator, path)
    for restored in (joblib.load(path), pickle.loads(pickle.dumps(tiny_estimator))):
        assert restored.get_params() == tiny_estimator.get_params()
        np.testing.assert_array_equal(
            restored.predict_proba(inputs(tiny_corpus)), tiny_estimator.predict_proba(inputs(tiny_corpus))
        )


def test_works_in_pipeline_and_grid_search(tiny_corpus):
    pipeline = Pipeline(
        [("strip", FunctionTransformer(strip_texts)), ("stance", StanceClassifier(calibration_folds=2))]
    )
    search = GridSearchCV(pipeline, {"stance__C": [0.1, 1.0]}, cv=2, scoring="f1_macro")
    search.fit(inputs(tiny_corpus), tiny_corpus["label"])
    assert search.best_params_["stance__C"] in (0.1, 1.0)
    assert search.predict(inputs(tiny_corpus)).shape == (len(tiny_corpus),)
    scores = cross_val_score(
        StanceClassifier(calibration_folds=2), inputs(tiny_corpus), tiny_corpus["label"], cv=2
    )
    assert scores.shape == (2,)


def test_explain_names_the_pushing_features(tiny_estimator):
    table = tiny_estimator.explain("We firmly reject the treaty.", target="the treaty", top=5)
    assert table.attrs["label"] == "opposed"
    assert list(table.columns) == ["feature", "source", "weight", "value"]
    assert len(table) == 5
    assert table["weight"].abs().is_monotonic_decreasing
    assert "reject" in table["feature"].tolist() or "firmly reject" in table["feature"].tolist()
    assert {"shared", "target: the treaty"} & set(table["source"])


def test_char_ngrams_can_be_disabled(tiny_corpus):
    model = StanceClassifier(char_ngram_range=None, calibration_folds=2).fit(
        inputs(tiny_corpus), tiny_corpus["label"]
    )
    assert model.vectorizer_.featuriser_.settings["char_ngram_range"] is None
    assert model.predict(["We firmly reject the treaty."]).tolist() == ["opposed"]


def test_a_huge_ngram_range_is_refused_or_bounded_by_the_text():
    # Valid by type, absurd by size: the vocabulary featuriser says why it
    # cannot (it raised an OverflowError), and the hashing one stops at the
    # longest text instead of looping to 10**7.
    from stance import StanceVectorizer, StreamingStanceClassifier
    from stance._featuriser import HashingFeaturiser

    with pytest.raises(ValueError, match="use shorter n-grams"):
        StanceVectorizer(word_ngram_range=(1, 10**7)).fit(["We back it.", "We reject it."])
    hashing = HashingFeaturiser(n_features=2**10, word_ngram_range=(1, 10**7))
    assert len(hashing.transform(["we back it"])[0]) == 6  # 3 words, 2 pairs, 1 triple
    model = StreamingStanceClassifier(word_ngram_range=(1, 10**7)).fit(["We back it.", "We reject it."] * 4, ["aligned", "opposed"] * 4)
    assert model.predict(["We back it."]).tolist() == ["aligned"]
