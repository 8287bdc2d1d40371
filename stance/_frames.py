"""Labelling pandas DataFrames with a StanceModel: whole, in chunks, or in several processes.

The DataFrame adapter of :class:`~stance.StanceModel` (whose methods
``label_frame`` and ``label_frames`` call these functions): it reads a text
column and a target column, asks the model for probabilities, and adds the
stance columns and the flags that say why a row is special. Labels are
:func:`~stance._head.most_probable` of the probabilities, as everywhere else.
pandas and numpy are imported inside the functions, so that ``import stance``
stays fast for command-line use.
"""

from ._text import MAX_TEXT_CHARS, is_missing

__all__ = ["check_count", "label_frame", "label_frames", "stance_columns"]

#: The flag of a row whose target has no word to read ("***", "the").
WORDLESS_TARGET = "target without words"
#: The flag of a row with no text (not labelled).
MISSING_TEXT = "missing text"
#: The flag of a row whose target cell is no string (a number, a list...): read as its text.
NON_TEXT_TARGET = "non-text target"


def check_count(name, value):
    """Raise ValueError unless ``value`` is a whole number (not a bool) of at least 1."""
    import numbers

    if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1):
        raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")


def label_frame(model, frame, text_column="text", target_column=None, target=None):
    """Return a copy of ``frame`` with ``model``'s stance columns added (see :meth:`StanceModel.label_frame`)."""
    from ._io import require_columns

    require_columns(frame, text_column, target_column)
    targets = frame[target_column].tolist() if target_column else target
    return _attach(frame, stance_columns(model, frame[text_column].tolist(), targets))


def label_frames(model, data, text_column="text", target_column=None, target=None, jobs=1, chunk_rows=10_000):
    """Yield labelled DataFrames chunk by chunk, in order (see :meth:`StanceModel.label_frames`)."""
    for name, value in (("jobs", jobs), ("chunk_rows", chunk_rows)):
        check_count(name, value)
    frames = _chunks(data, chunk_rows)
    if jobs == 1:
        for frame in frames:
            yield label_frame(model, frame, text_column, target_column, target)
        return
    from collections import deque

    from ._io import require_columns
    from ._parallel import ordered_map

    # Workers get the text and target values and send back the new
    # columns: half the data to pass between processes that whole
    # frames would be. The frames wait here, in order, meanwhile.
    waiting = deque()

    def work():
        for frame in frames:
            require_columns(frame, text_column, target_column)
            waiting.append(frame)
            yield frame[text_column].tolist(), frame[target_column].tolist() if target_column else target

    for columns in ordered_map(_columns_of, model, work(), jobs):
        yield _attach(waiting.popleft(), columns)


def stance_columns(model, values, targets):
    """Return the stance columns for a text column's values, ``{name: column}``.

    ``stance_label``, ``stance_p_<label>`` for each of ``model.labels`` and
    ``stance_flag``; a missing text gets no label and no probabilities.
    """
    import numpy as np

    from ._head import most_probable
    from ._inputs import as_lists

    if all(type(value) is str for value in values):  # the common case, in one pass
        missing = [False] * len(values)
        texts = values
        flags = _string_flags(values)
    else:
        missing = [is_missing(value) for value in values]
        texts = [_as_text(value) if not gone else "" for value, gone in zip(values, missing)]
        flags = [_flag(value, gone) for value, gone in zip(values, missing)]
    from ._targets import Target

    one_target = targets is None or isinstance(targets, (str, Target))
    if not one_target and not all(type(t) is str for t in targets):
        # A table's target cells are names: a number, bytes or a list read
        # from a file is taken by its text, as a text cell is, and flagged.
        named = [t is None or isinstance(t, (str, Target)) or is_missing(t) for t in targets]
        targets = [t if is_name else _as_text(t) for t, is_name in zip(targets, named)]
        flags = [flag if is_name else _add_flag(flag, NON_TEXT_TARGET) for flag, is_name in zip(flags, named)]
    flags = _target_flags(model, flags, targets, one_target)
    proba = model._proba(*as_lists(texts, targets))
    labels = most_probable(proba, np.array(model.labels, dtype=object))
    gone = np.array(missing, dtype=bool)
    proba[gone] = np.nan
    labels[gone] = None
    names = ["stance_label", *(f"stance_p_{label}" for label in model.labels), "stance_flag"]
    return dict(zip(names, [labels, *proba.T, flags]))


