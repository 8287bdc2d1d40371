"""Sentences of real documents, and whose voice each one is in.

:func:`sentence_spans` splits statements, meeting records and news reports
into sentences: paragraphs, numbered paragraphs (``1.``, ``(a)``) and bullet
items never share a sentence, and their markers are left out; no split
after titles and honorifics (``H.E. Amb. Smith``, ``Dr.``), initials,
abbreviations, inside brackets (``(see A/68/PV.80)``) or inside a short
quotation. It is one pass of simple regular expressions over the text: time
grows in step with the document's length, whatever it holds, and it needs no
NLTK data.

:func:`voice` tells the author's own sentences (``We support...``) from
reported speech (``Several delegations said...``, ``"...," the minister
said``), and :func:`summarize` gives a document's stance in the author's
voice and, separately, that of the speakers it reports.
"""

import bisect
import re
from functools import lru_cache
from importlib import resources

__all__ = ["sentence_spans", "voice", "voices", "summarize", "overall_stance", "VOICES"]

#: The two voices a sentence can be in.
VOICES = ("author", "reported")

#: Titles, honorifics and abbreviations after which a sentence does not end,
#: lower-case, without their final period (added to stance/data/abbreviations.txt).
_MORE_ABBREVIATIONS = {
    "h.e", "amb", "ambs", "excy", "messrs", "mme", "mmes", "mlle", "mses", "rev", "fr", "sr", "sra", "srta",
    "hrh", "mp", "dep", "min", "sec", "secs", "gen", "brig", "cpl", "pvt", "supt", "insp", "det", "ch",
    "chap", "p", "pp", "para", "paras", "sect", "viz", "ibid", "op", "cit", "ed", "eds", "trans", "rep",
    "doc", "res", "annex", "ref", "tel", "ext", "dist", "prov", "approx", "nr", "mt", "ft", "bros", "s.a",
    "a.s", "l.p", "u.s.s.r", "d.c", "n.y", "st", "ste", "av", "ave", "blvd", "rd", "incl", "excl", "misc",
}


@lru_cache(maxsize=1)
def _abbreviations():
    listing = resources.files("stance").joinpath("data", "abbreviations.txt").read_text("utf-8")
    words = {line.strip().lower() for line in listing.splitlines() if line.strip() and not line.startswith("#")}
    return frozenset(words | _MORE_ABBREVIATIONS - {"etc"})


# A line that starts a list item or a numbered paragraph; group 1 is the marker.
_MARKER = re.compile(
    r"[ \t]*((?:[-*\u2022\u00b7\u2013\u2014\u25aa\u25e6\u2023>]|\(?\d{1,3}(?:\.\d{1,3})*[.)]|\(?[a-z][.)]|"
    r"\((?:[ivx]{1,5}|[a-z]|\d{1,3})\)|[ivx]{1,5}\.)[ \t]+)(?=\S)"
)
_LINE = re.compile(r"[^\n]*\n?")
# Where a sentence may end: terminal punctuation, closing quotes or brackets, then space.
_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s)")
_WORD_BEFORE = re.compile(r"(\S+)$")
_OPENER = re.compile(r"\s+([\"'\u201c\u2018(\[]?)(\S)")
_QUOTE = re.compile(r"[\"\u201c\u201d]")
_BRACKET = re.compile(r"[()\[\]]")
#: A quotation or a bracket open for longer than this stops holding sentences together.
_HOLD_CHARS = 600
#: Abbreviations that come before a number ("No. 5", "para. 12"): no split only before one.
_NUMBERED = frozenset(
    "no nos art arts para paras p pp vol fig sect sec ch chap res doc annex ref".split()
)
#: Common first words of a sentence, for telling "the U.S. The" (a split) from "U.S. Senator" (none).
_STARTERS = frozenset(
    "the a an this that these those it its we i he she they there in on at for but and however our my "
    "his her their as if when while after before since although yet so no not all some many most".split()
)


