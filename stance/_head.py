"""The linear head: scores from features, and probabilities from scores.

Shared by the estimator and its compiled form, so both label a text the same
way: ``scores = features @ coef.T + intercept``, then a softmax of the scores
times a fitted temperature factor. numpy only; fitting the temperature also
uses scipy.
"""

import numpy as np

__all__ = [
    "LinearHeads",
    "most_probable",
    "swap_sides",
    "linear_scores",
    "probabilities",
    "relevance_probability",
    "fit_temperature",
]


def most_probable(proba, classes):
    """Return the label of each row of ``proba``: the class of its highest probability.

    The one rule from probabilities to labels, for every way of labelling
    (the estimators' ``predict``, :class:`~stance.StanceModel`, its tables and
    the command line): a tie goes to the class that comes first.

    Parameters
    ----------
    proba : array-like of shape (n_texts, n_classes)
    classes : array-like of shape (n_classes,)
        The labels, in the order of ``proba``'s columns.

    Returns
    -------
    ndarray of shape (n_texts,)
        Items of ``classes`` (of its dtype when it is an array).

    Examples
    --------
    >>> most_probable([[0.2, 0.5, 0.3], [0.4, 0.2, 0.4]], ["aligned", "neutral", "opposed"]).tolist()
    ['neutral', 'aligned']
    """
    classes = np.asarray(classes)
    proba = np.asarray(proba)
    if len(proba) == 0:
        return classes[:0]
    return classes[np.argmax(proba, axis=1)]


class LinearHeads:
    """The weights that turn a featuriser's features into label probabilities.

    The stance head (``coef``, ``intercept``: one row per class, and its
    ``temperature``), and optionally the relevance head (``relevance``:
    ``(coef, intercept, temperature, prior)`` with one row of weights).
    """

    def __init__(self, classes, coef, intercept, temperature, relevance=None):
        self.classes, self.coef, self.intercept, self.temperature = classes, coef, intercept, temperature
        self.relevance = relevance

    def predict_proba(self, featuriser, texts, targets=None):
        """Return the probabilities of ``texts`` toward ``targets``, shape ``(len(texts), n_classes)``."""
        features, sides = featuriser.transform(texts, targets, sides=True)
        scores = linear_scores(features, self.coef, self.intercept, len(texts))
        relevance = None
        if self.relevance is not None:
            coef, intercept, temperature, prior = self.relevance
            relevance = relevance_probability(
                linear_scores(features, coef, intercept, len(texts))[:, 0], temperature, prior
            )
        return probabilities(scores, self.temperature, self.classes, texts, sides, relevance)


def swap_sides(labels, sides):
    """Return ``labels`` with aligned and opposed swapped where ``sides`` is -1.

    What the stance head learns and predicts is the attitude a text shows
    toward what it talks about; the side of that toward the target is the
    stance.

    Examples
    --------
    >>> swap_sides(np.array(["aligned", "neutral", "opposed"]), np.array([-1, -1, 1])).tolist()
    ['opposed', 'neutral', 'opposed']
    """
    labels = np.asarray(labels, dtype=object).copy()
    swap = np.asarray(sides) < 0
    aligned, opposed = swap & (labels == "aligned"), swap & (labels == "opposed")
    labels[aligned], labels[opposed] = "opposed", "aligned"
    return labels


def linear_scores(features, coef, intercept, n):
    """Return ``(n, n_classes)`` scores of features given as ``(rows, columns, values)`` arrays."""
    rows, columns, values = features
    scores = np.empty((n, len(intercept)))
    scores[:] = intercept
    for k, weights in enumerate(coef):
        scores[:, k] += np.bincount(rows, values * weights[columns], minlength=n)
    return scores


