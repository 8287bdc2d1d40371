"""Pure text functions: normalisation, tokenisation, negation scope, sentences.

Everything here maps ``str -> str`` or ``str -> list`` and holds no state, so
a fitted model that refers to these functions pickles cleanly. The regular
expressions are compiled once, at import, as module constants.
"""

import math
import re
import unicodedata
from importlib import resources

__all__ = [
    "normalize_text",
    "normalize_target",
    "tokenize",
    "mark_negation",
    "word_features",
    "char_wb_features",
    "normalized_lines",
]

# Patterns start with a literal wherever they can, and check what precedes it
# with a lookbehind placed after it ("@(?<!\w@)" is "an @ not preceded by a
# word character"): the regular-expression engine then jumps from one
# occurrence of the literal to the next instead of trying every position,
# which makes these substitutions about ten times faster.
# (The URL pattern starts with the set of its possible first letters, which
# the engine also skips to quickly.)
_URL = re.compile(r"[hHwW](?:(?<=[hH])[tT][tT][pP][sS]?://|(?<=[wW])[wW][wW]\.)\S+")
_MENTION = re.compile(r"@(?<!\w@)\w+")
_HASHTAG = re.compile(r"#(?<!\w#)(\w+)")
# Splits "StopTheWar" into "Stop The War" (and "G20Summit" into "G20 Summit").
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# C0/C1 control characters and lone surrogates become spaces: they carry no
# meaning and some of them break downstream writers.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc\u2032`]")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_WONT = re.compile(r"won't(?<!\wwon't)\b")
_CANT = re.compile(r"can(?<!\wcan)(?:'t|not)\b")
_NT = re.compile(r"n't\b")
_SPACES = re.compile(r"\s+")
# A token is a run of letters or digits, possibly joined by an apostrophe or
# a hyphen ("don't", "well-being"); clause punctuation is kept as its own token
# because it ends a negation scope.
_TOKEN = re.compile(r"\w+(?:['\-]\w+)*|[.,;:!?]")
_NUMBER = re.compile(r"^\d[\d,.]*$")
# Tokenising a text is splitting it at whitespace, after spacing out clause
# punctuation and blanking common separators (never part of a token): a
# piece of letters and digits only (str.isalnum is the \w of regular
# expressions, but for "_") is then a token as it is, and the rare other
# pieces ("_url_", "'quoted'", "a--b") go through _TOKEN. The same tokens as
# _TOKEN.findall on the whole text, about three times faster.
_SEPARATORS = re.compile(r"[\"()\[\]{}<>/\\|*+=&%$~^#@]")


def _space_out(text):
    for mark in ".,;:!?":  # str.replace is several times faster than re.sub here
        text = text.replace(mark, f" {mark} ")
    return _SEPARATORS.sub(" ", text)


#: Texts are read up to this many characters: a stance model labels sentences,
#: and featurising megabytes of text at once would exhaust memory.
MAX_TEXT_CHARS = 100_000

#: Words that open a negation scope.
NEGATORS = frozenset("not no never nor neither without nobody nothing none nowhere hardly barely".split())
#: Words that close a negation scope (besides clause punctuation).
_SCOPE_ENDERS = frozenset("but however although though yet whereas while instead".split())
_PUNCTUATION = frozenset(".,;:!?")
#: The longest negation scope, in tokens: long clauses drift away from the negator.
NEGATION_WINDOW = 4
NEGATED_PREFIX = "NOT_"


def _split_hashtag(match):
    # Both the words ("stop the war") and the tag as one token ("_tag_stopthewar"):
    # a hashtag is often a slogan whose stance the words alone do not carry.
    tag = match.group(1)
    return f" {_CAMEL.sub(' ', tag)} _tag_{tag.lower()} "


def normalize_text(text):
    """Return ``text`` lower-cased and cleaned for feature extraction.

    Unicode is NFKC-normalised; URLs become ``_url_``; user mentions become
    ``_user_``; a hashtag becomes its words, split at case changes, and a
    ``_tag_`` token (``#StopTheWar`` -> ``stop the war _tag_stopthewar``); control characters and lone surrogates become spaces;
    English negative contractions are expanded (``won't`` -> ``will not``).

    Examples
    --------
    >>> normalize_text("We WON'T back #TheNewTariffs, says @minister https://x.y/z")
    'we will not back the new tariffs _tag_thenewtariffs , says _user_ _url_'
    """
    return _SPACES.sub(" ", _normalize_lines(text)).strip()


def _normalize_lines(text):
    # Every step maps a line break to itself and never matches across one
    # (a line break is whitespace to each pattern, as a space is), so a batch
    # of texts joined by line breaks is normalised in one pass per step.
    text = unicodedata.normalize("NFKC", _UNPRINTABLE.sub(" ", text))
    # The placeholders are lower-case so that lower-casing keeps them intact.
    text = _URL.sub(" _url_ ", text)
    text = _MENTION.sub(" _user_ ", text)
    text = _HASHTAG.sub(_split_hashtag, text)
    text = _DASHES.sub("-", _APOSTROPHES.sub("'", text)).lower()
    text = _WONT.sub("will not", text)
    text = _CANT.sub("can not", text)
    return _NT.sub(" not", text)


