"""Saving and loading models: the artifact, its metadata and its model card.

A model is four files side by side: the fitted estimator (``NAME.joblib`` or
``NAME.skops``), its compiled form ``NAME.npz`` (the arrays that labelling
needs, see :mod:`stance._compiled`), ``NAME.json`` (metadata: versions,
training data, hyperparameters, metrics, and the SHA-256 of both model
files) and ``NAME.md`` (the model card). Loading checks the checksums before
reading anything, so a truncated, corrupted or altered file is refused with a
clear message. Labelling reads only the compiled form; the estimator is read
when first asked for (``model.estimator``: to explain, export or retrain).

Security. A joblib file is a pickle, and unpickling can run any code the file
carries; the checksum detects damage, not a malicious author who rewrites
both files. So a joblib file loads only if it is the model shipped inside
this package, or if the caller says it trusts the file (``trusted=True``).
A ``.skops`` file is safe to share: before anything is built, the types it
names are checked against :data:`SKOPS_ALLOWED_TYPES`, an allow-list fixed
here (stance's own types and the few scikit-learn helpers a StanceClassifier
holds; skops itself trusts plain numpy, scipy and scikit-learn types), and a
file naming any other type is refused.
"""

import hashlib
import io
import json
import os
import platform
import warnings
from datetime import datetime, timezone
from functools import partial
from importlib import metadata as importlib_metadata
from pathlib import Path

from ._card import render_card
from ._errors import ModelError
from ._files import atomic_write, check_output_path, check_zip, read_regular, replace_together
from ._version import __version__

__all__ = [
    "DEFAULT_MODEL_NAME",
    "default_model_path",
    "dependency_versions",
    "save_model",
    "load_estimator",
    "load_model_files",
    "read_metadata",
    "sha256_file",
    "atomic_write",
]

#: The shipped model's file name: the model version is part of it.
DEFAULT_MODEL_NAME = "stance-v7.joblib"
FORMAT = "stance-model"
FORMAT_VERSION = 1
_DEPENDENCIES = ("scikit-learn", "numpy", "scipy", "pandas", "joblib", "nltk")


#: Types a ``.skops`` model may name beyond those skops trusts by default.
SKOPS_ALLOWED_TYPES = frozenset(
    {
        "scipy.sparse._csr.csr_matrix",
        "sklearn.svm._classes.LinearSVC",
        "stance._estimator.StanceClassifier",
        "stance._featuriser.Featuriser",
        "stance._featuriser.HashingFeaturiser",
        "stance._streaming.StreamingStanceClassifier",
        "stance._vectorizer.StanceVectorizer",
    }
)
#: What the hashers of a streaming model saved by stance 1.2 or earlier name; this
#: version hashes features into other columns, so such a model must be retrained.
_OLD_STREAMING_ANALYSER = "stance._text.word_features"
_OLD_STREAMING = (
    "{path} is a streaming model saved by stance 1.2 or earlier, whose hashed columns this version "
    "does not compute; retrain it (stance train --streaming)"
)
#: Model file formats, by suffix; any other suffix is read as joblib.
SKOPS_SUFFIX = ".skops"

#: The largest model file (estimator or compiled form) stance reads.
MAX_MODEL_BYTES = 1 << 30
#: The largest metadata file stance reads (the shipped model's is 42 KB).
MAX_METADATA_BYTES = 16 << 20
#: The most a zipped model file (.skops, .npz) may unpack to: 64 MB plus 200
#: times its size (real models unpack to 2-3 times theirs), at most 2 GB.
MAX_UNPACK_RATIO = 200


def unpack_limit(packed_bytes):
    """Return the most a zipped model file of ``packed_bytes`` may unpack to."""
    return min(2 << 30, (64 << 20) + MAX_UNPACK_RATIO * packed_bytes)


class ModelVersionWarning(UserWarning):
    """The model was saved with other versions of its dependencies."""


def default_model_path():
    """Return the path of the shipped model.

    After ``pip install`` it lies in the package (``stance/_models``); in a
    source checkout it lies in the repository's ``models/`` folder.
    """
    package = Path(__file__).resolve().parent
    for folder in (package / "_models", package.parent / "models"):
        if (folder / DEFAULT_MODEL_NAME).is_file():
            return folder / DEFAULT_MODEL_NAME
    raise ModelError(
        f"the default model {DEFAULT_MODEL_NAME} is missing from this installation; "
        "reinstall stance, or train one with 'stance train --output PATH' and load it with load_model(PATH)"
    )