def _blocks(document):
    """Yield ``(start, end)`` of paragraphs and list items, markers left out."""
    start = None
    position = 0
    previous = ""
    for match in _LINE.finditer(document):
        line = match.group()
        if not line:
            break
        line_start = position
        position += len(line)
        stripped = line.strip()
        if not stripped:  # a blank line ends the block
            if start is not None:
                yield start, line_start
            start, previous = None, ""
            continue
        marker = _MARKER.match(line)
        heading = (
            previous
            and len(previous) < 70
            and previous[-1] not in ".!?:;,-\u2013"
            and not previous[-1].islower()
            and stripped[0].isupper()
        )
        if start is not None and (marker or heading):
            yield start, line_start
            start = None
        if start is None:
            start = line_start + (marker.end() if marker else 0)
        previous = stripped
    if start is not None:
        yield start, len(document)


def _ends_here(text, match):
    """Whether the candidate end ``match`` (in ``text``) really ends a sentence."""
    end = match.end()
    following = _OPENER.match(text, end)
    if not following:
        return True
    opener, first = following.groups()
    if first.islower() and not opener:
        return False  # "approx. five", "e.g. the"
    mark = match.group()
    if mark[0] != ".":
        return True
    # The word before the mark: looked for in the 80 characters before it, so
    # that the time per candidate is bounded whatever the text.
    window = text[max(0, match.start() - 80) : match.start()]
    before = _WORD_BEFORE.search(window)
    if not before:
        return True
    word = before.group(1).lstrip("(\"'\u201c\u2018[")
    lower = word.lower()
    if mark == "." and "." in word and word.replace(".", "").isalpha():
        # A dotted abbreviation (U.N., H.E.): a split only before a usual first word.
        next_word = re.match(r"\S{0,40}", text[following.start(2) : following.start(2) + 40]).group()
        return next_word.lower().strip("\"'\u201c,") in _STARTERS
    if mark == "." and lower in _NUMBERED:
        return not (first.isdigit() or first in "([")  # "No. 5", "para. 12", but "We said no. Then"
    if mark == "." and lower in _abbreviations():
        return False
    if len(word) == 1 and word.isalpha() and word.isupper():
        return False  # an initial: "J. Smith"
    return True


def _split_block(document, start, end):
    text = document[start:end]
    spans = []
    sentence_start = 0
    quote_open = bracket_depth = None  # positions where the current quote / bracket opened
    depth = 0
    events = sorted(
        [(m.start(), "q", m.group()) for m in _QUOTE.finditer(text)]
        + [(m.start(), "b", m.group()) for m in _BRACKET.finditer(text)]
        + [(m.end(), "e", m) for m in _END.finditer(text)]
    , key=lambda event: event[0])
    for position, kind, value in events:
        if kind == "q":
            if value == "\u201c" or (value == '"' and quote_open is None):
                quote_open = position
            else:
                quote_open = None
            continue
        if kind == "b":
            if value in "([":
                depth += 1
                bracket_depth = position if depth == 1 else bracket_depth
            else:
                depth = max(0, depth - 1)
            continue
        if quote_open is not None and position - quote_open > _HOLD_CHARS:
            quote_open = None
        if depth and position - bracket_depth > _HOLD_CHARS:
            depth = 0
        # A quote that closes at this very end (."), is closed by the end mark itself.
        inside_quote = quote_open is not None and not text[value.start() : position].endswith(("\u201d", '"'))
        if depth or inside_quote:
            continue
        if _ends_here(text, value):
            spans.append((sentence_start, position))
            sentence_start = position
            if text[value.start() : position].endswith(('"', "\u201d")):
                quote_open = None
    spans.append((sentence_start, len(text)))
    out = []
    for a, b in spans:
        piece = text[a:b]
        stripped = piece.strip()
        if stripped:
            a += len(piece) - len(piece.lstrip())
            out.append((start + a, start + a + len(stripped)))
    return out


