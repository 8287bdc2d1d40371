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


@pytest.mark.parametrize("name", ["model.skops", "model.joblib"])
def test_a_model_from_another_scikit_learn_version_gives_one_warning(
    tmp_path, tiny_estimator, name, monkeypatch
):
    # As a file saved under another version is: scikit-learn records its own
    # version in each estimator's state and warns when another reads it; the
    # documented warning is ours alone, in both formats.
    import sklearn.base

    path = tmp_path / name
    with monkeypatch.context() as patch:
        patch.setattr(sklearn.base, "__version__", "0.0.1")
        save_model(tiny_estimator, path, {"name": "model", "targets": tiny_estimator.targets_})
    meta = json.loads(path.with_suffix(".json").read_text())
    meta["versions"]["scikit-learn"] = "0.0.1"
    path.with_suffix(".json").write_text(json.dumps(meta))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert read_estimator(path, trusted=True) is not None
    assert [w.category for w in seen] == [ModelVersionWarning], [str(w.message) for w in seen]


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


# --- Hostile model files (issue 11) ------------------------------------------

SHIPPED = default_model_path()


def shipped_copy(folder, name="race"):
    """The shipped model's metadata and compiled form beside ``NAME.joblib``, a symlink to the shipped file."""
    link = folder / f"{name}.joblib"
    link.symlink_to(SHIPPED)
    for suffix in (".json", ".npz"):
        link.with_suffix(suffix).write_bytes(SHIPPED.with_suffix(suffix).read_bytes())
    return link


def test_a_symlink_flipped_before_unpickling_runs_no_pickle(tmp_path, monkeypatch):
    # Trust is decided on the shipped model's bytes; the attacker flips the
    # symlink to a pickle of theirs just before it is unpickled. Loading must
    # unpickle the bytes it verified, not open the path again.
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.joblib"
    joblib.dump(Evil(marker), evil)
    link = shipped_copy(tmp_path)
    real_load = joblib.load

    def flip_then_load(source, *args, **kwargs):
        link.unlink()
        link.symlink_to(evil)
        return real_load(source, *args, **kwargs)

    monkeypatch.setattr(joblib, "load", flip_then_load)
    estimator, _ = stance._persistence.load_estimator(link)
    assert not marker.exists()
    assert type(estimator).__name__ == "StanceClassifier"


def test_a_symlink_flipped_after_loading_is_refused_when_the_estimator_is_read(tmp_path):
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.joblib"
    joblib.dump(Evil(marker), evil)
    link = shipped_copy(tmp_path)
    model = stance.load_model(link)  # the compiled form: the estimator stays on disk
    link.unlink()
    link.symlink_to(evil)
    with pytest.raises(stance.ModelError, match="checksum"):
        _ = model.estimator
    assert not marker.exists()


@pytest.mark.parametrize("value", ["false", "yes", 1, 0, None, np.bool_(True)])
def test_trusted_must_be_true_or_false(saved, tmp_path, value):
    marker = tmp_path / "ran"
    joblib.dump(Evil(marker), saved)
    rehash(saved)
    with pytest.raises(TypeError, match="trusted must be True or False"):
        stance.load_model(saved, trusted=value)
    assert not marker.exists()


def crafted_metadata(kind):
    meta = json.loads(SHIPPED.with_suffix(".json").read_text())
    if kind == "nested 200,000 deep":
        return '{"format": "stance-model", "artifact": {}, "x": ' + "[" * 200_000 + "]" * 200_000 + "}"
    if kind == "a 5,000-digit number":
        return json.dumps(meta)[:-1] + ', "big": ' + "9" * 5000 + "}"
    if kind == "training is a list":
        meta["training"] = []
    elif kind == "metrics is a string":
        meta["metrics"] = "oops"
    elif kind == "versions is a number":
        meta["versions"] = 3
    elif kind == "no checksum":
        meta["artifact"] = {"file": "m.joblib"}
    elif kind == "over 16 MB":
        meta["padding"] = "x" * (17 << 20)
    return json.dumps(meta)


METADATA_CASES = [
    "nested 200,000 deep",
    "a 5,000-digit number",
    "training is a list",
    "metrics is a string",
    "versions is a number",
    "no checksum",
    "over 16 MB",
]


