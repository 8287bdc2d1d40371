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
import tempfile
import warnings
from contextlib import ExitStack, contextmanager
from datetime import datetime, timezone
from functools import partial
from importlib import metadata as importlib_metadata
from pathlib import Path

from ._card import render_card
from ._errors import ModelError
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
DEFAULT_MODEL_NAME = "stance-v3.joblib"
FORMAT = "stance-model"
FORMAT_VERSION = 1
_DEPENDENCIES = ("scikit-learn", "numpy", "scipy", "pandas", "joblib", "nltk")


#: Types a ``.skops`` model may name beyond those skops trusts by default.
SKOPS_ALLOWED_TYPES = frozenset(
    {
        "functools.partial",
        "scipy.sparse._csr.csr_matrix",
        "sklearn.svm._classes.LinearSVC",
        "stance._estimator.StanceClassifier",
        "stance._featuriser.Featuriser",
        "stance._streaming.StreamingStanceClassifier",
        "stance._text.normalize_text",
        "stance._text.word_features",
        "stance._vectorizer.StanceVectorizer",
    }
)
#: Model file formats, by suffix; any other suffix is read as joblib.
SKOPS_SUFFIX = ".skops"


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
    """Return the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def atomic_write(path, mode="w", **kwargs):
    """Open a temporary file next to ``path``; on success, move it into place.

    The destination holds either its old content or the complete new one,
    never a partial file, even if the process is killed midway.
    """
    path = Path(path)
    # Permission bits are checked by hand: root may write anything, but a file
    # or folder its owner made read-only should stay as it is.
    for existing in (path, path.parent):
        if existing.exists() and not existing.stat().st_mode & 0o222:
            raise PermissionError(13, f"{existing} is read-only")
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    # mkstemp creates the file readable by its owner only; give it the
    # permissions a plain open() would have.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    try:
        with open(handle, mode, **kwargs) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with _ignored(OSError):
            os.unlink(temporary)
        raise


@contextmanager
def _ignored(*errors):
    try:
        yield
    except errors:
        pass


MODEL_SUFFIXES = (SKOPS_SUFFIX, ".joblib")


def check_model_path(path):
    """Raise :class:`ModelError` unless ``path`` can receive a model file."""
    path = Path(path)
    if path.suffix.lower() not in MODEL_SUFFIXES:
        raise ModelError(f"a model file must end in .skops (safe to share) or .joblib, not {path.name!r}")
    if path.is_dir():
        raise ModelError(f"cannot write {path}: it is a folder")
    if not path.parent.is_dir():
        raise ModelError(f"cannot write {path}: folder {path.parent} does not exist")


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
    # All files are complete on disk before any of them replaces an old
    # one; the replacements then follow each other within microseconds.
    try:
        return _write_all(files, record, model_path, metadata_path, card_path)
    except OSError as error:
        raise ModelError(f"cannot write {model_path}: {error.strerror or error}") from None


def _write_all(files, record, model_path, metadata_path, card_path):
    # Context managers exit innermost first: the model files replace the old
    # ones first, so a failure after them leaves models whose metadata is
    # stale (refused by its checksums) rather than new metadata beside old
    # models.
    with (
        atomic_write(card_path, "w", encoding="utf-8") as card_stream,
        atomic_write(metadata_path, "w", encoding="utf-8") as metadata_stream,
        ExitStack() as model_streams,
    ):
        for path, data in files.items():
            if data is None:
                path.unlink()
            else:
                model_streams.enter_context(atomic_write(path, "wb")).write(data)
        json.dump(record, metadata_stream, indent=2, ensure_ascii=False)
        metadata_stream.write("\n")
        card_stream.write(render_card(record))
    return record


def read_metadata(path):
    """Return the metadata recorded next to the model file ``path``."""
    metadata_path = sibling_paths(path)[1]
    try:
        with open(metadata_path, encoding="utf-8") as stream:
            record = json.load(stream)
    except FileNotFoundError:
        raise ModelError(
            f"no metadata file {metadata_path} next to the model; stance saves a model as "
            "NAME.joblib with NAME.json beside it"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ModelError(f"cannot read model metadata {metadata_path}: {error}") from None
    if (
        not isinstance(record, dict)
        or record.get("format") != FORMAT
        or not isinstance(record.get("artifact"), dict)
        or not isinstance(record.get("versions", {}), dict)
    ):
        raise ModelError(f"{metadata_path} is not the metadata of a stance model")
    return record


def _is_shipped(path):
    try:
        return Path(path).resolve() == default_model_path().resolve()
    except ModelError:
        return False


def _load_skops(path):
    import skops.io

    try:
        named = set(skops.io.get_untrusted_types(file=path))
    except Exception as error:  # a damaged archive can raise many things
        raise ModelError(f"cannot read {path} as a skops file: {type(error).__name__}: {error}") from None
    unexpected = sorted(named - SKOPS_ALLOWED_TYPES)
    if unexpected:
        raise ModelError(
            f"{path} names types that a stance model never holds ({', '.join(unexpected[:5])}); "
            "refusing to load it"
        )
    try:
        return skops.io.load(path, trusted=sorted(named))
    except Exception as error:
        raise ModelError(f"cannot load {path}: {type(error).__name__}: {error}") from None


def _load_joblib(path):
    import joblib

    with warnings.catch_warnings():
        # scikit-learn warns about a version mismatch too; ours says what to do.
        warnings.filterwarnings("ignore", message=".*Trying to unpickle estimator")
        try:
            return joblib.load(path)
        except Exception as error:  # an unpickling failure can raise anything
            raise ModelError(f"cannot load {path}: {type(error).__name__}: {error}") from None


def _open_record(path, trusted):
    """Return the metadata of the model file ``path`` once it may be read at all.

    That is: the file exists, matches its checksum, and is either safe to
    read (skops) or trusted (joblib).
    """
    if path.is_dir():
        raise ModelError(f"{path} is a folder; give the path of a model file")
    if not path.is_file():
        raise ModelError(f"model file {path} does not exist")
    record = read_metadata(path)
    _verify(path, record.get("artifact"))
    if path.suffix.lower() != SKOPS_SUFFIX and not (trusted or _is_shipped(path)):
        raise ModelError(
            f"{path} is a joblib (pickle) file, and loading one can run code hidden in it; load it only "
            "if you trust its source, with load_model(path, trusted=True) or --trust-model, or ask for "
            "a .skops file (stance export --format skops), which loads safely"
        )
    return record


def _verify(path, entry):
    """Return the bytes of ``path`` if their checksum is the one recorded in ``entry``."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{path} is missing; its metadata lists it as part of the model") from None
    except OSError as error:
        raise ModelError(f"cannot read {path}: {error.strerror or error}") from None
    if not isinstance(entry, dict) or hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise ModelError(
            f"{path} does not match the checksum in its metadata: the file is truncated, "
            "corrupted or was changed after it was saved; refusing to load it"
        )
    return data


