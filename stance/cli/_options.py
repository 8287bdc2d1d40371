"""Column checks that list every problem at once, and options a model remembers.

A model written by ``stance train`` records the columns it was trained from
and its label map (``metadata["options"]``); ``evaluate`` and ``predict``
use them when those flags are not given.
"""

import re

from .._errors import UsageError
from .._io import check_unrepeated, column_names_in_input, layout_hint

__all__ = ["check_columns", "remembered_options", "apply_remembered_options", "resolve_label_column", "DEFAULT_COLUMNS"]

#: The default of each column flag.
DEFAULT_COLUMNS = {"text_column": "text", "target_column": "target", "label_column": "label"}

_NAME_HINTS = {
    "text_column": re.compile(r"text|sentence|content|body|tweet|claim_text|utterance|statement", re.I),
    "label_column": re.compile(r"label|stance|class|gold|annotation|category|polarity", re.I),
    "target_column": re.compile(r"target|topic|motion|claim|issue|subject|policy|question", re.I),
}


def _looks_like(frame, option, exclude=()):
    """The column of ``frame`` that most looks like the one ``option`` names, or None."""
    columns = [c for c in frame.columns if c not in exclude]
    import pandas as pd

    strings = [c for c in columns if pd.api.types.is_string_dtype(frame[c]) or frame[c].dtype == object]
    named = [c for c in columns if _NAME_HINTS[option].search(str(c))]
    if option == "text_column":
        candidates = named or strings
        if not candidates:
            return None
        return max(candidates, key=lambda c: frame[c].astype(str).str.len().mean())
    if option == "label_column":
        few = [c for c in columns if 1 < frame[c].nunique() <= 20]
        for c in named + few:
            if c in few:
                return c
        return None
    # target: repeated strings, many rows per value
    repeated = [c for c in strings if 1 <= frame[c].nunique() <= max(1, len(frame) // 3)]
    for c in named + repeated:
        if c in repeated or (c in named and c in strings):
            return c
    return None


def _flag(option):
    return "--" + option.replace("_", "-")


def check_columns(frame, text_column="text", target_column="target", label_column=None):
    """Check the named columns of ``frame``; return ``(target_column or None, notes)``.

    Raises :class:`UsageError` listing every missing column at once, each
    with the flag that names it and the column that looks like it. The
    default ``target`` column is optional; when it is absent and another
    column looks like a target, a note suggests it.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"sentence": ["We back it.", "We reject it."], "stance": ["a", "o"]})
    >>> check_columns(frame, "text", "target", "label")
    Traceback (most recent call last):
    ...
    stance._errors.UsageError: no column 'text' (set --text-column; 'sentence' looks like it); no column 'label' (set --label-column; 'stance' looks like it); the columns are: sentence, stance
    """
    check_unrepeated(column_names_in_input(frame), text_column, target_column, label_column)
    problems, missing = [], []
    chosen = {"text_column": text_column, "label_column": label_column}
    for option, name in chosen.items():
        if name is None or name in frame.columns:
            continue
        taken = [c for c in chosen.values() if c in frame.columns]
        guess = _looks_like(frame, option, exclude=taken)
        hint = f"; {guess!r} looks like it" if guess is not None else ""
        problems.append(f"no column {name!r} (set {_flag(option)}{hint})")
        missing.append(name)
        if guess is not None:
            chosen[option] = guess
    notes = []
    if target_column is not None and target_column not in frame.columns:
        taken = [c for c in chosen.values() if c in frame.columns]
        guess = _looks_like(frame, "target_column", exclude=taken)
        if target_column != DEFAULT_COLUMNS["target_column"]:
            hint = f"; {guess!r} looks like it" if guess is not None else ""
            problems.append(f"no column {target_column!r} (set --target-column{hint})")
            missing.append(target_column)
        else:
            if guess is not None:
                notes.append(
                    f"no 'target' column, so the rows have no target; column {guess!r} looks like one: "
                    f"pass --target-column {guess} to use it"
                )
            target_column = None
    if problems:
        hint = layout_hint(frame.columns)
        if hint:  # the guesses would be about a misread table
            raise UsageError(f"no column {', '.join(map(repr, missing))} in the input, {hint}")
        available = ", ".join(map(str, frame.columns)) or "none"
        raise UsageError("; ".join(problems) + f"; the columns are: {available}")
    return target_column, notes


def remembered_options(metadata):
    """The column flags and label map a model was trained with (``{}`` for older models)."""
    return dict((metadata or {}).get("options") or {})


def apply_remembered_options(args, metadata, columns=("text_column", "target_column", "label_column"), frame=None):
    """Fill the column flags and ``--label-map`` the user left at their defaults from the model's metadata.

    With ``frame`` (the input), a remembered column is used only where the
    input has it and lacks the default one. Returns a note describing what
    was taken from the model, or None.
    """
    options = remembered_options(metadata)
    used = []
    for option in columns:
        remembered = options.get(option)
        if not hasattr(args, option) or remembered is None:
            continue
        if frame is not None and (remembered not in frame.columns or DEFAULT_COLUMNS[option] in frame.columns):
            continue
        if getattr(args, option) == DEFAULT_COLUMNS[option] and remembered != DEFAULT_COLUMNS[option]:
            setattr(args, option, remembered)
            used.append(f"{_flag(option)} {remembered}")
    label_map = options.get("label_map")
    if hasattr(args, "label_map") and not args.label_map and label_map:
        args.label_map = ",".join(f"{k}={v}" for k, v in label_map.items())
        used.append(f"--label-map '{args.label_map}'")
    if not used:
        return None
    return f"using the model's training options: {', '.join(used)}"


def resolve_label_column(frame, label_column, label_map=None):
    """Map every label of ``frame[label_column]``, announcing other schemes' names; return the full map.

    Raises :class:`DataError` listing every label that means nothing yet (see
    :func:`stance._labels.resolve_labels`).
    """
    from .._labels import resolve_labels
    from ._common import note

    mapping, notes = resolve_labels(frame[label_column], label_map, label_column)
    for message in notes:
        note(message)
    return mapping
