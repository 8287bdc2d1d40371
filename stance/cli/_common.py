"""Arguments and helpers shared by several subcommands."""

import sys

from .._errors import DataError, UsageError
from .._io import FORMATS
from .._labels import parse_label_map

__all__ = [
    "add_model_argument",
    "add_data_arguments",
    "load_model_argument",
    "read_profiles_file",
    "label_map_argument",
    "note",
    "note_model_written",
    "progress_bar",
    "keep_freed_memory",
]

#: glibc's mallopt parameters and the values keep_freed_memory sets.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD_BYTES = 32 << 20  # glibc's largest
_TRIM_THRESHOLD_BYTES = 256 << 20


def add_model_argument(parser, profiles=True):
    parser.add_argument(
        "--model",
        metavar="PATH",
        help="a .skops or .joblib model file written by 'stance train' (default: the model shipped with stance)",
    )
    parser.add_argument(
        "--trust-model",
        action="store_true",
        help="allow loading a .joblib model that is not the shipped one; joblib files can run code "
        "when loaded, so only for files from a source you trust",
    )
    if profiles:
        parser.add_argument(
            "--targets",
            metavar="FILE",
            help="target profiles (TOML: [[target]] tables with name, aliases, allies, opponents), used for "
            "the rows whose target has a profile's name, over the model's own profiles",
        )


def add_safe_csv_argument(parser):
    parser.add_argument(
        "--safe-csv",
        action="store_true",
        help="in CSV output, put a ' before text cells (and column names) that start with =, +, -, @, a tab "
        "or a carriage return, so that a spreadsheet shows them instead of running them as formulas",
    )


def add_data_arguments(parser, labels=True):
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="input format (default: from the file extension; semeval is the official SemEval-2016 "
        "Task 6 tab-separated format, recognised by its header)",
    )
    parser.add_argument(
        "--text-column", default="text", metavar="NAME", help="column with the sentences (default: text)"
    )
    parser.add_argument(
        "--target-column",
        default="target",
        metavar="NAME",
        help="column with each row's target (default: target, if the input has it)",
    )
    if labels:
        parser.add_argument(
            "--label-column",
            default="label",
            metavar="NAME",
            help="column with the gold labels (default: label)",
        )
        parser.add_argument(
            "--label-map",
            metavar="MAP",
            help="map the data's labels to ours, e.g. 'FAVOR=aligned,AGAINST=opposed,NONE=neutral' "
            "(common schemes such as SemEval's, IBM's and Perspectrum's are known already)",
        )


def label_map_argument(args):
    if not getattr(args, "label_map", None):
        return None
    try:
        return parse_label_map(args.label_map)
    except ValueError as error:
        raise UsageError(f"invalid --label-map: {error}") from None


def load_model_argument(args):
    """Return the model of ``--model`` (the shipped one by default), with the profiles of ``--targets``."""
    return load_model_and_profiles(args)[0]


def load_model_and_profiles(args):
    """Return ``(model, profiles)``: as :func:`load_model_argument`, and the profiles of ``--targets`` (or None)."""
    from .._model import load_model

    if args.model is not None:
        check_file_name("--model", args.model)
    model = load_model(args.model, trusted=args.trust_model)
    path = getattr(args, "targets", None)
    if path is None:
        return model, None
    profiles = read_profiles_file(path)
    return model.with_profiles(profiles), profiles


class ProfileUse:
    """Which profiles of ``--targets`` the rows' targets use; :meth:`report` warns of the others.

    A profile whose name no row's target has does nothing. Where none of
    the file's profiles was used, or an unused one's name is close to a
    target that found no profile (a misspelling: "the widgit levy"), it
    says so; with ``verbose``, it names the unused ones (a library of
    profiles is mostly unused by any one file). Past :data:`MAX_TARGETS`
    distinct targets it says nothing (it would hold them all).
    """

    MAX_TARGETS = 10_000
    #: At most this many (unused profile, target) pairs are compared for a misspelling,
    MAX_COMPARISONS = 20_000
    #: and at most this many are named.
    MAX_NAMED = 5

    def __init__(self, model, profiles, path, verbose=False):
        self.model, self.profiles, self.path, self.verbose = model, profiles or {}, path, verbose
        self.targets = set()

    def see(self, targets):
        """Count these rows' targets (a value that is no string, such as a number, as its text)."""
        from .._text import is_missing

        if self.profiles and self.targets is not None:
            self.targets.update(str(target) for target in targets if target is not None and not is_missing(target))
            if len(self.targets) > self.MAX_TARGETS:
                self.targets = None

    def report(self):
        import difflib

        from .._targets import ProfileIndex, find_profile, loose_key
        from .._text import normalize_target

        if not self.profiles or self.targets is None:
            return
        # A target uses the profile that names it ("ending X" as written in
        # the file), and the one it is read as (X's, for that reversal).
        index, model_profiles, trained = ProfileIndex(self.profiles), self.model.profiles, set(self.model.targets)
        used, unprofiled = set(), {}
        for target in self.targets:
            key = normalize_target(target)
            named, read_as = find_profile(key, index), self.model._read_as(target)
            used.update(profile.key for profile in (named, read_as) if profile is not None)
            if key and read_as is not None and read_as.key not in model_profiles and read_as.key not in trained:
                unprofiled[loose_key(key)] = target
        unused = [profile for key, profile in self.profiles.items() if key not in used]
        if not unused:
            return
        if len(unused) == len(self.profiles):
            note(f"warning: none of the {len(self.profiles)} profiles in {self.path} named a row's target")
        elif self.verbose:
            note(f"{len(unused)} of the {len(self.profiles)} profiles in {self.path} named no row's target: "
                 + self._listing([repr(profile.name) for profile in unused]))
        if len(unused) * len(unprofiled) > self.MAX_COMPARISONS:
            return
        close = []
        for profile in unused:
            match = difflib.get_close_matches(loose_key(profile.key), list(unprofiled), n=1, cutoff=0.85)
            if match:
                close.append(f"{profile.name!r} (is it the rows' {unprofiled[match[0]]!r}?)")
        if close:
            note(f"warning: profiles in {self.path} that no row's target named: " + self._listing(close))

    def _listing(self, names):
        more = f" and {len(names) - self.MAX_NAMED} more" if len(names) > self.MAX_NAMED else ""
        return ", ".join(names[: self.MAX_NAMED]) + more


