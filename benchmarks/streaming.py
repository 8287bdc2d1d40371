"""Streaming training (``stance train --streaming``) next to the in-memory recipe: accuracy and memory.

Run on demand (not part of the test suite):

    python benchmarks/streaming.py [--data-dir DIR] [--size-mb 300] [--rotations 10]

It prints

1. on the bundled corpus, what ``stance train --streaming`` reports (the
   held-out macro-F1 of the streaming model and of the in-memory ``default``
   recipe fitted on the same training rows, and the gap), with its time and
   peak memory; then the same comparison over ``--rotations`` different
   held-out tenths of the corpus (mean and spread of the gap), since one
   tenth is only 631 sentences, with the streaming model learning in blocks
   of 500 rows too (the corpus is sorted by target and label: what a sorted
   file costs);
2. when the public benchmark data is found (``--data-dir``, else
   ``$STANCE_BENCHMARK_DATA``, else ``shared/datasets`` beside the
   repository, as ``benchmarks/semeval2016.py`` reads it), the same on each
   data set's official train/test split: each recipe benchmarks/semeval2016.py
   uses (and ``default``) fitted in memory, and streamed from the training
   file, chunk by chunk, with the recipe's feature settings
   (``stance train --streaming --recipe NAME``), scored once on the test file
   (macro-F1 and F_avg);
3. the peak resident memory of ``stance train --streaming --epochs 1
   --compare-rows 0`` on generated CSVs (the corpus repeated) of a tenth of
   ``--size-mb`` megabytes and of ``--size-mb`` megabytes: if memory does not
   grow with the file, the two peaks are about the same. The files are
   written to a temporary folder and removed at the end; ``--size-mb 0``
   skips this part.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# The data sets and readers of the public-benchmark script, reused as they are.
from semeval2016 import DATASETS, LABEL_MAP, load  # noqa: E402

import stance  # noqa: E402
from stance._evaluation import evaluation_report  # noqa: E402
from stance._recipes import make_estimator  # noqa: E402
from stance._stream_training import train_streaming  # noqa: E402
from stance._streaming import StreamingStanceClassifier  # noqa: E402
from stance._training import prepare_training_data  # noqa: E402

# Peak resident memory (kernel-tracked, not sampled) of one command, run from
# a fresh interpreter so that no earlier command's peak is counted.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)\n"
    "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.stderr.write(done.stderr[-2000:])\n"
)


def stance_command():
    return shutil.which("stance", path=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])


def run_measured(*args):
    """Run ``stance ARGS``; return (wall seconds, peak resident memory in MB)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, stance_command(), *map(str, args)], capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    status, peak_kb = map(int, done.stdout.split())
    if status:
        raise SystemExit(f"stance {' '.join(map(str, args))} failed ({status}): {done.stderr.strip()}")
    return seconds, peak_kb / 1024


def corpus_report(folder):
    """Part 1a: ``stance train --streaming`` on the bundled corpus, as a user runs it."""
    model = folder / "corpus.skops"
    seconds, peak = run_measured("train", "--streaming", "--output", model)
    metrics = json.loads(model.with_suffix(".json").read_text())["metrics"]
    streaming = metrics["held_out"]
    comparison = metrics["in_memory_comparison"]
    print(
        "== bundled corpus: stance train --streaming (defaults: 5 epochs, compared with the 'default' recipe)"
    )
    print(f"held-out rows: {streaming['texts']}; training rows: {comparison['training_rows']}")
    print(f"{'model':<34}{'macro-F1':>10}{'F_avg':>8}{'accuracy':>10}")
    for name, report in (("streaming", streaming), ("in-memory 'default'", comparison["held_out"])):
        print(
            f"{name:<34}{100 * report['macro_f1']:>10.1f}{100 * report['f_avg']:>8.1f}{100 * report['accuracy']:>10.1f}"
        )
    print(f"gap (in-memory minus streaming): {comparison['gap_points']:+.1f} points of macro-F1")
    print(f"the whole command: {seconds:.1f} s, peak memory {peak:.0f} MB")


def rotations_report(rotations):
    """Part 1b: the same comparison over several held-out tenths of the corpus."""
    data, _ = prepare_training_data(stance.load_corpus())
    inputs, labels = data[["text", "target"]], data["label"].to_numpy()
    number = np.arange(len(data))
    gaps, scores = [], {"streaming": [], "in-memory": [], "streaming, blocks of 500": []}
    for k in range(rotations):
        held = number % 10 == (9 - k) % 10  # rotation 0 is the rows train --streaming holds out
        # fit() gives the model that streaming the same rows from a file gives
        # (tested). The corpus is sorted by target and label, so blocks of 500
        # rows (shuffled within, not across) show what a sorted file costs.
        for name, model in (
            ("streaming", StreamingStanceClassifier()),
            ("in-memory", make_estimator("default")),
            ("streaming, blocks of 500", StreamingStanceClassifier(batch_rows=500)),
        ):
            model.fit(inputs[~held], labels[~held])
            scores[name].append(
                100 * evaluation_report(labels[held], model.predict(inputs[held]))["macro_f1"]
            )
        gaps.append(scores["in-memory"][-1] - scores["streaming"][-1])
    print(f"\n== bundled corpus, {rotations} held-out tenths (rows i with i % 10 == r), macro-F1")
    for name, values in scores.items():
        print(f"{name:<26} mean {statistics.mean(values):.1f}  (from {min(values):.1f} to {max(values):.1f})")
    spread = statistics.stdev(gaps) if len(gaps) > 1 else 0.0
    print(
        f"gap (in-memory minus streaming): mean {statistics.mean(gaps):+.1f} points, standard deviation {spread:.1f}"
    )


