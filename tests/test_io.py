"""Reading tables: every format, and the bad files users actually have."""

import csv
import json

import pandas as pd
import pytest

from stance._errors import DataError, UsageError
from stance._io import detect_format, read_table, require_columns, write_table

ROWS = pd.DataFrame(
    {
        "text": ["First, with a comma.", "", 'Third "quoted"\nover two lines'],
        "label": ["aligned", "neutral", "opposed"],
    }
)


def read_all(path, fmt=None, chunk_rows=2):
    return pd.concat(read_table(path, fmt, chunk_rows=chunk_rows), ignore_index=True)


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".parquet"])
def test_every_format_round_trips_in_chunks(tmp_path, suffix):
    path = tmp_path / f"rows{suffix}"
    if suffix == ".csv":
        ROWS.to_csv(path, index=False)
    elif suffix == ".tsv":
        # Tab-separated values have no quoting, so no field holds a newline or a quote.
        rows = ROWS.assign(text=ROWS["text"].str.replace("\n", " ").str.replace('"', "'"))
        path.write_text(rows.to_csv(index=False, sep="\t", quoting=csv.QUOTE_NONE))
        pd.testing.assert_frame_equal(read_all(path), rows, check_dtype=False)
        return
    elif suffix == ".jsonl":
        ROWS.to_json(path, orient="records", lines=True)
    else:
        ROWS.to_parquet(path)
    chunks = list(read_table(path, chunk_rows=2))
    assert [len(c) for c in chunks] == [2, 1]
    pd.testing.assert_frame_equal(pd.concat(chunks, ignore_index=True), ROWS, check_dtype=False)


def test_plain_text_keeps_blank_lines_and_handles_crlf(tmp_path):
    path = tmp_path / "lines.txt"
    path.write_bytes(b"one\r\n\r\ntwo\nthree")
    assert read_all(path)["text"].tolist() == ["one", "", "two", "three"]


def test_csv_cells_stay_strings(tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_text("text,label\n0012,NA\n,null\n")
    frame = read_all(path)
    assert frame["text"].tolist() == ["0012", ""]
    assert frame["label"].tolist() == ["NA", "null"]


def test_utf8_bom_is_not_part_of_the_first_column(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes("text,label\nhé,aligned\n".encode("utf-8-sig"))
    assert list(read_all(path).columns) == ["text", "label"]


def test_huge_field_over_csv_default_limit(tmp_path):
    path = tmp_path / "big.csv"
    big = "x" * 300_000
    path.write_text(f'text\n"{big}"\n')
    assert read_all(path)["text"].str.len().tolist() == [300_000]


def test_undecodable_bytes_name_the_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("text\nfine\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(DataError, match="not valid UTF-8 on line 3"):
        read_all(path)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: p.write_text(""), "is empty"),
    ],
)
def test_missing_folder_and_empty_inputs(tmp_path, make, message):
    path = tmp_path / "input.csv"
    make(path)
    with pytest.raises(DataError, match=message):
        read_all(path)


