"""Choose the sentences whose labels would teach the model most, ready to annotate.

Reads sentences (a CSV, TSV, JSONL or Parquet file with a text column, a
text file with one sentence per line, or the CSV that 'stance analyze
--output-format csv' writes), labels them with the model, and writes the N
the model is least sure about, no two alike (never two near duplicates), as
a CSV with the columns text, target (if any), label (blank: to fill in, with
'stance annotate' or by hand), model_label, model_confidence and row (the
input row). That CSV is what 'stance train --data FILE --with-corpus' reads.
Rows of the input that already have a label are not suggested again.
"""

from .._errors import UsageError
from ._common import add_data_arguments, add_model_argument, add_safe_csv_argument, load_model_argument, note


def format_parser(parser):
    parser.add_argument(
        "-i", "--input", required=True, metavar="FILE", help="the sentences to choose from; - for standard input"
    )
    parser.add_argument("-n", "--n", type=int, default=50, metavar="N", help="how many to suggest (default: 50)")
    parser.add_argument(
        "-o", "--output", default="-", metavar="FILE", help="the CSV to write (default: standard output)"
    )
    parser.add_argument("-t", "--target", metavar="TARGET", help="the target of every sentence")
    parser.add_argument("--force", action="store_true", help="replace an existing output file")
    add_safe_csv_argument(parser)
    add_data_arguments(parser, labels=False)
    add_model_argument(parser)


def main(args):
    import itertools
    from pathlib import Path

    import pandas as pd

    from .._head import most_probable
    from .._io import read_table, write_table
    from .._suggest import Candidates, pool_size, suggest
    from ._options import check_columns

    if args.n < 1:
        raise UsageError(f"--n must be at least 1, not {args.n}")
    if args.target and args.target_column != "target":
        raise UsageError("give --target or --target-column, not both")
    if args.output != "-" and Path(args.output).exists() and not args.force:
        raise UsageError(f"{args.output} exists (it may hold your annotations); pass --force to replace it")
    chunks = read_table(args.input, args.format, empty=True)
    first = next(chunks, None)
    if first is None:  # an empty input: nothing to suggest, and no columns to check
        first = pd.DataFrame({args.text_column: []}, dtype=object)
    target_column, notes = check_columns(first, args.text_column, args.target_column)
    if args.target:
        if target_column:
            note(f"--target {args.target!r} is every row's target; the input's {target_column!r} column is not read")
        target_column = None
    for message in notes:
        note(f"warning: {message}")
    model = load_model_argument(args)
    # Rows are labelled chunk by chunk, and only the texts suggest() would
    # consider are kept: memory does not grow with the input.
    candidates = Candidates(pool_size(args.n))
    read = total = left_out = 0
    for frame in itertools.chain([first], chunks):
        rows = read + pd.RangeIndex(len(frame)).to_numpy()
        read += len(frame)
        if "label" in frame.columns:  # already annotated rows are not suggested again
            labelled = frame["label"].notna() & frame["label"].astype(str).str.strip().ne("")
            left_out += int(labelled.sum())
            frame, rows = frame[~labelled], rows[~labelled.to_numpy()]
        texts = ["" if pd.isna(t) else str(t) for t in frame[args.text_column]]
        targets = frame[target_column].tolist() if target_column else [args.target] * len(texts)
        targets = [None if t is None or (isinstance(t, float) and t != t) else str(t) for t in targets]
        candidates.add(texts, model.predict_proba(texts, targets).to_numpy(), rows.tolist(), targets)
        total += len(texts)
    if left_out:
        note(f"left out {left_out} rows that already have a label")
    texts, proba, rows, targets = candidates.texts_and_proba()
    positions, scores = suggest(texts, proba, args.n)
    out = pd.DataFrame({"text": [texts[p] for p in positions]})
    if target_column or args.target:
        out["target"] = [targets[p] for p in positions]
    out["label"] = ""
    out["model_label"] = most_probable(proba[positions], model.labels).tolist()
    out["model_confidence"] = [round(float(proba[p].max()), 6) for p in positions]
    out["row"] = [int(rows[p]) + 1 for p in positions]
    write_table([out], args.output, "csv", safe_csv=args.safe_csv)
    note(
        f"suggested {len(out)} of {total} sentences"
        + (f" (only {len(out)} distinct enough)" if len(out) < min(args.n, total) else "")
        + (f"; annotate them with: stance annotate {args.output}" if args.output != "-" else "")
    )
    if args.verbose:
        note(f"uncertainty of those suggested: {min(scores, default=0):.2f} to {max(scores, default=0):.2f}")
    return 0