def _read_estimator(path, record, verified=False):
    from ._estimator import StanceClassifier
    from ._streaming import StreamingStanceClassifier

    if not verified:  # read later than its metadata: the file may have changed since
        _verify(path, record.get("artifact"))
    saved = record.get("versions", {}).get("scikit-learn")
    installed = dependency_versions()["scikit-learn"]
    if saved != installed:
        warnings.warn(
            f"{path.name} was saved with scikit-learn {saved} and this is {installed}; "
            "its estimator may behave differently or fail to load. Retrain it with 'stance train' to be safe.",
            ModelVersionWarning,
            stacklevel=4,
        )
    estimator = _load_skops(path) if path.suffix.lower() == SKOPS_SUFFIX else _load_joblib(path)
    if not isinstance(estimator, (StanceClassifier, StreamingStanceClassifier)):
        raise ModelError(f"{path} holds a {type(estimator).__name__}, not a stance model")
    return estimator


def load_estimator(path, trusted=False):
    """Load a fitted StanceClassifier from ``path`` after checking its integrity.

    Parameters
    ----------
    path : str or Path
        A ``.skops`` or joblib model file with its ``.json`` metadata beside it.
    trusted : bool, default=False
        Load a joblib file that is not the shipped model. Only for files
        from a source you trust: unpickling can run code.

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
    record = _open_record(path, trusted)
    return _read_estimator(path, record, verified=True), record


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
    record = _open_record(path, trusted)
    entry = record.get("compiled")
    if entry is None:
        return None, _read_estimator(path, record, verified=True), record
    compiled_path = sibling_paths(path)[3]
    data = _verify(compiled_path, entry)
    from ._compiled import CompiledModel

    try:
        compiled = CompiledModel.load(io.BytesIO(data))
    except Exception as error:  # a damaged archive can raise many things
        raise ModelError(f"cannot load {compiled_path}: {type(error).__name__}: {error}") from None
    return compiled, partial(_read_estimator, path, record), record
