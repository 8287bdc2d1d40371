"""The Dask engine: the same labels as the in-memory path, on a cluster on loopback.

One LocalCluster (two worker processes, one thread each, 127.0.0.1 only) is
shared by the whole module; the command-line tests point the command (run
in this process) at it with --scheduler, except the one that lets the
installed command start its own cluster in a new process.
"""

import json
import pickle
import socket
import subprocess
import sys
import time

import pytest

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")

import cloudpickle  # noqa: E402  (installed with distributed)
import pandas as pd  # noqa: E402
from cli_runner import run_cli  # noqa: E402
from conftest import run_stance  # noqa: E402

import stance  # noqa: E402
from stance._dask import INSTALL_HINT, label_partition  # noqa: E402
from stance._errors import MissingDependencyError  # noqa: E402

STANCE_COLUMNS = ["stance_label", "stance_p_aligned", "stance_p_neutral", "stance_p_opposed", "stance_flag"]

# Rows whose reading or flags differ if a CSV is parsed carelessly: "NA" and
# "null" are texts, not missing values; a quoted line break stays inside its
# row; "0012" stays a string; a blank text is labelled neutral and flagged.
AWKWARD_ROWS = [
    ("NA", "the treaty", "0012"),
    ("null", "", "1.50"),
    ("", "the tax", ""),
    ("   ", "the treaty", "x"),
    ('We "strongly" support the treaty,\nand we will ratify it.', "the treaty", "7"),
    ("Nous rejetons le traité — ¡nunca! 条約に反対", "the treaty", "8"),
]


@pytest.fixture(scope="module")
def cluster():
    # scheduler_kwargs: the scheduler's few HTTP routes on any free loopback
    # port, not on 8787, which the command's own cluster would then find taken.
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        processes=True,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def client(cluster):
    # Not the default client: the tests say which scheduler each computation uses.
    with distributed.Client(cluster, set_as_default=False) as client:
        yield client


@pytest.fixture(scope="module")
def tiny_model(tiny_model_path):
    return stance.load_model(tiny_model_path)


@pytest.fixture(scope="module")
def rows(tiny_corpus):
    awkward = pd.DataFrame(AWKWARD_ROWS, columns=["text", "target", "code"])
    corpus = tiny_corpus[["text", "target"]].assign(code=[str(i) for i in range(len(tiny_corpus))])
    return pd.concat([corpus, awkward], ignore_index=True)


def _csv_parts(folder, rows, cuts):
    """Write ``rows`` as CSV files cut at ``cuts``; return the files and one file of all of them.

    Parts are named part-1, part-2, part-10 so that only a natural sort of
    the names gives the rows in order. The second part has a blank line
    after its header: a row whose cells are all empty.
    """
    names = ["part-1.csv", "part-2.csv", "part-10.csv"]
    bounds = [0, *cuts, len(rows)]
    texts = [
        rows.iloc[start:end].to_csv(index=False, lineterminator="\n")
        for start, end in zip(bounds, bounds[1:])
    ]
    header, _, body = texts[1].partition("\n")
    texts[1] = f"{header}\n\n{body}"
    for name, text in zip(names, texts):
        (folder / name).write_text(text, encoding="utf-8")
    whole = folder.parent / f"{folder.name}-all.csv"
    whole.write_text(texts[0] + "".join(text.partition("\n")[2] for text in texts[1:]), encoding="utf-8")
    return [folder / name for name in names], whole


def _run_ok(*args, run=run_cli):
    result = run(*args)
    assert result.returncode == 0, result.stderr
    return result


def _run_on_cluster(cluster, source, output, *extra):
    """``stance predict`` of ``source`` into ``output`` with ``--engine dask`` on ``cluster``."""
    return _run_ok(
        "predict", "--input", str(source), "--engine", "dask", "--scheduler", cluster.scheduler_address,
        "--output", str(output), *extra,
    )


def _one_line_error(result, status, pattern):
    assert result.returncode == status, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert pattern in lines[0], lines[0]


# -- the library --------------------------------------------------------------------------------