def test_bad_json_line_is_named(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok"}\n{"text": broken}\n')
    with pytest.raises(DataError, match="line 2 is not valid JSON"):
        read_all(path)


def test_format_detection():
    assert detect_format("a.NDJSON") == "jsonl"
    assert detect_format("a.unknown", "csv") == "csv"
    with pytest.raises(UsageError, match="--format"):
        detect_format("a.unknown")
    with pytest.raises(UsageError, match="unknown format"):
        detect_format("a.csv", "xml")


def test_require_columns_lists_available():
    with pytest.raises(UsageError, match="no column 'sentence'.*available columns: text, label"):
        require_columns(ROWS, "sentence")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_write_then_read_keeps_every_row(tmp_path, fmt):
    path = tmp_path / f"out.{fmt}"
    chunks = [ROWS.iloc[:2], ROWS.iloc[2:]]
    assert write_table(iter(chunks), path, fmt) == 3
    pd.testing.assert_frame_equal(read_all(path), ROWS, check_dtype=False)


def test_write_to_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        write_table([ROWS], tmp_path / "nowhere" / "out.csv", "csv")


def test_failed_write_leaves_the_old_file(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old content\n")

    def chunks():
        yield ROWS
        raise RuntimeError("crash half way")

    with pytest.raises(RuntimeError):
        write_table(chunks(), path, "csv")
    assert path.read_text() == "old content\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


def test_jsonl_missing_values_become_none(tmp_path):
    path = tmp_path / "gaps.jsonl"
    path.write_text(json.dumps({"text": "a", "target": "t"}) + "\n" + json.dumps({"text": None}) + "\n\n")
    frame = read_all(path)
    assert len(frame) == 3
    assert frame["text"].tolist()[0] == "a"
    assert frame["text"].isna().tolist() == [False, True, True]


def test_semeval_files_mix_utf8_and_cp1252_lines(tmp_path):
    # Written for this test in the official layout: ID, Target, Tweet, Stance.
    path = tmp_path / "semeval.txt"
    lines = [
        "ID\tTarget\tTweet\tStance".encode(),
        "101\tWind power\tTurbines are the future \u2014 build more! #SemST\tFAVOR".encode("utf-8"),
        "102\tWind power\tThey ruin the view \u2013 \u201cgreen\u201d my foot #SemST\tAGAINST".encode(
            "cp1252"
        ),
        "103\tWind power\tMeeting at noon #SemST\tNONE".encode(),
    ]
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    frame = read_all(path)
    assert list(frame.columns) == ["ID", "target", "text", "label"]
    assert frame["text"].tolist()[1] == "They ruin the view \u2013 \u201cgreen\u201d my foot #SemST"
    assert frame["label"].tolist() == ["FAVOR", "AGAINST", "NONE"]
    assert read_all(path, "semeval").equals(frame)


def test_semeval_format_checks_its_header_and_fields(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("ID\tTarget\tTweet\tStance\n1\tx\tonly three\n")
    with pytest.raises(DataError, match="line 2 has 3"):
        read_all(path)
    path.write_text("id,text\n1,x\n")
    with pytest.raises(DataError, match="header"):
        read_all(path, "semeval")


# --- Pipes, FIFOs and special files (issue 11) -------------------------------

LINES = [f"line {i} of the input" for i in range(5000)]
CONTENT = {
    "text": "\n".join(LINES) + "\n",
    "csv": "text\n" + "\n".join(LINES) + "\n",
    "jsonl": "".join(json.dumps({"text": line}) + "\n" for line in LINES),
}


def feed(fd, data):
    """Write ``data`` to the pipe ``fd`` from a thread, as another process would."""
    import os
    import threading

    def write():
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(data.encode())
        except BrokenPipeError:
            pass  # the reader stopped early, as it may

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("fmt", ["text", "csv", "jsonl"])
def test_a_pipe_given_by_path_loses_no_bytes(fmt):
    # What `-i /dev/stdin` with piped input and `-i <(...)` give: a path to a pipe.
    import os

    read_end, write_end = os.pipe()
    feed(write_end, CONTENT[fmt])
    try:
        table = read_all(f"/dev/fd/{read_end}", fmt, chunk_rows=1000)
    finally:
        os.close(read_end)
    assert table["text"].tolist() == LINES


@pytest.mark.parametrize("fmt", ["text", "csv"])
def test_a_fifo_is_read_once_from_its_start(tmp_path, fmt):
    import os
    import threading

    fifo = tmp_path / ("in.txt" if fmt == "text" else "in.csv")
    os.mkfifo(fifo)
    threading.Thread(target=lambda: fifo.write_text(CONTENT[fmt]), daemon=True).start()
    assert read_all(fifo, chunk_rows=1000)["text"].tolist() == LINES


def with_stdin_pipe(monkeypatch, data):
    import io
    import os
    import sys

    read_end, write_end = os.pipe()
    feed(write_end, data)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(open(read_end, "rb")))


def test_piped_text_streams_without_a_copy(monkeypatch):
    from stance import _io

    monkeypatch.setattr(_io, "MAX_SPOOL_BYTES", 1000)  # far less than the input
    with_stdin_pipe(monkeypatch, CONTENT["text"])
    assert read_all("-", chunk_rows=1000)["text"].tolist() == LINES


def test_piped_jsonl_is_copied_up_to_a_limit(monkeypatch):
    from stance import _io

    monkeypatch.setattr(_io, "MAX_SPOOL_BYTES", 1000)
    with_stdin_pipe(monkeypatch, CONTENT["jsonl"])
    with pytest.raises(DataError, match="more than 0 MB of jsonl"):
        read_all("-", "jsonl")


def test_piped_jsonl_within_the_limit_is_read_whole(monkeypatch):
    with_stdin_pipe(monkeypatch, CONTENT["jsonl"])
    assert read_all("-", "jsonl", chunk_rows=999)["text"].tolist() == LINES


def test_a_full_temporary_folder_while_copying_is_one_error(monkeypatch):
    import errno
    import tempfile

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", full)
    with_stdin_pipe(monkeypatch, CONTENT["jsonl"])
    with pytest.raises(DataError, match="cannot keep a copy of standard input .*No space left"):
        read_all("-", "jsonl")


def test_closed_standard_streams_are_errors(monkeypatch):
    import sys

    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(DataError, match="standard input is closed"):
        read_all("-")
    monkeypatch.setattr(sys, "stdout", None)
    with pytest.raises(DataError, match="standard output is closed"):
        write_table([ROWS], "-", "csv")


def test_a_full_disk_on_standard_output_is_one_error(monkeypatch):
    import io
    import sys

    full = open("/dev/full", "w")
    monkeypatch.setattr(sys, "stdout", full)
    with pytest.raises(DataError, match="cannot write to standard output: No space left"):
        write_table([ROWS] * 1000, "-", "csv")
    with pytest.raises(OSError):
        full.close()  # what is still buffered cannot be written either
    assert isinstance(full, io.TextIOBase)


def test_jsonl_rows_appended_between_the_two_passes_are_refused(tmp_path, monkeypatch):
    from stance import _io

    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "a"}\n{"text": "b"}\n')
    rewind = _io._Source.rewind

    def append_then_rewind(source):
        with open(path, "a") as stream:
            stream.write('{"text": "c", "late": 1}\n')
        rewind(source)

    monkeypatch.setattr(_io._Source, "rewind", append_then_rewind)
    with pytest.raises(DataError, match="changed while it was read"):
        read_all(path)


# --- Values come out as they went in -----------------------------------------

BIG = [9007199254740993, None, 1234567890123456789]


@pytest.mark.parametrize("chunk_rows", [1, 3])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_parquet_integers_with_nulls_come_out_exact(tmp_path, fmt, chunk_rows):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    source = tmp_path / "ids.parquet"
    table = pa.table(
        {
            "id": pa.array(BIG, pa.int64()),
            "small": pa.array([1, None, 3], pa.int8()),
            "unsigned": pa.array([2**64 - 1, None, 0], pa.uint64()),
            "text": ["a", "b", "c"],
        }
    )
    pq.write_table(table, source)
    out = tmp_path / f"out.{fmt}"
    write_table(read_table(source, chunk_rows=chunk_rows), out, fmt)
    if fmt == "csv":
        lines = out.read_text().splitlines()
        assert lines[1:] == ["9007199254740993,1,18446744073709551615,a", ",,,b", "1234567890123456789,3,0,c"]
    else:
        rows = [json.loads(line) for line in out.read_text().splitlines()]
        assert [row["id"] for row in rows] == BIG
        assert [row["unsigned"] for row in rows] == [2**64 - 1, None, 0]


def nan_and_null_table():
    """A Parquet table whose columns hold NaN, null or both, in every type that has them."""
    pa = pytest.importorskip("pyarrow")
    import numpy as np

    nan = float("nan")
    return pa.table(
        {
            "text": ["a", "b", "c", None],
            "f64": pa.array([nan, None, 1.5, -0.0]),
            "only_nan": pa.array([nan, 2.5, nan, 1e300]),  # NaN without nulls is NaN too
            "f32": pa.array([nan, None, 0.1, 3.0], pa.float32()),
            "f16": pa.array(np.array([np.nan, 1.5, 0.25, 2.0], np.float16)),
            "list": pa.array([[1.0, nan], None, [None], []]),
            "struct": pa.array([{"a": 1, "b": None}, None, {"a": None, "b": "x"}, {"a": 2, "b": "NaN"}]),
            "flag": pa.array([True, None, False, True]),
            "when": pa.array([1_000_000, None, 2_000_000, 3], pa.timestamp("us")),
            "name": pa.array(["x", None, "", "NaN"]),
            "id": pa.array([2**63 - 1, None, 0, -1], pa.int64()),
        }
    )


#: nan_and_null_table's input columns as JSON Lines writes them: NaN is NaN, null is null.
NAN_AND_NULL_JSONL = [
    '{"text":"a","f64":NaN,"only_nan":NaN,"f32":NaN,"f16":NaN,"list":[1.0,NaN],"struct":{"a":1,"b":null},'
    '"flag":true,"when":"1970-01-01T00:00:01","name":"x","id":9223372036854775807',
    '{"text":"b","f64":null,"only_nan":2.5,"f32":null,"f16":1.5,"list":null,"struct":null,'
    '"flag":null,"when":null,"name":null,"id":null',
    '{"text":"c","f64":1.5,"only_nan":NaN,"f32":0.1,"f16":0.25,"list":[null],'
    '"struct":{"a":null,"b":"x"},"flag":false,"when":"1970-01-01T00:00:02","name":"","id":0',
    '{"text":null,"f64":-0.0,"only_nan":1e+300,"f32":3.0,"f16":2.0,"list":[],"struct":{"a":2,"b":"NaN"},'
    '"flag":true,"when":"1970-01-01T00:00:00.000003","name":"NaN","id":-1',
]
#: The same as CSV writes them: NaN is "NaN", null an empty field, a nested value its JSON text.
NAN_AND_NULL_CSV = [
    "text,f64,only_nan,f32,f16,list,struct,flag,when,name,id",
    'a,NaN,NaN,NaN,NaN,"[1.0,NaN]","{""a"":1,""b"":null}",True,1970-01-01 00:00:01,x,9223372036854775807',
    "b,,2.5,,1.5,,,,,,",
    'c,1.5,NaN,0.1,0.25,[null],"{""a"":null,""b"":""x""}",False,1970-01-01 00:00:02,,0',
    ',-0.0,1e+300,3.0,2.0,[],"{""a"":2,""b"":""NaN""}",True,1970-01-01 00:00:00.000003,NaN,-1',
]


@pytest.mark.parametrize("chunk_rows", [1, 3])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_parquet_nan_and_null_stay_apart(tmp_path, fmt, chunk_rows):
    import pyarrow.parquet as pq

    source = tmp_path / "values.parquet"
    pq.write_table(nan_and_null_table(), source)
    out = tmp_path / f"out.{fmt}"
    write_table(read_table(source, chunk_rows=chunk_rows), out, fmt)
    lines = out.read_text().splitlines()
    if fmt == "csv":
        assert lines == NAN_AND_NULL_CSV
    else:
        assert [line[:-1] for line in lines] == NAN_AND_NULL_JSONL


def test_dictionary_encoded_bytes_are_written_as_their_text(tmp_path):
    # A dictionary-encoded binary column (a pandas category of bytes) was
    # written to CSV as Python's b'...'.
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    source = tmp_path / "bytes.parquet"
    column = pa.array([b"We back it.", b"x\xff", None, b"We back it."]).dictionary_encode()
    pq.write_table(pa.table({"text": ["a", "b", "c", "d"], "b": column}), source)
    out = tmp_path / "out.csv"
    write_table(read_table(source), out, "csv")
    assert out.read_text().splitlines() == ["text,b", "a,We back it.", "b,x\\xff", "c,", "d,We back it."]


@pytest.mark.parametrize("chunk_rows", [1, 3])
def test_parquet_times_of_day_in_nanoseconds_are_read_and_written_exactly(tmp_path, chunk_rows):
    # pandas has no time of day finer than a microsecond: such a column made
    # the whole file unreadable ("Value 1 has non-zero nanoseconds").
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    source = tmp_path / "times.parquet"
    nanoseconds = [1, None, 45_296_123_456_789]  # 12:34:56.123456789
    ns = pa.time64("ns")
    pq.write_table(
        pa.table(
            {
                "text": ["a", "b", "c"],
                "t": pa.array(nanoseconds, ns),
                # Inside lists, structs and maps they were cut to microseconds.
                "nested": pa.array([[{"t": 1}], None, [{"t": 999}]], pa.list_(pa.struct([("t", ns)]))),
                "map": pa.array([[("k", 2)], None, []], pa.map_(pa.string(), ns)),
            }
        ),
        source,
    )
    for fmt in ("csv", "jsonl"):
        out = tmp_path / f"out.{fmt}"
        write_table(read_table(source, chunk_rows=chunk_rows), out, fmt)
        lines = out.read_text().splitlines()
        if fmt == "csv":
            assert lines == [
                "text,t,nested,map",
                'a,00:00:00.000000001,"[{""t"":""00:00:00.000000001""}]","[[""k"",""00:00:00.000000002""]]"',
                "b,,,",
                'c,12:34:56.123456789,"[{""t"":""00:00:00.000000999""}]",[]',
            ]
        else:
            rows = [json.loads(line) for line in lines]
            assert [row["t"] for row in rows] == ["00:00:00.000000001", None, "12:34:56.123456789"]
            assert [row["nested"] for row in rows] == [[{"t": "00:00:00.000000001"}], None, [{"t": "00:00:00.000000999"}]]


@pytest.mark.parametrize("options", [[], ["--chunk-rows", "1"], ["--chunk-rows", "1", "--jobs", "2"]])
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_predict_keeps_parquet_nan_apart_from_null(tmp_path, fmt, options):
    import pyarrow.parquet as pq
    from cli_runner import run_cli

    source = tmp_path / "values.parquet"
    pq.write_table(nan_and_null_table(), source)
    result = run_cli("predict", "-i", source, "--output-format", fmt, "-t", "taxes", *options)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    if fmt == "csv":
        assert [line.startswith(expected + ",") for line, expected in zip(lines, NAN_AND_NULL_CSV)] == [
            True
        ] * 5
    else:
        assert [
            line.startswith(expected + ',"stance_label"') for line, expected in zip(lines, NAN_AND_NULL_JSONL)
        ] == [True] * 4


@pytest.mark.parametrize("fmt, safe_csv", [("jsonl", False), ("csv", True)])
def test_parquet_columns_of_one_name_are_all_kept(tmp_path, fmt, safe_csv):
    # Parquet allows two columns named x; a JSON object holds one key x (the
    # second overwrote the first), and --safe-csv failed with a traceback.
    # CSV keeps both under their name; JSON Lines cannot, and says so.
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    source = tmp_path / "twice.parquet"
    table = pa.Table.from_arrays(
        [pa.array(["=a", "b"]), pa.array([1.5, None]), pa.array(["-x", "y"]), pa.array([3, 4])],
        names=["text", "x", "x", "x.1"],
    )
    pq.write_table(table, source)
    out = tmp_path / f"out.{fmt}"
    if fmt == "jsonl":
        with pytest.raises(UsageError, match="repeats the column name 'x'"):
            write_table(read_table(source), out, fmt, safe_csv=safe_csv)
        assert not out.exists()
    else:
        write_table(read_table(source), out, fmt, safe_csv=safe_csv)
        assert out.read_text().splitlines()[:2] == ["text,x,x,x.1", "'=a,1.5,'-x,3"]


def test_jsonl_nan_null_and_a_missing_key(tmp_path):
    # JSON has no NaN, but Python's reader takes NaN and Infinity (as stance
    # takes them): NaN comes out NaN, null and a missing key null; in CSV,
    # "NaN" and an empty field.
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"text":"a","x":NaN}\n{"text":"b","x":null}\n{"text":"c"}\n{"text":"d","x":[NaN,null]}\n'
    )
    out = tmp_path / "out.jsonl"
    write_table(read_table(source, chunk_rows=1), out, "jsonl")
    assert [json.loads(line)["x"] for line in out.read_text().splitlines()][1:3] == [None, None]
    assert out.read_text().splitlines()[0] == '{"text":"a","x":NaN}'
    assert out.read_text().splitlines()[3] == '{"text":"d","x":[NaN,null]}'
    out = tmp_path / "out.csv"
    write_table(read_table(source), out, "csv")
    assert out.read_text().splitlines()[:4] == ["text,x", "a,NaN", "b,", "c,"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_csv_cells_that_look_missing_come_out_as_they_went_in(tmp_path, fmt):
    # A CSV cell is a string: "", "NaN", "nan", "NA", "null" and "None" are not missing values.
    cells = ["", "NaN", "nan", "NA", "null", "None", "N/A", "-nan"]
    source = tmp_path / "in.csv"
    source.write_text("text,x\n" + "".join(f"t{i},{cell}\n" for i, cell in enumerate(cells)))
    out = tmp_path / f"out.{fmt}"
    write_table(read_table(source, chunk_rows=3), out, fmt)
    if fmt == "csv":
        assert out.read_text().splitlines()[1:] == [f"t{i},{cell}" for i, cell in enumerate(cells)]
    else:
        assert [json.loads(line)["x"] for line in out.read_text().splitlines()] == cells


def test_zero_row_parquet_gives_its_header(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    source = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"id": pa.array([], pa.int64()), "text": pa.array([], pa.string())}), source)
    out = tmp_path / "out.csv"
    assert write_table(read_table(source), out, "csv") == 0
    assert out.read_text().splitlines() == ["id,text"]


