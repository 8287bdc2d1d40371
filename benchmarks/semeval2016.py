"""Stance benchmarks: SemEval-2016 Task 6A and three cross-topic sets, side by side.

Run on demand (not part of the test suite):

    python benchmarks/semeval2016.py [--data-dir DIR]

For each data set it trains two systems on the official training split and
scores them once on the official test split, in the same run:

- stance, with the recipe ``stance train --recipe NAME`` uses (the same code
  path: ``make_estimator`` and ``StanceClassifier``);
- a plain scikit-learn pipeline: word 1-3 and character 2-5 TF-IDF with a
  LinearSVC, one per target on SemEval (as its organisers' baseline), one for
  all targets on the cross-topic sets (their test targets are unseen).

It prints F_avg (SemEval's metric: mean F1 of FAVOR/aligned and
AGAINST/opposed over all test texts pooled), macro-F1, per-target F1, training
time and prediction rate (texts per second, the fastest of three runs over the
test set), and the published SemEval results. The data folder
holds public research data sets that must not be redistributed; with no
folder, the script says so and exits.
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.pipeline import make_pipeline, make_union  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from stance._evaluation import evaluation_report  # noqa: E402
from stance._io import read_table  # noqa: E402
from stance._recipes import make_estimator  # noqa: E402
from stance._training import prepare_training_data  # noqa: E402

PUBLISHED = [
    ("majority class", 65.22),
    ("organisers' SVM, word 1-3 + char 2-5 n-grams, one SVM per target", 68.98),
    ("best participating team (MITRE, neural)", 67.82),
    ("RoBERTa-base, fine-tuned (TweetEval)", 68.0),
    ("BERTweet (TweetEval)", 71.2),
    ("TimeLMs-2021 (best on the TweetEval leaderboard)", 72.9),
]
DATASETS = [
    # folder, title, stance recipe, plain pipeline per target?
    (
        "semeval2016_t6",
        "SemEval-2016 Task 6A (tweets, 5 targets shared by train and test)",
        "per-target",
        True,
    ),
    ("ibm_claim_stance", "IBM Debater Claim Stance (test motions unseen in training)", "default", False),
    ("ibm_argq_30k", "IBM ArgQ-Rank-30k (test motions unseen in training)", "default", False),
    ("perspectrum", "Perspectrum (test claims unseen in training)", "default", False),
]


def plain_pipeline():
    features = make_union(
        TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True),
        TfidfVectorizer(analyzer="char", ngram_range=(2, 5), sublinear_tf=True),
    )
    return make_pipeline(features, LinearSVC())


class PlainPerTarget:
    """The plain pipeline, one per target (falls back to one for all on unseen targets)."""

    def fit(self, texts, targets, labels):
        self.overall = plain_pipeline().fit(texts, labels)
        self.per_target = {
            target: plain_pipeline().fit(texts[targets == target], labels[targets == target])
            for target in np.unique(targets)
        }
        return self

    def predict(self, texts, targets):
        out = self.overall.predict(texts).astype(object)
        for target, model in self.per_target.items():
            rows = targets == target
            if rows.any():
                out[rows] = model.predict(texts[rows])
        return out


#: IBM ArgQ's labels are numbers, which are never taken as labels without a map.
LABEL_MAP = {"1": "aligned", "-1": "opposed"}


def load(folder, split):
    frame = pd.concat(read_table(folder / f"{split}.csv"), ignore_index=True)
    data, _ = prepare_training_data(frame, label_map=LABEL_MAP, min_examples=1)
    return data


def timed(function, *args, repeat=1):
    """Return ``function(*args)`` and its fastest time over ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - started)
    return result, best


def run_stance(recipe, train, test):
    estimator = make_estimator(recipe)
    _, fit_seconds = timed(estimator.fit, train[["text", "target"]], train["label"])
    predicted, predict_seconds = timed(estimator.predict, test[["text", "target"]], repeat=3)
    return predicted, fit_seconds, predict_seconds


def run_plain(per_target, train, test):
    texts, targets, labels = (train[c].to_numpy() for c in ("text", "target", "label"))
    test_texts, test_targets = test["text"].to_numpy(), test["target"].to_numpy()
    if per_target:
        model, fit_seconds = timed(PlainPerTarget().fit, texts, targets, labels)
        predicted, predict_seconds = timed(model.predict, test_texts, test_targets, repeat=3)
    else:
        model, fit_seconds = timed(plain_pipeline().fit, texts, labels)
        predicted, predict_seconds = timed(model.predict, test_texts, repeat=3)
    return predicted, fit_seconds, predict_seconds


def report_row(name, test, predicted, fit_seconds, predict_seconds):
    report = evaluation_report(test["label"], predicted, test["target"])
    return {
        "system": name,
        "F_avg": 100 * report["f_avg"],
        "macro-F1": 100 * report["macro_f1"],
        "train s": fit_seconds,
        "texts/s": len(test) / predict_seconds,
        "per_target": {t: 100 * r["f_avg"] for t, r in report["per_target"].items()},
    }


def print_table(rows, per_target):
    print(f"{'system':<34}{'F_avg':>8}{'macro-F1':>10}{'train s':>9}{'texts/s':>10}")
    for row in rows:
        print(
            f"{row['system']:<34}{row['F_avg']:>8.2f}{row['macro-F1']:>10.2f}{row['train s']:>9.1f}{row['texts/s']:>10.0f}"
        )
    ratio = rows[0]["texts/s"] / rows[1]["texts/s"]
    print(f"prediction rate, stance / plain: {ratio:.2f}")
    if per_target:
        print("\nF_avg per target (F1 of aligned and opposed, averaged, within the target):")
        print(f"{'target':<44}" + "".join(f"{row['system'][:12]:>14}" for row in rows))
        for target in rows[0]["per_target"]:
            print(f"{target:<44}" + "".join(f"{row['per_target'][target]:>14.2f}" for row in rows))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("STANCE_BENCHMARK_DATA", REPO.parent / "shared" / "datasets")),
        help="folder with semeval2016_t6/, ibm_claim_stance/, ibm_argq_30k/, perspectrum/ "
        "(default: $STANCE_BENCHMARK_DATA, else shared/datasets beside the repository)",
    )
    parser.add_argument(
        "--only", choices=[d[0] for d in DATASETS], action="append", help="run only these data sets"
    )
    args = parser.parse_args(argv)
    if not args.data_dir.is_dir():
        print(f"benchmark data not found in {args.data_dir}; pass --data-dir. Nothing to measure.")
        return 0
    for folder, title, recipe, per_target in DATASETS:
        if args.only and folder not in args.only:
            continue
        path = args.data_dir / folder
        if not path.is_dir():
            print(f"\n== {title}: {path} not found, skipped")
            continue
        train, test = load(path, "train"), load(path, "test")
        print(f"\n== {title}\ntrain {len(train)} texts, test {len(test)} texts, stance recipe '{recipe}'")
        rows = [
            report_row(f"stance ({recipe})", test, *run_stance(recipe, train, test)),
            report_row("plain pipeline", test, *run_plain(per_target, train, test)),
        ]
        print_table(rows, per_target)
        if folder == "semeval2016_t6":
            print("\npublished F_avg on the same test set:")
            for system, score in PUBLISHED:
                print(f"  {score:6.2f}  {system}")
            print(
                f"\nsame figure from the command line:\n  stance train --data {path / 'train.csv'} --recipe {recipe} "
                f"--folds 0 --output semeval.skops\n  stance evaluate --data {path / 'test.csv'} --model semeval.skops"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
