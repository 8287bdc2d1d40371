"""The streaming estimator: the featuriser's hashing backend and an incremental linear model.

:class:`StreamingStanceClassifier` reads texts as :class:`StanceClassifier`
does (the same featuriser: word n-grams, negation scopes and lexicon
categories, and the same per-target copies of the word features) but with
the featuriser's hashing backend, which places features in a fixed number of
columns instead of keeping a vocabulary, and learns by stochastic gradient
descent, one block of rows at a time. Nothing it holds grows with the data
except the list of targets, so it can learn from a file of any size
(:mod:`stance._stream_training` reads one, for ``stance train --streaming``).

The model learns from blocks of ``batch_rows`` rows of the row stream, cut
the same way whatever the size of the chunks the file is read in, and
shuffles each block with a seed of its own: the same data and settings give
the same model, to the last bit, whether the file is read in chunks of 7 rows
or in one piece, and :meth:`StreamingStanceClassifier.fit` on the same rows
gives that model too.
"""

import copy

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import SGDClassifier
from sklearn.utils.validation import check_is_fitted

from ._estimator import (
    check_explained,
    contribution_table,
    feature_setting_problems,
    is_count,
    is_flag,
    is_number,
    is_one_of,
    is_seed,
    raise_for_bad_settings,
    weight_table,
)
from ._featuriser import MAX_WEIGHT, HashingFeaturiser
from ._head import most_probable, probabilities
from ._inputs import RawTextTags, split_inputs, split_labelled
from ._targets import target_key
from ._text import normalize_target
from ._vectorizer import featuriser_settings

__all__ = ["StreamingStanceClassifier"]


def _labelled(X, y):
    # Texts, target names and labels of a training call, checked.
    texts, targets, y = split_labelled(X, y)
    return texts, [target_key(t) for t in targets], y


def _sparse_weights(model):
    """Return a shallow copy of ``model`` whose float matrices are sparse, and which were one object.

    Hashing leaves most columns at zero, so a linear model's weights are
    mostly zeros: saved (or sent to worker processes) sparse, they take a
    fraction of the space and load quicker. This reads the model's state as
    pickling does (its ``__dict__``), whatever its attributes are called.
    """
    compact = copy.copy(model)
    first, aliases = {}, {}
    for name, value in vars(model).items():
        if isinstance(value, np.ndarray) and value.ndim == 2 and value.dtype.kind == "f":
            if id(value) in first:
                aliases[name] = first[id(value)]
            else:
                first[id(value)] = name
                setattr(compact, name, sp.csr_matrix(value))
    for name, other in aliases.items():
        setattr(compact, name, getattr(compact, other))
    return compact, aliases


def _dense_weights(model, aliases):
    """Undo :func:`_sparse_weights` in place: dense matrices, the same object where they were."""
    for name, value in list(vars(model).items()):
        if sp.issparse(value):
            setattr(model, name, np.ascontiguousarray(value.toarray()))
    for name, other in aliases.items():
        setattr(model, name, getattr(model, other))


