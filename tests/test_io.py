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
