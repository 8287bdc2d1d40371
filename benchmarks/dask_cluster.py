"""Rows per second of ``stance predict --engine dask`` on a local cluster, next to the local engine.

Run on demand (not part of the test suite; needs ``pip install '.[dask]'``):

    python benchmarks/dask_cluster.py [--rows 200000] [--files 8] [--workers 2]

It builds a CSV of ``--rows`` rows from the bundled corpus in a temporary
folder, split into ``--files`` files, and labels it file to file with the
installed ``stance`` command and the default model:

(a) the local engine, ``--jobs WORKERS``, on the files joined into one, and
(b) ``--engine dask`` on a glob of the files, with the local cluster the
    command starts itself (WORKERS worker processes of one thread each).

Both times are wall-clock times of the whole command, start-up included (for
the dask engine: starting the cluster and sending the model to it). It
prints rows per second for both and their ratio, the start-up cost of each
(the same commands on 100 rows), checks that the two outputs are
byte-identical, and removes every temporary file.
"""

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import stance  # noqa: E402


def stance_command():
    return shutil.which("stance", path=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])


def timed(command):
    """Run a command; return its wall-clock seconds, or stop with its error."""
    started = time.perf_counter()
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if result.returncode:
        raise SystemExit(f"command failed ({result.returncode}): {' '.join(command)}\n{result.stderr}")
    return seconds


def build_input(folder, rows, files):
    """Write ``rows`` corpus rows as ``files`` CSV parts and as one file; return the whole file."""
    corpus = stance.load_corpus()[["text", "target"]]
    repeats = -(-rows // len(corpus))
    table = pd.concat([corpus] * repeats, ignore_index=True).iloc[:rows]
    parts = folder / "parts"
    parts.mkdir()
    size = -(-rows // files)
    for number, start in enumerate(range(0, rows, size)):
        table.iloc[start : start + size].to_csv(parts / f"part-{number}.csv", index=False)
    whole = folder / "all.csv"
    table.to_csv(whole, index=False)
    return whole, parts / "part-*.csv"


def commands(whole, glob, workers):
    """The two commands, writing ``local.csv`` and ``dask.csv`` beside ``whole``."""
    stance = stance_command()
    local = [stance, "predict", "--input", str(whole), "--jobs", str(workers)]
    dask = [stance, "predict", "--input", str(glob), "--engine", "dask", "--jobs", str(workers)]
    return (
        [*local, "--output", str(whole.parent / "local.csv")],
        [*dask, "--output", str(whole.parent / "dask.csv")],
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="rows to label (default: 200000)")
    parser.add_argument("--files", type=int, default=8, help="CSV files the rows are split into (default: 8)")
    parser.add_argument("--workers", type=int, default=2, help="local jobs and dask workers (default: 2)")
    args = parser.parse_args()
    if stance_command() is None:
        raise SystemExit("the 'stance' command is not installed: pip install -e '.[dask]'")

    with tempfile.TemporaryDirectory(prefix="stance-dask-") as temporary:
        folder = Path(temporary)
        print(f"building {args.rows:,} rows in {args.files} CSV files ...", flush=True)
        big, small = folder / "big", folder / "small"
        big.mkdir()
        small.mkdir()
        local, dask = commands(*build_input(big, args.rows, args.files), args.workers)
        startup_local, startup_dask = (timed(c) for c in commands(*build_input(small, 100, 2), args.workers))
        print(f"labelling with the local engine (--jobs {args.workers}) ...", flush=True)
        seconds_local = timed(local)
        print(f"labelling with --engine dask ({args.workers} workers) ...", flush=True)
        seconds_dask = timed(dask)
        identical = filecmp.cmp(big / "local.csv", big / "dask.csv", shallow=False)

        rate_local, rate_dask = args.rows / seconds_local, args.rows / seconds_dask
        print()
        print(f"{'engine':<36} {'seconds':>8} {'rows/s':>8} {'start-up s':>11}")
        print(
            f"{f'local, --jobs {args.workers}':<36} {seconds_local:8.1f} {rate_local:8,.0f} {startup_local:11.1f}"
        )
        print(
            f"{f'dask, local cluster of {args.workers} workers':<36} "
            f"{seconds_dask:8.1f} {rate_dask:8,.0f} {startup_dask:11.1f}"
        )
        print(f"ratio dask / local: {rate_dask / rate_local:.2f}")
        print(f"outputs identical: {'yes' if identical else 'NO'}")
    if not identical:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
