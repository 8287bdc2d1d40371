"""The featuriser: the one place where (text, target) pairs become features.

Every model of the package, whether fitted with scikit-learn or loaded from
plain arrays, reads its features from :class:`Featuriser`. Fitting builds
its tables as numpy arrays; transforming a batch needs only numpy: Python
splits the texts into tokens and looks each one up once, giving a number;
numpy does the rest, from negation scopes to n-grams and lexicon phrases,
each found by its tokens' numbers (``((t1 * T) + t2) * T`` for T known
tokens) in a sorted array, so that no n-gram string is ever built.

The features, in blocks of columns:

``words``
    Word n-grams (negation scopes marked: ``not support`` gives
    ``NOT_support``) and lexicon categories (``LEX_support``), TF-IDF
    weighted, each row of unit length.
``characters``
    Character n-grams within word boundaries (optional), TF-IDF weighted.
``per-target``
    A copy of the word (or all) features in a block per training target
    (Daume's "frustratingly easy" domain adaptation): the model learns cues
    of one target next to cues shared by all. An unknown target, or none,
    leaves this block empty.
``relevance``
    Whether the sentence mentions the target (by a word of its name or an
    alias), an ally or an opponent of it, or none of them, and how much of
    the target's name it covers; and how close the sentence's topic is to
    the target's (``REL_topic``: both as mixtures of the training targets'
    topics, compared by cosine), which tells a sentence about an unnamed
    target's subject from one about something else: a sentence about
    something else is neutral toward the target.

Which side a text takes toward its target is not a feature but a sign that
:meth:`Featuriser.transform` returns beside the features: -1 where what the
text talks about is the target's other side ("ending X"; an opponent named
in the target's profile), so that the attitude the text shows is the
opposite stance. (Word features signed by the side of a mention within a
few words of it were tried, as a fifth block, and removed: they lowered
every measure, on the corpus and on real text.)
"""

import json

import numpy as np

from ._targets import (
    ProfileIndex,
    Target,
    as_target,
    find_profile,
    reversed_target,
    signed_terms,
    stem,
    target_key,
    with_actors,
)
from ._text import (
    _TOKEN,
    MAX_TEXT_CHARS,
    NEGATED_PREFIX,
    NEGATION_WINDOW,
    TOKEN_KINDS,
    char_wb_features,
    normalized_lines,
)

__all__ = [
    "Featuriser",
    "HashingFeaturiser",
    "stable_hashes",
    "pack_strings",
    "unpack_strings",
    "pack_profiles",
]

#: Version of the array layout; a reader refuses others.
LAYOUT_VERSION = 3
# Kinds of token for negation scopes, as numbers (see _text.TOKEN_KINDS).
_WORD, _NEGATOR, _KEPT_END, _DROPPED_END = 0, 1, 2, 3
_KIND_NUMBERS = {"negator": _NEGATOR, "tone": _KEPT_END, "scope end": _KEPT_END, "clause end": _DROPPED_END}
_UNKNOWN, _UNKNOWN_NUMBER = -1, -2  # token numbers of tokens the featuriser does not know
_SEPARATOR = "\n"  # no feature, target or label contains a line break
#: Up to how many (row, topic) cells a batch's topic vectors are summed in a dense table.
DENSE_TOPIC_CELLS = 1 << 24
#: How many resolved targets a featuriser keeps from batch to batch (see Featuriser._resolve).
RESOLVED_TARGETS = 4096
#: Up to how many 64-bit words the bits of the per-target pairs may take (see _PairBits): 32 MB.
PAIR_BIT_WORDS = 1 << 22
#: Up to how many (target, stem) cells the table of where a batch's terms start may have (see mentions).
MENTION_TABLE_CELLS = 1 << 24
#: From how many keys a batch looks up n-grams, lexicon phrases and per-target pairs in hash tables
#: (see _KeyIndex).
HASHED_LOOKUPS = 4096
#: How many topics each word keeps in the topic tables (see _topic_arrays).
TOPICS_PER_WORD = 8
#: The largest weight anywhere in a model: a setting (target_weight, the
#: streaming alpha), an idf, a coefficient or a temperature. No real model
#: comes near it, and 1e308 would overflow to infinite features.
MAX_WEIGHT = 1e6
RELEVANCE_FEATURES = (
    "REL_target",
    "REL_ally",
    "REL_opponent",
    "REL_none",
    "REL_coverage",
    "REL_topic",
    "REL_notopic",
)
# Relevance columns, from the block's start: REL_target, REL_ally and
# REL_opponent are the mentions; REL_none says the row has a target but none.
_MENTION_COLUMNS = 3
_NONE_COLUMN = RELEVANCE_FEATURES.index("REL_none")


def pack_strings(strings):
    """Return strings as one uint8 array (for ``.npz`` files, which must hold no objects)."""
    return np.frombuffer(_SEPARATOR.join(strings).encode("utf-8", "surrogatepass"), dtype=np.uint8)


def unpack_strings(array):
    """The inverse of :func:`pack_strings`."""
    text = array.tobytes().decode("utf-8", "surrogatepass")
    return text.split(_SEPARATOR) if text else []


