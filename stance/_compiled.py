"""A fitted StanceClassifier compiled to plain arrays, for fast prediction.

A fitted model is a linear function of TF-IDF features, so predicting needs
only the vocabularies, the idf weights, the SVM's weights, the per-target
weights and the temperature. :class:`CompiledModel` holds those as numpy
arrays and labels a whole batch of texts at once: Python splits the texts
into tokens and looks each one up once, giving a number; numpy does the
rest, from negation scopes (as :func:`~stance._text.mark_negation` marks
them) to n-grams and lexicon phrases, each found by its tokens' numbers
(``((t1 * T) + t2) * T + t3`` for T known tokens) in a sorted array, so no
n-gram string is ever built. No scikit-learn, no scipy, no pickle: the same
probabilities as the estimator it was compiled from (to float rounding),
several times faster, loaded in a fraction of the time. It is saved as
``NAME.npz`` beside the model file and read with ``allow_pickle=False``:
loading it can run no code.
"""

import json

import numpy as np

from ._text import (
    _TOKEN,
    MAX_TEXT_CHARS,
    NEGATED_PREFIX,
    NEGATION_WINDOW,
    TOKEN_KINDS,
    char_wb_features,
    normalize_target,
    normalized_lines,
)

__all__ = ["CompiledModel", "compile_estimator"]

#: Version of the array layout in ``NAME.npz``; a reader refuses others.
LAYOUT_VERSION = 1
_LEXICON_PREFIXES = ("LEX_", NEGATED_PREFIX + "LEX_")
# Kinds of token for negation scopes, as numbers (see _text.mark_negation).
_WORD, _NEGATOR, _KEPT_END, _DROPPED_END = 0, 1, 2, 3
_KIND_NUMBERS = {"negator": _NEGATOR, "tone": _KEPT_END, "scope end": _KEPT_END, "clause end": _DROPPED_END}
_UNKNOWN, _UNKNOWN_NUMBER = -1, -2  # token numbers of tokens the model does not know
_SEPARATOR = "\n"  # no feature, target or label contains a line break


