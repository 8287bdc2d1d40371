"""Models across scikit-learn versions: trained under one, loaded and labelling under another.

Run on demand (not part of the test suite; it needs pip to reach PyPI):

    python benchmarks/sklearn_versions.py [--sentences 3000] [--oldest V] [--newest V] [--pin PKG==V]

It reads the scikit-learn bounds from ``setup.cfg``, asks pip for the
released versions, and takes the oldest and the newest the bounds allow
(``--oldest`` and ``--newest`` replace them). In a temporary folder it builds
a wheel of this checkout once, then makes one virtual environment per version
(``python -m venv``, then ``pip install`` of the wheel with
``scikit-learn==V``; pip picks every other package, unless ``--pin`` fixes
one). In each environment it

1. trains two models on the bundled corpus: the default recipe
   (``stance train --folds 0``, saved with its compiled ``.npz``) and the
   streaming estimator (``stance train --streaming --compare-rows 0``, which
   has no compiled form), each saved as ``.skops`` and exported
   (``stance export``) as ``.joblib``;
2. loads every model of both environments, each twice and afresh, and labels
   a fixed sample of ``--sentences`` corpus sentences with their targets:
   with ``stance.load_model`` (``trusted=True`` for the joblib files), which
   labels from the compiled form when there is one and leaves the estimator
   on disk, and with ``load_estimator``, which rebuilds the scikit-learn
   estimator from the model file under this scikit-learn, recording every
   warning raised.

It then compares, for every model, the probabilities it gives when loaded
under the other version with those it gives under the version that trained
it, and prints one row per comparison: trained with, loaded with, recipe,
format, labelled by, max |dp|, labels equal, and the warnings seen. The only
warning allowed is the documented one (one ``ModelVersionWarning`` when an
estimator saved with another scikit-learn version is read). It also prints,
for information, how far the models trained under the two versions are from
each other. It exits 1 if any label differs, a model fails to load, or any
other warning appears. The temporary folder is removed at the end, also on
Ctrl-C.

Result on 2026-12-07 (two cores, Python 3.11.7; setup.cfg allows
scikit-learn>=1.8, so 1.8.0 and 1.9.1, the newest release; both with numpy
2.4.6, scipy 1.17.1, skops 0.16.0, joblib 1.6.0; no pins needed; 146 to
195 s in all, installing included; the same table in two runs): every one of the 16 comparisons (2 directions x 2 recipes
x 2 formats x 2 ways) gave max |dp| = 0.0 (the same probabilities to the
bit) and the same 3,000 labels; rebuilding an estimator saved under the
other version gave exactly one warning, stance's ModelVersionWarning, and
the default models labelling from their compiled form none (a streaming
model has no compiled form, so loading it reads the estimator, with that
one warning). The models trained under 1.8.0 and
1.9.1 are identical too (max |dp| 0.0). Its first run found two faults,
since fixed: a streaming model saved the SGD model's loss object, a compiled
scikit-learn internal whose module moved from ``_loss`` (1.8) to
``sklearn._loss._loss`` (1.9), so that streaming ``.skops`` files saved
under either version were refused under the other and ``.joblib`` files saved
under 1.8 failed under 1.9; and a ``.skops`` estimator from the other version
also raised scikit-learn's own InconsistentVersionWarning (twice). The
table, condensed (each line stands for the rows of both formats, .skops and
.joblib; the same rows again for 1.9.1 to 1.8.0):

    trained with  loaded with  recipe     labelled by     max |dp|  labels equal  warnings
    1.8.0         1.9.1        default    load_model      0.0e+00   yes           none
    1.8.0         1.9.1        default    load_estimator  0.0e+00   yes           1 version warning
    1.8.0         1.9.1        streaming  load_model      0.0e+00   yes           1 version warning
    1.8.0         1.9.1        streaming  load_estimator  0.0e+00   yes           1 version warning
"""

import argparse
import configparser
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "stance" / "data" / "corpus.csv"
RECIPES = {
    "default": ["--folds", "0"],
    "streaming": ["--streaming", "--compare-rows", "0"],
}
FORMATS = ("skops", "joblib")
# How a model is loaded and labels: stance.load_model (from its compiled .npz when it has one, as the
# default recipe's models do; a streaming model has none and labels with its estimator), or
# load_estimator (the scikit-learn estimator, always rebuilt from the model file).
WAYS = ("load_model", "load_estimator")
# The one warning the README documents for a model saved under another version.
ALLOWED_WARNING = ("ModelVersionWarning", "was saved with scikit-learn")


