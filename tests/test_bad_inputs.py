"""A table of bad inputs: each gets the right output, or one clear error line and its exit code.

Every case runs the ``stance`` command in this process; ``check`` (when given) looks
at the output of a successful run. No case may print a traceback.
"""

import io
import json
import os
import stat

import joblib
import pandas as pd
import pytest
from cli_runner import run_cli as run_stance

import stance
import stance._persistence

CSV_OK = "text,label\nWe back the plan.,aligned\nWe reject it.,opposed\n"
ENDLESS = "it is a character device, whose bytes never end"


def write(name, content):
    def make(folder):
        path = folder / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return make


def rows_out(expected):
    def check(stdout):
        table = pd.read_csv(io.StringIO(stdout), keep_default_na=False)
        assert len(table) == expected, table
        return table

    return check


def flags(expected):
    def check(stdout):
        table = pd.read_csv(io.StringIO(stdout), keep_default_na=False)
        assert table["stance_flag"].tolist() == expected

    return check


def model_of(kind):
    """A model file with valid metadata whose content is damaged in some way."""

    def make(folder):
        source = stance._persistence.default_model_path()
        path = folder / "model.joblib"
        data = source.read_bytes()
        meta = json.loads(source.with_suffix(".json").read_text())
        if kind == "truncated":
            data = data[: len(data) // 3]
        elif kind == "flipped":
            data = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
        elif kind == "dict":
            # A model file with no compiled form, so that labelling reads it.
            buffer = io.BytesIO()
            joblib.dump({"weights": [1, 2, 3]}, buffer)
            data = buffer.getvalue()
            meta["artifact"]["sha256"] = stance._persistence.hashlib.sha256(data).hexdigest()
            del meta["compiled"]
        path.write_bytes(data)
        path.with_suffix(".npz").write_bytes(source.with_suffix(".npz").read_bytes())
        path.with_suffix(".json").write_text(json.dumps(meta))
        return path

    return make


def wrong_metadata(folder):
    (folder / "m.joblib").write_bytes(b"anything")
    (folder / "m.json").write_text('{"format": "stance-model", "artifact": "x"}')
    return folder / "m.joblib"


def read_only(folder):
    path = folder / "out.csv"
    path.write_text("keep me\n")
    path.chmod(0o444)
    return path


def fifo_with(name, content):
    """A FIFO that a thread writes ``content`` into, as another process would."""

    def make(folder):
        import os
        import threading

        path = folder / name
        os.mkfifo(path)

        def write():
            try:
                path.write_text(content)
            except OSError:
                pass

        threading.Thread(target=write, daemon=True).start()
        return path

    return make


def shipped_model_with(part, make_part):
    """A copy of the shipped model whose ``part`` (.json or .npz) is replaced by ``make_part(path)``."""

    def make(folder):
        source = stance._persistence.default_model_path()
        path = folder / "m.joblib"
        path.symlink_to(source)
        for suffix in (".json", ".npz"):
            path.with_suffix(suffix).write_bytes(source.with_suffix(suffix).read_bytes())
        path.with_suffix(part).unlink()
        make_part(path.with_suffix(part))
        return path

    return make


def metadata_where(key, value):
    def make_part(target):
        meta = json.loads(stance._persistence.default_model_path().with_suffix(".json").read_text())
        meta[key] = value
        target.write_text(json.dumps(meta))

    return make_part


def link_to_dev_null(name):
    # A symlink to /dev/null, not /dev/null itself: a version of stance that
    # replaced its output with a regular file must not break the machine.
    def make(folder):
        (folder / name).symlink_to("/dev/null")
        return folder / name

    make.dev_null_link = True
    return make


def a_socket(folder):
    import socket

    path = folder / "out.csv"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    return path


def skops_beside(folder):
    (folder / "m.skops").write_bytes(b"someone's model")
    (folder / "in.csv").write_text(CSV_OK)
    return folder / "in.csv"


def parquet_with_null_label(folder):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = folder / "in.parquet"
    pq.write_table(pa.table({"text": ["We back it.", "We reject it."], "label": ["aligned", None]}), path)
    return path


# (id, setup -> path or None, argument template, stdin, exit status, stderr pattern or None, check)
CASES = [
    (
        "binary file",
        write("in.csv", b"\x89PNG\r\n\x1a\n\x00\x00\xff\xd8\xff"),
        ["predict", "-i", "{}"],
        None,
        1,
        "not valid UTF-8 on line 1",
        None,
    ),
    (
        "wrong delimiter",
        write("in.csv", "text;label\nWe back it.;aligned\n"),
        ["predict", "-i", "{}"],
        None,
        2,
        "one column named 'text;label'; if it is separated by ';', stance reads commas (CSV) and tabs",
        None,
    ),
    (
        "a CSV read as TSV",
        write("in.csv", "text,label\nWe back it.,aligned\n"),
        ["predict", "-i", "{}", "--format", "tsv"],
        None,
        2,
        "one column named 'text,label'; if it is separated by ',', give --format csv",
        None,
    ),
    *(
        (f"a CSV read as TSV by {command[0]}", write("in.csv", "text,target,label\nWe back it.,x,aligned\n"),
         [*command, "--format", "tsv"], None, 2, "one column named 'text,target,label'; if it is separated by ','",
         None)
        for command in (["evaluate", "-d", "{}"], ["suggest", "-i", "{}"], ["train", "-d", "{}", "-o", "m.skops"])
    ),
    (
        "a CSV on standard input with --text-column",
        None,
        ["predict", "--text-column", "sentence"],
        "sentence,target\nWe back it.,x\n",
        2,
        "whose only column is 'text': plain text is read as one sentence a line; for a table, give --format csv",
        None,
    ),
    (
        "UTF-8 BOM",
        write("in.csv", b"\xef\xbb\xbf" + CSV_OK.encode()),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        rows_out(2),
    ),
    ("UTF-16", write("in.csv", CSV_OK.encode("utf-16")), ["predict", "-i", "{}"], None, 1, "is UTF-16", None),
    (
        "CRLF line ends",
        write("in.csv", CSV_OK.replace("\n", "\r\n")),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        rows_out(2),
    ),
    (
        "quoted newlines",
        write("in.csv", 'text,label\n"We back\nthe plan.",aligned\n"x",neutral\n'),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        rows_out(2),
    ),
    (
        "field over the csv module's limit",
        write("in.csv", 'text\n"' + "word " * 60_000 + '"\n'),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        rows_out(1),
    ),
    (
        "missing header",
        write("in.csv", "We back the plan.,aligned\nWe reject it.,opposed\n"),
        ["predict", "-i", "{}"],
        None,
        2,
        "available columns: We back the plan., aligned",
        None,
    ),
    (
        "duplicate column names to JSON Lines",
        write("in.csv", "x,x,text\na,b,c\n"),
        ["predict", "-i", "{}", "--output-format", "jsonl"],
        None,
        2,
        "repeats the column name 'x'",
        None,
    ),
    (
        "the text column named twice",
        write("in.csv", "text,text\nWe back it.,We reject it.\n"),
        ["predict", "-i", "{}"],
        None,
        2,
        "the input has 2 columns named 'text': rename all but one",
        None,
    ),
    (
        "the text column named twice to annotate",
        write("in.csv", "text,text,label\na,b,\n"),
        ["annotate", "{}"],
        "q",
        2,
        "the input has 2 columns named 'text'",
        None,
    ),
    (
        "the label column named twice",
        write("in.csv", "text,label,label\nWe back it.,aligned,opposed\n"),
        ["evaluate", "-d", "{}"],
        None,
        2,
        "the input has 2 columns named 'label'",
        None,
    ),
    (
        "blank and repeated column names",
        write("in.csv", "a,,text,a\n1,2,x,4\n"),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        lambda stdout: stdout.startswith("a,,text,a,stance_label,"),
    ),
    (
        "numbers as text",
        write("in.csv", "text\n12\n3.5\n"),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        flags(["", ""]),
    ),
    (
        "a list, an object and a number as targets in JSONL",
        write(
            "in.jsonl",
            '{"text": "We back the plan.", "target": ["the plan"]}\n{"text": "We back it.", "target": {"a": 1}}\n'
            '{"text": "We back it.", "target": 5}\n{"text": "We back it.", "target": "the plan"}\n'
            '{"text": null, "target": 5}\n',
        ),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        flags(["non-text target"] * 3 + ["", "missing text"]),
    ),
    (
        "numbers and null in JSONL",
        write("in.jsonl", '{"text": 12}\n{"text": null}\n{"text": "ok"}\n'),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        flags(["non-text value", "missing text", ""]),
    ),
    (
        "NaN spelled out",
        write("in.csv", "text\nNaN\nnull\n"),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        flags(["", ""]),
    ),
    (
        "blank rows",
        write("in.txt", "one\n\n   \ntwo\n"),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        flags(["", "blank text", "blank text", ""]),
    ),
    (
        "a table on standard input, read as text",
        None,
        ["predict"],
        "text,target\nWe back it.,the plan\n",
        0,
        "its first line looks like the header of a table with a 'text' column; give --format csv",
        rows_out(2),  # every line still comes out, the header line too
    ),
    (
        "a sentence with commas on standard input",  # no warning: it is no table's header
        None,
        ["predict"],
        "Text, not images, carries the argument.\n",
        0,
        None,
        lambda stdout: len(stdout.splitlines()) == 2,
    ),
    (
        "a table on standard input, with --format",
        None,
        ["predict", "--format", "csv"],
        "text,target\nWe back it.,the plan\n",
        0,
        None,
        flags([""]),
    ),
    (
        "targets without words",
        write("in.csv", "text,target\nWe back it.,***\nWe back it.,the\n,the\nWe back it.,the plan\nWe back it.,\n"),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        flags(["target without words", "target without words", "blank text; target without words", "", ""]),
    ),
    # An empty input is no rows: predict writes the header it knows (none for a CSV without one).
    ("empty file", write("in.csv", ""), ["predict", "-i", "{}"], None, 0, None, lambda stdout: stdout == ""),
    ("empty file to evaluate", write("in.csv", ""), ["evaluate", "-d", "{}"], None, 1, "is empty", None),
    ("empty Parquet file", write("in.parquet", ""), ["predict", "-i", "{}"], None, 1, "is empty", None),
    (
        "empty file to suggest from",
        write("in.txt", ""),
        ["suggest", "-i", "{}"],
        None,
        0,
        None,
        lambda stdout: stdout == "text,label,model_label,model_confidence,row\r\n",
    ),
    ("header only", write("in.csv", "text,label\n"), ["predict", "-i", "{}"], None, 0, None, rows_out(0)),
    (
        "ragged rows",
        write("in.csv", "text,label\na,b,c\n"),
        ["predict", "-i", "{}"],
        None,
        1,
        "more fields than the header",
        None,
    ),
    (
        "latin-1 bytes on line 3",
        write("in.csv", "text\nfine\ncaf\xe9\n".encode("latin-1")),
        ["predict", "-i", "{}"],
        None,
        1,
        "on line 3",
        None,
    ),
    (
        "invalid JSON line",
        write("in.jsonl", '{"text": "a"}\n{oops}\n'),
        ["predict", "-i", "{}"],
        None,
        1,
        "line 2 is not valid JSON",
        None,
    ),
    (
        "JSON array line",
        write("in.jsonl", '["a", "b"]\n'),
        ["predict", "-i", "{}"],
        None,
        1,
        "not an object",
        None,
    ),
    (
        "corrupt Parquet",
        write("in.parquet", b"PAR1 this is not parquet"),
        ["predict", "-i", "{}"],
        None,
        1,
        "cannot read",
        None,
    ),
    (
        "CSV read as Parquet",
        write("in.csv", CSV_OK),
        ["predict", "-i", "{}", "--format", "parquet"],
        None,
        1,
        "as parquet",
        None,
    ),
    ("unknown extension", write("in.dat", CSV_OK), ["predict", "-i", "{}"], None, 2, "--format", None),
    (
        "control characters and surrogates",
        write("in.jsonl", '{"text": "a\\u0000b\\u001b[31m \\ud800 c"}\n'),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        rows_out(1),
    ),
    (
        "a folder instead of a file",
        lambda folder: folder,
        ["predict", "-i", "{}"],
        None,
        1,
        "is a folder",
        None,
    ),
    (
        "a missing file",
        lambda folder: folder / "nope.csv",
        ["predict", "-i", "{}"],
        None,
        1,
        "does not exist",
        None,
    ),
    (
        "empty standard input",
        None,
        ["predict", "-i", "-"],
        "",
        0,
        None,
        lambda stdout: stdout.startswith("text,stance_label,") and stdout.count("\n") == 1,
    ),
    (
        "output in a missing folder",
        lambda folder: folder / "no" / "out.csv",
        ["predict", "hi", "-o", "{}"],
        None,
        1,
        "does not exist",
        None,
    ),
    ("read-only output", read_only, ["predict", "hi", "-o", "{}"], None, 1, "read-only", None),
    (
        "unknown column",
        write("in.csv", CSV_OK),
        ["predict", "-i", "{}", "--text-column", "body"],
        None,
        2,
        "no column 'body'",
        None,
    ),
    (
        "unknown target column",
        write("in.csv", CSV_OK),
        ["predict", "-i", "{}", "--target-column", "about"],
        None,
        2,
        "no column 'about'",
        None,
    ),
    (
        "wrong model path",
        lambda folder: folder / "none.joblib",
        ["predict", "hi", "--model", "{}"],
        None,
        1,
        "does not exist",
        None,
    ),
    (
        "truncated model",
        model_of("truncated"),
        ["predict", "hi", "--model", "{}", "--trust-model"],
        None,
        1,
        "checksum",
        None,
    ),
    (
        "corrupted model",
        model_of("flipped"),
        ["predict", "hi", "--model", "{}", "--trust-model"],
        None,
        1,
        "checksum",
        None,
    ),
    (
        "another kind of object",
        model_of("dict"),
        ["predict", "hi", "--model", "{}", "--trust-model"],
        None,
        1,
        "not a stance model",
        None,
    ),
    (
        "untrusted joblib model",
        model_of("dict"),
        ["predict", "hi", "--model", "{}"],
        None,
        1,
        "--trust-model",
        None,
    ),
    (
        "label map to an unknown label",
        write("in.csv", CSV_OK),
        ["train", "-d", "{}", "-o", "m.joblib", "--label-map", "yes=maybe"],
        None,
        2,
        "invalid --label-map",
        None,
    ),
    (
        "unknown labels",
        write("in.csv", "text,label\n" + "a,yes\nb,no\n" * 5),
        ["train", "-d", "{}", "-o", "m.joblib"],
        None,
        1,
        "--label-map",
        None,
    ),
    (
        "one label only",
        write("in.csv", "text,label\n" + "a,aligned\n" * 6),
        ["train", "-d", "{}", "-o", "m.joblib"],
        None,
        1,
        "at least 2 different labels",
        None,
    ),
    (
        "too few examples",
        write("in.csv", "text,label\n" + "a,aligned\n" * 6 + "b,opposed\n"),
        ["train", "-d", "{}", "-o", "m.joblib"],
        None,
        1,
        "too few examples",
        None,
    ),
    (
        "binary document",
        write("doc.txt", b"\xff\xfe\x00\x00garbage"),
        ["analyze", "{}"],
        None,
        1,
        "not valid UTF-8",
        None,
    ),
    ("unknown subcommand", None, ["classify"], None, 2, "invalid choice", None),
    ("unknown option", None, ["predict", "--colour"], None, 2, "unrecognized arguments", None),
    (
        "training data on standard input",
        None,
        ["train", "-d", "-", "-o", "m.skops"],
        "",
        2,
        "not standard input",
        None,
    ),
    ("zero chunk size", None, ["predict", "hi", "--chunk-rows", "0"], None, 2, "--chunk-rows", None),
    (
        "blank line in a CSV",
        write("in.csv", "text\nWe back it.\n\nThe vote is Monday.\n"),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        flags(["", "blank text", ""]),
    ),
    (
        "quotation marks in a TSV",
        write("in.tsv", 'id\ttext\n1\t"We back it.\n2\tNo, we reject it."\n3\tThe vote.\n'),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        rows_out(3),
    ),
    (
        "JSONL key first seen late",
        write("in.jsonl", '{"text": "a"}\n{"text": "b", "id": 7}\n'),
        ["predict", "-i", "{}", "--chunk-rows", "1"],
        None,
        0,
        None,
        rows_out(2),
    ),
    (
        "output is a folder",
        lambda folder: folder,
        ["predict", "hi", "-o", "{}"],
        None,
        1,
        "is a folder",
        None,
    ),
    (
        "model output without a model suffix",
        write("in.csv", CSV_OK),
        ["train", "-d", "{}", "-o", "m.json"],
        None,
        2,
        "must end in .skops",
        None,
    ),
    (
        "out-of-range setting",
        write("in.csv", CSV_OK),
        ["train", "-d", "{}", "-o", "m.skops", "--set", "C=-1"],
        None,
        2,
        "invalid setting C=-1",
        None,
    ),
    (
        "metadata of the wrong shape",
        wrong_metadata,
        ["info", "--model", "{}"],
        None,
        1,
        "not the metadata",
        None,
    ),
    # Round 2 (issue 11): special files, pipes, nulls, crafted models, limits.
    ("a FIFO as CSV input", fifo_with("in.csv", CSV_OK), ["predict", "-i", "{}"], None, 0, None, rows_out(2)),
    (
        "a FIFO as text input",
        fifo_with("in.txt", "one\ntwo\nthree\n"),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        rows_out(3),
    ),
    (
        "a FIFO as training data",
        fifo_with("in.csv", CSV_OK),
        ["train", "-d", "{}", "-o", "m.skops"],
        None,
        1,
        "train reads a file, not a FIFO",
        None,
    ),
    (
        "a device as input",
        lambda folder: "/dev/null",
        ["predict", "-i", "{}", "--format", "csv"],
        None,
        0,
        None,
        lambda stdout: stdout == "",
    ),
    ("a socket as output", a_socket, ["predict", "hi", "-o", "{}"], None, 1, "it is a socket", None),
    (
        "a device as a model output",
        link_to_dev_null("m.skops"),
        ["export", "-o", "{}", "--force"],
        None,
        1,
        "it is a character device, not a regular file",
        None,
    ),
    (
        "a folder as a model output",
        lambda folder: (folder / "m.skops").mkdir() or folder / "m.skops",
        ["export", "-o", "{}"],
        None,
        1,
        "is a folder",
        None,
    ),
    (
        "a model output in a missing folder",
        lambda folder: folder / "no" / "m.skops",
        ["export", "-o", "{}"],
        None,
        1,
        "does not exist",
        None,
    ),
    (
        "a device as a table output",
        link_to_dev_null("out.csv"),
        ["predict", "hi", "-o", "{}"],
        None,
        0,
        None,
        None,
    ),
    (
        # A row with no label is one not annotated yet (stance annotate leaves
        # them so): left out with a warning, never read as a label.
        "null labels in JSONL (train)",
        write("in.jsonl", '{"text": "We back it.", "label": "aligned"}\n{"text": "No.", "label": null}\n'),
        ["train", "-d", "{}", "-o", "m.skops"],
        None,
        1,
        "need at least 2 different labels; the data has aligned",
        None,
    ),
    (
        "null labels in JSONL (train --streaming)",
        write("in.jsonl", '{"text": "We back it.", "label": "aligned"}\n{"text": "No.", "label": null}\n'),
        ["train", "-d", "{}", "-o", "m.skops", "--streaming"],
        None,
        1,
        "need at least 2 different labels; the data has aligned",
        None,
    ),
    (
        "missing label key in JSONL (evaluate)",
        write("in.jsonl", '{"text": "We back it.", "label": "aligned"}\n{"text": "No."}\n'),
        ["evaluate", "-d", "{}"],
        None,
        0,
        "left out 1 rows with no label (not annotated yet)",
        lambda stdout: "1 labelled texts" in stdout,
    ),
    (
        "a null label in Parquet",
        parquet_with_null_label,
        ["evaluate", "-d", "{}"],
        None,
        0,
        "rows with no label (not annotated yet)",
        None,
    ),
    (
        "no label at all (evaluate)",
        write("in.csv", "text,label\nWe back it.,\nNo.,\n"),
        ["evaluate", "-d", "{}"],
        None,
        1,
        "no labelled rows",
        None,
    ),
    (
        "a blank label left by annotate (evaluate)",
        write("in.csv", "text,label\nWe back it.,aligned\nWe reject it.,\nNo.,neutral\n"),
        ["evaluate", "-d", "{}"],
        None,
        0,
        "left out 1 rows with no label (not annotated yet)",
        lambda stdout: "2 labelled texts" in stdout,
    ),
    (
        "Infinity and 64-bit integers in JSONL",
        write("in.jsonl", '{"text": "a", "x": Infinity, "id": 9007199254740993}\n'),
        ["predict", "-i", "{}"],
        None,
        0,
        None,
        lambda stdout: stdout.splitlines()[1].startswith("a,inf,9007199254740993,"),
    ),
    (
        "model metadata is a symlink to /dev/zero",
        shipped_model_with(".json", lambda target: target.symlink_to("/dev/zero")),
        ["predict", "hi", "--model", "{}"],
        None,
        1,
        "not a regular file",
        None,
    ),
    (
        "compiled model is a FIFO",
        shipped_model_with(".npz", lambda target: __import__("os").mkfifo(target)),
        ["predict", "hi", "--model", "{}"],
        None,
        1,
        "FIFO (named pipe), not a regular file",
        None,
    ),
    (
        "metadata whose training is a list",
        shipped_model_with(".json", metadata_where("training", [])),
        ["info", "--model", "{}"],
        None,
        1,
        "'training' is a list, not a dict",
        None,
    ),
    (
        "metadata whose metrics is a string",
        shipped_model_with(".json", metadata_where("metrics", "oops")),
        ["info", "--model", "{}"],
        None,
        1,
        "'metrics' is a str, not a dict",
        None,
    ),
    (
        "a model of the other format shares the name",
        skops_beside,
        ["train", "-d", "{}", "-o", "m.joblib", "--force"],
        None,
        2,
        "would share its metadata",
        None,
    ),
    (
        "trust given as text",
        None,
        ["predict", "hi", "--trust-model=yes"],
        None,
        2,
        "ignored explicit argument",
        None,
    ),
    (
        "a negative random_state",
        write("in.csv", CSV_OK),
        ["train", "-d", "{}", "-o", "m.skops", "--set", "random_state=-1"],
        None,
        2,
        "invalid setting random_state=-1",
        None,
    ),
    (
        "a setting of 100,000 minus signs",
        write("in.csv", CSV_OK),
        ["train", "-d", "{}", "-o", "m.skops", "--set", "C=" + "-" * 100_000 + "1"],
        None,
        2,
        "nests too deeply",
        None,
    ),
    ("--jobs above the cores", None, ["predict", "hi", "--jobs", "512"], None, 0, "using", rows_out(1)),
    (
        "--safe-csv with JSON Lines",
        None,
        ["predict", "hi", "--safe-csv", "-o", "x.jsonl"],
        None,
        2,
        "CSV output only",
        None,
    ),
    (
        "formulas with --safe-csv",
        write("in.csv", "text,=cmd|calc\n=HYPERLINK(1),x\n@SUM(A1),y\n"),
        ["predict", "-i", "{}", "--safe-csv"],
        None,
        0,
        None,
        # The header is a row of the sheet too (it was left as it was).
        lambda stdout: stdout.splitlines()[0].startswith("text,'=cmd|calc,stance_label,")
        and stdout.splitlines()[1].startswith("'=HYPERLINK(1),x,"),
    ),
    (
        "plain numbers with --safe-csv",
        write("in.csv", "text,score\n-2+3,-3\nWe back it.,+0.5\nWe back it.,-1e-05\n"),
        ["predict", "-i", "{}", "--safe-csv"],
        None,
        0,
        None,
        # A negative number is a number to a spreadsheet, not a formula: it stays as it is.
        lambda stdout: [line.split(",")[:2] for line in stdout.splitlines()[1:]]
        == [["'-2+3", "-3"], ["We back it.", "+0.5"], ["We back it.", "-1e-05"]],
    ),
    (
        "formulas with suggest --safe-csv",
        write("in.csv", "text\n=HYPERLINK(1) We back it.\n"),
        ["suggest", "-i", "{}", "-n", "1", "--safe-csv"],
        None,
        0,
        None,
        lambda stdout: stdout.splitlines()[1].startswith("'=HYPERLINK(1) We back it.,"),
    ),
    (
        "formulas with analyze --safe-csv",
        write("in.txt", "=HYPERLINK(1) We back it.\n"),
        ["analyze", "{}", "--output-format", "csv", "--safe-csv"],
        None,
        0,
        None,
        lambda stdout: "'=HYPERLINK(1) We back it." in stdout.splitlines()[1],
    ),
    # Round 3 (issue 11): a device that never ends is refused at once, by every reader.
    *(
        (f"{device} as {what}", lambda folder, device=device: device, args, None, status, message, None)
        for device, what, args, status, message in (
            ("/dev/zero", "text input", ["predict", "-i", "{}", "--format", "text"], 1, ENDLESS),
            ("/dev/zero", "CSV input", ["predict", "-i", "{}", "--format", "csv"], 1, ENDLESS),
            ("/dev/zero", "JSON Lines input", ["predict", "-i", "{}", "--format", "jsonl"], 1, ENDLESS),
            ("/dev/urandom", "TSV input", ["predict", "-i", "{}", "--format", "tsv"], 1, ENDLESS),
            ("/dev/zero", "evaluation data", ["evaluate", "--data", "{}", "--format", "csv"], 1, ENDLESS),
            (
                "/dev/urandom",
                "evaluation data",
                ["evaluate", "--data", "{}", "--format", "jsonl"],
                1,
                ENDLESS,
            ),
            ("/dev/zero", "suggest input", ["suggest", "-i", "{}", "--format", "text"], 1, ENDLESS),
            ("/dev/zero", "a document to analyze", ["analyze", "{}"], 1, ENDLESS),
            ("/dev/urandom", "a document to analyze", ["analyze", "{}"], 1, ENDLESS),
            (
                "/dev/zero",
                "training data",
                ["train", "-d", "{}", "--format", "csv", "-o", "m.skops"],
                1,
                "train reads a file, not a character device",
            ),
            ("/dev/zero", "--targets", ["predict", "hi", "--targets", "{}"], 1, "is a character device"),
        )
    ),
    ("standard input as --targets", None, ["predict", "hi", "--targets", "-"], None, 2,
     "--targets reads a file, not standard input", None),
    ("a blank --targets", None, ["predict", "hi", "--targets", " "], None, 2, "--targets needs a file name", None),
    ("standard input as --model", None, ["predict", "hi", "--model", "-"], None, 2,
     "--model reads a file, not standard input", None),
    (
        "a profiles file that starts with a byte-order mark",
        write("p.toml", b'\xef\xbb\xbf[[target]]\nname = "the levy"\nopponents = ["Sylvania"]\n'),
        ["predict", "We condemn Sylvania.", "-t", "the levy", "--targets", "{}"],
        None,
        0,
        None,
        lambda stdout: stdout.splitlines()[1].startswith("We condemn Sylvania.,aligned,"),
    ),
    (
        "/dev/zero behind a CSV name to annotate",
        lambda folder: (folder / "zero.csv").symlink_to("/dev/zero") or folder / "zero.csv",
        ["annotate", "{}"],
        None,
        1,
        "annotate updates a file in place, not a character device",
        None,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_bad_input(case, tmp_path):
    _, setup, template, stdin, status, pattern, check = case
    path = setup(tmp_path) if setup else None
    args = [arg.replace("{}", str(path)) if path is not None else arg for arg in template]
    result = run_stance(*args, input=stdin, cwd=tmp_path)
    assert result.returncode == status, (result.stdout[-500:], result.stderr)
    assert "Traceback" not in result.stderr
    if pattern:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert pattern in lines[0], lines[0]
    if check:
        assert check(result.stdout) is not False, result.stdout
    if getattr(setup, "dev_null_link", False):  # written to, never replaced
        assert os.path.islink(path) and stat.S_ISCHR(os.stat(path).st_mode)


def test_read_only_output_is_left_as_it_was(tmp_path):
    path = read_only(tmp_path)
    result = run_stance("predict", "hi", "-o", str(path))
    assert result.returncode == 1 and "read-only" in result.stderr and "Traceback" not in result.stderr
    assert path.read_text() == "keep me\n"


def test_hundred_megabyte_single_line(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "w") as stream:
        stream.write("we support the plan " * 5_000_000)
    out = tmp_path / "out.csv"
    result = run_stance("predict", "-i", str(path), "-o", str(out))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, usecols=["stance_label", "stance_flag"])
    assert table["stance_flag"].tolist() == ["truncated"]
    assert table["stance_label"].iloc[0] in stance.LABELS


API_CASES = [
    ("None as texts", lambda: stance.predict(None), TypeError, "iterable"),
    ("None in texts", lambda: stance.predict(["a", None]), TypeError, "position 1"),
    ("bytes in texts", lambda: stance.predict([b"a"]), TypeError, "position 0"),
    ("a DataFrame as texts", lambda: stance.predict(pd.DataFrame({"text": ["a"]})), TypeError, "label_frame"),
    (
        "targets of another length",
        lambda: stance.predict(["a"], ["x", "y"]),
        ValueError,
        "1 texts but 2 targets",
    ),
    ("document not a string", lambda: stance.analyze(["a"]), TypeError, "not str"),
    ("explain not a string", lambda: stance.explain(3), TypeError, "not str"),
    (
        "missing model",
        lambda: stance.load_model("/nonexistent/model.joblib"),
        stance.ModelError,
        "does not exist",
    ),
    ("explain top below 1", lambda: stance.explain("We back it.", top=0), ValueError, "top must be"),
]


@pytest.mark.parametrize("case", API_CASES, ids=[case[0] for case in API_CASES])
def test_bad_api_input(case):
    _, call, error, pattern = case
    with pytest.raises(error, match=pattern):
        call()


@pytest.mark.parametrize("setting", ["jobs", "chunk_rows"])
@pytest.mark.parametrize("value", [0, -1, 1.5, "2", True, float("nan"), None])
def test_label_frames_refuses_bad_jobs_and_chunk_rows_naming_them(setting, value):
    # They were TypeErrors from deep inside (jobs=1.5: "'float' object cannot
    # be interpreted as an integer"), and jobs=True counted as 1.
    frame = pd.DataFrame({"text": ["We back it."]})
    with pytest.raises(ValueError, match=f"^{setting} must be a whole number of at least 1, not "):
        list(stance.load_model().label_frames(frame, **{setting: value}))


def test_a_huge_document_is_split_in_linear_time():
    # NLTK ran Punkt's regular expressions under a wall-clock limit, which a
    # paragraph of megabytes exceeded on a loaded machine (a TimeoutError);
    # the splitter now has no such limit and looks at each character a
    # bounded number of times.
    from stance._sentences import sentence_spans

    document = "We support the plan. The minister spoke on Monday. " * 20_000
    spans = sentence_spans(document)
    assert len(spans) == 40_000
    assert [document[a:b] for a, b in spans[:2]] == ["We support the plan.", "The minister spoke on Monday."]
    # A paragraph without any sentence end is one sentence, every character covered.
    assert sentence_spans("x" * 50_001) == [(0, 50_001)]


def test_predict_proba_keeps_the_index_of_a_series():
    texts = pd.Series(["We back the plan.", "We reject it.", "The vote is today."], index=[10, 3, 7])
    table = pd.DataFrame({"text": texts})
    table["p"] = stance.predict_proba(texts)["opposed"]
    assert table.index.tolist() == [10, 3, 7]
    assert table["p"].idxmax() == 3


def test_a_series_of_targets_goes_with_the_texts_by_index():
    # It went by position: the target of index 4 was given to index 3.
    texts = pd.Series(["We strongly support the Paris Agreement.", "We back the plan."], index=[3, 4])
    by_index = pd.Series(["a plan", "the Paris Agreement"], index=[4, 3])
    expected = stance.predict_proba(texts, target=["the Paris Agreement", "a plan"])
    pd.testing.assert_frame_equal(stance.predict_proba(texts, target=by_index), expected)
    assert stance.predict(texts, target=by_index) == stance.predict(texts, target=["the Paris Agreement", "a plan"])
    with pytest.raises(ValueError, match="not the index of texts"):
        stance.predict(texts, target=pd.Series(["a", "b"], index=[3, 5]))


def test_a_mapping_of_texts_is_refused_not_labelled_by_its_keys():
    with pytest.raises(TypeError, match="texts is a mapping"):
        stance.predict({"first": "We back the plan."})
    with pytest.raises(TypeError, match="texts is a set, which has no order"):
        stance.predict({"We back the plan.", "We reject it."})


def test_info_shows_what_it_can_of_oddly_shaped_metadata(tmp_path):
    odd = {
        "cross_validation": {
            "folds": [5],
            "random": {"accuracy": "high", "macro_f1": None},
            "grouped_by_target": 3,
        },
        "held_out": "none",
    }
    path = shipped_model_with(".json", metadata_where("training", {"rows": {"n": 1}}))(tmp_path)
    meta = json.loads(path.with_suffix(".json").read_text())
    meta["metrics"] = odd
    meta["streaming"] = {"passes": "many"}
    path.with_suffix(".json").write_text(json.dumps(meta))
    result = run_stance("info", "--model", path)
    assert result.returncode == 0, result.stderr
    assert "random folds       accuracy ?  macro-F1 ?" in result.stdout
    assert "trained on  ? rows" in result.stdout and "many passes" in result.stdout


def test_an_unexpected_error_is_one_line_unless_traceback_is_asked(monkeypatch):
    from stance.cli import ExitStatus, info

    def broken(args):
        raise RuntimeError("something stance did not expect\nsecond line")

    monkeypatch.setattr(info, "main", broken)
    result = run_stance("info")
    assert result.returncode == ExitStatus.FAILURE == 1
    assert result.stderr.splitlines() == [
        "stance: error: unexpected error: RuntimeError: something stance did not expect; "
        "run 'stance --traceback ...' to see where, and report it"
    ]
    with pytest.raises(RuntimeError, match="did not expect"):
        run_stance("--traceback", "info")


def test_exit_statuses_are_named():
    from stance.cli import ExitStatus

    assert [int(s) for s in ExitStatus] == [0, 1, 2, 129, 130, 143]


def test_a_parser_out_of_memory_is_reported_as_memory(tmp_path, monkeypatch):
    # pandas' C parser reports an allocation failure as "Error tokenizing data".
    import pandas

    def out_of_memory(*args, **kwargs):
        raise pandas.errors.ParserError("Error tokenizing data. C error: out of memory")

    monkeypatch.setattr(pandas, "read_csv", out_of_memory)
    path = write("in.csv", CSV_OK)(tmp_path)
    result = run_stance("predict", "-i", path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "stance: error: out of memory; process the input in smaller files (or fewer --jobs)"
    ]


def test_evaluate_reads_labelled_data_from_a_pipe(tiny_corpus):
    # stance evaluate --data <(command) --format csv
    read_end, write_end = os.pipe()
    data = tiny_corpus.to_csv(index=False).encode()

    def feed():
        with os.fdopen(write_end, "wb") as stream:
            stream.write(data)

    import threading

    threading.Thread(target=feed, daemon=True).start()
    try:
        result = run_stance("evaluate", "--data", f"/dev/fd/{read_end}", "--format", "csv", "--json")
    finally:
        os.close(read_end)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["texts"] == len(tiny_corpus)


def endless_fifo(path, block=b"a" * (1 << 16), head=b"", most=None):
    """A FIFO that a thread fills with ``head``, then ``block`` until its reader goes away (a pipe that never ends).

    With ``most``, it ends after that many bytes: a reader that should have
    stopped long before fails instead of filling memory.
    """
    import threading

    os.mkfifo(path)

    def write():
        try:
            with open(path, "wb") as stream:
                stream.write(head)
                written = 0
                while most is None or written < most:
                    stream.write(block)
                    written += len(block)
        except OSError:  # the reader closed it: EPIPE
            pass

    threading.Thread(target=write, daemon=True).start()
    return path


def test_analyze_reads_a_bounded_document_from_an_endless_pipe(monkeypatch, capsys, tmp_path):
    from stance.cli import analyze, main

    monkeypatch.setattr(analyze, "MAX_DOCUMENT_BYTES", 1 << 20)
    assert main(["analyze", str(endless_fifo(tmp_path / "doc.txt", b"We back it.\n" * 1000))]) == 1
    assert "larger than 1 MB" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["text", "csv", "tsv", "jsonl", "semeval"])
@pytest.mark.parametrize("command", ["predict", "evaluate", "suggest"])
def test_a_line_longer_than_the_limit_is_refused(fmt, command, monkeypatch, tmp_path):
    # A line is held whole: one without an end (a 300 MB line, an endless
    # pipe) is refused once it passes the limit, naming the file and the line.
    monkeypatch.setattr(stance._io, "MAX_LINE_BYTES", 1 << 20)
    head = {"semeval": "ID\tTarget\tTweet\tStance\n", "csv": "text,label\n"}.get(fmt, "")
    row = {"jsonl": '{{"text": "{}"}}\n', "semeval": "1\tx\t{}\tNONE\n"}.get(fmt, "{}\n")
    path = tmp_path / "long.txt"
    path.write_text(
        head + row.format("short") + row.format("x" * ((1 << 20) + 1)) + row.format("short again")
    )
    flag = "--data" if command == "evaluate" else "-i"
    result = run_stance(command, flag, path, "--format", fmt)
    assert result.returncode == 1, result.stderr
    line = 3 if head else 2
    assert result.stderr.splitlines() == [
        f"stance: error: line {line} of {path} is longer than 1 MB, the longest line stance reads"
    ]


@pytest.mark.parametrize("fmt", ["text", "csv", "tsv", "jsonl"])
@pytest.mark.parametrize("end", ["\r", "\r\n"])
def test_lines_ended_by_carriage_returns_are_not_one_long_line(fmt, end, monkeypatch, tmp_path):
    # Old Mac files end lines with CR alone, which every reader but SemEval's takes as a line end.
    monkeypatch.setattr(stance._io, "MAX_LINE_BYTES", 1000)
    row = '{"text": "We back it."}' if fmt == "jsonl" else "We back it."
    path = tmp_path / "cr.txt"
    path.write_text(end.join(["text" if fmt in ("csv", "tsv") else row] + [row] * 5000) + end, newline="")
    result = run_stance("predict", "-i", path, "--format", fmt, "--output-format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 5000 + (fmt not in ("csv", "tsv"))


@pytest.mark.parametrize("fmt", ["text", "csv", "jsonl"])
def test_an_endless_line_from_a_fifo_is_refused_in_bounded_memory(fmt, monkeypatch, tmp_path):
    # JSON Lines from a pipe is copied before it is read: the copy stops at the limit too.
    monkeypatch.setattr(stance._io, "MAX_LINE_BYTES", 4 << 20)
    fifo = endless_fifo(tmp_path / "endless")
    result = run_stance("predict", "-i", fifo, "--format", fmt)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"stance: error: line 1 of {fifo} is longer than 4 MB, the longest line stance reads"
    ]


@pytest.mark.parametrize("extra", [0, 1])
def test_a_line_of_exactly_the_limit_is_read(extra, monkeypatch, tmp_path):
    # The limit counts a line's bytes without its end; one byte more is refused.
    # 1,000 bytes: smaller than a block read, so a block holds several lines.
    monkeypatch.setattr(stance._io, "MAX_LINE_BYTES", 1000)
    path = tmp_path / "edge.txt"
    path.write_text("a\n" + "b" * 999 + "\n" + "c" * (1000 + extra) + "\n" + "d\n" * 5000)
    result = run_stance("predict", "-i", path, "--output-format", "jsonl")
    if extra:
        assert result.returncode == 1 and "line 3 of" in result.stderr and "1,000 bytes" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert len(result.stdout.splitlines()) == 5003


def test_standard_input_from_an_endless_device_is_refused():
    # stance predict < /dev/zero: a real process, since standard input is the point.
    from cli_runner import run_process

    with open("/dev/zero", "rb") as zero:
        result = run_process("predict", "--format", "csv", stdin=zero, timeout=60)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "stance: error: cannot read standard input: it is a character device, whose bytes never end; "
        "give a file or a pipe"
    ]


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_an_unclosed_quote_on_an_endless_pipe_is_refused_in_bounded_memory(command, monkeypatch, tmp_path):
    # (printf 'text\n"abc'; yes) | stance predict --format csv: every line is
    # short, but the quoted field never closes, so the CSV row never ends.
    monkeypatch.setattr(stance._io, "MAX_LINE_BYTES", 4 << 20)
    fifo = endless_fifo(
        tmp_path / "endless", b"y\n" * (1 << 15), b'text,label\nfine,aligned\n"abc', most=64 << 20
    )
    flag = "--data" if command == "evaluate" else "-i"
    result = run_stance(command, flag, fifo, "--format", "csv")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"stance: error: the row that starts on line 3 of {fifo} is longer than 4 MB, the longest row stance "
        "reads: a quoted field runs on across lines (a missing closing quotation mark?)"
    ]


