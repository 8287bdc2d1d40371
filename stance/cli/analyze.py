"""Label a document sentence by sentence and summarise its stance.

Splits the document into sentences (paragraphs, numbered paragraphs and list
items apart; no split after titles such as H.E. or Dr., inside brackets
such as (see A/68/PV.80) or inside short quotations), tells the author's own
sentences from reported speech (other delegations' views, quoted speakers,
the speakers of a meeting record), and labels each one. Prints one row per
sentence, the full sentence wrapped to the terminal (or --width), then the
summary: the author's stance, from their own sentences, and separately the
stance of the speakers the document reports. With --output-format csv or
jsonl, writes the sentences with the columns sentence, start, end, voice,
speaker, text, stance_label, stance_p_aligned, stance_p_neutral and
stance_p_opposed (to 6 decimals, as 'stance predict' writes them); the
summary goes to standard error.
"""

import sys

from .._errors import DataError, UsageError
from ._common import add_model_argument, add_safe_csv_argument, load_model_argument, note


def format_parser(parser):
    parser.add_argument("document", metavar="FILE", help="a UTF-8 text file; - for standard input")
    parser.add_argument("-t", "--target", metavar="TARGET", help="what the stance is toward")
    parser.add_argument(
        "--output-format",
        choices=("table", "csv", "jsonl"),
        default="table",
        help="table (default: for reading), or csv / jsonl of the sentences (summary on stderr)",
    )
    parser.add_argument(
        "-o",
        "--output",
        default="-",
        metavar="FILE",
        help="with --output-format csv or jsonl: where to write (default: standard output)",
    )
    parser.add_argument(
        "--width", type=int, metavar="N", help="the table's width in characters (default: the terminal's)"
    )
    add_safe_csv_argument(parser)
    add_model_argument(parser)


#: The largest document analyze reads (a document is labelled in memory, sentence by sentence).
MAX_DOCUMENT_BYTES = 256 << 20


def _read_bounded(stream, name):
    from .._files import endless_device, is_endless_device

    try:
        fd = stream.fileno()
    except (OSError, AttributeError, ValueError):
        fd = None
    if fd is not None and is_endless_device(fd):
        raise DataError(endless_device(name))
    return stream.read(MAX_DOCUMENT_BYTES + 1)


def _read_document(path):
    # Read at most MAX_DOCUMENT_BYTES + 1 bytes, from standard input, a file
    # or a pipe alike: an endless pipe is refused after that much, not read
    # until memory runs out; an endless device (/dev/zero) at once.
    from pathlib import Path

    if path == "-":
        if sys.stdin is None:
            raise DataError("standard input is closed")
        name = "standard input"
        data = _read_bounded(sys.stdin.buffer, name)
    else:
        file, name = Path(path), path
        if file.is_dir():
            raise DataError(f"{path} is a folder, not a file")
        try:
            with open(file, "rb") as stream:
                data = _read_bounded(stream, name)
        except FileNotFoundError:
            raise DataError(f"{path} does not exist") from None
        except OSError as error:
            raise DataError(f"cannot read {path}: {error.strerror}") from None
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DataError(
            f"{name} is larger than {MAX_DOCUMENT_BYTES >> 20} MB; split it, or label its sentences with "
            "'stance predict', which reads any size"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataError(f"{name} is not valid UTF-8 on line {line}; convert it to UTF-8 first") from None


def analyze_document(model, document, target=None):
    """Return ``(table, summary)``: the sentences with their voice and stance columns, and the summary.

    The table's columns: ``sentence``, ``start``, ``end``, ``voice``
    (``author`` or ``reported``), ``speaker`` (a meeting record's speaker
    label, else empty), ``text``, ``stance_label`` and ``stance_p_<label>``.
    """
    table = model.analyze(document, target)
    summary = table.attrs["summary"]
    table = table.rename(
        columns={"label": "stance_label", **{label: f"stance_p_{label}" for label in model.labels}}
    )
    return table, summary


def _counts(part):
    return ", ".join(f"{label} {n}" for label, n in part["counts"].items())


def _sentences(n):
    return f"{n} sentence" if n == 1 else f"{n} sentences"


def summary_lines(summary):
    """The summary for people: all sentences, the author's stance, the reported speakers'."""
    author, reported = summary["author"], summary["reported"]
    lines = [f"sentences: {summary['sentences']} ({_counts(summary)})"]
    if author["sentences"]:
        lines.append(
            f"author's stance: {author['stance']} ({_sentences(author['sentences'])}: {_counts(author)})"
        )
    else:
        lines.append("author's stance: none (no sentence in the author's own voice)")
    if reported["sentences"]:
        lines.append(
            f"reported speakers' stance: {reported['stance']} ({_sentences(reported['sentences'])}: "
            f"{_counts(reported)})"
        )
    else:
        lines.append("reported speakers' stance: none (no reported speech)")
    if author["sentences"]:
        lines.append(f"overall stance: {summary['stance']} (the author's)")
    elif not summary["sentences"]:
        lines.append(f"overall stance: {summary['stance']} (no sentences)")
    else:  # a report of others' words: the author takes no side of their own
        lines.append(f"overall stance: {summary['stance']} (the author only reports others' words)")
    return lines


def main(args):
    from ._table import PROBABILITY_DECIMALS, fixed_decimals, format_labelled

    if args.width is not None and args.width < 40:
        raise UsageError(f"--width must be at least 40, not {args.width}")
    if args.output != "-" and args.output_format == "table":
        raise UsageError("--output needs --output-format csv or jsonl")
    document = _read_document(args.document)
    model = load_model_argument(args)
    table, summary = analyze_document(model, document, args.target)
    if args.verbose:
        note(
            f"{len(table)} sentences in {len(document)} characters; "
            f"{summary['author']['sentences']} in the author's voice, {summary['reported']['sentences']} reported"
        )
    if args.output_format == "table":
        print(format_labelled(table, model.labels, width=args.width, extra=("voice",)))
        print()
        print("\n".join(summary_lines(summary)))
    else:
        from .._io import write_table

        columns = [f"stance_p_{label}" for label in model.labels]
        if args.output_format == "csv":
            fixed_decimals(table, columns)
        else:
            table[columns] = table[columns].round(PROBABILITY_DECIMALS)
        write_table([table], args.output, args.output_format, safe_csv=args.safe_csv)
        note("; ".join(summary_lines(summary)))
    return 0
