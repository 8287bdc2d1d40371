"""StanceModel, the object users label text with, and the module-level API."""

import threading

# pandas, numpy and the adapters are imported inside the methods that use
# them, so that ``import stance`` stays fast for command-line use. The
# adapters: _frames.py (DataFrames, in chunks, in processes), _dask.py
# (Dask DataFrames) and _documents.py (a document, sentence by sentence).

__all__ = ["StanceModel", "load_model", "predict", "predict_proba", "analyze", "explain"]


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
        return StanceModel(self._estimator, self.metadata, self.path, self._compiled.with_profiles(profiles))

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

    def _reads_target(self, target):
        """Whether a given ``target`` is read as one, not as no target ("***" and "the" are not)."""
        if self._compiled is not None:
            return self._compiled.featuriser.reads_target(target)
        # A streaming model reads only the targets it was trained on; one
        # with no word to read is none it could have been trained on.
        from ._targets import wordless

        return not wordless(target, self.profiles)

    def _read_as(self, target):
        """The :class:`~stance.Target` profile ``target`` is read as (its base's for a reversal), or None."""
        if self._compiled is not None:
            return self._compiled.featuriser.read_as(target)[0]
        from ._targets import as_target

        return as_target(target, self.profiles)

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
        from ._head import most_probable
        from ._inputs import as_lists

        return most_probable(self._proba(*as_lists(texts, target)), self.labels).tolist()

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

        from ._inputs import as_lists

        index = texts.index if isinstance(texts, pd.Series) else None
        return pd.DataFrame(self._proba(*as_lists(texts, target)), columns=self.labels, index=index)

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
            ``non-text value``: labelled as its string form, bytes as their
            UTF-8 text; ``truncated``: longer than 100,000 characters,
            labelled from its beginning; ``target without words``: a target
            such as ``"***"`` or ``"the"`` names nothing to read, so the row
            is labelled as with no target; ``non-text target``: a target
            cell that is no string, such as a number or a list, read as its
            string form; two reasons are joined by
            ``"; "``). A new column whose name the input already uses gets a
            numbered suffix, so no input column is ever overwritten.

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
        from ._frames import label_frame

        return label_frame(self, frame, text_column, target_column, target)

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
        from ._frames import label_frames

        return label_frames(self, data, text_column, target_column, target, jobs, chunk_rows)

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
            ``stance`` (the author's: see :func:`~stance._sentences.overall_stance`: aligned,
            opposed, neutral or mixed), ``author`` and ``reported`` (each
            with ``sentences``, ``counts`` and ``stance``) and
            ``mean_probabilities``.

        Examples
        --------
        >>> import stance
        >>> doc = "We firmly support the sanctions. Other ministers said the sanctions must go."
        >>> table = stance.analyze(doc, target="sanctions against Russia")
        >>> table[["start", "end", "voice", "label"]].values.tolist()
        [[0, 32, 'author', 'aligned'], [33, 76, 'reported', 'opposed']]
        >>> summary = table.attrs["summary"]
        >>> summary["stance"], summary["reported"]["stance"]
        ('aligned', 'opposed')
        """
        from ._documents import analyze_document

        return analyze_document(self, document, target)

    def explain(self, text, target=None, top=10):
        """Return the words and phrases that pushed ``text`` to its label.

        Returns
        -------
        pandas.DataFrame
            ``feature``, ``source`` (``shared`` or ``target: <name>``),
            ``weight`` (contribution to the predicted label's score; positive
            pushed toward it) and ``value``; ``df.attrs["label"]`` is the
            label, and ``mentions``, ``side``, ``undone_by`` and ``relevance``
            say how the target was read (see :meth:`StanceClassifier.explain`).

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
