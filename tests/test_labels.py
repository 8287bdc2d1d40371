import pytest

from stance import LABELS
from stance._labels import normalize_label, parse_label_map


def test_labels_are_the_three_stances_in_column_order():
    assert LABELS == ("aligned", "neutral", "opposed")


@pytest.mark.parametrize(
    "value, label",
    [
        ("FAVOR", "aligned"),
        ("PRO", "aligned"),
        ("SUPPORT", "aligned"),
        ("for", "aligned"),
        (1, "aligned"),
        (1.0, "aligned"),
        ("AGAINST", "opposed"),
        ("CON", "opposed"),
        ("UNDERMINE", "opposed"),
        ("against", "opposed"),
        (-1, "opposed"),
        ("NONE", "neutral"),
        ("NEUTRAL", "neutral"),
        ("no-argument", "neutral"),
        (" Opposed ", "opposed"),
    ],
)
def test_other_schemes_map_to_ours(value, label):
    assert normalize_label(value) == label


def test_unknown_labels_are_none_unless_mapped():
    assert normalize_label("maybe") is None
    assert normalize_label(None) is None
    assert normalize_label("Maybe", {"maybe": "neutral"}) == "neutral"
    # A user's map wins over the built-in aliases.
    assert normalize_label("pro", {"PRO": "opposed"}) == "opposed"


@pytest.mark.parametrize("spec", ["FAVOR", "FAVOR=", "FAVOR=positive", "", " , ", "=aligned"])
def test_invalid_label_maps_are_refused(spec):
    with pytest.raises(ValueError):
        parse_label_map(spec)
