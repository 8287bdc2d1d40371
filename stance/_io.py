"""Reading and writing tables: CSV, TSV, JSON Lines, Parquet and plain text.

Every reader yields pandas DataFrames whose cells are strings as they stand
in the file (no type guessing, an empty field stays ``""``), in chunks, so a
file larger than memory can stream through. Errors a user can fix (a missing
file, undecodable bytes, an empty file) raise :class:`DataError` with one
clear sentence.
"""

import csv
import io
import json
import os
import re
import stat
import sys
from contextlib import contextmanager
from pathlib import Path

from ._errors import DataError, UsageError
from ._files import check_output_path, describe_kind, endless_device, is_endless_device, open_output

__all__ = [
    "FORMATS",
    "detect_format",
    "read_table",
    "write_table",
    "require_columns",
    "check_unrepeated",
    "layout_hint",
    "check_writable",
    "check_interrupted",
    "input_names",
    "as_input_names",
    "read_head",
    "bytes_text",
    "INPUT_NAMES",
]

FORMATS = ("csv", "tsv", "jsonl", "parquet", "text", "semeval")
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "text",
    ".text": "text",
}
_STDIO = "-"

#: How pandas reads CSV cells, here and on the Dask engine alike: every cell
#: a string as it stands in the file (an empty field is "", not NaN);
#: skip_blank_lines=False: a blank line is a row (an empty cell in a
#: one-column file), kept and flagged like any other missing text;
#: index_col=False: a row with one field too many must not silently turn its
#: first field into the index (and lose it).
CSV_CELLS = {"dtype": str, "keep_default_na": False, "skip_blank_lines": False, "index_col": False}

#: The key of ``DataFrame.attrs`` that holds the input's column names as they
#: stand in the file, when a reader had to rename some: pandas numbers a
#: repeated CSV name (``a``, ``a.1``) and names a blank one ``Unnamed: 3``,
#: and a Parquet file may repeat a name. Frames keep unique names inside
#: stance (a column is found by its name); :func:`write_table` writes the
#: input's own names back.
INPUT_NAMES = "stance_input_names"


def input_names(head, read_names, sep=",", quoting=csv.QUOTE_MINIMAL):
    r"""The names of a CSV or TSV header as they stand in ``head`` (its first bytes), or None.

    None when they are ``read_names`` (what pandas made of them) already,
    or when ``head`` does not hold the whole header, or the two differ in
    more than pandas' renaming of repeated and blank names.

    Examples
    --------
    >>> input_names(b"a,a,,b\r\n1,2,3,4\r\n", ["a", "a.1", "Unnamed: 2", "b"])
    ['a', 'a', '', 'b']
    >>> input_names(b"a,b\n", ["a", "b"]) is None
    True
    """
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(iter(lines), delimiter=sep, quoting=quoting)
    names = next(reader, None)
    if names is None or not lines[reader.line_num - 1].endswith(("\n", "\r")):
        return None  # the header goes on beyond the bytes looked at
    read_names = [str(name) for name in read_names]
    if names == read_names or len(names) != len(read_names):
        return None
    for i, (name, read) in enumerate(zip(names, read_names)):
        if name != read and not (name in names[:i] or (not name and read.startswith("Unnamed: "))):
            return None
    return names


def read_head(stream):
    """The first bytes of a binary stream: up to the end of its first line (a header), at most 64 KB."""
    head = b""
    while len(head) < _HEAD_BYTES and b"\n" not in head:
        block = (
            stream.read1(_HEAD_BYTES - len(head))
            if hasattr(stream, "read1")
            else stream.read(_HEAD_BYTES - len(head))
        )
        if not block:
            break
        head += block
    return head


def as_input_names(frame):
    """``frame`` with its first columns named as in the input (:data:`INPUT_NAMES`), if they were renamed."""
    names = frame.attrs.get(INPUT_NAMES)
    if not names:
        return frame
    return frame.set_axis([*names, *frame.columns[len(names) :]], axis=1)


class _Flag:
    """A flag a signal handler can set: an attribute, no lock.

    (threading.Event takes a lock in ``set``: a second signal whose handler
    ran while the first was inside ``set`` waited for ever on the lock the
    first held, and Ctrl-C pressed twice could hang the command.)
    """

    def __init__(self):
        self._set = False

    def set(self):
        self._set = True

    def clear(self):
        self._set = False

    def is_set(self):
        return self._set


#: Set by the command line's handlers of Ctrl-C, SIGTERM, SIGHUP... pandas'
#: C parser catches an interrupt that arrives while it reads and raises a
#: ParserError instead; with this set, that error is the interrupt, not a
#: bad file.
INTERRUPTED = _Flag()


def check_interrupted():
    """Raise KeyboardInterrupt if the command has been interrupted or told to stop (:data:`INTERRUPTED`).

    A signal handler's exception is raised wherever the main thread happens
    to be, and code that swallows errors can lose it: numpy ignores any
    error inside its check for ctypes types, which pandas calls while it
    indexes, so a SIGHUP went unnoticed and the command ran to its end and
    exited 0 (3 runs in 150). Loops over chunks call this, so that a lost
    signal still ends the command within a chunk.
    """
    if INTERRUPTED.is_set():
        raise KeyboardInterrupt


DEFAULT_CHUNK_ROWS = 10_000


def detect_format(path, fmt=None, default=None):
    """Return the table format of ``path``: ``fmt`` if given, else from its extension.

    Examples
    --------
    >>> detect_format("speeches.JSONL")
    'jsonl'
    >>> detect_format("-", default="text")
    'text'
    """
    if fmt:
        if fmt not in FORMATS:
            raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return fmt
    found = _EXTENSIONS.get(Path(str(path)).suffix.lower())
    if found:
        return found
    if default:
        return default
    raise UsageError(
        f"cannot tell the format of {path} from its extension; pass --format ({', '.join(FORMATS)})"
    )


