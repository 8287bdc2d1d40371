"""Files: what kind a path is, bounded reads, and writes that are all or nothing.

Everything that reads a model file or writes an output goes through here, so
that the checks are made once, the same way:

- :func:`read_regular` reads a regular file, never a device, a FIFO or a
  symlink to one, and never more than a limit; the type and size are checked
  on the open descriptor, so a path swapped after the check is not read.
- :func:`atomic_write` replaces a file with a complete new one or leaves it
  as it was, keeping its permissions and (when allowed) its owner.
- :func:`replace_together` replaces several files as one: all new or all old.
- :func:`open_output` writes a table: atomically to a regular file, directly
  to a character device or a FIFO (``/dev/null``, a named pipe), which must
  never be replaced by a regular file.
"""

import errno
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

from ._errors import DataError

__all__ = [
    "describe_kind",
    "endless_device",
    "is_endless_device",
    "read_regular",
    "check_zip",
    "check_output_path",
    "atomic_write",
    "replace_together",
    "open_output",
]

_KINDS = (
    (stat.S_ISDIR, "folder"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISFIFO, "FIFO (named pipe)"),
    (stat.S_ISSOCK, "socket"),
)


def describe_kind(mode):
    """Return what a file of ``st_mode`` ``mode`` is, in words ("folder", "FIFO (named pipe)", "file")."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "file"


def is_endless_device(fd):
    """Whether the open descriptor ``fd`` is a character device other than a terminal or the null device.

    Such a device (``/dev/zero``, ``/dev/urandom``, a mouse) gives bytes
    without end, or waits for them: it is refused before a byte is read.
    ``/dev/null`` is an empty input, a terminal the user typing.
    """
    try:
        info = os.fstat(fd)
    except OSError:
        return False
    if not stat.S_ISCHR(info.st_mode) or os.isatty(fd):
        return False
    try:
        return info.st_rdev != os.stat(os.devnull).st_rdev
    except OSError:
        return True


def endless_device(name):
    """The message refusing a character device that is not a terminal as an input (``/dev/zero``).

    Such a device gives bytes without end: read, it would fill memory or
    never finish. Tables and texts come from files, pipes or a terminal.
    """
    return f"cannot read {name}: it is a character device, whose bytes never end; give a file or a pipe"


def _size(n):
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    return str(n)  # pragma: no cover


def read_regular(path, limit, error=DataError, what="file"):
    """Return the bytes of the regular file ``path``; refuse anything else or anything larger than ``limit``.

    The file is opened once, without blocking (a FIFO does not hang), and its
    type and size are checked on the open descriptor: a device, a FIFO, a
    socket, a folder or a symlink to any of them is refused before a byte is
    read, and a file swapped in after the check is not the one read. At most
    ``limit + 1`` bytes are ever read, even from a file that grows meanwhile.

    Parameters
    ----------
    path : str or Path
    limit : int
        The largest size accepted, in bytes.
    error : type, default=DataError
        The exception to raise (e.g. :class:`ModelError` for model files).
    what : str
        What the file is, for messages ("model file", "metadata").

    Examples
    --------
    >>> read_regular("/dev/zero", 10)
    Traceback (most recent call last):
    ...
    stance._errors.DataError: /dev/zero is a character device, not a regular file
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise error(f"{path} does not exist") from None
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{path} is a {describe_kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise error(f"{path} is {_size(info.st_size)}, more than a {what} may be ({_size(limit)})")
        blocks, total = [], 0
        while total <= limit:
            block = os.read(fd, min(1 << 20, limit + 1 - total))
            if not block:
                break
            blocks.append(block)
            total += len(block)
        if total > limit:
            raise error(f"{path} grew beyond {_size(limit)} while it was read")
        return b"".join(blocks)
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def check_zip(data, limit, name, error=DataError):
    """Refuse a zip archive (``.npz``, ``.skops``) that would unpack to more than ``limit`` bytes.

    The sizes are those its directory declares; a member that holds more
    than it declares fails its own check (zipfile stops at the declared size
    and verifies the CRC), so a zip bomb is refused before it is unpacked.
    Data that is not a zip archive passes: its reader refuses it.
    """
    import io
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return  # not a zip archive at all: the reader of the format says so
    total = sum(member.file_size for member in members)
    if total > limit or len(members) > 10_000:
        raise error(
            f"{name} would unpack to {_size(total)} in {len(members)} parts, more than a model may "
            f"({_size(limit)}); refusing to read it"
        )


def _kind_of(path):
    """Return the stat result of ``path`` (following symlinks), or None if it does not exist."""
    try:
        return os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None


def _is_special(info):
    return info is not None and (stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode))


def check_output_path(path, error=DataError, special=True):
    """Return ``path`` as a Path once it can receive an output file, else raise ``error``.

    Refused: a folder, a missing folder, a block device or a socket, and
    (unless ``special``) a character device or a FIFO too. A read-only
    file or folder is refused when written (:func:`atomic_write`).
    """
    path = Path(path)
    info = _kind_of(path)
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise error(f"cannot write {path}: it is a folder")
    if info is not None and not stat.S_ISREG(info.st_mode) and not (special and _is_special(info)):
        raise error(f"cannot write {path}: it is a {describe_kind(info.st_mode)}, not a regular file")
    if info is None and not path.parent.is_dir():
        raise error(f"cannot write {path}: folder {path.parent} does not exist")
    return path


