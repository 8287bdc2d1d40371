"""The three stance labels and the mappings from other annotation schemes."""

__all__ = ["LABELS", "LABEL_ALIASES", "normalize_label", "parse_label_map"]

#: The labels, in the order used for probability columns (alphabetical, as
#: scikit-learn orders ``classes_``).
LABELS = ("aligned", "neutral", "opposed")

#: Label strings of common stance data sets, lower-cased, and the label each
#: one means here. SemEval-2016 uses FAVOR/AGAINST/NONE, IBM Debater PRO/CON
#: (or 1/-1), Perspectrum SUPPORT/UNDERMINE.
LABEL_ALIASES = {
    "aligned": "aligned",
    "favor": "aligned",
    "favour": "aligned",
    "pro": "aligned",
    "support": "aligned",
    "supports": "aligned",
    "for": "aligned",
    "1": "aligned",
    "+1": "aligned",
    "opposed": "opposed",
    "against": "opposed",
    "con": "opposed",
    "undermine": "opposed",
    "undermines": "opposed",
    "-1": "opposed",
    "neutral": "neutral",
    "none": "neutral",
    "no-argument": "neutral",
    "no argument": "neutral",
    "0": "neutral",
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
    >>> normalize_label(-1)
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