def check_file_name(option, value):
    """Raise UsageError where an option that reads a file is given standard input or nothing."""
    if str(value).strip() == "-":
        raise UsageError(f"{option} reads a file, not standard input")
    if not str(value).strip():
        raise UsageError(f"{option} needs a file name")


def read_profiles_file(path):
    """Return the profiles of ``--targets FILE``; an unreadable or malformed file is a DataError."""
    from pathlib import Path

    from .._targets import load_profiles

    check_file_name("--targets", path)
    try:
        return load_profiles(Path(path))
    except ValueError as error:  # its message names the file and the problem
        raise DataError(str(error)) from None


def check_model_output(path, force):
    """Stop before any work if a model cannot be written at ``path``.

    A name that is not a model file's, or (without ``force``) an existing
    model, metadata or card, is a usage error; a folder, a missing folder or
    a special file where a model file goes is a failure, as for any output.
    """
    from .._errors import ModelError
    from .._persistence import check_model_files, check_model_name, sibling_paths

    try:
        check_model_name(path)
    except ModelError as error:
        raise UsageError(str(error)) from None
    try:
        check_model_files(path)
    except ModelError as error:
        raise DataError(str(error)) from None
    existing = [p for p in sibling_paths(path) if p.exists()]
    if existing and not force:
        raise UsageError(f"{existing[0]} exists; pass --force to replace it")


def check_training_file(path):
    """Return ``path`` as a Path if it is a regular file: training records its checksum (and
    ``--streaming`` reads it several times), which a pipe, a FIFO or ``<(...)`` cannot give."""
    import os
    import stat
    from pathlib import Path

    from .._files import describe_kind

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise DataError(f"{path} does not exist") from None
    except OSError as error:
        raise DataError(f"cannot read {path}: {error.strerror}") from None
    if not stat.S_ISREG(mode):  # a file there that cannot be used: a failure, as for every input
        raise DataError(
            f"train reads a file, not a {describe_kind(mode)}: its checksum goes into the model's "
            "metadata; save the data to a file and pass --data FILE"
        )
    return Path(path)


def note(message):
    print(f"stance: {message}", file=sys.stderr)


def note_model_written(path, record):
    """Say which files a saved model is: the model, its compiled form if any, metadata and card."""
    from .._persistence import sibling_paths

    model, metadata, card, compiled = sibling_paths(path)
    parts = [f"compiled form ({compiled.name})"] if "compiled" in record else []
    parts += [f"metadata ({metadata.name})", f"card ({card.name})"]
    note(f"wrote {model} with its {', '.join(parts[:-1])} and {parts[-1]}")


def progress_bar(total=None, unit="rows", description=None):
    """A progress bar on stderr, shown when stderr is a terminal and work lasts over 2 seconds.

    (Redirected to a file, stderr keeps only messages, not bar updates.)
    """
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit=f" {unit}",
        desc=description,
        file=sys.stderr,
        delay=2,
        disable=None,
        dynamic_ncols=True,
        leave=False,
    )


def keep_freed_memory():
    """Let this process (and the workers it forks) reuse the memory it frees, not hand it back at once.

    Labelling a chunk of rows makes arrays of several megabytes that live
    for a moment. glibc gives each such block its own fresh pages (above its
    mmap threshold) and returns the top of the heap to the system when it is
    freed (above its trim threshold), so every chunk touched new pages again:
    some 150,000 page faults, a tenth of the time of labelling a file in one
    process. With these thresholds the blocks come from the heap and stay
    there for the next chunk (as measured: a third of the page faults, 0.3 s
    less CPU time on 100,000 rows, the same peak memory: what one chunk needs).
    Only the command line sets this, for its own process: a library must not.
    Elsewhere than glibc (no mallopt) nothing changes.
    """
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_BYTES)
        mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD_BYTES)
    except (OSError, AttributeError, TypeError):  # no C library to ask, or no mallopt in it
        pass
