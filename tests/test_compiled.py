"""The compiled form of a model labels exactly as its estimator does."""

import io
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import stance
from stance._compiled import CompiledModel, compile_estimator
from stance._text import NEGATORS, load_lexicon

# Words a hostile or unusual text is made of: corpus words, lexicon phrases,
# negators, contrast words, punctuation, numbers in several scripts, the
# placeholders' raw forms, and words no model has seen.
SOME_LEXICON_PHRASES = sorted(load_lexicon())[::40]
ODD_PIECES = [
    "not", "never", "no", "without", "but", "while", ",", ".", ";", ":", "!", "?", "2017", "12",
    "\u0663", "\u00b2", "#StopTheWar", "@minister", "https://x.y/z", "www.example.org", "won't",
    "can't", "cannot", "well-being", "'quoted'", "a--b", "(aside)", "NOT_x", "LEX_support",
    "_url_", "zebra", "Qatar", "\u201csmart\u201d", "\u2014", "\n", "\t", "",
]  # fmt: skip


@pytest.fixture(scope="module")
def corpus():
    return stance.load_corpus()


@pytest.fixture(scope="module")
def estimators(corpus):
    """Fitted estimators in the settings whose compiled forms differ most.

    Two calibration folds, the fewest: the compiled form copies the fitted
    temperatures, however many folds found them.
    """
    from stance._recipes import make_estimator

    sample = corpus.sample(1200, random_state=3)
    variants = {
        "default": {},
        "trigrams, min_df 2": {"word_ngram_range": (1, 3), "min_df": 2},
        "no negation, no lexicon": {"negation": False, "lexicon": False},
        "bigrams only": {"word_ngram_range": (2, 2)},
        "characters, all copied": {"char_ngram_range": (2, 4), "target_features": "all"},
        "no target blocks": {"target_features": None},
    }
    return {
        name: make_estimator(calibration_folds=2, **setting).fit(sample[["text", "target"]], sample["label"])
        for name, setting in variants.items()
    }


@pytest.fixture(scope="module")
def compiled(estimators):
    """The compiled form of each estimator, compiled once (compiling is deterministic)."""
    return {name: compile_estimator(estimator) for name, estimator in estimators.items()}


def assert_same(estimator, texts, targets, compiled=None):
    compiled = compile_estimator(estimator) if compiled is None else compiled
    expected = estimator.predict_proba(list(zip(texts, targets)))
    got = compiled.predict_proba(texts, targets)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert (got.argmax(axis=1) == expected.argmax(axis=1)).all()


@pytest.mark.parametrize(
    "variant",
    [
        "default",
        "trigrams, min_df 2",
        "no negation, no lexicon",
        "bigrams only",
        "characters, all copied",
        "no target blocks",
    ],
)
def test_compiled_model_gives_the_estimators_probabilities(estimators, corpus, variant):
    texts = corpus["text"].tolist()[:2000] + ["", "   ", "?", "Not a word about it!"]
    targets = corpus["target"].tolist()[:2000] + [None, "the treaty", "UNKNOWN target", " a Carbon  Tax. "]
    assert_same(estimators[variant], texts, targets)


@settings(max_examples=150, deadline=None)
@given(
    pieces=st.lists(
        st.lists(st.sampled_from(ODD_PIECES + SOME_LEXICON_PHRASES + sorted(NEGATORS)), max_size=30),
        min_size=1,
        max_size=8,
    ),
    extra=st.text(max_size=40),
)
def test_compiled_model_matches_on_any_text(estimators, compiled, pieces, extra):
    texts = [" ".join(words) for words in pieces] + [extra]
    targets = ["the treaty" if i % 2 else None for i in range(len(texts))]
    for name in ("default", "trigrams, min_df 2", "no negation, no lexicon"):
        assert_same(estimators[name], texts, targets, compiled[name])


def test_shipped_model_labels_through_its_compiled_form(corpus):
    model = stance.load_model()
    texts = corpus["text"].tolist()[:500]
    targets = corpus["target"].tolist()[:500]
    np.testing.assert_allclose(
        model.predict_proba(texts, targets).to_numpy(),
        model.estimator.predict_proba(list(zip(texts, targets))),
        atol=1e-6,
    )


def test_compiled_form_round_trips_and_never_unpickles(estimators, tmp_path):
    compiled = compile_estimator(estimators["default"])
    buffer = io.BytesIO()
    compiled.save(buffer)
    buffer.seek(0)
    again = CompiledModel.load(buffer)
    texts = ["We back the treaty.", "We will not back it."]
    np.testing.assert_array_equal(again.predict_proba(texts), compiled.predict_proba(texts))
    # An archive holding a pickled object is refused by numpy, not run.
    path = tmp_path / "evil.npz"
    np.savez(path, layout_version=np.array(1), sneaky=np.array([object()], dtype=object))
    with pytest.raises(ValueError):
        CompiledModel.load(path)
    np.savez(path, layout_version=np.array(99))
    with pytest.raises(ValueError, match="layout"):
        CompiledModel.load(path)


