"""Training on corpora larger than memory: hashed features and an incremental linear model.

:class:`StreamingStanceClassifier` reads texts as :class:`StanceClassifier`
does (the same word n-grams, negation scopes and lexicon categories, and the
same per-target copies of the word features) but hashes features into a fixed
number of columns instead of keeping a vocabulary, and learns by stochastic
gradient descent, one block of rows at a time. Nothing it holds grows with
the data except the list of targets, so it can learn from a file of any size.

:func:`train_streaming` is what ``stance train --streaming`` runs: it reads a
file chunk by chunk, once to count (labels, and document frequencies for the
idf weights) and once per epoch to learn, holds out every tenth row to score
the model, and fits the in-memory recipe on a sample of the rest to report
how far the streaming model is from it.

The model learns from blocks of ``batch_rows`` rows of the row stream, cut
the same way whatever the size of the chunks the file is read in, and
shuffles each block with a seed of its own: the same data and settings give
the same model, to the last bit, whether the file is read in chunks of 7 rows
or in one piece, and :meth:`StreamingStanceClassifier.fit` on the same rows
gives that model too.
"""

import copy
import time
from collections import defaultdict
from contextlib import nullcontext
from functools import partial

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier
from sklearn.preprocessing import normalize
from sklearn.utils import murmurhash3_32
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._errors import DataError, UsageError
from ._estimator import (
    feature_setting_problems,
    is_count,
    is_flag,
    is_number,
    is_one_of,
    is_seed,
    is_whole,
    raise_for_bad_settings,
)
from ._inputs import RawTextTags, split_inputs
from ._io import DEFAULT_CHUNK_ROWS
from ._targets import target_key
from ._text import MAX_TEXT_CHARS, load_lexicon, normalize_target, normalize_text, word_features

__all__ = ["StreamingStanceClassifier", "train_streaming"]

# Seeds of the hash that places a target's copy of a feature: fixed, so that a
# model means the same columns wherever it is loaded.
_TARGET_SEED = 0x5EED
_MIX_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_MIX_SHIFT_1, _MIX_SHIFT_2 = np.uint64(31), np.uint64(29)
_MIX_MULTIPLIER_2 = np.uint64(0xBF58476D1CE4E5B9)


def _target_columns(columns, target_hashes, width):
    """Return the column of each (feature column, target) pair in a block of ``width``.

    A splitmix-style mix of the column and the target's hash, computed for
    all pairs at once in numpy (wrapping uint64 arithmetic), so that no
    ``target + feature`` string is ever built.
    """
    x = columns.astype(np.uint64) * _MIX_MULTIPLIER + target_hashes.astype(np.uint64)
    x ^= x >> _MIX_SHIFT_1
    x *= _MIX_MULTIPLIER_2
    x ^= x >> _MIX_SHIFT_2
    return (x % np.uint64(width)).astype(np.int64)


#: The linear model's weight arrays, first the ones later ones may be the same object as.
_SGD_ARRAYS = (
    "_standard_coef",
    "_average_coef",
    "coef_",
    "_standard_intercept",
    "_average_intercept",
    "intercept_",
)


def _labelled(X, y):
    # Texts, target names and labels of a training call, checked.
    texts, targets = split_inputs(X)
    y = np.asarray(y, dtype=object)
    if len(y) != len(texts):
        raise ValueError(f"X has {len(texts)} texts but y has {len(y)} labels")
    check_classification_targets(y)
    return texts, [target_key(t) for t in targets], y


def _softmax(scores):
    scores = scores - scores.max(axis=1, keepdims=True)
    proba = np.exp(scores)
    return proba / proba.sum(axis=1, keepdims=True)


