"""StanceVectorizer: the featuriser as a scikit-learn transformer."""

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._featuriser import Featuriser
from ._inputs import RawTextTags, split_inputs
from ._text import load_lexicon

__all__ = ["StanceVectorizer", "featuriser_settings"]


class StanceVectorizer(RawTextTags, TransformerMixin, BaseEstimator):
    """Turn texts and their targets into the sparse features of a stance model.

    The one implementation of the package's features (see
    :class:`~stance._featuriser.Featuriser`): word n-grams with negation
    scopes, lexicon categories, optional character n-grams, a copy per
    training target, and the features that relate a text to its target
    (mentions of the target, its allies and its opponents, and the cues
    near them, signed by side).

    Inputs ``X`` are a list of strings (no target), a pandas DataFrame with
    a ``text`` and an optional ``target`` column, or a list of ``(text,
    target)`` pairs; a target is a string or a :class:`~stance.Target`.

    Parameters
    ----------
    word_ngram_range, char_ngram_range, negation, target_features, target_weight, lexicon, min_df, sublinear_tf
        As the :class:`~stance.StanceClassifier` parameters of these names.
    relation_weight : float, default=0.5
        Scale of the features that relate the text to its target; 0 turns
        them off (the text's attitude alone, whatever the target).

    Attributes
    ----------
    featuriser_ : Featuriser
        The fitted tables, as numpy arrays.

    Examples
    --------
    >>> X = [("We back the treaty.", "the treaty"), ("We reject it.", "the treaty")]
    >>> vectorizer = StanceVectorizer().fit(X)
    >>> matrix = vectorizer.transform([("We back the treaty.", "the treaty")])
    >>> matrix.shape[0], matrix.shape[1] == len(vectorizer.get_feature_names_out())
    (1, True)
    """

    def __init__(
        self,
        word_ngram_range=(1, 2),
        char_ngram_range=None,
        negation=True,
        target_features="words",
        target_weight=0.5,
        relation_weight=0.5,
        lexicon=True,
        min_df=1,
        sublinear_tf=True,
    ):
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.negation = negation
        self.target_features = target_features
        self.target_weight = target_weight
        self.relation_weight = relation_weight
        self.lexicon = lexicon
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf

    def check_params(self):
        """Raise ValueError, naming the setting and what it may be, if a parameter is invalid (:meth:`fit` does)."""
        from ._estimator import feature_setting_problems, raise_for_bad_settings

        raise_for_bad_settings(self, feature_setting_problems(self))

    def fit(self, X, y=None):
        """Learn the vocabularies, idf weights and target blocks of ``X``."""
        self.check_params()
        texts, targets = split_inputs(X)
        self.featuriser_ = Featuriser.fit(texts, targets, **featuriser_settings(self.get_params()))
        return self

    def transform(self, X):
        """Return the features of ``X``, a sparse matrix of ``len(X)`` rows."""
        import scipy.sparse as sp

        check_is_fitted(self, "featuriser_")
        texts, targets = split_inputs(X)
        rows, columns, values = self.featuriser_.transform(texts, targets)
        return sp.csr_matrix((values, (rows, columns)), shape=(len(texts), self.featuriser_.n_features))

    def transform_with_sides(self, X):
        """Return the features of ``X`` and, per text, its side (see :meth:`Featuriser.transform`)."""
        import scipy.sparse as sp

        check_is_fitted(self, "featuriser_")
        texts, targets = split_inputs(X)
        (rows, columns, values), sides = self.featuriser_.transform(texts, targets, sides=True)
        matrix = sp.csr_matrix((values, (rows, columns)), shape=(len(texts), self.featuriser_.n_features))
        return matrix, sides

    def get_feature_names_out(self, input_features=None):
        """Return each column's name, prefixed by its block (``target=...:``, ``rel:``, ``toward:``)."""
        check_is_fitted(self, "featuriser_")
        prefixes = {"shared": "", "shared (characters)": "", "relevance": "rel:", "toward target": "toward:"}
        names = []
        for column in range(self.featuriser_.n_features):
            name, source = self.featuriser_.feature_name(column)
            prefix = prefixes.get(source, source.replace("target: ", "target=") + ":")
            names.append(prefix + name)
        return np.array(names, dtype=object)


def featuriser_settings(params):
    """Return a featuriser's keyword arguments from estimator parameters of the same names.

    The one translation, for :class:`StanceVectorizer` and the streaming
    estimator's hashing featuriser: n-gram ranges become tuples and
    ``lexicon`` (a flag) becomes the lexicon itself, or None.

    Examples
    --------
    >>> featuriser_settings({"word_ngram_range": [1, 2], "char_ngram_range": None, "lexicon": False})
    {'word_ngram_range': (1, 2), 'char_ngram_range': None, 'lexicon': None}
    """
    settings = dict(params)
    for name in ("word_ngram_range", "char_ngram_range"):
        if settings.get(name) is not None:
            settings[name] = tuple(settings[name])
    if "lexicon" in settings:
        settings["lexicon"] = load_lexicon() if settings["lexicon"] else None
    return settings
