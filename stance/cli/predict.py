"""Label sentences given as arguments, in a file, or on standard input.

Writes every input row, in order, with the columns stance_label,
stance_p_aligned, stance_p_neutral, stance_p_opposed (to 6 decimals) and
stance_flag added (blank rows are labelled neutral and flagged; rows with no
text are flagged and left unlabelled). Input columns are never overwritten.

With ``--engine dask`` the rows are labelled on a Dask cluster (``--scheduler``,
or a local one) from a file, folder or glob of CSV or Parquet files, and
written by the same writer, in the same order: the output is the local
engine's, byte for byte.
"""

import itertools
import sys

from .._errors import DataError, StanceError, UsageError
from .._io import check_unrepeated, check_writable, detect_format, read_table, require_columns, write_table
from .._parallel import available_cores
from ._common import (
    ProfileUse,
    add_data_arguments,
    add_model_argument,
    add_safe_csv_argument,
    keep_freed_memory,
    load_model_and_profiles,
    load_model_argument,
    note,
    progress_bar,
)

#: Decimals of the probabilities written.
PROBABILITY_DECIMALS = 6


def format_parser(parser):
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="sentences to label")
    parser.add_argument(
        "-i",
        "--input",
        metavar="FILE",
        help="a CSV, TSV, JSONL, Parquet or text file (one sentence per line); - for standard input",
    )
    parser.add_argument(
        "-o", "--output", default="-", metavar="FILE", help="where to write (default: standard output)"
    )
    parser.add_argument(
        "--output-format",
        choices=("csv", "jsonl"),
        help="output format (default: from the output extension, else csv)",
    )
    parser.add_argument("-t", "--target", metavar="TARGET", help="the target of every sentence")
    parser.add_argument(
        "--chunk-rows",
        type=int,
        default=10_000,
        metavar="N",
        help="rows read, labelled and written at a time; memory grows with N, not with the file (default: 10000)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help="label in N processes (default: 1); output order is kept; with --engine dask and no "
        "--scheduler, the number of local workers",
    )
    parser.add_argument(
        "--engine",
        choices=("local", "dask"),
        default="local",
        help="local: this machine (default); dask: a Dask cluster, which also reads a folder or a glob "
        "of CSV or Parquet files, or an fsspec URL, as --input (needs pip install 'stance[dask]')",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: the scheduler to use, e.g. tcp://host:8786 (default: start a local "
        "cluster of --jobs workers, closed at the end)",
    )
    add_safe_csv_argument(parser)
    add_data_arguments(parser, labels=False)
    add_model_argument(parser)


def _frames(args):
    import pandas as pd

    if args.texts:
        yield pd.DataFrame({"text": args.texts})
        return
    # An empty input is no rows, as for any filter (plain text still names its column).
    yield from read_table(args.input or "-", args.format, chunk_rows=args.chunk_rows, empty=True)


def _target_column(args, frame):
    # A column named with --target-column must exist; the default "target"
    # column is used when the input has one and no --target was given.
    if args.target_column != "target":
        return args.target_column
    if "target" in frame.columns and args.target:
        note(f"--target {args.target!r} is every row's target; the input's 'target' column is not read")
    return "target" if "target" in frame.columns and not args.target else None


def _check_engine(args):
    if args.engine != "dask":
        if args.scheduler:
            raise UsageError("--scheduler needs --engine dask")
        return
    if args.texts:
        # Often an unquoted glob that the shell expanded into many arguments.
        raise UsageError(
            "--engine dask labels files, not sentences given as arguments "
            "(quote a glob so that the shell leaves it alone: --input 'data/*.csv')"
        )
    if not args.input or args.input == "-":
        raise UsageError("--engine dask reads --input: a CSV or Parquet file, a folder or a glob of them")
    if args.scheduler:
        from .._dask import check_address

        check_address(args.scheduler)


def _read_for_dask(args):
    """Return the input as a Dask DataFrame, its target column, checked, and its names as they stand in it."""
    from .._dask import csv_input_names, read_dask_frame

    frame, files = read_dask_frame(args.input, args.format)
    column = _target_column(args, frame)
    names = csv_input_names(files, frame) if detect_format(files[0], args.format) == "csv" else None
    check_unrepeated(names or frame.columns, args.text_column, column)
    require_columns(frame, args.text_column, column)
    return frame, column, names


