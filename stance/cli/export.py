"""Convert a model to another file format, e.g. to the safe .skops format for sharing.

A .skops model loads without running code from the file: stance checks the
types it names against a fixed allow-list. The metadata and the model card
are written beside the new file.
"""

from pathlib import Path

from .._errors import UsageError
from ._common import add_model_argument, check_model_output, load_model_argument, note_model_written


def format_parser(parser):
    parser.add_argument(
        "-o", "--output", required=True, metavar="PATH", help="the file to write, e.g. mine.skops"
    )
    parser.add_argument(
        "--format",
        choices=("skops", "joblib"),
        default="skops",
        help="skops (default: safe to share and to load) or joblib (loads faster; a pickle)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing model at PATH")
    add_model_argument(parser, profiles=False)


def main(args):
    from .._persistence import save_model

    output = Path(args.output)
    if output.suffix.lower() != f".{args.format}":
        raise UsageError(f"--output for --format {args.format} must end in .{args.format}")
    check_model_output(output, args.force)
    model = load_model_argument(args)
    kept = {
        k: v
        for k, v in model.metadata.items()
        if k not in ("format", "format_version", "created", "versions", "artifact")
    }
    kept["name"] = output.stem
    kept["exported_from"] = {
        "file": Path(model.path).name,
        "sha256": model.metadata.get("artifact", {}).get("sha256"),
    }
    note_model_written(output, save_model(model.estimator, output, kept, overwrite=args.force))
    return 0