def _pack(strings):
    return np.frombuffer(_SEPARATOR.join(strings).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def _unpack(array):
    text = array.tobytes().decode("utf-8", "surrogatepass")
    return text.split(_SEPARATOR) if text else []


class CompiledModel:
    """The arrays of a fitted StanceClassifier, predicting with numpy alone.

    Build one with :meth:`from_estimator`; save and load it with
    :meth:`save` and :meth:`load`.

    Examples
    --------
    >>> from stance import StanceClassifier
    >>> texts = ["We support it.", "We reject it.", "It was signed.", "We back it.", "We oppose it.", "It is on Monday."]
    >>> labels = ["aligned", "opposed", "neutral"] * 2
    >>> estimator = StanceClassifier(calibration_folds=2).fit(texts, labels)
    >>> compiled = CompiledModel.from_estimator(estimator)
    >>> bool(np.allclose(compiled.predict_proba(["We reject this."]), estimator.predict_proba(["We reject this."])))
    True
    """

    def __init__(self, arrays):
        self._arrays = arrays
        self.classes = _unpack(arrays["classes"])
        self.targets = _unpack(arrays["targets"])
        self.settings = json.loads(arrays["settings"].tobytes().decode("utf-8"))
        tokens = _unpack(arrays["tokens"])
        self._token_number = dict(zip(tokens, range(len(tokens))))
        chars = _unpack(arrays["char_vocabulary"])
        n_words = len(arrays["word_idf"])
        # Character columns follow the word columns, as in the estimator.
        self._char_columns = dict(zip(chars, range(n_words, n_words + len(chars))))
        self._target_index = {target: i for i, target in enumerate(self.targets)}
        self._idf = np.concatenate([arrays["word_idf"], arrays["char_idf"]])

    # -- building, saving, loading ---------------------------------------------

    @classmethod
    def from_estimator(cls, estimator):
        """Compile a fitted :class:`StanceClassifier`.

        Raises
        ------
        ValueError
            The word n-grams are too long to number in 64 bits (more than
            three words, with a large vocabulary); such a model labels
            through its estimator.
        """
        words = estimator.word_vectorizer_
        chars = estimator.char_vectorizer_
        analyzer = words.analyzer.keywords
        low, high = analyzer["ngram_range"]
        coef = estimator._label_weights()
        intercept = np.atleast_1d(estimator.svm_.intercept_).astype(np.float64)
        if coef.shape[0] == 2 and len(intercept) == 1:  # binary: the scores are (-s, s)
            intercept = np.array([-intercept[0], intercept[0]])
        n_shared = len(words.vocabulary_) + (len(chars.vocabulary_) if chars is not None else 0)
        blocks = estimator.target_blocks_
        settings = {
            "word_ngram_range": [low, high],
            "negation": analyzer["negation"],
            "char_ngram_range": list(chars.ngram_range) if chars is not None else None,
            "sublinear_tf": bool(estimator.sublinear_tf),
        }
        arrays = {
            "layout_version": np.array(LAYOUT_VERSION),
            "classes": _pack(map(str, estimator.classes_)),
            "targets": _pack(blocks.targets_ if blocks is not None else []),
            "settings": np.frombuffer(json.dumps(settings).encode("utf-8"), dtype=np.uint8),
            **_index_words(words.vocabulary_, low, high, analyzer["lexicon"]),
            "word_idf": words.idf_.astype(np.float32),
            "char_vocabulary": _pack(_by_column(chars.vocabulary_) if chars is not None else []),
            "char_idf": (chars.idf_ if chars is not None else np.zeros(0)).astype(np.float32),
            "coef": np.ascontiguousarray(coef[:, :n_shared], dtype=np.float64),
            "intercept": intercept,
            # A per-target column copies column c of the shared features for
            # target t; its key is t * pair_width + c, and its weights come
            # scaled by target_weight, as the estimator scales its features.
            "pair_keys": (blocks.columns_ if blocks is not None else np.zeros(0)).astype(np.int64),
            "pair_coef": np.ascontiguousarray(coef[:, n_shared:] * estimator.target_weight, dtype=np.float64),
            "pair_width": np.array(blocks._width if blocks is not None else 0),
            "beta": np.array(float(estimator.calibrated_.calibrated_classifiers_[0].calibrators[0].beta_)),
        }
        return cls(arrays)

    def save(self, stream):
        """Write the arrays to a binary stream (or path) in numpy's ``.npz`` format."""
        np.savez_compressed(stream, **self._arrays)

    @classmethod
    def load(cls, source):
        """Read arrays written by :meth:`save`; never unpickles anything.

        Raises
        ------
        ValueError
            The file is not a compiled stance model of a layout this version reads.
        """
        with np.load(source, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        version = arrays.get("layout_version")
        if version is None or int(version) != LAYOUT_VERSION:
            raise ValueError(f"not a compiled stance model of layout {LAYOUT_VERSION}")
        return cls(arrays)

    def __getstate__(self):
        # Pickled (to send to worker processes) as the arrays alone; the
        # dictionaries are rebuilt on arrival.
        return self._arrays

    def __setstate__(self, arrays):
        self.__init__(arrays)

    # -- prediction ------------------------------------------------------------

    def decision_function(self, texts, targets=None):
        """Return the linear scores, shape ``(len(texts), n_classes)``.

        ``texts`` is a list of strings; ``targets`` None, or a list as long as
        ``texts`` of raw target names (normalised here) or None.
        """
        arrays = self._arrays
        texts = [text[:MAX_TEXT_CHARS] for text in texts]
        n = len(texts)
        rows, columns = self._word_features(texts)
        rows, columns, values = self._tfidf(rows, columns, n)
        if self.settings["char_ngram_range"] is not None:
            char_rows, char_columns = self._char_features(texts)
            char_rows, char_columns, char_values = self._tfidf(char_rows, char_columns, n)
            rows = np.concatenate([rows, char_rows])
            columns = np.concatenate([columns, char_columns])
            values = np.concatenate([values, char_values])
        scores = np.empty((n, len(self.classes)))
        scores[:] = arrays["intercept"]
        for k, weights in enumerate(arrays["coef"]):
            scores[:, k] += np.bincount(rows, values * weights[columns], minlength=n)
        if len(arrays["pair_keys"]) and targets is not None:
            self._add_target_scores(scores, rows, columns, values, targets)
        return scores

    def predict_proba(self, texts, targets=None):
        """Return calibrated probabilities, shape ``(len(texts), n_classes)``.

        A blank text gets probability 1 for ``neutral`` (if the model has it).
        """
        logits = float(self._arrays["beta"]) * self.decision_function(texts, targets)
        logits -= logits.max(axis=1, keepdims=True)
        proba = np.exp(logits)
        proba /= proba.sum(axis=1, keepdims=True)
        if "neutral" in self.classes:
            blank = np.fromiter((not text.strip() for text in texts), dtype=bool, count=len(texts))
            proba[blank] = np.array(self.classes) == "neutral"
        return proba

    def _word_features(self, texts):
        """Return the row and column of each word feature occurrence in ``texts``."""
        arrays = self._arrays
        numbers, rows = self._marked_tokens(texts)
        ngrams = _NgramKeys(numbers, rows, max(len(self._token_number), 1))
        rows, columns = [], []
        low, high = self.settings["word_ngram_range"]
        for n in range(low, high + 1):
            starts, keys = ngrams.of(n)
            if n == 1:  # a token's number indexes its column directly
                found = arrays["unigram_columns"][keys]
                starts, found = starts[found >= 0], found[found >= 0]
            else:
                position, hit = _find(arrays[f"ngram_keys_{n}"], keys)
                starts, found = starts[hit], arrays[f"ngram_columns_{n}"][position]
            rows.append(ngrams.rows[starts])
            columns.append(found)
        if arrays["lexicon_columns"].size:
            starts, found = self._lexicon_features(ngrams)
            rows.append(ngrams.rows[starts])
            columns.append(found)
        return np.concatenate(rows), np.concatenate(columns)

    def _token_numbers(self, texts):
        """Return the numbers of the texts' tokens, one after another, and the tokens per text.

        The tokens of :func:`~stance._text.tokenize` of each normalised
        text, found in one pass: a piece of text between spaces that the
        model knows is one token, so only unknown pieces need a closer look.
        """
        number = self._token_number.get
        numbers, lengths = [], []
        append = numbers.append
        for line in normalized_lines(texts, spaced_out=True):
            before = len(numbers)
            for piece in line.split():
                found = number(piece)
                if found is not None:
                    append(found)
                elif piece.isalnum():
                    append(_UNKNOWN_NUMBER if piece.isdecimal() else _UNKNOWN)
                else:
                    for token in _TOKEN.findall(piece):
                        found = number(token)
                        append(found if found is not None else _UNKNOWN_NUMBER if token.isdecimal() else _UNKNOWN)
            lengths.append(len(numbers) - before)
        return np.array(numbers, dtype=np.int64), np.repeat(np.arange(len(texts)), lengths)

    def _marked_tokens(self, texts):
        """Return the token numbers and rows of the texts after negation marking.

        As :func:`~stance._text.mark_negation` does, but for all texts at
        once: a word is in a negation scope if the last scope-changing token
        before it, within its text, is a negator at most ``NEGATION_WINDOW``
        tokens back; it then becomes its ``NOT_`` form; a number outside a
        scope becomes ``0``; clause punctuation is dropped.
        """
        arrays = self._arrays
        numbers, rows = self._token_numbers(texts)
        known = numbers >= 0
        safe = np.where(known, numbers, 0)  # an index for every token; unknown ones are masked
        kind = np.where(known, arrays["token_kinds"][safe], _WORD)
        if not self.settings["negation"] or not len(numbers):
            keep = kind != _DROPPED_END
            return np.where(known, numbers, _UNKNOWN)[keep], rows[keep]
        position = np.arange(len(numbers))
        first_of_text = np.ones(len(numbers), dtype=bool)
        first_of_text[1:] = rows[1:] != rows[:-1]
        text_start = np.maximum.accumulate(np.where(first_of_text, position, 0))
        last_change = np.maximum.accumulate(np.where(kind != _WORD, position, -1))
        previous_change = np.concatenate([[-1], last_change[:-1]])
        in_scope = (
            (kind == _WORD)
            & (previous_change >= text_start)
            & (kind[np.maximum(previous_change, 0)] == _NEGATOR)
            & (position - previous_change <= NEGATION_WINDOW)
        )
        number_like = (numbers == _UNKNOWN_NUMBER) | (known & arrays["number_tokens"][safe])
        marked = np.where(
            in_scope,
            np.where(known, arrays["negated_tokens"][safe], _UNKNOWN),
            np.where(number_like, arrays["zero_token"], np.where(known, numbers, _UNKNOWN)),
        )
        keep = kind != _DROPPED_END
        return marked[keep], rows[keep]

    def _lexicon_features(self, ngrams):
        # As _text.lexicon_features: at each token, the longest lexicon
        # phrase starting there, matched on the words without their NOT_
        # prefix, gives LEX_<category>, or NOT_LEX_<category> when its first
        # token is negated.
        arrays = self._arrays
        numbers = ngrams.numbers
        known = numbers >= 0
        plain = np.where(known, arrays["plain_tokens"][np.where(known, numbers, 0)], -1)
        words = _NgramKeys(plain, ngrams.rows, ngrams.base)
        category = np.where(plain >= 0, arrays["word_categories"][np.maximum(plain, 0)], -1)
        # Longer phrases overwrite shorter ones; only tokens that start one
        # are looked at.
        starting = (plain >= 0) & arrays["phrase_starts"][np.maximum(plain, 0)]
        for n in range(2, int(arrays["longest_phrase"]) + 1):
            starts, keys = words.of(n, np.flatnonzero(starting))
            position, hit = _find(arrays[f"phrase_keys_{n}"], keys)
            category[starts[hit]] = arrays[f"phrase_categories_{n}"][position]
        starts = np.flatnonzero(category >= 0)
        negated = arrays["prefixed_tokens"][numbers[starts]].astype(np.int64)
        columns = arrays["lexicon_columns"][negated, category[starts]]
        return starts[columns >= 0], columns[columns >= 0]

    def _char_features(self, texts):
        char_range = tuple(self.settings["char_ngram_range"])
        column = self._char_columns.get
        rows, columns = [], []
        for row, line in enumerate(normalized_lines(texts)):
            known = [c for c in map(column, char_wb_features(line, char_range)) if c is not None]
            columns.extend(known)
            rows.extend([row] * len(known))
        return np.array(rows, dtype=np.int64), np.array(columns, dtype=np.int64)

    def _tfidf(self, rows, columns, n):
        # Count repeated (row, column) pairs, then as TfidfVectorizer does:
        # sublinear term frequency, idf weight, unit length per row.
        width = len(self._idf)
        keys, counts = np.unique(rows * width + columns, return_counts=True)
        rows, columns = np.divmod(keys, width)
        tf = counts.astype(np.float32)
        if self.settings["sublinear_tf"]:
            tf = np.log(tf) + np.float32(1)
        values = tf * self._idf[columns]
        norms = np.sqrt(np.bincount(rows, values.astype(np.float64) ** 2, minlength=n))
        values = values / norms[rows].astype(np.float32)
        return rows, columns, values

    def _add_target_scores(self, scores, rows, columns, values, targets):
        arrays = self._arrays
        pair_keys, pair_width = arrays["pair_keys"], int(arrays["pair_width"])
        block = np.array(self._target_numbers(targets), dtype=np.int64)[rows]
        keep = (block >= 0) & (columns < pair_width)
        keys = block[keep] * pair_width + columns[keep]
        position, found = _find(pair_keys, keys)
        hit_rows = rows[keep][found]
        hit_values = values[keep][found]
        for k, weights in enumerate(arrays["pair_coef"]):
            scores[:, k] += np.bincount(hit_rows, hit_values * weights[position], minlength=len(scores))

    def _target_numbers(self, targets):
        # The block number of each row's target, -1 for none or an unknown
        # one; a batch often repeats one target, so each is normalised once.
        def number(target):
            return self._target_index.get(normalize_target(target), -1)

        known = {}
        numbers = []
        for target in targets:
            try:
                if target not in known:
                    known[target] = number(target)
                numbers.append(known[target])
            except TypeError:  # an unhashable value read from a file, say
                numbers.append(number(target))
        return numbers


def compile_estimator(estimator):
    """Return the compiled form of ``estimator``, or None if it has none.

    A :class:`StanceClassifier` compiles, unless its word n-grams are too
    long to number; another estimator labels through its own methods.
    """
    if not hasattr(estimator, "word_vectorizer_"):
        return None
    try:
        return CompiledModel.from_estimator(estimator)
    except ValueError:
        return None


def _find(known, keys):
    """Return where ``keys`` are in the sorted array ``known``, for those that are.

    Returns ``(positions, found)``: ``found`` marks the keys present, and
    ``positions`` are their indices in ``known``, in key order.
    """
    if not len(known):
        return np.zeros(0, dtype=np.int64), np.zeros(len(keys), dtype=bool)
    # Binary search runs about twice as fast on sorted queries (each search
    # starts where the last one ended, in cache); sorting them costs less
    # than that saves. (An open-addressing hash table was no faster: its
    # lookups miss the cache.)
    order = np.argsort(keys)
    position = np.searchsorted(known, keys[order])
    position[position == len(known)] = 0
    found = np.empty(len(keys), dtype=bool)
    found[order] = known[position] == keys[order]
    positions = np.empty(len(keys), dtype=np.int64)
    positions[order] = position
    return positions[found], found


def _by_column(vocabulary):
    return sorted(vocabulary, key=vocabulary.__getitem__)


class _NgramKeys:
    """The n-grams of a batch's token numbers, as 64-bit keys.

    ``numbers`` are the tokens of all texts one after another (-1 for an
    unknown token) and ``rows`` the text each belongs to. The key of the
    n-gram of numbers ``t1 ... tn`` is ``((t1 * base) + t2) * base ...``.
    """

    def __init__(self, numbers, rows, base):
        self.numbers, self.rows, self.base = numbers, rows, np.int64(base)

    def of(self, n, starts=None):
        """Return the start positions and keys of the n-grams of known tokens within one text.

        ``starts``, if given, are the only start positions to consider.
        """
        numbers, rows = self.numbers, self.rows
        m = max(len(numbers) - n + 1, 0)
        if starts is None:
            starts = np.arange(m)
        else:
            starts = starts[starts < m]
        keys = numbers[starts]
        valid = (keys >= 0) & (rows[starts] == rows[starts + n - 1])
        for j in range(1, n):
            following = numbers[starts + j]
            valid &= following >= 0
            keys = keys * self.base + following
        return starts[valid], keys[valid]


def _sorted_keys(number_lists, base, values):
    # The keys of lists of token numbers, sorted, with their values.
    keys = np.zeros(len(number_lists), dtype=np.int64)
    for j in range(len(number_lists[0]) if number_lists else 0):
        keys = keys * base + np.array([numbers[j] for numbers in number_lists], dtype=np.int64)
    order = np.argsort(keys)
    return keys[order], np.asarray(values, dtype=np.int64)[order]


def _index_words(vocabulary, low, high, lexicon):
    """Return the arrays that find word features by their tokens' numbers.

    ``tokens`` lists every token of every n-gram and lexicon phrase (plain
    and negated); a token's number is its position there.
    ``unigram_columns`` gives each token's column (-1 if it is no feature
    by itself); ``ngram_keys_<n>`` are the sorted keys of the n-grams of
    n > 1 tokens and ``ngram_columns_<n>`` their columns. For the lexicon:
    ``plain_tokens`` maps each token to its form without the ``NOT_``
    prefix, ``negated_tokens`` marks the prefixed ones, ``phrase_keys_<n>``
    and ``phrase_categories_<n>`` find phrases of n words, and
    ``lexicon_columns[negated, category]`` is the column of
    ``[NOT_]LEX_<category>`` (-1 if not a feature).
    """
    tokens = {}

    def numbered(words):
        return [tokens.setdefault(word, len(tokens)) for word in words]

    grams = {n: ([], []) for n in range(low, high + 1)}
    lexicon_feature_columns = {}
    for feature, column in vocabulary.items():
        if feature.startswith(_LEXICON_PREFIXES):
            lexicon_feature_columns[feature] = column
        else:
            words = feature.split(" ")
            grams[len(words)][0].append(numbered(words))
            grams[len(words)][1].append(column)
    lexicon = lexicon or {}
    categories = sorted(set(lexicon.values()))
    phrases = {}
    for phrase, category in lexicon.items():
        words = phrase.split(" ")
        numbered(NEGATED_PREFIX + word for word in words)
        phrases.setdefault(len(words), ([], []))
        phrases[len(words)][0].append(numbered(words))
        phrases[len(words)][1].append(categories.index(category))
    # Tokens that change negation scopes, and "0" (what numbers become),
    # are always known: the negation marking reads them.
    numbered([*TOKEN_KINDS, "0"])
    prefix = len(NEGATED_PREFIX)
    plain = [
        numbered([token[prefix:]])[0] if token.startswith(NEGATED_PREFIX) else number
        for token, number in list(tokens.items())
    ]
    plain += range(len(plain), len(tokens))  # plain forms added just now are their own
    base = max(len(tokens), 1)
    longest = max([high, *phrases])
    if base**longest >= 2**63:
        raise ValueError(f"cannot number {longest}-grams of {base} tokens in 64 bits")
    kind_numbers = {token: _KIND_NUMBERS[kind] for token, kind in TOKEN_KINDS.items()}
    arrays = {
        "tokens": _pack(tokens),
        "token_kinds": np.array([kind_numbers.get(token, _WORD) for token in tokens], dtype=np.int8),
        "number_tokens": np.array([token.isdecimal() for token in tokens], dtype=bool),
        "zero_token": np.array(tokens["0"]),
        "negated_tokens": np.array([tokens.get(NEGATED_PREFIX + token, _UNKNOWN) for token in tokens], dtype=np.int64),
        "plain_tokens": np.array(plain, dtype=np.int64),
        "prefixed_tokens": np.array([token.startswith(NEGATED_PREFIX) for token in tokens], dtype=bool),
        "longest_phrase": np.array(max(phrases, default=0)),
        "lexicon_columns": np.array(
            [
                [lexicon_feature_columns.get(f"{negated}LEX_{category}", -1) for category in categories]
                for negated in ("", NEGATED_PREFIX)
            ],
            dtype=np.int64,
        ).reshape(2, len(categories)),
    }
    single_words, single_categories = phrases.get(1, ([], []))
    arrays["word_categories"] = np.full(len(tokens), -1, dtype=np.int64)
    arrays["word_categories"][[words[0] for words in single_words]] = single_categories
    arrays["phrase_starts"] = np.zeros(len(tokens), dtype=bool)
    for n in range(2, arrays["longest_phrase"] + 1):
        numbers, values = phrases.get(n, ([], []))
        arrays["phrase_starts"][[words[0] for words in numbers]] = True
        arrays[f"phrase_keys_{n}"], arrays[f"phrase_categories_{n}"] = _sorted_keys(numbers, base, values)
    for n, (numbers, columns) in grams.items():
        if n == 1:
            unigram_columns = np.full(len(tokens), -1, dtype=np.int64)
            unigram_columns[[gram[0] for gram in numbers]] = columns
            arrays["unigram_columns"] = unigram_columns
        else:
            arrays[f"ngram_keys_{n}"], arrays[f"ngram_columns_{n}"] = _sorted_keys(numbers, base, columns)
    return arrays
