"""StanceModel, the object users label text with, and the module-level API."""

import threading
from collections.abc import Iterable

from ._text import normalize_target, sentence_spans

# pandas and numpy are imported inside the functions that use them, so that
# ``import stance`` stays fast for command-line use.

__all__ = ["StanceModel", "load_model", "predict", "predict_proba", "analyze", "explain"]


def as_frame(texts, target=None):
    """Return a DataFrame with ``text`` and ``target`` columns from API inputs.

    ``texts`` is one string or an iterable of strings; ``target`` is None, one
    string for every text, or a sequence as long as ``texts``.

    Raises
    ------
    TypeError
        ``texts`` is not a string or an iterable (that each text is a string
        is checked once, by the estimator, naming the position of any other).
    ValueError
        ``target`` is a sequence of another length.
    """
    import pandas as pd

    if isinstance(texts, str):
        texts = [texts]
    elif isinstance(texts, pd.DataFrame):
        raise TypeError("texts is a DataFrame; pass one column (df['text']) or use StanceModel.label_frame")
    elif isinstance(texts, pd.Series):
        texts = texts.tolist()
    elif isinstance(texts, Iterable):
        texts = list(texts)
    else:
        raise TypeError(f"texts must be a string or an iterable of strings, not {type(texts).__name__}")
    if target is None or isinstance(target, str):
        targets = [target] * len(texts)
    else:
        targets = list(target)
        if len(targets) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(targets)} targets")
    return pd.DataFrame({"text": texts, "target": targets}, dtype=object)


def overall_stance(labels):
    """Return a document's stance from its sentences' labels.

    ``neutral`` when no sentence takes a side; otherwise the side with more
    sentences; ``mixed`` when both sides have as many.

    Examples
    --------
    >>> overall_stance(["neutral", "aligned", "opposed", "aligned"])
    'aligned'
    >>> overall_stance(["aligned", "opposed"])
    'mixed'
    """
    aligned = sum(label == "aligned" for label in labels)
    opposed = sum(label == "opposed" for label in labels)
    if aligned == opposed:
        return "neutral" if aligned == 0 else "mixed"
    return "aligned" if aligned > opposed else "opposed"


