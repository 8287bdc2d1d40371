"""Choosing which sentences to label: the model's least certain, no two alike.

Labels teach a model most where it hesitates (uncertainty sampling), but the
most uncertain sentences of a document are often variants of one another, and
labelling ten of them teaches little more than labelling one. :func:`suggest`
takes the sentences the model is least sure about, one at a time, each time
preferring the one least like those already taken, and never takes a near
duplicate of one already taken.
"""

import heapq
import re

__all__ = ["NEAR_DUPLICATE", "uncertainty", "suggest", "pool_size", "Candidates"]

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


def pool_size(n, pool=None):
    """How many of the most uncertain distinct texts :func:`suggest` considers for ``n`` suggestions.

    Examples
    --------
    >>> pool_size(50), pool_size(500), pool_size(5, pool=10)
    (2000, 10000, 10)
    """
    return pool or max(20 * n, 2000)


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
    candidates = candidates[: pool_size(n, pool)]
    if not candidates:
        return [], []
    try:
        vectors = TfidfVectorizer(binary=True, use_idf=False).fit_transform([texts[i] for i in candidates])
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


class Candidates:
    """The texts :func:`suggest` would consider among all the rows seen, kept as the rows stream past.

    :func:`suggest` looks only at the :func:`pool_size` most uncertain
    distinct texts (exact repeats after case and punctuation count once, at
    their most uncertain and then earliest row), so rows read chunk by chunk
    can be reduced to those as they come: memory holds ``size`` texts,
    whatever the length of the input, and :meth:`texts_and_proba` gives
    :func:`suggest` what it would pick from had it seen every row at once.

    Examples
    --------
    >>> import numpy as np
    >>> kept = Candidates(2)
    >>> kept.add(["Sure.", "Maybe."], np.array([[1.0, 0.0, 0.0], [0.5, 0.4, 0.1]]), [0, 1])
    >>> kept.add(["Who knows.", "maybe!"], np.array([[0.4, 0.3, 0.3], [0.4, 0.4, 0.2]]), [2, 3])
    >>> texts, proba, rows, _ = kept.texts_and_proba()
    >>> texts, rows
    (['Who knows.', 'maybe!'], [2, 3])
    """

    def __init__(self, size):
        self.size = size
        self._best = {}  # normalised text -> (-uncertainty, row, text, probabilities, extra)
        self._labels = 0

    def add(self, texts, proba, rows, extras=None):
        """Consider ``texts`` (with their probabilities, input rows and anything to carry, such as targets)."""
        import numpy as np

        if not len(texts):
            return
        proba = np.asarray(proba, dtype=float)
        self._labels = proba.shape[1]
        scores = uncertainty(proba)
        best = self._best
        for i, text in enumerate(texts):
            key = _normal(text)
            if not key:  # blank texts are never candidates
                continue
            entry = (-float(scores[i]), rows[i], text, proba[i], None if extras is None else extras[i])
            if key not in best or entry[:2] < best[key][:2]:
                best[key] = entry
        if len(best) > self.size:
            self._best = dict(heapq.nsmallest(self.size, best.items(), key=lambda item: item[1][:2]))

    def texts_and_proba(self):
        """``(texts, proba, rows, extras)`` of the candidates kept, in input order."""
        import numpy as np

        entries = sorted(self._best.values(), key=lambda entry: entry[1])
        proba = np.array([entry[3] for entry in entries]).reshape(len(entries), self._labels)
        return [e[2] for e in entries], proba, [e[1] for e in entries], [e[4] for e in entries]
