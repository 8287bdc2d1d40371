"""Training a streaming model on a file larger than memory: what ``stance train --streaming`` runs.

:func:`train_streaming` reads a file chunk by chunk, once to count (labels,
and document frequencies for the idf weights) and once per epoch to learn,
holds out every tenth row to score the model, and fits the in-memory recipe
on a sample of the rest to report how far the streaming model is from it.
"""

import time
from contextlib import nullcontext

import numpy as np

from ._errors import DataError, UsageError
from ._estimator import is_whole
from ._evaluation import calibration_report, evaluation_report
from ._head import most_probable
from ._io import DEFAULT_CHUNK_ROWS, read_table
from ._streaming import StreamingStanceClassifier
from ._training import _jsonable, annotated_rows, check_label_counts, clean_rows

__all__ = ["train_streaming", "held_out_rows", "sampled_rows"]

#: Every HOLDOUT_EVERY-th data row is held out to score the model, up to HOLDOUT_ROWS rows.
HOLDOUT_EVERY = 10
HOLDOUT_ROWS = 50_000
#: Training rows (at most) on which the in-memory recipe is fitted for comparison.
COMPARE_ROWS = 50_000


def held_out_rows(start, count, every=HOLDOUT_EVERY, limit=HOLDOUT_ROWS):
    """Return which of ``count`` data rows, numbered from ``start``, are held out.

    Rows ``every``, ``2 * every``, ... (counting from 1) are held out, up to
    ``limit`` of them: a rule of the row's number alone, so the same rows are
    held out whatever the chunk size.

    Examples
    --------
    >>> held_out_rows(0, 12, every=5).nonzero()[0].tolist()
    [4, 9]
    >>> held_out_rows(8, 4, every=5, limit=1).tolist()
    [False, False, False, False]
    """
    number = np.arange(start, start + count)
    return (number % every == every - 1) & (number < every * limit)


def sampled_rows(start, count, total, size):
    """Return which of ``count`` rows, numbered from ``start`` out of ``total``, are in an even sample.

    A systematic sample of ``size`` rows spread over the whole stream (all
    rows when ``size >= total``), decided row by row.

    Examples
    --------
    >>> sampled_rows(0, 10, 10, 3).nonzero()[0].tolist()
    [3, 6, 9]
    """
    number = np.arange(start, start + count, dtype=np.int64)
    if size >= total:
        return np.ones(count, dtype=bool)
    return (number + 1) * size // total > number * size // total


class _Blocks:
    """Cuts a stream of DataFrames into blocks of exactly ``size`` rows (the last may be short)."""

    def __init__(self, size):
        self.size = size
        self.pending = []
        self.rows = 0

    def add(self, frame):
        import pandas as pd

        if len(frame):
            self.pending.append(frame)
            self.rows += len(frame)
        while self.rows >= self.size:
            joined = pd.concat(self.pending, ignore_index=True)
            yield joined.iloc[: self.size]
            rest = joined.iloc[self.size :]
            self.pending, self.rows = ([rest] if len(rest) else []), len(rest)

    def flush(self):
        import pandas as pd

        if self.rows:
            yield pd.concat(self.pending, ignore_index=True)
        self.pending, self.rows = [], 0


def _no_progress(description, total):
    class _Bar:
        def update(self, rows):
            pass

    return nullcontext(_Bar())


