"""Label sentences in a CSV file one key at a time, in the terminal.

Shows each sentence with no label yet and waits for one key:
a aligned, n neutral, o opposed, s skip (marked in the 'annotation' column,
not shown again), u undo the last answer, q quit. Every answer is saved to
FILE at once, atomically (a crash or Ctrl-C never leaves a half-written
file), so quitting and running the command again resumes where you left
off. FILE is the CSV that 'stance suggest' writes and 'stance train' reads:
a text column, an optional target column, and a label column that this
fills in. Keys can also be piped on standard input (one per character).
"""

import codecs
import os
import sys
import textwrap

from .._errors import DataError, UsageError
from .._files import endless_device, is_endless_device
from ._common import note

__all__ = ["Annotator", "KEYS"]

#: The keys and the label each one gives.
KEYS = {"a": "aligned", "n": "neutral", "o": "opposed"}

HELP = "[a] aligned  [n] neutral  [o] opposed  [s] skip  [u] undo  [q] quit"

#: The column that marks skipped rows.
STATUS = "annotation"


def format_parser(parser):
    parser.add_argument("file", metavar="FILE", help="the CSV to annotate (it is updated in place)")
    parser.add_argument("--text-column", default="text", metavar="NAME", help="column with the sentences (default: text)")
    parser.add_argument(
        "--label-column", default="label", metavar="NAME", help="column the labels go into (default: label)"
    )
    parser.add_argument("--revisit-skipped", action="store_true", help="also show the rows skipped before")
    parser.add_argument("--width", type=int, metavar="N", help="wrap sentences at N characters (default: the terminal's)")


class Annotator:
    """The annotator without a terminal: rows, a position, answers, undo, atomic saves.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows; the label column and the ``annotation`` column are added if missing.
    path : Path, optional
        Where every answer is saved (atomically); None saves nowhere.

    Examples
    --------
    >>> import pandas as pd
    >>> ann = Annotator(pd.DataFrame({"text": ["One.", "Two.", "Three."]}))
    >>> [ann.press(key) for key in "asu"], ann.position
    ([True, True, True], 1)
    >>> ann.press("o"), ann.press("n"), ann.frame["label"].tolist()
    (True, False, ['aligned', 'opposed', 'neutral'])
    """

    def __init__(self, frame, path=None, text_column="text", label_column="label", revisit_skipped=False):
        from .._io import check_unrepeated, column_names_in_input

        check_unrepeated(column_names_in_input(frame), text_column, label_column)
        if text_column not in frame.columns:
            available = ", ".join(map(str, frame.columns)) or "none"
            raise UsageError(f"no column {text_column!r} in the file (set --text-column); the columns are: {available}")
        frame = frame.copy()
        if label_column not in frame.columns:
            frame[label_column] = ""
        if STATUS not in frame.columns:
            frame[STATUS] = ""
        frame[label_column] = frame[label_column].fillna("").astype(str)
        frame[STATUS] = frame[STATUS].fillna("").astype(str)
        if revisit_skipped:
            frame.loc[frame[STATUS] == "skipped", STATUS] = ""
        self.frame = frame
        self.path = path
        self.text_column = text_column
        self.label_column = label_column
        self.history = []
        self.position = self._next(0)

    def _open(self, row):
        return not self.frame.at[row, self.label_column].strip() and self.frame.at[row, STATUS] != "skipped"

    def _next(self, start):
        for row in range(start, len(self.frame)):
            if self._open(self.frame.index[row]):
                return row
        return None

    @property
    def done(self):
        return self.position is None

    def counts(self):
        """``(labelled, total)`` rows."""
        labelled = int(self.frame[self.label_column].str.strip().ne("").sum())
        return labelled, len(self.frame)

    def press(self, key):
        """Apply one key; return False when the session is over (quit, or nothing left)."""
        key = key.lower()
        if key == "q":
            return False
        if key == "u":
            if self.history:
                row, label, status = self.history.pop()
                index = self.frame.index[row]
                self.frame.at[index, self.label_column] = label
                self.frame.at[index, STATUS] = status
                self.position = row
                self.save()
            return True
        if self.done or (key not in KEYS and key != "s"):
            return not self.done
        index = self.frame.index[self.position]
        self.history.append((self.position, self.frame.at[index, self.label_column], self.frame.at[index, STATUS]))
        if key == "s":
            self.frame.at[index, STATUS] = "skipped"
        else:
            self.frame.at[index, self.label_column] = KEYS[key]
            self.frame.at[index, STATUS] = ""
        self.save()
        self.position = self._next(self.position + 1)
        return not self.done

    def save(self):
        """Write the rows to ``path`` atomically, as every output is written (see :func:`atomic_write`).

        The file keeps its permissions and owner, a symbolic link stays one,
        and the columns keep the names they had (repeated or blank ones too).
        """
        if self.path is None:
            return
        from .._files import atomic_write
        from .._io import as_input_names

        try:
            with atomic_write(self.path, "w", encoding="utf-8", newline="") as stream:
                as_input_names(self.frame).to_csv(stream, index=False, lineterminator="\r\n")
        except OSError as error:
            raise DataError(f"cannot save {self.path}: {error.strerror or error}") from None

    def render(self, width=80):
        """The screen for the current row."""
        labelled, total = self.counts()
        if self.done:
            return f"all done: {labelled} of {total} rows labelled\n"
        index = self.frame.index[self.position]
        row = self.frame.loc[index]
        lines = [f"row {self.position + 1} of {total}   ({labelled} labelled)"]
        if "target" in self.frame.columns and str(row["target"]).strip() and str(row["target"]) != "nan":
            lines.append(f"target: {row['target']}")
        lines.append("")
        text = " ".join(str(row[self.text_column]).split())
        lines += textwrap.wrap(text, max(20, width - 4), initial_indent="  ", subsequent_indent="  ") or ["  (blank)"]
        if "model_label" in self.frame.columns and str(row["model_label"]).strip():
            lines += ["", f"model's guess: {row['model_label']}"]
        lines += ["", HELP]
        return "\n".join(lines) + "\n"