#: The most of a pipe (standard input, a FIFO, ``<(...)``) kept in a
#: temporary file for the formats that must read their input twice or
#: out of order (JSON Lines, Parquet). Text, CSV and TSV stream through
#: without a copy, however long.
MAX_SPOOL_BYTES = 1 << 30
#: The most bytes looked at to recognise a SemEval header.
_HEAD_BYTES = 1 << 16
#: The longest line read from a text, CSV, TSV, JSON Lines or SemEval input,
#: and the longest CSV row (a quoted field may hold line ends, so a row may
#: span lines). A row is held in memory whole (a text is labelled from its
#: first 100,000 characters), so an input with no line end, such as an
#: endless pipe, or a CSV quotation mark that is never closed, is refused
#: once a row passes this, in bounded memory, not read until memory runs
#: out. The same bound as a document of ``stance analyze``.
MAX_LINE_BYTES = 256 << 20

_LF, _CR = ord("\n"), ord("\r")
_BOM = b"\xef\xbb\xbf"


class _LineBounded(io.RawIOBase):
    """A stream that raises :class:`DataError` once a line or a CSV row grows longer than ``limit`` bytes.

    A line ends at a line feed, or with ``cr`` also at a carriage return
    (as Python's text reader, pandas' and JSON Lines' end lines). With
    ``quote`` and ``delimiter`` (CSV), a line end inside a quoted field does
    not end the row, as pandas reads it: a quotation mark opens a field
    where a field starts (at the start of a line or after a delimiter; one
    elsewhere is text), and the field runs, across line ends, to a
    quotation mark that is not doubled. So a quotation mark that is never
    closed is refused like a line that never ends, instead of the parser
    holding the rest of the input as one field.

    Blocks are looked at with numpy; the quotation marks of a block are
    followed one by one only when one of them is text.
    """

    def __init__(self, stream, name, limit, cr=True, quote=None, delimiter=None):
        self._stream = stream
        self._name = name
        self._limit = limit
        self._cr = cr
        self._quote = None if quote is None else ord(quote)
        # The bytes after which a field starts.
        self._starts = [_LF, _CR] + ([] if delimiter is None else [ord(delimiter)])
        self._run = 0  # bytes of the row being read
        self._line = 1  # the number of the line the next block starts on
        self._row_line = 1  # the number of the line the row being read started on
        self._row_spans_lines = False  # whether the row being read holds a quoted line end
        # Quotation marks so far: inside a quoted field (their count is odd
        # when every one opened, closed or doubled), and whether the last
        # byte was one that closes the field unless the next byte doubles it.
        self._quoted = False
        self._pending = False
        self._last = _LF  # the byte before the next block (the input starts a row)
        self._first = True

    def readable(self):
        return True

    def readinto(self, buffer):
        import numpy as np

        read = getattr(self._stream, "read1", self._stream.read)
        data = read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if not n:
            return 0
        codes = np.frombuffer(data, np.uint8)
        is_end = codes == _LF
        if self._cr:
            is_end |= codes == _CR
        ends = np.flatnonzero(is_end)
        breaks = ends  # the line ends that count as lines: a CR LF is one
        if self._cr and len(ends):
            before = np.where(ends > 0, codes[ends - 1], self._last)
            breaks = ends[~((codes[ends] == _LF) & (before == _CR))]
        quoted = np.zeros(len(ends), dtype=bool)
        if self._quote is not None:
            quoted = self._quoted_ends(data, codes, ends)
        rows = ends[~quoted]  # the line ends that end rows

        def line_after(position):
            return self._line + int(np.searchsorted(breaks, position, side="right"))

        if len(rows):
            if self._run + rows[0] > self._limit:
                self._refuse(self._row_line, self._row_spans_lines or bool(quoted[ends < rows[0]].any()))
            gaps = np.diff(rows) - 1
            if len(gaps) and gaps.max() > self._limit:  # a row inside the block (a tiny limit)
                i = int(np.argmax(gaps > self._limit))
                inside = quoted[(ends > rows[i]) & (ends < rows[i + 1])]
                self._refuse(line_after(rows[i]), bool(inside.any()))
            self._run = n - int(rows[-1]) - 1
            self._row_line = line_after(rows[-1])
            self._row_spans_lines = bool(quoted[ends > rows[-1]].any())
        else:
            self._run += n
            self._row_spans_lines = self._row_spans_lines or bool(quoted.any())
        self._line += len(breaks)
        self._last = data[-1]
        self._first = False
        if self._run > self._limit:
            self._refuse(self._row_line, self._row_spans_lines)
        return n

    def _quoted_ends(self, data, codes, ends):
        """Which of the line ends at ``ends`` are inside a quoted field; keeps the state for the next block."""
        import numpy as np

        marks = np.flatnonzero(codes == self._quote)
        if not len(marks):
            self._pending = False  # a closing quotation mark: the field is closed
            return np.full(len(ends), self._quoted)
        # When every quotation mark opens, closes or doubles (none is text),
        # the field is quoted where their count so far is odd.
        odd = (int(self._quoted) + np.arange(len(marks))) % 2 == 1  # inside a quoted field before the mark
        before = np.where(marks > 0, codes[marks - 1], self._last)
        opens = np.isin(before, self._starts)
        if self._first and data[:3] == _BOM:
            opens |= marks == 3
        doubled = np.zeros(len(marks), dtype=bool)
        doubled[1:] = marks[1:] == marks[:-1] + 1
        doubled[0] = marks[0] == 0 and self._pending
        if (odd | opens | doubled).all():
            inside = (int(self._quoted) + np.searchsorted(marks, ends)) % 2 == 1
            self._quoted = bool((int(self._quoted) + len(marks)) % 2)
            self._pending = data[-1] == self._quote and not self._quoted
            return inside
        # A quotation mark that is text (x"y): follow them one by one.
        spans = self._quoted_spans(data)
        if not spans:
            return np.zeros(len(ends), dtype=bool)
        starts, stops = np.array(spans).T
        k = np.searchsorted(starts, ends, side="right") - 1
        return (k >= 0) & (ends < stops[np.maximum(k, 0)])

    def _quoted_spans(self, data):
        """The stretches ``(start, stop)`` of ``data`` inside quoted fields, quotation mark by quotation mark."""
        quote, n = self._quote, len(data)
        spans, position, start = [], 0, 0
        if self._pending:  # the block before ended with a quotation mark inside a quoted field
            self._pending = False
            self._quoted = data[0] == quote  # doubled: still inside; else it closed the field
            position = int(self._quoted)
        mark = bytes([quote])
        while True:
            found = data.find(mark, position)
            if self._quoted:
                if found < 0:
                    spans.append((start, n))
                    break
                if found + 1 == n:  # doubled or closing: the next block says
                    self._quoted, self._pending = False, True
                    spans.append((start, n))
                    break
                if data[found + 1] == quote:
                    position = found + 2
                    continue
                spans.append((start, found))
                self._quoted = False
                position = found + 1
            else:
                if found < 0:
                    break
                before = data[found - 1] if found else self._last
                if before in self._starts or (self._first and found == 3 and data[:3] == _BOM):
                    self._quoted, start = True, found + 1
                position = found + 1
        return spans

    def _refuse(self, line, spans_lines):
        size = f"{self._limit >> 20} MB" if self._limit >= 1 << 20 else f"{self._limit:,} bytes"
        if spans_lines:
            raise DataError(
                f"the row that starts on line {line} of {self._name} is longer than {size}, the longest row "
                "stance reads: a quoted field runs on across lines (a missing closing quotation mark?)"
            )
        raise DataError(f"line {line} of {self._name} is longer than {size}, the longest line stance reads")


