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
    # Added with the sentences written like real statements (version 3):
    "third_party",
    "via_ally",
    "via_opponent",
    "framing",
    "procedural",
    "multi_speaker",
    # Added with the arguments and background sentences (version 4):
    "argument",
}
COLUMNS = [
    "text",
    "target",
    "label",
    "domain",
    "register",
    "phenomena",
    "mentions",
    "version",
    "split",
    "second_label",
]


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
    assert list(corpus.columns) == COLUMNS
    assert (corpus["text"].str.strip() != "").all()
    assert (corpus["target"].str.strip() != "").all()
    assert set(corpus["register"]) == REGISTERS
    tags = {t for cell in corpus["phenomena"] for t in cell.split(";") if t}
    assert tags <= TAGS


def test_no_duplicates_and_no_template_openings(corpus):
    normalised = corpus["text"].str.lower().str.replace(r"\W+", " ", regex=True).str.strip()
    assert not normalised.duplicated().any()
    # Hand-written sentences rarely share their first four words (counted
    # per writing round: rounds share the registers' stock openings).
    for _, sentences in normalised.groupby(corpus["version"]):
        openings = sentences.str.split().str[:4].str.join(" ").value_counts()
        assert openings.iloc[0] <= 8, openings.head()


def test_hard_cases_are_well_represented(corpus):
    tagged = corpus["phenomena"].str.len() > 0
    assert tagged.mean() >= 1 / 3
    for tag in sorted(TAGS - {"unrelated", "factual", "implicit", "conditional"}):
        assert corpus["phenomena"].str.contains(tag).sum() >= 30, tag


def test_mentions_are_annotated_as_they_stand_in_the_text(corpus):
    roles = set()
    for text, cell in zip(corpus["text"], corpus["mentions"]):
        for mention in filter(None, cell.split(";")):
            role, surface = mention.split(":", 1)
            roles.add(role)
            assert surface in text, (surface, text)
    assert roles == {"target", "ally", "opponent"}


def test_held_out_part_is_labelled_twice_and_agreement_is_stated(corpus):
    held = corpus[corpus["split"] == "heldout"]
    assert len(held) >= 600 and set(held["version"]) == {"3", "4", "5"}
    assert set(held["second_label"]) <= set(stance.LABELS)
    assert (corpus.loc[corpus["split"] != "heldout", "second_label"] == "").all()
    agreement = (held["label"] == held["second_label"]).mean()
    assert f"{100 * agreement:.1f}%" in DATASHEET.read_text(encoding="utf-8")


def test_every_target_has_a_shipped_profile(corpus):
    profiles = stance.load_profiles()
    assert {target.lower() for target in corpus["target"]} <= set(profiles)


def test_datasheet_states_the_current_counts(corpus):
    sheet = DATASHEET.read_text(encoding="utf-8")
    assert re.search(rf"\b{len(corpus):,} sentences\b".replace(",", ",?"), sheet), (
        "update the datasheet's total"
    )
    assert f"{corpus['target'].nunique()} targets" in sheet
    for target in corpus["target"].unique():
        assert target in sheet, target