def _labelled_by_dask(args, model, frame, column, names, bar):
    """Yield the labelled partitions in order, computed on a Dask cluster."""
    from .. import _dask
    from .._io import INPUT_NAMES

    with _dask.open_client(args.scheduler, workers=args.jobs, quiet=not args.verbose) as client:
        labelled = _dask.label_dask_frame(
            model, frame, args.text_column, column, args.target, chunk_rows=args.chunk_rows, client=client
        )
        try:
            for part in _dask.compute_in_order(client, labelled):
                bar.update(len(part))
                if names:  # written with the file's own column names, as by the local engine
                    part.attrs[INPUT_NAMES] = names
                yield part
        except StanceError:
            raise
        except Exception as error:  # a bad file or a lost worker, raised on the cluster
            raise DataError(
                f"cannot label {args.input} on the Dask cluster: {_dask.first_line(error)}"
            ) from None


def main(args):
    _check_engine(args)
    if args.texts and args.input:
        raise UsageError("give sentences as arguments or --input FILE, not both")
    if args.chunk_rows < 1:
        raise UsageError("--chunk-rows must be at least 1")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    cores = available_cores()
    if args.jobs > cores and not args.scheduler:
        note(f"warning: --jobs {args.jobs} is more than the {cores} cores here; using {cores}")
        args.jobs = cores
    if args.target and args.target_column != "target":
        raise UsageError("give --target or --target-column, not both")
    if not args.texts and not args.input and sys.stdin is not None and sys.stdin.isatty():
        raise UsageError("nothing to label: give sentences, --input FILE, or pipe text to standard input")
    output_format = args.output_format or detect_format(args.output, default="csv")
    if output_format not in ("csv", "jsonl"):
        raise UsageError(f"cannot write {output_format}; use --output-format csv or jsonl")
    if args.safe_csv and output_format != "csv":
        raise UsageError("--safe-csv applies to CSV output only")
    if args.output != "-":
        check_writable(args.output)  # before the model is loaded: mistakes fail fast
    keep_freed_memory()
    if args.engine == "dask":
        # Files, columns and the output are checked before the model is
        # loaded and a cluster is started or contacted: mistakes fail fast.
        frame, column, names = _read_for_dask(args)
        model = load_model_argument(args)

        def labelled(bar):
            return _labelled_by_dask(args, model, frame, column, names, bar)

    else:
        model, profiles = load_model_and_profiles(args)

        def labelled(bar):
            return _labelled_locally(args, model, bar, ProfileUse(model, profiles, args.targets, args.verbose))

    bar = progress_bar(description="labelling")
    if args.output == "-" and not args.output_format and sys.stdout.isatty():  # a table for people
        from ._table import print_labelled_table

        with bar:
            print_labelled_table(labelled(bar), model.labels, args.text_column)
        return 0
    try:
        write_table(
            _rounded(labelled(bar), len(model.labels), output_format),
            args.output,
            output_format,
            safe_csv=args.safe_csv,
        )
    finally:
        bar.close()
    return 0


def _labelled_locally(args, model, bar, profile_use):
    frames = _frames(args)
    first = next(frames, None)
    if first is None:
        return
    from ._options import apply_remembered_options  # the text column the model was trained with

    apply_remembered_options(args, model.metadata, columns=("text_column",), frame=first)
    column = _target_column(args, first)
    require_columns(first, args.text_column, column)  # fail before any work
    chunks = itertools.chain([first], frames)
    for frame in model.label_frames(chunks, args.text_column, column, args.target, jobs=args.jobs):
        bar.update(len(frame))
        profile_use.see(frame[column] if column else [args.target])
        yield frame
    profile_use.report()


def _rounded(frames, n_labels, output_format=None):
    # Probabilities are written with 6 decimals: more than any use needs,
    # and a third faster to write than all 17 digits. They are the columns
    # just before the last (stance_flag), whatever suffix their names got.
    import numpy as np

    from ._table import decimal_texts

    for frame in frames:
        for column in frame.columns[-1 - n_labels : -1]:
            # numpy.round, as DataFrame.round rounds, on the column's array.
            rounded = np.round(frame[column].to_numpy(dtype=float), PROBABILITY_DECIMALS)
            if output_format == "csv":  # 0.000043, not 4.3e-05 (as analyze writes them)
                rounded = decimal_texts(rounded, PROBABILITY_DECIMALS)
            frame[column] = rounded
        yield frame