class _Prefixed(io.RawIOBase):
    """A stream that gives ``head`` first, then the rest of ``rest``: bytes looked at are not lost."""

    def __init__(self, head, rest, owned):
        self._head = memoryview(head)
        self._rest = rest
        self._owned = owned

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read1(len(buffer)) if hasattr(self._rest, "read1") else self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self):
        try:
            if self._owned:
                self._rest.close()
        finally:
            super().close()


class _Source:
    """An open input: a binary stream read once from its start, its name, and what it is.

    The input is opened once and never read ahead of its reader: a pipe, a
    FIFO or ``/dev/stdin`` gives its bytes once, so a byte looked at (to see
    whether the input is empty, UTF-16 or SemEval) is put back in front of
    the rest.
    """

    def __init__(self, path):
        self.stdin = path == _STDIO
        self.name = "standard input" if self.stdin else str(path)
        if self.stdin:
            if sys.stdin is None:
                raise DataError("standard input is closed")
            stream = sys.stdin.buffer
            self.owned = False
        else:
            if os.path.isdir(path):
                raise DataError(f"{path} is a folder, not a file")
            try:
                stream = open(path, "rb")
            except FileNotFoundError:
                raise DataError(f"{path} does not exist") from None
            except OSError as error:
                raise DataError(f"cannot read {path}: {error.strerror or error}") from None
            self.owned = True
        try:
            mode = os.fstat(stream.fileno()).st_mode
        except (OSError, AttributeError, io.UnsupportedOperation):
            mode = None  # an in-memory stream (tests, embedding): seekable
        if mode is not None and not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
            self._close(stream)
            raise DataError(f"cannot read {self.name}: it is a {describe_kind(mode)}")
        if mode is not None and is_endless_device(stream.fileno()):
            # /dev/zero, /dev/urandom: refused before a byte is read (/dev/null is an empty input).
            self._close(stream)
            raise DataError(endless_device(self.name))
        self.regular = mode is None or stat.S_ISREG(mode)
        try:
            seekable = self.regular and stream.seekable()
            start = stream.tell() if seekable else 0
        except OSError:
            seekable, start = False, 0
        self.seekable, self._start = seekable, start
        try:
            self.head = read_head(stream)
        except OSError as error:
            self._close(stream)
            raise DataError(f"cannot read {self.name}: {error.strerror or error}") from None
        if seekable:
            stream.seek(start)
            self.stream = stream
        else:
            self.stream = io.BufferedReader(_Prefixed(self.head, stream, self.owned), 1 << 16)
            self.owned = True  # closing the wrapper leaves an unowned stream open

    def _close(self, stream):
        if self.owned:
            stream.close()

    def lines(self, cr=True, quote=None, delimiter=None):
        """The stream from where it stands, refusing a line (a CSV row) longer than :data:`MAX_LINE_BYTES`.

        A carriage return ends a line too, unless ``cr`` is false (SemEval's
        reader splits lines at line feeds only). With ``quote`` and
        ``delimiter``, a row is a CSV row: it goes on across the line ends
        inside its quoted fields.
        """
        bounded = _LineBounded(self.stream, self.name, MAX_LINE_BYTES, cr, quote, delimiter)
        return io.BufferedReader(bounded, 1 << 16)

    def rewind(self):
        """Go back to the start (seekable sources only)."""
        self.stream.seek(self._start)

    def make_seekable(self, fmt):
        """Copy a pipe to a temporary file (at most :data:`MAX_SPOOL_BYTES`) for a format that needs to seek."""
        if self.seekable:
            return
        import tempfile

        try:
            spool = tempfile.TemporaryFile()
            copied = 0
            # Parquet has no lines; JSON Lines does, and an endless line is refused before the limit.
            stream = self.stream if fmt == "parquet" else self.lines()
            while True:
                block = stream.read(1 << 20)
                if not block:
                    break
                copied += len(block)
                if copied > MAX_SPOOL_BYTES:
                    spool.close()
                    raise DataError(
                        f"{self.name} holds more than {MAX_SPOOL_BYTES >> 20} MB of {fmt}, which is read from "
                        "a copy: save it to a file and give its path"
                    )
                spool.write(block)
        except OSError as error:
            raise DataError(
                f"cannot keep a copy of {self.name} in the temporary folder ({tempfile.gettempdir()}): "
                f"{error.strerror or error}; save the input to a file and give its path"
            ) from None
        self._close_stream()
        spool.seek(0)
        self.stream, self.seekable, self._start, self.owned = spool, True, 0, True

    def _close_stream(self):
        if self.owned:
            self.stream.close()

    def close(self):
        self._close_stream()


