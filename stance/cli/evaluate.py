"""Score a model on labelled data.

Prints accuracy, macro-F1, SemEval's F_avg (the mean F1 of aligned and
opposed), precision, recall and F1 per label, the confusion matrix and
per-target scores. Rows with blank text are left out (and counted).
"""

import json

from ._common import (
    add_data_arguments,
    add_model_argument,
    label_map_argument,
    load_model_argument,
    note,
    progress_bar,
)

CHUNK_ROWS = 10_000


def format_parser(parser):
    parser.add_argument(
        "-d", "--data", required=True, metavar="FILE", help="labelled data: CSV, TSV, JSONL or Parquet"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_data_arguments(parser)
    add_model_argument(parser)


def main(args):
    import pandas as pd

    from .._evaluation import evaluation_report, format_report
    from .._io import read_table
    from .._training import prepare_training_data

    model = load_model_argument(args)
    frame = pd.concat(read_table(args.data, args.format), ignore_index=True)
    from ._options import apply_remembered_options  # columns and label map the model was trained with

    remembered = apply_remembered_options(args, model.metadata, frame=frame)
    if remembered:
        note(remembered)
    from ._options import check_columns, resolve_label_column  # every problem at once; mappings announced

    check_columns(frame, args.text_column, args.target_column, args.label_column)
    label_map = resolve_label_column(frame, args.label_column, label_map_argument(args))
    data, notes = prepare_training_data(
        frame,
        args.text_column,
        args.target_column,
        args.label_column,
        label_map,
        min_examples=0,
        min_labels=1,
    )
    for message in notes:
        note(f"warning: {message}")
    predicted = []
    with progress_bar(total=len(data), description="labelling") as bar:
        for start in range(0, len(data), CHUNK_ROWS):
            chunk = data.iloc[start : start + CHUNK_ROWS]
            predicted += model.predict(chunk["text"].tolist(), chunk["target"].tolist())
            bar.update(len(chunk))
    report = evaluation_report(data["label"], predicted, data["target"].fillna("(none)"))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_report(report, f"{args.data}: {len(data)} labelled texts"))
    return 0
