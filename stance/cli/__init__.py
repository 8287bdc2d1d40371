"""The ``stance`` command: one module per subcommand.

Each subcommand module exposes ``format_parser(parser)``, which adds its
arguments, and ``main(args)``, which runs it and returns the exit status.
Exit status (:class:`ExitStatus`): 0 success; 1 failure: a file (input,
output or model) that is missing, unreadable, of the wrong kind (a folder,
a device, a FIFO, a socket), empty or damaged, unusable data, a full disk;
2 usage error: the command line asks for what cannot be (an unknown option
or a bad value, a column or label mapping the data lacks, a file name
whose suffix no format has, standard input where a file is needed, an
existing output without --force); 130 interrupted (Ctrl-C), 128 + the
signal's number when ended by SIGTERM (143) or SIGHUP (129). Errors are
one line on stderr, never a traceback (``stance --traceback COMMAND`` shows
one for an unexpected error, for a bug report). However the command ends,
its worker processes end with it and its temporary files are removed.
"""

import argparse
import enum
import errno
import io
import os
import signal
import sys

from .._errors import StanceError, UsageError
from .._io import INTERRUPTED, check_interrupted
from .._version import __version__
from . import analyze, annotate, evaluate, export, info, predict, suggest, train

__all__ = ["main", "ExitStatus"]


class ExitStatus(enum.IntEnum):
    """The exit statuses of the ``stance`` command."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    HANGUP = 128 + signal.SIGHUP
    INTERRUPTED = 130
    TERMINATED = 128 + signal.SIGTERM


class Terminated(BaseException):
    """Raised in the main thread on SIGTERM, SIGHUP or another ending signal, so that clean-up runs as for Ctrl-C."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


SUBCOMMANDS = {
    "predict": (predict, "label sentences (arguments, a file or standard input)"),
    "analyze": (analyze, "label a document sentence by sentence, with a summary"),
    "train": (train, "train a model on labelled data"),
    "suggest": (suggest, "choose the sentences worth labelling, ready to annotate"),
    "annotate": (annotate, "label sentences in a CSV file, one key at a time"),
    "evaluate": (evaluate, "score a model on labelled data"),
    "info": (info, "describe a model: what it knows and how it scored"),
    "export": (export, "convert a model, e.g. to the safe .skops format for sharing"),
}


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr, exit 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")

    def _print_message(self, message, file=None):
        # argparse ignores a failed write (help or version to a full disk
        # would end "successfully" having printed nothing): let it be seen.
        if message:
            (file or sys.stderr).write(message)


def build_parser():
    parser = _Parser(
        prog="stance",
        description="Label sentences by their stance (aligned, opposed, neutral) toward a target.",
        epilog="Run 'stance COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"stance {__version__}")
    parser.add_argument(
        "--traceback",
        action="store_true",
        help="on an unexpected error, print Python's traceback (for a bug report) instead of one line",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for name, (module, summary) in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=module.__doc__.strip().splitlines()[0])
        sub.add_argument("-v", "--verbose", action="count", default=0, help="say more on stderr")
        module.format_parser(sub)
        sub.set_defaults(run=module.main)
    return parser


#: The longest error message printed: a message quoting a huge value is cut.
MAX_MESSAGE_CHARS = 1000


def fail(message, status=ExitStatus.FAILURE):
    text = " ".join(str(message).split()) if "\n" in str(message) else str(message)
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 30] + f"... ({len(text):,} characters in all)"
    print(f"stance: error: {text}", file=sys.stderr)
    return status


def _show_warning(message, category, filename, lineno, file=None, line=None):
    # A warning is one line for the user, not a source location.
    print(f"stance: warning: {message}", file=sys.stderr)


def _first_line(error):
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__


