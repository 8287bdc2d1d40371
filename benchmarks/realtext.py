"""Does the model take the target into account, and does it carry over to real text?

Run on demand (not part of the test suite):

    python benchmarks/realtext.py [--data-dir DIR] [--baseline REF] [--quick]

Three systems side by side, in the same run:

- ``stance``: this checkout (its shipped model, or its default recipe where
  a figure needs training);
- ``stance 1.1``: the same figures from the code and model of git revision
  REF (default: the 1.1 release), checked out in a temporary folder and run
  in a separate process;
- ``plain``: a plain scikit-learn pipeline (word 1-2 and character 2-5
  TF-IDF, LinearSVC) on the text alone, trained on the same data.

Figures (goals from the issue tracker in brackets):

1. Target sensitivity, on held-out corpus folds (5 stratified folds of the
   corpus's training part): the share of sentences labelled neutral when
   paired with an unrelated target from another domain (>= 90%), and the
   share of aligned/opposed sentences whose label flips when paired with the
   opposite of their target (>= 80%). The opposite is written with verbs
   ("ending", "scrapping", "abolishing", "rejecting") that training never
   uses, so the figure measures the model, not a memorised phrase; a
   position (version 5 of the corpus: a claim, not a policy or an actor) has
   no such opposite and is left out of it: its flips are counted apart,
   toward its negation ("it is not true that X"). Also the share labelled neutral
   toward a near miss: a target that shares a word with the sentence's own
   and has a word the sentence does not contain.
2. Real text, with each system's shipped model and no training on the set:
   GWSD test macro-F1 (>= 55) and UKP test macro-F1 (>= 50), and
   Perspectrum's test F_avg (its targets are claims, as the corpus's
   positions); the train/dev splits of the same sets are printed too
   (tuning looks at those only).
3. IBM Claim Stance: trained on its train split, F_avg on its unseen test
   motions (>= 65).
4. Corpus cross-validation grouped by target, on the v2 sentences (no more
   than 2 points below 1.1's 77.1).
5. The corpus's held-out parts, labelled twice: 420 version-3 sentences
   (written like real statements), 240 version-4 sentences (arguments and
   background) and 272 version-5 sentences (positions whose targets never
   train the model): macro-F1 of each.

SemEval-2016 is measured by ``benchmarks/semeval2016.py``. The data folder
holds public research data sets that must not be redistributed; with no
folder, the script says so and exits.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import GroupKFold, StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline, make_union  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

import stance  # noqa: E402
from stance._labels import normalize_label  # noqa: E402
from stance._recipes import make_estimator  # noqa: E402
from stance._targets import as_target, load_profiles  # noqa: E402

LABELS = ["aligned", "neutral", "opposed"]
BASELINE_REF = "a287ecf"  # stance 1.1
OPPOSITE_VERBS = ("ending", "scrapping", "abolishing", "rejecting")

# Run inside the baseline checkout: reads a job (JSON) on stdin, writes
# probabilities (JSON) on stdout. Jobs: {"predict": [[text, target], ...]}
# with the shipped model, or {"fit": [[text, target, label], ...], "predict": ...}.
BASELINE_SCRIPT = r"""
import json, sys
import numpy as np
job = json.load(sys.stdin)
pairs = [(text, target) for text, target in job["predict"]]
if "fit" in job:
    from stance._recipes import make_estimator
    model = make_estimator(job.get("recipe", "default"))
    model.fit([(t, g) for t, g, _ in job["fit"]], [label for _, _, label in job["fit"]])
    proba = model.predict_proba(pairs)
    classes = [str(c) for c in model.classes_]
else:
    import stance
    model = stance.load_model()
    proba = model.predict_proba([t for t, _ in pairs], target=[g for _, g in pairs]).to_numpy()
    classes = list(model.labels)