def _refuse_read_only(path, info):
    # Permission bits are checked by hand: root may write anything, but a file
    # or folder its owner made read-only should stay as it is.
    for where, status in ((path, info), (path.parent, _kind_of(path.parent))):
        if status is not None and not status.st_mode & 0o222:
            raise PermissionError(errno.EACCES, f"{where} is read-only")


def _destination(path, follow_links=True):
    """The regular file to replace for ``path``: a symlink's target, so that the link stays a link.

    With ``follow_links`` False, ``path`` itself: a symlink there is replaced
    by the new file, and what it points to is never written.
    """
    path = Path(path)
    if path.is_symlink():
        if not follow_links:
            _refuse_read_only(path, None)
            return path, None
        path = Path(os.path.realpath(path))
    info = _kind_of(path)
    if info is not None and not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, f"it is a {describe_kind(info.st_mode)}, not a regular file")
    _refuse_read_only(path, info)
    return path, info


def _temporary(path, info):
    """Create a temporary file beside ``path`` with the permissions (and owner) ``path`` has or would get."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        if info is not None:
            os.chmod(temporary, stat.S_IMODE(info.st_mode))
            if (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
                try:
                    os.chown(temporary, info.st_uid, info.st_gid)
                except OSError:
                    pass  # only root may give a file away; the bits are kept all the same
        else:
            # mkstemp makes the file readable by its owner only; give it what open() would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
    except BaseException:
        os.close(fd)
        _remove(temporary)
        raise
    return fd, temporary


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def _sync_folder(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_write(path, mode="w", **kwargs):
    """Open a temporary file next to ``path``; on success, move it into place.

    The destination holds either its old content or the complete new one,
    never a partial file, even if the process is killed midway (a killed
    process may leave a hidden ``.NAME.*.part`` file; any other ending,
    an error, Ctrl-C or SIGTERM, removes it). A replaced file keeps its
    permission bits and owner; a symlink stays a symlink (its target is
    replaced). A device, a FIFO or a read-only file is refused with an OSError.
    """
    path, info = _destination(path)
    fd, temporary = _temporary(path, info)
    try:
        with open(fd, mode, **kwargs) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        _remove(temporary)
        raise
    _sync_folder(path.parent)


_UNSAVED = object()  # an old file that could not be kept aside (no hard links here)


def _backup(path):
    """Keep the old content of ``path`` under a hidden name (a hard link: no copy, no space)."""
    if not os.path.lexists(path):
        return None
    for _ in range(100):
        backup = path.parent / f".{path.name}.{os.urandom(4).hex()}.old"
        try:
            os.link(path, backup, follow_symlinks=False)  # a symlink is kept as a symlink
            return backup
        except FileExistsError:
            continue
        except OSError:
            return _UNSAVED
    return _UNSAVED


def replace_together(files):
    """Replace several files as one: afterwards all hold their new content, or all their old.

    ``files`` maps paths to bytes, or to None for a file to remove. Every new
    file is written and synced beside its destination first (a full disk
    fails here, with nothing replaced); the old files are kept as hard links
    until every replacement has succeeded, and put back if one fails or the
    process is interrupted (Ctrl-C, SIGTERM). Symbolic links are not
    followed: a link among the paths (one made after the caller's checks)
    is replaced, never written through, so no other file changes.
    """
    staged = {}  # destination -> temporary, None to remove
    backups = {}  # destination -> hard link to its old content, None if it did not exist
    replaced = []
    try:
        for path, data in files.items():
            if data is None:
                staged[Path(path)] = None
                continue
            path, info = _destination(path, follow_links=False)
            fd, temporary = _temporary(path, info)
            staged[path] = temporary
            with open(fd, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
        for path in staged:
            backups[path] = _backup(path)
        for path, temporary in staged.items():
            if temporary is None:
                if os.path.lexists(path):
                    path.unlink()
            else:
                os.replace(temporary, path)
            replaced.append(path)
    except BaseException:
        for path in reversed(replaced):
            try:
                backup = backups.pop(path, None)
                if backup is None:
                    _remove(path)  # it did not exist before
                elif backup is not _UNSAVED:
                    os.replace(backup, path)
            except OSError:
                pass
        for temporary in staged.values():
            if temporary is not None:
                _remove(temporary)
        raise
    finally:
        for backup in backups.values():
            if backup not in (None, _UNSAVED):
                _remove(backup)
    for folder in {path.parent for path in staged}:
        _sync_folder(folder)


@contextmanager
def open_output(path, mode="w", **kwargs):
    """Open an output file: atomically (:func:`atomic_write`), or directly if it is a device or a FIFO.

    ``stance predict -o /dev/null`` must write to the device, not replace it
    with a regular file; a named pipe is written to as it stands.
    """
    info = _kind_of(path)
    if _is_special(info):
        with open(path, mode, **kwargs) as stream:
            yield stream
        return
    with atomic_write(path, mode, **kwargs) as stream:
        yield stream
