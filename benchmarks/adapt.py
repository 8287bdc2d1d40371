"""What each step of the analyst's loop gains: adapting the model with a few of your own labels.

Run on demand (not part of the test suite):

    python benchmarks/adapt.py [--data-dir DIR] [--dataset gwsd] [--repeats 3]

One public data set plays "the user's archive": its training split is the
pool of sentences the user could label, its test split the sentences the
user cares about. For 50, 100, 200 and 400 labelled sentences drawn at
random from the pool (several draws), it scores on the test split, by
macro-F1:

- the shipped model (no labels at all);
- a model trained on the labels alone (``stance train --data mine.csv``);
- a model trained on the labels with the bundled corpus
  (``stance train --data mine.csv --with-corpus``, the same code:
  ``combine_with_corpus`` and ``train``);

and then, for 100 labels with the corpus, sentences chosen by
``stance suggest`` (the shipped model's least certain, no two alike; the
same code: ``suggest``) against 100 drawn at random.

The data folder (default: ``../shared/datasets`` beside the repository) holds
research data sets that must not be redistributed; they are read, never
copied. With no folder, the script says so and exits.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import stance  # noqa: E402
from stance._adapt import combine_with_corpus  # noqa: E402
from stance._evaluation import evaluation_report  # noqa: E402
from stance._io import read_table  # noqa: E402
from stance._recipes import make_estimator  # noqa: E402
from stance._suggest import suggest  # noqa: E402
from stance._training import prepare_training_data, train  # noqa: E402

DATASETS = {
    "gwsd": ("gwsd", None, "GWSD: news sentences on one target (global warming is a serious concern)"),
    "ukp-nuclear": ("ukp_sentential_am", "nuclear energy", "UKP Sentential AM, topic 'nuclear energy'"),
    "ukp-minimum-wage": ("ukp_sentential_am", "minimum wage", "UKP Sentential AM, topic 'minimum wage'"),
}


def load(folder, split, topic):
    frame = pd.concat(read_table(folder / f"{split}.csv"), ignore_index=True)
    if topic:
        frame = frame[frame["target"].str.lower() == topic]
    data, _ = prepare_training_data(frame, min_examples=0, min_labels=1)
    return data.reset_index(drop=True)


def macro_f1(model, test):
    predicted = model.predict(test[["text", "target"]])
    return evaluation_report(test["label"], predicted)["macro_f1"]


def fit(data):
    estimator, _ = train(data, make_estimator(), folds=0)
    return estimator


def scores_for(sample, corpus, test, weight=None):
    row = {}
    try:
        row["alone"] = macro_f1(fit(sample), test)
    except ValueError:  # a label missing from a tiny sample
        row["alone"] = float("nan")
    row["with corpus"] = macro_f1(fit(combine_with_corpus(sample, corpus, weight)[0]), test)
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=str(REPO.parent / "shared" / "datasets"))
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="gwsd")
    parser.add_argument("--sizes", default="50,100,200,400")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--weight", type=int, help="--user-weight (default: train's)")
    parser.add_argument("--suggest-n", type=int, default=100)
    parser.add_argument("--balance", action="store_true", help="suggest letting the model's labels take turns")
    parser.add_argument("--suggest-only", action="store_true", help="only suggested against random")
    args = parser.parse_args(argv)
    folder_name, topic, title = DATASETS[args.dataset]
    folder = Path(args.data_dir) / folder_name
    if not folder.is_dir():
        print(f"benchmark data not found in {folder}; nothing to do")
        return 0
    pool, test = load(folder, "train", topic), load(folder, "test", topic)
    corpus, _ = prepare_training_data(stance.load_corpus(), min_examples=0)
    shipped = stance.load_model()
    shipped_f1 = evaluation_report(test["label"], shipped.predict(test["text"].tolist(), test["target"].tolist()))[
        "macro_f1"
    ]
    started = time.perf_counter()
    print(f"{title}: pool {len(pool)} sentences, test {len(test)}; {args.repeats} random draws per size\n")
    sizes = [] if args.suggest_only else [int(s) for s in args.sizes.split(",")]
    rows = []
    for size in sizes:
        runs = []
        for seed in range(args.repeats):
            sample = pool.sample(min(size, len(pool)), random_state=seed).reset_index(drop=True)
            runs.append(scores_for(sample, corpus, test, args.weight))
        rows.append(
            {
                "own labels": size,
                "shipped model": shipped_f1,
                "alone": np.nanmean([r["alone"] for r in runs]),
                "with corpus": np.mean([r["with corpus"] for r in runs]),
                "with corpus, spread": np.ptp([r["with corpus"] for r in runs]),
            }
        )
        print(
            f"{size:>5} labels: shipped {shipped_f1:.3f}  alone {rows[-1]['alone']:.3f}  "
            f"with corpus {rows[-1]['with corpus']:.3f}",
            flush=True,
        )
    # 100 suggested against 100 random, with the corpus (and alone).
    n = args.suggest_n
    proba = shipped.predict_proba(pool["text"].tolist(), pool["target"].tolist()).to_numpy()
    positions, _ = suggest(pool["text"].tolist(), proba, n, balance=args.balance)
    suggested = pool.iloc[positions].reset_index(drop=True)
    chosen = scores_for(suggested, corpus, test, args.weight)
    random_runs = [
        scores_for(pool.sample(n, random_state=seed).reset_index(drop=True), corpus, test, args.weight)
        for seed in range(args.repeats)
    ]
    random_mean = {k: np.nanmean([r[k] for r in random_runs]) for k in ("alone", "with corpus")}
    print("\nmacro-F1 on the test split (x 100)\n")
    print("| own labels | shipped model | trained on them alone | with the corpus (--with-corpus) |")
    print("|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['own labels']} | {100 * row['shipped model']:.1f} | {100 * row['alone']:.1f} | "
            f"{100 * row['with corpus']:.1f} (spread {100 * row['with corpus, spread']:.1f}) |"
        )
    print(f"\n| {n} labels, with the corpus | alone |")
    print("|---|---|")
    print(f"| chosen by `stance suggest`: {100 * chosen['with corpus']:.1f} | {100 * chosen['alone']:.1f} |")
    print(
        f"| drawn at random (mean of {args.repeats}): {100 * random_mean['with corpus']:.1f} | "
        f"{100 * random_mean['alone']:.1f} |"
    )
    gain = 100 * (chosen["with corpus"] - random_mean["with corpus"])
    print(f"\nsuggested minus random, with the corpus: {gain:+.1f} points of macro-F1")
    print(f"labels in the suggested sample: {suggested['label'].value_counts().to_dict()}")
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
