"""Reading and writing tables: CSV, TSV, JSON Lines, Parquet and plain text.

Every reader yields pandas DataFrames whose cells are strings as they stand
in the file (no type guessing, an empty field stays ``""``), in chunks, so a
file larger than memory can stream through. Errors a user can fix (a missing
file, undecodable bytes, an empty file) raise :class:`DataError` with one
clear sentence.
"""

import csv
import io
import re
import sys
import threading
from pathlib import Path

from ._errors import DataError, UsageError
from ._persistence import atomic_write

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


def _check_readable(path):
    if path == _STDIO:
        return
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path} is a folder, not a file")
    if not path.exists():
        raise DataError(f"{path} does not exist")
    try:
        with open(path, "rb") as stream:
            first = stream.read(1)
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror}") from None
    if not first:
        raise DataError(f"{path} is empty")


def _first_bad_line(source):
    """Return the 1-based number of the first line of a binary stream that is not UTF-8."""
    for number, line in enumerate(source, start=1):
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return number
    return None


def _starts_with_semeval_header(source):
    first = source.readline()
    source.seek(0)
    return first.lstrip(b"\xef\xbb\xbf").rstrip(b"\r\n").split(b"\t") == [h.encode() for h in SEMEVAL_HEADER]


def _open_source(path):
    """Return a binary stream of the input (stdin for ``-``)."""
    if path == _STDIO:
        # Standard input is copied to a temporary file as it arrives (kept in
        # memory up to 32 MB): readers look at it twice (to sniff the format,
        # to collect JSON Lines keys), and memory must not grow with it.
        import shutil
        import tempfile

        spool = tempfile.SpooledTemporaryFile(max_size=32 << 20)
        shutil.copyfileobj(sys.stdin.buffer, spool, 1 << 20)
        if not spool.tell():
            raise DataError("standard input is empty")
        spool.seek(0)
        return spool
    return open(path, "rb")


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
    _check_readable(path)
    fmt = detect_format(path, fmt, default="text" if str(path) == _STDIO else None)
    source = _open_source(path)
    if not explicit and fmt in ("tsv", "text") and _starts_with_semeval_header(source):
        fmt = "semeval"
    name = "standard input" if str(path) == _STDIO else str(path)
    try:
        yield from _READERS[fmt](source, chunk_rows)
    except UnicodeDecodeError:
        source.seek(0)
        if source.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            raise DataError(
                f"{name} is UTF-16 (it starts with a UTF-16 byte-order mark); convert it to UTF-8 first"
            ) from None
        source.seek(0)
        line = _first_bad_line(source)
        where = f" on line {line}" if line else ""
        raise DataError(f"{name} is not valid UTF-8{where}; convert it to UTF-8 first") from None
    except (DataError, UsageError):
        raise
    except Exception as error:  # parsers raise many types; all mean "bad file"
        if INTERRUPTED.is_set():
            raise KeyboardInterrupt from None
        message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise DataError(f"cannot read {name} as {fmt}: {message}") from None
    finally:
        source.close()


def _read_delimited(source, chunk_rows, sep, quoting=csv.QUOTE_MINIMAL):
    import warnings

    import pandas as pd

    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    reader = pd.read_csv(text, sep=sep, quoting=quoting, chunksize=chunk_rows, **CSV_CELLS)
    with reader:
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
    # holds the targets).
    columns = {}
    for _, record in _json_records(source):
        columns.update(dict.fromkeys(record))
    source.seek(0)
    rows = []
    for _, record in _json_records(source):
        rows.append(record)
        if len(rows) == chunk_rows:
            yield _records_frame(pd, rows, columns)
            rows = []
    if rows:
        yield _records_frame(pd, rows, columns)


def _json_records(source):
    """Yield ``(line number, object)``; a blank line is an empty object."""
    import json

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
    # numbers, and strings with lone surrogates (valid JSON escapes, invalid
    # Unicode) survive, which Arrow-backed string columns would refuse.
    return pd.DataFrame(rows, columns=list(columns) or ["text"], dtype=object)


def _read_parquet(source, chunk_rows):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UsageError("reading Parquet needs pyarrow: pip install 'stance[parquet]'") from None
    parquet = pq.ParquetFile(source)
    for batch in parquet.iter_batches(batch_size=chunk_rows):
        yield batch.to_pandas()


def _read_text(source, chunk_rows):
    import pandas as pd

    lines = []
    for line in io.TextIOWrapper(source, encoding="utf-8-sig", newline=""):
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
    for number, raw in enumerate(source, start=1):
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


def write_table(frames, path, fmt):
    """Write DataFrames one after another as CSV or JSON Lines.

    ``path`` ``"-"`` writes to standard output; a file is written atomically:
    it appears complete or not at all. Returns the number of rows written.
    """
    if fmt not in ("csv", "jsonl"):
        raise UsageError(f"cannot write {fmt}; output formats are csv and jsonl")
    if path == _STDIO:
        return _write_frames(frames, sys.stdout, fmt)
    path = check_writable(path)
    try:
        with atomic_write(path, "w", encoding="utf-8", errors="backslashreplace", newline="") as stream:
            return _write_frames(frames, stream, fmt)
    except OSError as error:
        raise DataError(f"cannot write {path}: {error.strerror or error}") from None


def check_writable(path):
    """Return ``path`` as a Path, or raise :class:`DataError` if it cannot be an output file."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"cannot write {path}: it is a folder")
    if not path.parent.is_dir():
        raise DataError(f"cannot write {path}: folder {path.parent} does not exist")
    return path


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _escape_surrogates(frame):
    """Write lone surrogates (invalid Unicode) as the text ``\\udXXX``, as CSV output does."""
    columns = [c for c in frame.columns if frame[c].dtype == object or str(frame[c].dtype) == "str"]
    dirty = [
        c for c in columns if frame[c].map(lambda v: isinstance(v, str) and bool(_SURROGATE.search(v))).any()
    ]
    if not dirty:
        return frame
    frame = frame.copy()
    for column in dirty:
        frame[column] = frame[column].map(
            lambda v: v.encode("utf-8", "backslashreplace").decode("utf-8") if isinstance(v, str) else v
        )
    return frame


def _write_frames(frames, stream, fmt):
    rows = 0
    for index, frame in enumerate(frames):
        if fmt == "csv":
            # RFC 4180 line ends: with "\r\n" as the terminator, the csv writer
            # quotes any field holding a bare "\r", which would otherwise split a row.
            frame.to_csv(stream, index=False, header=index == 0, lineterminator="\r\n")
        elif len(frame):
            # pandas ends JSON Lines output with a newline, so chunks concatenate
            # (but writes a lone newline, a blank row, for an empty frame).
            _escape_surrogates(frame).to_json(stream, orient="records", lines=True, force_ascii=False)
        rows += len(frame)
        stream.flush()
    return rows