def read_table(path, fmt=None, chunk_rows=DEFAULT_CHUNK_ROWS, empty=False):
    """Yield the rows of a table file as DataFrames of at most ``chunk_rows`` rows.

    Parameters
    ----------
    path : str or Path
        A file, or ``"-"`` for standard input.
    fmt : str, optional
        One of :data:`FORMATS`; by default guessed from the extension
        (standard input defaults to ``text``); a ``.txt`` or ``.tsv`` file
        that starts with SemEval-2016's header is read as ``semeval``.
    chunk_rows : int
    empty : bool, default=False
        Whether an input of no bytes (an empty file or pipe, ``/dev/null``)
        is a table of no rows (plain text: one empty frame with its ``text``
        column; other formats, whose columns it does not name, no frame)
        rather than an error. A Parquet file is never empty.

    Yields
    ------
    pandas.DataFrame
        Cells are strings (JSON values keep their JSON types; a missing one
        is NaN). A plain-text file gives one ``text`` column, one row per
        line, blank lines included.

    Raises
    ------
    DataError
        Missing, unreadable, empty or undecodable input.
    """
    explicit = fmt
    source = _Source(str(path) if str(path) == _STDIO else path)
    name = source.name
    try:
        fmt = detect_format(path, fmt, default="text" if str(path) == _STDIO else None)
        if not explicit and fmt in ("tsv", "text") and _starts_with_semeval_header(source.head):
            fmt = "semeval"
        elif not explicit and fmt == "text" and str(path) == _STDIO and _starts_with_table_header(source.head):
            import warnings

            warnings.warn(
                "standard input is read as plain text, one sentence a line, but its first line looks like "
                "the header of a table with a 'text' column; give --format csv (or tsv) to read it as one",
                stacklevel=2,
            )
        if not source.head:
            if not empty or fmt == "parquet":
                raise DataError(f"{name} is empty")
            if fmt == "text":
                yield _text_frame([])
            return
        if fmt in _SEEKING:
            source.make_seekable(fmt)
        for chunk in _READERS[fmt](source, chunk_rows):
            check_interrupted()
            yield chunk
    except UnicodeDecodeError:
        if source.head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise DataError(
                f"{name} is UTF-16 (it starts with a UTF-16 byte-order mark); convert it to UTF-8 first"
            ) from None
        line = None
        if source.seekable:
            source.rewind()
            line = _first_bad_line(source.stream)
        where = f" on line {line}" if line else ""
        raise DataError(f"{name} is not valid UTF-8{where}; convert it to UTF-8 first") from None
    except (DataError, UsageError):
        raise
    except MemoryError:
        raise
    except Exception as error:  # parsers raise many types; all mean "bad file"
        if INTERRUPTED.is_set():
            raise KeyboardInterrupt from None
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        if "out of memory" in message.lower():
            raise MemoryError(message) from None
        raise DataError(f"cannot read {name} as {fmt}: {message}") from None
    finally:
        source.close()