def probabilities(scores, temperature, classes, texts, polarity=None, relevance=None):
    """Return label probabilities from the stance scores, each row summing to 1.

    The softmax of ``temperature * scores``; then, for a row whose
    ``polarity`` is -1 (the text speaks of the other side of its target: see
    :meth:`~stance._featuriser.Featuriser.transform`), the probabilities of
    ``aligned`` and ``opposed`` swapped; then, given the
    probability that each text concerns its target (``relevance``), the
    rest of the probability goes to ``neutral``: a sentence about something
    else takes no side. A row whose polarity is 0 has no target, and no
    relevance to judge. A blank text has no stance: it gets probability 1
    for ``neutral`` (when ``classes`` has it).

    Examples
    --------
    >>> classes = ["aligned", "neutral", "opposed"]
    >>> scores = np.array([[2.0, 0.0, -2.0]] * 3)
    >>> p = probabilities(scores, 1.0, classes, ["a", "b", " "], polarity=np.array([1, -1, 1]))
    >>> bool(p[0, 0] > 0.8 and p[1, 2] > 0.8), p[2].tolist()
    (True, [0.0, 1.0, 0.0])
    >>> probabilities(scores[:1], 1.0, classes, ["a"], relevance=np.array([0.1]))[0, 1].round(2)
    np.float64(0.91)
    """
    logits = temperature * scores
    logits -= logits.max(axis=1, keepdims=True)
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    classes = list(classes)
    if polarity is not None and "aligned" in classes and "opposed" in classes:
        swap = polarity < 0
        aligned, opposed = classes.index("aligned"), classes.index("opposed")
        proba[swap, aligned], proba[swap, opposed] = proba[swap, opposed], proba[swap, aligned].copy()
    if "neutral" in classes:
        neutral = classes.index("neutral")
        if relevance is not None:
            if polarity is not None:  # a text given no target is not judged on its relevance
                relevance = np.where(polarity == 0, 1.0, relevance)
            proba *= relevance[:, None]
            proba[:, neutral] += 1 - relevance
        # Blank: empty or all whitespace (not text.strip()), by str methods
        # mapped over the texts, not a generator step per text.
        n = len(texts)
        blank = np.fromiter(map(str.isspace, texts), dtype=bool, count=n)
        blank |= np.fromiter(map(len, texts), dtype=np.int64, count=n) == 0
        proba[blank] = np.asarray(classes) == "neutral"
    return proba


def relevance_probability(scores, temperature, prior=0.5):
    """Return how likely each text concerns its target, from a binary model's scores.

    The softmax of ``temperature * (s, -s)``, as :func:`fit_temperature`
    fits it for two classes, which is ``sigmoid(2 * temperature * s)``; the
    model was trained on as many unrelated pairs as related ones, so its
    odds are then multiplied by the ``prior`` odds that a text concerns
    the target it is given (``prior / (1 - prior)``).

    Examples
    --------
    >>> relevance_probability(np.array([0.0]), 1.0, prior=0.8).round(2)
    array([0.8])
    """
    logit = 2 * temperature * scores + np.log(prior / (1 - prior))
    return 1 / (1 + np.exp(-np.clip(logit, -500, 500)))


def fit_temperature(scores, label_index):
    """Return the factor ``t > 0`` that minimises the log loss of ``softmax(t * scores)``.

    ``scores`` are out-of-fold scores, ``label_index`` each row's true
    column. Scaling every score by one factor never changes which label is
    most probable: it only makes the probabilities honest.

    Examples
    --------
    >>> scores = np.array([[2.0, -2.0], [-1.0, 1.0], [1.5, -1.5], [0.5, -0.5]])
    >>> t = fit_temperature(scores, np.array([0, 1, 0, 1]))
    >>> 0 < t < 1
    True
    """
    from scipy.optimize import minimize_scalar
    from scipy.special import log_softmax

    rows = np.arange(len(scores))

    def log_loss(log_t):
        return -log_softmax(np.exp(log_t) * scores, axis=1)[rows, label_index].mean()

    # On the log scale, so that t stays positive; 1e-4 to 1e4 covers any
    # scores a linear SVM gives.
    best = minimize_scalar(log_loss, bounds=(np.log(1e-4), np.log(1e4)), method="bounded")
    return float(np.exp(best.x))