def test_quoted_line_ends_within_the_limit_are_read(monkeypatch, tmp_path):
    # Rows of many short lines, each row under the limit: all read, none refused.
    monkeypatch.setattr(stance._io, "MAX_LINE_BYTES", 1000)
    cell = '"' + "We back it.\n" * 70 + '"'
    path = tmp_path / "quoted.csv"
    path.write_text("text,n\n" + "".join(f"{cell},{i}\n" for i in range(300)))
    result = run_stance("predict", "-i", path, "--output-format", "jsonl")
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["n"] for line in result.stdout.splitlines()] == [str(i) for i in range(300)]


@pytest.mark.parametrize("command", ["evaluate", "suggest"])
def test_a_table_is_labelled_as_it_is_read_not_read_whole_first(command, monkeypatch):
    # Standard input that never ends must stream through in bounded memory:
    # a chunk is labelled before the one after next is read (evaluate and
    # suggest read their whole input into one table first).
    from stance._model import StanceModel

    labelled = []
    proba = StanceModel._proba
    monkeypatch.setattr(
        StanceModel, "_proba", lambda self, t, g: labelled.append(len(t)) or proba(self, t, g)
    )
    read = stance._io.read_table

    def guarded(path, fmt=None, chunk_rows=10_000, **options):
        for number, frame in enumerate(read(path, fmt, chunk_rows=100, **options)):
            assert sum(labelled) >= (number - 2) * 100, (
                f"chunk {number} read before chunk {number - 2} was labelled"
            )
            yield frame

    monkeypatch.setattr(stance._io, "read_table", guarded)
    rows = "".join(f"We back plan {i}.,aligned\n" for i in range(3000))
    flag = "--data" if command == "evaluate" else "--input"
    header = "text,label\n" if command == "evaluate" else "text,gold\n"
    result = run_stance(command, flag, "-", "--format", "csv", input=header + rows)
    assert result.returncode == 0, result.stderr
    assert sum(labelled) == 3000


@pytest.mark.parametrize("per_class", ["text", {}, None])
def test_export_of_a_model_with_malformed_metrics_says_so(tmp_path, per_class):
    # export renders the card again from the metadata it copies: malformed
    # metrics were an "unexpected error".
    path = shipped_model_with(".json", metadata_where("training", {"rows": 1}))(tmp_path)
    meta = json.loads(path.with_suffix(".json").read_text())
    meta["metrics"]["cross_validation"]["random"]["per_class"]["aligned"] = per_class
    path.with_suffix(".json").write_text(json.dumps(meta))
    result = run_stance("export", "--model", path, "--output", tmp_path / "copy.skops")
    assert result.returncode == 1
    assert result.stderr.startswith("stance: error: cannot write the card of copy.skops: its metadata is malformed")
    assert "unexpected" not in result.stderr and len(result.stderr.splitlines()) == 1
