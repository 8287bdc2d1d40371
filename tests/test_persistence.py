"""Saving and loading models safely."""

import json
import warnings

import joblib
import numpy as np
import pytest

import stance
from stance._persistence import (
    ModelVersionWarning,
    default_model_path,
    dependency_versions,
    save_model,
    sha256_file,
)


def rehash(path):
    """Record a model file's current checksum in its metadata, as an attacker could."""
    meta = json.loads(path.with_suffix(".json").read_text())
    meta["artifact"]["sha256"] = sha256_file(path)
    path.with_suffix(".json").write_text(json.dumps(meta))


def read_estimator(path, **options):
    """Load a model and read its estimator, which loading leaves on disk until needed."""
    return stance.load_model(path, **options).estimator


@pytest.fixture
def saved(tmp_path, tiny_estimator):
    path = tmp_path / "model.joblib"
    save_model(tiny_estimator, path, {"name": "model", "targets": tiny_estimator.targets_})
    return path


def test_round_trip_keeps_params_predictions_and_metadata(saved, tiny_estimator, tiny_corpus):
    model = stance.load_model(saved, trusted=True)
    assert model.estimator.get_params() == tiny_estimator.get_params()
    np.testing.assert_array_equal(
        model.estimator.predict_proba(tiny_corpus[["text", "target"]]),
        tiny_estimator.predict_proba(tiny_corpus[["text", "target"]]),
    )
    assert model.metadata["artifact"]["sha256"] == sha256_file(saved)
    assert model.metadata["versions"]["scikit-learn"]
    assert saved.with_suffix(".md").read_text().startswith("# Model card")


def test_refuses_to_overwrite_without_permission(saved, tiny_estimator):
    with pytest.raises(stance.ModelError, match="exists"):
        save_model(tiny_estimator, saved, {})
    save_model(tiny_estimator, saved, {"name": "again"}, overwrite=True)
    assert stance.load_model(saved, trusted=True).metadata["name"] == "again"


def test_truncated_model_is_refused(saved):
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(stance.ModelError, match="checksum"):
        stance.load_model(saved)


class Evil:
    """Unpickling this runs code: it creates the file named by ``marker``."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_tampered_model_is_refused_before_unpickling(saved, tmp_path):
    marker = tmp_path / "ran"
    joblib.dump(Evil(marker), saved)
    with pytest.raises(stance.ModelError, match="checksum"):
        stance.load_model(saved, trusted=True)
    assert not marker.exists()


def test_crafted_pickle_with_matching_checksum_is_refused_unless_trusted(saved, tmp_path):
    # An attacker who rewrites the metadata too gets past the checksum; the
    # joblib file is still not loaded without an explicit trust decision.
    marker = tmp_path / "ran"
    joblib.dump(Evil(marker), saved)
    rehash(saved)
    with pytest.raises(stance.ModelError, match="can run code"):
        stance.load_model(saved)
    assert not marker.exists()
    for suffix in (".pkl", ".bin"):
        renamed = saved.rename(saved.with_suffix(suffix))
        saved.with_suffix(".json").rename(renamed.with_suffix(".json"))
        with pytest.raises(stance.ModelError, match="can run code"):
            stance.load_model(renamed)
        saved = renamed
    assert not marker.exists()


def test_skops_round_trip_loads_without_trust(tmp_path, tiny_estimator, tiny_corpus):
    path = tmp_path / "model.skops"
    save_model(tiny_estimator, path, {"name": "model"})
    model = stance.load_model(path)
    np.testing.assert_array_equal(
        model.estimator.predict_proba(tiny_corpus[["text", "target"]]),
        tiny_estimator.predict_proba(tiny_corpus[["text", "target"]]),
    )
    assert model.estimator.get_params() == tiny_estimator.get_params()


class Sneaky:
    """A type no stance model holds."""


def test_skops_file_with_unexpected_type_is_refused(tmp_path, tiny_estimator):
    import skops.io

    path = tmp_path / "model.skops"
    save_model(tiny_estimator, path, {"name": "model"})
    smuggled = clone_fitted(tiny_estimator)
    smuggled.extra_ = Sneaky()
    skops.io.dump(smuggled, path)
    rehash(path)
    with pytest.raises(stance.ModelError, match="Sneaky.*refusing to load it"):
        read_estimator(path)


def clone_fitted(estimator):
    import copy

    return copy.deepcopy(estimator)


def test_damaged_skops_file_is_a_clear_error(tmp_path):
    path = tmp_path / "model.skops"
    path.write_bytes(b"not a zip archive")
    path.with_suffix(".json").write_text(
        json.dumps(
            {
                "format": "stance-model",
                "artifact": {"sha256": sha256_file(path)},
                "versions": {"scikit-learn": dependency_versions()["scikit-learn"]},
            }
        )
    )
    with pytest.raises(stance.ModelError, match="cannot read .* as a skops file"):
        stance.load_model(path)


def test_missing_or_broken_metadata_is_refused(saved):
    meta = saved.with_suffix(".json")
    meta.write_text("{not json")
    with pytest.raises(stance.ModelError, match="cannot read model metadata"):
        stance.load_model(saved)
    meta.write_text(json.dumps({"some": "thing"}))
    with pytest.raises(stance.ModelError, match="not the metadata of a stance model"):
        stance.load_model(saved)
    meta.unlink()
    with pytest.raises(stance.ModelError, match="no metadata file"):
        stance.load_model(saved)


def test_other_objects_are_refused(saved):
    joblib.dump({"not": "a model"}, saved)
    rehash(saved)
    with pytest.raises(stance.ModelError, match="holds a dict, not a stance model"):
        read_estimator(saved, trusted=True)


def test_garbage_with_matching_checksum_is_a_clear_error(saved):
    saved.write_bytes(b"this is not a pickle at all")
    rehash(saved)
    with pytest.raises(stance.ModelError, match="cannot load"):
        read_estimator(saved, trusted=True)


def test_other_scikit_learn_version_warns(saved):
    meta = json.loads(saved.with_suffix(".json").read_text())
    meta["versions"]["scikit-learn"] = "0.0.1"
    saved.with_suffix(".json").write_text(json.dumps(meta))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelVersionWarning)
        model = stance.load_model(saved, trusted=True)  # labelling needs no scikit-learn
    with pytest.warns(ModelVersionWarning, match="scikit-learn 0.0.1"):
        assert model.estimator is not None


@pytest.mark.parametrize("make", ["missing", "folder"])
def test_wrong_paths_are_clear(tmp_path, make):
    path = tmp_path / "nothing.joblib"
    if make == "folder":
        path.mkdir()
    with pytest.raises(stance.ModelError, match="does not exist|is a folder"):
        stance.load_model(path)


def test_shipped_model_passes_its_checksum_and_matches_metadata():
    path = default_model_path()
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["artifact"]["sha256"] == sha256_file(path)
    assert meta["labels"] == list(stance.LABELS)
    assert len(meta["targets"]) >= 25
    for key in ("created", "versions", "training_data", "hyperparameters", "metrics"):
        assert key in meta
    assert meta["compiled"]["sha256"] == sha256_file(path.with_suffix(".npz"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelVersionWarning)
        assert stance.load_model().estimator is not None


def test_saved_files_are_readable_by_others(saved):
    for path in (saved, saved.with_suffix(".json"), saved.with_suffix(".md"), saved.with_suffix(".npz")):
        assert path.stat().st_mode & 0o044, path
    assert not list(saved.parent.glob("*.part"))
