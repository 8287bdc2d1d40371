"""Throughput, start-up, latency and memory of ``stance predict``, next to a plain pipeline.

Run on demand (not part of the test suite):

    python benchmarks/throughput.py [--rows 100000] [--memory-mb 200] [--repeat 5]

It builds a large CSV from the bundled corpus in a temporary folder, then labels
it file to file with

(a) the installed ``stance`` command and the default model, and
(b) a plain scikit-learn pipeline (word 1-3 and char_wb 2-5 TF-IDF + LinearSVC)
    trained on the same corpus in this run, reading and writing the file in
    chunks of 10,000 rows,

and prints sentences per second for both and their ratio. It also reports the
cross-validated macro-F1 of both on the corpus (5 random folds), the median
time of ``import stance`` and of a first ``predict`` in a new process, the median
latency of one sentence on a loaded model, and the peak memory of ``stance
predict`` on a generated CSV of ``--memory-mb`` megabytes. Every temporary file
is removed at the end.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import stance  # noqa: E402
from stance._training import cross_validate, prepare_training_data  # noqa: E402


def plain_pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    features = make_union(
        TfidfVectorizer(ngram_range=(1, 3), sublinear_tf=True),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
    )
    return make_pipeline(features, LinearSVC())


def stance_command():
    return shutil.which("stance", path=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])


def run_measured(command):
    """Run a command; return (wall seconds, peak resident memory in MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status:
        raise SystemExit(f"command failed ({status}): {' '.join(map(str, command))}")
    return seconds, usage.ru_maxrss / 1024


def build_input(path, rows):
    corpus = stance.load_corpus()[["text", "target"]]
    repeats = -(-rows // len(corpus))
    pd.concat([corpus] * repeats, ignore_index=True).iloc[:rows].to_csv(path, index=False)


def build_input_of_size(path, megabytes):
    corpus = stance.load_corpus()[["text", "target"]]
    block = corpus.to_csv(index=False, header=False)
    with open(path, "w", encoding="utf-8") as stream:
        stream.write("text,target\n")
        while stream.tell() < megabytes * 1_000_000:
            stream.write(block)


def plain_file_to_file(model, source, destination):
    started = time.perf_counter()
    with open(destination, "w", encoding="utf-8") as out:
        for index, chunk in enumerate(
            pd.read_csv(source, chunksize=10_000, dtype=str, keep_default_na=False)
        ):
            chunk["label"] = model.predict(chunk["text"])
            chunk.to_csv(out, index=False, header=index == 0)
    return time.perf_counter() - started


def median_seconds(command, repeat):
    return statistics.median(run_measured(command)[0] for _ in range(repeat))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--rows", type=int, default=100_000, help="rows of the throughput file (default: 100000)"
    )
    parser.add_argument(
        "--memory-mb", type=int, default=200, help="size of the memory-test CSV in MB (default: 200)"
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of each start-up measurement (default: 5)"
    )
    args = parser.parse_args(argv)
    command = stance_command()
    if command is None:
        raise SystemExit("the stance command is not installed: pip install . first")
    folder = Path(tempfile.mkdtemp(prefix="stance-throughput-"))
    try:
        corpus = stance.load_corpus()
        data, _ = prepare_training_data(corpus)
        print("cross-validated macro-F1 on the corpus (5 random folds):")
        ours = cross_validate(stance.StanceClassifier(), data, 5)["random"]["macro_f1"]
        plain = plain_pipeline()
        from sklearn.model_selection import cross_val_score

        theirs = cross_val_score(plain, data["text"], data["label"], cv=5, scoring="f1_macro").mean()
        print(f"  stance default model  {100 * ours:.1f}\n  plain pipeline        {100 * theirs:.1f}")

        source = folder / "input.csv"
        build_input(source, args.rows)
        stance_seconds, _ = run_measured(
            [command, "predict", "--input", source, "--output", folder / "a.csv"]
        )
        plain.fit(corpus["text"], corpus["label"])
        plain_seconds = plain_file_to_file(plain, source, folder / "b.csv")
        ours_rate, plain_rate = args.rows / stance_seconds, args.rows / plain_seconds
        print(f"\nlabelling {args.rows} rows file to file:")
        print(f"  stance predict        {ours_rate:8.0f} sentences/s (start-up and model load included)")
        print(f"  plain pipeline        {plain_rate:8.0f} sentences/s (model already in memory)")
        print(f"  ratio stance / plain  {ours_rate / plain_rate:8.2f}")

        print(f"\nstart-up (median of {args.repeat} new processes):")
        importing = median_seconds([sys.executable, "-c", "import stance"], args.repeat)
        first = median_seconds(
            [sys.executable, "-c", "import stance; stance.predict('We back the plan.')"], args.repeat
        )
        print(f"  import stance                      {importing:6.2f} s")
        print(f"  import + load + first predict      {first:6.2f} s")
        model = stance.load_model()
        model.predict("warm up")
        latencies = []
        for _ in range(200):
            started = time.perf_counter()
            model.predict("We firmly reject the proposal.")
            latencies.append(time.perf_counter() - started)
        print(
            f"  one sentence on a loaded model     {1000 * statistics.median(latencies):6.2f} ms (median of 200)"
        )

        big = folder / "big.csv"
        build_input_of_size(big, args.memory_mb)
        seconds, peak = run_measured([command, "predict", "--input", big, "--output", folder / "c.csv"])
        print(
            f"\nlabelling a {big.stat().st_size / 1e6:.0f} MB CSV: peak memory {peak:.0f} MB, {seconds:.0f} s"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
