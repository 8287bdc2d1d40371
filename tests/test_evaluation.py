"""Scores checked against values computed by hand."""

import numpy as np
import pytest

from stance._evaluation import calibration_report, evaluation_report, f_avg, format_report

# Ten gold labels and predictions, written for this test.
GOLD = [
    "aligned",
    "aligned",
    "aligned",
    "aligned",
    "opposed",
    "opposed",
    "opposed",
    "neutral",
    "neutral",
    "neutral",
]
PRED = [
    "aligned",
    "aligned",
    "opposed",
    "neutral",
    "opposed",
    "opposed",
    "aligned",
    "neutral",
    "aligned",
    "neutral",
]


def test_f_avg_by_hand():
    # aligned: TP 2, FP 2 (one opposed, one neutral), FN 2 -> P 2/4, R 2/4, F1 0.5
    # opposed: TP 2, FP 1, FN 1 -> P 2/3, R 2/3, F1 2/3
    assert f_avg(GOLD, PRED) == pytest.approx((0.5 + 2 / 3) / 2)


def test_f_avg_ignores_neutral_f1_but_counts_its_errors():
    assert f_avg(["neutral", "neutral"], ["neutral", "neutral"]) == 0.0
    assert f_avg(["aligned", "neutral"], ["aligned", "aligned"]) == pytest.approx((2 / 3 + 0) / 2)


def test_report_by_hand():
    report = evaluation_report(GOLD, PRED, targets=["a"] * 5 + ["b"] * 5)
    assert report["texts"] == 10
    assert report["accuracy"] == pytest.approx(0.6)
    # neutral: TP 2, FP 1, FN 1 -> F1 2/3
    assert report["per_class"]["neutral"]["f1"] == pytest.approx(2 / 3)
    assert report["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 2 / 3) / 3)
    assert report["confusion"]["aligned"] == {"aligned": 2, "neutral": 1, "opposed": 1}
    assert report["per_class"]["opposed"]["support"] == 3
    # target a: rows 0-4: gold A A A A O, pred A A O N O -> accuracy 3/5
    assert report["per_target"]["a"]["accuracy"] == pytest.approx(0.6)
    assert report["per_target"]["b"]["texts"] == 5


def test_calibration_by_hand():
    classes = ["aligned", "neutral", "opposed"]
    proba = np.array([[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.6, 0.3, 0.1], [0.2, 0.7, 0.1]])
    truth = ["aligned", "opposed", "aligned", "neutral"]
    report = calibration_report(truth, proba, classes)
    # Bin 0.8-0.9: confidence 0.9, accuracy 0.5 -> gap 0.4, weight 1/2
    # Bin 0.5-0.6: confidence 0.6, accuracy 1 -> gap 0.4, weight 1/4
    # Bin 0.6-0.7: confidence 0.7, accuracy 1 -> gap 0.3, weight 1/4
    assert report["ece"] == pytest.approx(0.5 * 0.4 + 0.25 * 0.4 + 0.25 * 0.3)
    brier = [0.01 + 0.0025 + 0.0025, 0.81 + 0.0025 + 0.9025, 0.16 + 0.09 + 0.01, 0.04 + 0.09 + 0.01]
    assert report["brier"] == pytest.approx(np.mean(brier))


def test_format_report_shows_every_figure():
    text = format_report(evaluation_report(GOLD, PRED, targets=["a"] * 10), "title")
    assert text.startswith("title")
    assert "macro-F1 0.611" in text and "F_avg 0.583" in text
    assert "confusion" in text and "a " in text


def test_macro_f1_ignores_labels_nobody_uses():
    report = evaluation_report(["aligned", "opposed"], ["aligned", "aligned"])
    # aligned: P 1/2, R 1 -> F1 2/3; opposed: F1 0; neutral is absent from both.
    assert report["macro_f1"] == pytest.approx(1 / 3)


def sklearn_report(y_true, y_pred, targets, labels=("aligned", "neutral", "opposed")):
    """The scores as scikit-learn's metrics give them on all the rows at once (the reference)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    labels = list(labels)

    def scores(truth, predicted):
        present = [label for label in labels if label in set(truth) | set(predicted)]
        return {
            "texts": len(truth),
            "accuracy": float(accuracy_score(truth, predicted)),
            "macro_f1": float(f1_score(truth, predicted, labels=present, average="macro", zero_division=0)),
            "f_avg": f_avg(truth, predicted),
        }

    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    report = scores(y_true, y_pred)
    report["per_class"] = {
        label: {"precision": precision[i], "recall": recall[i], "f1": f1[i], "support": support[i]}
        for i, label in enumerate(labels)
    }
    report["confusion"] = {a: {b: matrix[i, j] for j, b in enumerate(labels)} for i, a in enumerate(labels)}
    truth, predicted, keys = np.array(y_true), np.array(y_pred), np.array(targets)
    report["per_target"] = {
        target: scores(list(truth[keys == target]), list(predicted[keys == target]))
        for target in sorted(set(targets))
    }
    return report


@pytest.mark.parametrize("seed", range(30))
def test_counted_scores_are_scikit_learns_to_the_bit_in_any_chunks(seed):
    # evaluate counts chunk by chunk instead of holding every row; the
    # report must be the one scikit-learn computes on all rows at once.
    from stance._evaluation import Tally

    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    used = rng.choice(["aligned", "neutral", "opposed"], size=int(rng.integers(1, 4)), replace=False)
    y_true = list(rng.choice(used, n))
    y_pred = list(rng.choice(["aligned", "neutral", "opposed"], n, p=rng.dirichlet([1, 1, 1])))
    targets = list(rng.choice(["tax", "treaty", "nato", "zoos"], n))
    expected = sklearn_report(y_true, y_pred, targets)
    assert evaluation_report(y_true, y_pred, targets) == expected
    tally = Tally()
    cuts = sorted(rng.integers(0, n, 3).tolist())
    for start, stop in zip([0, *cuts], [*cuts, n]):
        tally.add(y_true[start:stop], y_pred[start:stop], targets[start:stop])
    assert tally.report() == expected


def test_per_target_counts_stop_beyond_the_bound_and_overall_ones_go_on():
    from stance._evaluation import Tally

    tally = Tally(max_targets=2)
    tally.add(["aligned"] * 3, ["aligned"] * 3, ["a", "b", "c"])
    assert tally.too_many_targets and "per_target" not in tally.report()
    assert tally.report()["texts"] == 3