class StanceModel:
    """A fitted stance model with its metadata, labelling text in plain types.

    Get one with :func:`load_model`. Its methods are the module-level
    functions of ``stance``, applied to this model. The scikit-learn estimator
    is ``model.estimator`` (a :class:`StanceClassifier`); use it in pipelines,
    grid searches and cross-validation.

    Parameters
    ----------
    estimator : StanceClassifier
        A fitted estimator.
    metadata : dict, optional
        What was recorded when the model was saved.
    path : Path, optional
        Where the model was loaded from.
    """

    def __init__(self, estimator, metadata=None, path=None):
        self.estimator = estimator
        self.metadata = metadata or {}
        self.path = path

    def __repr__(self):
        where = f" from {self.path}" if self.path else ""
        return f"<StanceModel{where}: {len(self.targets)} targets, labels {', '.join(self.labels)}>"

    @property
    def labels(self):
        """The labels, in the order of :meth:`predict_proba`'s columns."""
        return [str(label) for label in self.estimator.classes_]

    @property
    def targets(self):
        """The normalised targets the model was trained on."""
        return list(self.estimator.targets_)

    def knows_target(self, target):
        """Return whether ``target`` (in any case or spacing) was seen in training."""
        return normalize_target(target) in set(self.estimator.targets_)

    def predict(self, texts, target=None):
        """Return the stance label of each text.

        Parameters
        ----------
        texts : str or iterable of str
        target : str or sequence of str, optional
            One target for all texts, or one per text. None, or a target the
            model never saw, uses the cues shared by all targets.

        Returns
        -------
        list of str
            ``aligned``, ``neutral`` or ``opposed``; a blank text is ``neutral``.

        Examples
        --------
        >>> import stance
        >>> stance.predict("We firmly oppose the new tariffs.", target="tariffs on Chinese imports")
        ['opposed']
        """
        frame = as_frame(texts, target)
        return self.estimator.predict(frame).tolist()

    def predict_proba(self, texts, target=None):
        """Return calibrated label probabilities, one row per text.

        Returns
        -------
        pandas.DataFrame
            One column per label; each row sums to 1.

        Examples
        --------
        >>> import stance
        >>> table = stance.predict_proba(["We welcome the agreement.", "The talks resume today."])
        >>> list(table.columns)
        ['aligned', 'neutral', 'opposed']
        >>> bool((table.sum(axis=1) - 1).abs().max() < 1e-9)
        True
        """
        import pandas as pd

        frame = as_frame(texts, target)
        return pd.DataFrame(self.estimator.predict_proba(frame), columns=self.labels)

    def label_frame(self, frame, text_column="text", target_column=None, target=None):
        """Return a copy of ``frame`` with stance columns added; every row kept, in order.

        Parameters
        ----------
        frame : pandas.DataFrame
        text_column : str, default="text"
        target_column : str, optional
            A column with each row's target.
        target : str, optional
            One target for every row (when there is no ``target_column``).

        Returns
        -------
        pandas.DataFrame
            The input columns, then ``stance_label``, ``stance_p_<label>`` for
            each label, and ``stance_flag``: empty, or why a row is special
            (``blank text``: labelled neutral; ``missing text``: not labelled;
            ``non-text value``: labelled as its string form; ``truncated``:
            longer than 100,000 characters, labelled from its beginning). A new column
            whose name the input already uses gets a numbered suffix, so no
            input column is ever overwritten.

        Examples
        --------
        >>> import pandas as pd, stance
        >>> table = pd.DataFrame({"text": ["We back the plan.", "", None], "label": ["aligned"] * 3})
        >>> out = stance.load_model().label_frame(table)
        >>> out["stance_label"].tolist()[:2], out["stance_flag"].tolist()
        (['aligned', 'neutral'], ['', 'blank text', 'missing text'])
        >>> bool(out["stance_label"].isna()[2])
        True
        """
        import numpy as np

        from ._io import require_columns
        from ._text import is_missing

        require_columns(frame, text_column, target_column)
        values = frame[text_column].tolist()
        missing = [is_missing(value) for value in values]
        texts = [
            "" if gone else value if isinstance(value, str) else str(value)
            for value, gone in zip(values, missing)
        ]
        flags = [_flag(value, gone) for value, gone in zip(values, missing)]
        targets = frame[target_column].tolist() if target_column else target
        proba = self.estimator.predict_proba(as_frame(texts, targets))
        labels = (
            np.array(self.labels, dtype=object)[proba.argmax(axis=1)]
            if len(texts)
            else np.array([], dtype=object)
        )
        gone = np.array(missing, dtype=bool)
        proba[gone] = np.nan
        labels[gone] = None
        out = frame.copy()
        names = ["stance_label", *(f"stance_p_{label}" for label in self.labels), "stance_flag"]
        columns = [labels, *proba.T, flags]
        for name, column in zip(names, columns):
            out[_unused_name(name, out.columns)] = column
        return out

    def label_frames(self, frames, text_column="text", target_column=None, target=None, jobs=1):
        """Label an iterable of DataFrames chunk by chunk, yielding them in order.

        The streaming form of :meth:`label_frame`: memory holds a few chunks,
        never the whole input, and ``jobs`` processes label chunks side by
        side (each gets a copy of the model once).

        Examples
        --------
        >>> import pandas as pd, stance
        >>> chunks = (pd.DataFrame({"text": [f"Sentence {i}."]}) for i in range(3))
        >>> [len(out) for out in stance.load_model().label_frames(chunks)]
        [1, 1, 1]
        """
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {jobs}")
        settings = (text_column, target_column, target)
        if jobs == 1:
            for frame in frames:
                yield self.label_frame(frame, *settings)
            return
        from ._parallel import ordered_map

        yield from ordered_map(_label_chunk, (self, settings), frames, jobs)

    def analyze(self, document, target=None):
        """Split a document into sentences and label each one.

        Parameters
        ----------
        document : str
        target : str, optional

        Returns
        -------
        pandas.DataFrame
            One row per sentence: ``sentence`` (its number), ``start`` and
            ``end`` (character offsets: ``document[start:end]`` is the
            sentence), ``text``, ``label`` and one probability column per
            label. ``df.attrs["summary"]`` holds the document-level summary:
            ``sentences``, ``counts`` per label, ``stance`` (see
            :func:`overall_stance`: aligned, opposed, neutral or mixed) and
            ``mean_probabilities``.

        Examples
        --------
        >>> import stance
        >>> doc = "The minister spoke on Monday. She said the sanctions must stay."
        >>> table = stance.analyze(doc, target="sanctions against Russia")
        >>> table[["start", "end", "label"]].values.tolist()
        [[0, 29, 'neutral'], [30, 63, 'aligned']]
        >>> table.attrs["summary"]["stance"]
        'aligned'
        """
        import numpy as np
        import pandas as pd

        if not isinstance(document, str):
            raise TypeError(f"document is {type(document).__name__}, not str")
        spans = sentence_spans(document)
        sentences = [document[start:end] for start, end in spans]
        proba = self.predict_proba(sentences, target)
        labels = [self.labels[i] for i in np.argmax(proba.to_numpy(), axis=1)] if len(proba) else []
        table = pd.DataFrame(
            {
                "sentence": range(1, len(spans) + 1),
                "start": [start for start, _ in spans],
                "end": [end for _, end in spans],
                "text": sentences,
                "label": labels,
            }
        )
        table = pd.concat([table, proba], axis=1)
        counts = {label: int(sum(lab == label for lab in labels)) for label in self.labels}
        table.attrs["summary"] = {
            "sentences": len(spans),
            "counts": counts,
            "stance": overall_stance(labels),
            "mean_probabilities": {
                label: float(proba[label].mean()) if len(proba) else 0.0 for label in self.labels
            },
        }
        return table

    def explain(self, text, target=None, top=10):
        """Return the words and phrases that pushed ``text`` to its label.

        Returns
        -------
        pandas.DataFrame
            ``feature``, ``source`` (``shared`` or ``target: <name>``),
            ``weight`` (contribution to the predicted label's score; positive
            pushed toward it) and ``value``; ``df.attrs["label"]`` is the label.

        Examples
        --------
        >>> import stance
        >>> why = stance.explain("We categorically reject this treaty.")
        >>> why.attrs["label"]
        'opposed'
        >>> list(why.columns)
        ['feature', 'source', 'weight', 'value']
        """
        return self.estimator.explain(text, target=target, top=top)


