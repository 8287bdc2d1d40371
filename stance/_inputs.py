"""The inputs estimators accept: texts, with or without their targets."""

from collections.abc import Iterable, Mapping

import numpy as np

from ._text import is_missing

__all__ = ["split_inputs", "split_labelled", "check_texts", "as_lists", "RawTextTags"]


def split_inputs(X):
    """Return ``(texts, targets)`` lists from the inputs an estimator accepts.

    ``X`` is an iterable of strings (no targets), a pandas DataFrame with a
    ``text`` column and optionally a ``target`` column, or a sequence of
    ``(text, target)`` pairs. A target is a string, a :class:`~stance.Target`
    or None, and is returned as it is.

    Raises
    ------
    TypeError
        For a bare string, or a text that is not a string (naming its position).

    Examples
    --------
    >>> split_inputs(["A text.", ("Another", "NATO  Enlargement")])
    (['A text.', 'Another'], [None, 'NATO  Enlargement'])
    """
    if isinstance(X, (str, bytes)):
        raise TypeError("expected an iterable of texts, got a single string; wrap it in a list")
    columns = getattr(X, "columns", None)
    if columns is not None:
        if "text" not in columns:
            raise ValueError(
                f"a DataFrame input needs a 'text' column; it has {', '.join(map(str, columns))}"
            )
        texts = X["text"].tolist()
        targets = X["target"].tolist() if "target" in columns else [None] * len(texts)
    else:
        texts, targets = [], []
        for item in X:
            if isinstance(item, (tuple, list, np.ndarray)) and len(item) == 2:
                texts.append(item[0])
                targets.append(item[1])
            else:
                texts.append(item)
                targets.append(None)
    check_texts(texts)
    return texts, targets


def split_labelled(X, y):
    """Return ``(texts, targets, labels)`` of a training call: :func:`split_inputs` and the labels, checked.

    ``labels`` is ``y`` as an object array (None stays None).

    Raises
    ------
    ValueError
        ``y`` has not one label per text, or its values are not labels of classes.
    """
    from sklearn.utils.multiclass import check_classification_targets

    texts, targets = split_inputs(X)
    if y is not None:
        y = np.asarray(y, dtype=object)
        if len(y) != len(texts):
            raise ValueError(f"X has {len(texts)} texts but y has {len(y)} labels")
        check_classification_targets(y)
    return texts, targets, y


def check_texts(texts):
    """Raise TypeError, naming the first position, unless every text is a string."""
    if all(type(text) is str for text in texts):  # the common case, quickly
        return
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"text at position {position} is {type(text).__name__}, not str")


def as_lists(texts, target=None):
    """Return ``(texts, targets)`` lists from the inputs of :class:`~stance.StanceModel`.

    ``texts`` is one string or an iterable of strings; ``target`` is None, one
    string for every text, or a sequence as long as ``texts``.

    Raises
    ------
    TypeError
        ``texts`` is not a string or an iterable, or one of them is not a
        string (naming its position).
    ValueError
        ``target`` is a sequence of another length.
    """
    from ._targets import Target

    original = texts
    if isinstance(texts, str):
        texts = [texts]
    elif type(texts).__name__ == "DataFrame":
        raise TypeError("texts is a DataFrame; pass one column (df['text']) or use StanceModel.label_frame")
    elif isinstance(texts, Mapping):  # iterating would label its keys
        raise TypeError("texts is a mapping; pass its values (list(texts.values())) or a pandas Series")
    elif isinstance(texts, (set, frozenset)):  # no order: the labels could not be matched to the texts
        raise TypeError("texts is a set, which has no order; pass a list")
    elif isinstance(texts, Iterable):
        texts = list(texts)
    else:
        raise TypeError(f"texts must be a string or an iterable of strings, not {type(texts).__name__}")
    check_texts(texts)
    if target is None or isinstance(target, (str, Target)):
        targets = [target] * len(texts)
    elif not isinstance(target, Iterable) or isinstance(target, (bytes, dict, set, frozenset)):
        raise TypeError(
            f"target must be a string or a stance.Target (one target for every text) or a sequence of them "
            f"(one per text), not {type(target).__name__}: {target!r:.40}"
        )
    else:
        if type(target).__name__ == "Series" and type(original).__name__ == "Series":
            target = _by_index(target, original.index)
        targets = list(target)
        if len(targets) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(targets)} targets")
        if all(type(item) is str for item in targets):  # the common case, quickly
            return texts, targets
        for position, item in enumerate(targets):
            if not (item is None or isinstance(item, (str, Target)) or is_missing(item)):
                raise TypeError(
                    f"target at position {position} is {type(item).__name__}; a target is a string or a stance.Target"
                )
    return texts, targets


def _by_index(target, index):
    # Two Series go together by their index, as pandas' own operations do:
    # the same labels in another order are put in order, other labels refused.
    if target.index.equals(index):
        return target
    if not (target.index.is_unique and index.is_unique and set(target.index) == set(index)):
        raise ValueError("target is a Series whose index is not the index of texts")
    return target.reindex(index)


class RawTextTags:
    """Mixin for the estimators of raw texts: scikit-learn's honest input tags.

    They take strings (or text-target pairs), not a 2-D array of numbers, so
    that scikit-learn's checks do not feed them numbers.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