def test_jsonl_values_round_trip_exactly(tmp_path):
    lines = [
        '{"text":"a","n":123456789012345678901234567890,"x":Infinity,"f":0.1234567890123456789}',
        '{"text":"b","n":-9007199254740993,"x":-Infinity,"f":1e-300,"nested":{"k":[1,null,"\\ud800"]}}',
        '{"text":"c","n":null,"x":NaN,"f":3}',
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    write_table(read_table(source), out, "jsonl")
    written = [json.loads(line) for line in out.read_text().splitlines()]
    expected = [json.loads(line) for line in lines]
    assert [{k: v for k, v in row.items() if v is not None} for row in written][:2] == [
        {k: v for k, v in row.items() if v is not None} for row in expected
    ][:2]
    assert "Infinity" in out.read_text() and "123456789012345678901234567890" in out.read_text()
    assert out.read_text().splitlines()[2] == '{"text":"c","n":null,"x":NaN,"f":3,"nested":null}'


def test_safe_csv_defuses_formulas(tmp_path):
    frame = pd.DataFrame({"text": ["=1+1", "+A1", "-2+3", "@SUM(A1)", "\tx", "fine", "a=b", "-2"], "n": range(8)})
    out = tmp_path / "out.csv"
    write_table([frame], out, "csv", safe_csv=True)
    back = pd.read_csv(out, keep_default_na=False, dtype=str)
    # A plain number is a number to a spreadsheet, not a formula.
    assert back["text"].tolist() == ["'=1+1", "'+A1", "'-2+3", "'@SUM(A1)", "'\tx", "fine", "a=b", "-2"]
    assert back["n"].tolist() == [str(n) for n in range(8)]
    with pytest.raises(UsageError, match="CSV output only"):
        write_table([frame], tmp_path / "out.jsonl", "jsonl", safe_csv=True)


def test_rewriting_an_output_keeps_its_permissions(tmp_path):
    import stat

    out = tmp_path / "out.csv"
    out.write_text("old\n")
    out.chmod(0o600)
    write_table([ROWS], out, "csv")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert len(pd.read_csv(out)) == len(ROWS)


def test_special_files_are_written_to_not_replaced(tmp_path):
    import os
    import stat
    import threading

    null = tmp_path / "null.csv"
    null.symlink_to("/dev/null")  # not /dev/null itself: an old stance would replace it
    assert write_table([ROWS], null, "csv") == len(ROWS)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and null.is_symlink()
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    write_table([ROWS], fifo, "csv")
    reader.join(10)
    assert received[0].startswith("text,label")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_socket_is_not_an_output(tmp_path):
    import socket

    where = tmp_path / "out.csv"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(where))
    try:
        with pytest.raises(DataError, match="it is a socket"):
            write_table([ROWS], where, "csv")
    finally:
        server.close()