def sklearn_specifier():
    """Return the scikit-learn requirement's version specifier from setup.cfg, e.g. ``>=1.8``."""
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    for line in config["options"]["install_requires"].splitlines():
        match = re.fullmatch(r"\s*scikit-learn\s*([^;]*?)\s*(;.*)?", line)
        if match:
            return match.group(1)
    raise SystemExit("setup.cfg names no scikit-learn requirement")


def allowed_versions(specifier):
    """Return the released scikit-learn versions (no pre-releases) that ``specifier`` allows, oldest first."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import Version

    out = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "scikit-learn"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    listed = re.search(r"Available versions:\s*(.*)", out)
    if not listed:
        raise SystemExit(f"pip listed no scikit-learn versions:\n{out}")
    versions = [Version(v.strip()) for v in listed.group(1).split(",")]
    return sorted(v for v in SpecifierSet(specifier).filter(versions))


def clean_env():
    """The environment for commands run in a venv: without PYTHONPATH, so that they import the venv's stance."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def run(command, **kwargs):
    """Run ``command``; on failure, show its output and stop."""
    result = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, env=clean_env(), **kwargs
    )
    if result.returncode:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-4000:])
        raise SystemExit(f"failed ({result.returncode}): {' '.join(str(c) for c in command)}")
    return result


def build_wheel(folder):
    """Build a wheel of this checkout in ``folder`` from a copy, so that the checkout gets no build files."""
    source = folder / "source"
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache"),
    )
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", folder / "wheels", source])
    shutil.rmtree(source)
    return next((folder / "wheels").glob("stance-*.whl"))


def make_env(folder, version, wheel, pins):
    """Create a venv with ``wheel`` and scikit-learn ``version``; return its python and package versions."""
    env = folder / f"sklearn-{version}"
    run([sys.executable, "-m", "venv", env])
    python = env / "bin" / "python"
    run([python, "-m", "pip", "install", "--quiet", wheel, f"scikit-learn=={version}", *pins])
    versions = run(
        [
            python,
            "-c",
            (
                "import importlib.metadata as m, sys; print(sys.version.split()[0], "
                "*(m.version(p) for p in ('scikit-learn', 'numpy', 'scipy', 'skops', 'joblib', 'stance')))"
            ),
        ],
        cwd=folder,
    ).stdout.split()
    names = ("python", "scikit-learn", "numpy", "scipy", "skops", "joblib", "stance")
    return python, dict(zip(names, versions))


def train(python, out):
    """Train every recipe with ``python``'s stance into ``out``; return ``{(recipe, format): path}``."""
    stance = python.parent / "stance"
    models = {}
    for fmt in FORMATS:  # one folder per format: a model's files share its name's stem
        (out / fmt).mkdir(parents=True)
    for recipe, options in RECIPES.items():
        skops_path = out / "skops" / f"{recipe}.skops"
        joblib_path = out / "joblib" / f"{recipe}.joblib"
        run([stance, "train", "--data", CORPUS, *options, "--output", skops_path], cwd=out)
        run([stance, "export", "--model", skops_path, "--format", "joblib", "--output", joblib_path], cwd=out)
        models[recipe, "skops"] = skops_path
        models[recipe, "joblib"] = joblib_path
    return models


def write_sample(path, size):
    """Write a fixed sample of ``size`` corpus rows (text and target) to ``path``."""
    import pandas as pd

    corpus = pd.read_csv(CORPUS, keep_default_na=False)
    corpus[["text", "target"]].sample(n=min(size, len(corpus)), random_state=0).to_csv(path, index=False)


def worker(sample, out, models):
    """Inside a venv: label ``sample`` with every model in ``models``; write probabilities and warnings to ``out``.

    Each model is labelled twice, each time loaded afresh: with
    ``load_model`` (the compiled form when the model has one; the estimator
    stays on disk) and with ``load_estimator`` (the estimator rebuilt by this
    scikit-learn), so that a failure of one does not hide the other.
    """
    import warnings

    import pandas as pd

    import stance
    from stance._model import as_lists
    from stance._persistence import load_estimator

    rows = pd.read_csv(sample, keep_default_na=False)
    texts, targets = as_lists(rows["text"].tolist(), rows["target"].tolist())
    report = {}
    for path in models:
        trusted = path.endswith(".joblib")
        for way in WAYS:
            entry = report.setdefault(path, {})[way] = {"error": None}
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always")
                try:
                    if way == "load_model":
                        model = stance.load_model(path, trusted=trusted)
                        entry["labels"] = model.labels
                        entry["proba"] = model.predict_proba(texts, targets).to_numpy().tolist()
                    else:
                        estimator, _ = load_estimator(path, trusted=trusted)
                        entry["labels"] = [str(label) for label in estimator.classes_]
                        entry["proba"] = estimator.predict_proba(list(zip(texts, targets))).tolist()
                except Exception as error:  # reported; the caller counts it as a failure
                    entry["error"] = f"{type(error).__name__}: {error}"
            entry["warnings"] = [f"{w.category.__name__}: {w.message}" for w in seen]
    Path(out).write_text(json.dumps(report))


