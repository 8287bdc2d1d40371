"""Turning (text, target) pairs into the sparse features a linear model reads.

Features come in two halves, as in Daume's "frustratingly easy" domain
adaptation: every word feature appears once in a *shared* block, used for all
targets, and once more in a block of its own target. The classifier then
learns cues that hold for any target ("we condemn", "we welcome") apart from
cues that belong to one target ("tariffs" is a bad word only for free
traders). A target the model never saw, or no target, activates only the
shared half.
"""

import numpy as np

from ._text import normalize_target

# scipy.sparse is imported where it is used: labelling with a compiled model
# (see _compiled.py) needs split_inputs and check_texts, not scipy.

__all__ = ["split_inputs", "check_texts", "TargetBlocks"]


def split_inputs(X):
    """Return ``(texts, targets)`` lists from the inputs an estimator accepts.

    ``X`` is an iterable of strings (no targets), a pandas DataFrame with a
    ``text`` column and optionally a ``target`` column, or a sequence of
    ``(text, target)`` pairs. Targets are normalised (:func:`normalize_target`).

    Raises
    ------
    TypeError
        For a bare string, or a text that is not a string (naming its position).

    Examples
    --------
    >>> split_inputs(["A text.", ("Another", "NATO  Enlargement")])
    (['A text.', 'Another'], [None, 'nato enlargement'])
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
    return texts, [normalize_target(t) for t in targets]


def check_texts(texts):
    """Raise TypeError, naming the first position, unless every text is a string."""
    if all(type(text) is str for text in texts):  # the common case, quickly
        return
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"text at position {position} is {type(text).__name__}, not str")


class TargetBlocks:
    """Copies of feature columns, one block per training target.

    Fitted on the features and targets of the training rows, it keeps only the
    (target, column) pairs that occur in them, so its width grows with the
    training data, not with targets times vocabulary.

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> X = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 0.0]]))
    >>> blocks = TargetBlocks().fit(X, ["a", "b", "a"])
    >>> blocks.transform(X, ["a", "unseen", None]).toarray()
    array([[1., 0.],
           [0., 0.],
           [0., 0.]])
    """

    def fit(self, X, targets):
        self.targets_ = sorted({t for t in targets if t is not None})
        self._index = {t: i for i, t in enumerate(self.targets_)}
        self._width = X.shape[1]
        self.columns_ = np.unique(self._spread(X, targets)[1])
        return self

    def _spread(self, X, targets):
        # Moves each row's entries to its target's block: column c of a row
        # about target t goes to t * width + c. Rows with no known target drop out.
        import scipy.sparse as sp

        X = sp.csr_matrix(X)
        block = np.array([self._index.get(t, -1) for t in targets], dtype=np.int64)
        rows = np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))
        keep = block[rows] >= 0
        columns = block[rows[keep]] * self._width + X.indices[keep]
        return rows[keep], columns, X.data[keep]

    def transform(self, X, targets):
        import scipy.sparse as sp

        rows, columns, data = self._spread(X, targets)
        position = np.searchsorted(self.columns_, columns)
        position = np.minimum(position, max(len(self.columns_) - 1, 0))
        known = (self.columns_[position] == columns) if len(self.columns_) else np.zeros(0, bool)
        return sp.csr_matrix(
            (data[known], (rows[known], position[known])),
            shape=(X.shape[0], len(self.columns_)),
        )

    def column_origin(self, column):
        """Return ``(target, original column)`` of a block column."""
        target_index, original = divmod(int(self.columns_[column]), self._width)
        return self.targets_[target_index], original
