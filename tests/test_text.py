import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stance._featuriser import Featuriser
from stance._sentences import sentence_spans
from stance._text import normalize_target, normalize_text, normalized_lines


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("We don't support it", "we do not support it"),
        ("They can't and won't", "they can not and will not"),
        ("We cannot accept", "we can not accept"),
        ("Read https://example.org/a?b=c now", "read _url_ now"),
        ("@foreign_office said so", "_user_ said so"),
        ("#NoMoreWar today", "no more war _tag_nomorewar today"),
        ("It\u2019s a \u201cdeal\u201d", "it's a \u201cdeal\u201d"),
        ("tab\tand\x00null\x1b", "tab and null"),
        ("\ud800lone surrogate", "lone surrogate"),
    ],
)
def test_normalize_text(raw, expected):
    assert normalize_text(raw) == expected


def words(text, **settings):
    """The word features (unigrams, negation scopes marked) the featuriser gives ``text``."""
    featuriser = Featuriser.fit([text], [None], word_ngram_range=(1, 1), **settings)
    return {featuriser.feature_name(column)[0] for column in featuriser.transform([text])[1]}


def test_negation_scope_stops_at_punctuation_contrast_and_window():
    found = words("we do not support the plan in any form at all , but we will talk")
    assert {"we", "do", "not", "NOT_support", "NOT_the", "NOT_plan", "NOT_in", "any", "but"} <= found
    assert not {"NOT_any", "NOT_we", "NOT_talk", ","} & found
    assert "NOT_talk" in words("we do not, but may not talk")


def test_word_features_distinguish_negated_cues():
    assert "NOT_support" in words("We do not support it.")
    assert "NOT_support" not in words("We support it.")
    assert "support" in words("We do not support it.", negation=False)


@pytest.mark.parametrize(
    "a, b",
    [
        ("NATO enlargement", "  nato   ENLARGEMENT. "),
        ("the EU-Mercosur trade agreement", "The EU\u2013Mercosur Trade Agreement"),
        ("Ukraine's territorial integrity", "Ukraine\u2019s territorial integrity"),
    ],
)
def test_targets_normalise_case_spacing_and_typography(a, b):
    assert normalize_target(a) == normalize_target(b)


def test_normalize_target_missing():
    assert normalize_target(None) is None
    assert normalize_target("  ") is None


DOCUMENT = (
    "Mr. Ortiz opened the session at 9 a.m. on Monday. The U.N. envoy, Dr. Amani, spoke next.\n\n"
    "Headline without a full stop\n\n"
    "   Our country abstains. It wants peace!   Does anyone doubt it?"
)


def test_sentence_spans_are_exact_offsets():
    spans = sentence_spans(DOCUMENT)
    sentences = [DOCUMENT[a:b] for a, b in spans]
    assert sentences == [
        "Mr. Ortiz opened the session at 9 a.m. on Monday.",
        "The U.N. envoy, Dr. Amani, spoke next.",
        "Headline without a full stop",
        "Our country abstains.",
        "It wants peace!",
        "Does anyone doubt it?",
    ]


def test_sentence_spans_of_blank_document():
    assert sentence_spans("") == []
    assert sentence_spans(" \n\n \t") == []


def test_sentence_splitting_needs_no_nltk_data(tmp_path):
    # NLTK looks for data in NLTK_DATA and a few fixed folders; point it at an
    # empty folder and make sure no download is attempted.
    code = (
        "import nltk, stance._sentences as t\n"
        "nltk.download = lambda *a, **k: (_ for _ in ()).throw(RuntimeError('download attempted'))\n"
        "print(len(t.sentence_spans('One. Two. Three.')))\n"
    )
    env = {**os.environ, "NLTK_DATA": str(tmp_path), "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "3"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=6))
def test_batch_normalisation_matches_one_text_at_a_time(texts):
    # Texts normalised together (joined by line breaks) come out as each
    # alone does, but for runs of spaces; a line break inside a text is a space.
    texts = texts + ["A\nB", "x\u2028y\u0085z\r\nw", "e\u0301 #TagOne@user http://x.y/#f WON'T"]
    lines = normalized_lines(texts)
    assert [" ".join(line.split()) for line in lines] == [normalize_text(text) for text in texts]


def test_a_text_without_a_url_s_marks_has_no_url():
    # normalize_text looks for URLs only in a text holding "://" or "ww.",
    # in any case: every URL holds one of them.
    from itertools import product

    from stance._text import _URL, _WWW

    pieces = ["h", "H", "t", "T", "p", "s", ":", "/", "//", "w", "W", ".", "x", " ", "_", "-"]
    for parts in product(pieces, repeat=4):
        for text in ("".join(parts) + "x", "http" + "".join(parts) + "x", "ww" + "".join(parts) + "y"):
            if _URL.search(text):
                assert "://" in text or any(www in text for www in _WWW), text
