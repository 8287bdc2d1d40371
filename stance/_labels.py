"""The three stance labels and the mappings from other annotation schemes."""

__all__ = [
    "LABELS",
    "LABEL_ALIASES",
    "normalize_label",
    "parse_label_map",
    "resolve_labels",
    "suggest_label_map",
    "label_map_advice",
]

#: The labels, in the order used for probability columns (alphabetical, as
#: scikit-learn orders ``classes_``).
LABELS = ("aligned", "neutral", "opposed")

#: Label strings of common stance data sets, lower-cased, and the label each
#: one means here. SemEval-2016 uses FAVOR/AGAINST/NONE, IBM Debater PRO/CON,
#: Perspectrum SUPPORT/UNDERMINE. Numbers (IBM's 1/-1, or 0/1/2) are never
#: taken as labels on their own: which number means which side differs from
#: one data set to the next, so they must be mapped with ``--label-map``.
LABEL_ALIASES = {
    "aligned": "aligned",
    "favor": "aligned",
    "favour": "aligned",
    "pro": "aligned",
    "support": "aligned",
    "supports": "aligned",
    "for": "aligned",
    "opposed": "opposed",
    "against": "opposed",
    "con": "opposed",
    "undermine": "opposed",
    "undermines": "opposed",
    "neutral": "neutral",
    "none": "neutral",
    "no-argument": "neutral",
    "no argument": "neutral",
    "noargument": "neutral",
    "argument_for": "aligned",
    "argument_against": "opposed",
    "agree": "aligned",
    "disagree": "opposed",
}


def normalize_label(value, label_map=None):
    """Return the stance label that ``value`` means, or None if unknown.

    Parameters
    ----------
    value : object
        A label as found in a data file: ``"FAVOR"``, ``"pro"``, ``-1``...
    label_map : dict, optional
        Extra mappings ``{their label: our label}``; they take precedence
        over the built-in aliases.

    Returns
    -------
    str or None

    Examples
    --------
    >>> normalize_label("FAVOR")
    'aligned'
    >>> normalize_label(-1) is None  # numbers only through a label map
    True
    >>> normalize_label(-1, {"-1": "opposed"})
    'opposed'
    >>> normalize_label("maybe") is None
    True
    >>> normalize_label("maybe", {"maybe": "neutral"})
    'neutral'
    """
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    key = str(value).strip().lower()
    if label_map:
        lowered = {str(k).strip().lower(): v for k, v in label_map.items()}
        if key in lowered:
            return lowered[key]
    return LABEL_ALIASES.get(key)


def parse_label_map(spec):
    """Parse ``"FAVOR=aligned,AGAINST=opposed"`` into a dict.

    Raises
    ------
    ValueError
        If an entry has no ``=`` or maps to something that is not a label.

    Examples
    --------
    >>> parse_label_map("yes=aligned, no=opposed")
    {'yes': 'aligned', 'no': 'opposed'}
    """
    mapping = {}
    for entry in spec.split(","):
        if not entry.strip():
            continue
        source, sep, label = entry.partition("=")
        label = label.strip().lower()
        if not sep or not source.strip():
            raise ValueError(f"label map entry {entry.strip()!r} is not of the form THEIRS=ours")
        if label not in LABELS:
            raise ValueError(
                f"label map entry {entry.strip()!r} maps to {label!r}, "
                f"which is not one of {', '.join(LABELS)}"
            )
        mapping[source.strip()] = label
    if not mapping:
        raise ValueError("label map is empty")
    return mapping


