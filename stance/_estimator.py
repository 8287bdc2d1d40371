"""StanceClassifier: the scikit-learn estimator behind every stance model."""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from ._featuriser import MAX_WEIGHT
from ._head import (
    LinearHeads,
    fit_temperature,
    linear_scores,
    most_probable,
    relevance_probability,
    swap_sides,
)
from ._inputs import RawTextTags, split_inputs, split_labelled
from ._targets import as_target, target_key
from ._vectorizer import StanceVectorizer

__all__ = ["StanceClassifier"]


#: The largest seed: numpy's and scikit-learn's seeds are 32-bit.
MAX_SEED = 2**32 - 1


def is_whole(value):
    """Whether ``value`` is a whole number (not a bool) of at least 0."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and value >= 0


def is_count(value):
    """Whether ``value`` is a whole number (not a bool) of at least 1."""
    return is_whole(value) and value >= 1


def is_seed(value):
    """Whether ``value`` is a whole number from 0 to :data:`MAX_SEED` (a seed scikit-learn and numpy take)."""
    return is_whole(value) and value <= MAX_SEED


def is_flag(value):
    """Whether ``value`` is True or False (numpy's too); 0, 1 or "no" are not."""
    return isinstance(value, (bool, np.bool_))


def is_number(value):
    """Whether ``value`` is a finite int or float (not a bool)."""
    if not isinstance(value, (int, float, np.number)) or isinstance(value, (bool, np.bool_)):
        return False
    try:
        return bool(np.isfinite(value))
    except (OverflowError, TypeError):  # an int beyond any float: 10**400
        return False


def is_one_of(value, choices):
    """Whether ``value`` is one of ``choices`` (strings or None), compared safely (an array is not)."""
    return (value is None or isinstance(value, str)) and value in choices


def is_ngram_range(value, optional=False):
    """Whether ``value`` is ``(low, high)`` with ``1 <= low <= high`` (or None, if ``optional``)."""
    if value is None:
        return optional
    return (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(is_count(v) for v in value)
        and value[0] <= value[1]
    )


_NGRAMS = "a pair (low, high) of whole numbers with 1 <= low <= high"
_FLAG = "True or False"

#: What each setting may be, for the message that refuses a value.
ALLOWED = {
    "word_ngram_range": _NGRAMS,
    "char_ngram_range": f"None or {_NGRAMS}",
    "negation": _FLAG,
    "target_features": '"words", "all" or None',
    "target_weight": f"a number from 0 to {MAX_WEIGHT:,.0f}",
    "relation_weight": f"a number from 0 to {MAX_WEIGHT:,.0f}",
    "relevance": _FLAG,
    "relevance_prior": "a number between 0 and 1 (both excluded)",
    "lexicon": _FLAG,
    "min_df": "a whole number of at least 1",
    "sublinear_tf": _FLAG,
    "C": "a finite number above 0",
    "class_weight": '"balanced" or None',
    "calibration_folds": "a whole number of at least 2",
    "random_state": f"a whole number from 0 to {MAX_SEED}",
    "n_features": "a whole number from 1 to 2**31 - 1",
    "idf": _FLAG,
    "alpha": f"a number above 0 and at most {MAX_WEIGHT:,.0f}",
    "epochs": "a whole number from 1 to 100000",
    "batch_rows": "a whole number of at least 1",
}


def is_weight(value):
    """Whether ``value`` is a number from 0 to :data:`~stance._featuriser.MAX_WEIGHT`."""
    return is_number(value) and 0 <= value <= MAX_WEIGHT


def feature_setting_problems(estimator):
    """Return ``{setting: is bad}`` for the feature settings of a stance estimator."""
    problems = {
        "word_ngram_range": not is_ngram_range(estimator.word_ngram_range),
        "char_ngram_range": not is_ngram_range(estimator.char_ngram_range, optional=True),
        "negation": not is_flag(estimator.negation),
        "target_features": not is_one_of(estimator.target_features, ("words", "all", None)),
        "target_weight": not is_weight(estimator.target_weight),
        "lexicon": not is_flag(estimator.lexicon),
        "sublinear_tf": not is_flag(estimator.sublinear_tf),
    }
    if hasattr(estimator, "relation_weight"):  # the streaming estimator has no relating features
        problems["relation_weight"] = not is_weight(estimator.relation_weight)
    if hasattr(estimator, "min_df"):
        problems["min_df"] = not is_count(estimator.min_df)
    return problems


def raise_for_bad_settings(estimator, problems, allowed=None):
    """Raise ValueError naming the first setting whose value ``problems`` marks as bad, and what it may be.

    ``allowed`` overrides :data:`ALLOWED` for settings that differ by estimator.
    """
    import reprlib

    shown = reprlib.Repr()
    shown.maxstring = shown.maxother = 60
    for name, bad in problems.items():
        if bad:
            try:
                value = shown.repr(getattr(estimator, name))
            except Exception:  # a value whose repr fails is still refused, by its type
                value = f"<{type(getattr(estimator, name)).__name__}>"
            what = {**ALLOWED, **(allowed or {})}[name]
            raise ValueError(f"invalid setting {name}={value}: {estimator.__class__.__name__} takes {what}")


class StanceClassifier(RawTextTags, ClassifierMixin, BaseEstimator):
    """Stance classifier: the stance featuriser, a linear SVM and a temperature.

    Inputs ``X`` are raw texts: a list of strings (no target), a pandas
    DataFrame with a ``text`` and an optional ``target`` column, or a list of
    ``(text, target)`` pairs, where a target is a string or a
    :class:`~stance.Target` profile. A text is read up to its first 100,000
    characters. Features come from :class:`~stance.StanceVectorizer`: word
    n-grams (with negation scope marked), lexicon categories and,
    optionally, character n-grams, shared by all targets; a copy of them per
    training target; and the features that relate the text to its target
    (does it mention the target, an ally or an opponent, and which cues
    stand near each mention, signed by side). Unknown targets use all but
    the per-target copies.

    Probabilities are a softmax of the SVM's scores times one temperature
    factor, fitted on out-of-fold scores: the predicted label is always the
    most probable one, and the linear SVM trained on all the data is the
    one that :meth:`explain` reads.

    Parameters
    ----------
    word_ngram_range : tuple of int, default=(1, 2)
        Smallest and largest word n-gram.
    char_ngram_range : tuple of int or None, default=None
        Smallest and largest character n-gram (within word boundaries), or
        None for no character features. Character n-grams help with
        misspellings and many targets with few texts each (as in SemEval's
        tweets), but they multiply the cost of labelling about fivefold; on
        the bundled corpus, words alone score as well.
    negation : bool, default=True
        Mark words in a negation's scope (``not support`` -> ``NOT_support``).
    target_features : {"words", "all", None}, default="words"
        Which features get a copy per training target: the word features,
        all features (words and characters), or none.
    target_weight : float, default=0.5
        Scale of the per-target copies: below 1, the model leans more on the
        cues shared by all targets.
    relation_weight : float, default=0.5
        Scale of the features that relate the text to its target; 0 for a
        model of the text's attitude alone, which ignores the target.
    relevance : bool, default=True
        Learn, besides the side a text takes, whether it concerns its target
        at all: a second linear model, trained on each training text with
        its own target (relevant) and with an unrelated training target (not
        relevant), whose probability that a text is not about its target
        goes to ``neutral``. Needs a ``neutral`` label and two targets.
    relevance_prior : float, default=0.97
        How likely a text is, before reading it, to concern the target it
        is given. The relevance model learns from as many unrelated pairs as
        related ones; real data given with a target mostly concerns it.
    lexicon : bool, default=True
        Add counts of the bundled stance lexicon's categories (support,
        oppose, positive, negative, neutral, hedge, irony; negated when in a
        negation scope), so that stance words unseen in training still count.
    min_df : int, default=1
        Ignore n-grams seen in fewer training texts.
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)`` term frequencies.
    C : float, default=2.0
        Inverse regularisation strength of the SVM.
    class_weight : {"balanced"} or None, default="balanced"
        Weigh classes inversely to their frequency.
    calibration_folds : int, default=5
        Folds of the out-of-fold scores that fit the temperature (fewer
        when a label has fewer examples).
    random_state : int, default=0
        Seed of the SVM and of the calibration folds: same data and seed,
        same model.

    Attributes
    ----------
    classes_ : ndarray of str
        The labels, in the order of :meth:`predict_proba` columns.
    targets_ : list of str
        The normalised targets seen in training.
    vectorizer_ : StanceVectorizer
        The fitted featuriser.
    svm_ : LinearSVC
        The SVM fitted on all the training data.
    temperature_ : float
        The factor the scores are multiplied by before the softmax.
    relevance_svm_ : LinearSVC or None
        The model of whether a text concerns its target (None without it).
    relevance_temperature_ : float or None
        Its scores' factor before the sigmoid.

    Examples
    --------
    >>> texts = ["We firmly support the treaty.", "We reject this treaty outright.",
    ...          "The treaty was signed in 2017.", "We welcome and endorse the treaty.",
    ...          "This treaty is a dangerous mistake.", "The vote on the treaty is on Monday."]
    >>> labels = ["aligned", "opposed", "neutral"] * 2
    >>> model = StanceClassifier(calibration_folds=2).fit(texts, labels)
    >>> model.predict(["We strongly support it."]).tolist()
    ['aligned']
    >>> model.predict_proba(["We reject it."]).sum().round(6)
    np.float64(1.0)
    """

    def __init__(
        self,
        word_ngram_range=(1, 2),
        char_ngram_range=None,
        negation=True,
        target_features="words",
        target_weight=0.5,
        relation_weight=0.5,
        relevance=True,
        relevance_prior=0.97,
        lexicon=True,
        min_df=1,
        sublinear_tf=True,
        C=2.0,
        class_weight="balanced",
        calibration_folds=5,
        random_state=0,
    ):
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.negation = negation
        self.target_features = target_features
        self.target_weight = target_weight
        self.relation_weight = relation_weight
        self.relevance = relevance
        self.relevance_prior = relevance_prior
        self.lexicon = lexicon
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.C = C
        self.class_weight = class_weight
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    # -- fitting ---------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
        """Fit the model on texts ``X`` (with their targets) and labels ``y``.

        Parameters
        ----------
        X : list of str, list of (text, target) pairs, or DataFrame
        y : array-like of str
        sample_weight : array-like of float, optional
            Weight of each example in the SVM's loss (for instance, to let a
            user's own examples count more than a bundled corpus).

        Returns
        -------
        self
        """
        self.check_params()
        texts, targets, y = split_labelled(X, y)
        _, counts = np.unique(y, return_counts=True)
        if counts.min() < 2:
            raise ValueError("every label needs at least 2 examples to fit and calibrate a model")
        pairs = list(zip(texts, targets))
        self.vectorizer_ = StanceVectorizer(**{name: getattr(self, name) for name in _VECTORIZER_SETTINGS})
        unrelated = (
            unrelated_pairs(texts, targets, self.random_state) if self._learns_relevance(y, targets) else []
        )
        # The vocabulary comes from the texts with their own targets only, so
        # that the relevance pairs change nothing of the stance model's features.
        self.vectorizer_.fit(pairs)
        features, sides = self.vectorizer_.transform_with_sides(pairs)
        # The stance head learns the attitude toward what a text talks
        # about; where that is the target's other side, the label says the
        # opposite (see Featuriser.transform). Beside a relevance head, it
        # does not see the relevance block: whether the text concerns the
        # target is the relevance head's question alone. (Seeing it, the
        # stance head learned "names no target word" as a sign of neutral,
        # which wrongly neutralised on-topic sentences about targets it never
        # saw: grouped CV on the v2 sentences 72.0 without this, 73.9 with it.)
        attitude = _without_relevance(features, self.vectorizer_.featuriser_) if unrelated else features
        svm = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
        self.svm_, self.temperature_ = _fit_calibrated(
            svm, attitude, swap_sides(y, sides), sample_weight, self.calibration_folds, self.random_state
        )
        self.classes_ = self.svm_.classes_
        self.relevance_svm_ = self.relevance_temperature_ = None
        if unrelated:
            import scipy.sparse as sp

            pairs_and_unrelated = sp.vstack([features, self.vectorizer_.transform(unrelated)], format="coo")
            # Every pair twice more as if its target were unknown: without the
            # per-target block, then without the topic either. The model then
            # also learns to judge relevance for a target it never saw, and
            # from mentions alone for one none of whose words it knows.
            featuriser = self.vectorizer_.featuriser_
            concerned = np.array(["relevant"] * len(pairs) + ["unrelated"] * len(unrelated), dtype=object)
            weight = np.ones(len(concerned))
            if sample_weight is not None:
                weight[: len(pairs)] = sample_weight
            views, labels, weights = [pairs_and_unrelated.tocsr()], [concerned], [weight]
            for topic in (True, False):
                rows, columns, values = featuriser.as_unknown_targets(
                    pairs_and_unrelated.row, pairs_and_unrelated.col, pairs_and_unrelated.data, topic=topic
                )
                view = sp.csr_matrix((values, (rows, columns)), shape=pairs_and_unrelated.shape)
                # Without a topic, a text concerns a target it does not name
                # as far as the model can tell only by chance: such pairs are
                # left out, so that naming nothing of it reads as unrelated.
                keep = np.ones(len(concerned), dtype=bool) if topic else featuriser.names_the_target(view)
                keep |= concerned == "unrelated"
                views.append(view[keep])
                labels.append(concerned[keep])
                weights.append(weight[keep])
            both = sp.vstack(views, format="csr")
            concerned, weight = np.concatenate(labels), np.concatenate(weights)
            self.relevance_svm_, self.relevance_temperature_ = _fit_calibrated(
                clone(svm).set_params(class_weight=None),
                both,
                concerned,
                weight,
                self.calibration_folds,
                self.random_state,
            )
        return self

    def _learns_relevance(self, y, targets):
        return (
            bool(self.relevance)
            and "neutral" in set(y)
            and len({t for t in map(target_key, targets) if t}) >= 2
        )

    def check_params(self):
        """Raise ValueError, naming the setting and what it may be, if a parameter is invalid.

        :meth:`fit` calls it: as in scikit-learn, ``__init__`` and
        ``set_params`` store values as given, and fitting checks them.
        """
        raise_for_bad_settings(
            self,
            {
                **feature_setting_problems(self),
                "C": not (is_number(self.C) and self.C > 0),
                "relevance": not is_flag(self.relevance),
                "relevance_prior": not (is_number(self.relevance_prior) and 0 < self.relevance_prior < 1),
                "class_weight": not is_one_of(self.class_weight, ("balanced", None)),
                "calibration_folds": not (is_count(self.calibration_folds) and self.calibration_folds >= 2),
                "random_state": not is_seed(self.random_state),
            },
        )

    # -- prediction ------------------------------------------------------------

    @property
    def targets_(self):
        check_is_fitted(self, "vectorizer_")
        return list(self.vectorizer_.featuriser_.targets)

    @property
    def coef_(self):
        """The SVM's weights as one row per class (a binary SVM's one row becomes two)."""
        check_is_fitted(self, "svm_")
        return _two_columns(self.svm_.coef_.T).T

    @property
    def intercept_(self):
        """The SVM's intercepts, one per class."""
        check_is_fitted(self, "svm_")
        return _two_columns(np.atleast_1d(self.svm_.intercept_)[None, :])[0]

    @property
    def relevance_weights_(self):
        """The relevance model's weights and intercept: its score is high for a text that concerns its target."""
        check_is_fitted(self, "relevance_svm_")
        return -self.relevance_svm_.coef_, -np.atleast_1d(self.relevance_svm_.intercept_)

    def decision_function(self, X):
        """Return the SVM's scores, shape ``(n_texts, n_classes)`` (before relevance and polarity)."""
        check_is_fitted(self, "svm_")
        texts, targets = split_inputs(X)
        return linear_scores(
            self.vectorizer_.featuriser_.transform(texts, targets), self.coef_, self.intercept_, len(texts)
        )

    def predict_proba(self, X):
        """Return calibrated probabilities, shape ``(n_texts, n_classes)``.

        A blank text has no stance: it gets probability 1 for ``neutral``
        (when the model knows that label).
        """
        check_is_fitted(self, "svm_")
        texts, targets = split_inputs(X)
        relevance = None
        if self.relevance_svm_ is not None:
            relevance = (*self.relevance_weights_, self.relevance_temperature_, self.relevance_prior)
        heads = LinearHeads(self.classes_, self.coef_, self.intercept_, self.temperature_, relevance)
        return heads.predict_proba(self.vectorizer_.featuriser_, texts, targets)

    def predict(self, X):
        """Return the most probable label of each text."""
        return most_probable(self.predict_proba(X), self.classes_)

    # -- introspection ---------------------------------------------------------

    def top_features(self, top=10):
        """Return the features with the largest weights for each label.

        Returns
        -------
        pandas.DataFrame
            Columns ``label``, ``feature``, ``source`` and ``weight``; ``top``
            rows per label, largest weight first.

        Examples
        --------
        >>> texts = ["We support it.", "We reject it.", "It was signed.", "We back it.", "We oppose it.", "It is on Monday."]
        >>> model = StanceClassifier(calibration_folds=2).fit(texts, ["aligned", "opposed", "neutral"] * 2)
        >>> model.top_features(top=1)["label"].tolist()
        ['aligned', 'neutral', 'opposed']
        """
        check_is_fitted(self, "svm_")
        columns = np.arange(self.coef_.shape[1])
        return weight_table(
            self.classes_, self.coef_, columns, self.vectorizer_.featuriser_.feature_name, top
        )

    def explain(self, text, target=None, top=10):
        """Return the features that pushed ``text`` toward its predicted label.

        Parameters
        ----------
        text : str
        target : str or Target, optional
        top : int, default=10
            How many features to return, largest absolute contribution first.

        Returns
        -------
        pandas.DataFrame
            Columns ``feature`` (the n-gram; character n-grams are quoted),
            ``source`` (``shared``, ``target: <name>``, ``relevance`` or
            ``toward target``), ``weight`` (the feature's contribution to the
            predicted label's score: positive pushed toward it, negative
            away) and ``value`` (its value). ``df.attrs["label"]`` holds the
            predicted label, ``df.attrs["mentions"]`` the mentions of the
            target and its side found in the text, as ``(words, role,
            side)``, ``df.attrs["side"]`` -1 where the label is the opposite
            of the attitude the features show (the text speaks of the
            target's other side), 1 where it is that attitude, 0 without a
            target, ``df.attrs["undone_by"]`` the word by which the text
            undoes the target ("lifting" in "the lifting of the sanctions"),
            or None, and ``df.attrs["relevance"]`` the probability that the
            text concerns its target (None without a target, or for a model
            without a relevance head): a text judged unrelated is neutral
            whatever its words.
        """
        check_is_fitted(self, "svm_")
        check_explained(text, top)
        featuriser = self.vectorizer_.featuriser_
        (_, columns, values), sides = featuriser.transform([text], [target], sides=True)
        label = most_probable(self.predict_proba([(text, target)]), self.classes_)[0]
        # The features pushed the head toward the attitude; on the target's
        # other side, that attitude is the opposite label.
        label_index = int(np.flatnonzero(self.classes_ == swap_sides([label], sides)[0])[0])
        contributions = values * self.coef_[label_index][columns]
        table = contribution_table(contributions, values, lambda i: featuriser.feature_name(columns[i]), top)
        table.attrs["label"] = str(label)
        table.attrs["side"] = int(sides[0])
        profile = as_target(target, featuriser.profiles)
        table.attrs["mentions"] = featuriser.mentions_in(text, profile)
        table.attrs["undone_by"] = featuriser.undoing_in(text, profile)
        table.attrs["relevance"] = None  # no relevance head, or no target to be relevant to
        if self.relevance_svm_ is not None and profile is not None:
            coef, intercept = self.relevance_weights_
            score = linear_scores((np.zeros(len(columns), dtype=np.intp), columns, values), coef, intercept, 1)
            table.attrs["relevance"] = float(
                relevance_probability(score[:, 0], self.relevance_temperature_, self.relevance_prior)[0]
            )
        return table


def unrelated_pairs(texts, targets, random_state):
    """Return each text with a target paired with an unrelated training target.

    Unrelated: a target that shares no word with the text's own target and
    that the text does not mention. These pairs teach the relevance model
    what a text that does not concern its target looks like.

    Examples
    --------
    >>> pairs = unrelated_pairs(["We back the treaty.", "Tariffs hurt."], ["the treaty", "tariffs"], 0)
    >>> [(text, target.name) for text, target in pairs]
    [('We back the treaty.', 'tariffs'), ('Tariffs hurt.', 'the treaty')]
    """
    from ._targets import as_target, signed_terms, stem
    from ._text import normalize_text, tokenize

    rng = np.random.default_rng(random_state)
    profiles = [as_target(t) for t in targets]
    distinct = sorted({p for p in profiles if p is not None}, key=lambda p: p.key)
    stems_of = {p: {word for words, _, _ in signed_terms(p) for word in words} for p in distinct}
    pairs = []
    for text, profile in zip(texts, profiles):
        if profile is None:
            continue
        words = {stem(token) for token in tokenize(normalize_text(text))}
        for other in rng.permutation(len(distinct))[:8]:
            candidate = distinct[other]
            if not (stems_of[candidate] & stems_of[profile]) and not (stems_of[candidate] & words):
                pairs.append((text, candidate))
                break
    return pairs


def _without_relevance(features, featuriser):
    # All-zero columns get weight 0 in the SVM, so that the stance head's
    # weights keep the featuriser's columns and ignore the relevance block.
    features = features.tocsr(copy=True)
    features.data[features.indices >= featuriser.relevance_start] = 0
    features.eliminate_zeros()
    return features


def _fit_calibrated(svm, features, y, sample_weight, calibration_folds, random_state):
    # The SVM fitted on all the data, and the temperature fitted on
    # out-of-fold scores (fewer folds when a label has fewer examples).
    _, counts = np.unique(y, return_counts=True)
    folds = StratifiedKFold(
        min(calibration_folds, int(counts.min())), shuffle=True, random_state=random_state
    )
    params = {"sample_weight": sample_weight} if sample_weight is not None else None
    out_of_fold = cross_val_predict(svm, features, y, cv=folds, method="decision_function", params=params)
    fitted = clone(svm).fit(features, y, sample_weight=sample_weight)
    return fitted, fit_temperature(_two_columns(out_of_fold), np.searchsorted(fitted.classes_, y))


#: The settings a StanceClassifier passes on to its StanceVectorizer.
_VECTORIZER_SETTINGS = (
    "word_ngram_range",
    "char_ngram_range",
    "negation",
    "target_features",
    "target_weight",
    "relation_weight",
    "lexicon",
    "min_df",
    "sublinear_tf",
)


def _two_columns(scores):
    # A binary SVM scores the second class only (one column s); the scores of
    # both classes are then (-s, s), so that a softmax reads them as any other.
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 1:
        scores = scores[:, None]
    return np.column_stack([-scores[:, 0], scores[:, 0]]) if scores.shape[1] == 1 else scores


# -- explanations, shared with the streaming estimator ----------------------------


def check_explained(text, top):
    """Raise TypeError or ValueError unless ``text`` is a string and ``top`` a positive whole number."""
    if not isinstance(text, str):
        raise TypeError(f"text is {type(text).__name__}, not str")
    if not isinstance(top, int) or isinstance(top, bool) or top < 1:
        raise ValueError(f"top must be a positive whole number, not {top!r}")


def contribution_table(contributions, values, name, top):
    """Return the ``top`` features by absolute contribution, as :meth:`StanceClassifier.explain` does.

    ``contributions`` and ``values`` are per feature of the text; ``name(i)``
    gives the ``(feature, source)`` of the ``i``-th.
    """
    order = np.argsort(-np.abs(contributions), kind="stable")[:top]
    names = [name(i) for i in order]
    return pd.DataFrame(
        {
            "feature": [feature for feature, _ in names],
            "source": [source for _, source in names],
            "weight": contributions[order].astype(float),
            "value": values[order].astype(float),
        }
    )


def weight_table(classes, weights, columns, name, top):
    """Return the ``top`` largest weights of each label among ``columns``, as :meth:`StanceClassifier.top_features` does.

    ``weights`` has a row per label; ``name(column)`` gives ``(feature, source)``.
    """
    rows = []
    for label, row in zip(classes, weights):
        for column in columns[np.argsort(-row[columns], kind="stable")[:top]]:
            feature, source = name(column)
            rows.append(
                {"label": str(label), "feature": feature, "source": source, "weight": float(row[column])}
            )
    return pd.DataFrame(rows, columns=["label", "feature", "source", "weight"])