def _label_chunk(context, frame):
    model, settings = context
    return model.label_frame(frame, *settings)


def _flag(value, missing):
    from ._text import MAX_TEXT_CHARS

    if missing:
        return "missing text"
    if not isinstance(value, str):
        return "non-text value"
    if not value.strip():
        return "blank text"
    return "truncated" if len(value) > MAX_TEXT_CHARS else ""


def _unused_name(name, taken):
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}_{number}"
    return candidate


_default_model = None
_default_lock = threading.Lock()


def load_model(path=None, trusted=False):
    """Load a model; with no path, the default model shipped with stance.

    Parameters
    ----------
    path : str or Path, optional
        A model file written by ``stance train`` or ``stance export``
        (``NAME.skops`` or ``NAME.joblib``, with ``NAME.json`` beside it).
    trusted : bool, default=False
        Required to load a joblib file other than the shipped model: a
        joblib file is a pickle, and loading one can run code hidden in it.
        ``.skops`` files load safely without it.

    Returns
    -------
    StanceModel

    Raises
    ------
    ModelError
        The file is missing, fails its checksum, is an untrusted joblib
        file, names unexpected types (skops), or is not a stance model.

    Examples
    --------
    >>> import stance
    >>> model = stance.load_model()
    >>> model.labels
    ['aligned', 'neutral', 'opposed']
    """
    from ._persistence import default_model_path, load_estimator

    path = default_model_path() if path is None else path
    estimator, metadata = load_estimator(path, trusted=trusted)
    return StanceModel(estimator, metadata, path)


def default_model():
    """Return the default model, loading it on first use (once, thread-safely)."""
    global _default_model
    with _default_lock:
        if _default_model is None:
            _default_model = load_model()
    return _default_model


def predict(texts, target=None):
    """Label texts with the default model; see :meth:`StanceModel.predict`."""
    return default_model().predict(texts, target)


def predict_proba(texts, target=None):
    """Label probabilities from the default model; see :meth:`StanceModel.predict_proba`."""
    return default_model().predict_proba(texts, target)


def analyze(document, target=None):
    """Label a document sentence by sentence; see :meth:`StanceModel.analyze`."""
    return default_model().analyze(document, target)


def explain(text, target=None, top=10):
    """Explain the default model's label for a text; see :meth:`StanceModel.explain`."""
    return default_model().explain(text, target, top)