def _target_flags(model, flags, targets, one_target):
    # A row whose target is given but not read as one ("***", "the": no word
    # to read) is labelled as with no target: the flag says so (not on a row
    # with no text, which is not labelled). The model decides, as it does
    # when it labels; each distinct target is asked about once.
    if targets is None:
        return flags
    if one_target:
        targets = [targets] * len(flags)
    seen = {}
    marked = []
    for flag, target in zip(flags, targets):
        key = target if isinstance(target, str) else id(target)
        if key not in seen:
            seen[key] = _given(target) and not model._reads_target(target)
        marked.append(_add_flag(flag, WORDLESS_TARGET) if seen[key] else flag)
    return marked


def _add_flag(flag, reason):
    # Two reasons are joined by "; "; a row with no text is not labelled, and says only that.
    if flag == MISSING_TEXT:
        return flag
    return f"{flag}; {reason}" if flag else reason


def _given(target):
    # None, a missing value and a blank name are no target, not one without words.
    if isinstance(target, str):
        return bool(target.strip())
    return target is not None and not is_missing(target)


def _columns_of(model, values_and_targets):
    # What a worker of ordered_map runs: a module-level function, so that it pickles.
    return stance_columns(model, *values_and_targets)


def _chunks(data, chunk_rows):
    """Yield DataFrames from what :meth:`StanceModel.label_frames` accepts."""
    import itertools

    import pandas as pd

    if isinstance(data, str):
        raise TypeError("expected chunks of rows or an iterable of texts, got a single string; wrap it in a list")
    if isinstance(data, pd.DataFrame):
        for start in range(0, len(data), chunk_rows):
            yield data.iloc[start : start + chunk_rows]
        return
    items = iter(data)
    for first in items:
        if isinstance(first, pd.DataFrame):
            yield first
            yield from items
            return
        # Texts: gathered into DataFrames of chunk_rows rows.
        rest = itertools.islice(items, chunk_rows - 1)
        yield pd.DataFrame({"text": [first, *rest]}, dtype=object)


def _attach(frame, columns):
    # A new column whose name the input already uses gets a numbered suffix,
    # so that no input column is ever overwritten.
    out = frame.copy()
    for name, column in columns.items():
        out[_unused_name(name, out.columns)] = column
    return out


def _as_text(value):
    # What a non-text cell is labelled as: its text as the output writes it
    # (bytes as UTF-8, a byte that is not UTF-8 as \xNN), not Python's b'...'.
    from ._io import bytes_text

    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes_text(bytes(value))
    return str(value)


def _flag(value, missing):
    if missing:
        return MISSING_TEXT
    if not isinstance(value, str):
        return "non-text value"
    return _string_flag(value)


def _string_flags(texts):
    # _string_flag of each text, found by str methods mapped over the list
    # and numpy, not a call per text: the same flags in a fraction of the time.
    import numpy as np

    n = len(texts)
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n)
    blank = (lengths == 0) | np.fromiter(map(str.isspace, texts), dtype=bool, count=n)
    flag = np.where(blank, 1, np.where(lengths > MAX_TEXT_CHARS, 2, 0))
    return np.array(["", "blank text", "truncated"], dtype=object)[flag].tolist()


def _string_flag(text):
    if not text or text.isspace():
        return "blank text"
    return "truncated" if len(text) > MAX_TEXT_CHARS else ""


def _unused_name(name, taken):
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}_{number}"
    return candidate
