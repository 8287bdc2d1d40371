"""Train a model on labelled data and write it with its metadata and card.

Reads rows with a text, a label and (optionally) a target; prints
cross-validated scores (random folds, and folds grouped by target: the
figure for unseen targets) and a per-label report; then fits on all rows and
writes the model (NAME.skops, safe to share, or NAME.joblib), NAME.json
(metadata) and NAME.md (model card), atomically. With no --data, trains on the corpus bundled with stance, which
reproduces the shipped model.

With --data FILE --with-corpus, trains on the rows of FILE together with
the bundled corpus, FILE's rows repeated (--user-weight) so that they win
where the two disagree: the way to adapt the model to your own documents
with a few hundred labels. It prints, on FILE's rows held out fold by fold,
the scores of the shipped model, of FILE's rows alone and of FILE's rows
with the corpus. Rows with a blank label (not yet annotated) are left out.
The columns and label map used are recorded in the model's metadata, and
'stance evaluate' and 'stance predict' use them when not given.

With --streaming, learns from a file of any size, chunk by chunk (hashed
features and an incremental linear model): it holds out every 10th row (up to
50,000), prints the streaming model's scores on them next to those of the
in-memory recipe fitted on a sample of the other rows, and writes the model
as above.
"""

import ast
from pathlib import Path

from .._errors import DataError, UsageError
from .._io import DEFAULT_CHUNK_ROWS
from .._recipes import RECIPES
from ._common import (
    add_data_arguments,
    check_model_output,
    check_training_file,
    label_map_argument,
    note,
    note_model_written,
    progress_bar,
    read_profiles_file,
)

