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
    tally = Tally(labels, per_target=targets is not None)
    tally.add(y_true, y_pred, targets)
    return tally.report()


class Tally:
    """Running counts of a labelling, from which :func:`evaluation_report` follows.

    Labelled rows can be added chunk by chunk (:meth:`add`), so that the
    scores of an input of any size take the memory of one confusion matrix
    per target, not of the rows. The scores are those scikit-learn's
    metrics give on all the rows at once, to the last bit (tested).

    Parameters
    ----------
    labels : sequence of str
    per_target : bool, default=True
        Count per target too (:meth:`add` then takes the targets).
    max_targets : int, optional
        Stop counting per target beyond this many distinct targets
        (:attr:`too_many_targets` says so); the overall scores go on.

    Examples
    --------
    >>> tally = Tally()
    >>> tally.add(["aligned", "opposed"], ["aligned", "aligned"], ["tax", "tax"])
    >>> tally.add(["neutral"], ["neutral"], ["treaty"])
    >>> report = tally.report()
    >>> report["texts"], report["per_target"]["tax"]["accuracy"], report["confusion"]["opposed"]["aligned"]
    (3, 0.5, 1)
    """

    def __init__(self, labels=LABELS, per_target=True, max_targets=None):
        self.labels = list(labels)
        self._codes = {label: code for code, label in enumerate(self.labels)}
        k = len(self.labels)
        # texts, correct, then the confusion matrix, flattened: overall, and one row per target.
        self._overall = np.zeros(2 + k * k, dtype=np.int64)
        self._targets = {} if per_target else None
        self._per_target = np.zeros((0, 2 + k * k), dtype=np.int64)
        self.max_targets = max_targets
        self.too_many_targets = False

    def add(self, y_true, y_pred, targets=None):
        """Count labelled rows: their true and predicted labels, and (when counting per target) their targets."""
        y_true = np.array([str(y) for y in y_true], dtype=object)
        y_pred = np.array([str(y) for y in y_pred], dtype=object)
        if len(y_true) != len(y_pred):
            raise ValueError(f"{len(y_true)} true labels but {len(y_pred)} predicted")
        k = len(self.labels)
        true = np.array([self._codes.get(y, -1) for y in y_true], dtype=np.int64)
        predicted = np.array([self._codes.get(y, -1) for y in y_pred], dtype=np.int64)
        correct = (y_true == y_pred).astype(np.int64)
        known = (true >= 0) & (predicted >= 0)  # labels outside `labels` count in texts and accuracy only
        cells = 2 + true * k + predicted
        _count(self._overall[None, :], np.zeros(len(y_true), dtype=np.int64), correct, cells, known)
        if self._targets is None:
            return
        if targets is None or len(targets) != len(y_true):
            raise ValueError("counting per target needs one target per text")
        rows = np.array(
            [self._targets.setdefault(target, len(self._targets)) for target in targets], dtype=np.int64
        )
        if self.max_targets is not None and len(self._targets) > self.max_targets:
            self._targets, self._per_target, self.too_many_targets = None, None, True
            return
        if len(self._targets) > len(self._per_target):
            grown = np.zeros((len(self._targets), self._per_target.shape[1]), dtype=np.int64)
            grown[: len(self._per_target)] = self._per_target
            self._per_target = grown
        _count(self._per_target, rows, correct, cells, known)

    @property
    def texts(self):
        """The number of rows counted."""
        return int(self._overall[0])

    def report(self):
        """Every score of the rows counted, as :func:`evaluation_report` returns them."""
        report = _scores(self._overall, self.labels)
        matrix = report.pop("matrix")
        true_sum, pred_sum, tp = matrix.sum(axis=1), matrix.sum(axis=0), np.diag(matrix)
        precision, recall, f1 = _divide(tp, pred_sum), _divide(tp, true_sum), _f1(tp, true_sum, pred_sum)
        report["per_class"] = {
            label: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(true_sum[i]),
            }
            for i, label in enumerate(self.labels)
        }
        report["confusion"] = {
            label: {other: int(matrix[i, j]) for j, other in enumerate(self.labels)}
            for i, label in enumerate(self.labels)
        }
        if self._targets is not None:
            order = sorted(self._targets, key=lambda t: (t is None, str(t)))
            report["per_target"] = {}
            for target in order:
                scores = _scores(self._per_target[self._targets[target]], self.labels)
                del scores["matrix"]
                report["per_target"][str(target)] = scores
        return report


def _count(counts, rows, correct, cells, known):
    """Add labelled rows to ``counts[rows]``: a text each, the correct ones, and their confusion cells."""
    np.add.at(counts, (rows, 0), 1)
    np.add.at(counts, (rows, 1), correct)
    np.add.at(counts, (rows[known], cells[known]), 1)


def _divide(numerator, denominator):
    # As scikit-learn's metrics with zero_division=0: 0 where nothing is counted.
    return np.asarray(numerator, dtype=float) / np.where(denominator == 0, 1, denominator).astype(float)


def _f1(tp, true_sum, pred_sum):
    # scikit-learn's form: (1 + beta**2) * tp / (beta**2 * true + predicted), beta = 1.
    return _divide(2.0 * tp, true_sum + pred_sum)


def _scores(counts, labels):
    """``texts``, ``accuracy``, ``macro_f1``, ``f_avg`` (and the confusion ``matrix``) of one row of counts."""
    k = len(labels)
    texts, correct, matrix = int(counts[0]), int(counts[1]), counts[2:].reshape(k, k)
    true_sum, pred_sum = matrix.sum(axis=1), matrix.sum(axis=0)
    f1 = _f1(np.diag(matrix), true_sum, pred_sum)
    # A label that neither the data nor the predictions use (neutral in a
    # two-sided data set) would only drag the macro average down.
    present = (true_sum + pred_sum) > 0
    sides = [labels.index(label) for label in ("aligned", "opposed") if label in labels]
    return {
        "texts": texts,
        "accuracy": correct / texts if texts else float("nan"),
        "macro_f1": float(np.mean(f1[present])) if present.any() else 0.0,
        "f_avg": float(np.sum(f1[sides]) / 2),
        "matrix": matrix,
    }


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
