"""The ``stance`` command: one module per subcommand.

Each subcommand module exposes ``format_parser(parser)``, which adds its
arguments, and ``main(args)``, which runs it and returns the exit status.
Exit status: 0 success, 1 failure (missing or unreadable file, bad model,
unusable data), 2 usage error (unknown option, column or label mapping),
130 interrupted. Errors are one line on stderr, never a traceback.
"""

import argparse
import signal
import sys

from .._errors import StanceError, UsageError
from .._version import __version__
from . import analyze, annotate, evaluate, export, info, predict, suggest, train

__all__ = ["main"]

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


def build_parser():
    parser = _Parser(
        prog="stance",
        description="Label sentences by their stance (aligned, opposed, neutral) toward a target.",
        epilog="Run 'stance COMMAND --help' for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"stance {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for name, (module, summary) in SUBCOMMANDS.items():
        sub = commands.add_parser(name, help=summary, description=module.__doc__.strip().splitlines()[0])
        sub.add_argument("-v", "--verbose", action="count", default=0, help="say more on stderr")
        module.format_parser(sub)
        sub.set_defaults(run=module.main)
    return parser


def fail(message, status=1):
    print(f"stance: error: {message}", file=sys.stderr)
    return status


def _show_warning(message, category, filename, lineno, file=None, line=None):
    # A warning is one line for the user, not a source location.
    print(f"stance: warning: {message}", file=sys.stderr)


def main(argv=None):
    """Run the command line; return the exit status."""
    import warnings

    args = build_parser().parse_args(argv)
    warnings.showwarning = _show_warning
    # Output may contain lone surrogates from hostile input: escape them
    # rather than crash half way through writing.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        return args.run(args)
    except UsageError as error:
        return fail(error, 2)
    except StanceError as error:
        return fail(error, 1)
    except KeyboardInterrupt:
        print("stance: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``stance predict ... | head``): not an error.
        # Point stdout at /dev/null so that Python's exit flush stays quiet.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except MemoryError:
        return fail("out of memory; process the input in smaller files")


def _interrupt(signum, frame):
    from .._io import INTERRUPTED

    INTERRUPTED.set()
    raise KeyboardInterrupt


def run():
    """Entry point of the installed ``stance`` script."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    signal.signal(signal.SIGINT, _interrupt)
    sys.exit(main())
