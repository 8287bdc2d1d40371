"""Pure text functions: normalisation, tokenisation, the words of negation scopes, the lexicon.

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
# Every URL _URL finds holds "://" or one of these: a text holding none has no URL
# (most batches of sentences), and a few scans for them cost a tenth of _URL's.
_WWW = ("ww.", "wW.", "Ww.", "WW.")
_MENTION = re.compile(r"@(?<!\w@)\w+")
_HASHTAG = re.compile(r"#(?<!\w#)(\w+)")
# Splits "StopTheWar" into "Stop The War" (and "G20Summit" into "G20 Summit").
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# C0/C1 control characters and lone surrogates become spaces: they carry no
# meaning and some of them break downstream writers.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Typographic apostrophes and dashes, made plain. Each character is looked
# for with ``in`` and replaced with str.replace, where it occurs: a dozen
# such scans of a batch's text take a tenth of the time of one pass of a
# regular expression's character class over it.
_APOSTROPHES = "\u2018\u2019\u02bc\u2032`"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_WONT = re.compile(r"won't(?<!\wwon't)\b")
_CANT = re.compile(r"can(?<!\wcan)(?:'t|not)\b")
_NT = re.compile(r"n't\b")
_SPACES = re.compile(r"\s+")
# Characters that show nothing (zero-width spaces and joiners, the soft
# hyphen, direction marks, a byte-order mark): pasted into a target's name,
# they make no other target.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
# A token is a run of letters or digits, possibly joined by an apostrophe or
# a hyphen ("don't", "well-being"); clause punctuation is kept as its own token
# because it ends a negation scope.
_TOKEN = re.compile(r"\w+(?:['\-]\w+)*|[.,;:!?]")
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


def _plain_marks(text):
    # _APOSTROPHES become "'" and _DASHES "-".
    for marks, plain in ((_APOSTROPHES, "'"), (_DASHES, "-")):
        for mark in marks:
            if mark in text:
                text = text.replace(mark, plain)
    return text


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
    if "://" in text or any(www in text for www in _WWW):  # else there is no URL: spare the scan
        text = _URL.sub(" _url_ ", text)
    text = _MENTION.sub(" _user_ ", text)
    text = _HASHTAG.sub(_split_hashtag, text)
    text = _plain_marks(text).lower()
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
    texts = [text.replace("\n", " ") for text in texts]
    # The texts in ASCII apart from the others: a single character beyond
    # (an emoji) makes Python store a whole joined batch at four bytes a
    # character, and every step of normalising then reads four times the
    # memory. Each text is normalised on its own line either way, so the
    # lines are the same; normalising a batch of sentences of which one in
    # twenty has such a character takes half the time.
    import numpy as np

    ascii = np.fromiter(map(str.isascii, texts), dtype=bool, count=len(texts))
    if ascii.all() or not ascii.any():
        return _normalized_together(texts, spaced_out)
    lines = np.empty(len(texts), dtype=object)
    for part in (np.flatnonzero(ascii), np.flatnonzero(~ascii)):
        lines[part] = _normalized_together([texts[i] for i in part.tolist()], spaced_out)
    return lines.tolist()


def _normalized_together(texts, spaced_out):
    # normalized_lines of texts with no line break, joined by line breaks.
    joined = _normalize_lines("\n".join(texts))
    lines = (_space_out(joined) if spaced_out else joined).split("\n")
    if len(lines) != len(texts):  # pragma: no cover - a safety net; no known input does this
        lines = [normalize_text(text) for text in texts]
        return [_space_out(line) for line in lines] if spaced_out else lines
    return lines


# Typographic and angle double quotes, made plain in target names.
_DOUBLE_QUOTES = re.compile(r"[\u201c-\u201f\u00ab\u00bb\u2033\u301d\u301e]")


def strip_invisible(text):
    """Return ``text`` without the format characters that show nothing (zero-width, direction marks...)."""
    return _INVISIBLE.sub("", text)


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
    >>> normalize_target("\u201cthe Paris Agreement\u201d"), normalize_target("\u00absanctions\u00bb")
    ('the paris agreement', 'sanctions')
    >>> normalize_target("the wid\u00adget levy\u200b")
    'the widget levy'
    >>> normalize_target("   ") is None, normalize_target(float("nan")) is None
    (True, True)
    """
    if is_missing(target):
        return None
    text = unicodedata.normalize("NFKC", _UNPRINTABLE.sub(" ", strip_invisible(str(target))))
    text = _plain_marks(_DOUBLE_QUOTES.sub('"', text)).lower()
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


#: The tokens that open or close a negation scope, by kind (any other token is a word).
#: A scope opens after a negator ("not", "never", "without"...) and closes at
#: clause punctuation, at a contrast word ("but", "while"...), or after
#: NEGATION_WINDOW tokens; the featuriser marks the words in it ("NOT_support").
#: Exclamation and question marks are kept as tokens: they carry tone.
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