def test_the_dask_engine_reads_parquet_integers_with_nulls_exactly(tmp_path):
    pytest.importorskip("dask.dataframe")
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from stance._dask import read_dask_frame

    source = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"id": pa.array(BIG, pa.int64()), "text": ["a", "b", "c"]}), source)
    frame, _ = read_dask_frame(str(source))
    computed = frame.compute(scheduler="synchronous")
    assert [None if pd.isna(v) else int(v) for v in computed["id"]] == BIG
    assert str(computed["id"].dtype) == "Int64"


def test_the_dask_engine_keeps_parquet_nan_apart_from_null(tmp_path):
    pytest.importorskip("dask.dataframe")
    import pyarrow.parquet as pq

    from stance._dask import read_dask_frame

    source = tmp_path / "values.parquet"
    pq.write_table(nan_and_null_table(), source)
    frame, _ = read_dask_frame(str(source))
    out = tmp_path / "out.jsonl"
    write_table([frame.compute(scheduler="synchronous")], out, "jsonl")
    assert [line[:-1] for line in out.read_text().splitlines()] == NAN_AND_NULL_JSONL


def test_an_endless_device_is_refused_before_a_byte_is_read(monkeypatch):
    # A device that waits for its bytes (a mouse, /dev/kmsg) must not hang
    # the check, so it is made on the descriptor, not on what is read.
    from stance import _io

    def no_reading(stream):
        raise AssertionError("read from a device")

    monkeypatch.setattr(_io, "read_head", no_reading)
    with pytest.raises(DataError, match="it is a character device, whose bytes never end"):
        read_all("/dev/zero", "text")
    with pytest.raises(AssertionError, match="read from a device"):
        read_all("/dev/null", "text")  # the null device is read: an empty input


