"""Label a document sentence by sentence and summarise its stance.

Prints one row per sentence (character offsets, label, probabilities), then
the document summary: sentences per label and the overall stance (the side
with more sentences; mixed when both sides have as many; neutral when no
sentence takes a side).
"""

import sys

from .._errors import DataError
from ._common import add_model_argument, load_model_argument


def format_parser(parser):
    parser.add_argument("document", metavar="FILE", help="a UTF-8 text file; - for standard input")
    parser.add_argument("-t", "--target", metavar="TARGET", help="what the stance is toward")
    parser.add_argument(
        "--output-format",
        choices=("table", "csv", "jsonl"),
        default="table",
        help="table (default: for reading), or csv / jsonl of the sentences (summary on stderr)",
    )
    add_model_argument(parser)


def _read_document(path):
    from pathlib import Path

    if path == "-":
        data = sys.stdin.buffer.read()
        name = "standard input"
    else:
        file = Path(path)
        if file.is_dir():
            raise DataError(f"{path} is a folder, not a file")
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            raise DataError(f"{path} does not exist") from None
        except OSError as error:
            raise DataError(f"cannot read {path}: {error.strerror}") from None
        name = path
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataError(f"{name} is not valid UTF-8 on line {line}; convert it to UTF-8 first") from None


def format_table(table, summary):
    """Render the sentence table and summary for a terminal."""
    labels = [c for c in table.columns if c not in ("sentence", "start", "end", "text", "label")]
    lines = [
        f"{'#':>3} {'start':>6} {'end':>6}  {'label':<8} "
        + " ".join(f"{l[:8]:>8}" for l in labels)
        + "  sentence"
    ]
    for row in table.itertuples(index=False):
        values = row._asdict()
        text = " ".join(values["text"].split())
        text = text if len(text) <= 90 else text[:87] + "..."
        probabilities = " ".join(f"{values[l]:>8.2f}" for l in labels)
        lines.append(
            f"{values['sentence']:>3} {values['start']:>6} {values['end']:>6}  {values['label']:<8} {probabilities}  {text}"
        )
    counts = ", ".join(f"{label} {n}" for label, n in summary["counts"].items())
    lines += ["", f"sentences: {summary['sentences']} ({counts})", f"overall stance: {summary['stance']}"]
    return "\n".join(lines)


def main(args):
    document = _read_document(args.document)
    model = load_model_argument(args)
    table = model.analyze(document, target=args.target)
    summary = table.attrs["summary"]
    if args.output_format == "table":
        print(format_table(table, summary))
    else:
        from .._io import write_table

        write_table([table], "-", args.output_format)
        counts = ", ".join(f"{label} {n}" for label, n in summary["counts"].items())
        print(
            f"stance: {summary['sentences']} sentences ({counts}); overall stance: {summary['stance']}",
            file=sys.stderr,
        )
    return 0