def test_label_dask_frame_equals_label_frame_with_target_column(tiny_model, rows, client):
    frame = dd.from_pandas(rows, npartitions=4)
    assert frame.npartitions == 4
    labelled = tiny_model.label_dask_frame(frame, "text", "target")
    assert list(labelled.columns) == [*rows.columns, *STANCE_COLUMNS]
    result = client.compute(labelled).result()
    # The same rows as the partitions hold them (dask stores text as its own
    # string type), labelled in memory in one go.
    pd.testing.assert_frame_equal(result, tiny_model.label_frame(frame.compute(), "text", "target"))
    # And the stance columns are those of the original pandas frame.
    expected = tiny_model.label_frame(rows, "text", "target")
    pd.testing.assert_frame_equal(result[STANCE_COLUMNS], expected[STANCE_COLUMNS])
    assert set(result["stance_label"].dropna()) == {"aligned", "neutral", "opposed"}
    assert result["stance_flag"].tolist()[-6:] == ["", "", "blank text", "blank text", "", ""]


def test_label_dask_frame_with_one_target_on_the_current_client(rows, client):
    model = stance.load_model()
    frame = dd.from_pandas(rows, npartitions=3)
    with client.as_current():
        labelled = model.label_dask_frame(frame, target="the treaty")
        # With a client in use the model is scattered to a worker now, so
        # the graph itself carries no copy of it.
        graph = dict(labelled.__dask_graph__())
        assert max(len(cloudpickle.dumps(task)) for task in graph.values()) < 1_000_000
        result = labelled.compute()
    expected = model.label_frame(rows, target="the treaty")
    pd.testing.assert_frame_equal(result[STANCE_COLUMNS], expected[STANCE_COLUMNS])


def test_the_model_is_one_node_of_the_graph(tiny_model, rows):
    frame = dd.from_pandas(rows, npartitions=5)
    size = len(pickle.dumps(tiny_model))

    def carrying_the_model(collection):
        graph = dict(collection.__dask_graph__())
        return sum(len(cloudpickle.dumps(task)) > size / 2 for task in graph.values())

    labelled = tiny_model.label_dask_frame(frame, "text", "target")
    assert carrying_the_model(labelled) == 1
    # The measure tells: the model passed as a plain argument is copied
    # into every partition's task.
    naive = frame.map_partitions(label_partition, tiny_model, "text", "target", None, 10_000)
    assert carrying_the_model(naive) == 5
    # No client is current here: the delayed model computes anywhere.
    result = labelled.compute(scheduler="sync")
    pd.testing.assert_frame_equal(result, tiny_model.label_frame(frame.compute(), "text", "target"))


def test_partitions_are_labelled_in_slices_with_the_same_result(tiny_model, rows):
    whole = label_partition(rows, tiny_model, "text", "target", None, chunk_rows=len(rows))
    sliced = label_partition(rows, tiny_model, "text", "target", None, chunk_rows=4)
    pd.testing.assert_frame_equal(sliced, whole)


def test_a_missing_column_fails_before_any_work(tiny_model, rows):
    with pytest.raises(stance.StanceError, match="no column 'sentence'"):
        tiny_model.label_dask_frame(dd.from_pandas(rows, npartitions=2), "sentence")


def test_without_dask_the_error_says_what_to_install(tiny_model, rows, monkeypatch):
    frame = dd.from_pandas(rows, npartitions=2)
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(MissingDependencyError) as caught:
        tiny_model.label_dask_frame(frame)
    assert str(caught.value) == INSTALL_HINT == "the dask engine needs: pip install 'stance[dask]'"
    assert isinstance(caught.value, stance.StanceError) and isinstance(caught.value, ImportError)