def train_streaming(
    path,
    fmt=None,
    estimator=None,
    *,
    text_column="text",
    target_column="target",
    label_column="label",
    label_map=None,
    chunk_rows=DEFAULT_CHUNK_ROWS,
    holdout_every=HOLDOUT_EVERY,
    holdout_rows=HOLDOUT_ROWS,
    compare_recipe="default",
    compare_rows=COMPARE_ROWS,
    progress=None,
    keep_rows=None,
):
    """Train a :class:`StreamingStanceClassifier` on a labelled file, chunk by chunk.

    The file is read ``1 + epochs`` times, ``chunk_rows`` rows at a time:
    once to check every row (as :func:`~stance._training.prepare_training_data`
    does), count labels and document frequencies, and set aside the
    held-out rows (see :func:`held_out_rows`); then once per epoch to learn
    from the other rows. Memory holds a chunk, a learning block, the
    held-out rows and the comparison sample, never the whole file.

    Parameters
    ----------
    path : str or Path
        A labelled file (not standard input: it is read several times).
    fmt : str, optional
        Its format, as :func:`~stance._io.read_table` takes it.
    estimator : StreamingStanceClassifier, optional
        The settings (``epochs``, ``batch_rows``...); it is fitted afresh.
    text_column, target_column, label_column, label_map
        As for :func:`~stance._training.prepare_training_data`.
    chunk_rows : int
        Rows read at a time; results do not depend on it.
    holdout_every, holdout_rows : int
        Hold out every ``holdout_every``-th data row, up to ``holdout_rows``.
    compare_recipe : str
        The in-memory recipe (:data:`~stance._recipes.RECIPES`) to compare with.
    compare_rows : int
        Fit it on an even sample of at most this many training rows and score
        it on the same held-out rows; 0 skips the comparison.
    progress : callable, optional
        ``progress(description, total)`` returns a context manager whose
        value has ``update(rows)`` (a tqdm bar, say); one per pass.
    keep_rows : callable, optional
        Applied to each chunk as read (a DataFrame), before anything else:
        the rows it returns are the file's rows for training.

    Returns
    -------
    estimator, metadata, notes
        The fitted model; what to record about it (``metrics`` holds
        ``held_out``, an :func:`~stance._evaluation.evaluation_report` with
        ``calibration``, and ``in_memory_comparison``); and what the user
        should know (blank rows, conflicting labels).

    Raises
    ------
    UsageError
        Standard input, a missing column, or a setting out of range.
    DataError
        An unreadable file, unknown labels (with the rows they are in), or
        too few examples.

    Examples
    --------
    >>> from stance._training import corpus_path, corpus_training_rows
    >>> model, metadata, notes = train_streaming(
    ...     corpus_path(), "csv", StreamingStanceClassifier(epochs=1), compare_rows=0, keep_rows=corpus_training_rows)
    >>> metadata["streaming"]["held_out"]["rows"], metadata["metrics"]["held_out"]["macro_f1"] > 0.6
    (1215, True)
    """
    import pandas as pd

    if str(path) == "-":
        raise UsageError(
            "streaming training reads the file once per epoch, and standard input can be read only once; "
            "save the data to a file and pass its path"
        )
    for name, value, least in (
        ("chunk_rows", chunk_rows, 1),
        ("holdout_every", holdout_every, 2),
        ("holdout_rows", holdout_rows, 0),
        ("compare_rows", compare_rows, 0),
    ):
        if not is_whole(value) or value < least:
            raise UsageError(f"{name} must be a whole number of at least {least}, not {value!r}")
    estimator = StreamingStanceClassifier() if estimator is None else estimator
    try:
        estimator.check_params()
    except ValueError as error:
        raise UsageError(str(error)) from None
    estimator._forget()
    progress = progress or _no_progress
    columns = (text_column, target_column, label_column, label_map)
    started = time.perf_counter()

    def chunks():
        """Yield ``(rows read, cleaned data, first data row's number, blank, unlabelled, conflicting)``."""
        read = position = 0
        for frame in read_table(path, fmt, chunk_rows):
            if keep_rows is not None:
                frame = keep_rows(frame)
            try:
                labelled, unlabelled = annotated_rows(frame, label_column)
                data, blank, conflicting = clean_rows(labelled, *columns)
            except DataError as error:
                raise DataError(f"rows {read + 1}-{read + len(frame)}: {error}") from None
            yield len(frame), data, position, blank, unlabelled, conflicting
            read += len(frame)
            position += len(data)

    passes = 1 + estimator.epochs
    held_parts, label_counts = [], {}
    rows_read = data_rows = blank_rows = unlabelled_rows = conflict_count = 0
    conflicts = []
    with progress(f"pass 1 of {passes}: checking and counting", None) as bar:
        for read, data, position, blank, unlabelled, conflicting in chunks():
            held = held_out_rows(position, len(data), holdout_every, holdout_rows)
            if held.any():  # past the limit, no chunk adds to the held-out rows
                held_parts.append(data[held])
            training = data[~held]
            estimator.scan(training[["text", "target"]], training["label"].to_numpy())
            for label, count in training["label"].value_counts().items():
                label_counts[label] = label_counts.get(label, 0) + int(count)
            rows_read += read
            data_rows += len(data)
            blank_rows += blank
            unlabelled_rows += unlabelled
            conflicts += conflicting[: 1 - len(conflicts[:1])]  # the first example only
            conflict_count += len(conflicting)
            bar.update(read)
    check_label_counts(label_counts, min_examples=2, min_labels=2)
    training_rows = sum(label_counts.values())
    held_out = (
        pd.concat(held_parts, ignore_index=True)
        if held_parts
        else pd.DataFrame({"text": [], "target": [], "label": []}, dtype=object)
    )
    del held_parts
    sample_parts = []
    for epoch in range(estimator.epochs):
        blocks = _Blocks(estimator.batch_rows)
        seen = 0
        with progress(f"pass {epoch + 2} of {passes}: learning, epoch {epoch + 1}", rows_read) as bar:
            for read, data, position, *_ in chunks():
                training = data[~held_out_rows(position, len(data), holdout_every, holdout_rows)]
                if epoch == 0 and compare_rows:
                    picked = sampled_rows(seen, len(training), training_rows, compare_rows)
                    if picked.any():
                        sample_parts.append(training[picked])
                seen += len(training)
                for block in blocks.add(training):
                    estimator.partial_fit(block[["text", "target"]], block["label"].to_numpy())
                bar.update(read)
            for block in blocks.flush():
                estimator.partial_fit(block[["text", "target"]], block["label"].to_numpy())
        if seen != training_rows:
            raise DataError(
                f"{path} changed while training: pass {epoch + 2} read {seen} training rows, not {training_rows}"
            )
    seconds = time.perf_counter() - started

    def label(model):
        # Held-out rows are labelled a chunk at a time, like any large input.
        proba = [
            model.predict_proba(held_out.iloc[start : start + chunk_rows][["text", "target"]])
            for start in range(0, len(held_out), chunk_rows)
        ]
        return np.vstack(proba) if proba else np.zeros((0, len(model.classes_)))

    metrics = {}
    truth, targets = held_out["label"].to_numpy(), held_out["target"].to_numpy()
    if len(held_out):
        proba = label(estimator)
        metrics["held_out"] = evaluation_report(truth, most_probable(proba, estimator.classes_), targets)
        metrics["held_out"]["calibration"] = calibration_report(truth, proba, estimator.classes_)
    notes = []
    if unlabelled_rows:
        notes.append(f"left out {unlabelled_rows} rows with no label (not annotated yet)")
    if blank_rows:
        notes.append(f"left out {blank_rows} rows with blank text")
    if conflicts:
        # Conflicts are found within a chunk: finding them across chunks
        # would mean holding every text seen.
        notes.append(
            f"{conflict_count} texts appear with conflicting labels within a chunk (e.g. {conflicts[0][:60]!r}); "
            "they were kept as they are"
        )
    if not len(held_out) and holdout_rows:
        notes.append(
            f"too few rows to hold any out (every {holdout_every}th row is held out): no held-out scores"
        )
    comparison = None
    if compare_rows and len(held_out):
        comparison = _compare(
            compare_recipe, pd.concat(sample_parts, ignore_index=True), label, truth, targets, progress
        )
        if "skipped" in comparison:
            notes.append(f"no comparison with the in-memory recipe: {comparison['skipped']}")
        else:
            comparison["gap_points"] = round(
                100 * (comparison["held_out"]["macro_f1"] - metrics["held_out"]["macro_f1"]), 2
            )
        metrics["in_memory_comparison"] = comparison
    metadata = {
        "labels": [str(label) for label in estimator.classes_],
        "targets": list(estimator.targets_),
        "hyperparameters": _jsonable(estimator.get_params()),
        "training": {
            "rows": training_rows,
            "label_counts": dict(sorted(label_counts.items())),
            "fit_seconds": round(seconds, 2),
        },
        "streaming": {
            "estimator": type(estimator).__name__,
            "chunk_rows": chunk_rows,
            "epochs": estimator.epochs,
            "passes": passes,
            "rows_read": rows_read,
            "data_rows": data_rows,
            "held_out": {"every": holdout_every, "max_rows": holdout_rows, "rows": len(held_out)},
            "class_weights": estimator.class_weights_,
        },
        "metrics": metrics,
    }
    return estimator, metadata, notes


def _compare(recipe, sample, label, truth, targets, progress):
    """Fit the in-memory recipe on ``sample`` and score it on the held-out rows."""
    from ._recipes import make_estimator

    record = {"recipe": recipe, "training_rows": len(sample)}
    model = make_estimator(recipe)
    with progress(f"fitting the in-memory recipe '{recipe}' on {len(sample)} rows for comparison", 1) as bar:
        started = time.perf_counter()
        try:
            model.fit(sample[["text", "target"]], sample["label"])
        except ValueError as error:
            return {**record, "skipped": str(error)}
        record["fit_seconds"] = round(time.perf_counter() - started, 2)
        bar.update(1)
    predicted = most_probable(label(model), model.classes_)
    report = evaluation_report(truth, predicted, targets)
    report.pop("per_target", None)
    record["held_out"] = report
    return record