def test_labelling_imports_neither_scikit_learn_nor_scipy():
    code = (
        "import sys, stance; stance.predict(['We back the plan.'], target='the plan'); "
        "print(sorted(m for m in ('sklearn', 'scipy', 'pandas', 'nltk') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_tampered_compiled_form_is_refused(tmp_path, tiny_estimator):
    from stance._persistence import save_model

    path = tmp_path / "m.skops"
    save_model(tiny_estimator, path, {"name": "m"})
    arrays = path.with_suffix(".npz")
    arrays.write_bytes(arrays.read_bytes()[:-10])
    with pytest.raises(stance.ModelError, match="checksum"):
        stance.load_model(path)
    arrays.unlink()
    with pytest.raises(stance.ModelError, match="missing"):
        stance.load_model(path)


def _crafted(change):
    import io
    import json

    arrays = dict(stance.load_model()._compiled.arrays_)
    change(arrays, json)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    "change",
    [
        lambda a, json: a.__setitem__("coef", np.full_like(a["coef"], 1e308)),
        lambda a, json: a.__setitem__("intercept", np.array([1e308, -1e308, 1e308])),
        lambda a, json: a.__setitem__("intercept", a["intercept"].astype(complex)),
        lambda a, json: a.__setitem__("temperature", np.array(5e-324)),
        lambda a, json: a.__setitem__("relevance_prior", np.array(float("nan"))),
        lambda a, json: a.__setitem__("relevance_prior", np.array(2.0)),
        lambda a, json: a.__setitem__("word_idf", np.full_like(a["word_idf"], 3e38)),
        lambda a, json: a.__setitem__("layout_version", np.array(2.7)),
        lambda a, json: a.__setitem__(
            "settings",
            np.frombuffer(
                json.dumps({**json.loads(a["settings"].tobytes()), "target_weight": 1e308}).encode(),
                dtype=np.uint8,
            ),
        ),
        lambda a, json: a.__setitem__(
            "settings",
            np.frombuffer(
                json.dumps({**json.loads(a["settings"].tobytes()), "char_ngram_range": [5, 2]}).encode(),
                dtype=np.uint8,
            ),
        ),
    ],
    ids=[
        "huge weights",
        "huge intercepts",
        "complex intercepts",
        "tiny temperature",
        "NaN prior",
        "prior of 2",
        "huge idf",
        "float layout version",
        "huge target weight",
        "reversed character range",
    ],
)
def test_crafted_arrays_with_finite_but_absurd_values_are_refused(change):
    with pytest.raises(ValueError, match="damaged|not a compiled"):
        CompiledModel.load(_crafted(change))


def test_hash_tables_find_what_binary_search_finds():
    from stance._featuriser import _find, _KeyIndex

    rng = np.random.default_rng(0)
    for known in (
        np.array([5]),
        np.arange(0, 3000, 3),
        np.unique(rng.integers(-(2**62), 2**62, 5000)),
        np.arange(200) << 50,  # keys that differ in high bits only
    ):
        others = rng.integers(-(2**62), 2**62, 2000)
        queries = np.concatenate([known, known + 1, others, [0, -1], known[::-1]])
        rng.shuffle(queries)
        expected, got = _find(known, queries), _KeyIndex(known).find(queries)
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])


@pytest.mark.parametrize("pair_bits", [True, False])
def test_large_batches_get_the_features_small_ones_get(monkeypatch, corpus, pair_bits):
    # A large batch looks its n-grams and lexicon phrases up in hash tables
    # and its per-target pairs in bits (or, without them, a hash table too),
    # a small one by binary search: the same features, in the same order.
    from stance import _featuriser
    from stance._featuriser import Featuriser

    if not pair_bits:
        monkeypatch.setattr(_featuriser, "PAIR_BIT_WORDS", 0)
    featuriser = Featuriser(stance.load_model()._compiled.featuriser.arrays)
    batch = corpus["text"].tolist()[:3000], corpus["target"].tolist()[:3000]
    hashed = featuriser.transform(*batch)
    assert (featuriser._pair_bits() is not None) == pair_bits
    monkeypatch.setattr(_featuriser, "HASHED_LOOKUPS", 10**9)
    searched = featuriser.transform(*batch)
    for got, expected in zip(hashed, searched):
        np.testing.assert_array_equal(got, expected)


def test_pair_bits_find_what_binary_search_finds():
    from stance._featuriser import _find, _PairBits

    rng = np.random.default_rng(2)
    for n_targets, n_shared in ((1, 1), (3, 64), (5, 65), (7, 1000)):
        cells = n_targets * n_shared
        pair_keys = np.unique(rng.integers(0, cells, cells // 2 + 1))
        targets, columns = rng.integers(0, n_targets, 5000), rng.integers(0, n_shared, 5000)
        columns[:3] = [0, n_shared - 1, min(63, n_shared - 1)]
        expected = _find(pair_keys, targets * n_shared + columns)
        got = _PairBits(pair_keys, n_targets, n_shared).find(targets, columns)
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])



def test_tfidf_counts_as_numpy_unique_counts():
    from stance._featuriser import _tfidf

    rng = np.random.default_rng(1)
    rows, columns = np.sort(rng.integers(0, 50, 3000)), rng.integers(0, 40, 3000)  # repeats
    rows, columns = np.concatenate([rows, rows[::7]]), np.concatenate([columns, columns[::7]])
    idf = rng.random(40).astype(np.float32) + 1
    got_rows, got_columns, values = _tfidf(rows, columns, 50, idf, False, 40)
    keys, counts = np.unique(rows * 40 + columns, return_counts=True)
    np.testing.assert_array_equal(got_rows * 40 + got_columns, keys)
    norms = np.sqrt(np.bincount(got_rows, (counts * idf[got_columns].astype(np.float64)) ** 2))
    np.testing.assert_allclose(values, counts * idf[got_columns] / norms[got_rows], rtol=1e-6)
    assert all(len(part) == 0 for part in _tfidf(rows[:0], columns[:0], 50, idf, True, 40))
