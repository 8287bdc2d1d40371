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