@pytest.mark.parametrize("kind", METADATA_CASES)
def test_crafted_metadata_is_one_clear_error(tmp_path, kind):
    from cli_runner import run_cli

    link = shipped_copy(tmp_path, "m")
    link.with_suffix(".json").write_text(crafted_metadata(kind))
    with pytest.raises(stance.ModelError, match="metadata|more than"):
        stance.load_model(link)
    for command in (["info"], ["info", "--json"], ["predict", "hi"], ["export", "-o", tmp_path / "x.skops"]):
        result = run_cli(*command, "--model", link)
        assert result.returncode == 1, result
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize("part", [".json", ".npz", ".joblib"])
@pytest.mark.parametrize("kind", ["symlink to /dev/zero", "fifo"])
def test_model_files_that_are_devices_or_fifos_are_refused_at_once(tmp_path, part, kind):
    import os

    link = shipped_copy(tmp_path, "m")
    target = link.with_suffix(part)
    target.unlink()
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    with pytest.raises(stance.ModelError, match="not a regular file"):
        stance.load_model(link)


def test_a_zip_bomb_with_a_matching_checksum_is_refused_before_unpacking(tmp_path):
    import zipfile

    link = shipped_copy(tmp_path, "m")
    npz = link.with_suffix(".npz")
    npz.unlink()
    with zipfile.ZipFile(npz, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("weights.npy", b"\0" * (600 << 20))  # 600 MB in well under a megabyte
    meta = json.loads(link.with_suffix(".json").read_text())
    meta["compiled"]["sha256"] = sha256_file(npz)
    link.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(stance.ModelError, match="would unpack to"):
        stance.load_model(link)


@pytest.mark.parametrize(
    "attribute, value",
    [("classes_", 5), ("classes_", np.array(["yes", "no"])), ("temperature_", "oops"), ("svm_", [1, 2])],
)
def test_skops_model_with_a_wrong_typed_attribute_is_one_clear_error(
    tmp_path, tiny_estimator, attribute, value
):
    import skops.io
    from cli_runner import run_cli

    path = tmp_path / "model.skops"
    save_model(tiny_estimator, path, {"name": "model"})
    damaged = clone_fitted(tiny_estimator)
    setattr(damaged, attribute, value)
    skops.io.dump(damaged, path)
    rehash(path)
    with pytest.raises(stance.ModelError, match="damaged|cannot load"):
        read_estimator(path)
    for command in (["export", "-o", tmp_path / "out.joblib", "--format", "joblib"], ["predict", "hi"]):
        result = run_cli(*command, "--model", path)
        if command[0] == "predict":  # labels from the compiled form, which is intact
            assert result.returncode == 0, result.stderr
            continue
        assert result.returncode == 1, result
        assert "damaged" in result.stderr or "cannot load" in result.stderr
        assert result.stderr.count("\n") == 1, result.stderr


@pytest.fixture(scope="module")
def other_estimator(tiny_corpus):
    """Another fitted model: saving it changes every file of a saved model."""
    return stance.StanceClassifier(calibration_folds=2, C=0.3).fit(
        tiny_corpus[["text", "target"]], tiny_corpus["label"]
    )


def model_files(path):
    return {p.name: p.read_bytes() for p in stance._persistence.sibling_paths(path) if p.exists()}


@pytest.mark.parametrize("failing_call", [1, 2, 3, 4])
def test_a_full_disk_while_saving_leaves_the_old_model_whole(
    saved, other_estimator, monkeypatch, failing_call
):
    import errno
    import os

    keep = saved.parent / "backup"
    keep.mkdir()
    for path in stance._persistence.sibling_paths(saved):
        os.link(path, keep / path.name)  # hard links to the old model: it must stay loadable
    before = model_files(saved)
    real_fsync, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == failing_call:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(stance.ModelError, match="No space left"):
        save_model(other_estimator, saved, {"name": "new"}, overwrite=True)
    monkeypatch.undo()
    assert model_files(saved) == before
    assert sorted(p.name for p in saved.parent.iterdir() if p.is_file()) == sorted(before)
    for path in (saved, keep / saved.name):
        assert stance.load_model(path, trusted=True).metadata["name"] == "model"


@pytest.mark.parametrize("linked", ["model", "metadata"])
def test_a_model_is_never_written_through_a_symbolic_link(saved, other_estimator, linked):
    # Writing through link.joblib -> model.joblib replaced the model file's
    # bytes but not model.json's checksum: the old model no longer loaded.
    link = saved.parent / "link.joblib"
    target = saved if linked == "model" else saved.with_suffix(".json")
    (link if linked == "model" else link.with_suffix(".json")).symlink_to(target.name)
    before = model_files(saved)
    with pytest.raises(stance.ModelError, match="is a symbolic link"):
        save_model(other_estimator, link, {"name": "new"}, overwrite=True)
    assert model_files(saved) == before
    assert stance.load_model(saved, trusted=True).metadata["name"] == "model"


def test_an_interrupt_while_replacing_leaves_the_old_model_whole(saved, other_estimator, monkeypatch):
    import os

    before = model_files(saved)
    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        save_model(other_estimator, saved, {"name": "new"}, overwrite=True)
    monkeypatch.undo()
    assert model_files(saved) == before
    assert stance.load_model(saved, trusted=True).metadata["name"] == "model"


@pytest.mark.parametrize("source_format", ["skops", "joblib"])
@pytest.mark.parametrize("output", ["same name", "other name", "same file"])
@pytest.mark.parametrize("force", [False, True])
def test_export_never_harms_its_source(tmp_path, tiny_estimator, tiny_corpus, source_format, output, force):
    from cli_runner import run_cli

    source = tmp_path / f"mine.{source_format}"
    save_model(tiny_estimator, source, {"name": "mine"})
    other = "joblib" if source_format == "skops" else "skops"
    target = {
        "same name": tmp_path / f"mine.{other}",
        "other name": tmp_path / f"mine-copy.{other}",
        "same file": source,
    }[output]
    fmt = target.suffix[1:]
    args = ["export", "--model", source, "--format", fmt, "--output", target, "--trust-model"]
    result = run_cli(*args, *(["--force"] if force else []))
    if output == "same name":
        assert result.returncode == 2 and "would share its metadata" in result.stderr, result.stderr
        assert not target.exists()
    elif output == "same file" and not force:
        assert result.returncode == 2 and "--force" in result.stderr
    else:
        assert result.returncode == 0, result.stderr
        assert stance.load_model(target, trusted=True).predict(["We back the treaty."], "the treaty")
    texts = tiny_corpus["text"].tolist()
    assert stance.load_model(source, trusted=True).predict(texts) == stance.StanceModel(
        tiny_estimator
    ).predict(texts)
    assert stance.load_model(source, trusted=True).estimator is not None


def test_training_beside_a_model_of_the_other_format_is_refused(tmp_path, tiny_estimator):
    source = tmp_path / "mine.skops"
    save_model(tiny_estimator, source, {"name": "mine"})
    with pytest.raises(stance.ModelError, match="would share its metadata"):
        save_model(tiny_estimator, tmp_path / "mine.joblib", {"name": "mine"}, overwrite=True)
    assert stance.load_model(source).estimator is not None


def test_measurements_recorded_later_reach_the_metadata_and_the_card(tmp_path, tiny_estimator):
    from stance._persistence import update_metadata

    path = tmp_path / "model.skops"
    save_model(tiny_estimator, path, {"name": "model"})
    figures = [{"figure": "GWSD test, macro-F1", "model": "45.6", "baseline": "41.0", "goal": "55"}]
    update_metadata(path, real_text={"date": "2026-12-07", "baseline": "1.1", "figures": figures})
    assert json.loads(path.with_suffix(".json").read_text())["real_text"]["figures"] == figures
    card = path.with_suffix(".md").read_text()
    assert "## Real text" in card and "| GWSD test, macro-F1 | 45.6 | 41.0 | 55 |" in card
    assert "## Speed" not in card
    speed = [{"figure": "sentences per second", "model": "42,559 (10.7 times)", "baseline": "3,961", "goal": "8 times"}]
    update_metadata(path, throughput={"date": "2026-12-07", "machine": "2 cores", "figures": speed})
    card = path.with_suffix(".md").read_text()
    assert "## Real text" in card  # the earlier section stays
    assert "## Speed" in card and "| sentences per second | 42,559 (10.7 times) | 3,961 | 8 times |" in card
    assert stance.load_model(path).predict(["We back it."])  # the model's own files are untouched
