"""Training: checking labelled data, cross-validating, fitting, recording."""

import math
import time
from importlib import resources

from ._errors import DataError
from ._io import read_table, require_columns
from ._labels import LABELS, normalize_label
from ._text import is_missing, normalize_target

__all__ = [
    "corpus_path",
    "corpus_training_rows",
    "load_corpus",
    "prepare_training_data",
    "clean_rows",
    "check_label_counts",
    "cross_validate",
    "train",
]

#: Where the bundled corpus lives, relative to the package (recorded in metadata).
CORPUS_RESOURCE = ("data", "corpus.csv")


def corpus_path():
    """Return the path of the training corpus bundled with stance."""
    return resources.files("stance").joinpath(*CORPUS_RESOURCE)


def corpus_training_rows(frame):
    """Return the rows of (a chunk of) the bundled corpus that train models: all but the held-out part."""
    return frame[frame["split"] != "heldout"].reset_index(drop=True)


def load_corpus():
    """Return the bundled training corpus as a DataFrame.

    Columns: ``text``, ``target``, ``label``, ``domain``, ``register`` and
    ``phenomena`` (hard-case tags separated by ``;``). The datasheet next to
    the file (``stance/data/DATASHEET.md``) describes how it was written.

    Examples
    --------
    >>> import stance
    >>> corpus = stance.load_corpus()
    >>> sorted(corpus["label"].unique())
    ['aligned', 'neutral', 'opposed']
    """
    import pandas as pd

    return pd.concat(read_table(corpus_path(), "csv"), ignore_index=True)


def prepare_training_data(
    frame,
    text_column="text",
    target_column="target",
    label_column="label",
    label_map=None,
    min_examples=5,
    min_labels=2,
):
    """Check labelled rows and return ``(data, notes)`` ready for training.

    ``data`` has the columns ``text``, ``target`` (normalised, None when
    absent) and ``label`` (one of :data:`LABELS`); ``notes`` lists what the
    user should know (rows with blank text left out, conflicting duplicates).

    Raises
    ------
    UsageError
        A named column is missing.
    DataError
        Unknown labels (listed, with a ``--label-map`` suggestion), fewer than
        ``min_labels`` labels, or a label with fewer than ``min_examples`` rows.
    """
    data, blank, conflicting = clean_rows(frame, text_column, target_column, label_column, label_map)
    check_label_counts(data["label"].value_counts(), min_examples, min_labels)
    notes = []
    if blank:
        notes.append(f"left out {blank} rows with blank text")
    if len(conflicting):
        notes.append(
            f"{len(conflicting)} texts appear with conflicting labels (e.g. {conflicting[0][:60]!r}); "
            "they were kept as they are"
        )
    return data, notes


def annotated_rows(frame, label_column="label"):
    """Return ``(frame, left_out)``: the rows that have a label, and how many had none.

    A blank or missing label is a row not annotated yet (``stance
    annotate`` leaves skipped rows blank): training and scoring leave it
    out rather than guess it.

    Examples
    --------
    >>> import pandas as pd
    >>> frame, left_out = annotated_rows(pd.DataFrame({"text": ["a", "b", "c"], "label": ["aligned", " ", None]}))
    >>> frame["text"].tolist(), left_out
    (['a'], 2)
    """
    labels = frame[label_column]
    unlabelled = labels.map(is_missing) | labels.astype(str).str.strip().eq("")
    return frame[~unlabelled].reset_index(drop=True), int(unlabelled.sum())


