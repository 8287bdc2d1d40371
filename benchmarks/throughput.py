"""Throughput, start-up, latency and memory of ``stance predict``, next to a plain pipeline.

Run on demand (not part of the test suite):

    python benchmarks/throughput.py [--rows 100000] [--memory-mb 2000] [--repeat 5] [--record]

It builds a large CSV from the bundled corpus in a temporary folder, then labels
it file to file with

(a) the installed ``stance`` command and the default model, in one process
    and with ``--jobs 2``, and
(b) a plain scikit-learn pipeline (word 1-3 and char_wb 2-5 TF-IDF + LinearSVC)
    trained on the same corpus in this run, reading and writing the file in
    chunks of 10,000 rows,

and prints sentences per second for each and the ratios. It also reports the
cross-validated macro-F1 on the corpus (5 random folds) of the default model,
of the plain pipeline and of stance with character n-grams (the slower
recipe the default was before 1.1); the median time of ``import stance`` and
of a first ``predict`` in a new process; the median latency of one sentence on
a loaded model; and the peak memory of ``stance predict --jobs 2`` on a
generated CSV of ``--memory-mb`` megabytes (2 GB by default: that run takes
several minutes; ``--memory-mb 0`` skips it). Every temporary file is removed
at the end. With ``--record``, the rates and start-up times are written into
the shipped model's metadata and model card.
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


def _tree_rss_mb(pid):
    """Resident memory of a process and all its descendants, in MB (Linux /proc)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending.extend(int(child) for child in children.read().split())
        except (OSError, StopIteration):
            continue  # the process ended meanwhile
    return total / 1024


def run_measured(command):
    """Run a command; return (wall seconds, peak resident memory of its process tree in MB).

    The memory of the process and its worker processes is summed, sampled
    every 50 ms.
    """
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _tree_rss_mb(process.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    if process.returncode:
        raise SystemExit(f"command failed ({process.returncode}): {' '.join(map(str, command))}")
    return seconds, peak


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
        "--memory-mb",
        type=int,
        default=2000,
        help="size of the memory-test CSV in MB; 0 skips it (default: 2000)",
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of each start-up measurement (default: 5)"
    )
    parser.add_argument(
        "--record",
        action="store_true",
        help="write the figures into the shipped model's metadata and model card",
    )
    args = parser.parse_args(argv)
    figures = []  # for --record: what the model card states
    command = stance_command()
    if command is None:
        raise SystemExit("the stance command is not installed: pip install . first")
    folder = Path(tempfile.mkdtemp(prefix="stance-throughput-"))
    try:
        corpus = stance.load_corpus()
        data, _ = prepare_training_data(corpus)
        print("cross-validated macro-F1 on the corpus (5 random folds):")
        from sklearn.model_selection import cross_val_score

        from stance._recipes import make_estimator

        ours = cross_validate(stance.StanceClassifier(), data, 5)["random"]["macro_f1"]
        with_chars = make_estimator(char_ngram_range=(2, 5), C=0.5)
        slower = cross_validate(with_chars, data, 5)["random"]["macro_f1"]
        plain = plain_pipeline()
        theirs = cross_val_score(plain, data["text"], data["label"], cv=5, scoring="f1_macro").mean()
        print(f"  stance default model                 {100 * ours:.1f}")
        print(f"  stance with character n-grams        {100 * slower:.1f}")
        print(f"  plain pipeline                       {100 * theirs:.1f}")

        source = folder / "input.csv"
        build_input(source, args.rows)
        plain.fit(corpus["text"], corpus["label"])
        plain_rate = args.rows / plain_file_to_file(plain, source, folder / "b.csv")
        print(f"\nlabelling {args.rows} rows file to file (start-up and model load included for stance):")
        print(f"  plain pipeline, 1 process    {plain_rate:8.0f} sentences/s")
        for jobs in (1, 2):
            seconds, _ = run_measured(
                [command, "predict", "--input", source, "--output", folder / "a.csv", "--jobs", str(jobs)]
            )
            rate = args.rows / seconds
            print(f"  stance --jobs {jobs}              {rate:8.0f} sentences/s   ratio {rate / plain_rate:5.2f}")
            figures.append(
                {
                    "figure": f"sentences per second, `stance predict --jobs {jobs}`, {args.rows:,} rows file to file",
                    "model": f"{rate:,.0f} ({rate / plain_rate:.1f} times)",
                    "baseline": f"{plain_rate:,.0f}",
                    "goal": {1: "6 times", 2: "8 times"}[jobs],
                }
            )

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
        for figure, value, goal in (
            ("import stance", f"{importing:.2f} s", "0.3 s"),
            ("new process: import, load, label one sentence", f"{first:.2f} s", "1.5 s"),
            ("one sentence on a loaded model", f"{1000 * statistics.median(latencies):.2f} ms", "1 ms"),
        ):
            figures.append({"figure": figure, "model": value, "baseline": "", "goal": goal})

        if args.memory_mb:
            big = folder / "big.csv"
            build_input_of_size(big, args.memory_mb)
            seconds, peak = run_measured(
                [command, "predict", "--input", big, "--output", folder / "c.csv", "--jobs", "2"]
            )
            rows = sum(1 for _ in open(big, "rb")) - 1
            print(
                f"\nlabelling a {big.stat().st_size / 1e6:.0f} MB CSV ({rows} rows) with --jobs 2: "
                f"peak memory {peak:.0f} MB (all processes), {seconds:.0f} s ({rows / seconds:.0f} sentences/s)"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.record:
        from stance._persistence import default_model_path, update_metadata

        section = {
            "date": time.strftime("%Y-%m-%d"),
            "baseline": "a plain scikit-learn pipeline (word and character TF-IDF, LinearSVC) in the same run",
            "machine": f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end",
            "figures": figures,
        }
        update_metadata(default_model_path(), throughput=section)
        print(f"recorded in {default_model_path().with_suffix('.json').name} and its model card")
    return 0


if __name__ == "__main__":
    sys.exit(main())
