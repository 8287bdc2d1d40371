"""A fitted StanceClassifier as plain arrays, for fast and safe labelling.

A fitted model is its featuriser's arrays (see :mod:`stance._featuriser`),
the SVM's weights and the temperature; :class:`CompiledModel` holds exactly
those and labels with the featuriser and the linear head that the
estimator itself uses, so it re-implements nothing. No scikit-learn, no
scipy, no pickle: it is saved as ``NAME.npz`` beside the model file and read
with ``allow_pickle=False``, so loading it can run no code, and every array
is checked before use.
"""

import numpy as np

from ._featuriser import MAX_WEIGHT, Featuriser, pack_profiles, pack_strings, unpack_strings
from ._head import LinearHeads
from ._targets import merge_profiles

__all__ = ["CompiledModel", "compile_estimator"]

_HEAD = ("classes", "coef", "intercept", "temperature")
_RELEVANCE = ("relevance_coef", "relevance_intercept", "relevance_temperature", "relevance_prior")  # optional


class CompiledModel:
    """A fitted model's arrays, labelling with numpy alone.

    Build one with :meth:`from_estimator`; save and load it with
    :meth:`save` and :meth:`load`.

    Examples
    --------
    >>> from stance import StanceClassifier
    >>> texts = ["We support it.", "We reject it.", "It was signed.", "We back it.", "We oppose it.", "It is on Monday."]
    >>> labels = ["aligned", "opposed", "neutral"] * 2
    >>> estimator = StanceClassifier(calibration_folds=2).fit(texts, labels)
    >>> compiled = CompiledModel.from_estimator(estimator)
    >>> bool(np.allclose(compiled.predict_proba(["We reject this."]), estimator.predict_proba(["We reject this."])))
    True
    """

    def __init__(self, arrays):
        self.featuriser = Featuriser.from_arrays(arrays)  # checks the layout version first
        _check_head(arrays)
        self._arrays = arrays
        self.classes = unpack_strings(arrays["classes"])
        if arrays["coef"].shape != (len(self.classes), self.featuriser.n_features):
            raise ValueError("the weights do not fit the features")
        self.targets = self.featuriser.targets
        self.profiles = self.featuriser.profiles
        relevance = None
        if "relevance_coef" in arrays:
            if arrays["relevance_coef"].shape != (1, self.featuriser.n_features):
                raise ValueError("the relevance weights do not fit the features")
            relevance = tuple(
                arrays[name] if name.endswith(("coef", "intercept")) else float(arrays[name])
                for name in _RELEVANCE
            )
        self._heads = LinearHeads(
            self.classes, arrays["coef"], arrays["intercept"], float(arrays["temperature"]), relevance
        )

    @classmethod
    def from_estimator(cls, estimator):
        """Return the compiled form of a fitted :class:`~stance.StanceClassifier`."""
        arrays = {
            **estimator.vectorizer_.featuriser_.arrays,
            "classes": pack_strings(map(str, estimator.classes_)),
            "coef": np.ascontiguousarray(estimator.coef_, dtype=np.float64),
            "intercept": np.asarray(estimator.intercept_, dtype=np.float64),
            "temperature": np.array(float(estimator.temperature_)),
        }
        if estimator.relevance_svm_ is not None:
            coef, intercept = estimator.relevance_weights_
            arrays["relevance_coef"] = np.ascontiguousarray(coef, dtype=np.float64)
            arrays["relevance_intercept"] = np.asarray(intercept, dtype=np.float64)
            arrays["relevance_temperature"] = np.array(float(estimator.relevance_temperature_))
            arrays["relevance_prior"] = np.array(float(estimator.relevance_prior))
        return cls(arrays)

    @property
    def arrays_(self):
        """The arrays the model is made of (read only: a copy of the mapping, sharing the arrays)."""
        return dict(self._arrays)

    def with_profiles(self, profiles):
        """Return this model with ``profiles`` (Targets) added, over its own of the same names (see merge_profiles)."""
        merged = merge_profiles(self.profiles, {profile.key: profile for profile in profiles})
        return CompiledModel({**self._arrays, "profiles": pack_profiles(merged)})

    def save(self, stream):
        """Write the arrays to a binary stream (or path) in numpy's ``.npz`` format."""
        np.savez_compressed(stream, **self._arrays)

    @classmethod
    def load(cls, source):
        """Read arrays written by :meth:`save`; never unpickles anything.

        Raises
        ------
        ValueError
            The file is not a compiled stance model of a layout this version
            reads, or an array is missing, of the wrong type or shape, or not
            finite.
        """
        with np.load(source, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        try:  # the featuriser checks the layout version first
            model = cls(arrays)
            _check_labels_a_sentence(model)
        except (KeyError, IndexError, TypeError, UnicodeDecodeError, AttributeError) as error:
            raise ValueError(f"damaged compiled model: {type(error).__name__}: {error}") from None
        return model

    def __getstate__(self):
        # Pickled (to send to worker processes) as the arrays alone.
        return self._arrays

    def __setstate__(self, arrays):
        self.__init__(arrays)

    def predict_proba(self, texts, targets=None):
        """Return calibrated probabilities, shape ``(len(texts), n_classes)``.

        ``texts`` is a list of strings; ``targets`` None, or a list as long as
        ``texts`` of target names, :class:`~stance.Target` profiles or None.
        A blank text gets probability 1 for ``neutral`` (if the model has it).
        """
        return self._heads.predict_proba(self.featuriser, texts, targets)


def _check_head(arrays):
    # The head's arrays, checked before anything reads them: a crafted file
    # whose checksums match must still be refused with a clear message.
    for name in _HEAD:
        if name not in arrays:
            raise ValueError(f"damaged compiled model: no {name!r} array")
    classes = unpack_strings(arrays["classes"]) if arrays["classes"].dtype == np.uint8 else []
    if len(classes) < 2 or len(set(classes)) != len(classes):
        raise ValueError("damaged compiled model: it needs at least two distinct labels")
    coef, intercept, temperature = arrays["coef"], arrays["intercept"], arrays["temperature"]
    if coef.dtype != np.float64 or coef.ndim != 2 or intercept.shape != (len(classes),):
        raise ValueError("damaged compiled model: weights of the wrong type or shape")
    if temperature.shape != () or temperature.dtype.kind != "f":
        raise ValueError("damaged compiled model: the temperature is not a number")
    if not (_bounded(coef) and _bounded(intercept)):
        raise ValueError(
            f"damaged compiled model: weights that are not finite numbers of at most {MAX_WEIGHT:g}"
        )
    if not 1 / MAX_WEIGHT <= float(temperature) <= MAX_WEIGHT:  # NaN fails this too
        raise ValueError("damaged compiled model: the temperature is out of range")
    relevance = [name for name in _RELEVANCE if name in arrays]
    if relevance:
        if len(relevance) != len(_RELEVANCE):
            raise ValueError("damaged compiled model: part of the relevance model is missing")
        coef, intercept, temperature, prior = (arrays[name] for name in _RELEVANCE)
        if coef.dtype != np.float64 or coef.ndim != 2 or intercept.shape != (1,):
            raise ValueError("damaged compiled model: relevance weights of the wrong type or shape")
        if (
            temperature.shape != ()
            or prior.shape != ()
            or "f" != temperature.dtype.kind
            or "f" != prior.dtype.kind
        ):
            raise ValueError("damaged compiled model: relevance temperature or prior is not a number")
        if not (
            _bounded(coef) and _bounded(intercept) and 1 / MAX_WEIGHT <= float(temperature) <= MAX_WEIGHT
        ):
            raise ValueError("damaged compiled model: relevance weights out of range")
        if not 0.001 <= float(prior) <= 0.999:
            raise ValueError("damaged compiled model: the relevance prior is not a probability")


def _bounded(array):
    return (
        array.dtype.kind == "f"
        and bool(np.isfinite(array).all())
        and bool((np.abs(array) <= MAX_WEIGHT).all())
    )


def _check_labels_a_sentence(model):
    # The last check: a sentence gets finite probabilities that sum to 1.
    with np.errstate(all="ignore"):
        proba = model.predict_proba(["We support the plan, but not its costs."], ["the plan"])
    if not (np.isfinite(proba).all() and abs(proba.sum() - 1) < 1e-6):
        raise ValueError("damaged compiled model: it does not give probabilities")


def compile_estimator(estimator):
    """Return the compiled form of ``estimator``, or None if it has none.

    A :class:`~stance.StanceClassifier` compiles; another estimator labels
    through its own methods.
    """
    if not hasattr(estimator, "vectorizer_"):
        return None
    return CompiledModel.from_estimator(estimator)
