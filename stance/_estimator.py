"""StanceClassifier: the scikit-learn estimator behind every stance model."""

from functools import partial

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._features import TargetBlocks, split_inputs
from ._text import MAX_TEXT_CHARS, load_lexicon, normalize_target, normalize_text, word_features

__all__ = ["StanceClassifier"]


def is_whole(value):
    """Whether ``value`` is a whole number (not a bool) of at least 0."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0


def is_count(value):
    """Whether ``value`` is a whole number (not a bool) of at least 1."""
    return is_whole(value) and value >= 1


def is_number(value):
    """Whether ``value`` is a finite int or float (not a bool)."""
    return isinstance(value, (int, float, np.number)) and not isinstance(value, bool) and np.isfinite(value)


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


def feature_setting_problems(estimator):
    """Return ``{setting: is bad}`` for the feature settings both stance estimators have."""
    return {
        "word_ngram_range": not is_ngram_range(estimator.word_ngram_range),
        "char_ngram_range": not is_ngram_range(estimator.char_ngram_range, optional=True),
        "target_features": estimator.target_features not in ("words", "all", None),
        "target_weight": not (is_number(estimator.target_weight) and estimator.target_weight >= 0),
    }


def raise_for_bad_settings(estimator, problems):
    """Raise ValueError naming the first setting whose value ``problems`` marks as bad."""
    for name, bad in problems.items():
        if bad:
            raise ValueError(f"invalid setting {name}={getattr(estimator, name)!r}")


class StanceClassifier(ClassifierMixin, BaseEstimator):
    """Target-aware stance classifier: TF-IDF n-grams and a calibrated linear SVM.

    Inputs ``X`` are raw texts: a list of strings (no target), a pandas
    DataFrame with a ``text`` and an optional ``target`` column, or a list of
    ``(text, target)`` pairs. A text is read up to its first 100,000
    characters. Word n-grams (with negation scope marked), lexicon
    categories and, optionally, character n-grams form the shared features;
    word n-grams are repeated in a block per training target, so the model
    learns target-specific cues next to cues shared by all targets. Unknown
    targets use the shared half only.

    Probabilities are calibrated by temperature scaling, fitted on
    out-of-fold decision values (``CalibratedClassifierCV`` with
    ``method="temperature"`` and ``ensemble=False``): the predicted label is
    always the most probable one, and the linear SVM trained on all the data
    is the one that :meth:`explain` reads.

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
    lexicon : bool, default=True
        Add counts of the bundled stance lexicon's categories (support,
        oppose, positive, negative, neutral, hedge, irony; negated when in a
        negation scope), so that stance words unseen in training still count.
        The fitted model keeps its own copy of the lexicon.
    min_df : int, default=1
        Ignore n-grams seen in fewer training texts.
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)`` term frequencies.
    C : float, default=2.0
        Inverse regularisation strength of the SVM.
    class_weight : {"balanced"} or None, default="balanced"
        Weigh classes inversely to their frequency.
    calibration_folds : int, default=5
        Folds of the out-of-fold predictions that fit the temperature (fewer
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
    word_vectorizer_, char_vectorizer_ : TfidfVectorizer
        The fitted vectorizers (``char_vectorizer_`` is None when disabled).
    target_blocks_ : TargetBlocks or None
        The per-target feature copies.
    calibrated_ : CalibratedClassifierCV
        The SVM and its temperature.

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
        self.lexicon = lexicon
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf
        self.C = C
        self.class_weight = class_weight
        self.calibration_folds = calibration_folds
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags

    # -- fitting ---------------------------------------------------------------

    def fit(self, X, y):
        """Fit the model on texts ``X`` (with their targets) and labels ``y``.

        Returns
        -------
        self
        """
        self.check_params()
        texts, targets = split_inputs(X)
        texts = [text[:MAX_TEXT_CHARS] for text in texts]
        y = np.asarray(y, dtype=object)
        if len(y) != len(texts):
            raise ValueError(f"X has {len(texts)} texts but y has {len(y)} labels")
        check_classification_targets(y)
        _, counts = np.unique(y, return_counts=True)
        if counts.min() < 2:
            raise ValueError("every label needs at least 2 examples to fit and calibrate a model")
        self.word_vectorizer_ = TfidfVectorizer(
            analyzer=partial(
                word_features,
                ngram_range=tuple(self.word_ngram_range),
                negation=self.negation,
                lexicon=load_lexicon() if self.lexicon else None,
            ),
            min_df=self.min_df,
            sublinear_tf=self.sublinear_tf,
            dtype=np.float32,
        )
        words = self.word_vectorizer_.fit_transform(texts)
        chars = None
        self.char_vectorizer_ = None
        if self.char_ngram_range is not None:
            self.char_vectorizer_ = TfidfVectorizer(
                analyzer="char_wb",
                preprocessor=normalize_text,
                ngram_range=tuple(self.char_ngram_range),
                min_df=self.min_df,
                sublinear_tf=self.sublinear_tf,
                dtype=np.float32,
            )
            chars = self.char_vectorizer_.fit_transform(texts)
        self.target_blocks_ = None
        if self.target_features:
            self.target_blocks_ = TargetBlocks().fit(self._copied(words, chars), targets)
        features = self._assemble(words, chars, targets)
        self.targets_ = sorted({t for t in targets if t is not None})
        svm = LinearSVC(C=self.C, class_weight=self.class_weight, random_state=self.random_state)
        # Fewer calibration folds when a label has fewer examples than folds.
        n_folds = min(self.calibration_folds, int(counts.min()))
        folds = StratifiedKFold(n_folds, shuffle=True, random_state=self.random_state)
        self.calibrated_ = CalibratedClassifierCV(svm, method="temperature", cv=folds, ensemble=False)
        self.calibrated_.fit(features, y)
        self.classes_ = self.calibrated_.classes_
        return self

    def check_params(self):
        """Raise ValueError, naming the setting, if a parameter is out of range."""
        raise_for_bad_settings(
            self,
            {
                **feature_setting_problems(self),
                "C": not (is_number(self.C) and self.C > 0),
                "min_df": not is_count(self.min_df),
                "class_weight": self.class_weight not in ("balanced", None),
                "calibration_folds": not (is_count(self.calibration_folds) and self.calibration_folds >= 2),
            },
        )

    # -- prediction ------------------------------------------------------------

    def _copied(self, words, chars):
        # The features that get a copy per target.
        return (
            sp.hstack([words, chars], format="csr")
            if self.target_features == "all" and chars is not None
            else words
        )

    def _assemble(self, words, chars, targets):
        # Shared word features, shared character features, then the per-target copies.
        blocks = [words]
        if chars is not None:
            blocks.append(chars)
        if self.target_blocks_ is not None:
            copied = self._copied(words, chars)
            blocks.append(self.target_weight * self.target_blocks_.transform(copied, targets))
        return sp.hstack(blocks, format="csr")

    def _features(self, texts, targets):
        texts = [text[:MAX_TEXT_CHARS] for text in texts]
        chars = self.char_vectorizer_.transform(texts) if self.char_vectorizer_ is not None else None
        return self._assemble(self.word_vectorizer_.transform(texts), chars, targets)

    @property
    def svm_(self):
        """The linear SVM fitted on all the training data."""
        check_is_fitted(self, "calibrated_")
        return self.calibrated_.calibrated_classifiers_[0].estimator

    def decision_function(self, X):
        """Return the SVM's one-vs-rest scores, shape ``(n_texts, n_classes)``."""
        check_is_fitted(self, "calibrated_")
        texts, targets = split_inputs(X)
        return self.svm_.decision_function(self._features(texts, targets))

    def predict_proba(self, X):
        """Return calibrated probabilities, shape ``(n_texts, n_classes)``.

        A blank text has no stance: it gets probability 1 for ``neutral``
        (when the model knows that label).
        """
        check_is_fitted(self, "calibrated_")
        texts, targets = split_inputs(X)
        proba = np.zeros((len(texts), len(self.classes_)))
        if not texts:
            return proba
        proba = self.calibrated_.predict_proba(self._features(texts, targets))
        blank = np.array([not t.strip() for t in texts])
        if blank.any() and "neutral" in self.classes_:
            proba[blank] = self.classes_ == "neutral"
        return proba

    def predict(self, X):
        """Return the most probable label of each text."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    # -- introspection ---------------------------------------------------------

    def _describe_columns(self, columns):
        """Return ``(feature, source)`` for each feature column index."""
        words = self.word_vectorizer_.get_feature_names_out()
        chars = self.char_vectorizer_.get_feature_names_out() if self.char_vectorizer_ is not None else []
        described = []
        for column in columns:
            if column < len(words):
                described.append((words[column], "shared"))
            elif column < len(words) + len(chars):
                described.append((repr(chars[column - len(words)]), "shared (characters)"))
            else:
                target, original = self.target_blocks_.column_origin(column - len(words) - len(chars))
                name = words[original] if original < len(words) else repr(chars[original - len(words)])
                described.append((name, f"target: {target}"))
        return described

    def _label_weights(self):
        """Return the SVM's weights as one row per class."""
        coef = self.svm_.coef_
        if coef.shape[0] == 1:  # a binary SVM has one row, for the second class
            coef = np.vstack([-coef[0], coef[0]])
        return coef

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
        check_is_fitted(self, "calibrated_")
        rows = []
        for label, weights in zip(self.classes_, self._label_weights()):
            columns = np.argsort(-weights, kind="stable")[:top]
            for column, (feature, source) in zip(columns, self._describe_columns(columns)):
                rows.append(
                    {
                        "label": str(label),
                        "feature": feature,
                        "source": source,
                        "weight": float(weights[column]),
                    }
                )
        return pd.DataFrame(rows)

    def explain(self, text, target=None, top=10):
        """Return the features that pushed ``text`` toward its predicted label.

        Parameters
        ----------
        text : str
        target : str, optional
        top : int, default=10
            How many features to return, largest absolute contribution first.

        Returns
        -------
        pandas.DataFrame
            Columns ``feature`` (the n-gram; character n-grams are quoted),
            ``source`` (``shared`` or ``target: <name>``), ``weight`` (the
            feature's contribution to the predicted label's score: positive
            pushed toward it, negative away) and ``value`` (its TF-IDF value).
            ``df.attrs["label"]`` holds the predicted label.
        """
        check_is_fitted(self, "calibrated_")
        if not isinstance(text, str):
            raise TypeError(f"text is {type(text).__name__}, not str")
        if not isinstance(top, int) or top < 1:
            raise ValueError(f"top must be a positive whole number, not {top!r}")
        features = self._features([text], [normalize_target(target)])
        label_index = int(np.argmax(self.predict_proba([(text, target)])[0]))
        weights = self._label_weights()[label_index]
        row = features.tocsr()
        contributions = row.data * weights[row.indices]
        order = np.argsort(-np.abs(contributions), kind="stable")[:top]
        names = self._describe_columns(row.indices[order])
        table = pd.DataFrame(
            {
                "feature": [name for name, _ in names],
                "source": [source for _, source in names],
                "weight": contributions[order].astype(float),
                "value": row.data[order].astype(float),
            }
        )
        table.attrs["label"] = str(self.classes_[label_index])
        return table
