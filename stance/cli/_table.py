"""Tables for people: aligned columns, full texts wrapped to the terminal's width.

``stance predict`` (on a terminal) and ``stance analyze`` print their rows
with the same headers and the same precision: the label, then one
probability per label to 2 decimals (files get 6), then the text, wrapped.
"""

import shutil
import textwrap

__all__ = ["terminal_width", "format_rows", "PROBABILITY_DECIMALS", "TABLE_DECIMALS"]

#: Decimals of probabilities in files (CSV, JSON Lines), in every command.
PROBABILITY_DECIMALS = 6

#: Decimals of probabilities in tables for reading.
TABLE_DECIMALS = 2

#: The narrowest the text column gets, however many other columns there are.
MIN_TEXT_WIDTH = 24


def terminal_width(width=None):
    """``width`` if given, else the terminal's (80 when not a terminal)."""
    return width or shutil.get_terminal_size((80, 24)).columns


def format_rows(columns, texts, width=None, text_header="text"):
    """Render rows as an aligned table whose last column, the text, is wrapped to fit ``width``.

    Parameters
    ----------
    columns : list of (header, values, align)
        The columns before the text: ``values`` are strings, ``align`` is
        ``"<"`` or ``">"``.
    texts : list of str
    width : int, optional
        The table's width (default: the terminal's).

    Examples
    --------
    >>> print(format_rows([("#", ["1", "2"], ">"), ("label", ["aligned", "neutral"], "<")],
    ...                   ["We back the plan wholeheartedly.", "It rains."], width=30))
    #  label    text
    1  aligned  We back the plan
                wholeheartedly.
    2  neutral  It rains.
    """
    width = terminal_width(width)
    widths = [max([len(header), *map(len, values)]) for header, values, _ in columns]
    indent = sum(widths) + 2 * len(widths)
    text_width = max(MIN_TEXT_WIDTH, width - indent)

    def line(cells, text):
        parts = [f"{cell:{align}{w}}" for cell, (_, _, align), w in zip(cells, columns, widths)]
        return "  ".join(parts + [text]).rstrip()

    lines = [line([header for header, _, _ in columns], text_header)]
    for i, text in enumerate(texts):
        wrapped = textwrap.wrap(" ".join(str(text).split()), text_width) or [""]
        lines.append(line([values[i] for _, values, _ in columns], wrapped[0]))
        lines += [" " * indent + more for more in wrapped[1:]]
    return "\n".join(lines)


def probability_columns(frame, labels, decimals=TABLE_DECIMALS):
    """The ``p(label)`` columns of a table from ``stance_p_<label>`` columns (blank where missing)."""
    columns = []
    for label in labels:
        values = frame[f"stance_p_{label}"].tolist()
        shown = ["" if value != value else f"{value:.{decimals}f}" for value in values]
        columns.append((f"p({label})", shown, ">"))
    return columns


def format_labelled(frame, labels, text_column="text", width=None, number_from=1, extra=()):
    """The table of labelled rows (``stance_label``, ``stance_p_*``, flags): predict's and analyze's.

    ``extra`` names columns shown between the row number and the label.
    """
    n = len(frame)
    columns = [("#", [str(number_from + i) for i in range(n)], ">")]
    for name in extra:
        columns.append((name, [str(v) if v == v and v is not None else "" for v in frame[name]], "<"))
    columns.append(("label", ["" if v is None or v != v else str(v) for v in frame["stance_label"]], "<"))
    columns += probability_columns(frame, labels)
    if "stance_flag" in frame.columns and frame["stance_flag"].astype(str).str.len().gt(0).any():
        columns.append(("flag", [str(v) for v in frame["stance_flag"]], "<"))
    texts = ["" if v is None or v != v else str(v) for v in frame[text_column]]
    return format_rows(columns, texts, width)


def fixed_decimals(frame, columns, decimals=PROBABILITY_DECIMALS):
    """Write ``columns`` of ``frame`` as fixed-point text (``0.000043``, never ``4.3e-05``); blank if missing."""
    for column in columns:
        frame[column] = decimal_texts(frame[column].to_numpy(dtype=float), decimals)
    return frame


def decimal_texts(values, decimals=PROBABILITY_DECIMALS):
    """Return ``format(value, ".{decimals}f")`` of each float, ``""`` for NaN, as an object array.

    Formatting a number at a time costs a third of a microsecond, a second
    per three million; probabilities already rounded to ``decimals`` (as
    ``numpy.round`` rounds them) are written by numpy from their digits
    instead, the same text. A value is written so only if it is the double
    nearest to ``units / 10**decimals`` for a whole number of units: its
    fixed-point text then has those units' digits. Any other value (unrounded,
    negative, 10 or more) is formatted by Python.

    Examples
    --------
    >>> import numpy as np
    >>> decimal_texts(np.array([0.5, 4.3e-05, 1.0, float("nan"), 0.1234567]), 6).tolist()
    ['0.500000', '0.000043', '1.000000', '', '0.123457']
    """
    import numpy as np  # here: the command line starts without numpy

    texts = np.full(len(values), "", dtype=object)
    scale = 10.0**decimals
    with np.errstate(invalid="ignore", over="ignore"):
        units = np.rint(values * scale)
        exact = (values >= 0) & ~np.signbit(values) & (values < 10) & (units / scale == values)
    if 1 <= decimals <= 12 and exact.any():
        digits = (units[exact].astype(np.int64)[:, None] // 10 ** np.arange(decimals, -1, -1)) % 10
        chars = np.full((len(digits), decimals + 2), ord("."), dtype=np.uint8)
        chars[:, 0] = digits[:, 0] + ord("0")
        chars[:, 2:] = digits[:, 1:] + ord("0")
        texts[exact] = chars.view(f"S{decimals + 2}").ravel().astype(f"U{decimals + 2}")
    else:
        exact[:] = False
    other = ~exact & ~np.isnan(values)
    texts[other] = [format(value, f".{decimals}f") for value in values[other].tolist()]
    return texts


def print_labelled_table(frames, labels, text_column, width=None, stream=None):
    """Print labelled frames as one table (predict on a terminal); return the number of rows."""
    import sys

    stream = stream or sys.stdout
    number = 1
    for frame in frames:
        text = format_labelled(frame, labels, text_column, width, number_from=number)
        lines = text.splitlines()
        stream.write("\n".join(lines if number == 1 else lines[1:]) + "\n")
        number += len(frame)
    return number - 1
