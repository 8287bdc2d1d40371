"""Label sentences given as arguments, in a file, or on standard input.

Writes every input row, in order, with the columns stance_label,
stance_p_aligned, stance_p_neutral, stance_p_opposed and stance_flag added
(blank rows are labelled neutral and flagged; rows with no text are flagged
and left unlabelled). Input columns are never overwritten.
"""

import itertools
import sys

from .._errors import UsageError
from .._io import detect_format, read_table, require_columns, write_table
from ._common import add_data_arguments, add_model_argument, load_model_argument, progress_bar


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
        help="label in N processes (default: 1); output order is kept",
    )
    add_data_arguments(parser, labels=False)
    add_model_argument(parser)


def _frames(args):
    import pandas as pd

    if args.texts:
        yield pd.DataFrame({"text": args.texts})
        return
    yield from read_table(args.input or "-", args.format, chunk_rows=args.chunk_rows)


def _target_column(args, frame):
    # A column named with --target-column must exist; the default "target"
    # column is used when the input has one and no --target was given.
    if args.target_column != "target":
        return args.target_column
    return "target" if "target" in frame.columns and not args.target else None


def main(args):
    if args.texts and args.input:
        raise UsageError("give sentences as arguments or --input FILE, not both")
    if args.chunk_rows < 1:
        raise UsageError("--chunk-rows must be at least 1")
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if args.target and args.target_column != "target":
        raise UsageError("give --target or --target-column, not both")
    if not args.texts and not args.input and sys.stdin.isatty():
        raise UsageError("nothing to label: give sentences, --input FILE, or pipe text to standard input")
    output_format = args.output_format or detect_format(args.output, default="csv")
    if output_format not in ("csv", "jsonl"):
        raise UsageError(f"cannot write {output_format}; use --output-format csv or jsonl")
    model = load_model_argument(args)
    bar = progress_bar(description="labelling")

    def labelled():
        frames = _frames(args)
        first = next(frames, None)
        if first is None:
            return
        column = _target_column(args, first)
        require_columns(first, args.text_column, column)  # fail before any work
        chunks = itertools.chain([first], frames)
        for frame in model.label_frames(chunks, args.text_column, column, args.target, jobs=args.jobs):
            bar.update(len(frame))
            yield frame

    try:
        write_table(labelled(), args.output, output_format)
    finally:
        bar.close()
    return 0
