"""Pure text functions: normalisation, tokenisation, negation scope, sentences.

Everything here maps ``str -> str`` or ``str -> list`` and holds no state, so
a fitted model that refers to these functions pickles cleanly. The regular
expressions are compiled once, at import, as module constants.
"""

import math
import re
import unicodedata
from functools import lru_cache
from importlib import resources

__all__ = [
    "normalize_text",
    "normalize_target",
    "tokenize",
    "mark_negation",
    "word_features",
    "sentence_spans",
]

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_HASHTAG = re.compile(r"(?<!\w)#(\w+)")
# Splits "StopTheWar" into "Stop The War" (and "G20Summit" into "G20 Summit").
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# C0/C1 control characters and lone surrogates become spaces: they carry no
# meaning and some of them break downstream writers.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_APOSTROPHES = re.compile(r"[\u2018\u2019\u02bc\u2032`]")
_DASHES = re.compile(r"[\u2010-\u2015\u2212]")
_WONT = re.compile(r"\bwon't\b")
_CANT = re.compile(r"\bcan't\b|\bcannot\b")
_NT = re.compile(r"n't\b")
_SPACES = re.compile(r"\s+")
# A token is a run of letters or digits, possibly joined by an apostrophe or
# a hyphen ("don't", "well-being"); clause punctuation is kept as its own token
# because it ends a negation scope.
_TOKEN = re.compile(r"\w+(?:['\-]\w+)*|[.,;:!?]")
_NUMBER = re.compile(r"^\d[\d,.]*$")

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
    text = unicodedata.normalize("NFKC", _UNPRINTABLE.sub(" ", text))
    # The placeholders are lower-case so that lower-casing keeps them intact.
    text = _URL.sub(" _url_ ", text)
    text = _MENTION.sub(" _user_ ", text)
    text = _HASHTAG.sub(_split_hashtag, text)
    text = _DASHES.sub("-", _APOSTROPHES.sub("'", text)).lower()
    text = _WONT.sub("will not", text)
    text = _CANT.sub("can not", text)
    text = _NT.sub(" not", text)
    return _SPACES.sub(" ", text).strip()


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
    return _TOKEN.findall(text)


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
    remaining = 0
    for token in tokens:
        if token in _PUNCTUATION:
            remaining = 0
            if token in "!?":
                marked.append(token)
            continue
        if token in _SCOPE_ENDERS:
            remaining = 0
            marked.append(token)
        elif token in NEGATORS:
            remaining = window
            marked.append(token)
        elif remaining:
            remaining -= 1
            marked.append(NEGATED_PREFIX + token)
        else:
            marked.append("0" if _NUMBER.match(token) else token)
    return marked


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
    support" is evidence of another kind than "support".

    Examples
    --------
    >>> lexicon_features(["we", "not", "NOT_support", "it", "abstain"], {"support": "support", "abstain": "neutral"})
    ['NOT_LEX_support', 'LEX_neutral']
    """
    plain = [t[len(NEGATED_PREFIX) :] if t.startswith(NEGATED_PREFIX) else t for t in tokens]
    found = []
    for i, token in enumerate(tokens):
        for n in (3, 2, 1):
            category = lexicon.get(" ".join(plain[i : i + n])) if i + n <= len(plain) else None
            if category:
                negated = NEGATED_PREFIX if token.startswith(NEGATED_PREFIX) else ""
                found.append(f"{negated}LEX_{category}")
                break
    return found


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
    low, high = ngram_range
    grams = []
    for n in range(low, high + 1):
        grams.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    if lexicon:
        grams.extend(lexicon_features(tokens, lexicon))
    return grams


@lru_cache(maxsize=1)
def _sentence_tokenizer():
    # nltk is imported here, not at module level: it takes about a second to
    # import and only sentence splitting needs it. Punkt runs on parameters
    # shipped with the package (a list of abbreviations), so no NLTK data
    # download is ever needed.
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    listing = resources.files("stance").joinpath("data", "abbreviations.txt").read_text("utf-8")
    params.abbrev_types = {
        line.strip().lower() for line in listing.splitlines() if line.strip() and not line.startswith("#")
    }
    return PunktSentenceTokenizer(params)


_PARAGRAPH = re.compile(r"\n\s*\n")


def sentence_spans(document):
    """Return ``(start, end)`` character offsets of the sentences in ``document``.

    Paragraphs (separated by blank lines) never share a sentence; within a
    paragraph, NLTK's Punkt algorithm splits sentences, knowing common
    abbreviations (``Mr.``, ``U.N.``, ``e.g.``) so that it does not split
    after them. Whitespace between sentences belongs to none of them.

    Examples
    --------
    >>> doc = "Mr. Lee spoke first. The U.N. vote is today.\\n\\nNew topic"
    >>> [doc[a:b] for a, b in sentence_spans(doc)]
    ['Mr. Lee spoke first.', 'The U.N. vote is today.', 'New topic']
    """
    tokenizer = _sentence_tokenizer()
    spans = []
    start = 0
    for match in [*_PARAGRAPH.finditer(document), None]:
        end = match.start() if match else len(document)
        paragraph = document[start:end]
        for a, b in tokenizer.span_tokenize(paragraph):
            sentence = paragraph[a:b]
            stripped = sentence.strip()
            if stripped:
                a += len(sentence) - len(sentence.lstrip())
                spans.append((start + a, start + a + len(stripped)))
        if match:
            start = match.end()
    return spans