def _first_bad_line(source):
    """Return the 1-based number of the first line of a binary stream that is not UTF-8."""
    for number, line in enumerate(source, start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return None


def _starts_with_semeval_header(head):
    first = head.split(b"\n", 1)[0]
    return first.lstrip(b"\xef\xbb\xbf").rstrip(b"\r\n").split(b"\t") == [h.encode() for h in SEMEVAL_HEADER]


def _starts_with_table_header(head):
    # "text,target" or "id<TAB>text": a delimited first line with a field
    # named text, every field short enough for a column's name and without a
    # sentence's end ("Text, not images, carries the argument." is a sentence).
    first = head.split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf").rstrip(b"\r").decode("utf-8", "replace")
    for fields in (first.split(","), first.split("\t")):
        names = [field.strip().strip('"') for field in fields]
        if (
            len(names) > 1
            and "text" in (name.lower() for name in names)
            and all(len(name.split()) <= 3 and not name.endswith((".", "!", "?")) for name in names)
        ):
            return True
    return False


#: Formats whose readers read the input twice or out of order: a pipe is copied first.
_SEEKING = ("jsonl", "parquet")


def _read_delimited(source, chunk_rows, sep, quoting=csv.QUOTE_MINIMAL):
    import warnings

    import pandas as pd

    # A quoted field may hold line ends: a CSV row, not a line, is bounded.
    quote = '"' if quoting != csv.QUOTE_NONE else None
    text = io.TextIOWrapper(source.lines(quote=quote, delimiter=sep), encoding="utf-8-sig", newline="")
    reader = pd.read_csv(text, sep=sep, quoting=quoting, chunksize=chunk_rows, **CSV_CELLS)
    names = False  # not looked at yet
    with _detaching(text), reader:
        while True:
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                try:
                    chunk = next(reader)
                except StopIteration:
                    return
                except pd.errors.ParserWarning:
                    raise DataError(
                        "a row has more fields than the header (a stray delimiter or a missing quote?)"
                    ) from None
            # A CSV cell is always a string: an empty line's cells are "" too.
            chunk = chunk.fillna("")
            if names is False:
                names = input_names(source.head, chunk.columns, sep, quoting)
            if names:
                chunk.attrs[INPUT_NAMES] = names
            yield chunk


@contextmanager
def _detaching(text):
    """Detach a text wrapper at the end: the binary stream under it is closed by its owner, or not at all."""
    try:
        yield text
    finally:
        try:
            text.detach()
        except ValueError:
            pass


def _read_csv(source, chunk_rows):
    return _read_delimited(source, chunk_rows, ",")


def _read_tsv(source, chunk_rows):
    # Tab-separated values have no quoting: a quotation mark is text.
    return _read_delimited(source, chunk_rows, "\t", csv.QUOTE_NONE)


def _read_jsonl(source, chunk_rows):
    import pandas as pd

    # Two passes: the first collects every key in the file, so that every
    # chunk has every column (a key first seen on line 90,000 must not shift
    # the columns of a CSV written chunk by chunk, nor change which column
    # holds the targets). A pipe was copied to a file first.
    columns = {}
    lines = 0
    for number, record in _json_records(source.lines()):
        columns.update(dict.fromkeys(record))
        lines = number
    source.rewind()
    rows = []
    for number, record in _json_records(source.lines()):
        if number > lines or not columns.keys() >= record.keys():
            raise DataError(
                f"{source.name} changed while it was read (line {number} is new); "
                "read a copy that nothing writes to"
            )
        rows.append(record)
        if len(rows) == chunk_rows:
            yield _records_frame(pd, rows, columns)
            rows = []
    if rows:
        yield _records_frame(pd, rows, columns)


def _json_records(source):
    """Yield ``(line number, object)``; a blank line is an empty object."""
    text = io.TextIOWrapper(source, encoding="utf-8-sig")
    try:
        for number, line in enumerate(text, start=1):
            if not line.strip():
                yield number, {}
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise DataError(f"line {number} is not valid JSON: {error.msg}") from None
            if not isinstance(record, dict):
                raise DataError(f"line {number} is a JSON {type(record).__name__}, not an object")
            yield number, record
    finally:
        text.detach()  # the caller reads the source again: do not close it


def _records_frame(pd, rows, columns):
    # dtype=object keeps values exactly as JSON gave them: numbers stay
    # numbers, NaN stays NaN and null None (a missing key is None too: a
    # row has no value there), and strings with lone surrogates (valid JSON
    # escapes, invalid Unicode) survive, which Arrow-backed string columns
    # would refuse.
    names = list(columns) or ["text"]
    return pd.DataFrame([[row.get(name) for name in names] for row in rows], columns=names, dtype=object)


def parquet_type(arrow_type):
    """The pandas type that keeps the values of a Parquet column of ``arrow_type``, or None for the default.

    A ``types_mapper`` for pyarrow's ``to_pandas``; the local and the Dask
    engine both read Parquet with it. Integers become pandas' nullable
    integers: with nulls they would otherwise become floats, and
    9007199254740993 would come out as 9007199254740992.0. Floats and
    nested values (lists, structs, maps) stay Arrow values, which keep NaN
    apart from null, inside a list too (numpy floats have one NaN for both;
    pandas' nullable floats turn NaN into null; numpy's lists turn a null
    element into NaN and a struct's integers into floats).

    Examples
    --------
    >>> import pyarrow as pa
    >>> parquet_type(pa.int64()), parquet_type(pa.float32()), parquet_type(pa.string())
    (Int64Dtype(), float[pyarrow], None)
    """
    import pandas as pd
    import pyarrow as pa

    if pa.types.is_integer(arrow_type):
        return pd.api.types.pandas_dtype(str(arrow_type).capitalize().replace("Uint", "UInt"))
    if pa.types.is_floating(arrow_type) or pa.types.is_nested(arrow_type) or _is_nano_time(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None


def _is_nano_time(arrow_type):
    # A time of day in nanoseconds: no Python time holds it (pandas refused
    # the whole file), so it stays an Arrow value, written as Arrow's text.
    import pyarrow as pa

    return pa.types.is_time64(arrow_type) and arrow_type.unit == "ns"


def _nano_times_as_text(arrow_type):
    """``arrow_type`` with every time of day in nanoseconds, inside lists, structs and maps too, as
    Arrow's text of it (``to_pylist`` would cut them to microseconds); None if it holds none."""
    import pyarrow as pa

    if _is_nano_time(arrow_type):
        return pa.string()
    if pa.types.is_struct(arrow_type):
        fields = [(field, _nano_times_as_text(field.type)) for field in arrow_type]
        if all(text is None for _, text in fields):
            return None
        return pa.struct([field.with_type(text or field.type) for field, text in fields])
    if pa.types.is_map(arrow_type):
        key, item = _nano_times_as_text(arrow_type.key_type), _nano_times_as_text(arrow_type.item_type)
        if key is None and item is None:
            return None
        return pa.map_(key or arrow_type.key_type, item or arrow_type.item_type)
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        item = _nano_times_as_text(arrow_type.value_type)
        if item is None:
            return None
        return (pa.list_ if pa.types.is_list(arrow_type) else pa.large_list)(item)
    return None


def _read_parquet(source, chunk_rows):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("reading Parquet needs pyarrow: pip install 'stance[parquet]'") from None
    parquet = pq.ParquetFile(source.stream)
    # Parquet allows two columns of one name; inside stance the second is
    # named as pandas names a CSV file's (x, x.1), so that a column is found
    # by its name, and the file's names are written back (INPUT_NAMES).
    original = list(parquet.schema_arrow.names)
    names = unique_names(original)

    def frame(batch):
        frame = _named(batch, names).to_pandas(types_mapper=parquet_type)
        if names != original:
            frame.attrs[INPUT_NAMES] = original
        return frame

    rows = 0
    for batch in parquet.iter_batches(batch_size=chunk_rows):
        rows += batch.num_rows
        yield frame(batch)
    if not rows:  # no rows: the columns all the same, so that the output has its header
        yield frame(parquet.schema_arrow.empty_table())


def _named(batch, names):
    # Renamed before pandas sees it: its type mapping goes by name. (Not
    # RecordBatch.rename_columns, which older pyarrow lacks.)
    if list(batch.schema.names) == names:
        return batch
    return type(batch).from_arrays(batch.columns, names=names)


def unique_names(names):
    """``names`` with a repeated one numbered as pandas numbers a CSV file's: ``x``, ``x.1``, ``x.2``.

    Examples
    --------
    >>> unique_names(["x", "x", "x.1", "y"])
    ['x', 'x.2', 'x.1', 'y']
    """
    taken = set(names)
    seen = set()
    unique = []
    for name in names:
        candidate, number = name, 0
        while candidate in seen or (candidate != name and candidate in taken):
            number += 1
            candidate = f"{name}.{number}"
        seen.add(candidate)
        unique.append(candidate)
    return unique


def _read_text(source, chunk_rows):
    lines = []
    text = io.TextIOWrapper(source.lines(), encoding="utf-8-sig", newline="")
    with _detaching(text):
        for line in text:
            lines.append(line.rstrip("\r\n"))
            if len(lines) == chunk_rows:
                yield _text_frame(lines)
                lines = []
    if lines:
        yield _text_frame(lines)


def _text_frame(lines):
    import pandas as pd

    return pd.DataFrame({"text": pd.Series(lines, dtype=str)})  # as pandas types a column of strings


#: The header of the official SemEval-2016 Task 6 files.
SEMEVAL_HEADER = ("ID", "Target", "Tweet", "Stance")


def _read_semeval(source, chunk_rows):
    """Read the official SemEval-2016 Task 6 files (tab-separated).

    Their lines are UTF-8 in places and Windows-1252 in others, so each line
    is decoded on its own: as UTF-8 if it can be, else as Windows-1252. The
    columns are renamed to ``text``, ``target`` and ``label``; ``ID`` stays.
    """
    import pandas as pd

    rows = []
    header = None
    for number, raw in enumerate(source.lines(cr=False), start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            line = raw.decode("cp1252", errors="replace")
        line = line.rstrip("\r\n")
        if header is None:
            header = tuple(line.split("\t"))
            if header != SEMEVAL_HEADER:
                raise DataError(
                    f"the header is not SemEval's {chr(9).join(SEMEVAL_HEADER)!r} (tab-separated)"
                )
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise DataError(f"line {number} has {len(fields)} tab-separated fields, not {len(header)}")
        rows.append(fields)
        if len(rows) == chunk_rows:
            yield _semeval_frame(pd, rows)
            rows = []
    if rows:
        yield _semeval_frame(pd, rows)


def _semeval_frame(pd, rows):
    frame = pd.DataFrame(rows, columns=list(SEMEVAL_HEADER))
    return frame.rename(columns={"Tweet": "text", "Target": "target", "Stance": "label"})


_READERS = {
    "semeval": _read_semeval,
    "csv": _read_csv,
    "tsv": _read_tsv,
    "jsonl": _read_jsonl,
    "parquet": _read_parquet,
    "text": _read_text,
}


def require_columns(frame, *columns):
    """Raise :class:`UsageError` naming the available columns if one is missing, or repeated."""
    check_unrepeated(column_names_in_input(frame), *columns)
    for column in columns:
        if column is not None and column not in frame.columns:
            hint = layout_hint(frame.columns)
            if hint:
                raise UsageError(f"no column {column!r} in the input, {hint}")
            available = ", ".join(map(str, frame.columns)) or "none"
            raise UsageError(f"no column {column!r} in the input; available columns: {available}")


def column_names_in_input(frame):
    """The names of ``frame``'s columns as the input has them (pandas renames a repeated "text" "text.1")."""
    return getattr(frame, "attrs", {}).get(INPUT_NAMES) or list(frame.columns)


def check_unrepeated(names, *columns):
    """Raise :class:`UsageError` if a column to read is named twice in the input's ``names``: which to read?"""
    names = [str(name) for name in names]
    for column in columns:
        if column is not None and names.count(column) > 1:
            raise UsageError(
                f"the input has {names.count(column)} columns named {column!r}: rename all but one, "
                "so that it is clear which to read"
            )


def layout_hint(columns):
    """Why a table read with only one column may lack the columns asked for, or None.

    One column whose name holds a delimiter is a table read with another
    format's delimiter; a lone ``text`` column is plain text (standard
    input is read as plain text unless ``--format`` says otherwise).

    Examples
    --------
    >>> print(layout_hint(["text,target"]))
    which has one column named 'text,target'; if it is separated by ',', give --format csv
    >>> print(layout_hint(["text"]))
    whose only column is 'text': plain text is read as one sentence a line; for a table, give --format csv or tsv
    >>> layout_hint(["text", "target"]) is None
    True
    """
    names = [str(name) for name in columns]
    if len(names) != 1:
        return None
    if names == ["text"]:
        return (
            "whose only column is 'text': plain text is read as one sentence a line; "
            "for a table, give --format csv or tsv"
        )
    hints = {",": "give --format csv", "\t": "give --format tsv"}
    delimiter = next((d for d in (",", "\t", ";", "|") if d in names[0]), None)
    if delimiter is None:
        return None
    hint = hints.get(delimiter, "stance reads commas (CSV) and tabs (TSV) only: convert it")
    return f"which has one column named {names[0]!r:.80}; if it is separated by {delimiter!r}, {hint}"


def write_table(frames, path, fmt, safe_csv=False):
    """Write DataFrames one after another as CSV or JSON Lines.

    ``path`` ``"-"`` writes to standard output; a regular file is written
    atomically: it appears complete or not at all, with the permissions of
    the file it replaces. A character device or a FIFO (``/dev/null``, a
    named pipe) is written to directly, never replaced. Returns the number
    of rows written.

    Values come out as they went in: integers of any size exactly (nullable
    integer columns too), floats to the last digit, JSON's ``Infinity`` as
    ``Infinity``. NaN read from the input (a Parquet float, the ``NaN`` that
    Python's JSON reader takes) stays apart from a missing value (null, a
    missing JSON key): NaN is ``NaN`` in both formats, a missing value
    ``null`` in JSON Lines and an empty field in CSV. In the columns stance
    adds, NaN means missing. With ``safe_csv``, a CSV text cell that a spreadsheet would
    run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a
    carriage return) gets a leading ``'``.
    """
    if fmt not in ("csv", "jsonl"):
        raise UsageError(f"cannot write {fmt}; output formats are csv and jsonl")
    if safe_csv and fmt != "csv":
        raise UsageError("--safe-csv applies to CSV output only")
    if path == _STDIO:
        if sys.stdout is None:
            raise DataError("standard output is closed; give an output file")
        try:
            return _write_frames(frames, sys.stdout, fmt, safe_csv)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise DataError(f"cannot write to standard output: {error.strerror or error}") from None
    path = check_writable(path)
    try:
        with open_output(path, "w", encoding="utf-8", errors="backslashreplace", newline="") as stream:
            return _write_frames(frames, stream, fmt, safe_csv)
    except BrokenPipeError:
        raise
    except OSError as error:
        raise DataError(f"cannot write {path}: {error.strerror or error}") from None


def check_writable(path):
    """Return ``path`` as a Path, or raise :class:`DataError` if it cannot be an output file.

    A folder, a missing folder, a block device or a socket cannot; a regular
    file, a character device or a FIFO can.
    """
    return check_output_path(path, DataError, special=True)


#: What a spreadsheet runs as a formula when a cell starts with it.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


#: A plain number ("-3", "+0.5", "-1e-05"), which a spreadsheet reads as that number, not a formula.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def _defuse(value):
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS) or _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def _safe_cells(frame):
    # The header too: a column's name is a cell of the sheet. Cells by
    # position, as two columns may share a name.
    frame = frame.set_axis([_defuse(name) for name in frame.columns], axis=1)
    columns = [
        i
        for i in range(frame.shape[1])
        if frame.iloc[:, i].dtype == object or str(frame.iloc[:, i].dtype) in ("str", "string")
    ]
    if not columns:
        return frame
    frame = frame.copy()
    for i in columns:
        frame.isetitem(i, frame.iloc[:, i].map(_defuse).astype(object))
    return frame


def _is_arrow(column):
    return hasattr(column.dtype, "pyarrow_dtype")


def _is_nested(column):
    """Whether ``column`` holds Arrow lists, structs or maps (not Arrow decimals, bytes or times: those are
    written as the same values in numpy's columns are, so that both engines write the same text)."""
    if not _is_arrow(column):
        return False
    import pyarrow as pa

    return pa.types.is_nested(column.dtype.pyarrow_dtype)


def _is_binary(column):
    """Whether ``column`` holds Arrow bytes (binary, large or of a fixed size)."""
    if not _is_arrow(column):
        return False
    import pyarrow as pa

    kind = column.dtype.pyarrow_dtype
    return pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind)


def _nan_is_a_value(column):
    """Whether NaN in ``column`` is a value read from the input, not pandas' mark of a missing one.

    So it is in the columns readers make: JSON Lines' (object: ``NaN`` is
    NaN, null is None) and Parquet's floats and nested values (Arrow: NaN is
    NaN, null is null). In numpy float columns, such as the probabilities
    stance adds, NaN means missing.
    """
    return column.dtype == object or _is_arrow(column)


def _is_nan(value):
    return isinstance(value, float) and value != value


def _arrow_values(column):
    """The exact Python values of an Arrow-backed column: None for null, NaN for NaN, nested ones too.

    A float narrower than 64 bits, inside a list or a struct too, is the
    shortest decimal that reads back as the same value (:func:`_narrow`).
    """
    import pyarrow as pa

    values = pa.array(column)
    as_text = _nano_times_as_text(values.type)
    if as_text is not None:
        values = values.cast(as_text)
    if not _has_narrow_floats(values.type):
        return values.to_pylist()
    return [_narrowed(value, values.type) for value in values.to_pylist()]


def _narrow(value, dtype):
    """A float held in a narrower type (``dtype``, float32 say) as the shortest decimal of that type.

    Python's floats are 64 bits wide: a float32 0.1 widened is
    0.10000000149011612, which is not what the file held. The shortest
    decimal that reads back as the same float32 is 0.1.

    Examples
    --------
    >>> import numpy as np
    >>> _narrow(float(np.float32(0.1)), np.float32), _narrow(float("inf"), np.float32)
    (0.1, inf)
    """
    if not isinstance(value, float) or value != value:
        return value
    return float(str(dtype(value)))


def _has_narrow_floats(arrow_type):
    import pyarrow as pa

    if pa.types.is_floating(arrow_type):
        return arrow_type.bit_width < 64
    if pa.types.is_dictionary(arrow_type):
        return _has_narrow_floats(arrow_type.value_type)
    return any(_has_narrow_floats(arrow_type.field(i).type) for i in range(arrow_type.num_fields))


def _narrowed(value, arrow_type):
    """``value`` (from ``to_pylist``) with its narrow floats narrowed, following ``arrow_type`` into lists,
    structs and maps."""
    import pyarrow as pa

    if value is None:
        return None
    if pa.types.is_floating(arrow_type):
        return _narrow(value, arrow_type.to_pandas_dtype()) if arrow_type.bit_width < 64 else value
    if pa.types.is_dictionary(arrow_type):
        return _narrowed(value, arrow_type.value_type)
    if pa.types.is_map(arrow_type):
        return [(_narrowed(k, arrow_type.key_type), _narrowed(v, arrow_type.item_type)) for k, v in value]
    if pa.types.is_struct(arrow_type):
        return {field.name: _narrowed(value.get(field.name), field.type) for field in arrow_type}
    if arrow_type.num_fields == 1:  # a list of any kind
        return [_narrowed(item, arrow_type.value_type) for item in value]
    return value


def bytes_text(value):
    """Bytes as both formats write them: their UTF-8 text, a byte that is not UTF-8 as ``\\xNN``.

    Examples
    --------
    >>> print(bytes_text(b"caf\\xc3\\xa9 \\xff"))
    café \\xff
    """
    return value.decode("utf-8", "backslashreplace")


def _csv_cells(frame):
    """``frame`` as CSV writes it: NaN read from the input is "NaN" (a missing value stays an
    empty field), a Parquet list, struct or map is its JSON text, a time its own text, bytes
    their UTF-8 text, as JSON Lines writes them (not Python's ``b'...'``)."""
    import numpy as np

    _missing_values()

    replaced = {}
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if column.dtype.name == "category" and column.cat.categories.dtype == object:
            # Its values as any object column's (bytes as their text); a
            # category's missing value is null, not a NaN read from the input.
            column = column.astype(object).where(column.notna(), None)
        if column.dtype == object:
            values = column.to_numpy()
            missing = column.isna().to_numpy()
            nan = np.zeros(len(values), dtype=bool)
            if missing.any():
                nan[missing] = np.fromiter((_is_nan(v) for v in values[missing]), bool, int(missing.sum()))
            has_bytes = any(isinstance(v, bytes) for v in values)
            if not (nan.any() or has_bytes):
                continue
            values = values.copy()
            values[nan] = "NaN"
            if has_bytes:
                values[:] = [bytes_text(v) if isinstance(v, bytes) else v for v in values]
        elif _is_binary(column):
            values = np.array(
                [None if v is None else bytes_text(v) for v in _arrow_values(column)], dtype=object
            )
        elif _is_arrow(column) and _is_nano_time(column.dtype.pyarrow_dtype):
            values = np.array(_arrow_values(column), dtype=object)
        elif _is_arrow(column) and column.dtype.kind == "f":
            # Through numpy floats of the same width: they are written as
            # numpy float columns are (a float32 0.1 as "0.1").
            missing = column.isna().to_numpy()
            numbers = column.to_numpy(dtype=column.dtype.numpy_dtype, na_value=np.nan)
            values = np.empty(len(numbers), dtype=object)
            values[:] = list(numbers)
            values[np.isnan(numbers) & ~missing] = "NaN"
            values[missing] = None
        elif getattr(column.dtype, "kind", "") in "Mm" and not _is_arrow(column):
            # Times each on its own: pandas writes a column's times to the
            # precision its most precise one needs, which would make a
            # time's text depend on the chunk it is in (--chunk-rows).
            values = np.array(
                [None if v is _NAT else str(v) for v in column.astype(object).tolist()], dtype=object
            )
        elif _is_nested(column):  # JSON text
            dumps = json.JSONEncoder(
                ensure_ascii=False, allow_nan=True, default=_json_default, separators=(",", ":")
            ).encode
            values = np.array([None if v is None else dumps(v) for v in _arrow_values(column)], dtype=object)
        else:
            continue
        replaced[i] = values
    if not replaced:
        return frame
    frame = frame.copy()
    for i, values in replaced.items():
        frame.isetitem(i, values)
    return frame


def _json_value(value):
    """A value as json.dumps writes it exactly: missing values are null, numpy scalars Python numbers."""
    if value is None or value is _NA or value is _NAT:
        return None
    if isinstance(value, float):
        return None if value != value else value
    if hasattr(value, "item") and type(value).__module__ == "numpy" and getattr(value, "ndim", 1) == 0:
        value = value.item()
        return None if isinstance(value, float) and value != value else value
    return value


def _json_default(value):
    # Types JSON has no notation for (timestamps, decimals, bytes): their text.
    if isinstance(value, bytes):
        return bytes_text(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def _jsonl(frame):
    """Return a DataFrame's rows as JSON Lines text, every value exactly as it is."""
    _missing_values()
    names = [str(name) for name in frame.columns]
    columns = []
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        kind = column.dtype.kind if hasattr(column.dtype, "kind") else "O"
        if kind in "iub" and not hasattr(column.dtype, "na_value"):
            columns.append(column.tolist())  # numpy integers and booleans: exact Python values
        elif kind == "f" and not _is_arrow(column) and column.dtype.itemsize < 8:  # numpy float32, float16
            narrow = column.dtype.type
            columns.append([_json_value(_narrow(v, narrow)) for v in column.tolist()])
        elif _nan_is_a_value(column):  # NaN is written NaN, as JSON's Infinity is Infinity
            values = _arrow_values(column) if _is_arrow(column) else column.tolist()
            columns.append([value if _is_nan(value) else _json_value(value) for value in values])
        else:
            columns.append([_json_value(v) for v in column.astype(object).tolist()])
    dumps = json.JSONEncoder(
        ensure_ascii=False, allow_nan=True, default=_json_default, separators=(",", ":")
    ).encode
    return "".join(dumps(dict(zip(names, values))) + "\n" for values in zip(*columns))


_NA = _NAT = None


def _missing_values():
    global _NA, _NAT
    if _NA is None:
        import pandas as pd

        _NA, _NAT = pd.NA, pd.NaT


#: The characters for which the csv module quotes a field (QUOTE_MINIMAL, a comma as the
#: delimiter, ``"\r\n`` line ends): the delimiter, the quote character and the line-end
#: characters. A quote character inside a quoted field is doubled.
CSV_QUOTED = (",", '"', "\r", "\n")


def _csv_text(frame, header):
    """Return ``frame`` as pandas' ``to_csv`` writes it (no index, ``\r\n`` line ends), or None.

    pandas writes CSV through Python's csv module, which copies the table
    one character at a time: with texts of a hundred characters, a third of
    what labelling a file in one process costs. When every cell is a string
    or missing (a CSV input and the columns stance adds), the same text is
    made here from whole strings: a missing cell is an empty field, as
    pandas writes it, and a field with a delimiter, a quote or a line end
    is quoted, its quotes doubled, as the csv module does (the tests check
    the two against each other). Any other table (numbers, times, a single
    column, whose empty rows the csv module quotes) returns None: pandas
    writes it.
    """
    if frame.shape[1] < 2 or not all(type(name) is str for name in frame.columns):
        return None
    fields = []
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        strings = str(column.dtype) in ("str", "string")  # pandas' string dtypes: str or missing
        if not (strings or column.dtype == object):
            return None
        values = column.tolist()
        missing = column.isna().to_numpy()
        if missing.any():
            values = ["" if gone else value for value, gone in zip(values, missing.tolist())]
        if not strings and not all(type(value) is str for value in values):
            return None
        fields.append(_csv_fields(values))
    lines = [",".join(_csv_fields(list(frame.columns)))] if header else []
    lines.extend(map(",".join, zip(*fields)))
    return "\r\n".join(lines) + "\r\n" if lines else ""


def _csv_fields(values):
    """Strings as CSV fields: quoted (quotes doubled) where :data:`CSV_QUOTED` says."""
    joined = "".join(values)  # most columns hold none of the four: one look at them all
    if not any(character in joined for character in CSV_QUOTED):
        return values
    return [
        '"' + value.replace('"', '""') + '"'
        if "," in value or '"' in value or "\r" in value or "\n" in value
        else value
        for value in values
    ]


def _write_frames(frames, stream, fmt, safe_csv=False):
    rows = 0
    for index, frame in enumerate(frames):
        check_interrupted()
        frame = as_input_names(frame)
        if fmt == "jsonl" and frame.columns.has_duplicates:
            repeated = ", ".join(
                repr(str(name)) for name in frame.columns[frame.columns.duplicated()].unique()
            )
            raise UsageError(
                f"the input repeats the column name {repeated}, and a JSON Lines row holds one value "
                "per name; write CSV (--output-format csv), which keeps every column"
            )
        if fmt == "csv":
            frame = _csv_cells(frame)
            if safe_csv:
                frame = _safe_cells(frame)
            # RFC 4180 line ends: with "\r\n" as the terminator, the csv writer
            # quotes any field holding a bare "\r", which would otherwise split a row.
            text = _csv_text(frame, header=index == 0)
            if text is None:
                frame.to_csv(stream, index=False, header=index == 0, lineterminator="\r\n")
            else:
                stream.write(text)
        else:
            # Lone surrogates (invalid Unicode from hostile input) are written
            # by the stream as "\udXXX", which JSON reads back as the same escape.
            stream.write(_jsonl(frame))
        rows += len(frame)
        stream.flush()
    return rows