def normalized_lines(texts, spaced_out=False):
    """Return :func:`normalize_text` of each text, but for runs of spaces.

    The texts are joined by line breaks and normalised together, which
    saves a dozen regular-expression calls per text. With ``spaced_out``,
    clause punctuation is set apart by spaces, ready for tokenising.

    Examples
    --------
    >>> normalized_lines(["We WON'T  go.", "#NoDeal"])
    ['we will not  go.', ' no deal _tag_nodeal ']
    """
    # A line break inside a text is whitespace like any other.
    joined = _normalize_lines("\n".join(text.replace("\n", " ") for text in texts))
    lines = (_space_out(joined) if spaced_out else joined).split("\n")
    if len(lines) != len(texts):  # pragma: no cover - a safety net; no known input does this
        lines = [normalize_text(text) for text in texts]
        return [_space_out(line) for line in lines] if spaced_out else lines
    return lines


def normalize_target(target):
    """Return the canonical form of a target name, or None for no target.

    Case, spacing, typographic quotes and dashes, and trailing punctuation do
    not make two targets different.

    Examples
    --------
    >>> normalize_target("  Sanctions against   RUSSIA. ")
    'sanctions against russia'
    >>> normalize_target("the EU\u2013Mercosur trade agreement")
    'the eu-mercosur trade agreement'
    >>> normalize_target("   ") is None, normalize_target(float("nan")) is None
    (True, True)
    """
    if is_missing(target):
        return None
    text = unicodedata.normalize("NFKC", _UNPRINTABLE.sub(" ", str(target)))
    text = _DASHES.sub("-", _APOSTROPHES.sub("'", text)).lower()
    text = _SPACES.sub(" ", text).strip(" .,;:!?\"'")
    return text or None


def is_missing(value):
    # None, NaN and pandas.NA all mean "no value" in a data frame.
    return (
        value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ == "NAType"
    )


def tokenize(text):
    """Split normalised text into word and clause-punctuation tokens.

    Examples
    --------
    >>> tokenize("we do not oppose the well-being tax, frankly.")
    ['we', 'do', 'not', 'oppose', 'the', 'well-being', 'tax', ',', 'frankly', '.']
    """
    return _tokenize_spaced(_space_out(text))


def _tokenize_spaced(text):
    tokens = []
    append = tokens.append
    for piece in text.split():
        if piece.isalnum() or piece in _PUNCTUATION:
            append(piece)
        else:
            tokens.extend(_TOKEN.findall(piece))
    return tokens


def mark_negation(tokens, window=NEGATION_WINDOW):
    """Prefix the tokens in a negation's scope with ``NOT_``; drop punctuation.

    A scope opens after a negator (``not``, ``never``, ``without``...) and
    closes at clause punctuation, at a contrast word (``but``, ``while``...),
    or after ``window`` tokens. Exclamation and question marks are kept as
    tokens: they carry tone (rhetorical questions, indignation).

    Examples
    --------
    >>> mark_negation(["we", "will", "not", "support", "it", ",", "but", "talk", "?"])
    ['we', 'will', 'not', 'NOT_support', 'NOT_it', 'but', 'talk', '?']
    """
    marked = []
    append = marked.append
    remaining = 0
    for token in tokens:
        # One dictionary lookup tells the rare kinds of token from words.
        kind = TOKEN_KINDS.get(token)
        if kind is None:
            if remaining:
                remaining -= 1
                append(NEGATED_PREFIX + token)
            else:
                # isdecimal() first: the regular expression is the slow part.
                append("0" if token[0].isdecimal() and _NUMBER.match(token) else token)
        elif kind == "negator":
            remaining = window
            append(token)
        else:
            remaining = 0
            if kind != "clause end":
                append(token)  # a contrast word, or ! and ?
    return marked


#: The tokens that open or close a negation scope, by kind (any other token is a word).
TOKEN_KINDS = {
    **{token: "clause end" for token in ".,;:"},
    **{token: "tone" for token in "!?"},
    **{token: "scope end" for token in _SCOPE_ENDERS},
    **{token: "negator" for token in NEGATORS},
}


def load_lexicon():
    """Return the bundled stance lexicon: ``{phrase: category}``.

    Categories: support, oppose, positive, negative, neutral, hedge, irony.
    Phrases are lower-case, one to three words.

    Examples
    --------
    >>> lexicon = load_lexicon()
    >>> lexicon["condemn"], lexicon["abstain"]
    ('oppose', 'neutral')
    """
    listing = resources.files("stance").joinpath("data", "lexicon.tsv").read_text("utf-8")
    entries = (line.split("\t") for line in listing.splitlines() if line.strip() and not line.startswith("#"))
    return {phrase.strip(): category.strip() for phrase, category in entries}


