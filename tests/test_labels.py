import pytest

from stance import LABELS
from stance._errors import DataError
from stance._labels import normalize_label, parse_label_map, resolve_labels, suggest_label_map


def test_labels_are_the_three_stances_in_column_order():
    assert LABELS == ("aligned", "neutral", "opposed")


@pytest.mark.parametrize(
    "value, label",
    [
        ("FAVOR", "aligned"),
        ("PRO", "aligned"),
        ("SUPPORT", "aligned"),
        ("for", "aligned"),
        ("AGAINST", "opposed"),
        ("CON", "opposed"),
        ("UNDERMINE", "opposed"),
        ("against", "opposed"),
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


@pytest.mark.parametrize("value", [1, 1.0, "1", "+1", -1, "-1", 0, "0", 2])
def test_numbers_are_never_labels_on_their_own(value):
    assert normalize_label(value) is None
    assert normalize_label(value, {str(value).replace(".0", ""): "opposed"}) == "opposed"


def test_partial_numeric_map_lists_every_unmapped_number_and_suggests_a_full_map():
    values = ["0"] * 3 + ["1"] * 2 + ["2"] * 4
    with pytest.raises(DataError) as caught:
        resolve_labels(values, {"2": "aligned"})
    message = str(caught.value)
    assert "'0' (3 rows)" in message and "'1' (2 rows)" in message and "'2'" not in message.split(";")[0]
    assert "numbers are never guessed" in message
    assert "--label-map '2=aligned,0=neutral,1=opposed'" in message


@pytest.mark.parametrize(
    "values, suggestion",
    [
        (["S", "O", "N"], "S=aligned,O=opposed,N=neutral"),
        (["F", "A", "N"], "F=aligned,A=opposed,N=neutral"),
        (["-1", "0", "1"], "-1=opposed,0=neutral,1=aligned"),
        (["yes", "no"], "yes=aligned,no=opposed"),
    ],
)
def test_suggested_maps_give_each_label_once_and_sensibly(values, suggestion):
    assert suggest_label_map(values) == suggestion


def test_other_schemes_are_mapped_out_loud():
    mapping, notes = resolve_labels(["FAVOR", "AGAINST", "NONE", "aligned"])
    assert mapping == {"FAVOR": "aligned", "AGAINST": "opposed", "NONE": "neutral", "aligned": "aligned"}
    assert notes == ["labels mapped: FAVOR -> aligned, AGAINST -> opposed, NONE -> neutral (change with --label-map)"]
    assert resolve_labels(["aligned", "opposed", None, " "]) == ({"aligned": "aligned", "opposed": "opposed"}, [])


def test_every_unknown_label_is_listed_at_once():
    with pytest.raises(DataError, match=r"'S' \(1 rows\), 'O' \(1 rows\), 'N' \(1 rows\)"):
        resolve_labels(["S", "O", "N"])


def test_a_suggested_map_never_turns_a_label_into_another():
    # Data that is ours but for one stray "1": the suggestion mapped
    # aligned=neutral, and pasting it collapsed every aligned row.
    with pytest.raises(DataError) as error:
        resolve_labels(["aligned", "opposed", "neutral", "1", "aligned"])
    suggestion = str(error.value).split("--label-map '")[-1].split("'")[0]
    assert parse_label_map(suggestion) == {
        "1": "aligned", "aligned": "aligned", "opposed": "opposed", "neutral": "neutral"
    }


@pytest.mark.parametrize(
    "labels, advice",
    [
        # A label holding "," or "=" cannot be named in a map: a guess would split it.
        (["aligned", "neutral", "q=neutral,aligned"], 'rename the labels holding "," or "=" first'),
        # A quote inside a label: the suggestion stays one shell word.
        (["aligned", "don't know"], """--label-map 'aligned=aligned,don'"'"'t know=neutral'"""),
    ],
)
def test_the_label_map_advice_can_be_pasted(labels, advice):
    with pytest.raises(DataError) as error:
        resolve_labels(labels)
    assert advice in str(error.value)