def benchmark_report(data_dir):
    """Part 2: official train/test splits of the public benchmarks, when present."""
    if not data_dir.is_dir():
        print(f"\nbenchmark data not found in {data_dir}; pass --data-dir. Skipping the public benchmarks.")
        return
    for folder, title, recipe, _ in DATASETS:
        path = data_dir / folder
        if not path.is_dir():
            print(f"\n== {title}: {path} not found, skipped")
            continue
        train, test = load(path, "train"), load(path, "test")
        test_inputs = test[["text", "target"]]
        print(f"\n== {title}\ntrain {len(train)} texts, test {len(test)} texts")
        print(f"{'model':<34}{'macro-F1':>10}{'F_avg':>8}{'train s':>9}")
        gaps = []
        # Each recipe in memory, and streamed with the recipe's feature
        # settings (stance train --streaming --recipe NAME), untuned.
        for name in dict.fromkeys(["default", recipe]):
            started = time.perf_counter()
            # Streamed from the training file itself, with no rows held
            # out: the test file is the held-out set here.
            streamed, _, _ = train_streaming(
                path / "train.csv",
                estimator=make_estimator(name, streaming=True),
                holdout_rows=0,
                compare_rows=0,
                label_map=LABEL_MAP,
            )
            streaming_seconds = time.perf_counter() - started
            started = time.perf_counter()
            fitted = make_estimator(name).fit(train[["text", "target"]], train["label"])
            scores = {}
            for system, model, seconds in (
                (f"in-memory '{name}'", fitted, time.perf_counter() - started),
                (f"streaming '{name}'", streamed, streaming_seconds),
            ):
                report = evaluation_report(test["label"], model.predict(test_inputs))
                scores[system] = report
                print(
                    f"{system:<34}{100 * report['macro_f1']:>10.1f}{100 * report['f_avg']:>8.1f}{seconds:>9.1f}"
                )
            memory, streaming = scores.values()
            gaps.append(
                f"'{name}' {100 * (memory['macro_f1'] - streaming['macro_f1']):+.1f} macro-F1, "
                f"{100 * (memory['f_avg'] - streaming['f_avg']):+.1f} F_avg"
            )
        print(f"gap (in-memory minus streaming), points: {'; '.join(gaps)}")


def write_corpus_csv(path, megabytes):
    """Write the corpus (text, target, label), repeated, until the file holds ``megabytes`` MB."""
    block = stance.load_corpus()[["text", "target", "label"]].to_csv(index=False, header=False)
    with open(path, "w", encoding="utf-8") as stream:
        stream.write("text,target,label\n")
        while stream.tell() < megabytes * 1_000_000:
            stream.write(block)
    with open(path, "rb") as stream:
        return sum(1 for _ in stream) - 1


def memory_report(folder, megabytes):
    """Part 3: peak memory of streaming training on a file ten times larger than another."""
    print("\n== peak memory of stance train --streaming --epochs 1 --compare-rows 0 (corpus repeated)")
    print(f"{'file':>10}{'rows':>12}{'seconds':>10}{'rows read/s':>13}{'peak MB':>10}")
    for size in (megabytes / 10, megabytes):
        data = folder / f"corpus-{size:g}mb.csv"
        rows = write_corpus_csv(data, size)
        seconds, peak = run_measured(
            "train", "--streaming", "--data", data, "--epochs", 1, "--compare-rows", 0,
            "--output", folder / "big.skops", "--force",
        )  # fmt: skip
        data.unlink()
        # Two passes: one to count, one epoch to learn.
        print(f"{size:>8g}MB{rows:>12,}{seconds:>10.0f}{2 * rows / seconds:>13,.0f}{peak:>10.0f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(os.environ.get("STANCE_BENCHMARK_DATA", REPO.parent / "shared" / "datasets")),
        help="folder with the public benchmark data sets, as for benchmarks/semeval2016.py "
        "(default: $STANCE_BENCHMARK_DATA, else shared/datasets beside the repository)",
    )
    parser.add_argument(
        "--size-mb", type=float, default=300, help="the larger generated CSV, in MB (default: 300; 0 skips)"
    )
    parser.add_argument(
        "--rotations", type=int, default=10, help="held-out tenths of the corpus to compare on (default: 10)"
    )
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="stance-streaming-"))
    try:
        corpus_report(folder)
        if args.rotations:
            rotations_report(args.rotations)
        benchmark_report(args.data_dir)
        if args.size_mb:
            memory_report(folder, args.size_mb)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
