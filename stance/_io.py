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
import stat
import sys
import threading
from contextlib import contextmanager
from pathlib import Path

from ._errors import DataError, UsageError
from ._files import check_output_path, describe_kind, endless_device, is_endless_device, open_output

__all__ = ["FORMATS", "detect_format", "read_table", "write_table", "require_columns", "check_writable"]

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

#: Set by the command line's Ctrl-C handler. pandas' C parser catches an
#: interrupt that arrives while it reads and raises a ParserError instead;
#: with this set, that error is the interrupt, not a bad file.
INTERRUPTED = threading.Event()
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
#: The longest line read from a text, CSV, TSV, JSON Lines or SemEval input.
#: A line is held in memory whole (a text is labelled from its first 100,000
#: characters), so an input with no line end, such as an endless pipe, is
#: refused once a line passes this, in bounded memory, not read until memory
#: runs out. The same bound as a document of ``stance analyze``.
MAX_LINE_BYTES = 256 << 20


class _LineBounded(io.RawIOBase):
    """A stream that raises :class:`DataError` once a line grows longer than ``limit`` bytes.

    A line ends at a line feed, or with ``cr`` also at a carriage return
    (as Python's text reader, pandas' and JSON Lines' end lines).
    """

    def __init__(self, stream, name, limit, cr=True):
        self._stream = stream
        self._name = name
        self._limit = limit
        self._cr = cr
        self._run = 0  # bytes since the last line end
        self._line = 1  # the number of the line being read

    def readable(self):
        return True

    def readinto(self, buffer):
        read = getattr(self._stream, "read1", self._stream.read)
        data = read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if self._cr and b"\r" in data:
            crlf = data.count(b"\r\n")
            data = data.replace(b"\r", b"\n")
            self._line -= crlf  # a CR LF is one line end, not two
        if n <= self._limit and b"\n" in data:  # the common case: no line inside data can be too long
            last = data.rfind(b"\n")
            if self._run + data.find(b"\n") > self._limit:
                self._refuse()
            self._line += data.count(b"\n")
            self._run = n - last - 1
        else:  # a block longer than the limit (a tiny limit): line by line
            *ended, rest = data.split(b"\n")
            for line in ended:
                if self._run + len(line) > self._limit:
                    self._refuse()
                self._line += 1
                self._run = 0
            self._run += len(rest)
        if self._run > self._limit:
            self._refuse()
        return n

    def _refuse(self):
        size = f"{self._limit >> 20} MB" if self._limit >= 1 << 20 else f"{self._limit:,} bytes"
        raise DataError(
            f"line {self._line} of {self._name} is longer than {size}, the longest line stance reads"
        )


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
            self.head = self._read_head(stream)
        except OSError as error:
            self._close(stream)
            raise DataError(f"cannot read {self.name}: {error.strerror or error}") from None
        if not self.head:
            self._close(stream)
            raise DataError(f"{self.name} is empty")
        if seekable:
            stream.seek(start)
            self.stream = stream
        else:
            self.stream = io.BufferedReader(_Prefixed(self.head, stream, self.owned), 1 << 16)
            self.owned = True  # closing the wrapper leaves an unowned stream open

    @staticmethod
    def _read_head(stream):
        # Up to the end of the first line (for SemEval's header), at most 64 KB.
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

    def _close(self, stream):
        if self.owned:
            stream.close()

    def lines(self, cr=True):
        """The stream from where it stands, refusing a line longer than :data:`MAX_LINE_BYTES`.

        A carriage return ends a line too, unless ``cr`` is false (SemEval's
        reader splits lines at line feeds only).
        """
        return io.BufferedReader(_LineBounded(self.stream, self.name, MAX_LINE_BYTES, cr), 1 << 16)

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


def read_table(path, fmt=None, chunk_rows=DEFAULT_CHUNK_ROWS):
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
        if fmt in _SEEKING:
            source.make_seekable(fmt)
        yield from _READERS[fmt](source, chunk_rows)
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


#: Formats whose readers read the input twice or out of order: a pipe is copied first.
_SEEKING = ("jsonl", "parquet")


def _read_delimited(source, chunk_rows, sep, quoting=csv.QUOTE_MINIMAL):
    import warnings

    import pandas as pd

    text = io.TextIOWrapper(source.lines(), encoding="utf-8-sig", newline="")
    reader = pd.read_csv(text, sep=sep, quoting=quoting, chunksize=chunk_rows, **CSV_CELLS)
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
            yield chunk.fillna("")


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
    if pa.types.is_floating(arrow_type) or pa.types.is_nested(arrow_type):
        return pd.ArrowDtype(arrow_type)
    return None


def _read_parquet(source, chunk_rows):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("reading Parquet needs pyarrow: pip install 'stance[parquet]'") from None
    parquet = pq.ParquetFile(source.stream)
    # Parquet allows two columns of one name; a table row (a JSON object)
    # cannot hold both: the second is named as pandas names a CSV file's
    # (x, x.1), so that no column is lost.
    names = unique_names(parquet.schema_arrow.names)
    rows = 0
    for batch in parquet.iter_batches(batch_size=chunk_rows):
        rows += batch.num_rows
        yield _named(batch, names).to_pandas(types_mapper=parquet_type)
    if not rows:  # no rows: the columns all the same, so that the output has its header
        yield _named(parquet.schema_arrow.empty_table(), names).to_pandas(types_mapper=parquet_type)


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
    import pandas as pd

    lines = []
    text = io.TextIOWrapper(source.lines(), encoding="utf-8-sig", newline="")
    with _detaching(text):
        for line in text:
            lines.append(line.rstrip("\r\n"))
            if len(lines) == chunk_rows:
                yield pd.DataFrame({"text": lines})
                lines = []
    if lines:
        yield pd.DataFrame({"text": lines})


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
    """Raise :class:`UsageError` naming the available columns if one is missing."""
    for column in columns:
        if column is not None and column not in frame.columns:
            available = ", ".join(map(str, frame.columns)) or "none"
            raise UsageError(f"no column {column!r} in the input; available columns: {available}")


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


def _defuse(value):
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def _safe_cells(frame):
    # By position: two columns may share a name.
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
    """The exact Python values of an Arrow-backed column: None for null, NaN for NaN, nested ones too."""
    import pyarrow as pa

    return pa.array(column).to_pylist()


def _csv_cells(frame):
    """``frame`` as CSV writes it: NaN read from the input is "NaN" (a missing value stays an
    empty field), a Parquet list, struct or map is its JSON text, a time its own text."""
    import numpy as np

    _missing_values()

    replaced = {}
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if column.dtype == object:
            missing = column.isna().to_numpy()
            if not missing.any():
                continue
            values = column.to_numpy(copy=True)
            nan = np.fromiter((_is_nan(v) for v in values[missing]), bool, int(missing.sum()))
            if not nan.any():
                continue
            values[np.flatnonzero(missing)[nan]] = "NaN"
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
        elif _is_arrow(column) and column.dtype.kind == "O":  # nested: JSON text
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
        return value.decode("utf-8", "backslashreplace")
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