class Featuriser:
    """Fitted feature tables, held as numpy arrays; transforming needs numpy alone.

    Build one with :meth:`fit`; :attr:`arrays` (and :meth:`from_arrays`) are
    its whole state, which is what a saved model stores.

    Examples
    --------
    >>> texts = ["We support the treaty.", "We do not support the tariffs."]
    >>> featuriser = Featuriser.fit(
    ...     texts, ["the treaty", "the tariffs"], word_ngram_range=(1, 1), lexicon={"support": "support"},
    ...     relation_weight=1.0,
    ... )
    >>> rows, columns, values = featuriser.transform(["We support the treaty."], ["the treaty"])
    >>> for column in columns:
    ...     print(*featuriser.feature_name(column), sep=" | ")
    we | shared
    support | shared
    the | shared
    treaty | shared
    LEX_support | shared
    we | target: the treaty
    support | target: the treaty
    the | target: the treaty
    treaty | target: the treaty
    LEX_support | target: the treaty
    REL_target | relevance
    REL_coverage | relevance
    REL_topic | relevance
    """

    def __init__(self, arrays):
        self.arrays = arrays
        self.settings = json.loads(arrays["settings"].tobytes().decode("utf-8"))
        self.targets = unpack_strings(arrays["targets"])
        self.profiles = {
            key: _profile_from_json(entry) for key, entry in json.loads(_text(arrays["profiles"])).items()
        }
        tokens = unpack_strings(arrays["tokens"])
        self._tokens = tokens
        self._token_number = dict(zip(tokens, range(len(tokens))))
        chars = unpack_strings(arrays["char_vocabulary"])
        self._n_words = len(arrays["word_idf"])
        self._char_columns = dict(zip(chars, range(self._n_words, self._n_words + len(chars))))
        self._n_shared = self._n_words + len(chars)
        self._idf = np.concatenate([arrays["word_idf"], arrays["char_idf"]])
        self._target_index = {target: i for i, target in enumerate(self.targets)}
        self._relevance_start = self._n_shared + len(arrays["pair_keys"])
        topics = arrays.get("topic_concepts")
        self._n_topics = int(topics.max()) + 1 if topics is not None and len(topics) else 0
        self.n_features = self._relevance_start + (
            len(RELEVANCE_FEATURES) if self.settings["relation_weight"] else 0
        )
        self._names = None
        self._stem_index = None
        # Targets repeat from batch to batch (a file's chunks name a few
        # targets over and over): each is resolved once, not once a batch.
        self._resolved = {}
        self._key_indexes = {}  # name of a sorted key array -> its _KeyIndex, built on first use
        self._target_topics = {}  # the words of a target's terms -> its unit topic vector
        self._reversal = None  # boolean tables over token numbers: reversing, linking words...
        self._profile_index = None  # the profiles by loose name and alias, built on first use

    def __getstate__(self):
        # Pickled, or saved with skops, as its arrays alone.
        return dict(self.arrays)

    def __setstate__(self, arrays):
        # Unpickled or loaded with skops: the same checks as from_arrays.
        self.__init__(self.from_arrays(arrays).arrays)

    @classmethod
    def from_arrays(cls, arrays):
        """Return the featuriser whose :attr:`arrays` these are.

        Raises
        ------
        ValueError
            The arrays are of another layout version, or damaged.
        """
        version = arrays.get("layout_version")
        if version is None or version.dtype.kind not in "iu" or version.shape != ():
            raise ValueError(f"not a compiled stance model of layout {LAYOUT_VERSION}")
        if int(version) != LAYOUT_VERSION:
            raise ValueError(
                f"a model saved by another version of stance (array layout {int(version)}; "
                f"this version reads layout {LAYOUT_VERSION}): train it again with this version"
            )
        _check_arrays(arrays)
        return cls(arrays)

    # -- fitting ---------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        texts,
        targets,
        *,
        word_ngram_range=(1, 2),
        negation=True,
        lexicon=None,
        char_ngram_range=None,
        min_df=1,
        sublinear_tf=True,
        target_features="words",
        target_weight=0.5,
        relation_weight=0.0,
    ):
        """Learn the vocabularies, idf weights and target blocks of a training set.

        Parameters
        ----------
        texts : list of str
        targets : list of (str, Target or None)
        word_ngram_range, negation, char_ngram_range, min_df, sublinear_tf, target_features, target_weight
            As :class:`~stance.StanceClassifier`'s parameters of these names.
        lexicon : dict or None
            ``{phrase: category}``; None for no lexicon features.
        relation_weight : float
            Scale of the relevance block; 0 for none.

        Returns
        -------
        Featuriser
        """
        texts = [text[:MAX_TEXT_CHARS] for text in texts]
        low, high = word_ngram_range
        settings = _settings(
            word_ngram_range,
            negation,
            char_ngram_range,
            sublinear_tf,
            target_features,
            target_weight,
            relation_weight,
        )
        lines = normalized_lines(texts, spaced_out=True)
        table = {}
        numbers, rows = _numbers(lines, table.get, grow=table)
        arrays = {"layout_version": np.array(LAYOUT_VERSION)}
        arrays.update(_token_arrays(table, lexicon or {}, low, high))
        # Featurisers fitted before this rule existed lack the setting, and keep labelling as they did.
        settings["named_reversals"] = True
        arrays["settings"] = np.frombuffer(json.dumps(settings).encode("utf-8"), dtype=np.uint8)
        probe = cls._partial(arrays, len(texts))
        n = len(texts)
        marked, marked_rows, keep = probe._mark(numbers, rows)
        grams = _NgramKeys(marked[keep], marked_rows[keep], max(len(table), 1))
        column = 0
        document_frequency = []
        for size in range(low, high + 1):
            starts, keys = grams.of(size)
            kept, df = _frequent(keys, grams.rows[starts], min_df)
            if size == 1:
                unigram_columns = np.full(len(table), -1, dtype=np.int64)
                unigram_columns[kept] = np.arange(column, column + len(kept))
                arrays["unigram_columns"] = unigram_columns
            else:
                arrays[f"ngram_keys_{size}"] = kept
                arrays[f"ngram_columns_{size}"] = np.arange(column, column + len(kept), dtype=np.int64)
            column += len(kept)
            document_frequency.append(df)
        if low > 1:
            arrays["unigram_columns"] = np.full(len(table), -1, dtype=np.int64)
        n_categories = arrays["lexicon_columns"].shape[1]
        if n_categories:
            starts, features = probe._lexicon_hits(grams)
            kept, df = _frequent(features, grams.rows[starts], min_df)
            lexicon_columns = np.full(2 * n_categories, -1, dtype=np.int64)
            lexicon_columns[kept] = np.arange(column, column + len(kept))
            arrays["lexicon_columns"] = lexicon_columns.reshape(2, n_categories)
            column += len(kept)
            document_frequency.append(df)
        arrays["word_idf"] = _idf(np.concatenate(document_frequency), n)
        char_vocabulary, char_df = [], np.zeros(0)
        if char_ngram_range is not None:
            char_vocabulary, char_df = _char_vocabulary(texts, tuple(char_ngram_range), min_df)
        arrays["char_vocabulary"] = pack_strings(char_vocabulary)
        arrays["char_idf"] = _idf(char_df, n)
        # The per-target blocks keep only the (target, column) pairs seen in training.
        known = sorted({t.key for t in map(as_target, targets) if t is not None}) if target_features else []
        profiles = {t.key: t for t in map(as_target, targets) if t is not None and _is_profile(t)}
        arrays["targets"] = pack_strings(known)
        arrays["profiles"] = pack_profiles(profiles)
        arrays["pair_keys"] = np.zeros(0, dtype=np.int64)
        shared = cls._partial(arrays, n)
        features = shared._shared_features(texts) if known or relation_weight else None
        if known:
            rows, columns, _ = features
            width = shared._n_words if target_features == "words" else shared._n_shared
            block = np.array(shared._target_numbers(targets, shared._target_index), dtype=np.int64)[rows]
            keep = (block >= 0) & (columns < width)
            arrays["pair_keys"] = np.unique(block[keep] * shared._n_shared + columns[keep])
        arrays.update(_topic_arrays(arrays["unigram_columns"], shared._n_words, features, targets if relation_weight else []))
        return cls(arrays)

    @classmethod
    def _partial(cls, arrays, n):
        # A featuriser of the arrays built so far, with the rest empty: fitting
        # uses its methods on the training texts as it goes.
        defaults = {
            "unigram_columns": np.zeros(0, dtype=np.int64),
            "word_idf": np.zeros(0, dtype=np.float32),
            "char_vocabulary": pack_strings([]),
            "char_idf": np.zeros(0, dtype=np.float32),
            "targets": pack_strings([]),
            "profiles": pack_strings(["{}"]),
            "pair_keys": np.zeros(0, dtype=np.int64),
            "topic_indptr": np.zeros(1, dtype=np.int64),
            "topic_concepts": np.zeros(0, dtype=np.int64),
            "topic_weights": np.zeros(0, dtype=np.float32),
        }
        return cls({**defaults, **arrays})

    # -- transforming ----------------------------------------------------------

    def transform(self, texts, targets=None, sides=False):
        """Return the features of ``texts`` as ``(rows, columns, values)`` arrays.

        ``targets`` is None or a list as long as ``texts`` of strings,
        :class:`~stance.Target` profiles or None. Each (row, column) pair
        occurs once; the matrix is ``len(texts)`` by :attr:`n_features`.

        With ``sides``, returns ``(features, sides)``: per text, +1, or -1
        when what the text talks about is on the other side of its target
        (the target reverses another, as "ending X"; or, with the features
        that relate text and target, the text mentions an opponent named in
        the target's profile and nothing on the target's side, as "Moscow"
        for "sanctions against Russia"; or the text names the undoing of
        what it mentions, as "ending the death penalty" or "the lifting of
        sanctions", see :meth:`_named_reversals`), so that the attitude the
        text shows is the opposite stance toward the target; 0 for a text
        with no target.
        """
        texts = [text[:MAX_TEXT_CHARS] for text in texts]
        n = len(texts)
        if targets is None:
            targets = [None] * n
        resolved = self._resolve(targets)
        rows, columns, values, marks = self._shared_features(texts, resolved)
        parts = [(rows, columns, values)]
        if len(self.arrays["pair_keys"]):
            parts.append(self._target_block(rows, columns, values, resolved))
        mentions = self.mentions(marks, resolved) if self.settings["relation_weight"] else None
        if mentions is not None:
            parts.append(self._relevance_block(parts[0], resolved, n, mentions))
        features = tuple(np.concatenate(arrays) for arrays in zip(*parts))
        if not sides:
            return features
        reversed_rows = self._named_reversals(marks, mentions, n) >= 0 if mentions is not None else None
        return features, _sides(resolved, mentions, n, reversed_rows)

    def undoing_in(self, text, target):
        """Return the word by which ``text`` undoes what it names of ``target`` ("lifting"), or None.

        Examples
        --------
        >>> featuriser = Featuriser.fit(["We back the lifting of the levy."], ["the levy"], relation_weight=1.0)
        >>> featuriser.undoing_in("We back the lifting of the levy.", "the levy")
        'lifting'
        >>> featuriser.undoing_in("We back the levy.", "the levy") is None
        True
        """
        from ._text import normalize_text, tokenize

        if not self.settings["relation_weight"]:
            return None
        resolved = self._resolve([target])
        *_, marks = self._shared_features([text[:MAX_TEXT_CHARS]], resolved)
        position = int(self._named_reversals(marks, self.mentions(marks, resolved), 1)[0])
        return tokenize(normalize_text(text[:MAX_TEXT_CHARS]))[position] if position >= 0 else None

    def _named_reversals(self, marks, mentions, n):
        """Return, per row, the position of a word that reverses a mention on the target's side, or -1.

        "ending the death penalty", "the lifting of sanctions", "an end to
        the blockade": the text speaks of undoing what it names, so the
        attitude it shows toward that is the opposite stance toward the
        target. The word may come before the mention's function words (at
        most three: "the", "of", "to"...). Only in featurisers fitted with
        the rule (``named_reversals`` in their settings): an older model's
        head learnt without it, and labels as it did.
        """
        m_rows, m_starts, _, m_sides, _ = mentions
        found = np.full(n, -1, dtype=np.int64)  # the position of the reversing word, in the batch
        on_side = m_sides > 0
        if not self.settings.get("named_reversals", False) or not on_side.any():
            return found
        reversing, linking, determiners, to_of = self._reversal_tables()
        numbers, token_rows = marks.numbers, marks.rows
        # A reversing word the model never saw ("rescinding") is one all the same.
        unknown_reversing = np.zeros(len(numbers), dtype=bool)
        unknown_reversing[[position for position, token in marks.unknown if token in REVERSING_WORDS]] = True
        end = self._token_number.get("end", -1)
        rows, position = m_rows[on_side], m_starts[on_side] - 1
        alive = np.ones(len(rows), dtype=bool)
        for _ in range(1 + LINKING_WORDS_SKIPPED):
            alive &= position >= 0
            at = np.maximum(position, 0)
            alive &= token_rows[at] == rows
            token = numbers[at]
            known = token >= 0
            token = np.maximum(token, 0)
            word = (known & reversing[token]) | unknown_reversing[at]
            # It does not count right after a negator ("we must not stop X";
            # but "we cannot support ending X" is a reversal), nor as a noun
            # that ends nothing ("in the end the sanctions worked": "the end"
            # not followed by "to" or "of").
            before = np.maximum(at - 1, 0)
            previous = np.where((at > 0) & (token_rows[before] == rows), numbers[before], -1)
            negated = (previous >= 0) & (self.arrays["token_kinds"][np.maximum(previous, 0)] == _NEGATOR)
            noun = (
                (numbers[at] == end)
                & (previous >= 0)
                & determiners[np.maximum(previous, 0)]
                & ~to_of[np.maximum(numbers[at + 1], 0)]
            )
            hit = alive & word & ~negated & ~noun
            found[rows[hit]] = at[hit]
            alive &= ~word & known & linking[token]
            position = position - 1
        return found

    def _reversal_tables(self):
        if self._reversal is None:
            size = max(len(self._tokens), 1)
            tables = []
            for words in (REVERSING_WORDS, LINKING_WORDS, {"the", "an", "a"}, {"to", "of"}):
                table = np.zeros(size, dtype=bool)
                table[[self._token_number[word] for word in words if word in self._token_number]] = True
                tables.append(table)
            self._reversal = tuple(tables)
        return self._reversal

    def _resolve(self, targets):
        """Return each row's target resolved: a :class:`_Resolved` of the distinct targets and each row's.

        Each distinct target is resolved once (its block number, its signed
        terms and its polarity: -1 for the reversal of another target, as
        "ending X"), and every later pass works on the distinct targets and
        the rows' numbers of them, never target by row.
        """
        known = self._resolved
        numbers = {}
        entries = []
        row_entries = []
        for target in targets:
            try:
                number = numbers.get(target)
            except TypeError:
                raise TypeError(
                    f"a target must be a string or a stance.Target, not {type(target).__name__}"
                ) from None
            if number is None:
                # Only names and profiles are kept between batches: None and
                # NaN cost nothing to resolve, and every NaN is a new key.
                keep = isinstance(target, (str, Target))
                entry = known.get(target) if keep else None
                if entry is None:
                    entry = self._resolve_one(target)
                    if keep:
                        if len(known) >= RESOLVED_TARGETS:  # bounded, however many targets a file names
                            known.clear()
                        known[target] = entry
                number = numbers[target] = len(entries)
                entries.append(entry)
            row_entries.append(number)
        return _Resolved(entries, np.array(row_entries, dtype=np.int64))

    def reads_target(self, target):
        """Whether ``target`` is read as a target: one trained on, or one with a word to read.

        A target of punctuation or function words alone ("***", "the") names
        nothing a text could mention, and the text is read as with no target.
        (The same resolution as :meth:`transform`'s, and kept for it.)

        Examples
        --------
        >>> featuriser = Featuriser.fit(["We back the treaty."], ["the treaty"], relation_weight=1.0)
        >>> featuriser.reads_target("the treaty"), featuriser.reads_target("***"), featuriser.reads_target(None)
        (True, False, False)
        """
        number, terms, _ = self._resolve([target]).entries[0]
        return number >= 0 or bool(terms)

    def read_as(self, target):
        """Return ``(profile, polarity)``: the :class:`~stance.Target` that ``target`` is read as, and its sign.

        Its own profile, or one of :attr:`profiles` that names it; for a
        reversal the model does not know by name, the profile of its base,
        polarity -1 (see :meth:`transform`). ``(None, 0)`` for None or a
        blank name.

        Examples
        --------
        >>> featuriser = Featuriser.fit(["We back the treaty."], ["the treaty"], relation_weight=1.0)
        >>> profile, polarity = featuriser.read_as("ending the treaty")
        >>> profile.name, polarity
        ('the treaty', -1)
        """
        if self._profile_index is None:
            self._profile_index = ProfileIndex(self.profiles)
        profile = as_target(target, self._profile_index)
        if profile is None:
            return None, 0
        polarity = 1
        # A reversal the model does not know by name is read as its base,
        # sides swapped ("ending the death penalty": the death penalty, -1);
        # a reversal of a reversal twice; more is no real target's name.
        for _ in range(3):
            if profile.key in self._target_index:
                break
            base, reverses = reversed_target(profile)
            if not reverses:
                break
            known = find_profile(base.key, self._profile_index)
            # The known profile of the base, with the actors the reversal's own profile names.
            profile = base if known is None else with_actors(known, base.allies, base.opponents)
            polarity = -polarity
        return profile, polarity

    def _resolve_one(self, target):
        profile, polarity = self.read_as(target)
        if profile is None:
            return -1, (), 0
        number, terms = self._target_index.get(profile.key, -1), tuple(signed_terms(profile))
        if number < 0 and not terms:  # no word to read ("***", "the"): no target, as None is
            return -1, (), 0
        return number, terms, polarity

    def _shared_features(self, texts, resolved=None):
        """Word, lexicon and character features; with ``resolved`` targets, also the marks."""
        stems, unknown = None, None
        if resolved is not None:
            stems = {}
            for _, terms, _ in resolved.entries:  # in order of first use, as row by row
                for words, _, _ in terms:
                    for word in words:
                        stems.setdefault(word, len(stems))
            unknown = []
        numbers, token_rows = _numbers(
            normalized_lines(texts, spaced_out=True), self._token_number.get, unknown=unknown
        )
        stem_ids = self._stem_ids(numbers, unknown, stems) if stems else None
        marked, token_rows, keep = self._mark(numbers, token_rows)
        grams = _NgramKeys(marked[keep], token_rows[keep], max(len(self._tokens), 1))
        rows, columns, values = self._tfidf(*self._word_columns(grams), len(texts))
        if self.settings["char_ngram_range"] is not None:
            chars = self._tfidf(*self._char_columns_of(texts), len(texts))
            rows, columns, values = (np.concatenate(pair) for pair in zip((rows, columns, values), chars))
        if resolved is None:
            return rows, columns, values
        marks = _Marks(numbers, token_rows, marked, keep, grams, stems, stem_ids, unknown)
        return rows, columns, values, marks

    def _word_columns(self, grams):
        arrays = self.arrays
        rows, columns = [], []
        low, high = self.settings["word_ngram_range"]
        for size in range(low, high + 1):
            starts, keys = grams.of(size)
            if size == 1:  # a token's number is its index in unigram_columns
                found = arrays["unigram_columns"][keys]
                starts, found = starts[found >= 0], found[found >= 0]
            else:
                position, hit = self._find(f"ngram_keys_{size}", keys)
                starts, found = starts[hit], arrays[f"ngram_columns_{size}"][position]
            rows.append(grams.rows[starts])
            columns.append(found)
        if arrays["lexicon_columns"].size:
            starts, features = self._lexicon_hits(grams)
            found = arrays["lexicon_columns"].reshape(-1)[features]
            rows.append(grams.rows[starts[found >= 0]])
            columns.append(found[found >= 0])
        return np.concatenate(rows), np.concatenate(columns)

    def _mark(self, numbers, rows):
        """Return the token numbers after negation marking, their rows, and which tokens stay.

        For all texts at once (see :data:`~stance._text.TOKEN_KINDS`): a
        word is in a negation scope if the last scope-changing token before
        it, within its text, is a negator at most ``NEGATION_WINDOW`` tokens
        back; it then becomes its ``NOT_`` form; a number outside a scope
        becomes ``0``; clause punctuation does not stay.
        """
        arrays = self.arrays
        known = numbers >= 0
        safe = np.where(known, numbers, 0)  # an index for every token; unknown ones are masked
        kind = np.where(known, arrays["token_kinds"][safe], _WORD) if len(numbers) else np.zeros(0, np.int8)
        keep = kind != _DROPPED_END
        number_like = (numbers == _UNKNOWN_NUMBER) | (known & arrays["number_tokens"][safe])
        plain = np.where(number_like, arrays["zero_token"], np.where(known, numbers, _UNKNOWN))
        if not self.settings["negation"] or not len(numbers):
            return np.where(known, numbers, _UNKNOWN), rows, keep
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
        marked = np.where(in_scope, np.where(known, arrays["negated_tokens"][safe], _UNKNOWN), plain)
        return marked, rows, keep

    def _lexicon_hits(self, grams):
        """Return where lexicon phrases start and their feature numbers.

        At each token, the longest lexicon phrase starting there, matched on
        the words without their ``NOT_`` prefix, gives ``LEX_<category>``
        (feature ``category``), or ``NOT_LEX_<category>`` (feature
        ``n_categories + category``) when its first token is negated.
        """
        arrays = self.arrays
        numbers = grams.numbers
        known = numbers >= 0
        plain = np.where(known, arrays["plain_tokens"][np.where(known, numbers, 0)], -1)
        words = _NgramKeys(plain, grams.rows, grams.base)
        category = np.where(plain >= 0, arrays["word_categories"][np.maximum(plain, 0)], -1)
        # Longer phrases overwrite shorter ones; only tokens that start one are looked at.
        starting = (plain >= 0) & arrays["phrase_starts"][np.maximum(plain, 0)]
        for size in range(2, int(arrays["longest_phrase"]) + 1):
            starts, keys = words.of(size, np.flatnonzero(starting))
            position, hit = self._find(f"phrase_keys_{size}", keys)
            category[starts[hit]] = arrays[f"phrase_categories_{size}"][position]
        starts = np.flatnonzero(category >= 0)
        negated = arrays["prefixed_tokens"][numbers[starts]].astype(np.int64)
        return starts, category[starts] + negated * arrays["lexicon_columns"].shape[1]

    def _char_columns_of(self, texts):
        char_range = tuple(self.settings["char_ngram_range"])
        column = self._char_columns.get
        rows, columns = [], []
        for row, line in enumerate(normalized_lines(texts)):
            known = [c for c in map(column, char_wb_features(line, char_range)) if c is not None]
            columns.extend(known)
            rows.extend([row] * len(known))
        return np.array(rows, dtype=np.int64), np.array(columns, dtype=np.int64)

    def _tfidf(self, rows, columns, n):
        return _tfidf(rows, columns, n, self._idf, self.settings["sublinear_tf"], len(self._idf))

    def _target_block(self, rows, columns, values, resolved):
        block = np.array([number for number, _, _ in resolved.entries], dtype=np.int64)[resolved.rows][rows]
        keep = block >= 0
        block, kept_columns = block[keep], columns[keep]
        pairs = self._pair_bits() if len(block) >= HASHED_LOOKUPS else None
        if pairs is not None:
            position, found = pairs.find(block, kept_columns)
        else:
            position, found = self._find("pair_keys", block * self._n_shared + kept_columns)
        return (
            rows[keep][found],
            self._n_shared + position,
            values[keep][found] * np.float32(self.settings["target_weight"]),
        )

    def _pair_bits(self):
        # The per-target pairs as bits (see _PairBits), built on first use;
        # None where numpy cannot count bits or the bits would take too much memory.
        if "pair bits" not in self._key_indexes:
            words = len(self.targets) * -(-self._n_shared // 64)
            usable = hasattr(np, "bitwise_count") and words <= PAIR_BIT_WORDS
            self._key_indexes["pair bits"] = (
                _PairBits(self.arrays["pair_keys"], len(self.targets), self._n_shared) if usable else None
            )
        return self._key_indexes["pair bits"]

    def _find(self, name, keys):
        """:func:`_find` in the sorted key array ``name``; for many keys, through its hash table."""
        known = self.arrays[name]
        if len(keys) < HASHED_LOOKUPS or not len(known):
            return _find(known, keys)
        index = self._key_indexes.get(name)
        if index is None:
            index = self._key_indexes[name] = _KeyIndex(known)
        return index.find(keys)

    @staticmethod
    def _target_numbers(targets, index):
        return [-1 if t is None else index.get(t.key, -1) for t in map(as_target, targets)]

    @property
    def relevance_start(self):
        """The first column of the relevance block, which runs to the last column."""
        return self._relevance_start

    def names_the_target(self, matrix):
        """Return, per row of a feature matrix, whether it mentions the target, an ally or an opponent."""
        start = self._relevance_start
        mentions = matrix[:, start : start + _MENTION_COLUMNS]
        return np.asarray((mentions != 0).sum(axis=1)).ravel() > 0

    def as_unknown_targets(self, rows, columns, values, topic=True):
        """Return features as their rows would have them if their targets were unknown to the model.

        No per-target block; with ``topic=False`` no topic either, but
        ``REL_notopic`` for each row with a target, as for a target none of
        whose words the model knows. Training the relevance model on such
        rows too teaches it to judge the relevance of such targets.
        """
        start = self._relevance_start
        keep = (columns < self._n_shared) | (columns >= start)
        if topic:
            return rows[keep], columns[keep], values[keep]
        keep &= columns != start + RELEVANCE_FEATURES.index("REL_topic")
        rows, columns, values = rows[keep], columns[keep], values[keep]
        # A row with a target has one of the mention columns, or REL_none.
        targeted = np.unique(rows[(columns >= start) & (columns <= start + _NONE_COLUMN)])
        notopic = start + RELEVANCE_FEATURES.index("REL_notopic")
        weight = np.float32(self.settings["relation_weight"])
        return (
            np.concatenate([rows, targeted]),
            np.concatenate([columns, np.full(len(targeted), notopic)]),
            np.concatenate([values, np.full(len(targeted), weight, dtype=values.dtype)]),
        )

    # -- the target's mentions -------------------------------------------------

    def _stem_ids(self, numbers, unknown, stems):
        # Each token's number in ``stems`` (-1 for none), looked up by token
        # number: the stems of the known tokens are indexed once per
        # featuriser, so only unknown tokens are stemmed one by one.
        stem_index = self._stem_lookup()
        of_token = np.full(len(self._tokens) + 1, -1, dtype=np.int64)  # the last slot: unknown tokens
        for word, word_id in stems.items():
            found = stem_index.get(word)
            if found is not None:
                of_token[found] = word_id
        ids = of_token[np.where(numbers >= 0, numbers, len(self._tokens))]
        for position, token in unknown:
            ids[position] = stems.get(stem(token), -1)
        return ids

    def mentions_in(self, text, target):
        """Return the mentions of ``target`` (and of its side) in ``text``.

        Returns
        -------
        list of (str, str, int)
            The words mentioned (as tokenised), the role (``target``,
            ``ally`` or ``opponent``) and the side (+1 or -1), in text order.

        Examples
        --------
        >>> from stance._targets import Target
        >>> featuriser = Featuriser.fit(["A text."], [None], relation_weight=1.0)
        >>> featuriser.mentions_in("Moscow must end the war.", Target("sanctions against Russia", aliases=("restrictive measures",), opponents=("Moscow",)))
        [('moscow', 'opponent', -1)]
        """
        from ._text import normalize_text, tokenize

        resolved = self._resolve([target])
        *_, marks = self._shared_features([text[:MAX_TEXT_CHARS]], resolved)
        _, starts, ends, sides, roles = self.mentions(marks, resolved)
        tokens = tokenize(normalize_text(text[:MAX_TEXT_CHARS]))
        order = np.argsort(starts, kind="stable")
        return [(" ".join(tokens[starts[i] : ends[i]]), str(roles[i]), int(sides[i])) for i in order]

    def mentions(self, marks, resolved):
        """Return the mentions of each row's target: ``(row, start, end, side, role)`` arrays.

        Positions count every token of the row's text (clause punctuation
        included), from the start of the batch.
        """
        numbers, rows, stems, stem_ids = marks.numbers, marks.rows, marks.stems, marks.stem_ids
        empty = np.zeros(0, dtype=np.int64)
        if not stems or not len(numbers):
            return empty, empty, empty, empty, np.zeros(0, dtype="<U10")
        # Term tables: a term of k stems is found by its key over the row's
        # target and the stem numbers. Keys of long terms wrap around 64 bits,
        # as numpy's arithmetic does: they are hashes then, whose collisions
        # are vanishingly rare.
        n_stems = len(stems) + 1
        entries = {}  # k -> [(key, side, role)]
        starting = []  # (target number, stem number + 1) of each term's first word
        for target_number, (_, terms, _) in enumerate(resolved.entries):
            for words, side, role in terms:
                key = target_number
                for word in words:
                    key = _wrapped(key * n_stems + stems[word] + 1)
                entries.setdefault(len(words), []).append((key, side, role))
                starting.append((target_number, stems[words[0]] + 1))
        ids = stem_ids + 1  # 0 for a token that is no stem of any term
        token_targets = resolved.rows[rows]
        grams = _NgramKeys(np.where(ids > 0, ids, -1), rows, n_stems, first=token_targets)
        # Only a token whose stem starts a term of its own row's target can
        # start a mention: those few are the only starts worth a key (the
        # same mentions as keying every token, in a fraction of the time).
        # A table of (target, stem) says which; a batch of very many targets
        # and stems settles for the tokens that are a stem of any term.
        if len(resolved.entries) * n_stems <= MENTION_TABLE_CELLS:
            starts_a_term = np.zeros((len(resolved.entries), n_stems), dtype=bool)
            starts_a_term[tuple(np.array(starting, dtype=np.int64).reshape(-1, 2).T)] = True
            candidates = np.flatnonzero(starts_a_term[token_targets, ids])
        else:
            candidates = np.flatnonzero(ids > 0)
        found_rows, found_starts, found_ends, found_sides, found_roles = [], [], [], [], []
        for size, table in entries.items():
            keys_known = np.array([key for key, _, _ in table], dtype=np.int64)
            order = np.argsort(keys_known)
            starts, keys = grams.of(size, candidates)
            position, hit = _find(keys_known[order], keys)
            chosen = order[position]
            found_rows.append(rows[starts[hit]])
            found_starts.append(starts[hit])
            found_ends.append(starts[hit] + size)
            found_sides.append(np.array([side for _, side, _ in table], dtype=np.int64)[chosen])
            found_roles.append(np.array([role for _, _, role in table], dtype="<U10")[chosen])
        if not found_rows:
            return empty, empty, empty, empty, np.zeros(0, dtype="<U10")
        return tuple(
            np.concatenate(parts)
            for parts in (found_rows, found_starts, found_ends, found_sides, found_roles)
        )

    def _relevance_block(self, features, resolved, n, mentions):
        # Which roles are mentioned, or none (for a row with a target), the
        # share of the target's name that is mentioned, and the topic.
        m_rows, _, _, _, m_roles = mentions
        relevance = np.zeros((n, len(RELEVANCE_FEATURES)), dtype=np.float32)
        for column, roles in enumerate((["target"], ["ally"], ["opponent", "restricted"])):
            relevance[m_rows[np.isin(m_roles, roles)], column] = 1
        # Per distinct target once, then per row.
        distinct, row_target = resolved.entries, resolved.rows
        with_terms = np.array([bool(terms) for _, terms, _ in distinct], dtype=bool)[row_target]
        relevance[:, _NONE_COLUMN] = with_terms & (relevance[:, :_MENTION_COLUMNS].sum(axis=1) == 0)
        name_terms = np.array([sum(role == "target" for _, _, role in terms) for _, terms, _ in distinct])[row_target]
        covered = np.bincount(m_rows[m_roles == "target"], minlength=n)
        relevance[:, 4] = np.minimum(covered / np.maximum(name_terms, 1), 1)
        relevance[:, 5], known = self._topic_similarity(features, distinct, row_target, n)
        relevance[:, 6] = with_terms & ~known
        rows, columns = np.nonzero(relevance)
        weight = np.float32(self.settings["relation_weight"])
        return rows, self._relevance_start + columns, relevance[rows, columns] * weight

    def _topic_similarity(self, features, distinct, row_target, n):
        """Return, per row, how close the text's topic is to its target's, and whether the target has one.

        The cosine of the two topic vectors (see :func:`_topic_arrays`):
        the text's from its word features, the target's from the words of
        its terms. A target none of whose words the model knows has no
        topic vector, nor does a row with no target: 0 and False.
        """
        arrays = self.arrays
        similarity = np.zeros(n, dtype=np.float32)
        if not len(arrays["topic_concepts"]) or all(not terms for _, terms, _ in distinct):
            return similarity, np.zeros(n, dtype=bool)
        n_topics = self._n_topics
        target_vectors = np.array([self._target_topic(terms) for _, terms, _ in distinct])
        target_vectors = target_vectors.reshape(len(distinct), n_topics)
        # The cosine: the dot product with the target's unit vector, taken
        # entry by entry, over the length of the text's vector. (Each entry's
        # cell of the targets' table found in the flat table: cheaper than a
        # two-dimensional index.)
        text_rows, text_topics, text_weights = _topic_entries(arrays, *features)
        cells = (row_target * n_topics)[text_rows] + text_topics
        dot = np.bincount(text_rows, text_weights * target_vectors.ravel()[cells], minlength=n)
        if n * n_topics <= DENSE_TOPIC_CELLS:  # a table of every (row, topic) is cheaper than sorting
            norms = np.linalg.norm(_topic_sums(text_rows, text_topics, text_weights, n, n_topics), axis=1)
        else:
            _, inverse = np.unique(text_rows * n_topics + text_topics, return_inverse=True)
            summed = np.bincount(inverse, text_weights)
            first = np.zeros(len(summed), dtype=np.int64)
            first[inverse] = text_rows
            norms = np.sqrt(np.bincount(first, summed**2, minlength=n))
        cosine = dot / np.maximum(norms, 1e-300)
        known = target_vectors.any(axis=1)[row_target]
        similarity[known] = cosine[known]
        return similarity, known

    def _target_topic(self, terms):
        """Return the unit topic vector of a target from the words of its ``terms`` (zeros for none).

        Kept from batch to batch: a file names few targets, over and over.
        """
        words = frozenset(word for term, _, _ in terms for word in term)
        vector = self._target_topics.get(words)
        if vector is None:
            columns = self._stem_columns(words)
            rows = np.zeros(len(columns), dtype=np.int64)
            entries = _topic_entries(self.arrays, rows, columns, self.arrays["word_idf"][columns])
            vector = _topic_sums(*entries, 1, self._n_topics)
            vector /= np.maximum(np.linalg.norm(vector, axis=1, keepdims=True), 1e-300)
            if len(self._target_topics) >= RESOLVED_TARGETS:
                self._target_topics.clear()
            vector = self._target_topics[words] = vector[0]
        return vector

    def _stem_columns(self, stems):
        # The word columns of the known tokens with these stems.
        lookup = self._stem_lookup()
        found = [lookup[word] for word in stems if word in lookup]
        tokens = np.concatenate(found) if found else np.zeros(0, dtype=np.int64)
        columns = self.arrays["unigram_columns"][tokens]
        return np.unique(columns[columns >= 0])

    def _stem_lookup(self):
        # {stem: the numbers of the known tokens with that stem}, built once
        # (when a model is loaded, by its check). Lists, not an array each:
        # tens of thousands of small arrays took most of the time to build,
        # and numpy indexes by a list as well.
        if self._stem_index is None:
            index = {}
            for number, key in enumerate(map(stem, self._tokens)):
                index.setdefault(key, []).append(number)
            self._stem_index = index
        return self._stem_index

    # -- names -----------------------------------------------------------------

    def feature_name(self, column):
        """Return ``(feature, source)`` of a feature column, for explanations."""
        column = int(column)
        if column < self._n_words:
            return self._word_names()[column], "shared"
        if column < self._n_shared:
            return repr(
                unpack_strings(self.arrays["char_vocabulary"])[column - self._n_words]
            ), "shared (characters)"
        if column < self._relevance_start:
            target_number, original = divmod(
                int(self.arrays["pair_keys"][column - self._n_shared]), self._n_shared
            )
            return self.feature_name(original)[0], f"target: {self.targets[target_number]}"
        return RELEVANCE_FEATURES[column - self._relevance_start], "relevance"

    def _word_names(self):
        if self._names is None:
            arrays = self.arrays
            names = [""] * self._n_words
            tokens = self._tokens
            for number, column in enumerate(arrays["unigram_columns"]):
                if column >= 0:
                    names[column] = tokens[number]
            base = max(len(tokens), 1)
            low, high = self.settings["word_ngram_range"]
            for size in range(max(low, 2), high + 1):
                for key, column in zip(
                    arrays[f"ngram_keys_{size}"].tolist(), arrays[f"ngram_columns_{size}"].tolist()
                ):
                    words = []
                    for _ in range(size):
                        key, number = divmod(key, base)
                        words.append(tokens[number])
                    names[column] = " ".join(reversed(words))
            categories = unpack_strings(arrays["lexicon_categories"])
            for negated, row in enumerate(arrays["lexicon_columns"]):
                for category, column in zip(categories, row):
                    if column >= 0:
                        names[column] = f"{NEGATED_PREFIX if negated else ''}LEX_{category}"
            self._names = names
        return self._names


def _check_arrays(arrays):
    """Raise ValueError unless the arrays are consistent: types, shapes and indices in range.

    A crafted file whose checksums match must be refused here with a clear
    message, not fail later with an IndexError deep in a transform.
    """

    def need(condition, what):
        if not condition:
            raise ValueError(f"damaged featuriser arrays: {what}")

    names = ["settings", "tokens", "targets", "profiles", "char_vocabulary", "lexicon_categories"]
    for name in names:
        need(
            name in arrays and arrays[name].dtype == np.uint8 and arrays[name].ndim == 1,
            f"{name} is not text",
        )
    try:
        settings = json.loads(_text(arrays["settings"]))
        low, high = settings["word_ngram_range"]
        need(isinstance(low, int) and isinstance(high, int) and 1 <= low <= high <= 5, "bad n-gram range")
        for name in ("negation", "sublinear_tf"):
            need(isinstance(settings[name], bool), f"setting {name} is not true or false")
        for name in ("target_weight", "relation_weight"):
            value = settings[name]
            need(
                isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= MAX_WEIGHT,
                f"{name} is not a weight",
            )
        need(settings["target_features"] in ("words", "all", None), "target_features")
        need(isinstance(settings.get("named_reversals", False), bool), "setting named_reversals is not true or false")
        chars = settings["char_ngram_range"]
        need(
            chars is None
            or (len(chars) == 2 and all(type(c) is int for c in chars) and 1 <= chars[0] <= chars[1] <= 10),
            "char_ngram_range",
        )
        json.loads(_text(arrays["profiles"]))
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as error:
        raise ValueError(f"damaged featuriser arrays: bad settings or profiles ({error})") from None
    n_tokens = len(unpack_strings(arrays["tokens"]))
    for name, kind in (
        ("token_kinds", "i"),
        ("number_tokens", "b"),
        ("negated_tokens", "i"),
        ("plain_tokens", "i"),
        ("prefixed_tokens", "b"),
        ("word_categories", "i"),
        ("phrase_starts", "b"),
        ("unigram_columns", "i"),
    ):
        need(
            name in arrays and arrays[name].dtype.kind == kind and arrays[name].shape == (n_tokens,),
            f"{name}",
        )
    for name in ("negated_tokens", "plain_tokens"):
        need(((arrays[name] >= -1) & (arrays[name] < n_tokens)).all(), f"{name} out of range")
    need(0 <= int(arrays["zero_token"]) < n_tokens, "zero_token out of range")
    for name in ("word_idf", "char_idf"):
        need(arrays[name].dtype == np.float32 and arrays[name].ndim == 1, f"{name}")
        need(
            bool(np.isfinite(arrays[name]).all() and (np.abs(arrays[name]) <= MAX_WEIGHT).all()),
            f"{name} out of range",
        )
    n_words = len(arrays["word_idf"])
    n_categories = len(unpack_strings(arrays["lexicon_categories"]))
    columns = [arrays["unigram_columns"], arrays["lexicon_columns"].reshape(-1)]
    need(arrays["lexicon_columns"].shape == (2, n_categories), "lexicon_columns")
    for size in range(max(low, 2), high + 1):
        keys, found = arrays.get(f"ngram_keys_{size}"), arrays.get(f"ngram_columns_{size}")
        need(keys is not None and found is not None and keys.shape == found.shape, f"{size}-gram tables")
        need(keys.dtype == np.int64 and bool((np.diff(keys) > 0).all()), f"{size}-gram keys are not sorted")
        columns.append(found)
    for found in columns:
        need(
            found.dtype.kind == "i" and ((found >= -1) & (found < n_words)).all(),
            "a word column out of range",
        )
    need(((arrays["word_categories"] >= -1) & (arrays["word_categories"] < n_categories)).all(), "categories")
    longest = int(arrays["longest_phrase"])
    need(0 <= longest <= 5, "longest_phrase")
    for size in range(2, longest + 1):
        keys, found = arrays.get(f"phrase_keys_{size}"), arrays.get(f"phrase_categories_{size}")
        need(
            keys is not None and found is not None and keys.shape == found.shape, f"{size}-word phrase tables"
        )
        need(((found >= 0) & (found < n_categories)).all(), "a phrase category out of range")
    pair_keys = arrays["pair_keys"]
    need(
        pair_keys.dtype == np.int64 and pair_keys.ndim == 1 and bool((np.diff(pair_keys) > 0).all()),
        "pair_keys",
    )
    n_shared = n_words + len(unpack_strings(arrays["char_vocabulary"]))
    n_targets = len(unpack_strings(arrays["targets"]))
    need(
        not len(pair_keys) or (pair_keys[0] >= 0 and pair_keys[-1] < n_targets * n_shared), "pair_keys range"
    )
    indptr, concepts, weights = (arrays.get(f"topic_{name}") for name in ("indptr", "concepts", "weights"))
    need(indptr is not None and indptr.dtype == np.int64 and indptr.shape == (n_words + 1,), "topic_indptr")
    need(indptr[0] == 0 and bool((np.diff(indptr) >= 0).all()), "topic_indptr is not increasing")
    need(
        concepts is not None and concepts.dtype == np.int64 and concepts.shape == (int(indptr[-1]),),
        "topic_concepts",
    )
    need(weights is not None and weights.dtype == np.float32 and weights.shape == concepts.shape, "topic_weights")
    # Every topic numbered from 0 has entries, so that there are no more
    # topics than entries; and a stored weight is never 0 (see _topic_arrays).
    need(
        not len(concepts) or (concepts.min() >= 0 and len(np.unique(concepts)) == concepts.max() + 1),
        "topic numbers",
    )
    need(bool((np.isfinite(weights) & (weights > 0) & (weights <= 1)).all()), "topic_weights out of range")


def _topic_arrays(unigram_columns, n_words, features, targets):
    """Return the topic tables: each word's weight in each training target's topic.

    Explicit semantic analysis (Gabrilovich and Markovitch, 2007) with the
    training targets as the concepts: a target's topic is the centroid of
    its texts' words (their TF-IDF unigram features, as the model reads
    them), of unit length; each word's weights are then scaled by how specific it is,
    one minus the normalised entropy of its spread over the targets, so
    that "we" or "must", found with every target, weigh nothing, and each
    keeps its ``TOPICS_PER_WORD`` strongest topics. A text and a target
    (by the words of its terms) are then both mixtures of these topics,
    comparable even for a target the model never saw.

    Stored by word column (``topic_indptr``, as a CSR matrix's rows; only
    unigrams have entries: n-grams and lexicon categories say less of a topic):
    ``topic_concepts`` and ``topic_weights``. Fewer than two training
    targets give empty tables (no topics to tell apart).
    """
    keys = [target_key(target) for target in targets]
    concepts = {key: number for number, key in enumerate(sorted({key for key in keys if key is not None}))}
    tables = {
        "topic_indptr": np.zeros(n_words + 1, dtype=np.int64),
        "topic_concepts": np.zeros(0, dtype=np.int64),
        "topic_weights": np.zeros(0, dtype=np.float32),
    }
    if len(concepts) < 2:
        return tables
    rows, columns, values = features
    concept = np.array([concepts.get(key, -1) for key in keys], dtype=np.int64)[rows]
    unigram = np.zeros(n_words + 1, dtype=bool)
    unigram[unigram_columns[unigram_columns >= 0]] = True
    mine = (concept >= 0) & unigram[np.minimum(columns, n_words)]
    cells, inverse = np.unique(concept[mine] * n_words + columns[mine], return_inverse=True)
    if not len(cells):  # no training text has a word feature
        return tables
    values = np.bincount(inverse, values[mine])
    concept, column = np.divmod(cells, n_words)
    values /= np.sqrt(np.bincount(concept, values**2))[concept]  # each centroid of unit length
    share = values / np.bincount(column, values, minlength=n_words)[column]
    entropy = np.bincount(column, -share * np.log(share), minlength=n_words) / np.log(len(concepts))
    values *= np.clip(1 - entropy, 0, 1)[column]
    # By column, strongest first; each column keeps its first TOPICS_PER_WORD.
    order = np.lexsort((-values, column))
    column, concept, values = column[order], concept[order], values[order]
    rank = np.arange(len(column)) - np.searchsorted(column, column)
    keep = (rank < TOPICS_PER_WORD) & (values > 1e-6)
    tables["topic_indptr"][1:] = np.cumsum(np.bincount(column[keep], minlength=n_words))
    tables["topic_concepts"] = concept[keep]
    tables["topic_weights"] = values[keep].astype(np.float32)
    return tables


def _topic_entries(arrays, rows, columns, values):
    """Return the topic entries of features: ``(row, topic, weight)`` arrays, a row's topic repeated.

    ``rows``, ``columns`` and ``values`` are features (columns past the word
    features are ignored); each one's entries of the topic tables, times
    its value. Summed by row and topic, they are the rows' topic vectors.
    """
    indptr = arrays["topic_indptr"]
    word = columns < len(indptr) - 1
    rows, columns, values = rows[word], columns[word], values[word]
    starts, counts = indptr[columns], indptr[columns + 1] - indptr[columns]
    # Repeated by their counts directly (n-grams and lexicon categories have
    # none), not gathered through an owner index: fewer passes over the
    # entries, which outnumber the features.
    ends = np.cumsum(counts)
    entry = np.repeat(starts - (ends - counts), counts) + np.arange(ends[-1] if len(ends) else 0)
    weights = np.repeat(values, counts) * arrays["topic_weights"][entry]
    return np.repeat(rows, counts), arrays["topic_concepts"][entry], weights


def _topic_sums(rows, topics, weights, n, n_topics):
    # The topic vectors of n rows as a dense (n, n_topics) table.
    sums = np.bincount(rows * n_topics + topics, weights, minlength=n * n_topics)
    return sums.astype(np.float64, copy=False).reshape(n, n_topics)  # (bincount of nothing gives ints)


#: Words that undo what follows them ("ending X", "the lifting of X"). Not
#: "leave": "leave the sanctions in place" keeps them.
REVERSING_WORDS = frozenset(
    """
    end ending ended ends abolish abolishing abolished abolition lift lifting lifted scrap scrapping
    scrapped repeal repealing repealed halt halting halted suspend suspending suspended suspension
    withdraw withdrawing withdrawal leaving dismantle dismantling dismantled cancel cancelling
    canceling cancelled cancellation reverse reversing reversal revoke revoking revocation rescind
    rescinding stop stopping stopped
    """.split()
)
#: Words that may stand between a reversing word and what it undoes.
LINKING_WORDS = frozenset("the a an of to from on its their our this these all".split())
LINKING_WORDS_SKIPPED = 3


def _sides(resolved, mentions, n, reversed_rows=None):
    # See Featuriser.transform: the polarity of each row's target, turned
    # over where the row mentions a profile's opponent and nothing on the
    # target's side. (Words that a plain name restricts, "fracking" in "a ban
    # on fracking", were tried too: they lowered IBM ArgQ's dev F_avg from 66.1
    # to 56.8 and Perspectrum's from 68.3 to 65.0.)
    sides = np.array([polarity for _, _, polarity in resolved.entries], dtype=np.int8)[resolved.rows]
    if mentions is not None and len(mentions[0]):
        m_rows, _, _, m_sides, m_roles = mentions
        for_target = np.zeros(n, dtype=bool)
        for_target[m_rows[m_sides > 0]] = True
        against = np.zeros(n, dtype=bool)
        against[m_rows[m_roles == "opponent"]] = True
        sides[against & ~for_target] *= -1
    if reversed_rows is not None:
        sides[reversed_rows] *= -1
    return sides


class _Marks:
    """What transforming found of a batch's tokens, which the target's features read."""

    def __init__(self, numbers, rows, marked, keep, grams, stems, stem_ids, unknown=()):
        self.numbers, self.rows, self.marked, self.keep = numbers, rows, marked, keep
        self.grams, self.stems, self.stem_ids = grams, stems, stem_ids
        self.unknown = unknown  # (position, token) of each token the model does not know


def _text(array):
    return array.tobytes().decode("utf-8")


def _is_profile(target):
    return bool(target.aliases or target.allies or target.opponents)


def pack_profiles(profiles):
    """Return ``{key: Target}`` profiles as a uint8 array of JSON (see :func:`pack_strings`)."""
    entries = {
        key: {"name": t.name, "aliases": t.aliases, "allies": t.allies, "opponents": t.opponents}
        for key, t in profiles.items()
    }
    return pack_strings([json.dumps(entries)])


def _profile_from_json(entry):
    from ._targets import Target

    return Target(entry["name"], tuple(entry["aliases"]), tuple(entry["allies"]), tuple(entry["opponents"]))


class _Resolved:
    """A batch's targets, resolved (see :meth:`Featuriser._resolve`).

    ``entries``: ``(block number, signed terms, polarity)`` of each distinct
    target, in order of first use; ``rows``: each row's entry number.
    """

    def __init__(self, entries, rows):
        self.entries, self.rows = entries, rows


def _numbers(lines, number, grow=None, unknown=None):
    """Return the numbers of the lines' tokens, one after another, and their rows.

    The tokens of :func:`~stance._text.tokenize` of each normalised line,
    found in one pass: a piece of text between spaces that is a known token
    is one token, so only unknown pieces need a closer look. With ``grow``
    (a dict), unknown tokens are numbered in it; with ``unknown`` (a list),
    the position and text of each unknown token are appended to it.
    """
    numbers, lengths = [], []
    append = numbers.append
    for line in lines:
        before = len(numbers)
        for piece in line.split():
            found = number(piece)
            if found is not None:
                append(found)
                continue
            for token in (piece,) if piece.isalnum() else _TOKEN.findall(piece):
                found = number(token)
                if found is None:
                    if unknown is not None:
                        unknown.append((len(numbers), token))
                    found = _new(token, grow)
                append(found)
        lengths.append(len(numbers) - before)
    return np.array(numbers, dtype=np.int64), np.repeat(np.arange(len(lengths)), lengths)


def _wrapped(key):
    # A Python integer as numpy's int64 arithmetic leaves it: modulo 2**64, signed.
    return (key + 2**63) % 2**64 - 2**63


def _new(token, grow):
    if grow is not None:
        return grow.setdefault(token, len(grow))
    return _UNKNOWN_NUMBER if token.isdecimal() else _UNKNOWN


def _token_arrays(table, lexicon, low, high):
    """Complete the token table and return the arrays that read tokens.

    Adds the tokens that change negation scopes, ``0`` (what numbers
    become), the lexicon's words and every word's ``NOT_`` form, then
    returns ``tokens``; ``token_kinds``; ``number_tokens``; ``zero_token``;
    ``negated_tokens`` (each token's ``NOT_`` form); ``plain_tokens``
    (each token without it) and ``prefixed_tokens``;
    and the lexicon's phrase tables: ``word_categories``,
    ``phrase_starts``, ``phrase_keys_<n>``/``phrase_categories_<n>`` and
    ``lexicon_columns`` (filled in by fitting).
    """
    for token in [*TOKEN_KINDS, "0"]:
        table.setdefault(token, len(table))
    categories = sorted(set(lexicon.values()))
    phrases = {}
    for phrase, category in lexicon.items():
        words = phrase.split(" ")
        phrases.setdefault(len(words), ([], []))
        phrases[len(words)][0].append([table.setdefault(word, len(table)) for word in words])
        phrases[len(words)][1].append(categories.index(category))
    for token in list(table):
        if token not in TOKEN_KINDS:
            table.setdefault(NEGATED_PREFIX + token, len(table))
    tokens = list(table)
    prefix = len(NEGATED_PREFIX)
    plain = np.array(
        [
            table.get(token[prefix:], number) if token.startswith(NEGATED_PREFIX) else number
            for number, token in enumerate(tokens)
        ],
        dtype=np.int64,
    )
    base = max(len(tokens), 1)
    longest = max([high, *phrases])
    try:
        too_long = float(base) ** longest >= 2.0**63
    except OverflowError:  # word_ngram_range=(1, 10**7): beyond any float
        too_long = True
    if too_long:
        raise ValueError(f"cannot number {longest}-grams of {base} tokens in 64 bits; use shorter n-grams")
    kinds = {token: _KIND_NUMBERS[kind] for token, kind in TOKEN_KINDS.items()}
    arrays = {
        "tokens": pack_strings(tokens),
        "token_kinds": np.array([kinds.get(token, _WORD) for token in tokens], dtype=np.int8),
        "number_tokens": np.array([token.isdecimal() for token in tokens], dtype=bool),
        "zero_token": np.array(table["0"]),
        "negated_tokens": np.array(
            [table.get(NEGATED_PREFIX + token, _UNKNOWN) for token in tokens], dtype=np.int64
        ),
        "plain_tokens": plain,
        "prefixed_tokens": np.array([token.startswith(NEGATED_PREFIX) for token in tokens], dtype=bool),
        "longest_phrase": np.array(max(phrases, default=0)),
        "lexicon_categories": pack_strings(categories),
        "lexicon_columns": np.full((2, len(categories)), -1, dtype=np.int64),
        "word_categories": np.full(len(tokens), -1, dtype=np.int64),
        "phrase_starts": np.zeros(len(tokens), dtype=bool),
    }
    single_words, single_categories = phrases.get(1, ([], []))
    arrays["word_categories"][[words[0] for words in single_words]] = single_categories
    for size in range(2, int(arrays["longest_phrase"]) + 1):
        numbers, values = phrases.get(size, ([], []))
        arrays["phrase_starts"][[words[0] for words in numbers]] = True
        arrays[f"phrase_keys_{size}"], arrays[f"phrase_categories_{size}"] = _sorted_keys(
            numbers, size, base, values
        )
    return arrays


def _frequent(keys, rows, min_df):
    """Return the sorted distinct ``keys`` found in at least ``min_df`` rows, and their row counts."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    order = np.lexsort((rows, keys))
    keys, rows = keys[order], rows[order]
    first = np.ones(len(keys), dtype=bool)
    first[1:] = (keys[1:] != keys[:-1]) | (rows[1:] != rows[:-1])
    distinct, df = np.unique(keys[first], return_counts=True)
    kept = df >= min_df
    return distinct[kept], df[kept]


def _idf(df, n):
    # scikit-learn's smoothed idf: as if one more text held every feature.
    return (np.log((1 + n) / (1 + np.asarray(df, dtype=np.float64))) + 1).astype(np.float32)


def _settings(
    word_ngram_range=(1, 2),
    negation=True,
    char_ngram_range=None,
    sublinear_tf=True,
    target_features="words",
    target_weight=0.5,
    relation_weight=0.0,
):
    # The featuriser's settings (see Featuriser.fit), as stored: JSON types.
    low, high = word_ngram_range
    return {
        "word_ngram_range": [int(low), int(high)],
        "negation": bool(negation),
        "char_ngram_range": list(char_ngram_range) if char_ngram_range is not None else None,
        "sublinear_tf": bool(sublinear_tf),
        "target_features": target_features,
        "target_weight": float(target_weight),
        "relation_weight": float(relation_weight),
    }


def _tfidf(rows, columns, n, idf, sublinear_tf, width):
    # Count repeated (row, column) pairs of a block of ``width`` columns,
    # then as scikit-learn's TfidfVectorizer does: sublinear term frequency,
    # idf weight (none if ``idf`` is None), unit length per row.
    width = max(width, 1)
    # Sorted by numpy's stable sort (timsort), not np.unique's quicksort:
    # each block of features comes in row order, so the keys are runs that
    # timsort merges in a quarter of the time. Sorted numbers are sorted
    # numbers: the same keys and counts as np.unique's.
    keys = np.sort(rows * width + columns, kind="stable")
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[1:] != keys[:-1]
    starts = np.flatnonzero(first)
    keys, counts = keys[starts], np.diff(np.append(starts, len(keys)))
    rows, columns = np.divmod(keys, width)
    tf = counts.astype(np.float32)
    if sublinear_tf:
        tf = np.log(tf) + np.float32(1)
    values = tf * idf[columns] if idf is not None else tf
    norms = np.sqrt(np.bincount(rows, values.astype(np.float64) ** 2, minlength=n))
    values = values / norms[rows].astype(np.float32)
    return rows, columns, values


def _char_vocabulary(texts, char_range, min_df):
    df = {}
    for line in normalized_lines(texts):
        for gram in set(char_wb_features(line, char_range)):
            df[gram] = df.get(gram, 0) + 1
    vocabulary = sorted(gram for gram, count in df.items() if count >= min_df)
    return vocabulary, np.array([df[gram] for gram in vocabulary], dtype=np.float64)


def _find(known, keys):
    """Return where ``keys`` are in the sorted array ``known``, for those that are.

    Returns ``(positions, found)``: ``found`` marks the keys present, and
    ``positions`` are their indices in ``known``, in key order.
    """
    if not len(known):
        return np.zeros(0, dtype=np.int64), np.zeros(len(keys), dtype=bool)
    # Binary search runs about twice as fast on sorted queries (each search
    # starts where the last one ended, in cache); sorting them costs less
    # than that saves.
    order = np.argsort(keys)
    position = np.searchsorted(known, keys[order])
    position[position == len(known)] = 0
    found = np.empty(len(keys), dtype=bool)
    found[order] = known[position] == keys[order]
    positions = np.empty(len(keys), dtype=np.int64)
    positions[order] = position
    return positions[found], found


class _KeyIndex:
    """A hash table over a sorted array of distinct 64-bit keys: :func:`_find` without sorting the queries.

    A batch of 10,000 sentences looks up some 200,000 n-grams and 40,000
    starts of lexicon phrases. Binary search needs them sorted to run well,
    and sorting them cost more than the search itself; in this table (open
    addressing, linear probing, at most half full) most keys are found at
    their first slot, in a few passes of numpy over the queries (about three
    times faster than sorting and searching). Built once per key array, on
    first use by a large batch.
    """

    _MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: the top bits of key * 2**64 / phi

    def __init__(self, known):
        bits = max(int(2 * len(known)).bit_length(), 4)
        self._shift = np.uint64(64 - bits)
        home = self._home(known)
        # Placed in order of their home slot, each key in the first free slot
        # from its home on: slot[i] = max(home[i], slot[i - 1] + 1), which is a
        # running maximum of home[i] - i, plus i. Every slot between a key's
        # home and its own is then taken, so a lookup may stop at a free slot.
        order = np.argsort(home, kind="stable")
        steps = np.arange(len(known))
        slots = np.maximum.accumulate(home[order] - steps) + steps
        # No wrap-around: the table runs on past 2**bits as far as the last
        # key needs, then one free slot ends every probe.
        size = max(1 << bits, int(slots[-1]) + 1 if len(known) else 0) + 1
        self._keys = np.zeros(size, dtype=np.int64)
        self._positions = np.full(size, -1, dtype=np.int64)  # -1: a free slot
        self._keys[slots] = known[order]
        self._positions[slots] = order

    def _home(self, keys):
        hashed = np.asarray(keys, dtype=np.int64).view(np.uint64) * self._MULTIPLIER  # wraps, as meant
        return (hashed >> self._shift).astype(np.int64)

    def find(self, keys):
        """Return ``(positions, found)`` of ``keys`` in the known keys, as :func:`_find` does."""
        keys = np.asarray(keys, dtype=np.int64)
        slot = self._home(keys)
        positions = self._positions[slot]
        positions[self._keys[slot] != keys] = -1
        # Keys not at their home slot (a few percent) probe on, one slot a pass.
        pending = np.flatnonzero((positions < 0) & (self._positions[slot] >= 0))
        while len(pending):
            slot[pending] += 1
            at = slot[pending]
            taken = self._positions[at]
            hit = (self._keys[at] == keys[pending]) & (taken >= 0)
            positions[pending[hit]] = taken[hit]
            pending = pending[~hit & (taken >= 0)]
        found = positions >= 0
        return positions[found], found


class _PairBits:
    """The (target, column) pairs of the per-target blocks as bits: which pairs there are, and where.

    ``pair_keys`` holds ``target * n_shared + column`` of each pair, sorted;
    a pair's position in it is its column in the per-target block. Here
    each target has a row of bits, one per shared column, in 64-bit words,
    with the number of pairs before each word: a pair is there if its bit
    is set, and its position is the pairs before its word plus the bits
    set below its own in that word. A few gathers and a population count
    over a batch's 400,000 pairs take a sixth of the time of looking their
    keys up in a hash table (which probes on for one key in four), in
    two arrays of one bit and eight bytes per 64 bits (a megabyte each for
    the shipped model).
    """

    def __init__(self, pair_keys, n_targets, n_shared):
        self.words_per_target = -(-n_shared // 64)
        targets, columns = np.divmod(pair_keys, n_shared)
        words = targets * self.words_per_target + (columns >> 6)  # non-decreasing, as pair_keys
        bits = np.left_shift(np.uint64(1), (columns & 63).astype(np.uint64))
        self.bits = np.zeros(n_targets * self.words_per_target, dtype=np.uint64)
        if len(words):
            distinct, starts = np.unique(words, return_index=True)
            self.bits[distinct] = np.bitwise_or.reduceat(bits, starts)
        counts = np.bitwise_count(self.bits).astype(np.int64)
        self.before = np.cumsum(counts) - counts

    def find(self, targets, columns):
        """Return ``(positions, found)`` of the pairs ``(targets, columns)``, as :func:`_find` of the keys."""
        at = targets * self.words_per_target + (columns >> 6)
        words = self.bits[at]
        shift = (columns & 63).astype(np.uint64)
        found = ((words >> shift) & np.uint64(1)).astype(bool)
        below = words & ((np.uint64(1) << shift) - np.uint64(1))
        positions = self.before[at] + np.bitwise_count(below)
        return positions[found], found


class _NgramKeys:
    """The n-grams of a batch's token numbers, as 64-bit keys.

    ``numbers`` are the tokens of all texts one after another (negative for
    an unknown token) and ``rows`` the text each belongs to. The key of the
    n-gram of numbers ``t1 ... tn`` is ``((t1 * base) + t2) * base ...``.
    """

    def __init__(self, numbers, rows, base, first=None):
        # ``first``, if given, is a number per token that each key starts
        # with (the row's target, for the keys of its terms).
        self.numbers, self.rows, self.base, self.first = numbers, rows, np.int64(base), first

    def of(self, n, starts=None):
        """Return the start positions and keys of the n-grams of known tokens within one text.

        ``starts``, if given, are the only start positions to consider.
        """
        numbers, rows = self.numbers, self.rows
        m = max(len(numbers) - n + 1, 0)
        starts = np.arange(m) if starts is None else starts[starts < m]
        keys = numbers[starts]
        valid = (keys >= 0) & (rows[starts] == rows[starts + n - 1])
        with np.errstate(over="ignore"):  # long keys wrap (see Featuriser.mentions)
            if self.first is not None:
                keys = self.first[starts] * self.base + keys
            for j in range(1, n):
                following = numbers[starts + j]
                valid &= following >= 0
                keys = keys * self.base + following
        return starts[valid], keys[valid]


def _sorted_keys(number_lists, size, base, values):
    # The keys of lists of token numbers, sorted, with their values.
    keys = np.zeros(len(number_lists), dtype=np.int64)
    for j in range(size if number_lists else 0):
        keys = keys * base + np.array([numbers[j] for numbers in number_lists], dtype=np.int64)
    order = np.argsort(keys)
    return keys[order], np.asarray(values, dtype=np.int64)[order]


# -- the hashing backend ---------------------------------------------------------
#
# The same tokens, negation scopes, lexicon phrases, n-grams and weighting as
# the vocabulary backend above, read by the same functions; only the columns
# differ: a feature's column is a stable hash of it, so no table grows with
# the data. The hash is blake2b with a fixed key (the same in every process
# and on every platform, unlike Python's salted hash()), mixed in numpy for
# n-grams and per-target copies, so that no n-gram string is ever built.

_HASH_KEY = b"stance-features"
_MIX_1, _MIX_2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9)
_SHIFT_1, _SHIFT_2 = np.uint64(31), np.uint64(29)


def stable_hashes(strings):
    """Return a 64-bit hash of each string, the same in every process and on every platform.

    Examples
    --------
    >>> stable_hashes(["treaty", "NOT_treaty"]).tolist()  # fixed values: a saved model's columns
    [15567097836083114592, 7324702488969249070]
    """
    from hashlib import blake2b

    return np.fromiter(
        (
            int.from_bytes(
                blake2b(s.encode("utf-8", "surrogatepass"), digest_size=8, key=_HASH_KEY).digest(), "little"
            )
            for s in strings
        ),
        dtype=np.uint64,
        count=len(strings),
    )


def _mix(x, y):
    # The hash of the pairs (x, y) of uint64 arrays: a splitmix-style mix,
    # in wrapping uint64 arithmetic.
    x = x * _MIX_1 + y
    x ^= x >> _SHIFT_1
    x *= _MIX_2
    x ^= x >> _SHIFT_2
    return x


class HashingFeaturiser:
    """The featuriser's hashing backend: :class:`Featuriser`'s features in hashed columns.

    Word n-grams (negation scopes marked) and lexicon categories in columns
    ``[0, n_features)``; character n-grams, if any, in the next
    ``n_features``; with ``target_features``, a copy of the word (or all)
    features per known target in one more block of ``n_features``, at a
    hash of the feature's column and the target. Sublinear TF, idf weights
    (counted by :meth:`count`, fixed by :meth:`fix_idf`; none without
    them) and unit length per block. Nothing it holds grows with the data
    but the list of known targets (:meth:`add_targets`).

    Examples
    --------
    >>> featuriser = HashingFeaturiser(n_features=2**10, word_ngram_range=(1, 1), lexicon={"back": "support"})
    >>> featuriser.add_targets(["the treaty"])
    >>> rows, columns, values = featuriser.transform(["We back it."], ["the treaty"])
    >>> names = featuriser.feature_names(["We back it."], ["the treaty"])
    >>> sorted({name for column in columns for name, _ in names[column]})
    ['LEX_support', 'back', 'it', 'we']
    >>> sorted({source for column in columns for _, source in names[column]})
    ['shared', 'target: the treaty']
    """

    def __init__(self, *, n_features, lexicon=None, **settings):
        # ``settings``: those of Featuriser.fit but relation_weight (the
        # features that relate a text to its target are not hashed).
        self.settings = _settings(**settings)
        self.lexicon = dict(lexicon or {})
        self.n_features = int(n_features)
        self.n_shared = self.n_features * (1 if self.settings["char_ngram_range"] is None else 2)
        self.width = self.n_shared + (self.n_features if self.settings["target_features"] else 0)
        self.targets = []
        self.idf = None
        self.n_documents = 0
        self.document_counts = None

    def add_targets(self, targets):
        """Give the targets among ``targets`` (normalised names, or None) their per-target copies."""
        new = {t for t in targets if t is not None} - set(self.targets)
        if new:
            self.targets = sorted(set(self.targets) | new)

    def count(self, texts):
        """Count the document frequencies of the shared columns in ``texts`` (for :meth:`fix_idf`)."""
        if self.document_counts is None:
            self.document_counts = np.zeros(self.n_shared, dtype=np.int64)
        for rows, columns, _ in self._shared(texts):
            if len(columns):
                columns = np.unique(rows * self.n_shared + columns) % self.n_shared
                self.document_counts += np.bincount(columns, minlength=self.n_shared)
        self.n_documents += len(texts)

    def fix_idf(self):
        """Fix the idf weights from the counts so far (as the vocabulary backend's) and drop the counts."""
        counts = self.document_counts if self.document_counts is not None else np.zeros(self.n_shared)
        self.idf = _idf(counts, self.n_documents)
        self.document_counts = None  # 8 bytes a column, no longer needed

    def transform(self, texts, targets=None):
        """Return the features of ``texts`` as ``(rows, columns, values)`` arrays.

        ``targets`` are normalised target names (or None), one per text. A
        (row, column) pair may occur more than once (features that hash to
        one column of a target's block): a sparse matrix sums them.
        """
        texts = [text[:MAX_TEXT_CHARS] for text in texts]
        blocks = [
            _tfidf(rows, columns, len(texts), self.idf, self.settings["sublinear_tf"], self.n_shared)
            for rows, columns, _ in self._shared(texts)
        ]
        if self.settings["target_features"]:
            copied = blocks if self.settings["target_features"] == "all" else blocks[:1]
            rows, columns, values = (np.concatenate(arrays) for arrays in zip(*copied))
            hashes = self._target_hashes(targets, len(texts))[rows]
            keep = hashes > 0
            blocks.append(
                (
                    rows[keep],
                    self._target_columns(columns[keep], hashes[keep]),
                    values[keep] * np.float32(self.settings["target_weight"]),
                )
            )
        return tuple(np.concatenate(arrays) for arrays in zip(*blocks))

    def feature_names(self, texts, targets=None):
        """Return ``{column: [(feature, source), ...]}`` for the features of ``texts``.

        Hashing keeps no vocabulary: these are the features of these texts
        that land in each column, silent about any other feature of the
        same column. Sources are ``shared``, ``shared (characters)`` and
        ``target: <name>``.
        """
        texts = [text[:MAX_TEXT_CHARS] for text in texts]
        names = {}
        blocks = list(self._shared(texts, names=True))
        sources = ["shared", "shared (characters)"]
        hashes = self._target_hashes(targets, len(texts))
        for number, (rows, columns, features) in enumerate(blocks):
            copied = self.settings["target_features"] == "all" or (
                self.settings["target_features"] == "words" and number == 0
            )
            if copied:
                keep = hashes[rows] > 0
                target_columns = np.full(len(columns), -1, dtype=np.int64)
                target_columns[keep] = self._target_columns(columns[keep], hashes[rows[keep]])
            for row, column, feature, target_column in zip(
                rows.tolist(),
                columns.tolist(),
                features,
                target_columns.tolist() if copied else [-1] * len(rows),
            ):
                names.setdefault(column, []).append((feature, sources[number]))
                if target_column >= 0:
                    names.setdefault(target_column, []).append((feature, f"target: {targets[row]}"))
        return names

    def _target_hashes(self, targets, n):
        # Each text's target's hash, 0 for no target or one without a copy:
        # only known targets get copies, as in the vocabulary backend (an
        # unseen target's columns were never learned, and where they collide
        # with learned ones they would only add noise).
        hashes = np.zeros(n, dtype=np.uint64)
        if targets is None or not self.settings["target_features"]:
            return hashes
        known = dict(zip(self.targets, stable_hashes(self.targets) | np.uint64(1)))
        for i, target in enumerate(targets):
            hashes[i] = known.get(target, 0)
        return hashes

    def _target_columns(self, columns, hashes):
        return self.n_shared + (_mix(columns.astype(np.uint64), hashes) % np.uint64(self.n_features)).astype(
            np.int64
        )

    def _shared(self, texts, names=False):
        """Yield ``(rows, columns, features)`` of the word block and of the character block.

        Each occurrence of a feature is one entry; ``features`` are the
        features' names with ``names``, else None.
        """
        yield self._words(texts, names)
        if self.settings["char_ngram_range"] is not None:
            yield self._characters(texts, names)

    def _words(self, texts, names):
        # The batch's tokens get numbers of their own, as when fitting the
        # vocabulary backend, and the vocabulary backend's functions mark
        # negation scopes and find lexicon phrases; each n-gram's column is
        # then a mix of its tokens' hashes.
        low, high = self.settings["word_ngram_range"]
        table = {}
        numbers, rows = _numbers(normalized_lines(texts, spaced_out=True), table.get, grow=table)
        # Only the lexicon's phrases are keyed by token numbers: n-grams are hashed.
        arrays = _token_arrays(table, self.lexicon, 1, 1)
        arrays["settings"] = np.frombuffer(json.dumps(self.settings).encode("utf-8"), dtype=np.uint8)
        local = Featuriser._partial(arrays, len(texts))
        marked, marked_rows, keep = local._mark(numbers, rows)
        tokens = list(table)
        grams = _NgramKeys(marked[keep], marked_rows[keep], max(len(tokens), 1))
        token_hashes = stable_hashes(tokens)
        found_rows, found_columns, found_names = [], [], []
        # No n-gram is longer than the longest text (word_ngram_range=(1, 10**7)).
        longest = int(np.bincount(grams.rows).max()) if len(grams.rows) else 0
        for size in range(low, min(high, longest) + 1):
            starts, _ = grams.of(size)
            key = token_hashes[grams.numbers[starts]]
            for j in range(1, size):
                key = _mix(key, token_hashes[grams.numbers[starts + j]])
            found_rows.append(grams.rows[starts])
            found_columns.append(key)
            if names:
                found_names.extend(
                    " ".join(tokens[grams.numbers[start + j]] for j in range(size))
                    for start in starts.tolist()
                )
        categories = unpack_strings(arrays["lexicon_categories"])
        if categories:
            starts, features = local._lexicon_hits(grams)
            lexicon_names = [f"LEX_{c}" for c in categories] + [
                f"{NEGATED_PREFIX}LEX_{c}" for c in categories
            ]
            found_rows.append(grams.rows[starts])
            found_columns.append(stable_hashes(lexicon_names)[features])
            if names:
                found_names.extend(lexicon_names[feature] for feature in features.tolist())
        columns = (np.concatenate(found_columns) % np.uint64(self.n_features)).astype(np.int64)
        return np.concatenate(found_rows), columns, found_names if names else None

    def _characters(self, texts, names):
        char_range = tuple(self.settings["char_ngram_range"])
        grams = [char_wb_features(line, char_range) for line in normalized_lines(texts)]
        rows = np.repeat(np.arange(len(grams)), [len(found) for found in grams])
        every = [gram for found in grams for gram in found]
        distinct = list(dict.fromkeys(every))
        hashed = dict(zip(distinct, (stable_hashes(distinct) % np.uint64(self.n_features)).tolist()))
        columns = np.array([hashed[gram] for gram in every], dtype=np.int64) + self.n_features
        return rows, columns, [repr(gram) for gram in every] if names else None