#: With --streaming: training rows (at most) the in-memory recipe is fitted on for comparison.
COMPARE_ROWS = 50_000


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
        "--targets",
        metavar="FILE",
        help="target profiles (TOML: [[target]] tables with name, aliases, allies, opponents) for the rows "
        "whose target has a profile's name (the bundled corpus's rows always use its shipped profiles)",
    )
    parser.add_argument(
        "--with-corpus",
        action="store_true",
        help="train on --data's rows together with the bundled corpus, --data's rows weighted so that they "
        "dominate where the two disagree (for adapting the model with a few hundred of your own labels)",
    )
    parser.add_argument(
        "--user-weight",
        type=int,
        metavar="N",
        help="with --with-corpus: how many times each of your rows counts (default: enough for your rows to "
        "weigh about as much as the corpus, at most 10)",
    )
    parser.add_argument(
        "--model-version",
        default="1",
        metavar="VERSION",
        help="recorded in the metadata and card (default: 1)",
    )
    parser.add_argument(
        "--folds",
        type=int,
        metavar="K",
        help="cross-validation folds; 0 skips it (default: 5; not with --streaming)",
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
        help="a StanceClassifier setting, e.g. --set C=1.0 --set 'char_ngram_range=(2, 5)' (repeatable)",
    )
    streaming = parser.add_argument_group(
        "streaming",
        "for data larger than memory: --streaming reads the file 1 + --epochs times, --chunk-rows rows "
        "at a time, and learns from hashed features with an incremental linear model (--set then takes "
        "StreamingStanceClassifier settings, e.g. --set alpha=2e-5; --recipe gives it the recipe's "
        "feature settings). It holds out every 10th row (up to 50,000) and prints the model's scores on "
        "them, and those of the in-memory --recipe fitted on a sample of the other rows, with the gap "
        "in points",
    )
    streaming.add_argument(
        "--streaming", action="store_true", help="train chunk by chunk (needs a file: not standard input)"
    )
    streaming.add_argument(
        "--chunk-rows",
        type=int,
        metavar="N",
        help=f"rows read at a time (default: {DEFAULT_CHUNK_ROWS}); memory grows with it, not with the file, "
        "and the model does not depend on it",
    )
    streaming.add_argument(
        "--epochs", type=int, metavar="N", help="passes over the training rows (default: 5)"
    )
    streaming.add_argument(
        "--compare-rows",
        type=int,
        metavar="N",
        help=f"fit the in-memory --recipe on an even sample of at most N training rows and score it on "
        f"the same held-out rows, for comparison (default: {COMPARE_ROWS}; 0 skips it)",
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
        except (MemoryError, RecursionError):  # Python's parser on thousands of nested signs or brackets
            raise UsageError(f"--set {name.strip()}: the value nests too deeply to be read") from None
    return params  # checked with the estimator's own check_params (make_estimator)


def _read_training_rows(args, bundled, data_path):
    """Read the rows to train on; check columns and labels, listing every problem at once.

    Returns ``(data, options)``: prepared rows and the options to remember.
    """
    import pandas as pd

    from .._io import read_table
    from .._labels import resolve_labels
    from .._training import annotated_rows, corpus_training_rows, examples_needed, prepare_training_data
    from ._options import check_columns

    frame = pd.concat(read_table(data_path, "csv" if bundled else args.format), ignore_index=True)
    if bundled:  # the held-out part of the corpus measures the model; it never trains it
        frame = corpus_training_rows(frame)
    target_column, notes = check_columns(frame, args.text_column, args.target_column, args.label_column)
    frame, unlabelled = annotated_rows(frame, args.label_column)
    if unlabelled:
        notes.append(f"left out {unlabelled} rows with no label (not annotated yet)")
    mapping, label_notes = resolve_labels(
        frame[args.label_column], label_map_argument(args), args.label_column
    )
    notes += label_notes
    folds = 5 if args.folds is None else args.folds
    data, prepare_notes = prepare_training_data(
        frame,
        args.text_column,
        target_column,
        args.label_column,
        mapping,
        min_examples=0 if args.with_corpus else examples_needed(folds),
        min_labels=1 if args.with_corpus else 2,
    )
    for message in notes + prepare_notes:
        note(f"warning: {message}" if not message.startswith("labels mapped") else message)
    options = {
        "text_column": args.text_column,
        "target_column": target_column,
        "label_column": args.label_column,
        "label_map": {k: v for k, v in mapping.items() if k.strip().lower() != v},
    }
    return data, options, len(frame)


def main(args):
    from .._evaluation import format_report
    from .._recipes import make_estimator
    from .._targets import with_shipped_profiles
    from .._training import corpus_path, cross_validation_fits, train

    if args.streaming:
        if args.with_corpus:
            raise UsageError("--with-corpus does not apply to --streaming")
        if args.targets is not None:
            raise UsageError("--targets does not apply to --streaming: a streaming model reads no profiles")
        return main_streaming(args)
    for option in ("chunk_rows", "epochs", "compare_rows"):
        if getattr(args, option) is not None:
            raise UsageError(f"--{option.replace('_', '-')} applies only with --streaming")
    if args.with_corpus and args.data is None:
        raise UsageError("--with-corpus adds the bundled corpus to your rows: give them with --data FILE")
    if args.user_weight is not None and not args.with_corpus:
        raise UsageError("--user-weight applies only with --with-corpus")
    if args.user_weight is not None and args.user_weight < 1:
        raise UsageError(f"--user-weight must be at least 1, not {args.user_weight}")
    folds = 5 if args.folds is None else args.folds
    if folds == 1 or folds < 0:
        raise UsageError("--folds must be 0 (no cross-validation) or at least 2")
    try:
        estimator = make_estimator(args.recipe, **parse_settings(args.set))
    except ValueError as error:
        raise UsageError(str(error)) from None
    output = Path(args.output)
    if not output.parent.exists() and output.suffix in (".skops", ".joblib"):
        output.parent.mkdir(parents=True, exist_ok=True)
    check_model_output(output, args.force)
    if args.data == "-":
        raise UsageError(
            "train reads a file, not standard input: its checksum goes into the model's metadata"
        )
    bundled = args.data is None
    data_path = corpus_path() if bundled else check_training_file(args.data)
    # Read before any work: a bad file stops the run at once, not after cross-validation.
    profiles = read_profiles_file(args.targets) if args.targets is not None else None
    data, options, rows_read = _read_training_rows(args, bundled, data_path)
    if args.verbose:
        note(
            f"columns: text {options['text_column']!r}, target {options['target_column']!r}, "
            f"label {options['label_column']!r}"
        )
        counts = ", ".join(f"{k} {v}" for k, v in data["label"].value_counts().sort_index().items())
        note(f"labels: {counts}")
    if args.with_corpus:
        return _main_with_corpus(args, estimator, data, options, data_path, rows_read, folds, profiles)
    from .._adapt import SMALL_DATA_ROWS

    if not bundled and len(data) < SMALL_DATA_ROWS:
        note(
            f"warning: {len(data)} labelled rows are too few to train a model that can be trusted alone "
            f"(fewer than {SMALL_DATA_ROWS}); add --with-corpus to train on them together with the bundled corpus"
        )
    note(f"training on {len(data)} rows, {data['target'].nunique()} targets")
    fits = (cross_validation_fits(data, folds) if folds else 0) + 1
    with progress_bar(
        total=fits, unit="fits", description="cross-validating and fitting" if folds else "fitting"
    ) as bar:
        try:
            estimator, metadata = train(
                data, estimator, folds, on_fit=bar.update, profiles=with_shipped_profiles(profiles) if bundled else profiles
            )
        except ValueError as error:
            raise DataError(f"cannot train on this data: {error}") from None
    cv = metadata["metrics"].get("cross_validation")
    if cv:
        print(format_report(cv["random"], f"cross-validation, {folds} random folds"))
        if "grouped_by_target_skipped" in cv:
            note(f"warning: no cross-validation grouped by target: {cv['grouped_by_target_skipped']}")
        if "grouped_by_target" in cv:
            grouped = cv["grouped_by_target"]
            print(
                f"\ncross-validation grouped by target (unseen targets): "
                f"accuracy {grouped['accuracy']:.3f}   macro-F1 {grouped['macro_f1']:.3f}   F_avg {grouped['f_avg']:.3f}"
            )
    metadata["options"] = options
    return _save(args, estimator, metadata, data_path, bundled, rows_read)


def _main_with_corpus(args, estimator, data, options, data_path, rows_read, folds, profiles):
    """``stance train --data FILE --with-corpus``: your rows, weighted, with the bundled corpus."""
    from .._adapt import combine_with_corpus, cross_validate_adapted
    from .._model import load_model
    from .._persistence import sha256_file
    from .._targets import with_shipped_profiles
    from .._training import corpus_path, corpus_training_rows, load_corpus, prepare_training_data, train

    corpus, _ = prepare_training_data(corpus_training_rows(load_corpus()), min_examples=0)
    combined, info = combine_with_corpus(data, corpus, args.user_weight)
    note(
        f"training on your {info['user_rows']} rows (each counted {info['weight']} times) and "
        f"{info['corpus_rows']} rows of the bundled corpus"
        + (
            f" ({info['corpus_rows_replaced']} of its rows replaced by yours)"
            if info["corpus_rows_replaced"]
            else ""
        )
    )
    metrics = {}
    smallest = int(data["label"].value_counts().min())
    if folds and (smallest < folds or data["label"].nunique() < 2):
        note(
            f"warning: no cross-validation on your rows: each label needs at least {folds} rows "
            f"(or set --folds lower; --folds 0 skips it)"
        )
    elif folds:
        with progress_bar(total=2 * folds, unit="fits", description="cross-validating on your rows") as bar:
            adaptation = cross_validate_adapted(
                estimator,
                data,
                corpus,
                folds,
                info["weight"],
                baseline=load_model(),
                on_fit=bar.update,
                profiles=profiles,
            )
        metrics["adaptation"] = adaptation
        print(f"your rows, {folds} folds: each fold labelled by a model that never saw it")
        print(f"{'model':<34} {'accuracy':>8} {'macro-F1':>8} {'F_avg':>8}")
        for name, title in (
            ("baseline", "shipped model"),
            ("alone", "trained on your rows alone"),
            ("with_corpus", "your rows with the corpus"),
        ):
            report = adaptation[name]
            print(
                f"{title:<34} {report['accuracy']:>8.3f} {report['macro_f1']:>8.3f} {report['f_avg']:>8.3f}"
            )
        best = max(("baseline", "alone", "with_corpus"), key=lambda name: adaptation[name]["macro_f1"])
        if best == "baseline":
            note("on your rows the shipped model scored best: more labels may be needed before adapting pays")
        elif best == "alone":
            note(
                "on your rows a model trained on them alone scored best: consider training without --with-corpus"
            )
    with progress_bar(total=1, unit="fits", description="fitting") as bar:
        try:
            estimator, metadata = train(
                combined, estimator, 0, on_fit=bar.update, profiles=with_shipped_profiles(profiles)
            )
        except ValueError as error:
            raise DataError(f"cannot train on this data: {error}") from None
    metadata["metrics"].update(metrics)
    metadata["options"] = options
    metadata["with_corpus"] = {**info, "corpus_sha256": sha256_file(corpus_path())}
    return _save(args, estimator, metadata, data_path, False, rows_read)


def main_streaming(args):
    """``stance train --streaming``: learn chunk by chunk, report held-out scores, write the model."""
    from .._evaluation import format_report
    from .._recipes import make_estimator
    from .._stream_training import HOLDOUT_EVERY, HOLDOUT_ROWS, train_streaming
    from .._training import corpus_path, corpus_training_rows

    if args.data == "-":
        raise UsageError(
            "--streaming reads the data once per epoch, and standard input can be read only once; "
            "save it to a file and pass --data FILE"
        )
    if args.folds is not None:
        raise UsageError(
            "--folds does not apply to --streaming: a streaming model is scored on held-out rows instead"
        )
    chunk_rows = DEFAULT_CHUNK_ROWS if args.chunk_rows is None else args.chunk_rows
    compare_rows = COMPARE_ROWS if args.compare_rows is None else args.compare_rows
    for option, value, least in (
        ("--chunk-rows", chunk_rows, 1),
        ("--epochs", args.epochs, 1),
        ("--compare-rows", compare_rows, 0),
    ):
        if value is not None and value < least:
            raise UsageError(f"{option} must be at least {least}, not {value}")
    settings = parse_settings(args.set)
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    try:
        estimator = make_estimator(args.recipe, streaming=True, **settings)
    except ValueError as error:
        raise UsageError(str(error)) from None
    output = Path(args.output)
    check_model_output(output, args.force)
    bundled = args.data is None
    data_path = corpus_path() if bundled else check_training_file(args.data)

    def progress(description, total):
        return progress_bar(total=total, unit="rows" if total != 1 else "fits", description=description)

    try:
        estimator, metadata, notes = train_streaming(
            data_path,
            "csv" if bundled else args.format,
            estimator,
            text_column=args.text_column,
            target_column=args.target_column,
            label_column=args.label_column,
            label_map=label_map_argument(args),
            chunk_rows=chunk_rows,
            compare_recipe=args.recipe,
            compare_rows=compare_rows,
            progress=progress,
            keep_rows=corpus_training_rows if bundled else None,
        )
    except (DataError, UsageError):
        raise
    except ValueError as error:  # the estimator's own checks, e.g. a label it cannot learn
        raise DataError(f"cannot train on this data: {error}") from None
    for message in notes:
        note(f"warning: {message}")
    streaming = metadata["streaming"]
    note(
        f"trained on {metadata['training']['rows']} rows, {len(metadata['targets'])} targets, "
        f"in {streaming['passes']} passes over {streaming['rows_read']} rows"
    )
    held_out = metadata["metrics"].get("held_out")
    if held_out:
        print(
            format_report(
                held_out,
                f"held-out rows (every {HOLDOUT_EVERY}th data row, up to {HOLDOUT_ROWS:,}), streaming model",
            )
        )
    comparison = metadata["metrics"].get("in_memory_comparison")
    if comparison and "held_out" in comparison:
        print(
            f"\nin-memory recipe '{comparison['recipe']}' fitted on {comparison['training_rows']} training rows, "
            f"same held-out rows: accuracy {comparison['held_out']['accuracy']:.3f}   "
            f"macro-F1 {comparison['held_out']['macro_f1']:.3f}   F_avg {comparison['held_out']['f_avg']:.3f}"
            f"\nstreaming model's macro-F1 is {abs(comparison['gap_points']):.1f} points "
            f"{'below' if comparison['gap_points'] >= 0 else 'above'} the in-memory recipe's"
        )
    return _save(args, estimator, metadata, data_path, bundled, streaming["rows_read"])


def _save(args, estimator, metadata, data_path, bundled, rows_read):
    """Write the model with its metadata and card; say so; return the exit status."""
    from .._io import check_interrupted
    from .._persistence import save_model, sha256_file
    from .._training import CORPUS_RESOURCE

    output = Path(args.output)
    metadata = {
        "name": output.stem,
        "model_version": args.model_version,
        "recipe": args.recipe,
        "training_data": {
            "path": "/".join(("stance", *CORPUS_RESOURCE)) if bundled else str(data_path),
            "sha256": sha256_file(data_path),
            "rows_read": rows_read,
        },
        **metadata,
    }
    check_interrupted()  # a stop that went unnoticed while fitting: the old model stays
    note_model_written(output, save_model(estimator, output, metadata, overwrite=args.force))
    return 0