def sentence_spans(document):
    """Return ``(start, end)`` character offsets of the sentences in ``document``.

    Paragraphs (separated by blank lines), numbered paragraphs and list
    items never share a sentence, and a paragraph number or bullet is not
    part of its sentence; nor is the whitespace between sentences.

    Examples
    --------
    >>> doc = "1. H.E. Amb. Smith (see A/68/PV.80) spoke first. The U.N. vote is today.\\n2. New point"
    >>> [doc[a:b] for a, b in sentence_spans(doc)]
    ['H.E. Amb. Smith (see A/68/PV.80) spoke first.', 'The U.N. vote is today.', 'New point']
    """
    if not isinstance(document, str):
        raise TypeError(f"document is {type(document).__name__}, not str")
    spans = []
    for start, end in _blocks(document):
        spans.extend(_split_block(document, start, end))
    return spans


_FIRST_PERSON = re.compile(
    r"^\W*(?:(?:however|indeed|therefore|moreover|furthermore|finally|in conclusion|in closing|"
    r"for (?:this|that) reason|in (?:this|that) (?:regard|respect|spirit)|at the same time|"
    r"let me|allow me to|once again)\W+)*"
    r"(?:i|we|my|our|us|let us|let me|allow me)\b",
    re.IGNORECASE,
)
_REPORTING = re.compile(
    r"\b(?:said|says|stated|states|argued|argues|claimed|claims|told|noted|insisted|insists|warned|warns|"
    r"added|adds|asserted|asserts|maintained|maintains|contended|contends|explained|stressed|emphasi[sz]ed|"
    r"underlined|recalled|suggested|believes|believed|announced|declared|according to|"
    r"in the (?:view|opinion|words) of|expressed|called for|urged|voiced|criticized|criticised|"
    r"welcomed|rejected|opposed|supported|favou?red|objected|questioned|dismissed|denied)\b",
    re.IGNORECASE,
)
_THIRD_PARTY = re.compile(
    r"\b(?:he|she|they|his|her|their|delegations?|representatives?|speakers?|minister|ministers|"
    r"spokes(?:person|man|woman)|officials?|critics|opponents|supporters|observers|analysts|"
    r"experts|others|some|several|many|members|mr|mrs|ms|dr|president|ambassador|senator|"
    r"government of|prime minister|secretary|chair(?:man|woman|person)?|union|group|party|campaigners|"
    r"activists|lawmakers|industry|company|groups)\b",
    re.IGNORECASE,
)
_OTHER_PARTIES = re.compile(
    r"^\W*(?:however,?\s+|but\s+|while\s+|meanwhile,?\s+)?(?:some|other|several|many|a number of|one|"
    r"another|certain|a few|most|few|two|three|the other)\s+(?:\w+\s+)?(?:delegations?|states|countries|"
    r"members|speakers|representatives|critics|observers|opponents|supporters|groups|parties|governments)\b",
    re.IGNORECASE,
)
_QUOTED_ATTRIBUTION = re.compile(r",?[\"\u201d],?\s+(?:\w+\s+){0,4}?(?:said|says|added|told|argued|insisted|warned)\b", re.I)
_FIRST_PERSON_ANYWHERE = re.compile(r"\b(?:my delegation|my government|my country|our government|our delegation)\b", re.I)


def voice(sentence):
    """Return ``"author"`` for the author's own voice, ``"reported"`` for others' views reported.

    Examples
    --------
    >>> voice("We fully support the draft resolution.")
    'author'
    >>> voice("Several delegations opposed the draft resolution.")
    'reported'
    >>> voice("Mr. Lee (Freedonia) said that his delegation could not support the text.")
    'reported'
    >>> voice('"This is a betrayal," the opposition leader said.')
    'reported'
    >>> voice("The draft was adopted without a vote.")
    'author'
    """
    text = " ".join(sentence.split())
    if _QUOTED_ATTRIBUTION.search(text) or _OTHER_PARTIES.match(text) or text.lower().startswith("according to"):
        return "reported"
    if _FIRST_PERSON.match(text):
        return "author"
    reporting = _REPORTING.search(text)
    if reporting and not _FIRST_PERSON_ANYWHERE.search(text[: reporting.start()]):
        if _THIRD_PARTY.search(text[: reporting.start()]) or re.search(r"\b[A-Z][a-z]+\b", text[1: reporting.start()]):
            return "reported"
    return "author"