def test_import_stance_does_not_import_dask():
    code = (
        "import sys, stance, stance.cli; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


# -- the command line ---------------------------------------------------------------------------


def test_cli_glob_of_csv_files_matches_the_local_engine(tmp_path, rows, tiny_model_path, cluster):
    folder = tmp_path / "csv"
    folder.mkdir()
    parts, whole = _csv_parts(folder, rows, cuts=[10, 19])
    model = ["--model", str(tiny_model_path)]
    local, remote = tmp_path / "local.csv", tmp_path / "dask.csv"
    _run_ok("predict", "--input", str(whole), "--output", str(local), *model)
    _run_on_cluster(cluster, folder / "part-*.csv", remote, "--chunk-rows", "4", *model)
    assert remote.read_bytes() == local.read_bytes()
    table = pd.read_csv(local, dtype=str, keep_default_na=False)
    assert len(table) == len(rows) + 1  # the blank line is a row
    assert table["code"].tolist()[-6:] == ["0012", "1.50", "", "x", "7", "8"]
    assert table["stance_label"].tolist()[-6] != ""  # "NA" is a text, labelled


def test_cli_folder_of_parquet_files_matches_the_local_engine(tmp_path, rows, tiny_model_path, cluster):
    folder = tmp_path / "parquet"
    folder.mkdir()
    table = rows.assign(number=range(len(rows)))
    table.loc[3, "text"] = None  # missing text: kept, flagged, not labelled
    for index, (start, end) in enumerate([(0, 8), (8, 20), (20, len(table))]):
        table.iloc[start:end].to_parquet(folder / f"part.{index}.parquet", index=False)
    (folder / "_SUCCESS").write_text("")  # bookkeeping, not input
    whole = tmp_path / "all.parquet"
    table.to_parquet(whole, index=False)
    model = ["--model", str(tiny_model_path)]
    local, remote = tmp_path / "local.jsonl", tmp_path / "dask.jsonl"
    _run_ok("predict", "--input", str(whole), "--output", str(local), *model)
    _run_on_cluster(cluster, folder, remote, *model)
    assert remote.read_bytes() == local.read_bytes()
    records = [json.loads(line) for line in local.read_text(encoding="utf-8").splitlines()]
    assert len(records) == len(table)
    assert records[3]["stance_flag"] == "missing text" and records[3]["stance_label"] is None


@pytest.mark.parametrize("names, repeated", [(["text", "text"], "text"), (["text", "a", "a"], "a")])
def test_a_parquet_file_that_repeats_a_column_name_is_refused_naming_it(tmp_path, names, repeated):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "dup.parquet"
    pq.write_table(pa.table([pa.array(["We back it."])] * len(names), names=names), path)
    result = run_cli("predict", "-i", str(path), "--engine", "dask")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"repeats the column name {repeated!r}, which the dask engine cannot read" in result.stderr


def test_cli_starts_its_own_local_cluster(tmp_path, rows, tiny_model_path):
    folder = tmp_path / "csv"
    folder.mkdir()
    parts, whole = _csv_parts(folder, rows, cuts=[5, 20])
    model = ["--model", str(tiny_model_path)]
    # Both in new processes: the outputs are compared as the same reader decodes them.
    local = _run_ok("predict", "--input", str(whole), *model, run=run_stance)
    remote = _run_ok("predict", "--input", str(folder), "--engine", "dask", *model, run=run_stance)
    assert remote.stdout == local.stdout
    assert "warning" not in remote.stderr and "Traceback" not in remote.stderr, remote.stderr
    assert len(remote.stdout.splitlines()) > len(rows)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_cli_unreachable_scheduler_fails_quickly_in_one_line(tiny_csv, tiny_model_path):
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    started = time.monotonic()
    args = ["--input", str(tiny_csv), "--engine", "dask", "--scheduler", address]
    result = run_cli("predict", *args, "--model", str(tiny_model_path))
    _one_line_error(result, 1, f"cannot connect to the Dask scheduler at {address}")
    assert time.monotonic() - started < 30


def test_a_scheduler_with_no_workers_is_an_error(monkeypatch):
    from stance._dask import open_client
    from stance._errors import ClusterError

    monkeypatch.setattr("stance._dask.CONNECT_TIMEOUT", 1)
    with distributed.LocalCluster(
        n_workers=0,
        host="127.0.0.1",
        dashboard_address=None,
        processes=True,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as empty:
        # Work sent there would wait for ever; the command says why instead.
        with pytest.raises(ClusterError, match="has no workers"):
            with open_client(empty.scheduler_address, quiet=False):
                pass


@pytest.mark.parametrize(
    "args, status, pattern",
    [
        (["--scheduler", "tcp://127.0.0.1:8786"], 2, "--scheduler needs --engine dask"),
        (["--engine", "dask", "--scheduler", "nonsense"], 2, "invalid scheduler address 'nonsense'"),
        (["--engine", "dask", "--text-column", "sentence"], 2, "no column 'sentence'"),
        (["--engine", "dask", "--format", "jsonl"], 2, "the dask engine reads csv or parquet"),
    ],
)
def test_cli_usage_errors(tiny_csv, args, status, pattern):
    _one_line_error(run_cli("predict", "--input", str(tiny_csv), *args), status, pattern)


def test_cli_sentences_as_arguments_are_a_usage_error():
    _one_line_error(run_cli("predict", "We back it.", "--engine", "dask"), 2, "labels files")


def test_cli_glob_matching_nothing_fails(tmp_path):
    pattern = str(tmp_path / "nothing-*.csv")
    _one_line_error(
        run_cli("predict", "--input", pattern, "--engine", "dask"), 1, f"no files match {pattern}"
    )


@pytest.mark.parametrize("kind", ["device", "fifo"])
def test_cli_special_files_are_refused_before_reading(tmp_path, kind):
    # Dask reads files by offsets: /dev/zero was read without end, and a FIFO waited for ever.
    import os

    path = tmp_path / "in.csv"
    if kind == "device":
        path.symlink_to("/dev/zero")
        pattern = "it is a character device, whose bytes never end"
    else:
        os.mkfifo(path)
        pattern = "it is a FIFO (named pipe); the dask engine reads files"
    _one_line_error(run_stance("predict", "--input", str(path), "--engine", "dask"), 1, pattern)


def many_types(path):
    """A Parquet file with a column of each kind of value a user's file may hold, nulls included."""
    import datetime
    import decimal

    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    columns = {
        "text": pa.array(["We back it.", "No.", "Maybe."]),
        "decimal": pa.array([decimal.Decimal("1.10"), None, decimal.Decimal("-0.005")], pa.decimal128(6, 3)),
        "float32": pa.array([0.1, None, 2.5], pa.float32()),
        "uint64": pa.array([2**64 - 1, None, 0], pa.uint64()),
        "date": pa.array([datetime.date(2020, 1, 2), None, datetime.date(1999, 12, 31)]),
        "time": pa.array([datetime.time(12, 30), None, datetime.time(0, 0, 1)]),
        "nano_time": pa.array([1, None, 45_296_123_456_789], pa.time64("ns")),
        "utc": pa.array([datetime.datetime(2020, 1, 1, 12), None, None], pa.timestamp("ms", tz="UTC")),
        "duration": pa.array([datetime.timedelta(seconds=5), None, None], pa.duration("s")),
        "bytes": pa.array([b"ab", None, b"\xff\x00"]),
        "bool": pa.array([True, None, False]),
        "large_string": pa.array(["a", None, "c"], pa.large_string()),
        "category": pa.array(["x", None, "y"]).dictionary_encode(),
        "list": pa.array([[1, None], None, []]),
        "struct": pa.array([{"a": 1.5, "b": "x"}, None, {"a": None, "b": "y"}]),
    }
    pq.write_table(pa.table(columns), path)
    return path


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_every_kind_of_column_is_written_as_the_local_engine_writes_it(
    tmp_path, tiny_model_path, cluster, fmt
):
    # dask reads a Parquet decimal as an Arrow decimal where the local path
    # has Python decimals, and the writer took any Arrow value that was not
    # a number for a nested one: CSV got "\"1.100\"" instead of 1.100.
    source = many_types(tmp_path / "types.parquet")
    model = ["--model", str(tiny_model_path)]
    local, remote = tmp_path / f"local.{fmt}", tmp_path / f"dask.{fmt}"
    _run_ok("predict", "--input", str(source), "--output", str(local), *model)
    _run_on_cluster(cluster, source, remote, *model)
    assert remote.read_text() == local.read_text()
    if fmt == "csv":
        assert (
            local.read_text()
            .splitlines()[1]
            .startswith("We back it.,1.100,0.1,18446744073709551615,2020-01-02,")
        )
