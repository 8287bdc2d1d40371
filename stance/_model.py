"""StanceModel, the object users label text with, and the module-level API."""

import threading
from collections.abc import Iterable

from ._sentences import sentence_spans
from ._text import MAX_TEXT_CHARS, is_missing

# pandas and numpy are imported inside the functions that use them, so that
# ``import stance`` stays fast for command-line use.

__all__ = ["StanceModel", "load_model", "predict", "predict_proba", "analyze", "explain"]


def as_lists(texts, target=None):
    """Return ``(texts, targets)`` lists from API inputs.

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
    from ._inputs import check_texts

    if isinstance(texts, str):
        texts = [texts]
    elif type(texts).__name__ == "DataFrame":
        raise TypeError("texts is a DataFrame; pass one column (df['text']) or use StanceModel.label_frame")
    elif isinstance(texts, Iterable):
        texts = list(texts)
    else:
        raise TypeError(f"texts must be a string or an iterable of strings, not {type(texts).__name__}")
    from ._targets import Target

    check_texts(texts)
    if target is None or isinstance(target, (str, Target)):
        targets = [target] * len(texts)
    elif not isinstance(target, Iterable) or isinstance(target, (bytes, dict, set, frozenset)):
        raise TypeError(
            f"target must be a string or a stance.Target (one target for every text) or a sequence of them "
            f"(one per text), not {type(target).__name__}: {target!r:.40}"
        )
    else:
        targets = list(target)
        if len(targets) != len(texts):
            raise ValueError(f"got {len(texts)} texts but {len(targets)} targets")
        for position, item in enumerate(targets):
            if not (item is None or isinstance(item, (str, Target)) or is_missing(item)):
                raise TypeError(
                    f"target at position {position} is {type(item).__name__}; a target is a string or a stance.Target"
                )
    return texts, targets


def check_count(name, value):
    """Raise ValueError unless ``value`` is a whole number (not a bool) of at least 1."""
    import numbers

    if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1):
        raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")


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
    grid searches and cross-validation. Labelling goes through the model's
    compiled form (:class:`~stance._compiled.CompiledModel`: the same
    probabilities from numpy arrays, several times faster), which is why a
    loaded model labels text before scikit-learn is even imported.

    Parameters
    ----------
    estimator : StanceClassifier or callable
        A fitted estimator, or a function of no arguments that returns one,
        called on first use of :attr:`estimator` (when ``compiled`` is given).
    metadata : dict, optional
        What was recorded when the model was saved.
    path : Path, optional
        Where the model was loaded from.
    compiled : CompiledModel, optional
        The estimator's compiled form; made from the estimator when not
        given (if it is a :class:`StanceClassifier`).
    """

    def __init__(self, estimator, metadata=None, path=None, compiled=None):
        self._estimator = estimator
        self.metadata = metadata or {}
        self.path = path
        if compiled is None:
            from ._compiled import compile_estimator

            compiled = compile_estimator(self.estimator)
        self._compiled = compiled

    def __repr__(self):
        where = f" from {self.path}" if self.path else ""
        return f"<StanceModel{where}: {len(self.targets)} targets, labels {', '.join(self.labels)}>"

    @property
    def estimator(self):
        """The scikit-learn estimator (read from the model file on first use)."""
        if not hasattr(self._estimator, "predict_proba"):
            with _estimator_lock:
                if not hasattr(self._estimator, "predict_proba"):
                    self._estimator = self._estimator()
        return self._estimator

    @property
    def labels(self):
        """The labels, in the order of :meth:`predict_proba`'s columns."""
        if self._compiled is not None:
            return list(self._compiled.classes)
        return [str(label) for label in self.estimator.classes_]

    @property
    def targets(self):
        """The normalised targets the model was trained on."""
        if self._compiled is not None:
            return list(self._compiled.targets)
        return list(self.estimator.targets_)

    def with_profiles(self, profiles):
        """Return this model with more target profiles: ``{name: Target}`` or an iterable of Targets.

        A text whose target is named by one of them (in any case or
        spacing) is labelled with that profile, over the model's own.

        Examples
        --------
        >>> import stance
        >>> mine = stance.Target("the widget levy", opponents=("the widget lobby",))
        >>> stance.load_model().with_profiles([mine]).profiles["the widget levy"] == mine
        True
        """

        from ._targets import Target

        if isinstance(profiles, dict):
            profiles = profiles.values()
        profiles = list(profiles)
        if not all(isinstance(profile, Target) for profile in profiles):
            raise TypeError("profiles must be stance.Target objects")
        if self._compiled is None:
            from ._errors import ModelError

            raise ModelError("this model has no compiled form to add profiles to")
        from ._compiled import CompiledModel
        from ._featuriser import pack_profiles

        merged = {**self._compiled.profiles, **{profile.key: profile for profile in profiles}}
        arrays = {**self._compiled.arrays_, "profiles": pack_profiles(merged)}
        return StanceModel(self._estimator, self.metadata, self.path, compiled=CompiledModel(arrays))

    def knows_target(self, target):
        """Return whether ``target`` (in any case or spacing, or a Target of that name) was seen in training."""
        from ._targets import as_target

        target = as_target(target)
        return target is not None and target.key in set(self.targets)

    @property
    def profiles(self):
        """The target profiles the model was trained with, ``{normalised name: Target}``.

        A target given by one of these names gets its profile (aliases,
        allies and opponents); a :class:`~stance.Target` given explicitly
        replaces it.
        """
        if self._compiled is not None:
            return dict(self._compiled.profiles)
        vectorizer = getattr(self.estimator, "vectorizer_", None)  # a streaming model has none
        return dict(vectorizer.featuriser_.profiles) if vectorizer is not None else {}

    def _proba(self, texts, targets):
        """Probabilities of checked ``texts`` (a list) as a numpy array."""
        if self._compiled is not None:
            return self._compiled.predict_proba(texts, targets)
        return self.estimator.predict_proba(list(zip(texts, targets)))

    def predict(self, texts, target=None):
        """Return the stance label of each text.

        Parameters
        ----------
        texts : str or iterable of str
        target : str, Target or sequence of them, optional
            One target for all texts, or one per text. A target the model
            never saw is read through its name and profile; with None, the
            label is the text's attitude alone.

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
        texts, targets = as_lists(texts, target)
        proba = self._proba(texts, targets)
        labels = self.labels
        return [labels[i] for i in proba.argmax(axis=1)] if len(texts) else []

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

        index = texts.index if isinstance(texts, pd.Series) else None
        texts, targets = as_lists(texts, target)
        return pd.DataFrame(self._proba(texts, targets), columns=self.labels, index=index)

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
        from ._io import require_columns

        require_columns(frame, text_column, target_column)
        targets = frame[target_column].tolist() if target_column else target
        return _attach(frame, self._stance_columns(frame[text_column].tolist(), targets))

    def _stance_columns(self, values, targets):
        """Return the stance columns for a text column's values, ``{name: column}``."""
        import numpy as np

        if all(type(value) is str for value in values):  # the common case, in one pass
            missing = [False] * len(values)
            texts = values
            flags = [_string_flag(value) for value in values]
        else:
            missing = [is_missing(value) for value in values]
            texts = [
                "" if gone else value if isinstance(value, str) else str(value)
                for value, gone in zip(values, missing)
            ]
            flags = [_flag(value, gone) for value, gone in zip(values, missing)]
        if targets is not None and not isinstance(targets, str):
            # A table's target cells are names: a number or a list read from
            # a file is taken by its string form, as a text cell is.
            from ._targets import Target

            targets = [
                t if t is None or isinstance(t, (str, Target)) or is_missing(t) else str(t) for t in targets
            ]
        proba = self._proba(*as_lists(texts, targets))
        labels = (
            np.array(self.labels, dtype=object)[proba.argmax(axis=1)]
            if len(texts)
            else np.array([], dtype=object)
        )
        gone = np.array(missing, dtype=bool)
        proba[gone] = np.nan
        labels[gone] = None
        names = ["stance_label", *(f"stance_p_{label}" for label in self.labels), "stance_flag"]
        return dict(zip(names, [labels, *proba.T, flags]))

    def label_frames(
        self, data, text_column="text", target_column=None, target=None, jobs=1, chunk_rows=10_000
    ):
        """Label rows chunk by chunk, yielding labelled DataFrames in order.

        The streaming form of :meth:`label_frame`: memory holds a few chunks,
        never the whole input, and ``jobs`` processes label chunks side by
        side (each gets a copy of the model once). Every row comes out, in
        input order.

        Parameters
        ----------
        data : iterable of pandas.DataFrame, pandas.DataFrame, or iterable of str
            Chunks of rows (as :func:`pandas.read_csv` with ``chunksize``
            gives them); one DataFrame, labelled ``chunk_rows`` rows at a
            time; or texts (a list, a generator, a file's lines), which come
            out as DataFrames with a ``text`` column.
        text_column, target_column, target
            As in :meth:`label_frame`.
        jobs : int, default=1
            Processes to label in.
        chunk_rows : int, default=10000
            Rows per chunk, when ``data`` is one DataFrame or texts.

        Examples
        --------
        >>> import pandas as pd, stance
        >>> chunks = (pd.DataFrame({"text": [f"Sentence {i}."]}) for i in range(3))
        >>> [len(out) for out in stance.load_model().label_frames(chunks)]
        [1, 1, 1]
        >>> lines = iter(["We back the plan.", "We reject it.", "It is on Monday."])
        >>> [out["stance_label"].tolist() for out in stance.load_model().label_frames(lines, chunk_rows=2)]
        [['aligned', 'opposed'], ['neutral']]
        """
        for name, value in (("jobs", jobs), ("chunk_rows", chunk_rows)):
            check_count(name, value)
        frames = _chunks(data, chunk_rows)
        if jobs == 1:
            for frame in frames:
                yield self.label_frame(frame, text_column, target_column, target)
            return
        from collections import deque

        from ._io import require_columns
        from ._parallel import ordered_map

        # Workers get the text and target values and send back the new
        # columns: half the data to pass between processes that whole
        # frames would be. The frames wait here, in order, meanwhile.
        waiting = deque()

        def work():
            for frame in frames:
                require_columns(frame, text_column, target_column)
                waiting.append(frame)
                yield frame[text_column].tolist(), frame[target_column].tolist() if target_column else target

        for columns in ordered_map(_stance_columns, self, work(), jobs):
            yield _attach(waiting.popleft(), columns)

    def label_dask_frame(self, frame, text_column="text", target_column=None, target=None):
        """Label a Dask DataFrame lazily, partition by partition; every row kept, in order.

        The cluster form of :meth:`label_frame`, for data larger than one
        machine: each partition is labelled as :meth:`label_frame` labels a
        pandas DataFrame, with the same labels, probabilities and flags. The
        model travels to the cluster once, as one node of the task graph
        (scattered to a worker now when a ``distributed`` client is in use),
        so workers need the ``stance`` package but no model file. Needs the
        ``dask`` extra: ``pip install 'stance[dask]'``.

        Parameters
        ----------
        frame : dask.dataframe.DataFrame
        text_column, target_column, target
            As in :meth:`label_frame`.

        Returns
        -------
        dask.dataframe.DataFrame
            Lazy; the columns of :meth:`label_frame`'s result. Compute it, or
            write it with ``.to_parquet(...)``.

        Raises
        ------
        MissingDependencyError
            dask is not installed (a :class:`StanceError` and an ImportError).
        UsageError
            ``text_column`` or ``target_column`` is not in ``frame``.

        Examples
        --------
        >>> import dask.dataframe as dd, pandas as pd, stance
        >>> rows = pd.DataFrame({"text": ["We back the plan.", "", "We reject the plan."]})
        >>> labelled = stance.load_model().label_dask_frame(dd.from_pandas(rows, npartitions=2))
        >>> labelled.compute()["stance_label"].tolist()
        ['aligned', 'neutral', 'opposed']
        """
        from ._dask import label_dask_frame

        return label_dask_frame(self, frame, text_column, target_column, target)

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
            sentence), ``voice`` (``author``, or ``reported`` for what the
            document reports others to have said), ``speaker`` (a meeting
            record's speaker label, else empty), ``text``, ``label`` and one
            probability column per label. ``df.attrs["summary"]`` holds the
            document-level summary: ``sentences``, ``counts`` per label,
            ``stance`` (the author's: see :func:`overall_stance`: aligned,
            opposed, neutral or mixed), ``author`` and ``reported`` (each
            with ``sentences``, ``counts`` and ``stance``) and
            ``mean_probabilities``.

        Examples
        --------
        >>> import stance
        >>> doc = "We firmly support the sanctions. Some delegations said the sanctions must go."
        >>> table = stance.analyze(doc, target="sanctions against Russia")
        >>> table[["start", "end", "voice", "label"]].values.tolist()
        [[0, 32, 'author', 'aligned'], [33, 77, 'reported', 'opposed']]
        >>> summary = table.attrs["summary"]
        >>> summary["stance"], summary["reported"]["stance"]
        ('aligned', 'opposed')
        """
        import numpy as np
        import pandas as pd

        if not isinstance(document, str):
            raise TypeError(f"document is {type(document).__name__}, not str")
        from ._sentences import summarize, voices

        spans = sentence_spans(document)
        sentences = [document[start:end] for start, end in spans]
        proba = self.predict_proba(sentences, target)
        labels = [self.labels[i] for i in np.argmax(proba.to_numpy(), axis=1)] if len(proba) else []
        who = voices(document, spans)
        table = pd.DataFrame(
            {
                "sentence": range(1, len(spans) + 1),
                "start": [start for start, _ in spans],
                "end": [end for _, end in spans],
                "voice": [v for v, _ in who],
                "speaker": [speaker for _, speaker in who],
                "text": sentences,
                "label": labels,
            }
        )
        table = pd.concat([table, proba], axis=1)
        summary = summarize(labels, table["voice"], self.labels)
        summary["mean_probabilities"] = {
            label: float(proba[label].mean()) if len(proba) else 0.0 for label in self.labels
        }
        table.attrs["summary"] = summary
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


# Reading an estimator happens once per model; one lock for all models keeps
# two threads from reading the same one twice.
_estimator_lock = threading.Lock()


def _chunks(data, chunk_rows):
    """Yield DataFrames from what :meth:`StanceModel.label_frames` accepts."""
    import itertools

    import pandas as pd

    if isinstance(data, str):
        raise TypeError(
            "expected chunks of rows or an iterable of texts, got a single string; wrap it in a list"
        )
    if isinstance(data, pd.DataFrame):
        for start in range(0, len(data), chunk_rows):
            yield data.iloc[start : start + chunk_rows]
        return
    items = iter(data)
    for first in items:
        if isinstance(first, pd.DataFrame):
            yield first
            yield from items
            return
        # Texts: gathered into DataFrames of chunk_rows rows.
        rest = itertools.islice(items, chunk_rows - 1)
        yield pd.DataFrame({"text": [first, *rest]}, dtype=object)


def _stance_columns(model, values_and_targets):
    return model._stance_columns(*values_and_targets)


def _attach(frame, columns):
    # A new column whose name the input already uses gets a numbered suffix.
    out = frame.copy()
    for name, column in columns.items():
        out[_unused_name(name, out.columns)] = column
    return out


def _flag(value, missing):
    if missing:
        return "missing text"
    if not isinstance(value, str):
        return "non-text value"
    return _string_flag(value)


def _string_flag(text):
    if not text or text.isspace():
        return "blank text"
    return "truncated" if len(text) > MAX_TEXT_CHARS else ""


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
    from ._persistence import default_model_path, load_model_files

    path = default_model_path() if path is None else path
    compiled, estimator, metadata = load_model_files(path, trusted=trusted)
    return StanceModel(estimator, metadata, path, compiled=compiled)


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