def csv_rows_by_bytes(data):
    """``(line it starts on, length in bytes)`` of each row of CSV ``data`` as Python's csv module splits it
    (line ends left out)."""
    import io

    lines = io.StringIO(data.decode(), newline="").readlines()
    reader = csv.reader(iter(lines))
    rows, done = [], 0
    for _ in reader:
        row = "".join(lines[done : reader.line_num])
        rows.append((done + 1, len(row.rstrip("\r\n").encode())))
        done = reader.line_num
    return rows


@pytest.mark.parametrize("seed", range(40))
def test_a_csv_row_is_bounded_as_the_parser_splits_it(seed):
    # Random rows of quoted and unquoted fields holding delimiters, doubled
    # and stray quotation marks, LF, CR and CR LF: the row found longest by
    # the bound is the one csv's parser (as pandas') finds longest.
    import io
    import random

    from stance._io import _LineBounded

    rng = random.Random(seed)
    pieces = ["a", "bc", ",", '""', "\n", "\r\n", "\r", " ", 'x"y', "é"]

    def field():
        if rng.random() < 0.5:
            return "".join(rng.choice(["a", "b", " ", 'x"', "é"]) for _ in range(rng.randrange(6)))
        return '"' + "".join(rng.choice(pieces) for _ in range(rng.randrange(8))) + '"'

    rows = [",".join(field() for _ in range(rng.randrange(1, 4))) for _ in range(rng.randrange(1, 30))]
    data = "".join(row + rng.choice(["\n", "\r\n", "\r"]) for row in rows).encode()
    rows = csv_rows_by_bytes(data)
    longest = max(length for _, length in rows)
    line = next(line for line, length in rows if length == longest)

    def read(limit, block):
        class Small(io.RawIOBase):  # blocks of `block` bytes: rows and quotation marks cut between blocks
            def __init__(self):
                self.data = io.BytesIO(data)

            def readable(self):
                return True

            def readinto(self, buffer):
                chunk = self.data.read(min(len(buffer), block))
                buffer[: len(chunk)] = chunk
                return len(chunk)

        bounded = _LineBounded(Small(), "x", limit, True, '"', ",")
        while bounded.read(block):
            pass

    for block in (1, 7, 1 << 16):
        read(longest, block)
        if longest:
            with pytest.raises(DataError, match=f"line {line} of x is longer than {longest - 1} bytes"):
                read(longest - 1, block)


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("header", ["a,a,text,b", "text,,x,", ",,text", "a,a.1,a,text", 'x,"",text,"x"'])
def test_input_column_names_come_out_as_they_went_in(tmp_path, engine, header):
    # pandas renames a repeated name (a, a.1) and a blank one (Unnamed: 3);
    # the output's header is the input's, then the stance columns.
    from cli_runner import run_cli

    if engine == "dask":
        pytest.importorskip("dask.dataframe")
    fields = len(next(csv.reader([header])))
    source = tmp_path / "in.csv"
    source.write_text(header + "\n" + ",".join(["We back it."] * fields) + "\n")
    out = tmp_path / "out.csv"
    result = run_cli("predict", "-i", source, "-o", out, "--engine", engine)
    assert result.returncode == 0, result.stderr
    written = next(csv.reader(out.read_text().splitlines()))
    assert written == [*csv.reader([header])][0] + [
        "stance_label",
        "stance_p_aligned",
        "stance_p_neutral",
        "stance_p_opposed",
        "stance_flag",
    ]