def _key(value):
    """The lower-cased string form of a label value (1.0 and 1 are both ``'1'``)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


def is_numeric_label(value):
    """Whether a label value is a number (``1``, ``-1``, ``'2'``, ``1.0``).

    >>> [is_numeric_label(v) for v in (1, "-1", "+1", 2.0, "FAVOR", True)]
    [True, True, True, True, False, False]
    """
    if isinstance(value, bool):
        return False
    try:
        float(str(value).strip())
    except ValueError:
        return False
    return True


#: Words whose first letters give away the label an abbreviated scheme means
#: (S/O/N, F/A/N, P/C...), tried in this order.
_HINTS = (
    ("aligned", ("support", "favor", "favour", "pro", "for", "yes", "positive", "agree", "aligned")),
    ("opposed", ("oppose", "against", "con", "undermine", "no", "negative", "disagree")),
    ("neutral", ("neutral", "none", "neither", "other", "unrelated", "unknown")),
)


def _candidates(key):
    """The labels an unknown label string may mean, most likely first."""
    if key in LABEL_ALIASES:
        return [LABEL_ALIASES[key]]
    if is_numeric_label(key):
        label = {1.0: "aligned", -1.0: "opposed", 0.0: "neutral"}.get(float(key))
        return [label] if label else []
    return [label for label, words in _HINTS if any(w.startswith(key) or key.startswith(w) for w in words)]


def suggest_label_map(values, label_map=None):
    """Return a ``--label-map`` value that maps ``values`` to labels, a different one each if it can.

    Entries of ``label_map`` are kept, and a label or a known alias maps to
    what it means; each other value gets the label its name suggests (``S``
    supports, ``O`` opposes, ``N`` neutral...) if that label is still free,
    else the next free label. The result is a guess,
    to be checked, never applied silently.

    Examples
    --------
    >>> suggest_label_map(["S", "O", "N"])
    'S=aligned,O=opposed,N=neutral'
    >>> suggest_label_map(["-1", "0", "1"])
    '-1=opposed,0=neutral,1=aligned'
    >>> suggest_label_map(["0", "1", "2"], {"2": "aligned"})
    '2=aligned,0=neutral,1=opposed'
    >>> suggest_label_map(["1", "aligned", "opposed", "neutral"])  # a label keeps its meaning
    '1=aligned,aligned=aligned,opposed=opposed,neutral=neutral'
    """
    label_map = {str(k): v for k, v in (label_map or {}).items()}
    chosen = dict(label_map)
    known_keys = {k.strip().lower() for k in label_map}
    rest = [str(v) for v in values if _key(v) not in known_keys]
    rest = list(dict.fromkeys(rest))
    taken = set(label_map.values())
    # A label or a known alias means what it says, whatever else the data
    # holds (it takes no label away from the others: "1" beside "aligned"
    # is still most likely aligned).
    for value in rest:
        if _key(value) in LABEL_ALIASES:
            chosen[value] = LABEL_ALIASES[_key(value)]
    candidates = {value: _candidates(_key(value)) for value in rest}
    progress = True
    while progress:  # first the values that can mean only one free label, then the others
        progress = False
        for only_one in (True, False):
            for value in rest:
                free = [label for label in candidates[value] if label not in taken]
                if value not in chosen and free and (len(free) == 1 or not only_one):
                    chosen[value] = free[0]
                    taken.add(free[0])
                    progress = True
            if progress:
                break
    for value in rest:
        if value not in chosen:
            free = [label for label in ("neutral", "opposed", "aligned") if label not in taken]
            chosen[value] = free[0] if free else "neutral"
            taken.add(chosen[value])
    order = list(label_map) + rest
    return ",".join(f"{k}={chosen[k]}" for k in order)


def label_map_advice(values, label_map=None):
    """How to map ``values`` with ``--label-map``: the guess of :func:`suggest_label_map`, quoted for a shell.

    A value holding "," or "=" cannot be written in a label map, and a
    guess that split it would map other labels wrongly: then the advice is
    to rename it.

    Examples
    --------
    >>> print(label_map_advice(["S", "O", "don't know"]))
    map them with --label-map, e.g. --label-map 'S=aligned,O=opposed,don'"'"'t know=neutral' (check that this guess is right)
    >>> print(label_map_advice(["a=b"]))
    rename the labels holding "," or "=" first: --label-map cannot name them
    """
    mapped = {str(key).strip().lower() for key in (label_map or {})}
    if any(("," in str(value) or "=" in str(value)) and _key(value) not in mapped for value in values):
        return 'rename the labels holding "," or "=" first: --label-map cannot name them'
    quoted = "'" + suggest_label_map(values, label_map).replace("'", "'\"'\"'") + "'"  # as shlex.quote, always
    return f"map them with --label-map, e.g. --label-map {quoted} (check that this guess is right)"


def resolve_labels(values, label_map=None, column="label"):
    """Map every distinct label in ``values`` to a stance label, or raise listing every problem.

    Returns ``(mapping, notes)``: ``mapping`` is ``{value as found: label}``
    for every distinct non-blank value (pass it as the label map to
    training); ``notes`` says which other schemes' labels were mapped
    (``FAVOR`` to ``aligned``...), so that no mapping goes unannounced.
    Blank values (not yet annotated) are left out.

    Raises
    ------
    DataError
        Some labels are unknown, or are numbers that ``label_map`` does not
        map (numbers are never guessed); every one is listed with its count,
        with a ``--label-map`` that would map them all (a guess to check).

    Examples
    --------
    >>> mapping, notes = resolve_labels(["FAVOR", "AGAINST", "NONE", "FAVOR"])
    >>> mapping
    {'FAVOR': 'aligned', 'AGAINST': 'opposed', 'NONE': 'neutral'}
    >>> print(notes[0])
    labels mapped: FAVOR -> aligned, AGAINST -> opposed, NONE -> neutral (change with --label-map)
    >>> resolve_labels(["0", "1", "2", "2"], {"2": "aligned"})
    Traceback (most recent call last):
    ...
    stance._errors.DataError: labels in column 'label' that mean nothing yet: '0' (1 rows), '1' (1 rows) (numbers are never guessed); map them with --label-map, e.g. --label-map '2=aligned,0=neutral,1=opposed' (check that this guess is right)
    """
    from collections import Counter

    from ._errors import DataError

    lowered = {str(k).strip().lower(): v for k, v in (label_map or {}).items()}
    counts = Counter()
    found = {}
    for value in values:
        if value is None or (isinstance(value, float) and value != value):
            continue
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        if not text.strip():
            continue
        counts[text] += 1
    mapping, announced, unknown = {}, [], []
    for text in counts:
        key = _key(text)
        if key in lowered:
            mapping[text] = lowered[key]
        elif is_numeric_label(text) or key not in LABEL_ALIASES:
            unknown.append(text)
        else:
            mapping[text] = LABEL_ALIASES[key]
            if key != mapping[text]:
                announced.append(text)
        found[text] = mapping.get(text)
    if unknown:
        numbers = any(is_numeric_label(v) for v in unknown)
        listing = ", ".join(f"{v!r} ({counts[v]} rows)" for v in unknown[:12])
        more = f" and {len(unknown) - 12} more" if len(unknown) > 12 else ""
        raise DataError(
            f"labels in column {column!r} that mean nothing yet: {listing}{more}"
            + (" (numbers are never guessed)" if numbers else "")
            + f"; {label_map_advice(list(counts), label_map)}"
        )
    notes = []
    if announced:
        pairs = ", ".join(f"{v} -> {mapping[v]}" for v in announced)
        notes.append(f"labels mapped: {pairs} (change with --label-map)")
    return mapping, notes