def dependency_versions():
    """Return the installed versions of Python and the model's dependencies."""
    versions = {"python": platform.python_version(), "stance": __version__}
    for name in _DEPENDENCIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def sha256_file(path):
    """Return the hex SHA-256 of a regular file's bytes (a pipe's would be those left unread)."""
    import os
    import stat

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise ModelError(f"{path} is not a regular file: it has no checksum to record")
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


MODEL_SUFFIXES = (SKOPS_SUFFIX, ".joblib")


def check_model_path(path):
    """Raise :class:`ModelError` unless ``path`` can receive a model file.

    Its name must fit (:func:`check_model_name`), and the model file and the
    files beside it (metadata, card, compiled form) must each be a regular
    file or not exist yet, in a folder that exists (:func:`check_model_files`).
    """
    check_model_name(path)
    check_model_files(path)


def check_model_files(path):
    """Raise :class:`ModelError` unless each file of a model at ``path`` is a regular file or not there yet.

    A symbolic link is refused: writing through it would replace one file
    of the model it points to and leave that model's other files (its
    checksums) behind, so that it no longer loads.
    """
    for sibling in sibling_paths(path):
        check_output_path(sibling, error=ModelError, special=False)
        if sibling.is_symlink():
            raise ModelError(
                f"{sibling} is a symbolic link (to {os.readlink(sibling)}); a model is written as a set of "
                f"files, so give the path of the model itself, or remove the link"
            )


def check_model_name(path):
    """Raise :class:`ModelError` unless ``path`` is a model file's name: ``.skops`` or ``.joblib``.

    A model file of the other format beside it (``NAME.skops`` when writing
    ``NAME.joblib``) would lose its metadata, so that name is refused too.
    """
    path = Path(path)
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise ModelError(f"a model file must end in .skops (safe to share) or .joblib, not {path.name!r}")
    for suffix in MODEL_SUFFIXES:
        other = path.with_suffix(suffix)
        if suffix != path.suffix.lower() and other.exists():
            raise ModelError(
                f"{other} exists and {path.name} would share its metadata and card "
                f"({path.with_suffix('.json').name}, {path.with_suffix('.md').name}), leaving {other.name} "
                f"unloadable; choose another name, e.g. {path.stem}-{suffix[1:]}{path.suffix}"
            )


def sibling_paths(path):
    """Return the ``(model, metadata, card, compiled)`` paths of a model file."""
    path = Path(path)
    return path, path.with_suffix(".json"), path.with_suffix(".md"), path.with_suffix(".npz")