def _keys_from_terminal(stream):
    """Yield keys pressed on a terminal, one at a time, without waiting for Enter."""
    import termios
    import tty

    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        while True:
            key = os.read(fd, 1).decode("utf-8", "replace")
            if not key or key in ("\x03", "\x04"):  # end of input, Ctrl-C, Ctrl-D
                return
            yield key
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _keys_from_pipe(stream):
    # Read in small pieces, not lines: a line that never ends (keys from
    # /dev/zero or `yes`) must not be held whole in memory. From a pipe, the
    # keys it holds are taken as they come (os.read), so that each answer is
    # saved at once: TextIO's read(64) waited for 64 characters.
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):  # a stream without a descriptor (tests, notebooks)
        pieces = iter(lambda: stream.read(64), "")
    else:
        decoder = codecs.getincrementaldecoder("utf-8")("replace")
        pieces = (decoder.decode(block) for block in iter(lambda: os.read(fd, 64), b""))
    for piece in pieces:
        for key in piece:
            if not key.isspace():
                yield key


def run_session(annotator, keys, out, width=80, clear=False):
    """Show rows and apply ``keys`` until quit, end of keys, or nothing left; return the number of answers."""
    answers = 0
    out.write(("\x1b[2J\x1b[H" if clear else "") + annotator.render(width))
    out.flush()
    for key in keys:
        more = annotator.press(key)
        if key.lower() in "anos" and key.strip():
            answers += 1
        if not more:
            if annotator.done:
                out.write("\n" + annotator.render(width))
                out.flush()
            break
        out.write(("\x1b[2J\x1b[H" if clear else "\n") + annotator.render(width))
        out.flush()
    return answers


def main(args):
    import shutil
    from pathlib import Path

    import pandas as pd

    path = Path(args.file)
    if args.file == "-":
        raise UsageError("annotate updates a file in place: give its name, not standard input")
    if path.is_dir():
        raise DataError(f"{path} is a folder, not a file")
    if not path.exists():
        raise DataError(f"{path} does not exist; make one with: stance suggest --input FILE --output {path}")
    if not path.is_file():  # a device, a FIFO or a socket: nothing to update in place (and /dev/zero never ends)
        import os

        from .._files import describe_kind

        raise DataError(
            f"annotate updates a file in place, not a {describe_kind(os.stat(path).st_mode)}: give a file's name"
        )
    if path.suffix.lower() not in (".csv", ".txt"):
        raise UsageError(f"annotate reads and writes CSV files, not {path.suffix or 'files without a suffix'}")
    from .._io import INPUT_NAMES, input_names, read_head

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        with open(path, "rb") as stream:  # the header as written: pandas renames repeated and blank names
            names = input_names(read_head(stream), frame.columns)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataError(f"cannot read {path} as CSV: {str(error).splitlines()[0]}") from None
    if names:
        frame.attrs[INPUT_NAMES] = names
    annotator = Annotator(frame, path, args.text_column, args.label_column, args.revisit_skipped)
    if annotator.done:
        labelled, total = annotator.counts()
        note(f"nothing left to label in {path}: {labelled} of {total} rows labelled")
        return 0
    if sys.stdin is None or sys.stdin.closed:
        raise DataError("standard input is closed: annotate reads its keys from it")
    try:
        endless = is_endless_device(sys.stdin.fileno())
    except (OSError, ValueError):  # a stream without a descriptor (tests, notebooks)
        endless = False
    if endless:
        raise DataError(endless_device("standard input"))
    terminal = sys.stdin.isatty()
    width = args.width or shutil.get_terminal_size((80, 24)).columns
    keys = _keys_from_terminal(sys.stdin) if terminal else _keys_from_pipe(sys.stdin)
    answers = run_session(annotator, keys, sys.stdout, width, clear=terminal and sys.stdout.isatty())
    labelled, total = annotator.counts()
    note(
        f"saved {path}: {labelled} of {total} rows labelled ({answers} answers this session)"
        + ("" if annotator.done else "; run the same command again to resume")
    )
    return 0
