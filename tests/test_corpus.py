"""The bundled corpus keeps the promises its datasheet makes."""

import re
from pathlib import Path

import pytest

import stance

DATASHEET = Path(stance.__file__).parent / "data" / "DATASHEET.md"
REGISTERS = {"official_statement", "un_speech", "parliament", "news", "opinion", "social_media"}
TAGS = {
    "negation",
    "concession",
    "reported",
    "rhetorical_question",
    "irony",
    "neutrality",
    "abstention",
    "balanced",
    "unrelated",
    "factual",
    "implicit",
    "conditional",
}


@pytest.fixture(scope="module")
def corpus():
    return stance.load_corpus()


def test_size_targets_domains_and_balance(corpus):
    assert len(corpus) >= 2000
    assert corpus["target"].nunique() >= 25
    assert corpus["domain"].nunique() >= 5
    shares = corpus["label"].value_counts(normalize=True)
    assert set(shares.index) == set(stance.LABELS)
    assert shares.min() >= 0.25


def test_every_row_is_complete_and_valid(corpus):
    assert list(corpus.columns) == ["text", "target", "label", "domain", "register", "phenomena"]
    assert (corpus["text"].str.strip() != "").all()
    assert (corpus["target"].str.strip() != "").all()
    assert set(corpus["register"]) == REGISTERS
    tags = {t for cell in corpus["phenomena"] for t in cell.split(";") if t}
    assert tags <= TAGS


def test_no_duplicates_and_no_template_openings(corpus):
    normalised = corpus["text"].str.lower().str.replace(r"\W+", " ", regex=True).str.strip()
    assert not normalised.duplicated().any()
    openings = normalised.str.split().str[:4].str.join(" ").value_counts()
    # Hand-written sentences rarely share their first four words.
    assert openings.iloc[0] <= 8, openings.head()


def test_hard_cases_are_well_represented(corpus):
    tagged = corpus["phenomena"].str.len() > 0
    assert tagged.mean() >= 1 / 3
    for tag in sorted(TAGS - {"unrelated", "factual", "implicit", "conditional"}):
        assert corpus["phenomena"].str.contains(tag).sum() >= 30, tag


def test_datasheet_states_the_current_counts(corpus):
    sheet = DATASHEET.read_text(encoding="utf-8")
    assert re.search(rf"\b{len(corpus):,} sentences\b".replace(",", ",?"), sheet), (
        "update the datasheet's total"
    )
    assert f"{corpus['target'].nunique()} targets" in sheet
    for target in corpus["target"].unique():
        assert target in sheet, target
