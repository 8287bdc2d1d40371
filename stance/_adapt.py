"""Adapting the model to a user's own labels: their rows together with the bundled corpus.

A few hundred labelled sentences are too few to learn stance from alone, but
enough to correct the bundled corpus where the user's documents differ from
it. :func:`combine_with_corpus` trains on both, the user's rows repeated so
that they weigh more: where the two disagree (the same text with another
label, or the same kind of sentence), the user's labels win.
"""

import math

__all__ = [
    "SMALL_DATA_ROWS",
    "user_weight",
    "combine_with_corpus",
    "cross_validate_adapted",
]

#: Fewer labelled rows than this are too few to train a model on alone: in
#: benchmarks/adapt.py, below about 200 rows a model trained on them alone
#: scored below the shipped model or the same rows with the corpus.
SMALL_DATA_ROWS = 200

#: The largest weight (times each user row is repeated).
MAX_WEIGHT = 10


def user_weight(user_rows, corpus_rows):
    """How many times each of the user's rows counts next to the corpus.

    Enough that the user's rows together weigh about as much as the corpus
    (so they dominate where the two disagree), at most :data:`MAX_WEIGHT`
    and at least 1.

    Examples
    --------
    >>> user_weight(100, 6000), user_weight(1000, 6000), user_weight(50000, 6000)
    (10, 6, 1)
    """
    if user_rows <= 0:
        return 1
    return max(1, min(MAX_WEIGHT, math.ceil(corpus_rows / user_rows)))


def _key(frame):
    return frame["text"].str.strip().str.lower()


def combine_with_corpus(user, corpus, weight=None):
    """Return ``(data, info)``: the user's prepared rows, repeated, with the corpus rows.

    Corpus rows whose text is also among the user's rows are left out (the
    user's label wins). ``info`` holds ``weight``, ``user_rows``,
    ``corpus_rows`` (kept) and ``corpus_rows_replaced``.

    Examples
    --------
    >>> import pandas as pd
    >>> user = pd.DataFrame({"text": ["We back it."], "target": [None], "label": ["aligned"]})
    >>> corpus = pd.DataFrame({"text": ["we back it.", "It rains."], "target": [None, None],
    ...                        "label": ["opposed", "neutral"]})
    >>> data, info = combine_with_corpus(user, corpus, weight=3)
    >>> data["label"].tolist(), info["corpus_rows_replaced"]
    (['aligned', 'aligned', 'aligned', 'neutral'], 1)
    """
    import pandas as pd

    weight = user_weight(len(user), len(corpus)) if weight is None else int(weight)
    if weight < 1:
        raise ValueError(f"the weight must be at least 1, not {weight}")
    replaced = _key(corpus).isin(set(_key(user)))
    kept = corpus[~replaced]
    data = pd.concat([user] * weight + [kept[["text", "target", "label"]]], ignore_index=True)
    info = {
        "weight": weight,
        "user_rows": len(user),
        "corpus_rows": len(kept),
        "corpus_rows_replaced": int(replaced.sum()),
    }
    return data, info


def cross_validate_adapted(estimator, user, corpus, folds=5, weight=None, baseline=None, random_state=0,
                           on_fit=None, profiles=None):
    """Score training on the user's rows, alone and with the corpus, on the user's own held-out rows.

    Stratified folds of the user's rows: each fold is labelled by a model
    trained on the other folds alone, by one trained on the other folds with
    the corpus, and by ``baseline`` (a :class:`StanceModel`, e.g. the
    shipped model) if given. Returns ``{"folds", "alone", "with_corpus",
    "baseline"}`` (each an :func:`evaluation_report`). The user's
    ``profiles`` (a ``{key: Target}`` mapping) apply as in training: alone,
    to the model of the user's rows; with the corpus and to the baseline,
    over the corpus's shipped profiles.
    """
    import numpy as np
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    from ._evaluation import evaluation_report
    from ._targets import with_shipped_profiles
    from ._training import profiled_targets, training_inputs

    profiles_of = {"alone": profiles, "with_corpus": with_shipped_profiles(profiles)}
    labels = user["label"].to_numpy()
    targets = user["target"].fillna("(none)").to_numpy()
    predicted = {"alone": np.empty(len(user), dtype=object), "with_corpus": np.empty(len(user), dtype=object)}
    splitter = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    for train_rows, test_rows in splitter.split(user, labels):
        part = user.iloc[train_rows].reset_index(drop=True)
        test = user.iloc[test_rows]
        for name in predicted:
            data = part if name == "alone" else combine_with_corpus(part, corpus, weight)[0]
            try:
                model = clone(estimator).fit(training_inputs(data, profiles_of[name]), data["label"])
                predicted[name][test_rows] = model.predict(training_inputs(test, profiles_of[name]))
            except ValueError:  # too few rows of a label in this fold to fit alone
                predicted[name][test_rows] = "neutral"
            if on_fit:
                on_fit()
    results = {"folds": folds}
    for name, labels_predicted in predicted.items():
        results[name] = evaluation_report(labels, labels_predicted, targets)
    if baseline is not None:
        read_as = profiled_targets(user["target"], profiles_of["with_corpus"]) if profiles else user["target"].tolist()
        shipped = baseline.predict(user["text"].tolist(), read_as)
        results["baseline"] = evaluation_report(labels, shipped, targets)
    return results
