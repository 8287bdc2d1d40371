"""Labelling Dask DataFrames, on one machine or on a cluster (the optional ``dask`` extra).

dask and distributed are imported inside the functions of this module, never
when ``stance`` is imported: they are optional (``pip install 'stance[dask]'``)
and take about a second to import.

The model is one node of the task graph (a scattered future when a
distributed client is at hand, else a delayed object), so it travels to the
cluster once and every partition's task refers to it by key. Partitions are
labelled with :meth:`StanceModel.label_frame`, which labels each row on its
own, so the labels are those of the in-memory path whatever the partitioning.
"""

import contextlib
from collections import deque

from ._errors import ClusterError, DataError, MissingDependencyError, UsageError
from ._io import CSV_CELLS, DEFAULT_CHUNK_ROWS, detect_format

__all__ = [
    "INSTALL_HINT",
    "require_dask",
    "label_dask_frame",
    "label_partition",
    "find_input_files",
    "read_dask_frame",
    "check_address",
    "open_client",
    "compute_in_order",
    "first_line",
    "csv_input_names",
    "dask_setup",
]

INSTALL_HINT = "the dask engine needs: pip install 'stance[dask]'"
#: Seconds to wait for a scheduler. Connecting to a live one takes well under
#: a second; distributed's own default (30 s) leaves a mistyped address
#: hanging for half a minute.
CONNECT_TIMEOUT = 5
_FORMATS = ("csv", "parquet")
_GLOB_CHARACTERS = "*?["


def require_dask(cluster=False):
    """Import dask's DataFrame (and distributed, with ``cluster``) or raise a clear error.

    Raises
    ------
    MissingDependencyError
        The ``dask`` extra is not installed.
    """
    try:
        import dask.dataframe  # noqa: F401

        if cluster:
            import distributed  # noqa: F401
    except ImportError as error:
        # A missing dask or distributed needs the extra; any other import
        # failure inside them (a broken install) is worth naming too.
        missing = (error.name or "").split(".")[0] in ("dask", "distributed")
        raise MissingDependencyError(INSTALL_HINT if missing else f"{INSTALL_HINT} ({error})") from None


def label_partition(partition, model, text_column, target_column, target, chunk_rows):
    """Label one pandas partition, ``chunk_rows`` rows at a time.

    A partition can be a whole CSV file; labelling it in slices keeps a
    worker's memory to that of ``chunk_rows`` rows, as on the local path.
    """
    settings = (text_column, target_column, target)
    if len(partition) <= chunk_rows:
        return model.label_frame(partition, *settings)
    import pandas as pd

    return pd.concat(model.label_frames(partition, *settings, chunk_rows=chunk_rows))


def _current_client():
    """The distributed client that ``.compute()`` would use now, or None."""
    try:
        from distributed import Client
    except ImportError:
        return None
    from dask.base import get_scheduler

    # get_scheduler honours dask.config's "scheduler" setting, so a user who
    # asked for threads or processes gets no scattering.
    client = getattr(get_scheduler(), "__self__", None)
    if isinstance(client, Client) and not client.asynchronous:
        return client
    return None


def _model_reference(model, client):
    if client is not None:
        # One copy on one worker; the others fetch it from there the first
        # time they need it (broadcasting from the client would upload it
        # once per worker).
        return client.scatter(model, hash=True)
    import dask

    # pure=True: the key is the model's hash, so the same model labelling
    # several frames is one node of the graph.
    return dask.delayed(model, pure=True)


def label_dask_frame(
    model,
    frame,
    text_column="text",
    target_column=None,
    target=None,
    chunk_rows=DEFAULT_CHUNK_ROWS,
    client=None,
):
    """Return ``frame`` (a Dask DataFrame) labelled lazily, partition by partition.

    See :meth:`StanceModel.label_dask_frame`. ``chunk_rows`` bounds the rows
    labelled at once inside a partition. ``client``: a distributed client to
    scatter the model to now; by default, the client that ``.compute()``
    would use, if any; with none, the model is a delayed object in the graph.

    Examples
    --------
    >>> import dask.dataframe as dd, pandas as pd, stance
    >>> rows = pd.DataFrame({"text": ["We back the plan.", "", "We reject the plan."]})
    >>> frame = dd.from_pandas(rows, npartitions=2)
    >>> labelled = label_dask_frame(stance.load_model(), frame, client=None)
    >>> labelled.compute(scheduler="sync")["stance_flag"].tolist()
    ['', 'blank text', '']
    """
    require_dask()
    import dask.dataframe as dd
    from dask.dataframe.utils import meta_nonempty

    if not isinstance(frame, dd.DataFrame):
        raise TypeError(f"frame must be a dask DataFrame, not {type(frame).__name__}")
    from ._frames import check_count

    check_count("chunk_rows", chunk_rows)
    settings = (text_column, target_column, target, chunk_rows)
    # Labelling a made-up row with the real model gives the output's columns
    # and dtypes exactly (names included when the input already has a
    # stance_label column), and raises UsageError for a missing column now,
    # before any work is sent to the cluster.
    meta = label_partition(meta_nonempty(frame._meta), model, *settings).iloc[:0]
    if client is None:
        client = _current_client()
    return frame.map_partitions(label_partition, _model_reference(model, client), *settings, meta=meta)