#: Errors of writing to standard output (a full disk, a closed descriptor).
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EBADF, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _silence_stdout():
    """Point standard output at the null device, so that Python's flush at exit cannot fail again."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.close(fd)
    except OSError:
        pass


class _Forgiving:
    """Standard error that loses what it cannot write rather than fail the command.

    Messages are for people: on a full or closed standard error (``2>/dev/full``,
    ``2>&-``) the output the command was asked for, and its exit status, must
    not depend on them.
    """

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        try:
            return self._stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self):
        try:
            self._stream.flush()
        except (OSError, ValueError):
            pass

    def __getattr__(self, name):
        return getattr(self._stream, name)


def _forgive_stderr():
    if sys.stderr is None:
        # Started with standard error closed: the null device takes its
        # descriptor (which workers inherit), so that no file opened later
        # gets it, and messages go nowhere, not into an output.
        try:
            sys.stderr = open(os.devnull, "w")  # open for the life of the process
        except OSError:  # no descriptor left: a closed stream, whose writes fail and are forgiven
            sys.stderr = io.StringIO()
            sys.stderr.close()
    sys.stderr = _Forgiving(sys.stderr)


def _writes_to_stdout(args):
    if args.command in ("train", "export"):
        return False  # they write files; what they print is a report
    return not (args.command == "predict" and getattr(args, "output", "-") != "-")


def main(argv=None):
    """Run the command line; return the exit status (an :class:`ExitStatus`, or 128 + a signal)."""
    import warnings

    if sys.stderr is None:  # (run() has seen to it; main called on its own, with no stderr)
        _forgive_stderr()
    # --help and --version print to standard output and end: a full disk
    # there is a failure, not a silent success.
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:
        if stop.code in (0, None) and sys.stdout is not None:
            try:
                sys.stdout.flush()
            except OSError as error:
                _silence_stdout()
                return fail(f"cannot write to standard output: {error.strerror}")
        raise
    except OSError as error:
        _silence_stdout()
        return fail(f"cannot write to standard output: {error.strerror}")
    warnings.showwarning = _show_warning
    # Output may contain lone surrogates from hostile input: escape them
    # rather than crash half way through writing.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        if sys.stdout is None and _writes_to_stdout(args):
            takes_output = hasattr(args, "output") and getattr(args, "output_format", None) != "table"
            where = "give an output file (-o FILE) or open it" if takes_output else "open it"
            raise StanceError(f"standard output is closed; {where}")
        status = args.run(args)
        if sys.stdout is not None:
            sys.stdout.flush()
        check_interrupted()  # a signal whose exception was lost on the way: it decides the status
        return status
    except UsageError as error:
        return fail(error, ExitStatus.USAGE)
    except StanceError as error:
        return fail(error)
    except (KeyboardInterrupt, Terminated) as ended:
        # A library that caught the signal's exception re-raises it as an interrupt: the signal decides.
        signum = getattr(ended, "signum", None) or _stopped_by
        if signum is None:
            print("stance: interrupted", file=sys.stderr)
            return ExitStatus.INTERRUPTED
        print(f"stance: stopped by {_signal_name(signum)}", file=sys.stderr)
        return 128 + signum
    except BrokenPipeError:
        # The reader went away (``stance predict ... | head``): not an error.
        _silence_stdout()
        return ExitStatus.OK
    except MemoryError:
        return fail("out of memory; process the input in smaller files (or fewer --jobs)")
    except OSError as error:
        if error.filename is None and error.errno in _OUTPUT_ERRNOS:
            _silence_stdout()
            return fail(f"cannot write to standard output: {error.strerror}")
        if args.traceback:
            raise
        where = f" ({error.filename})" if error.filename else ""
        return fail(f"{error.strerror or _first_line(error)}{where}")
    except ImportError as error:
        if args.traceback:
            raise
        root = error  # numpy wraps the loader's error in a page of advice: say the loader's
        while (root.__cause__ or root.__context__) is not None:
            root = root.__cause__ or root.__context__
        hint = (
            " (out of memory? a memory limit such as ulimit -v may be too low)" if _memory_error(root) else ""
        )
        return fail(f"cannot load a library stance needs: {_first_line(root)}{hint}")
    except RecursionError:
        return fail("the input nests too deeply to be processed")
    except Exception as error:
        if args.traceback:
            raise
        return fail(
            f"unexpected error: {_first_line(error)}; run 'stance --traceback ...' to see where, and report it"
        )


def _memory_error(error):
    text = str(error).lower()
    return any(word in text for word in ("memory", "map", "allocate"))


def _stop_listening():
    """Ignore Ctrl-C and the ending signals from now on: a second one must not cut the clean-up short.

    (A second Ctrl-C raised KeyboardInterrupt again while workers were
    stopped or at interpreter exit, which printed "Exception ignored ..."
    or a traceback and ended the process by SIGINT instead of status 130.)
    Clean-up is bounded: workers that do not end within seconds are killed.
    """
    for number in (signal.SIGINT, *_ENDING_SIGNALS):
        signal.signal(number, signal.SIG_IGN)


def _interrupt(signum, frame):
    _stop_listening()
    INTERRUPTED.set()
    raise KeyboardInterrupt


#: The signal (SIGTERM, SIGHUP) that is ending the command, if any.
_stopped_by = None
#: Signals that end the command in a way of their own, or not at all: Ctrl-C
#: (its own handler), a closed pipe (Python ignores SIGPIPE, so that writing
#: raises BrokenPipeError), the uncatchable ones, those whose default is to be
#: ignored or to stop, and the signals of a crash of this process itself
#: (SIGSEGV, SIGBUS, SIGILL, SIGFPE): a Python handler would return to the
#: faulting instruction, for ever.
_NOT_ENDING = frozenset(
    getattr(signal, name)
    for name in (
        "SIGINT", "SIGPIPE", "SIGKILL", "SIGSTOP", "SIGCHLD", "SIGCONT", "SIGURG", "SIGWINCH", "SIGINFO",
        "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGSEGV", "SIGBUS", "SIGILL", "SIGFPE",
        *(("SIGIO",) if sys.platform == "darwin" else ()),  # ignored by default there
    )
    if hasattr(signal, name)
)
#: Every other signal ends the process by default (SIGTERM, SIGHUP, SIGQUIT,
#: SIGUSR1, SIGPWR, SIGABRT, SIGSYS or SIGTRAP sent by kill, the real-time
#: signals...): each runs the clean-up first.
_ENDING_SIGNALS = tuple(sorted(set(signal.valid_signals()) - _NOT_ENDING))


def _signal_name(signum):
    """``SIGTERM``; a real-time signal, which has no name of its own, as ``SIGRTMIN+3``."""
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"SIGRTMIN+{signum - signal.SIGRTMIN}" if hasattr(signal, "SIGRTMIN") else f"signal {signum}"


def _terminate(signum, frame):
    global _stopped_by

    _stop_listening()
    _stopped_by = signum
    INTERRUPTED.set()
    raise Terminated(signum)


def _quiet_lost_signals(unraisable):
    # A signal's exception raised where Python cannot pass it on (inside a
    # garbage-collector callback of Dask's, a __del__) is printed as
    # "Exception ignored in ..." with a traceback. The INTERRUPTED flag still
    # stops the command with the right status, so nothing needs saying.
    if not isinstance(unraisable.exc_value, (KeyboardInterrupt, Terminated)):
        sys.__unraisablehook__(unraisable)


def run():
    """Entry point of the installed ``stance`` script.

    SIGPIPE keeps Python's handling (a BrokenPipeError, a clean end), and
    SIGTERM, SIGHUP and the other signals that end a process by default
    (SIGQUIT, SIGALRM, SIGXCPU, SIGUSR1, SIGPWR, the real-time signals...)
    raise :class:`Terminated`: every way the command ends but SIGKILL and a
    crash of the process itself runs its clean-up (workers stopped,
    temporary files removed), and it exits with 128 + the signal's number.
    """
    sys.unraisablehook = _quiet_lost_signals
    _forgive_stderr()
    signal.signal(signal.SIGINT, _interrupt)
    for ending in _ENDING_SIGNALS:
        signal.signal(ending, _terminate)
    try:
        status = main()
        # The work is done (or stopped): a signal from now on changes
        # nothing. (Python's shutdown puts the default handlers back, so
        # such a signal ended the process by itself, with no message.)
        _stop_listening()
    except (KeyboardInterrupt, Terminated) as ended:  # arrived outside main's handlers
        signum = getattr(ended, "signum", None)
        status = 128 + signum if signum else ExitStatus.INTERRUPTED
    sys.exit(int(status))