def compare(reports, models, versions):
    """Print the comparison table; return the number of failures."""
    import numpy as np

    failures = 0
    header = (
        "trained with",
        "loaded with",
        "recipe",
        "format",
        "labelled by",
        "max |dp|",
        "labels equal",
        "warnings",
    )
    rows = []
    for trained in versions:
        for loaded in versions:
            if loaded == trained:
                continue
            for (recipe, fmt), path in models[trained].items():
                for way in WAYS:
                    own, other = reports[trained][str(path)][way], reports[loaded][str(path)][way]
                    error = own["error"] or other["error"]
                    if error:
                        failures += 1
                        rows.append(
                            (trained, loaded, recipe, fmt, way, "error", "NO", error.splitlines()[0][:160])
                        )
                        continue
                    unexpected = [
                        w
                        for w in other["warnings"]
                        if not (w.startswith(ALLOWED_WARNING[0]) and ALLOWED_WARNING[1] in w)
                    ]
                    a, b = np.asarray(own["proba"]), np.asarray(other["proba"])
                    same_labels = own["labels"] == other["labels"]
                    delta = float(np.abs(a - b).max()) if same_labels else float("nan")
                    equal = same_labels and bool((a.argmax(axis=1) == b.argmax(axis=1)).all())
                    failures += (not equal) + bool(unexpected)
                    if unexpected:
                        shown = "; ".join(w.splitlines()[0][:120] for w in unexpected)
                    else:
                        shown = f"{len(other['warnings'])} version warning" if other["warnings"] else "none"
                    rows.append(
                        (trained, loaded, recipe, fmt, way, f"{delta:.1e}", "yes" if equal else "NO", shown)
                    )
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
    # Not a compatibility check: how far training itself moves between versions.
    first, last = versions
    for recipe in RECIPES:
        a = reports[first][str(models[first][recipe, "skops"])]["load_model"]
        b = reports[last][str(models[last][recipe, "skops"])]["load_model"]
        if a["error"] or b["error"]:
            continue
        a, b = np.asarray(a["proba"]), np.asarray(b["proba"])
        print(
            f"{recipe} model trained with {first} vs with {last} (each labelling under its own): "
            f"max |dp| {np.abs(a - b).max():.1e}, {int((a.argmax(axis=1) != b.argmax(axis=1)).sum())} "
            f"of {len(a)} labels differ"
        )
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument(
        "--sentences", type=int, default=3000, help="corpus sentences to label (default: 3000)"
    )
    parser.add_argument(
        "--oldest", help="the older scikit-learn version (default: the oldest setup.cfg allows)"
    )
    parser.add_argument(
        "--newest", help="the newer scikit-learn version (default: the newest setup.cfg allows)"
    )
    parser.add_argument(
        "--pin",
        action="append",
        default=[],
        metavar="PKG==V",
        help="also install this requirement in both environments, e.g. numpy==2.3.5 (repeatable)",
    )
    parser.add_argument(
        "--worker", nargs="+", help=argparse.SUPPRESS
    )  # SAMPLE OUT MODEL...: run inside a venv
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker[0], args.worker[1], args.worker[2:])
        return 0
    start = time.monotonic()
    specifier = sklearn_specifier()
    allowed = allowed_versions(specifier)
    if not allowed and not (args.oldest and args.newest):
        raise SystemExit(f"no released scikit-learn version satisfies {specifier!r}")
    versions = [args.oldest or str(allowed[0]), args.newest or str(allowed[-1])]
    print(f"setup.cfg: scikit-learn{specifier}; testing {versions[0]} and {versions[1]}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="stance-sklearn-versions-"))
    try:
        wheel = build_wheel(folder)
        sample = folder / "sample.csv"
        write_sample(sample, args.sentences)
        pythons, models, reports = {}, {}, {}
        for version in versions:
            pythons[version], installed = make_env(folder, version, wheel, args.pin)
            print(
                f"environment {version}: " + ", ".join(f"{k} {v}" for k, v in installed.items()), flush=True
            )
            models[version] = train(pythons[version], folder / f"models-{version}")
        every = [str(path) for version in versions for path in models[version].values()]
        for version in versions:
            out = folder / f"labels-{version}.json"
            run([pythons[version], Path(__file__).resolve(), "--worker", sample, out, *every], cwd=folder)
            reports[version] = json.loads(out.read_text())
        failures = compare(reports, models, versions)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{args.sentences} sentences; {time.monotonic() - start:.0f} s in all; failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the temporary folder is already removed (main's finally)
        sys.exit("interrupted")