def _natural_sorted(paths):
    from dask.utils import natural_sort_key

    # part.2 before part.10, as dask's own writers number their files.
    return sorted(paths, key=natural_sort_key)


def find_input_files(path, fmt=None):
    """Return ``(files, format)`` for a file, a folder or a glob, local or an fsspec URL.

    A folder means the CSV or Parquet files directly in it; files come in
    the natural order of their names (``part.2`` before ``part.10``).

    Raises
    ------
    DataError
        Nothing there, or no file matches the glob.
    UsageError
        A format the dask engine does not read, or a mix of CSV and Parquet.
    MissingDependencyError
        The URL's filesystem package (``s3fs``, ``gcsfs``, ...) is missing.
    """
    require_dask()
    from fsspec.core import url_to_fs

    if fmt is not None and fmt not in _FORMATS:
        raise UsageError(f"the dask engine reads csv or parquet, not {fmt}; use --engine local")
    try:
        fs, root = url_to_fs(str(path))
    except ImportError as error:
        raise MissingDependencyError(f"cannot read {path}: {error}") from None
    except ValueError as error:
        raise UsageError(f"cannot read {path}: {error}") from None
    local = "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,))
    try:
        if any(character in root for character in _GLOB_CHARACTERS):
            candidates = [p for p, info in fs.glob(root, detail=True).items() if info["type"] == "file"]
            if not candidates:
                raise DataError(f"no files match {path}")
            explicit = False
        elif fs.isdir(root):
            # Hidden and underscored files are bookkeeping (_SUCCESS, _metadata, .crc).
            candidates = [
                info["name"]
                for info in fs.ls(root, detail=True)
                if info["type"] == "file"
                and not info["name"].rstrip("/").rsplit("/", 1)[-1].startswith((".", "_"))
            ]
            explicit = False
        elif fs.exists(root):
            candidates, explicit = [root], True
            info = fs.info(root)
            if info["type"] != "file":
                # A device, a FIFO or a socket: Dask reads files by offsets,
                # and /dev/zero would never end.
                raise DataError(_not_a_file(path, info))
        else:
            raise DataError(f"{path} does not exist")
    except OSError as error:
        raise DataError(f"cannot read {path}: {error}") from None
    formats = {}
    for candidate in candidates:
        try:
            found = detect_format(candidate, fmt)
        except UsageError:
            if explicit:
                raise
            continue  # a folder's or a glob's other files (_SUCCESS, README) are not input
        formats.setdefault(found, []).append(candidate)
    if explicit and fmt is None and set(formats) - set(_FORMATS):
        raise UsageError(
            f"the dask engine reads csv or parquet, not {next(iter(formats))}; use --engine local"
        )
    formats = {name: files for name, files in formats.items() if name in _FORMATS}
    if not formats:
        raise DataError(f"no CSV or Parquet files in {path}")
    if len(formats) > 1:
        raise UsageError(f"{path} holds both CSV and Parquet files; pass --format csv or --format parquet")
    [(fmt, files)] = formats.items()
    # Local files keep plain paths (readable error messages); others keep
    # their protocol so that dask opens them with the same filesystem.
    files = _natural_sorted(files)
    return (files if local else [fs.unstrip_protocol(f) for f in files]), fmt


def _not_a_file(path, info):
    import stat

    from ._files import describe_kind, endless_device

    mode = info.get("mode")
    if mode is not None and stat.S_ISCHR(mode):
        return endless_device(path)
    kind = describe_kind(mode) if mode is not None else "special file"
    return f"cannot read {path}: it is a {kind}; the dask engine reads files (use --engine local for a pipe)"


def read_dask_frame(path, fmt=None):
    """Read a file, folder or glob of CSV or Parquet files as a Dask DataFrame.

    Cells come out as on the local path (:func:`stance._io.read_table`): a CSV
    file's cells are strings as they stand in the file, an empty field is
    ``""`` and a blank line is a row. Each CSV file is one partition: a quoted
    field may hold a line break, so a CSV file cannot safely be split at
    byte offsets.

    Returns
    -------
    (dask.dataframe.DataFrame, list of str)
        The frame and the files it reads, in order.
    """
    files, fmt = find_input_files(path, fmt)
    import dask.dataframe as dd

    try:
        if fmt == "csv":
            frame = dd.read_csv(files, blocksize=None, encoding="utf-8-sig", **CSV_CELLS)
            # As on the local path: a blank line's cells are "" too.
            frame = frame.fillna("")
        else:
            from ._io import parquet_type

            # Integer columns with nulls stay integers, and floats keep NaN
            # apart from null, as on the local path.
            frame = dd.read_parquet(files, arrow_to_pandas={"types_mapper": parquet_type})
    except Exception as error:  # parsers raise many types; all mean "bad file"
        if fmt == "parquet":
            _check_parquet_names(files)
        raise DataError(f"cannot read {path} as {fmt}: {first_line(error)}") from None
    return frame, files