def save_model(estimator, path, metadata, overwrite=False):
    """Write ``estimator`` to ``path`` with its metadata and model card.

    Parameters
    ----------
    estimator : StanceClassifier
        A fitted model.
    path : str or Path
        The model file: ``.skops`` for the safe format, ``.joblib`` for joblib. The metadata and the card
        are written next to it with the suffixes ``.json`` and ``.md``.
    metadata : dict
        What to record; the format, versions and checksum are added here.
    overwrite : bool, default=False
        Replace an existing model; otherwise refuse.

    Returns
    -------
    dict
        The metadata as written.
    """
    import joblib

    model_path, metadata_path, card_path, compiled_path = sibling_paths(path)
    check_model_path(model_path)
    existing = [p for p in sibling_paths(path) if p.exists()]
    if existing and not overwrite:
        raise ModelError(f"{existing[0]} exists; pass --force (overwrite=True) to replace it")
    buffer = io.BytesIO()
    if model_path.suffix.lower() == SKOPS_SUFFIX:
        import zipfile

        import skops.io

        skops.io.dump(estimator, buffer, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    else:
        joblib.dump(estimator, buffer, compress=3)
    files = {model_path: buffer.getvalue()}
    from ._compiled import compile_estimator

    compiled = compile_estimator(estimator)
    if compiled is not None:
        buffer = io.BytesIO()
        compiled.save(buffer)
        files[compiled_path] = buffer.getvalue()

    def describe(path):
        data = files[path]
        return {"file": path.name, "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}

    record = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": dependency_versions(),
        **metadata,
        "artifact": describe(model_path),
    }
    if compiled_path in files:
        record["compiled"] = describe(compiled_path)
    elif compiled_path.exists():
        files[compiled_path] = None  # an old model's compiled form: removed
    files[metadata_path] = (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    files[card_path] = _card(record, model_path)
    # A model is its set of files: every new file is complete on disk before
    # any old one is replaced, and a failure while replacing puts the old
    # ones back (a full disk, an interrupt), so they are all new or all old.
    try:
        replace_together(files)
    except OSError as error:
        raise ModelError(f"cannot write {model_path}: {error.strerror or error}") from None
    return record


def _card(record, path):
    # A model's card is rendered from its metadata, which a copied (exported)
    # model brings from a file that may have been edited or crafted.
    try:
        return render_card(record).encode("utf-8")
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as error:
        raise ModelError(
            f"cannot write the card of {Path(path).name}: its metadata is malformed "
            f"({type(error).__name__}: {error})"
        ) from None


def update_metadata(path, **sections):
    """Add ``sections`` to a saved model's metadata and render its card again, both or neither.

    For measurements taken after training, such as ``benchmarks/realtext.py
    --record``; the model's own files and their checksums are untouched.
    """
    _, metadata_path, card_path, _ = sibling_paths(Path(path))
    record = {**read_metadata(path), **sections}
    files = {
        metadata_path: (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        card_path: _card(record, path),
    }
    try:
        replace_together(files)
    except OSError as error:
        raise ModelError(f"cannot write {metadata_path}: {error.strerror or error}") from None
    return record


#: The sections of the metadata and the JSON types they must have when present.
_SECTIONS = {
    "format_version": int,
    "name": str,
    "model_version": str,
    "created": str,
    "recipe": str,
    "versions": dict,
    "training": dict,
    "training_data": dict,
    "metrics": dict,
    "streaming": dict,
    "targets": list,
    "labels": list,
    "compiled": dict,
    "exported_from": dict,
    "hyperparameters": dict,
    "options": dict,
    "real_text": dict,
    "throughput": dict,
    "with_corpus": dict,
}
#: How deep the metadata's JSON may nest (the shipped model's nests 5 deep).
MAX_METADATA_DEPTH = 32


def _depth(text):
    """Return how deep the JSON ``text`` nests, counting brackets outside strings (no recursion)."""
    import re

    depth = deepest = 0
    for token in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        char = token.group()
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def read_metadata(path):
    """Return the metadata recorded next to the model file ``path``.

    The file must be a regular file of at most :data:`MAX_METADATA_BYTES`,
    JSON nested at most :data:`MAX_METADATA_DEPTH` deep, with the sections
    stance reads of the types it reads them as; anything else is refused
    with a :class:`ModelError`.
    """
    metadata_path = sibling_paths(path)[1]
    if not metadata_path.exists() and not metadata_path.is_symlink():
        raise ModelError(
            f"no metadata file {metadata_path} next to the model; stance saves a model as "
            "NAME.joblib with NAME.json beside it"
        )
    data = read_regular(metadata_path, MAX_METADATA_BYTES, ModelError, "model's metadata")
    try:
        text = data.decode("utf-8")
        if _depth(text) > MAX_METADATA_DEPTH:
            raise ValueError(f"it nests more than {MAX_METADATA_DEPTH} levels deep")
        record = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        # ValueError: invalid JSON, or an integer of thousands of digits.
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise ModelError(f"cannot read model metadata {metadata_path}: {message}") from None
    if (
        not isinstance(record, dict)
        or record.get("format") != FORMAT
        or not isinstance(record.get("artifact"), dict)
    ):
        raise ModelError(f"{metadata_path} is not the metadata of a stance model")
    problems = [
        f"{name!r} is a {type(record[name]).__name__}, not a {kind.__name__}"
        for name, kind in _SECTIONS.items()
        if name in record and record[name] is not None and not isinstance(record[name], kind)
    ]
    for name in ("artifact", "compiled"):
        entry = record.get(name)
        if isinstance(entry, dict) and not isinstance(entry.get("sha256"), str):
            problems.append(f"{name!r} has no sha256")
    if problems:
        raise ModelError(f"{metadata_path} is not the metadata of a stance model: {'; '.join(problems)}")
    return record


def _shipped_sha256():
    """The SHA-256 of the shipped model file, from its metadata (None if it is missing)."""
    try:
        return read_metadata(default_model_path())["artifact"]["sha256"]
    except ModelError:
        return None


def _check_trusted(trusted):
    if trusted is not True and trusted is not False:
        raise TypeError(f"trusted must be True or False, not {trusted!r}")


def _load_skops(path, data):
    import skops.io

    check_zip(data, unpack_limit(len(data)), path, ModelError)
    try:
        named = set(skops.io.get_untrusted_types(data=data))
    except Exception as error:  # a damaged archive can raise many things
        raise ModelError(f"cannot read {path} as a skops file: {type(error).__name__}: {error}") from None
    unexpected = sorted(named - SKOPS_ALLOWED_TYPES)
    if _OLD_STREAMING_ANALYSER in unexpected:
        raise ModelError(_OLD_STREAMING.format(path=path))
    if unexpected:
        raise ModelError(
            f"{path} names types that a stance model never holds ({', '.join(unexpected[:5])}); "
            "refusing to load it"
        )
    try:
        return skops.io.loads(data, trusted=sorted(named))
    except Exception as error:
        raise ModelError(f"cannot load {path}: {type(error).__name__}: {error}") from None


def _load_joblib(path, data):
    import joblib

    try:
        # The bytes whose checksum was verified, never the path again:
        # the file may have been swapped since.
        return joblib.load(io.BytesIO(data))
    except Exception as error:  # an unpickling failure can raise anything
        if isinstance(error, AttributeError) and _OLD_STREAMING_ANALYSER.rpartition(".")[2] in str(error):
            raise ModelError(_OLD_STREAMING.format(path=path)) from None
        raise ModelError(f"cannot load {path}: {type(error).__name__}: {error}") from None


def _open_record(path, trusted):
    """Return ``(metadata, bytes)`` of the model file ``path`` once it may be read at all.

    That is: the file is a regular file, matches its checksum, and is either
    safe to read (skops) or trusted (joblib): ``trusted`` is True, or its
    bytes are the shipped model's. Trust is decided on the bytes read, which
    are the bytes later loaded, not on the path (which may change meanwhile).
    """
    _check_trusted(trusted)
    if path.is_dir():
        raise ModelError(f"{path} is a folder; give the path of a model file")
    if not path.exists():
        raise ModelError(f"model file {path} does not exist")
    record = read_metadata(path)
    data = _verify(path, record.get("artifact"))
    if path.suffix.lower() != SKOPS_SUFFIX and trusted is not True:
        if hashlib.sha256(data).hexdigest() != _shipped_sha256():
            raise ModelError(
                f"{path} is a joblib (pickle) file, and loading one can run code hidden in it; load it only "
                "if you trust its source, with load_model(path, trusted=True) or --trust-model, or ask for "
                "a .skops file (stance export --format skops), which loads safely"
            )
    return record, data


def _verify(path, entry):
    """Return the bytes of ``path`` if their checksum is the one recorded in ``entry``."""
    if not path.exists() and not path.is_symlink():
        raise ModelError(f"{path} is missing; its metadata lists it as part of the model")
    data = read_regular(path, MAX_MODEL_BYTES, ModelError, "model file")
    if not isinstance(entry, dict) or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise ModelError(
            f"{path} does not match the checksum in its metadata: the file is truncated, "
            "corrupted or was changed after it was saved; refusing to load it"
        )
    return data


def _read_estimator(path, record, data=None):
    """Load the estimator from ``data`` (the verified bytes of ``path``), read and verified now if None."""
    from ._estimator import StanceClassifier
    from ._streaming import StreamingStanceClassifier

    if data is None:  # read later than its metadata: the file may have changed since
        data = _verify(path, record.get("artifact"))
    saved = record.get("versions", {}).get("scikit-learn")
    installed = dependency_versions()["scikit-learn"]
    if saved != installed:
        warnings.warn(
            f"{path.name} was saved with scikit-learn {saved} and this is {installed}; "
            "its estimator may behave differently or fail to load. Retrain it with 'stance train' to be safe.",
            ModelVersionWarning,
            stacklevel=4,
        )
    with warnings.catch_warnings():
        # scikit-learn warns about a version mismatch too, once per estimator
        # inside, whichever format rebuilds it; ours (above) says what to do.
        warnings.filterwarnings("ignore", message=".*Trying to unpickle estimator")
        estimator = (
            _load_skops(path, data) if path.suffix.lower() == SKOPS_SUFFIX else _load_joblib(path, data)
        )
    if not isinstance(estimator, (StanceClassifier, StreamingStanceClassifier)):
        raise ModelError(f"{path} holds a {type(estimator).__name__}, not a stance model")
    _check_estimator(path, estimator)
    return estimator


def _check_estimator(path, estimator):
    """Refuse an estimator whose attributes are damaged: it must label a sentence, with finite probabilities.

    A crafted file can hold a stance type whose attributes have other types
    or shapes than fitting gives them; that fails here, once, with one line,
    rather than later in whatever uses it.
    """
    import numpy as np

    from ._labels import LABELS

    try:
        classes = [str(label) for label in estimator.classes_]
        proba = np.asarray(estimator.predict_proba([("We support the plan.", None), ("", "x")]))
        problem = None
        targets = getattr(estimator, "targets_", [])
        if not classes or len(set(classes)) != len(classes) or not set(classes) <= set(LABELS):
            problem = f"its labels are {classes}"
        elif not isinstance(targets, (list, tuple, np.ndarray)) or not all(
            isinstance(t, str) for t in targets
        ):
            problem = "its targets are not a list of strings"
        elif proba.shape != (2, len(classes)) or not np.isfinite(proba).all():
            problem = "it gives no valid probabilities"
        elif not np.allclose(proba.sum(axis=1), 1):
            problem = "its probabilities do not sum to 1"
    except Exception as error:  # any attribute of any type may be wrong
        problem = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    if problem:
        raise ModelError(f"{path} holds a damaged stance model ({problem}); refusing to use it")


def load_estimator(path, trusted=False):
    """Load a fitted StanceClassifier from ``path`` after checking its integrity.

    Parameters
    ----------
    path : str or Path
        A ``.skops`` or joblib model file with its ``.json`` metadata beside it.
    trusted : bool, default=False
        Load a joblib file that is not the shipped model. Only for files
        from a source you trust: unpickling can run code. Only ``True``
        counts; any other value than True or False is a TypeError.

    Returns
    -------
    estimator, metadata

    Raises
    ------
    ModelError
        Missing file, untrusted joblib file, checksum mismatch, unexpected
        types in a skops file, unreadable content, or not a stance model.
    """
    path = Path(path)
    record, data = _open_record(path, trusted)
    return _read_estimator(path, record, data), record


def load_model_files(path, trusted=False):
    """Check a model's files and read what labelling needs.

    Every file's checksum is verified here. The compiled form is read when
    the model has one, and the estimator is left on disk for later; a model
    without one (saved by an older stance) has its estimator read now.

    Returns
    -------
    compiled : CompiledModel or None
    estimator : StanceClassifier or callable
        The estimator, or (with a compiled form) a picklable function of
        no arguments that reads it.
    metadata : dict

    Raises
    ------
    ModelError
        As :func:`load_estimator`, for the compiled form too.
    """
    path = Path(path)
    record, data = _open_record(path, trusted)
    entry = record.get("compiled")
    if entry is None:
        return None, _read_estimator(path, record, data), record
    compiled_path = sibling_paths(path)[3]
    compiled_data = _verify(compiled_path, entry)
    check_zip(compiled_data, unpack_limit(len(compiled_data)), compiled_path, ModelError)
    from ._compiled import CompiledModel

    try:
        compiled = CompiledModel.load(io.BytesIO(compiled_data))
    except Exception as error:  # a damaged archive can raise many things
        raise ModelError(f"cannot load {compiled_path}: {type(error).__name__}: {error}") from None
    return compiled, partial(_read_estimator, path, record), record
