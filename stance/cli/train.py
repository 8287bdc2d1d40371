"""Train a model on labelled data and write it with its metadata and card.

Reads rows with a text, a label and (optionally) a target; prints
cross-validated scores (random folds, and folds grouped by target: the
figure for unseen targets) and a per-label report; then fits on all rows and
writes the model (NAME.skops, safe to share, or NAME.joblib), NAME.json
(metadata) and NAME.md (model card), atomically. With no --data, trains on the corpus bundled with stance, which
reproduces the shipped model.
"""

import ast
from pathlib import Path

from .._errors import DataError, UsageError
from .._recipes import RECIPES
from ._common import add_data_arguments, check_model_output, label_map_argument, note, progress_bar


def format_parser(parser):
    parser.add_argument(
        "-d",
        "--data",
        metavar="FILE",
        help="labelled data: CSV, TSV, JSONL or Parquet (default: the bundled corpus)",
    )
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="PATH",
        help="the model file to write: mine.skops (safe to share) or mine.joblib (loads faster, needs --trust-model)",
    )
    parser.add_argument("--force", action="store_true", help="replace an existing model at PATH")
    parser.add_argument(
        "--model-version",
        default="1",
        metavar="VERSION",
        help="recorded in the metadata and card (default: 1)",
    )
    parser.add_argument(
        "--folds", type=int, default=5, metavar="K", help="cross-validation folds; 0 skips it (default: 5)"
    )
    parser.add_argument(
        "--recipe",
        default="default",
        choices=sorted(RECIPES),
        help="starting settings: "
        + "; ".join(f"{name}: {recipe['description']}" for name, recipe in RECIPES.items()),
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a StanceClassifier setting, e.g. --set C=1.0 --set char_ngram_range=None (repeatable)",
    )
    add_data_arguments(parser)


def parse_settings(settings):
    """Return ``{name: value}`` from ``NAME=VALUE`` strings (values as Python literals)."""
    params = {}
    for setting in settings:
        name, sep, value = setting.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--set {setting!r} is not NAME=VALUE")
        try:
            params[name.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            params[name.strip()] = value.strip()
    return params


def main(args):
    import pandas as pd

    from .._evaluation import format_report
    from .._io import read_table
    from .._persistence import save_model, sha256_file
    from .._recipes import make_estimator
    from .._training import (
        CORPUS_RESOURCE,
        corpus_path,
        cross_validation_fits,
        examples_needed,
        prepare_training_data,
        train,
    )

    if args.folds == 1 or args.folds < 0:
        raise UsageError("--folds must be 0 (no cross-validation) or at least 2")
    try:
        estimator = make_estimator(args.recipe, **parse_settings(args.set))
    except ValueError as error:
        raise UsageError(str(error)) from None
    output = Path(args.output)
    check_model_output(output, args.force)
    if args.data == "-":
        raise UsageError(
            "train reads a file, not standard input: its checksum goes into the model's metadata"
        )
    bundled = args.data is None
    data_path = corpus_path() if bundled else Path(args.data)
    frame = pd.concat(read_table(data_path, "csv" if bundled else args.format), ignore_index=True)
    data, notes = prepare_training_data(
        frame,
        args.text_column,
        args.target_column,
        args.label_column,
        label_map_argument(args),
        min_examples=examples_needed(args.folds),
    )
    for message in notes:
        note(f"warning: {message}")
    note(f"training on {len(data)} rows, {data['target'].nunique()} targets")
    fits = (cross_validation_fits(data, args.folds) if args.folds else 0) + 1
    with progress_bar(
        total=fits, unit="fits", description="cross-validating and fitting" if args.folds else "fitting"
    ) as bar:
        try:
            estimator, metadata = train(data, estimator, args.folds, on_fit=bar.update)
        except ValueError as error:
            raise DataError(f"cannot train on this data: {error}") from None
    cv = metadata["metrics"].get("cross_validation")
    if cv:
        print(format_report(cv["random"], f"cross-validation, {args.folds} random folds"))
        if "grouped_by_target_skipped" in cv:
            note(f"warning: no cross-validation grouped by target: {cv['grouped_by_target_skipped']}")
        if "grouped_by_target" in cv:
            grouped = cv["grouped_by_target"]
            print(
                f"\ncross-validation grouped by target (unseen targets): "
                f"accuracy {grouped['accuracy']:.3f}   macro-F1 {grouped['macro_f1']:.3f}   F_avg {grouped['f_avg']:.3f}"
            )
    metadata = {
        "name": output.stem,
        "model_version": args.model_version,
        "recipe": args.recipe,
        "training_data": {
            "path": "/".join(("stance", *CORPUS_RESOURCE)) if bundled else str(data_path),
            "sha256": sha256_file(data_path),
            "rows_read": len(frame),
        },
        **metadata,
    }
    save_model(estimator, output, metadata, overwrite=args.force)
    note(
        f"wrote {output} with its metadata ({output.with_suffix('.json').name}) and card ({output.with_suffix('.md').name})"
    )
    return 0