class StreamingStanceClassifier(RawTextTags, ClassifierMixin, BaseEstimator):
    """Target-aware stance classifier that learns chunk by chunk: hashed features and SGD.

    The same inputs, text analysis and outputs as :class:`StanceClassifier`,
    for data that does not fit in memory: the featuriser's hashing backend
    (:class:`~stance._featuriser.HashingFeaturiser`) hashes features into
    ``n_features`` columns per block (shared words, optional characters, and
    per-target copies of the word features, weighted by ``target_weight``)
    with sublinear TF, idf weights and unit length per block, and a linear
    model with the logistic loss learns from them by averaged stochastic
    gradient descent (scikit-learn's ``SGDClassifier``). Probabilities are the
    softmax of its one-vs-rest log-odds (:func:`~stance._head.probabilities`).

    Learning from a stream takes two steps: :meth:`scan` every chunk (it
    counts labels, for balanced class weights, and document frequencies, for
    the idf weights), then :meth:`partial_fit` chunk after chunk, once per
    epoch. :meth:`fit` does both on data in memory;
    :func:`~stance._stream_training.train_streaming` does both on a file.

    A :class:`StanceModel` labels through its :meth:`predict_proba` (it has
    no compiled form: its columns are hashes, not a vocabulary).

    Parameters
    ----------
    word_ngram_range, negation, target_features, target_weight, lexicon, sublinear_tf
        As the :class:`StanceClassifier` parameters of these names (the
        model keeps its own copy of the lexicon).
    char_ngram_range : tuple of int or None, default=None
        Smallest and largest character n-gram (within word boundaries), or
        None: on the bundled corpus they lowered this model's macro-F1 by about
        a point (on SemEval-2016's tweets they helped a little), and they make
        learning several times slower.
    n_features : int, default=2**20
        Hashed columns per block. Fewer columns, more collisions between
        features; memory while learning is about ``48 * n_features * blocks``
        bytes for three labels.
    idf : bool, default=True
        Weigh features by inverse document frequency, counted by :meth:`scan`
        (worth 1.5 points of macro-F1 on the bundled corpus).
    alpha : float, default=1e-5
        L2 regularisation strength of the SGD.
    epochs : int, default=5
        Passes over the data in :meth:`fit` and
        :func:`~stance._stream_training.train_streaming`.
    batch_rows : int, default=10000
        Rows per learning block; each block is shuffled (with a seed of its
        own) before the SGD reads it. Results depend on it, not on how the
        data is chunked.
    class_weight : {"balanced"}, dict or None, default="balanced"
        Weigh classes inversely to their frequency (counted by :meth:`scan`),
        by a ``{label: weight}`` dict, or not at all.
    random_state : int, default=0
        Seed of the block shuffles: same data and seed, same model.

    Attributes
    ----------
    classes_, targets_
        As :class:`StanceClassifier`'s.
    featuriser_ : HashingFeaturiser
        The featuriser (the hashing backend of the package's one
        featuriser); its idf weights are fixed at the first
        :meth:`partial_fit`.
    class_weights_ : dict or None
        The class weights used.
    sgd_ : SGDClassifier
        The linear model.
    n_blocks_ : int
        Blocks learned so far.

    Examples
    --------
    Every tenth row of the bundled corpus, with its targets:

    >>> import stance
    >>> corpus = stance.load_corpus().iloc[::10]
    >>> X, y = corpus[["text", "target"]], corpus["label"]
    >>> model = StreamingStanceClassifier(n_features=2**14, epochs=10).fit(X, y)
    >>> model.predict([("We firmly support the treaty.", "the treaty"),
    ...                ("We reject the treaty outright.", "the treaty")]).tolist()
    ['aligned', 'opposed']

    Chunk by chunk, as a file too large for memory would be read: a pass of
    :meth:`scan` to count labels and document frequencies, then ``epochs``
    passes of :meth:`partial_fit` (each over these few rows as one block,
    as ``fit`` takes them with ``batch_rows`` rows a block) give the same model:

    >>> streamed = StreamingStanceClassifier(n_features=2**14, epochs=10)
    >>> for start in range(0, len(X), 400):
    ...     streamed = streamed.scan(X[start:start + 400], y[start:start + 400])
    >>> for epoch in range(10):
    ...     streamed = streamed.partial_fit(X, y)
    >>> bool((streamed.predict_proba(X) == model.predict_proba(X)).all())
    True
    """

    def __init__(
        self,
        word_ngram_range=(1, 2),
        char_ngram_range=None,
        negation=True,
        target_features="words",
        target_weight=0.5,
        lexicon=True,
        n_features=2**20,
        idf=True,
        sublinear_tf=True,
        alpha=1e-5,
        epochs=5,
        batch_rows=10_000,
        class_weight="balanced",
        random_state=0,
    ):
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.negation = negation
        self.target_features = target_features
        self.target_weight = target_weight
        self.lexicon = lexicon
        self.n_features = n_features
        self.idf = idf
        self.sublinear_tf = sublinear_tf
        self.alpha = alpha
        self.epochs = epochs
        self.batch_rows = batch_rows
        self.class_weight = class_weight
        self.random_state = random_state

    def check_params(self):
        """Raise ValueError, naming the setting, if a parameter is out of range."""
        raise_for_bad_settings(
            self,
            {
                **feature_setting_problems(self),
                "n_features": not (is_count(self.n_features) and self.n_features < 2**31),
                "alpha": not (is_number(self.alpha) and 0 < self.alpha <= MAX_WEIGHT),
                "epochs": not (is_count(self.epochs) and self.epochs <= 100_000),
                "batch_rows": not is_count(self.batch_rows),
                "class_weight": not (
                    is_one_of(self.class_weight, ("balanced", None))
                    or (
                        isinstance(self.class_weight, dict)
                        and all(is_number(w) and w > 0 for w in self.class_weight.values())
                    )
                ),
                "idf": not is_flag(self.idf),
                "random_state": not is_seed(self.random_state),
            },
            {"class_weight": '"balanced", None or a {label: weight} dict of weights above 0'},
        )

    # -- learning ----------------------------------------------------------------

    def fit(self, X, y):
        """Fit the model on texts ``X`` (with their targets) and labels ``y``, in memory.

        The same model as :func:`~stance._stream_training.train_streaming`
        learns from a file with these rows in this order: :meth:`scan`, then
        ``epochs`` passes of :meth:`partial_fit` over blocks of
        ``batch_rows`` rows.

        Returns
        -------
        self
        """
        self.check_params()
        texts, targets, y = _labelled(X, y)
        self._forget()
        self._scan(texts, y)
        self._start(None)
        # Targets first, as partial_fit sees them block by block: a row's
        # target copies are in its features from the first epoch on.
        blocks = range(0, len(texts), self.batch_rows)
        features = []
        for start in blocks:
            block = slice(start, start + self.batch_rows)
            self.featuriser_.add_targets(targets[block])
            features.append(self._features(texts[block], targets[block]))
        for _ in range(self.epochs):
            for start, block_features in zip(blocks, features):
                self._learn(block_features, y[start : start + self.batch_rows], None)
        return self

    def scan(self, X, y=None):
        """Count labels and document frequencies in a chunk, before learning.

        Call it on every chunk of the training data, then :meth:`partial_fit`:
        the counts give the idf weights (``idf=True``) and the balanced class
        weights (``class_weight="balanced"``), fixed at the first
        :meth:`partial_fit`.

        Returns
        -------
        self
        """
        if hasattr(self, "sgd_"):
            raise ValueError(
                "scan counts the data before learning; it cannot follow partial_fit (fit starts afresh)"
            )
        self.check_params()
        texts, _, y = split_labelled(X, y)
        self._scan(texts, y)
        return self

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Learn from one block of rows (one SGD pass over them, in a shuffled order).

        Parameters
        ----------
        X, y
            Texts (with their targets) and labels, as for :meth:`fit`.
        classes : array-like, optional
            Every label of the data; needed on the first call unless
            :meth:`scan` has seen labels.
        sample_weight : array-like, optional
            Weights of the rows (times the class weights).

        Returns
        -------
        self
        """
        texts, targets, y = _labelled(X, y)
        if not hasattr(self, "sgd_"):
            self._start(classes)
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes, dtype=object)), self.classes_
        ):
            raise ValueError(
                f"classes {list(classes)} differ from those of the first call, {list(self.classes_)}"
            )
        unknown = sorted(set(y) - set(self.classes_))
        if unknown:
            raise ValueError(f"labels {unknown} are not among the model's classes {list(self.classes_)}")
        if not len(texts):
            return self
        self.featuriser_.add_targets(targets)
        self._learn(self._features(texts, targets), y, sample_weight)
        return self

    def _forget(self):
        for name in [name for name in vars(self) if name.endswith("_") and not name.startswith("__")]:
            delattr(self, name)

    def _make_featuriser(self):
        if hasattr(self, "featuriser_"):
            return
        features = ("word_ngram_range", "char_ngram_range", "negation", "target_features", "target_weight")
        settings = {name: getattr(self, name) for name in (*features, "lexicon", "sublinear_tf")}
        self.featuriser_ = HashingFeaturiser(n_features=self.n_features, **featuriser_settings(settings))
        self.label_counts_ = {}

    def _scan(self, texts, y):
        self._make_featuriser()
        if self.idf:
            for start in range(0, len(texts), self.batch_rows):  # bounded memory in fit too
                self.featuriser_.count(texts[start : start + self.batch_rows])
        else:
            self.featuriser_.n_documents += len(texts)
        if y is not None:
            labels, counts = np.unique(y, return_counts=True)
            for label, count in zip(labels.tolist(), counts.tolist()):
                self.label_counts_[label] = self.label_counts_.get(label, 0) + count

    def _start(self, classes):
        """Fix the classes, idf and class weights, and create the linear model."""
        self.check_params()
        self._make_featuriser()
        scanned = self.label_counts_
        if classes is None:
            if not scanned:
                raise ValueError("the first partial_fit needs classes=, or scan() on labelled data first")
            classes = list(scanned)
        self.classes_ = np.unique(np.asarray(classes, dtype=object))
        if len(self.classes_) < 2:
            raise ValueError(f"need at least 2 labels to learn; got {list(self.classes_)}")
        if self.idf:
            if not self.featuriser_.n_documents:
                raise ValueError("idf=True needs document frequencies: scan() the data before partial_fit")
            self.featuriser_.fix_idf()
        if self.class_weight == "balanced":
            # As scikit-learn's "balanced", which partial_fit cannot compute
            # from one block: rows / (labels * rows of the label).
            counts = np.array([scanned.get(label, 0) for label in self.classes_], dtype=float)
            if not counts.all():
                missing = [str(label) for label, count in zip(self.classes_, counts) if not count]
                raise ValueError(f"class_weight='balanced' needs label counts: scan() saw no {missing}")
            self.class_weights_ = {
                str(label): float(counts.sum() / (len(counts) * count))
                for label, count in zip(self.classes_, counts)
            }
        else:
            self.class_weights_ = dict(self.class_weight) if self.class_weight is not None else None
        self.sgd_ = SGDClassifier(
            loss="log_loss",
            alpha=self.alpha,
            average=True,  # the mean of the weights along the way: steadier than the last ones
            shuffle=False,  # blocks are shuffled here, with seeds that do not depend on chunking
            class_weight=self.class_weights_,
            random_state=self.random_state,
        )
        self.n_blocks_ = 0

    @property
    def targets_(self):
        """The normalised targets seen in training (they have per-target features)."""
        return list(self.featuriser_.targets)

    def _learn(self, features, y, sample_weight):
        if not len(y):
            return
        _dense_weights(self.sgd_, vars(self).pop("sgd_aliases_", {}))
        order = np.random.default_rng([self.random_state, self.n_blocks_]).permutation(len(y))
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)[order]
        first = not hasattr(self.sgd_, "coef_")
        self.sgd_.partial_fit(
            features[order], y[order], classes=self.classes_ if first else None, sample_weight=weights
        )
        self.n_blocks_ += 1

    # -- saving ------------------------------------------------------------------

    def __getstate__(self):
        # Pickled (saved, or sent to worker processes) with the linear
        # model's weights sparse (see _sparse_weights). Weights that were one
        # object are noted, so that learning more after loading goes on
        # exactly as it would have without the round trip.
        state = super().__getstate__()
        sgd = state.get("sgd_")
        if sgd is None:
            return state
        if isinstance(getattr(sgd, "coef_", None), np.ndarray):
            sgd, aliases = _sparse_weights(sgd)
            state = {**state, "sgd_aliases_": aliases}
        else:  # not fitted, or loaded and not learning since: already sparse, aliases noted
            sgd = copy.copy(sgd)
        # The loss object is a compiled scikit-learn internal whose module
        # moved between versions (``_loss`` in 1.8, ``sklearn._loss._loss``
        # in 1.9), so a model holding it loads under no other version (found
        # by benchmarks/sklearn_versions.py). Labelling never uses it and
        # every partial_fit makes it afresh, so it is never saved, not even
        # when a model saved by an earlier stance (which holds it) is saved again.
        vars(sgd).pop("_loss_function_", None)
        return {**state, "sgd_": sgd}

    # -- features and prediction -------------------------------------------------

    def _features(self, texts, targets):
        rows, columns, values = self.featuriser_.transform(texts, targets)
        # In float64: the linear model learns in the precision of its input.
        return sp.csr_matrix(
            (values.astype(np.float64), (rows, columns)), shape=(len(texts), self.featuriser_.width)
        )

    @property
    def svm_(self):
        """Not available: a streaming model is a logistic-loss SGD model, ``sgd_``."""
        raise AttributeError("a StreamingStanceClassifier has no SVM; its linear model is sgd_")

    def decision_function(self, X):
        """Return the log-odds of each label, shape ``(n_texts, n_classes)``."""
        check_is_fitted(self, "sgd_")
        texts, targets = split_inputs(X)
        return self._decision(texts, [target_key(t) for t in targets])

    def _decision(self, texts, targets):
        if not texts:
            return np.zeros((0, len(self.classes_)))
        scores = self.sgd_.decision_function(self._features(texts, targets))
        if scores.ndim == 1:  # two labels: one score s, for the second; softmax of (-s/2, s/2) is sigmoid(s)
            scores = np.column_stack([-scores / 2, scores / 2])
        return scores

    def predict_proba(self, X):
        """Return label probabilities, shape ``(n_texts, n_classes)``: the softmax of the log-odds.

        A blank text has no stance: it gets probability 1 for ``neutral``
        (when the model knows that label).
        """
        check_is_fitted(self, "sgd_")
        texts, targets = split_inputs(X)
        return probabilities(
            self._decision(texts, [target_key(t) for t in targets]), 1.0, self.classes_, texts
        )

    def predict(self, X):
        """Return the most probable label of each text."""
        return most_probable(self.predict_proba(X), self.classes_)

    # -- introspection -------------------------------------------------------------

    def _label_weights(self):
        """Return the weights as one row per class (dense)."""
        coef = self.sgd_.coef_
        coef = coef.toarray() if sp.issparse(coef) else np.asarray(coef)
        if coef.shape[0] == 1:  # two labels: the scores are (-s/2, s/2)
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        return coef

    def _column_names(self, texts, targets):
        # {column: (features, sources)}: several features in one column are
        # shown together, each once.
        names = {}
        for column, entries in self.featuriser_.feature_names(texts, targets).items():
            features = list(dict.fromkeys(feature for feature, _ in entries))
            sources = list(dict.fromkeys(source for _, source in entries))
            names[column] = " | ".join(features), " | ".join(sources)
        return names

    def explain(self, text, target=None, top=10):
        """Return the features that pushed ``text`` toward its predicted label.

        As :meth:`StanceClassifier.explain`: columns ``feature``, ``source``
        (``shared``, ``shared (characters)`` or ``target: <name>``),
        ``weight`` (contribution to the predicted label's log-odds) and
        ``value``; ``df.attrs["label"]`` holds the label. Names come from
        hashing the features of ``text`` again; features of this text that
        share a column are listed together, separated by ``|``.

        Examples
        --------
        >>> texts = ["We support it.", "We reject it.", "It was signed.", "We back it.", "We oppose it.", "It is on Monday."]
        >>> model = StreamingStanceClassifier(n_features=2**12).fit(texts, ["aligned", "opposed", "neutral"] * 2)
        >>> why = model.explain("We reject it.")
        >>> why.attrs["label"], list(why.columns)
        ('opposed', ['feature', 'source', 'weight', 'value'])
        >>> "reject" in why["feature"].tolist()
        True
        """

        check_is_fitted(self, "sgd_")
        check_explained(text, top)
        target = normalize_target(target)
        row = self._features([text], [target]).tocsr()
        label_index = int(np.argmax(self.predict_proba([(text, target)])[0]))
        weights = self._label_weights()[label_index]
        names = self._column_names([text], [target])
        table = contribution_table(
            row.data * weights[row.indices],
            row.data,
            lambda i: names.get(int(row.indices[i]), ("?", "?")),
            top,
        )
        table.attrs["label"] = str(self.classes_[label_index])
        return table

    def top_features(self, top=10, texts=None):
        """Return the largest weights of each label, named from the features of ``texts``.

        A hashed column has no name of its own: the model keeps no
        vocabulary (that is what keeps its memory fixed). Given ``texts`` (a
        sample of the training data, say), the columns their features hash
        to are named and ranked; columns no given text names are left out.

        Parameters
        ----------
        top : int, default=10
        texts : iterable, optional
            Texts, with targets if wanted, as :meth:`predict` takes them.

        Returns
        -------
        pandas.DataFrame
            Columns ``label``, ``feature``, ``source`` and ``weight``.

        Raises
        ------
        ValueError
            Without ``texts``.

        Examples
        --------
        >>> texts = ["We support it.", "We reject it.", "It was signed.", "We back it.", "We oppose it.", "It is on Monday."]
        >>> model = StreamingStanceClassifier(n_features=2**12).fit(texts, ["aligned", "opposed", "neutral"] * 2)
        >>> model.top_features(top=1, texts=texts)["label"].tolist()
        ['aligned', 'neutral', 'opposed']
        """

        check_is_fitted(self, "sgd_")
        if texts is None:
            raise ValueError(
                "a streaming model hashes its features and keeps no vocabulary, so its weights have no "
                "names; pass texts=... (e.g. a sample of the training data) to name the columns their "
                "features hash to, or use explain(text) for the features of one text"
            )
        texts, targets = split_inputs(texts)
        names = self._column_names(texts, [target_key(t) for t in targets])
        columns = np.array(sorted(names), dtype=np.int64)
        return weight_table(self.classes_, self._label_weights(), columns, lambda c: names[int(c)], top)