def _check_parquet_names(files):
    # Dask cannot read a Parquet file that repeats a column name; say so
    # plainly, as the local engine (which can) says which column it reads.
    import pyarrow.parquet as pq

    for file in files:
        names = pq.read_schema(file).names
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise UsageError(
                f"{file} repeats the column name {repeated[0]!r}, which the dask engine cannot read: "
                "rename it, or label the file with the local engine"
            )


def csv_input_names(files, frame):
    """The column names of CSV ``files`` as they stand in the first, where the reader renamed some, else None.

    dask's reader names columns as pandas' does (a repeated name ``a.1``, a
    blank one ``Unnamed: 3``); the command writes the file's own names, as
    the local engine does (see :func:`stance._io.input_names`).
    """
    import fsspec

    from ._io import input_names, read_head

    try:
        with fsspec.open(files[0], "rb") as stream:
            head = read_head(stream)
    except OSError:
        return None  # the reader reports it
    return input_names(head, list(frame.columns))


def first_line(error):
    """The first line of an exception's message (its type's name when it has none)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def check_address(address):
    """Raise :class:`UsageError` unless ``address`` looks like a scheduler's, e.g. ``tcp://host:8786``."""
    require_dask(cluster=True)
    from distributed.comm.addressing import get_address_host_port

    try:
        get_address_host_port(address)
    except ValueError as error:
        raise UsageError(f"invalid scheduler address {address!r}: {error}") from None


@contextlib.contextmanager
def open_client(address=None, workers=1, quiet=True):
    """Connect to the scheduler at ``address``, or start a local cluster; close both at the end.

    The local cluster listens on 127.0.0.1 only, with ``workers`` worker
    processes of one thread each and no dashboard.

    Raises
    ------
    UsageError
        ``address`` is not a scheduler's address.
    ClusterError
        The scheduler cannot be reached within :data:`CONNECT_TIMEOUT`
        seconds, has no workers, or the local cluster does not start.
    """
    require_dask(cluster=True)
    import logging

    from distributed import Client, LocalCluster

    # A task's failure is reported by the command in one line; the workers'
    # own log of it would be a traceback on stderr.
    level = logging.CRITICAL if quiet else logging.INFO
    if quiet:
        # distributed logs connection retries and shutdown chatter on stderr;
        # the command reports failures itself, in one line.
        logging.getLogger("distributed").setLevel(logging.CRITICAL)
    with contextlib.ExitStack() as stack:
        try:
            if address is None:
                cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address=None,
                    # The scheduler serves a few HTTP routes even with no
                    # dashboard, on port 8787 by default (with a warning if
                    # that is taken): any free port on loopback will do.
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=level,
                    # Each worker runs dask_setup below as it starts.
                    preload=[__name__],
                )
                stack.callback(cluster.close)
                client = Client(cluster, set_as_default=False)
            else:
                check_address(address)
                client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError) as error:
            where = f"the Dask scheduler at {address}" if address else "a local Dask cluster"
            verb = "connect to" if address else "start"
            raise ClusterError(f"cannot {verb} {where}: {first_line(error)}") from None
        stack.callback(client.close)
        try:
            # Work sent to a scheduler with no workers would wait for ever.
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except TimeoutError:
            raise ClusterError(
                f"the Dask scheduler at {address} has no workers (waited {CONNECT_TIMEOUT} s)"
            ) from None
        yield client


def dask_setup(worker):
    """Set up a worker of the command's local cluster as it starts (a preload of distributed's).

    A Ctrl-C in a terminal reaches every process of the group: the command
    handles it (it stops the cluster and says so in one line), and a worker
    ignores it, where it printed KeyboardInterrupt's traceback (60 lines).
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def compute_in_order(client, frame, in_flight=None):
    """Yield the partitions of ``frame`` as pandas DataFrames, in order.

    At most ``in_flight`` partitions (default: twice the cluster's threads)
    are computed or held at a time, so output can be written as it comes
    while the cluster stays busy and memory stays bounded.
    """
    if in_flight is None:
        in_flight = max(2, 2 * sum(client.nthreads().values()))
    pending = deque()
    try:
        for part in frame.to_delayed():
            pending.append(client.compute(part))
            if len(pending) >= in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        # On an error or an interrupt, do not leave work nobody will read.
        for future in pending:
            future.cancel()