def clean_rows(frame, text_column="text", target_column="target", label_column="label", label_map=None):
    """Return ``(data, blank, conflicting)`` from labelled rows, checking each row.

    The part of :func:`prepare_training_data` that looks at rows one by one,
    so that a file read in chunks can be checked chunk by chunk: ``data`` as
    there, ``blank`` the number of rows left out for blank text, and
    ``conflicting`` the texts (stripped and lower-cased) that appear with
    more than one label for the same target.

    Raises
    ------
    UsageError
        A named column is missing.
    DataError
        Unknown labels, listed with a ``--label-map`` suggestion.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"text": ["We back it.", " ", "we back it."], "label": ["FAVOR", "NONE", "AGAINST"]})
    >>> data, blank, conflicting = clean_rows(frame)
    >>> data["label"].tolist(), blank, conflicting
    (['aligned', 'opposed'], 1, ['we back it.'])
    """
    import pandas as pd

    if target_column == "target" and "target" not in frame.columns:
        target_column = None  # the default column is optional; a named one must exist
    require_columns(frame, text_column, label_column, target_column)
    texts = frame[text_column]
    blank = texts.isna() | texts.astype(str).str.strip().eq("")
    frame = frame[~blank]
    raw_labels = frame[label_column]
    unlabelled = int(raw_labels.map(is_missing).astype(bool).sum())  # (an empty map is no booleans)
    if unlabelled:  # null, NaN or a missing key: never scored or learned as some label
        raise DataError(
            f"{unlabelled} rows have no label in column {label_column!r} (null or missing); "
            "label them or leave them out"
        )
    labels = raw_labels.map(lambda value: normalize_label(value, label_map))
    unknown = raw_labels[labels.isna()].astype(str).value_counts()
    if len(unknown):
        listing = ", ".join(f"{value!r} ({count} rows)" for value, count in unknown.head(8).items())
        from ._labels import label_map_advice

        advice = label_map_advice(raw_labels.dropna().astype(str).unique(), label_map)
        raise DataError(
            f"unknown labels in column {label_column!r}: {listing}; "
            f"labels must be {', '.join(LABELS)} or a known alias; {advice}"
        )
    targets = frame[target_column].map(normalize_target) if target_column else None
    data = pd.DataFrame(
        {
            "text": frame[text_column].astype(str).to_numpy(),
            "target": targets.to_numpy() if targets is not None else None,
            "label": labels.to_numpy(),
        }
    )
    key = data["text"].str.strip().str.lower() + "\x00" + data["target"].fillna("").astype(str)
    label_counts = data.groupby(key, sort=True)["label"].nunique()
    conflicting = [k.split("\x00")[0] for k in label_counts.index[label_counts > 1]]
    return data, int(blank.sum()), conflicting


def check_label_counts(counts, min_examples=5, min_labels=2):
    """Raise :class:`DataError` unless ``counts`` (rows per label) can train a model.

    Examples
    --------
    >>> check_label_counts({"aligned": 7, "opposed": 2}, min_examples=2)
    >>> check_label_counts({"aligned": 7})
    Traceback (most recent call last):
    ...
    stance._errors.DataError: need at least 2 different labels; the data has aligned
    """
    import pandas as pd

    counts = pd.Series(counts, dtype="int64")
    counts = counts[counts > 0]
    if not len(counts):
        raise DataError("no labelled rows")
    if len(counts) < min_labels:
        found = ", ".join(counts.index)
        raise DataError(f"need at least {min_labels} different labels; the data has {found}")
    scarce = counts[counts < min_examples]
    if len(scarce):
        listing = ", ".join(f"{label!r} has {count}" for label, count in scarce.items())
        raise DataError(f"too few examples: {listing}; each label needs at least {min_examples}")


def training_inputs(data, profiles=None):
    """Return the ``(text, target)`` inputs of ``data``, a target named by a profile as that profile."""
    if not profiles:
        return data[["text", "target"]]
    return list(zip(data["text"], profiled_targets(data["target"], profiles)))


def profiled_targets(targets, profiles):
    """Return each target as a :class:`~stance.Target`: its profile where ``profiles`` names one (None for none)."""
    from ._targets import ProfileIndex, as_target

    # Each distinct target once, in profiles indexed once.
    found, profiles = {}, ProfileIndex(profiles)
    return [found[t] if t in found else found.setdefault(t, as_target(t, profiles)) for t in targets]


def examples_needed(folds):
    """Fewest examples per label with which every cross-validation fold can be fitted.

    A fit needs 2 examples of each label; stratified folds need a label to
    have at least ``folds`` examples, and ``ceil(2 * folds / (folds - 1))``
    examples leave at least 2 in every training fold.

    Examples
    --------
    >>> examples_needed(0), examples_needed(2), examples_needed(5)
    (2, 4, 5)
    """
    return 2 if folds < 2 else max(folds, math.ceil(2 * folds / (folds - 1)))


