"""Clear messages for API mistakes, and -v saying more."""

import pytest

import stance
from stance.cli import main


@pytest.mark.parametrize("target", [5, 1.5, b"treaty", {"a": 1}])
def test_a_target_of_the_wrong_type_is_named_clearly(target):
    with pytest.raises(TypeError, match=rf"target must be a string .* not {type(target).__name__}"):
        stance.predict("We back the treaty.", target=target)


def test_a_target_list_of_the_wrong_length_is_a_value_error():
    with pytest.raises(ValueError, match="got 2 texts but 1 targets"):
        stance.predict(["a", "b"], target=["x"])


def test_verbose_says_more(tmp_path, capsys, tiny_csv):
    argv = ["train", "-d", str(tiny_csv), "-o", str(tmp_path / "m.skops"), "--folds", "0"]
    assert main(argv) == 0
    quiet = capsys.readouterr().err
    assert main([*argv[:1], "-v", *argv[1:], "--force"]) == 0
    loud = capsys.readouterr().err
    assert "columns: text 'text', target 'target', label 'label'" in loud and "columns:" not in quiet
    assert "labels: aligned 8, neutral 8, opposed 8" in loud
    document = tmp_path / "doc.txt"
    document.write_text("We back the plan. Critics said it would fail.")
    assert main(["analyze", "-v", str(document)]) == 0
    assert "2 sentences in 45 characters; 1 in the author's voice, 1 reported" in capsys.readouterr().err
