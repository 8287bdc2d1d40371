"""stance suggest: uncertain sentences, never two near duplicates, ready for annotate and train."""

import numpy as np
import pandas as pd

from stance._suggest import suggest, uncertainty
from stance.cli import main

SENTENCES = [
    "We strongly support the treaty.",
    "The treaty was signed in March.",
    "Some say the treaty may help, others doubt it.",
    "Some say the treaty may help, others doubt it!",
    "Some say that the treaty may help, while others doubt it.",
    "It is unclear whether we will back the treaty.",
    "We firmly reject the treaty.",
    "The committee will meet on Tuesday.",
    "Perhaps the treaty deserves a second look.",
    "",
]


def test_the_most_uncertain_come_first():
    proba = np.array([[0.9, 0.05, 0.05], [0.4, 0.35, 0.25], [0.34, 0.33, 0.33]])
    positions, scores = suggest(["Sure.", "Maybe this.", "Who knows that."], proba, 3)
    assert positions == [2, 1, 0]
    assert scores == sorted(scores, reverse=True)
    assert uncertainty(proba).argmax() == 2


def test_never_two_near_duplicates_and_no_blanks():
    proba = np.tile([0.4, 0.35, 0.25], (len(SENTENCES), 1))
    positions, _ = suggest(SENTENCES, proba, len(SENTENCES))
    chosen = [SENTENCES[p] for p in positions]
    assert "" not in chosen
    assert sum(text.startswith("Some say") for text in chosen) == 1
    assert len(chosen) == len(SENTENCES) - 3


def test_cli_writes_a_csv_that_annotate_and_train_read(tmp_path, capsys):
    frame = pd.DataFrame({"text": SENTENCES * 2, "label": [""] * len(SENTENCES) + ["aligned"] * len(SENTENCES)})
    frame.loc[len(frame)] = ["A fresh sentence about the treaty.", ""]
    frame.to_csv(tmp_path / "sentences.csv", index=False)
    output = tmp_path / "todo.csv"
    status = main(["suggest", "--input", str(tmp_path / "sentences.csv"), "--n", "5", "--target", "the treaty",
                   "--output", str(output)])
    out, err = capsys.readouterr()
    assert status == 0 and out == ""
    assert "left out 10 rows that already have a label" in err
    assert f"stance annotate {output}" in err
    todo = pd.read_csv(output, keep_default_na=False)
    assert list(todo.columns) == ["text", "target", "label", "model_label", "model_confidence", "row"]
    assert len(todo) == 5 and (todo["label"] == "").all() and (todo["target"] == "the treaty").all()
    assert todo["row"].between(1, 10).all() or 21 in todo["row"].tolist()
    assert todo["text"].str.startswith("Some say").sum() <= 1
    # An existing file (maybe annotated) is never replaced without --force.
    assert main(["suggest", "--input", str(tmp_path / "sentences.csv"), "--output", str(output)]) == 2
    assert "pass --force" in capsys.readouterr().err


def test_cli_reads_standard_input_text_and_writes_standard_output(tmp_path, capsys, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO("\n".join(SENTENCES[:6]).encode())))
    status = main(["suggest", "--input", "-", "--format", "text", "-n", "3"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert out.splitlines()[0] == "text,label,model_label,model_confidence,row"
    assert len(out.splitlines()) == 4


def test_cli_usage_errors(tmp_path, capsys):
    assert main(["suggest", "--input", "x.csv", "--n", "0"]) == 2
    assert "--n must be at least 1" in capsys.readouterr().err
    pd.DataFrame({"sentence": ["a"]}).to_csv(tmp_path / "s.csv", index=False)
    assert main(["suggest", "--input", str(tmp_path / "s.csv")]) == 2
    assert "set --text-column; 'sentence' looks like it" in capsys.readouterr().err


def test_candidates_kept_chunk_by_chunk_give_the_suggestions_of_all_rows_at_once():
    # suggest streams its input: it keeps only the texts suggest() would
    # consider (the most uncertain distinct ones), and must choose exactly
    # what it would choose from every row at once, repeats and ties included.
    from stance._suggest import Candidates

    rng = np.random.default_rng(0)
    words = ["treaty", "tax", "we", "back", "reject", "maybe", "vote", "plan", "never", "Tuesday"]
    for trial in range(20):
        n_rows = int(rng.integers(1, 300))
        texts = [" ".join(rng.choice(words, int(rng.integers(0, 4)))) for _ in range(n_rows)]
        proba = rng.dirichlet([1, 1, 1], n_rows).round(1)  # rounded: many ties
        expected = suggest(texts, proba, 5, pool=15)[0]
        kept = Candidates(15)
        cuts = sorted(rng.integers(0, n_rows, 4).tolist())
        for start, stop in zip([0, *cuts], [*cuts, n_rows]):
            kept.add(texts[start:stop], proba[start:stop], list(range(start, stop)))
        pooled, pooled_proba, rows, _ = kept.texts_and_proba()
        assert [rows[p] for p in suggest(pooled, pooled_proba, 5, pool=15)[0]] == expected, trial