def test_a_tsv_keeps_its_column_names_and_json_lines_keeps_a_blank_one(tmp_path):
    from cli_runner import run_cli

    source = tmp_path / "in.tsv"
    source.write_text("text\t\tn\nWe back it.\t1\t2\n")
    result = run_cli("predict", "-i", source, "--output-format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[""] == "1"
    result = run_cli("predict", "-i", source, "--output-format", "csv")
    assert result.stdout.splitlines()[0].startswith("text,,n,stance_label")


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_float32_values_are_written_as_they_were_not_widened(tmp_path, fmt):
    # A float32 0.1 widened to 64 bits is 0.10000000149011612, which is not
    # what the file held: JSON Lines wrote that, inside lists and structs too.
    import numpy as np

    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    values = [0.1, None, float("nan"), 3.4028235e38, 1e-45, -2.5]
    texts = ["0.1", "null", "NaN", "3.4028235e+38", "1e-45", "-2.5"]
    source = tmp_path / "f32.parquet"
    pq.write_table(
        pa.table(
            {
                "x": pa.array(values, pa.float32()),
                "list": pa.array([[v] for v in values], pa.list_(pa.float32())),
                "struct": pa.array([{"v": v} for v in values], pa.struct([("v", pa.float32())])),
            }
        ),
        source,
    )
    out = tmp_path / f"out.{fmt}"
    write_table(read_table(source), out, fmt)
    if fmt == "csv":
        table = pd.read_csv(out, dtype=str, keep_default_na=False)
        assert table["x"].tolist() == [t if t != "null" else "" for t in texts]
        assert table["list"].tolist() == [f"[{t}]" for t in texts]
        assert table["struct"].tolist() == [f'{{"v":{t}}}' for t in texts]
        return
    rows = out.read_text().splitlines()
    assert rows == [f'{{"x":{t},"list":[{t}],"struct":{{"v":{t}}}}}' for t in texts]
    # Each reads back as the very float32 the file held.
    for row, value in zip(rows, values):
        if value is not None and value == value:
            assert np.float32(json.loads(row)["x"]) == np.float32(value)


def test_a_numpy_float32_column_is_written_as_it_was(tmp_path):
    import numpy as np

    out = tmp_path / "out.jsonl"
    write_table([pd.DataFrame({"x": np.array([0.1, 2.5], dtype=np.float32)})], out, "jsonl")
    assert out.read_text() == '{"x":0.1}\n{"x":2.5}\n'


@pytest.mark.parametrize("arrow", [False, True])
def test_bytes_are_the_same_text_in_csv_and_json_lines(tmp_path, arrow):
    # CSV wrote Python's b'ab', JSON Lines the bytes' text: one way for both,
    # UTF-8 text with a byte that is not UTF-8 as \xNN, nested bytes too.
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    values = [b"ab", None, "café".encode() + b" \xff"]
    source = tmp_path / "bytes.parquet"
    pq.write_table(pa.table({"b": pa.array(values), "l": pa.array([[v] for v in values])}), source)
    frames = list(read_table(source))
    if arrow:  # as the Dask engine reads them
        frames = [frame.astype({"b": pd.ArrowDtype(pa.binary())}) for frame in frames]
    write_table(frames, tmp_path / "out.csv", "csv")
    write_table(frames, tmp_path / "out.jsonl", "jsonl")
    texts = ["ab", None, "café \\xff"]
    csv_rows = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert csv_rows["b"].tolist() == [t or "" for t in texts]
    json_rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [row["b"] for row in json_rows] == texts
    assert [row["l"] for row in json_rows] == [[t] for t in texts]
    assert csv_rows["l"].tolist() == [
        json.dumps([t], ensure_ascii=False, separators=(",", ":")) for t in texts
    ]


def test_string_tables_are_written_as_pandas_writes_them():
    # Tables of strings (a CSV input and the columns stance adds) are made
    # into CSV text by stance itself; every character the csv module might
    # treat specially, and missing cells, give the text pandas' to_csv gives.
    import io

    import numpy as np

    from stance._io import _csv_text

    odd = [chr(c) for c in range(0, 128)] + ["\x85", "\u2028", "\u00fc", "\U0001f600", "\ud800", ""]
    pairs = [a + b for a in odd for b in (",", '"', "x", " ", "\r\n", "")]
    n = len(pairs)  # even
    valid = [pair for pair in pairs if "\ud800" not in pair]  # what pandas' string dtype holds
    frames = [
        pd.DataFrame({"text": pairs, "target": pairs[::-1]}, dtype=object),
        pd.DataFrame({"a,b": pairs, 'say "x"': pairs[::-1]}, dtype=object),
        pd.DataFrame(
            {"text": pd.array(valid + [None] * 3, dtype="str"), "target": pd.array(valid + ["", None, "x"])}
        ),
        pd.DataFrame({"text": pairs, "label": [None, "x"] * (n // 2)}, dtype=object),
        pd.DataFrame({"text": pairs[:5], "empty": [""] * 5}),
        *(pd.DataFrame({"text": ["a", f"b{c}c"], "x": ["1", "2"]}) for c in ',"\r\n'),
        pd.DataFrame({"text": [], "target": []}, dtype=object),
    ]
    for frame in frames:
        for header in (True, False):
            expected = io.StringIO()
            frame.to_csv(expected, index=False, header=header, lineterminator="\r\n")
            assert _csv_text(frame, header) == expected.getvalue()
    # pandas writes what is not a table of strings, or has one column.
    assert _csv_text(pd.DataFrame({"text": ["a"], "n": [1]}), True) is None
    assert _csv_text(pd.DataFrame({"text": ["a"], "n": np.array([1], dtype=object)}), True) is None
    assert _csv_text(pd.DataFrame({"text": ["", "a"]}), True) is None