json.dump({"classes": classes, "proba": np.asarray(proba).tolist()}, sys.stdout)
"""


class Baseline:
    """Stance at another git revision, run in a separate process."""

    def __init__(self, ref):
        self.folder = Path(tempfile.mkdtemp(prefix="stance-baseline-"))
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(self.folder), ref],
            check=True,
            capture_output=True,
        )

    def close(self):
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(self.folder)],
            check=False,
            capture_output=True,
        )

    def labels(self, pairs, fit=None, recipe="default"):
        job = {"predict": [[t, g] for t, g in pairs]}
        if fit is not None:
            job["fit"] = fit
            job["recipe"] = recipe
        result = subprocess.run(
            [sys.executable, "-c", BASELINE_SCRIPT],
            input=json.dumps(job),
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(self.folder)},
            cwd=self.folder,
        )
        out = json.loads(result.stdout)
        return np.array(out["classes"])[np.argmax(out["proba"], axis=1)]


class Plain:
    """Word and character TF-IDF with a LinearSVC, on the text alone."""

    def __init__(self):
        self.pipeline = make_pipeline(
            make_union(
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
            ),
            LinearSVC(C=0.5, class_weight="balanced"),
        )

    def fit(self, rows):
        self.pipeline.fit([t for t, _, _ in rows], [label for _, _, label in rows])
        return self

    def labels(self, pairs):
        return self.pipeline.predict([t for t, _ in pairs])


class Current:
    """This checkout: its shipped model, or its default recipe fitted on rows."""

    def __init__(self, rows=None, recipe="default", profiles=None):
        self.profiles = profiles
        if rows is None:
            self.model = stance.load_model()
        else:
            self.model = make_estimator(recipe).fit(
                [(t, as_target(g, profiles)) for t, g, _ in rows], [label for _, _, label in rows]
            )

    def labels(self, pairs):
        texts = [t for t, _ in pairs]
        targets = [
            as_target(g, self.profiles) if self.profiles and isinstance(g, str) else g for _, g in pairs
        ]
        if hasattr(self.model, "predict"):
            if isinstance(self.model, stance.StanceModel):
                return np.array(self.model.predict(texts, target=targets))
            return self.model.predict(list(zip(texts, targets)))
        raise TypeError(type(self.model))


#: The corpus version whose targets are positions (claims), not policies or actors.
POSITIONS = "5"

#: The data sets' own labels that stance's label aliases do not cover.
LABEL_MAP = {
    "agree": "aligned",
    "disagree": "opposed",
    "Argument_for": "aligned",
    "Argument_against": "opposed",
    "NoArgument": "neutral",
}


def read(path):
    frame = pd.read_csv(path, keep_default_na=False, dtype=str)
    frame["label"] = [LABEL_MAP.get(label) or normalize_label(label) for label in frame["label"]]
    return frame


def macro_f1(truth, predicted, labels=LABELS):
    return 100 * f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)


def f_avg(truth, predicted):
    return 100 * f1_score(truth, predicted, labels=["aligned", "opposed"], average="macro", zero_division=0)


def opposite(target, verb):
    # "ending the death penalty", "scrapping sanctions against Russia"
    return f"{verb} {target}"


def near_misses(texts, own_targets, targets, rng):
    """Return ``(rows, targets)``: for each text that has one, a target sharing a word with its own.

    A near miss shares a word with the text's own target ("sanctions on
    Venezuela" for a sentence on "sanctions against Russia") and has a word
    of its own that the text does not contain: the text is not about it.
    """
    from stance._targets import signed_terms, stem
    from stance._text import normalize_text, tokenize

    words_of = {t: {w for words, _, _ in signed_terms(as_target(t)) for w in words} for t in targets}
    rows, chosen = [], []
    for row, (text, own) in enumerate(zip(texts, own_targets)):
        words = {stem(token) for token in tokenize(normalize_text(text))}
        candidates = [
            t
            for t in targets
            if t != own
            and words_of[t] & words_of[own]
            and words_of[t] - words_of[own]
            and not (words_of[t] - words_of[own]) & words
        ]
        if candidates:
            rows.append(row)
            chosen.append(candidates[rng.integers(len(candidates))])
    return rows, chosen


def _swapped(flipped, labels):
    """Whether each aligned or opposed label among ``labels`` has the other side in ``flipped``."""
    sided = labels != "neutral"
    return flipped[sided] == np.where(labels[sided] == "aligned", "opposed", "aligned")


def sensitivity(corpus, systems, quick):
    """Figure 1: unrelated targets give neutral; opposite targets flip the side.

    Returns ``{system: (neutral with an unrelated target, flips of the
    system's own side, flips to the other true side, neutral with a near
    miss, and the two flips again for positions)}`` in percent. The second
    counts the sentences on a policy or actor that the system labels aligned
    or opposed with their own target whose label flips with the opposite
    target ("ending X"); the third counts the true aligned/opposed sentences
    labelled with the other side; the fourth pairs sentences with a target
    that shares a word with their own (see :func:`near_misses`); the last
    two are the second and third for the sentences on a position, whose
    opposite is its negation ("it is not true that X").
    """
    rng = np.random.default_rng(0)
    domains = corpus.groupby("target")["domain"].first().to_dict()
    targets = sorted(domains)
    folds = StratifiedKFold(3 if quick else 5, shuffle=True, random_state=0)
    counts = {name: [[], [], [], [], [], []] for name in systems}
    near_rng = np.random.default_rng(1)  # apart, so that the other draws stay as they were
    for train_rows, test_rows in folds.split(corpus, corpus["label"]):
        train = corpus.iloc[train_rows]
        test = corpus.iloc[test_rows]
        rows = list(zip(train["text"], train["target"], train["label"]))
        unrelated = [rng.choice([t for t in targets if domains[t] != domain]) for domain in test["domain"]]
        verbs = rng.choice(OPPOSITE_VERBS, size=len(test))
        # A policy's or an actor's opposite is "ending X" and the like; a
        # position's ("the sanctions are weakening Russia's economy") is its
        # negation. Their flips are counted apart.
        reversible = (test["version"] != POSITIONS).to_numpy()
        opposites = [
            opposite(t, v) if policy else f"it is not true that {t}"
            for t, v, policy in zip(test["target"], verbs, reversible)
        ]
        truth = test["label"].to_numpy()
        near_rows, near_targets = near_misses(list(test["text"]), list(test["target"]), targets, near_rng)
        near_texts = list(test["text"].iloc[near_rows])
        for name, make in systems.items():
            model = make(rows)
            own = model.labels(list(zip(test["text"], test["target"])))
            counts[name][0].extend(model.labels(list(zip(test["text"], unrelated))) == "neutral")
            flipped = model.labels(list(zip(test["text"], opposites)))
            for rows_of_kind, own_flips, true_flips in ((reversible, 1, 2), (~reversible, 4, 5)):
                counts[name][own_flips].extend(_swapped(flipped[rows_of_kind], own[rows_of_kind]))
                counts[name][true_flips].extend(_swapped(flipped[rows_of_kind], truth[rows_of_kind]))
            counts[name][3].extend(model.labels(list(zip(near_texts, near_targets))) == "neutral")
    return {name: tuple(100 * np.mean(c) for c in values) for name, values in counts.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "datasets")
    parser.add_argument(
        "--baseline", default=BASELINE_REF, help="git revision of the baseline (default: 1.1)"
    )
    parser.add_argument("--quick", action="store_true", help="3 folds instead of 5, and no grouped CV")
    parser.add_argument("--only", nargs="*", help="figures to run (sensitivity realtext ibm grouped heldout)")
    parser.add_argument(
        "--record",
        action="store_true",
        help="write the figures into the shipped model's metadata and model card (section real_text)",
    )
    args = parser.parse_args()
    if not args.data_dir.is_dir():
        print(f"no data folder at {args.data_dir}: nothing to measure (see --data-dir)")
        return 0
    only = set(args.only or ["sensitivity", "realtext", "ibm", "grouped", "heldout"])
    corpus = stance.load_corpus()
    profiles = load_profiles()
    training = corpus[corpus["split"] != "heldout"]
    baseline = Baseline(args.baseline)
    started = time.perf_counter()
    figures = []  # for --record: what the model card states

    def record(figure, model, old, goal=""):
        figures.append({"figure": figure, "model": model, "baseline": old, "goal": goal})

    try:
        print(f"# stance realtext benchmark   (baseline: {args.baseline}; {time.strftime('%Y-%m-%d')})\n")
        if "sensitivity" in only:
            v1 = training[training["version"] == "2"]

            def baseline_fitted(rows):
                class Fitted:
                    def labels(self, pairs):
                        return baseline.labels(pairs, fit=[list(r) for r in rows])

                return Fitted()

            systems = {
                "stance": lambda rows: Current(rows, profiles=profiles),
                "stance 1.1": baseline_fitted,
                "plain": lambda rows: Plain().fit(rows),
            }
            print("1. target sensitivity (held-out folds of the corpus's training part)")
            print(
                f"   {'system':<12} {'neutral w/ unrelated':>21} {'own side flips':>15} {'true side flips':>16}"
                f" {'neutral w/ near miss':>21}"
            )
            measured = sensitivity(training, systems, args.quick)
            for name, (n, f, t, near, pf, pt) in measured.items():
                print(f"   {name:<12} {n:>20.1f}% {f:>14.1f}% {t:>15.1f}% {near:>20.1f}%   positions: {pf:.1f}% {pt:.1f}%")
            (n, f, t, near, pf, pt), (n1, f1, t1, near1, pf1, pt1) = measured["stance"], measured["stance 1.1"]
            record("neutral with an unrelated target", f"{n:.1f}%", f"{n1:.1f}%", "90%")
            record("neutral with a near-miss target (shares a word with its own)", f"{near:.1f}%", f"{near1:.1f}%")
            record("side flips with the opposite target (of its own sides)", f"{f:.1f}%", f"{f1:.1f}%", "80%")
            record("side flips with the opposite target (of the true sides)", f"{t:.1f}%", f"{t1:.1f}%")
            record("side flips with the negated position (of its own sides)", f"{pf:.1f}%", f"{pf1:.1f}%")
            record("side flips with the negated position (of the true sides)", f"{pt:.1f}%", f"{pt1:.1f}%")
            print(
                f"   ({len(training)} sentences of every version; the flips on policies and actors, and on"
                f" positions with the negated claim; v2 only for 1.1's own corpus: {len(v1)})\n"
            )
        if "realtext" in only:
            print("2. real text, shipped models, no training on the set")
            current = Current()
            plain = Plain().fit(list(zip(training["text"], training["target"], training["label"])))
            print(f"   {'set':<22} {'stance':>8} {'1.1':>8} {'plain':>8}")
            for folder, split in (
                ("gwsd", "train"),
                ("gwsd", "test"),
                ("ukp_sentential_am", "dev"),
                ("ukp_sentential_am", "test"),
                ("perspectrum", "dev"),
                ("perspectrum", "test"),
            ):
                data = read(args.data_dir / folder / f"{split}.csv")
                pairs = list(zip(data["text"], data["target"]))
                # Perspectrum's targets are claims and its labels two: F_avg.
                metric, name = (f_avg, "F_avg") if folder == "perspectrum" else (macro_f1, "macro-F1")
                scores = [metric(data["label"], system.labels(pairs)) for system in (current, baseline, plain)]
                print(f"   {folder + ' ' + split:<22} " + " ".join(f"{s:>8.1f}" for s in scores) + f"   {name}")
                if split == "test":
                    record(
                        f"{folder} test, {name}, no training on it",
                        f"{scores[0]:.1f}",
                        f"{scores[1]:.1f}",
                        {"gwsd": "55", "ukp_sentential_am": "50"}.get(folder, ""),
                    )
            print()
        if "ibm" in only:
            print("3. IBM Claim Stance: trained on train, F_avg on the unseen test motions")
            train = read(args.data_dir / "ibm_claim_stance" / "train.csv")
            test = read(args.data_dir / "ibm_claim_stance" / "test.csv")
            rows = list(zip(train["text"], train["target"], train["label"]))
            pairs = list(zip(test["text"], test["target"]))
            scores = {
                "stance": f_avg(test["label"], Current(rows).labels(pairs)),
                "stance 1.1": f_avg(test["label"], baseline.labels(pairs, fit=[list(r) for r in rows])),
                "plain": f_avg(test["label"], Plain().fit(rows).labels(pairs)),
            }
            print("   " + "   ".join(f"{name} {score:.1f}" for name, score in scores.items()) + "\n")
            record(
                "IBM Claim Stance, trained on train, F_avg",
                f"{scores['stance']:.1f}",
                f"{scores['stance 1.1']:.1f}",
                "65",
            )
        if "grouped" in only:
            print("4. corpus cross-validation grouped by target, v2 sentences: macro-F1")
            v2 = training[training["version"] == "2"].reset_index(drop=True)
            results = {name: np.empty(len(v2), dtype=object) for name in ("stance", "stance 1.1")}
            for train_rows, test_rows in GroupKFold(5).split(v2, v2["label"], v2["target"]):
                rows = list(zip(v2["text"][train_rows], v2["target"][train_rows], v2["label"][train_rows]))
                pairs = list(zip(v2["text"][test_rows], v2["target"][test_rows]))
                results["stance"][test_rows] = Current(rows, profiles=profiles).labels(pairs)
                results["stance 1.1"][test_rows] = baseline.labels(pairs, fit=[list(r) for r in rows])
            grouped = {name: macro_f1(v2["label"], r) for name, r in results.items()}
            print("   " + "   ".join(f"{n} {score:.1f}" for n, score in grouped.items()))
            record(
                "corpus CV grouped by target, v2 sentences, macro-F1",
                f"{grouped['stance']:.1f}",
                f"{grouped['stance 1.1']:.1f}",
                f"{grouped['stance 1.1'] - 2:.1f}",
            )
            both = training.reset_index(drop=True)
            labels = np.empty(len(both), dtype=object)
            for train_rows, test_rows in GroupKFold(5).split(both, both["label"], both["target"]):
                rows = list(
                    zip(both["text"][train_rows], both["target"][train_rows], both["label"][train_rows])
                )
                pairs = list(zip(both["text"][test_rows], both["target"][test_rows]))
                labels[test_rows] = Current(rows, profiles=profiles).labels(pairs)
            print(f"   stance on every version together: {macro_f1(both['label'], labels):.1f}\n")
        if "heldout" in only:
            print("5. the corpus's held-out parts (labelled twice): macro-F1")
            plain = Plain().fit(list(zip(training["text"], training["target"], training["label"])))
            current = Current()
            for version, kind in (
                ("3", "written like real statements"),
                ("4", "arguments and background"),
                (POSITIONS, "positions: claims as targets"),
            ):
                held = corpus[(corpus["split"] == "heldout") & (corpus["version"] == version)]
                pairs = list(zip(held["text"], held["target"]))
                new, old = (
                    macro_f1(held["label"], current.labels(pairs)),
                    macro_f1(held["label"], baseline.labels(pairs)),
                )
                print(
                    f"   v{version} ({kind}, {len(held)}): stance {new:.1f}   stance 1.1 {old:.1f}   "
                    f"plain {macro_f1(held['label'], plain.labels(pairs)):.1f}   "
                    f"second annotator {macro_f1(held['label'], held['second_label']):.1f}"
                )
                record(f"the corpus's held-out v{version} part ({kind}), macro-F1", f"{new:.1f}", f"{old:.1f}")
            print()
    finally:
        baseline.close()
    print(f"({time.perf_counter() - started:.0f} s)")
    if args.record:
        from stance._persistence import default_model_path, update_metadata

        section = {
            "date": time.strftime("%Y-%m-%d"),
            "baseline": f"1.1 ({args.baseline})",
            "figures": figures,
        }
        update_metadata(default_model_path(), real_text=section)
        print(f"recorded in {default_model_path().with_suffix('.json').name} and its model card")
    return 0


if __name__ == "__main__":
    sys.exit(main())
