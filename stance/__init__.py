"""stance: label sentences as aligned with, opposed to, or neutral toward a target.

>>> import stance
>>> stance.predict(["We will never accept this agreement."], target="the Paris Agreement")
['opposed']

Importing stance loads no model and imports no heavy library: the default
model is read on the first call that needs it.
"""

from ._errors import DataError, ModelError, StanceError
from ._labels import LABELS
from ._model import StanceModel, analyze, explain, load_model, predict, predict_proba
from ._targets import Target, load_profiles
from ._training import load_corpus
from ._version import __version__

__all__ = [
    "predict",
    "predict_proba",
    "analyze",
    "explain",
    "load_model",
    "load_corpus",
    "StanceModel",
    "Target",
    "load_profiles",
    "StanceVectorizer",
    "StanceClassifier",
    "StreamingStanceClassifier",
    "LABELS",
    "StanceError",
    "DataError",
    "ModelError",
    "__version__",
]


def __getattr__(name):
    # StanceClassifier needs scikit-learn, which takes about a second to
    # import; it is imported when first asked for, not with the package.
    if name == "StanceClassifier":
        from ._estimator import StanceClassifier

        return StanceClassifier
    if name == "StanceVectorizer":
        from ._vectorizer import StanceVectorizer

        return StanceVectorizer
    if name == "StreamingStanceClassifier":
        from ._streaming import StreamingStanceClassifier

        return StreamingStanceClassifier
    raise AttributeError(f"module 'stance' has no attribute {name!r}")
