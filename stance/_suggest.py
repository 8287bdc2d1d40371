"""Choosing which sentences to label: the model's least certain, no two alike.

Labels teach a model most where it hesitates (uncertainty sampling), but the
most uncertain sentences of a document are often variants of one another, and
labelling ten of them teaches little more than labelling one. :func:`suggest`
takes the sentences the model is least sure about, one at a time, each time
preferring the one least like those already taken, and never takes a near
duplicate of one already taken.
"""

import re

__all__ = ["NEAR_DUPLICATE", "uncertainty", "suggest"]

#: Cosine similarity of the sets of words at or above which two sentences are near duplicates.
NEAR_DUPLICATE = 0.8

#: How much a candidate's likeness to those already taken counts against its uncertainty.
DIVERSITY_WEIGHT = 0.5

_SPACE = re.compile(r"\W+")


def uncertainty(proba):
    """One minus the margin between the two most likely labels, per row (1: a tie; 0: certain).

    Examples
    --------
    >>> import numpy as np
    >>> uncertainty(np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [0.6, 0.3, 0.1]])).round(2).tolist()
    [1.0, 0.0, 0.7]
    """
    import numpy as np

    top = np.sort(np.asarray(proba, dtype=float), axis=1)
    return 1.0 - (top[:, -1] - top[:, -2])


def _normal(text):
    return _SPACE.sub(" ", str(text).lower()).strip()


def suggest(texts, proba, n, near_duplicate=NEAR_DUPLICATE, pool=None, balance=False):
    """Return the positions of ``n`` texts worth labelling, the most useful first.

    Parameters
    ----------
    texts : list of str
    proba : array of shape (len(texts), labels)
        The model's probabilities for each text.
    n : int
        How many to choose (fewer if there are not enough distinct texts).
    near_duplicate : float
        Texts at least this similar (cosine of their sets of words) to one
        already chosen are never chosen.
    balance : bool, default=False
        Let the labels the model predicts take turns (the least certain text
        the model calls aligned, then neutral, then opposed...), so that the
        sample is not all of the label the model hesitates over most.
    pool : int, optional
        Consider only this many of the most uncertain texts (default
        ``max(20 * n, 2000)``), which bounds the time on large inputs.

    Returns
    -------
    positions, scores : list of int, list of float
        ``scores`` is each chosen text's uncertainty.

    Examples
    --------
    >>> import numpy as np
    >>> texts = ["We may back it.", "We may back it!", "It rains.", "They might oppose it."]
    >>> proba = np.array([[0.5, 0.4, 0.1], [0.5, 0.4, 0.1], [0.0, 1.0, 0.0], [0.2, 0.35, 0.45]])
    >>> suggest(texts, proba, 3)[0]  # the least certain first; never text 1, a repeat of 0
    [0, 3, 2]
    >>> suggest(texts, proba, 3, balance=True)[0]  # the model's labels take turns: aligned, neutral, opposed
    [0, 2, 3]
    """
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    if n < 1 or not len(texts):
        return [], []
    scores = uncertainty(proba)
    # Blank texts and exact repeats (after case and punctuation) are never candidates.
    seen, candidates = set(), []
    for position in np.argsort(-scores, kind="stable"):
        key = _normal(texts[position])
        if key and key not in seen:
            seen.add(key)
            candidates.append(int(position))
    candidates = candidates[: pool or max(20 * n, 2000)]
    if not candidates:
        return [], []
    try:
        vectors = TfidfVectorizer(binary=True, use_idf=False).fit_transform(
            [texts[i] for i in candidates]
        )
    except ValueError:  # no words at all (only numbers or punctuation)
        vectors = None
    chosen = []
    likeness = np.zeros(len(candidates))  # each candidate's highest similarity to a chosen text
    available = np.ones(len(candidates), dtype=bool)
    base = scores[candidates]
    predicted = np.asarray(proba)[candidates].argmax(axis=1)
    turns = np.unique(predicted)
    while len(chosen) < n and available.any():
        allowed = available
        if balance:  # the model's labels take turns, so that no one label fills the sample
            turn = available & (predicted == turns[len(chosen) % len(turns)])
            allowed = turn if turn.any() else available
        value = np.where(allowed, base - DIVERSITY_WEIGHT * likeness, -np.inf)
        best = int(np.argmax(value))
        chosen.append(best)
        available[best] = False
        if vectors is not None:
            similarity = (vectors @ vectors[best].T).toarray().ravel()
            likeness = np.maximum(likeness, similarity)
            available &= likeness < near_duplicate
    positions = [candidates[i] for i in chosen]
    return positions, [float(scores[p]) for p in positions]