#: A speaker's label opening a paragraph of a meeting record: "Mr. Tanaka (Freedonia):", "The President:".
_SPEAKER = re.compile(
    r"\s*((?:(?:Mr|Ms|Mrs|Miss|Dr|Sir|Dame|Lord|Lady|Prof|H\.\s?E)\.?\s+[^:\n.]{1,60}?(?:\.\s?[^:\n.]{1,40}?)?"
    r"|The (?:Acting )?(?:President|Chair(?:man|woman|person)?|Co-Chair|Secretary-General|Vice-President))"
    r"\s*(?:\([^()\n]{1,80}\))?)\s*:\s"
)
_WHOLLY_QUOTED = re.compile(r"^[\"\u201c].*[\"\u201d]$", re.S)


def voices(document, spans=None):
    """Return ``(voice, speaker)`` for each sentence of ``document`` (``spans``: from :func:`sentence_spans`).

    Sentences of a paragraph that opens with a speaker's label (``Mr. Tanaka
    (Freedonia):``, as meeting records have) are that speaker's, hence
    ``reported``, with the label as ``speaker``; a sentence that is all
    quotation, right after reported speech, continues it. Otherwise
    :func:`voice` decides, and ``speaker`` is empty.

    Examples
    --------
    >>> doc = "Mr. Li (Freedonia): We support the text. It is balanced.\\n\\nThe text was adopted."
    >>> voices(doc)
    [('reported', 'Mr. Li (Freedonia)'), ('reported', 'Mr. Li (Freedonia)'), ('author', '')]
    """
    spans = sentence_spans(document) if spans is None else spans
    paragraphs = [m.end() for m in re.finditer(r"\n\s*\n", document)]
    result = []
    speaker, paragraph_end, previous = "", -1, "author"
    for start, end in spans:
        if start >= paragraph_end:  # a new paragraph: does it open with a speaker's label?
            speaker = ""
            at = bisect.bisect_right(paragraphs, start)
            paragraph_start = paragraphs[at - 1] if at else 0
            paragraph_end = paragraphs[at] if at < len(paragraphs) else len(document) + 1
            match = _SPEAKER.match(document, paragraph_start)
            if match and match.end() > start:
                speaker = match.group(1).strip()
        sentence = document[start:end]
        if speaker:
            result.append(("reported", speaker))
        elif previous == "reported" and _WHOLLY_QUOTED.match(sentence.strip()):
            result.append(("reported", ""))
        else:
            result.append((voice(sentence), ""))
        previous = result[-1][0]
    return result


def overall_stance(labels):
    """The stance of a set of sentences: the side with more, ``mixed`` on a tie, else ``neutral``.

    >>> overall_stance(["neutral", "aligned", "opposed", "aligned"]), overall_stance([])
    ('aligned', 'neutral')
    """
    aligned = sum(label == "aligned" for label in labels)
    opposed = sum(label == "opposed" for label in labels)
    if aligned == opposed:
        return "neutral" if aligned == 0 else "mixed"
    return "aligned" if aligned > opposed else "opposed"


def summarize(labels, voices, names=("aligned", "neutral", "opposed")):
    """A document's summary: its stance in the author's voice and, apart, in the reported speech.

    Returns ``{"sentences", "counts", "stance", "author": {...}, "reported": {...}}``;
    ``stance`` is the author's (from their own sentences), ``author`` and
    ``reported`` hold ``sentences``, ``counts`` and ``stance`` for each voice.

    Examples
    --------
    >>> summary = summarize(["aligned", "opposed", "opposed"], ["author", "reported", "reported"])
    >>> summary["stance"], summary["reported"]["stance"]
    ('aligned', 'opposed')
    """
    labels, voices = list(labels), list(voices)

    def part(chosen):
        return {
            "sentences": len(chosen),
            "counts": {name: sum(label == name for label in chosen) for name in names},
            "stance": overall_stance(chosen),
        }

    summary = part(labels)
    summary["author"] = part([lab for lab, v in zip(labels, voices) if v == "author"])
    summary["reported"] = part([lab for lab, v in zip(labels, voices) if v == "reported"])
    summary["stance"] = summary["author"]["stance"]
    return summary