def cross_validation_fits(data, folds):
    """Return how many models :func:`cross_validate` fits (for progress bars)."""
    n_groups = data["target"].fillna("").nunique()
    return folds + (min(folds, n_groups) if n_groups >= 2 else 0)


def cross_validate(estimator, data, folds=5, random_state=0, on_fit=None, profiles=None):
    """Cross-validate ``estimator`` on prepared data, with random and target-grouped folds.

    Random folds (stratified by label) measure how well the model labels new
    sentences about the targets it knows. Folds grouped by target hold out
    whole targets, as a user's new target would be: the honest figure for
    unseen targets.

    ``on_fit``, if given, is called after each model is fitted; ``profiles``
    (``{normalised name: Target}``) give targets their profiles.

    Returns
    -------
    dict
        ``random`` (an :func:`evaluation_report` of the out-of-fold labels plus
        ``calibration``) and, with at least two targets, ``grouped_by_target``.
    """
    import numpy as np
    from sklearn.base import clone
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    from ._evaluation import calibration_report, evaluation_report
    from ._head import most_probable

    def out_of_fold(splits):
        proba = np.zeros((len(data), len(LABELS)))
        for train_rows, test_rows in splits:
            model = clone(estimator).fit(
                training_inputs(data.iloc[train_rows], profiles), data["label"].iloc[train_rows]
            )
            columns = [LABELS.index(c) for c in model.classes_]
            proba[np.ix_(test_rows, columns)] = model.predict_proba(training_inputs(data.iloc[test_rows], profiles))
            if on_fit:
                on_fit()
        return proba

    labels = data["label"].to_numpy()
    targets = data["target"].to_numpy()
    stratified = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    proba = out_of_fold(stratified.split(data, labels))
    predicted = most_probable(proba, LABELS)
    results = {"folds": folds, "random": evaluation_report(labels, predicted, targets)}
    results["random"]["calibration"] = calibration_report(labels, proba, LABELS)
    groups = data["target"].fillna("").to_numpy()
    n_groups = len(set(groups))
    if n_groups >= 2:
        grouped = GroupKFold(min(folds, n_groups))
        try:
            proba = out_of_fold(grouped.split(data, labels, groups))
        except ValueError as error:
            # Holding out whole targets can leave a label with too few examples.
            results["grouped_by_target_skipped"] = str(error)
        else:
            predicted = most_probable(proba, LABELS)
            results["grouped_by_target"] = evaluation_report(labels, predicted, targets)
    return results


def train(data, estimator=None, folds=5, on_fit=None, profiles=None):
    """Cross-validate and fit a model on prepared data.

    Parameters
    ----------
    data : pandas.DataFrame
        From :func:`prepare_training_data`.
    estimator : StanceClassifier, optional
        The settings to train; by default ``StanceClassifier()``.
    folds : int, default=5
        Cross-validation folds; 0 skips cross-validation.
    on_fit : callable, optional
        Called after each model is fitted: ``cross_validation_fits(data,
        folds) + 1`` calls in all.
    profiles : dict, optional
        ``{normalised name: Target}``: the profiles of the data's targets
        (see :func:`~stance.load_profiles`); the model keeps them.

    Returns
    -------
    estimator, metadata : StanceClassifier, dict
        The model fitted on all the data, and what to record about it.
    """
    from ._estimator import StanceClassifier

    estimator = StanceClassifier() if estimator is None else estimator
    metrics = {}
    if folds:
        metrics["cross_validation"] = cross_validate(
            estimator, data, folds, estimator.random_state, on_fit, profiles
        )
    started = time.perf_counter()
    estimator.fit(training_inputs(data, profiles), data["label"])
    seconds = time.perf_counter() - started
    if on_fit:
        on_fit()
    metadata = {
        "labels": [str(label) for label in estimator.classes_],
        "targets": list(estimator.targets_),
        "hyperparameters": _jsonable(estimator.get_params()),
        "training": {
            "rows": len(data),
            "label_counts": {k: int(v) for k, v in data["label"].value_counts().sort_index().items()},
            "fit_seconds": round(seconds, 2),
        },
        "metrics": metrics,
    }
    return estimator, metadata


def _jsonable(params):
    return {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()}
