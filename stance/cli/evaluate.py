"""Score a model on labelled data.

Prints accuracy, macro-F1, SemEval's F_avg (the mean F1 of aligned and
opposed), precision, recall and F1 per label, the confusion matrix and
per-target scores. Rows with blank text or no label (not annotated yet)
are left out (and counted). The data is read, labelled and counted chunk
by chunk: memory does not grow with its size (a pipe that never ends is
scored for as long as it runs).
"""

import json

from .._errors import DataError
from ._common import (
    ProfileUse,
    add_data_arguments,
    add_model_argument,
    label_map_argument,
    load_model_and_profiles,
    note,
    progress_bar,
)

CHUNK_ROWS = 10_000
#: Beyond this many distinct targets the per-target scores are left out
#: (with a warning): they would hold memory for each target.
MAX_TARGETS = 100_000


def format_parser(parser):
    parser.add_argument(
        "-d", "--data", required=True, metavar="FILE", help="labelled data: CSV, TSV, JSONL or Parquet"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_data_arguments(parser)
    add_model_argument(parser)


def main(args):
    import itertools

    from .._evaluation import Tally, format_report
    from .._io import read_table
    from .._labels import resolve_labels
    from .._training import annotated_rows, check_label_counts, clean_rows
    from ._options import apply_remembered_options, check_columns

    model, profiles = load_model_and_profiles(args)
    profile_use = ProfileUse(model, profiles, args.targets, args.verbose)
    chunks = read_table(args.data, args.format, chunk_rows=CHUNK_ROWS)
    first = next(chunks, None)
    if first is None:
        raise DataError(f"{args.data} has no rows")
    # Columns and label map the model was trained with; every column problem at once.
    remembered = apply_remembered_options(args, model.metadata, frame=first)
    if remembered:
        note(remembered)
    check_columns(first, args.text_column, args.target_column, args.label_column)
    label_map = label_map_argument(args)
    tally = Tally(max_targets=MAX_TARGETS)
    label_counts, said = {}, set()
    read = blank = unlabelled = conflict_count = chunks_read = 0
    conflicts = []
    with progress_bar(description="labelling") as bar:
        for frame in itertools.chain([first], chunks):
            size = len(frame)
            try:
                # Each chunk's labels are mapped as a whole file's would be,
                # every other scheme's name announced once.
                frame, left_out = annotated_rows(frame, args.label_column)
                mapping, notes = resolve_labels(frame[args.label_column], label_map, args.label_column)
                data, blank_rows, conflicting = clean_rows(
                    frame, args.text_column, args.target_column, args.label_column, mapping
                )
            except DataError as error:
                if not read and size < CHUNK_ROWS:  # the whole input: no need to say where
                    raise
                raise DataError(f"rows {read + 1}-{read + size}: {error}") from None
            for message in notes:
                if message not in said:
                    said.add(message)
                    note(message)
            predicted = model.predict(data["text"].tolist(), data["target"].tolist())
            tally.add(data["label"], predicted, data["target"].fillna("(none)"))
            profile_use.see(data["target"])
            for label, count in data["label"].value_counts().items():
                label_counts[label] = label_counts.get(label, 0) + int(count)
            read += size
            blank += blank_rows
            unlabelled += left_out
            conflicts += conflicting[: 1 - len(conflicts[:1])]  # the first example only
            conflict_count += len(conflicting)
            chunks_read += 1
            bar.update(size)
    check_label_counts(label_counts, min_examples=0, min_labels=1)
    if unlabelled:
        note(f"warning: left out {unlabelled} rows with no label (not annotated yet)")
    if blank:
        note(f"warning: left out {blank} rows with blank text")
    if conflicts:
        # Conflicts are found within a chunk: finding them across chunks
        # would mean holding every text seen.
        where = f" within a chunk of {CHUNK_ROWS:,} rows" if chunks_read > 1 else ""
        note(
            f"warning: {conflict_count} texts appear with conflicting labels{where} "
            f"(e.g. {conflicts[0][:60]!r}); they were kept as they are"
        )
    profile_use.report()
    if tally.too_many_targets:
        note(f"warning: more than {MAX_TARGETS:,} targets: per-target scores left out")
    report = tally.report()
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_report(report, f"{args.data}: {report['texts']} labelled texts"))
    return 0