def lexicon_features(tokens, lexicon):
    """Return ``LEX_<category>`` for each lexicon phrase in negation-marked tokens.

    A phrase inside a negation scope gives ``NOT_LEX_<category>``: "not
    support" is evidence of another kind than "support". At each token the
    longest phrase (up to three words) that starts there counts.

    Examples
    --------
    >>> lexicon_features(["we", "not", "NOT_support", "it", "abstain"], {"support": "support", "abstain": "neutral"})
    ['NOT_LEX_support', 'LEX_neutral']
    """
    index = _phrase_index(lexicon)
    if index.keys().isdisjoint(tokens):  # decided at C speed
        return []
    prefix = NEGATED_PREFIX
    cut = len(prefix)
    found = []
    for i, token in enumerate(tokens):
        entry = index.get(token)
        if entry is None:
            continue
        is_phrase, followers = entry
        category = None
        if followers and i + 1 < len(tokens):
            # Longer phrases first, tried only when the next word can follow.
            following = tokens[i + 1]
            for n in followers.get(following[cut:] if following.startswith(prefix) else following, ()):
                if i + n <= len(tokens):
                    words = [t[cut:] if t.startswith(prefix) else t for t in tokens[i : i + n]]
                    category = lexicon.get(" ".join(words))
                    if category:
                        break
        if category is None and is_phrase:
            category = lexicon[token[cut:] if token.startswith(prefix) else token]
        if category:
            found.append(f"{prefix}LEX_{category}" if token.startswith(prefix) else f"LEX_{category}")
    return found


_phrase_index_cache = (None, {})


def _phrase_index(lexicon):
    # {first word: (whether it is a phrase itself, {second word: lengths of
    # the longer phrases starting with both, longest first})}, for the first
    # word plain and negated. Computed once per lexicon object: a one-slot
    # cache keyed by identity (a fitted model holds its lexicon, which
    # nothing modifies).
    global _phrase_index_cache
    cached, index = _phrase_index_cache
    if cached is not lexicon:
        singles, followers = set(), {}
        for phrase in lexicon:
            words = phrase.split(" ")
            if len(words) == 1:
                singles.add(phrase)
            else:
                followers.setdefault(words[0], {}).setdefault(words[1], set()).add(len(words))
        index = {
            word: (word in singles, {w: tuple(sorted(n, reverse=True)) for w, n in followers.get(word, {}).items()})
            for word in singles | followers.keys()
        }
        index.update({NEGATED_PREFIX + word: entry for word, entry in index.items()})
        _phrase_index_cache = (lexicon, index)
    return index


def word_features(text, ngram_range=(1, 2), negation=True, lexicon=None):
    """Return the word n-grams of raw ``text``, the model's word analyzer.

    Parameters
    ----------
    text : str
    ngram_range : tuple of int
    negation : bool
        Mark words in negation scopes (:func:`mark_negation`).
    lexicon : dict, optional
        ``{phrase: category}``; adds :func:`lexicon_features`.

    Examples
    --------
    >>> word_features("We won't back it.")
    ['we', 'will', 'not', 'NOT_back', 'NOT_it', 'we will', 'will not', 'not NOT_back', 'NOT_back NOT_it']
    >>> word_features("We back it.", ngram_range=(1, 1), lexicon={"back": "support"})
    ['we', 'back', 'it', 'LEX_support']
    """
    tokens = tokenize(normalize_text(text))
    if negation:
        tokens = mark_negation(tokens)
    else:
        tokens = [t for t in tokens if t not in _PUNCTUATION or t in "!?"]
    grams = []
    low, high = ngram_range
    for n in range(low, min(high, len(tokens)) + 1):  # no n-gram is longer than the text
        if n == 1:
            grams.extend(tokens)
        else:
            grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    if lexicon:
        grams.extend(lexicon_features(tokens, lexicon))
    return grams


def char_wb_features(text, ngram_range):
    """Return the character n-grams of normalised ``text`` within word boundaries.

    The same n-grams, in the same order, as scikit-learn's
    ``TfidfVectorizer(analyzer="char_wb")``: each word padded with one space
    on each side; a word shorter than ``n`` gives itself once.

    Examples
    --------
    >>> char_wb_features("no way", (2, 3))
    [' n', 'no', 'o ', ' no', 'no ', ' w', 'wa', 'ay', 'y ', ' wa', 'way', 'ay ']
    """
    low, high = ngram_range
    grams = []
    for word in text.split():
        word = f" {word} "
        length = len(word)
        for n in range(low, high + 1):
            if n >= length:
                grams.append(word)
                break
            grams.extend([word[i : i + n] for i in range(length - n + 1)])
    return grams