class StreamingStanceClassifier(RawTextTags, ClassifierMixin, BaseEstimator):
    """Target-aware stance classifier that learns chunk by chunk: hashed features and SGD.

    The same inputs, text analysis and outputs as :class:`StanceClassifier`,
    for data that does not fit in memory: features are hashed into
    ``n_features`` columns per block (shared words, optional characters, and
    per-target copies of the word features, weighted by ``target_weight``)
    with sublinear TF, idf weights and unit length per block, and a linear
    model with the logistic loss learns from them by averaged stochastic
    gradient descent (scikit-learn's ``SGDClassifier``). Probabilities are the
    softmax of its one-vs-rest log-odds.

    Learning from a stream takes two steps: :meth:`scan` every chunk (it
    counts labels, for balanced class weights, and document frequencies, for
    the idf weights), then :meth:`partial_fit` chunk after chunk, once per
    epoch. :meth:`fit` does both on data in memory; :func:`train_streaming`
    does both on a file.

    A :class:`StanceModel` labels through its :meth:`predict_proba` (it has
    no compiled form: its columns are hashes, not a vocabulary).

    Parameters
    ----------
    word_ngram_range : tuple of int, default=(1, 2)
        Smallest and largest word n-gram.
    char_ngram_range : tuple of int or None, default=None
        Smallest and largest character n-gram (within word boundaries), or
        None: on the bundled corpus they lowered this model's macro-F1 by about
        a point (on SemEval-2016's tweets they helped a little), and they make
        learning several times slower.
    negation : bool, default=True
        Mark words in a negation's scope (``not support`` -> ``NOT_support``).
    target_features : {"words", "all", None}, default="words"
        Which features get a copy per training target.
    target_weight : float, default=0.5
        Scale of the per-target copies.
    lexicon : bool, default=True
        Add counts of the bundled stance lexicon's categories; the model
        keeps its own copy of the lexicon.
    n_features : int, default=2**20
        Hashed columns per block. Fewer columns, more collisions between
        features; memory while learning is about ``48 * n_features * blocks``
        bytes for three labels.
    idf : bool, default=True
        Weigh features by inverse document frequency, counted by :meth:`scan`
        (worth 1.5 points of macro-F1 on the bundled corpus).
    sublinear_tf : bool, default=True
        Use ``1 + log(tf)`` term frequencies.
    alpha : float, default=1e-5
        L2 regularisation strength of the SGD.
    epochs : int, default=5
        Passes over the data in :meth:`fit` and :func:`train_streaming`.
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
    classes_ : ndarray of str
        The labels, in the order of :meth:`predict_proba` columns.
    targets_ : list of str
        The normalised targets seen in training.
    word_hasher_, char_hasher_ : HashingVectorizer
        The feature hashers (``char_hasher_`` is None without characters).
    idf_ : ndarray or None
        Idf weights of the shared columns, fixed at the first
        :meth:`partial_fit`.
    class_weights_ : dict or None
        The class weights used.
    sgd_ : SGDClassifier
        The linear model.
    n_blocks_ : int
        Blocks learned so far.

    Examples
    --------
    >>> texts = ["We firmly support the treaty.", "We reject this treaty outright.",
    ...          "The treaty was signed in 2017.", "We welcome and endorse the treaty.",
    ...          "This treaty is a dangerous mistake.", "The vote on the treaty is on Monday."]
    >>> labels = ["aligned", "opposed", "neutral"] * 2
    >>> model = StreamingStanceClassifier(n_features=2**12, epochs=10).fit(texts, labels)
    >>> model.predict(["We firmly support it.", "We reject it outright."]).tolist()
    ['aligned', 'opposed']
    >>> model.predict_proba(["We reject it."]).sum().round(6)
    np.float64(1.0)

    Chunk by chunk, as a file too large for memory would be read:

    >>> streamed = StreamingStanceClassifier(n_features=2**12, epochs=10)
    >>> for start in (0, 3):
    ...     streamed = streamed.scan(texts[start:start + 3], labels[start:start + 3])
    >>> for epoch in range(10):
    ...     streamed = streamed.partial_fit(texts, labels)
    >>> bool((streamed.predict_proba(texts) == model.predict_proba(texts)).all())
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
                "alpha": not (is_number(self.alpha) and self.alpha > 0),
                "epochs": not is_count(self.epochs),
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

        The same model as :func:`train_streaming` learns from a file with
        these rows in this order: :meth:`scan`, then ``epochs`` passes of
        :meth:`partial_fit` over blocks of ``batch_rows`` rows.

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
            self._add_targets(targets[block])
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
        texts, _ = split_inputs(X)
        if y is not None:
            y = np.asarray(y, dtype=object)
            if len(y) != len(texts):
                raise ValueError(f"X has {len(texts)} texts but y has {len(y)} labels")
            check_classification_targets(y)
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
        self._add_targets(targets)
        self._learn(self._features(texts, targets), y, sample_weight)
        return self

    def _forget(self):
        for name in [name for name in vars(self) if name.endswith("_") and not name.startswith("__")]:
            delattr(self, name)

    def _make_hashers(self):
        if hasattr(self, "word_hasher_"):
            return
        analyzer = partial(
            word_features,
            ngram_range=tuple(self.word_ngram_range),
            negation=self.negation,
            lexicon=load_lexicon() if self.lexicon else None,
        )
        self.word_hasher_ = HashingVectorizer(
            analyzer=analyzer, n_features=self.n_features, alternate_sign=False, norm=None, dtype=np.float64
        )
        self.char_hasher_ = None
        if self.char_ngram_range is not None:
            self.char_hasher_ = HashingVectorizer(
                analyzer="char_wb",
                preprocessor=normalize_text,
                ngram_range=tuple(self.char_ngram_range),
                n_features=self.n_features,
                alternate_sign=False,
                norm=None,
                dtype=np.float64,
            )

    def _scan(self, texts, y):
        self._make_hashers()
        if not hasattr(self, "n_documents_"):
            self.n_documents_ = 0
            self.label_counts_ = {}
            width = self.n_features * (2 if self.char_hasher_ else 1)
            self.document_counts_ = np.zeros(width, np.int64) if self.idf else None
        texts = [text[:MAX_TEXT_CHARS] for text in texts]
        if self.idf:
            for start in range(0, len(texts), self.batch_rows):  # bounded memory in fit too
                for offset, columns in self._shared_blocks(texts[start : start + self.batch_rows]):
                    # A hashed row holds each column once: counting a column's
                    # rows counts its documents.
                    self.document_counts_ += np.bincount(
                        columns.indices + offset, minlength=len(self.document_counts_)
                    )
        self.n_documents_ += len(texts)
        if y is not None:
            labels, counts = np.unique(y, return_counts=True)
            for label, count in zip(labels.tolist(), counts.tolist()):
                self.label_counts_[label] = self.label_counts_.get(label, 0) + count

    def _start(self, classes):
        """Fix the classes, idf and class weights, and create the linear model."""
        self.check_params()
        self._make_hashers()
        scanned = getattr(self, "label_counts_", {})
        if classes is None:
            if not scanned:
                raise ValueError("the first partial_fit needs classes=, or scan() on labelled data first")
            classes = list(scanned)
        self.classes_ = np.unique(np.asarray(classes, dtype=object))
        if len(self.classes_) < 2:
            raise ValueError(f"need at least 2 labels to learn; got {list(self.classes_)}")
        self.idf_ = None
        if self.idf:
            if not getattr(self, "n_documents_", 0):
                raise ValueError("idf=True needs document frequencies: scan() the data before partial_fit")
            self.idf_ = np.log((1 + self.n_documents_) / (1 + self.document_counts_)) + 1
        self.__dict__.pop("document_counts_", None)  # 8 bytes a column, no longer needed
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
        self.targets_ = []
        self.n_blocks_ = 0

    def _add_targets(self, targets):
        new = {t for t in targets if t is not None} - set(self.targets_)
        if new:
            self.targets_ = sorted(set(self.targets_) | new)

    def _learn(self, features, y, sample_weight):
        if not len(y):
            return
        self._densify()
        order = np.random.default_rng([self.random_state, self.n_blocks_]).permutation(len(y))
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=float)[order]
        first = not hasattr(self.sgd_, "coef_")
        self.sgd_.partial_fit(
            features[order], y[order], classes=self.classes_ if first else None, sample_weight=weights
        )
        self.n_blocks_ += 1

    # -- saving ------------------------------------------------------------------

    def __getstate__(self):
        # Pickled (saved, or sent to worker processes) with the linear model's
        # weight arrays as sparse matrices: hashing leaves most columns at
        # zero, so the file and the loaded model are a fraction of the dense
        # size, and loading is quicker. Arrays that were one object (the
        # averaged weights are the model's weights) are noted, so that
        # learning more after loading (_densify) goes on exactly as it would
        # have without the round trip.
        state = super().__getstate__()
        sgd = state.get("sgd_")
        if sgd is None or not isinstance(getattr(sgd, "coef_", None), np.ndarray):
            return state
        compact = copy.copy(sgd)
        aliases = {}
        for i, name in enumerate(_SGD_ARRAYS):
            value = getattr(sgd, name, None)
            earlier = [other for other in _SGD_ARRAYS[:i] if getattr(sgd, other, None) is value]
            if value is None:
                continue
            if earlier:
                aliases[name] = earlier[0]
                setattr(compact, name, getattr(compact, earlier[0]))
            elif value.ndim == 2:
                setattr(compact, name, sp.csr_matrix(value))
        return {**state, "sgd_": compact, "sgd_aliases_": aliases}

    def _densify(self):
        """Give the linear model back dense, shared weight arrays (see __getstate__)."""
        sgd = self.sgd_
        if not sp.issparse(getattr(sgd, "coef_", None)) and "sgd_aliases_" not in vars(self):
            return
        for name in _SGD_ARRAYS:
            value = getattr(sgd, name, None)
            if sp.issparse(value):
                setattr(sgd, name, np.ascontiguousarray(value.toarray()))
        for name, other in vars(self).pop("sgd_aliases_", {}).items():
            setattr(sgd, name, getattr(sgd, other))

    # -- features ----------------------------------------------------------------

    def _shared_blocks(self, texts):
        """Yield ``(column offset, hashed counts)`` of the shared feature blocks."""
        yield 0, self.word_hasher_.transform(texts)
        if self.char_hasher_ is not None:
            yield self.n_features, self.char_hasher_.transform(texts)

    def _weigh(self, counts, offset):
        # Sublinear TF, idf, unit length: as TfidfVectorizer, on hashed columns.
        counts = counts.tocsr()
        if self.sublinear_tf:
            np.log(counts.data, out=counts.data)
            counts.data += 1
        if self.idf_ is not None:
            counts.data *= self.idf_[counts.indices + offset]
        return normalize(counts, copy=False)

    def _target_hashes(self, targets):
        # Only targets seen in training get copies, as in StanceClassifier: an
        # unseen target's columns were never learned, and where they collide
        # with learned ones they would only add noise.
        known = set(self.targets_)
        cache = {}
        hashes = np.full(len(targets), -1, dtype=np.int64)
        for i, target in enumerate(targets):
            if target in known:
                if target not in cache:
                    cache[target] = murmurhash3_32(target, seed=_TARGET_SEED, positive=True)
                hashes[i] = cache[target]
        return hashes

    def _features(self, texts, targets):
        texts = [text[:MAX_TEXT_CHARS] for text in texts]
        shared = [self._weigh(counts, offset) for offset, counts in self._shared_blocks(texts)]
        blocks = list(shared)
        if self.target_features:
            copied = sp.hstack(shared, format="csr") if self.target_features == "all" else shared[0]
            hashes = self._target_hashes(targets)
            rows = np.repeat(np.arange(copied.shape[0]), np.diff(copied.indptr))
            keep = hashes[rows] >= 0
            columns = _target_columns(copied.indices[keep], hashes[rows[keep]], self.n_features)
            blocks.append(
                sp.csr_matrix(
                    (self.target_weight * copied.data[keep], (rows[keep], columns)),
                    shape=(copied.shape[0], self.n_features),
                )
            )
        return sp.hstack(blocks, format="csr")

    # -- prediction ----------------------------------------------------------------

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
        targets = [target_key(t) for t in targets]
        if not texts:
            return np.zeros((0, len(self.classes_)))
        proba = _softmax(self._decision(texts, targets))
        blank = np.array([not t.strip() for t in texts])
        if blank.any() and "neutral" in self.classes_:
            proba[blank] = self.classes_ == "neutral"
        return proba

    def predict(self, X):
        """Return the most probable label of each text."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    # -- introspection -------------------------------------------------------------

    def _label_weights(self):
        """Return the weights as one row per class (dense)."""
        coef = self.sgd_.coef_
        coef = coef.toarray() if sp.issparse(coef) else np.asarray(coef)
        if coef.shape[0] == 1:  # two labels: the scores are (-s/2, s/2)
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        return coef

    def _hash(self, features):
        """Return the hashed column of each feature string (as the hashers place them)."""
        if not features:
            return np.zeros(0, dtype=np.int64)
        hasher = FeatureHasher(n_features=self.n_features, input_type="string", alternate_sign=False)
        return hasher.transform([[feature] for feature in features]).tocsr().indices.astype(np.int64)

    def _column_names(self, texts, targets):
        """Return ``{column: [(feature, source), ...]}`` for the features of ``texts``.

        Hashing keeps no vocabulary, so names come from analysing the texts
        again and hashing each of their features: exact for the features of
        these texts, silent about any other feature sharing a column.
        """
        names = defaultdict(list)
        known = set(self.targets_)
        analyzers = [(0, self.word_hasher_.build_analyzer(), str, "shared")]
        if self.char_hasher_ is not None:
            analyzers.append(
                (self.n_features, self.char_hasher_.build_analyzer(), repr, "shared (characters)")
            )
        target_offset = self.n_features * len(analyzers)
        for text, target in zip(texts, targets):
            text = text[:MAX_TEXT_CHARS]
            for offset, analyze, show, source in analyzers:
                features = list(dict.fromkeys(analyze(text)))
                columns = self._hash(features)
                for feature, column in zip(features, columns):
                    names[offset + column].append((show(feature), source))
                copied = self.target_features == "all" or (self.target_features == "words" and offset == 0)
                if copied and target in known:
                    hashes = np.full(len(columns), murmurhash3_32(target, seed=_TARGET_SEED, positive=True))
                    for feature, column in zip(
                        features, _target_columns(columns + offset, hashes, self.n_features)
                    ):
                        names[target_offset + column].append((show(feature), f"target: {target}"))
        return {column: _dedupe(entries) for column, entries in names.items()}

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
        import pandas as pd

        check_is_fitted(self, "sgd_")
        if not isinstance(text, str):
            raise TypeError(f"text is {type(text).__name__}, not str")
        if not isinstance(top, int) or top < 1:
            raise ValueError(f"top must be a positive whole number, not {top!r}")
        target = normalize_target(target)
        row = self._features([text], [target]).tocsr()
        label_index = int(np.argmax(self.predict_proba([(text, target)])[0]))
        weights = self._label_weights()[label_index]
        contributions = row.data * weights[row.indices]
        order = np.argsort(-np.abs(contributions), kind="stable")[:top]
        names = self._column_names([text], [target])
        described = [names.get(int(column), ("?", "?")) for column in row.indices[order]]
        table = pd.DataFrame(
            {
                "feature": [name for name, _ in described],
                "source": [source for _, source in described],
                "weight": contributions[order].astype(float),
                "value": row.data[order].astype(float),
            }
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
        import pandas as pd

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
        rows = []
        for label, weights in zip(self.classes_, self._label_weights()):
            for column in columns[np.argsort(-weights[columns], kind="stable")[:top]]:
                feature, source = names[int(column)]
                rows.append(
                    {
                        "label": str(label),
                        "feature": feature,
                        "source": source,
                        "weight": float(weights[column]),
                    }
                )
        return pd.DataFrame(rows, columns=["label", "feature", "source", "weight"])


def _dedupe(entries):
    # Several features in one column: shown together, each once.
    features = list(dict.fromkeys(feature for feature, _ in entries))
    sources = list(dict.fromkeys(source for _, source in entries))
    return " | ".join(features), " | ".join(sources)


# -- training on a file -----------------------------------------------------------

#: Every HOLDOUT_EVERY-th data row is held out to score the model, up to HOLDOUT_ROWS rows.
HOLDOUT_EVERY = 10
HOLDOUT_ROWS = 50_000
#: Training rows (at most) on which the in-memory recipe is fitted for comparison.
COMPARE_ROWS = 50_000


def held_out_rows(start, count, every=HOLDOUT_EVERY, limit=HOLDOUT_ROWS):
    """Return which of ``count`` data rows, numbered from ``start``, are held out.

    Rows ``every``, ``2 * every``, ... (counting from 1) are held out, up to
    ``limit`` of them: a rule of the row's number alone, so the same rows are
    held out whatever the chunk size.

    Examples
    --------
    >>> held_out_rows(0, 12, every=5).nonzero()[0].tolist()
    [4, 9]
    >>> held_out_rows(8, 4, every=5, limit=1).tolist()
    [False, False, False, False]
    """
    number = np.arange(start, start + count)
    return (number % every == every - 1) & (number < every * limit)


def sampled_rows(start, count, total, size):
    """Return which of ``count`` rows, numbered from ``start`` out of ``total``, are in an even sample.

    A systematic sample of ``size`` rows spread over the whole stream (all
    rows when ``size >= total``), decided row by row.

    Examples
    --------
    >>> sampled_rows(0, 10, 10, 3).nonzero()[0].tolist()
    [3, 6, 9]
    """
    number = np.arange(start, start + count, dtype=np.int64)
    if size >= total:
        return np.ones(count, dtype=bool)
    return (number + 1) * size // total > number * size // total


class _Blocks:
    """Cuts a stream of DataFrames into blocks of exactly ``size`` rows (the last may be short)."""

    def __init__(self, size):
        self.size = size
        self.pending = []
        self.rows = 0

    def add(self, frame):
        import pandas as pd

        if len(frame):
            self.pending.append(frame)
            self.rows += len(frame)
        while self.rows >= self.size:
            joined = pd.concat(self.pending, ignore_index=True)
            yield joined.iloc[: self.size]
            rest = joined.iloc[self.size :]
            self.pending, self.rows = ([rest] if len(rest) else []), len(rest)

    def flush(self):
        import pandas as pd

        if self.rows:
            yield pd.concat(self.pending, ignore_index=True)
        self.pending, self.rows = [], 0


def _no_progress(description, total):
    class _Bar:
        def update(self, rows):
            pass

    return nullcontext(_Bar())


def train_streaming(
    path,
    fmt=None,
    estimator=None,
    *,
    text_column="text",
    target_column="target",
    label_column="label",
    label_map=None,
    chunk_rows=DEFAULT_CHUNK_ROWS,
    holdout_every=HOLDOUT_EVERY,
    holdout_rows=HOLDOUT_ROWS,
    compare_recipe="default",
    compare_rows=COMPARE_ROWS,
    progress=None,
    keep_rows=None,
):
    """Train a :class:`StreamingStanceClassifier` on a labelled file, chunk by chunk.

    The file is read ``1 + epochs`` times, ``chunk_rows`` rows at a time:
    once to check every row (as :func:`~stance._training.prepare_training_data`
    does), count labels and document frequencies, and set aside the
    held-out rows (see :func:`held_out_rows`); then once per epoch to learn
    from the other rows. Memory holds a chunk, a learning block, the
    held-out rows and the comparison sample, never the whole file.

    Parameters
    ----------
    path : str or Path
        A labelled file (not standard input: it is read several times).
    fmt : str, optional
        Its format, as :func:`~stance._io.read_table` takes it.
    estimator : StreamingStanceClassifier, optional
        The settings (``epochs``, ``batch_rows``...); it is fitted afresh.
    text_column, target_column, label_column, label_map
        As for :func:`~stance._training.prepare_training_data`.
    chunk_rows : int
        Rows read at a time; results do not depend on it.
    holdout_every, holdout_rows : int
        Hold out every ``holdout_every``-th data row, up to ``holdout_rows``.
    compare_recipe : str
        The in-memory recipe (:data:`~stance._recipes.RECIPES`) to compare with.
    compare_rows : int
        Fit it on an even sample of at most this many training rows and score
        it on the same held-out rows; 0 skips the comparison.
    progress : callable, optional
        ``progress(description, total)`` returns a context manager whose
        value has ``update(rows)`` (a tqdm bar, say); one per pass.
    keep_rows : callable, optional
        Applied to each chunk as read (a DataFrame), before anything else:
        the rows it returns are the file's rows for training.

    Returns
    -------
    estimator, metadata, notes
        The fitted model; what to record about it (``metrics`` holds
        ``held_out``, an :func:`~stance._evaluation.evaluation_report` with
        ``calibration``, and ``in_memory_comparison``); and what the user
        should know (blank rows, conflicting labels).

    Raises
    ------
    UsageError
        Standard input, a missing column, or a setting out of range.
    DataError
        An unreadable file, unknown labels (with the rows they are in), or
        too few examples.

    Examples
    --------
    >>> import stance
    >>> from stance._training import corpus_path, corpus_training_rows
    >>> model, metadata, notes = train_streaming(
    ...     corpus_path(), "csv", StreamingStanceClassifier(epochs=1), compare_rows=0, keep_rows=corpus_training_rows)
    >>> metadata["streaming"]["held_out"]["rows"], metadata["metrics"]["held_out"]["macro_f1"] > 0.6
    (914, True)
    """
    import pandas as pd

    from ._evaluation import calibration_report, evaluation_report
    from ._io import read_table
    from ._training import _jsonable, check_label_counts, clean_rows

    if str(path) == "-":
        raise UsageError(
            "streaming training reads the file once per epoch, and standard input can be read only once; "
            "save the data to a file and pass its path"
        )
    for name, value, least in (
        ("chunk_rows", chunk_rows, 1),
        ("holdout_every", holdout_every, 2),
        ("holdout_rows", holdout_rows, 0),
        ("compare_rows", compare_rows, 0),
    ):
        if not is_whole(value) or value < least:
            raise UsageError(f"{name} must be a whole number of at least {least}, not {value!r}")
    estimator = StreamingStanceClassifier() if estimator is None else estimator
    try:
        estimator.check_params()
    except ValueError as error:
        raise UsageError(str(error)) from None
    estimator._forget()
    progress = progress or _no_progress
    columns = (text_column, target_column, label_column, label_map)
    started = time.perf_counter()

    def chunks():
        """Yield ``(rows read, cleaned data, first data row's number, blank, conflicting)``."""
        read = position = 0
        for frame in read_table(path, fmt, chunk_rows):
            if keep_rows is not None:
                frame = keep_rows(frame)
            try:
                data, blank, conflicting = clean_rows(frame, *columns)
            except DataError as error:
                raise DataError(f"rows {read + 1}-{read + len(frame)}: {error}") from None
            yield len(frame), data, position, blank, conflicting
            read += len(frame)
            position += len(data)

    passes = 1 + estimator.epochs
    held_parts, label_counts = [], {}
    rows_read = data_rows = blank_rows = conflict_count = 0
    conflicts = []
    with progress(f"pass 1 of {passes}: checking and counting", None) as bar:
        for read, data, position, blank, conflicting in chunks():
            held = held_out_rows(position, len(data), holdout_every, holdout_rows)
            if held.any():  # past the limit, no chunk adds to the held-out rows
                held_parts.append(data[held])
            training = data[~held]
            estimator.scan(training[["text", "target"]], training["label"].to_numpy())
            for label, count in training["label"].value_counts().items():
                label_counts[label] = label_counts.get(label, 0) + int(count)
            rows_read += read
            data_rows += len(data)
            blank_rows += blank
            conflicts += conflicting[: 1 - len(conflicts[:1])]  # the first example only
            conflict_count += len(conflicting)
            bar.update(read)
    check_label_counts(label_counts, min_examples=2, min_labels=2)
    training_rows = sum(label_counts.values())
    held_out = (
        pd.concat(held_parts, ignore_index=True)
        if held_parts
        else pd.DataFrame({"text": [], "target": [], "label": []}, dtype=object)
    )
    del held_parts
    sample_parts = []
    for epoch in range(estimator.epochs):
        blocks = _Blocks(estimator.batch_rows)
        seen = 0
        with progress(f"pass {epoch + 2} of {passes}: learning, epoch {epoch + 1}", rows_read) as bar:
            for read, data, position, _, _ in chunks():
                training = data[~held_out_rows(position, len(data), holdout_every, holdout_rows)]
                if epoch == 0 and compare_rows:
                    picked = sampled_rows(seen, len(training), training_rows, compare_rows)
                    if picked.any():
                        sample_parts.append(training[picked])
                seen += len(training)
                for block in blocks.add(training):
                    estimator.partial_fit(block[["text", "target"]], block["label"].to_numpy())
                bar.update(read)
            for block in blocks.flush():
                estimator.partial_fit(block[["text", "target"]], block["label"].to_numpy())
        if seen != training_rows:
            raise DataError(
                f"{path} changed while training: pass {epoch + 2} read {seen} training rows, not {training_rows}"
            )
    seconds = time.perf_counter() - started

    def label(model):
        # Held-out rows are labelled a chunk at a time, like any large input.
        proba = [
            model.predict_proba(held_out.iloc[start : start + chunk_rows][["text", "target"]])
            for start in range(0, len(held_out), chunk_rows)
        ]
        return np.vstack(proba) if proba else np.zeros((0, len(model.classes_)))

    metrics = {}
    truth, targets = held_out["label"].to_numpy(), held_out["target"].to_numpy()
    if len(held_out):
        proba = label(estimator)
        metrics["held_out"] = evaluation_report(truth, estimator.classes_[proba.argmax(axis=1)], targets)
        metrics["held_out"]["calibration"] = calibration_report(truth, proba, estimator.classes_)
    notes = []
    if blank_rows:
        notes.append(f"left out {blank_rows} rows with blank text")
    if conflicts:
        # Conflicts are found within a chunk: finding them across chunks
        # would mean holding every text seen.
        notes.append(
            f"{conflict_count} texts appear with conflicting labels within a chunk (e.g. {conflicts[0][:60]!r}); "
            "they were kept as they are"
        )
    if not len(held_out) and holdout_rows:
        notes.append(
            f"too few rows to hold any out (every {holdout_every}th row is held out): no held-out scores"
        )
    comparison = None
    if compare_rows and len(held_out):
        comparison = _compare(
            compare_recipe, pd.concat(sample_parts, ignore_index=True), label, truth, targets, progress
        )
        if "skipped" in comparison:
            notes.append(f"no comparison with the in-memory recipe: {comparison['skipped']}")
        else:
            comparison["gap_points"] = round(
                100 * (comparison["held_out"]["macro_f1"] - metrics["held_out"]["macro_f1"]), 2
            )
        metrics["in_memory_comparison"] = comparison
    metadata = {
        "labels": [str(label) for label in estimator.classes_],
        "targets": list(estimator.targets_),
        "hyperparameters": _jsonable(estimator.get_params()),
        "training": {
            "rows": training_rows,
            "label_counts": dict(sorted(label_counts.items())),
            "fit_seconds": round(seconds, 2),
        },
        "streaming": {
            "estimator": type(estimator).__name__,
            "chunk_rows": chunk_rows,
            "epochs": estimator.epochs,
            "passes": passes,
            "rows_read": rows_read,
            "data_rows": data_rows,
            "held_out": {"every": holdout_every, "max_rows": holdout_rows, "rows": len(held_out)},
            "class_weights": estimator.class_weights_,
        },
        "metrics": metrics,
    }
    return estimator, metadata, notes


def _compare(recipe, sample, label, truth, targets, progress):
    """Fit the in-memory recipe on ``sample`` and score it on the held-out rows."""
    from ._evaluation import evaluation_report
    from ._recipes import make_estimator

    record = {"recipe": recipe, "training_rows": len(sample)}
    model = make_estimator(recipe)
    with progress(f"fitting the in-memory recipe '{recipe}' on {len(sample)} rows for comparison", 1) as bar:
        started = time.perf_counter()
        try:
            model.fit(sample[["text", "target"]], sample["label"])
        except ValueError as error:
            return {**record, "skipped": str(error)}
        record["fit_seconds"] = round(time.perf_counter() - started, 2)
        bar.update(1)
    predicted = model.classes_[label(model).argmax(axis=1)]
    report = evaluation_report(truth, predicted, targets)
    report.pop("per_target", None)
    record["held_out"] = report
    return record
