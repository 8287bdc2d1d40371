"""Properties that hold for any input (hypothesis generates the examples)."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stance
from stance._io import read_table, write_table

# Any code point, including control characters and lone surrogates.
ANY_TEXT = st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF), max_size=200)
# Line breaks of every kind, where row-based formats break most easily.
TEXTS_WITH_BREAKS = st.lists(
    st.one_of(ANY_TEXT, st.sampled_from(["0\r", "a\r\nb", "\n", '"', '",\r"'])), max_size=15
)
TARGETS = st.sampled_from([None, "sanctions against Russia", "NATO  ENLARGEMENT", "a target never seen", ""])
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(text=ANY_TEXT, target=TARGETS)
def test_any_text_gets_a_valid_label_and_probabilities(text, target):
    model = stance._model.default_model()
    [label] = model.predict(text, target=target)
    assert label in stance.LABELS
    proba = model.predict_proba(text, target=target).to_numpy()
    assert np.isfinite(proba).all()
    assert abs(proba.sum() - 1) < 1e-9
    assert model.labels[int(proba.argmax())] == label


@SETTINGS
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=12), target=TARGETS)
def test_batch_equals_one_by_one(texts, target):
    model = stance._model.default_model()
    batch = model.predict_proba(texts, target=target).to_numpy()
    single = np.vstack([model.predict_proba(text, target=target).to_numpy() for text in texts])
    np.testing.assert_allclose(batch, single, atol=1e-12)


@SETTINGS
@given(texts=st.lists(ANY_TEXT, min_size=1, max_size=12), seed=st.integers(0, 2**32 - 1))
def test_shuffling_inputs_shuffles_outputs(texts, seed):
    model = stance._model.default_model()
    order = np.random.default_rng(seed).permutation(len(texts))
    labels = np.array(model.predict(texts), dtype=object)
    shuffled = model.predict([texts[i] for i in order])
    assert shuffled == labels[order].tolist()


@SETTINGS
@given(texts=TEXTS_WITH_BREAKS, fmt=st.sampled_from(["csv", "jsonl"]))
def test_written_output_reads_back_with_every_row(tmp_path_factory, texts, fmt):
    model = stance._model.default_model()
    labelled = model.label_frame(pd.DataFrame({"text": texts}, dtype=object))
    path = tmp_path_factory.mktemp("out") / f"out.{fmt}"
    assert write_table([labelled], path, fmt) == len(texts)
    if not texts:
        # No rows: CSV keeps its header, JSON Lines is empty.
        expected = ",".join(labelled.columns) + "\r\n" if fmt == "csv" else ""
        assert path.read_bytes().decode() == expected
        return
    back = pd.concat(read_table(path), ignore_index=True)
    assert len(back) == len(texts)
    assert back["stance_label"].tolist() == labelled["stance_label"].tolist()
    assert back["stance_flag"].fillna("").tolist() == labelled["stance_flag"].tolist()
