"""stance._files: bounded reads of regular files only, atomic and all-or-nothing writes."""

import errno
import io
import os
import stat
import zipfile

import pytest

from stance import _files
from stance._errors import DataError, ModelError


def test_read_regular_reads_a_file_within_its_limit(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 100)
    assert _files.read_regular(path, 100) == b"x" * 100
    with pytest.raises(DataError, match="more than a model file may be"):
        _files.read_regular(path, 99, what="model file")


@pytest.mark.parametrize("kind", ["device", "symlink to a device", "fifo", "folder", "missing"])
def test_read_regular_refuses_what_is_not_a_regular_file_without_blocking(tmp_path, kind):
    path = tmp_path / "m.npz"
    if kind == "device":
        path = "/dev/zero"
    elif kind == "symlink to a device":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)  # no writer: a blocking open would hang here
    elif kind == "folder":
        path.mkdir()
    message = {"missing": "does not exist", "folder": "is a folder"}.get(kind, "not a regular file")
    with pytest.raises(ModelError, match=message):
        _files.read_regular(path, 1 << 20, ModelError)


def test_check_zip_refuses_a_bomb_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.npy", b"\0" * (50 << 20))  # 50 MB of zeros in about 50 KB
    data = buffer.getvalue()
    assert len(data) < 100_000
    with pytest.raises(ModelError, match="would unpack to"):
        _files.check_zip(data, 10 << 20, "bomb.npz", ModelError)
    _files.check_zip(data, 60 << 20, "fine.npz", ModelError)
    _files.check_zip(b"not a zip", 10, "x", ModelError)  # its reader says what is wrong


def test_atomic_write_keeps_permissions_and_symlinks(tmp_path):
    target = tmp_path / "real.csv"
    target.write_text("old")
    target.chmod(0o600)
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    with _files.atomic_write(link) as stream:
        stream.write("new")
    assert link.is_symlink() and target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


def test_atomic_write_refuses_devices_and_read_only_files(tmp_path):
    with pytest.raises(OSError, match="character device"):
        with _files.atomic_write("/dev/null") as stream:
            stream.write("x")
    path = tmp_path / "ro.csv"
    path.write_text("keep")
    path.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        with _files.atomic_write(path) as stream:
            stream.write("x")
    assert path.read_text() == "keep"


def test_open_output_writes_to_a_fifo_and_a_device_directly(tmp_path):
    import threading

    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    with _files.open_output(fifo) as stream:
        stream.write("through the pipe\n")
    reader.join(10)
    assert received == ["through the pipe\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    null = tmp_path / "null"
    null.symlink_to("/dev/null")
    with _files.open_output(null) as stream:
        stream.write("nothing")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode) and null.is_symlink()


def old_files(folder, names=("m.skops", "m.npz", "m.json", "m.md")):
    files = {}
    for name in names:
        (folder / name).write_bytes(b"old " + name.encode())
        files[folder / name] = b"new " + name.encode()
    return files


def test_replace_together_replaces_every_file(tmp_path):
    files = old_files(tmp_path)
    files[tmp_path / "fresh.txt"] = b"new fresh"
    _files.replace_together(files)
    for path, data in files.items():
        assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)


@pytest.mark.parametrize("failing_call", [1, 2, 3, 4])
def test_replace_together_on_a_full_disk_leaves_every_old_file(tmp_path, monkeypatch, failing_call):
    files = old_files(tmp_path)
    real_fsync, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) == failing_call:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="No space"):
        _files.replace_together(files)
    for path in files:
        assert path.read_bytes() == b"old " + path.name.encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files)


@pytest.mark.parametrize("failing_call", [1, 2, 4])
def test_replace_together_puts_old_files_back_if_a_rename_fails(tmp_path, monkeypatch, failing_call):
    files = old_files(tmp_path)
    files[tmp_path / "new.txt"] = b"brand new"
    keep = tmp_path / "elsewhere.skops"
    os.link(tmp_path / "m.skops", keep)  # a hard link to the old model stays the old model
    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == failing_call:
            raise KeyboardInterrupt  # or a full disk, or SIGTERM: any way out
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        _files.replace_together(files)
    monkeypatch.undo()
    for path in files:
        if path.name != "new.txt":
            assert path.read_bytes() == b"old " + path.name.encode()
    assert not (tmp_path / "new.txt").exists()
    assert keep.read_bytes() == b"old m.skops"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "elsewhere.skops",
        "m.json",
        "m.md",
        "m.npz",
        "m.skops",
    ]


@pytest.mark.parametrize("fails", [False, True])
def test_replace_together_never_writes_through_a_symbolic_link(tmp_path, monkeypatch, fails):
    # A link made after the caller's checks (a race) replaced another
    # model's file through it, leaving that model's checksums behind.
    other = tmp_path / "other.json"
    other.write_bytes(b"the other model's metadata")
    files = old_files(tmp_path)
    (tmp_path / "m.json").unlink()
    (tmp_path / "m.json").symlink_to(other.name)
    if fails:
        real_replace, calls = os.replace, []

        def replace(src, dst):
            calls.append(dst)
            if len(calls) == 3:
                raise OSError(errno.ENOSPC, "No space left on device")
            return real_replace(src, dst)

        monkeypatch.setattr(os, "replace", replace)
        with pytest.raises(OSError):
            _files.replace_together(files)
        monkeypatch.undo()
        assert os.readlink(tmp_path / "m.json") == other.name  # put back as it was: a link
    else:
        _files.replace_together(files)
        assert not (tmp_path / "m.json").is_symlink()
        assert (tmp_path / "m.json").read_bytes() == files[tmp_path / "m.json"]
    assert other.read_bytes() == b"the other model's metadata"


def test_check_output_path_refuses_sockets_and_allows_devices(tmp_path):
    import socket

    where = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(where))
    try:
        with pytest.raises(DataError, match="socket"):
            _files.check_output_path(where)
    finally:
        server.close()
    assert str(_files.check_output_path("/dev/null")) == "/dev/null"
    with pytest.raises(ModelError, match="character device"):
        _files.check_output_path("/dev/null", ModelError, special=False)
