"""Scores: macro-F1, SemEval's F_avg, per-class and per-target reports, calibration."""

import numpy as np

from ._head import most_probable
from ._labels import LABELS

__all__ = ["f_avg", "evaluation_report", "calibration_report", "format_report"]


def f_avg(y_true, y_pred):
    """Return SemEval-2016's F_avg: the mean F1 of ``aligned`` and ``opposed``.

    ``neutral`` is not scored, but predicting it for an aligned or opposed
    text still costs recall, and predicting aligned or opposed for a neutral
    text costs precision.

    Examples
    --------
    >>> f_avg(["aligned", "opposed", "neutral", "aligned"],
    ...       ["aligned", "neutral", "neutral", "opposed"])
    0.3333333333333333
    """
    from sklearn.metrics import f1_score

    return float(f1_score(y_true, y_pred, labels=["aligned", "opposed"], average="macro", zero_division=0))


def calibration_report(y_true, proba, classes, bins=10):
    """Return the expected calibration error, Brier score and reliability bins.

    The expected calibration error (ECE) bins texts by the probability of
    their predicted label and averages ``|accuracy - confidence|`` over bins,
    weighted by bin size. The Brier score is the mean squared distance
    between the probability vector and the one-hot truth (scikit-learn's
    multi-class ``brier_score_loss``: from 0, perfect, to 2).
    """
    from sklearn.metrics import brier_score_loss

    proba = np.asarray(proba, dtype=float)
    classes = np.asarray(classes)
    truth = np.asarray(y_true)
    confidence = proba.max(axis=1)
    correct = most_probable(proba, classes) == truth
    edges = np.linspace(0, 1, bins + 1)
    table = []
    ece = 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        inside = (confidence > low) & (confidence <= high)
        if inside.any():
            gap = abs(correct[inside].mean() - confidence[inside].mean())
            ece += inside.mean() * gap
            table.append(
                {
                    "bin": f"{low:.1f}-{high:.1f}",
                    "texts": int(inside.sum()),
                    "confidence": float(confidence[inside].mean()),
                    "accuracy": float(correct[inside].mean()),
                }
            )
    return {
        "ece": float(ece),
        # brier_score_loss reads the columns in sorted label order.
        "brier": float(brier_score_loss(truth, proba[:, np.argsort(classes)], labels=np.sort(classes))),
        "reliability": table,
    }


def evaluation_report(y_true, y_pred, targets=None, labels=LABELS):
    """Return every score of a labelling as a plain dict.

    Parameters
    ----------
    y_true, y_pred : sequence of str
    targets : sequence of str, optional
        The target of each text, for per-target scores.
    labels : sequence of str

    Returns
    -------
    dict
        ``texts``, ``accuracy``, ``macro_f1`` (over the labels that the data
        or the predictions use), ``f_avg``, ``per_class``
        (precision, recall, f1, support per label), ``confusion`` (rows:
        true label, columns: predicted) and, with targets, ``per_target``.

    Examples
    --------
    >>> report = evaluation_report(["aligned", "opposed", "neutral"],
    ...                            ["aligned", "opposed", "opposed"])
    >>> report["accuracy"], round(report["macro_f1"], 4)
    (0.6666666666666666, 0.5556)
    >>> report["confusion"]["neutral"]
    {'aligned': 0, 'neutral': 0, 'opposed': 1}
    """
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    y_true = [str(y) for y in y_true]
    y_pred = [str(y) for y in y_pred]
    labels = list(labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    # A label that neither the data nor the predictions use (neutral in a
    # two-sided data set) would only drag the macro average down.
    present = [label for label in labels if label in set(y_true) | set(y_pred)]
    report = {
        "texts": len(y_true),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=present, average="macro", zero_division=0)),
        "f_avg": f_avg(y_true, y_pred),
        "per_class": {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, label in enumerate(labels)
        },
        "confusion": {
            label: {other: int(matrix[i, j]) for j, other in enumerate(labels)}
            for i, label in enumerate(labels)
        },
    }
    if targets is not None:
        report["per_target"] = _per_target(y_true, y_pred, list(targets), labels)
    return report


def _per_target(y_true, y_pred, targets, labels):
    from sklearn.metrics import f1_score

    scores = {}
    truth, predicted, keys = np.array(y_true), np.array(y_pred), np.array(targets, dtype=object)
    for target in sorted({t for t in targets}, key=lambda t: (t is None, str(t))):
        rows = keys == target if target is not None else np.array([t is None for t in targets])
        present = [label for label in labels if label in set(truth[rows]) | set(predicted[rows])]
        scores[str(target)] = {
            "texts": int(rows.sum()),
            "accuracy": float((truth[rows] == predicted[rows]).mean()),
            "macro_f1": float(
                f1_score(truth[rows], predicted[rows], labels=present, average="macro", zero_division=0)
            ),
            "f_avg": f_avg(truth[rows], predicted[rows]),
        }
    return scores


def format_report(report, title=None):
    """Render an :func:`evaluation_report` as aligned plain-text tables."""
    lines = [title, ""] if title else []
    lines.append(
        f"texts {report['texts']}   accuracy {report['accuracy']:.3f}   "
        f"macro-F1 {report['macro_f1']:.3f}   F_avg {report['f_avg']:.3f}"
    )
    lines += ["", f"{'label':<10}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}"]
    for label, row in report["per_class"].items():
        lines.append(
            f"{label:<10}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>10.3f}{row['support']:>10}"
        )
    labels = list(report["confusion"])
    lines += [
        "",
        "confusion (rows: true, columns: predicted)",
        " " * 10 + "".join(f"{l:>10}" for l in labels),
    ]
    for label in labels:
        lines.append(f"{label:<10}" + "".join(f"{report['confusion'][label][o]:>10}" for o in labels))
    if "per_target" in report:
        width = max(12, *(len(t) for t in report["per_target"])) + 2
        lines += ["", f"{'target':<{width}}{'texts':>7}{'accuracy':>10}{'macro-F1':>10}{'F_avg':>8}"]
        for target, row in report["per_target"].items():
            lines.append(
                f"{target:<{width}}{row['texts']:>7}{row['accuracy']:>10.3f}"
                f"{row['macro_f1']:>10.3f}{row['f_avg']:>8.3f}"
            )
    return "\n".join(lines)
