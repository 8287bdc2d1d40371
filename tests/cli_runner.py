"""Running the command line in the test process (fast), or in a new one where a process is the point.

``run_cli`` calls ``stance.cli.main`` with standard input, output and error
swapped for in-memory streams; ``stance_process`` is the argument list that
starts this checkout's command in a new process (signals, pipes, file
descriptors).
"""

import io
import os
import subprocess
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args, input=None, cwd=None):
    """Run ``stance ARGS`` in this process; return its exit status and output."""
    from stance import _io
    from stance.cli import main

    data = input.encode("utf-8") if isinstance(input, str) else (input or b"")
    streams = (sys.stdin, sys.stdout, sys.stderr)
    showwarning = warnings.showwarning
    where = os.getcwd()
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    sys.stderr = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="")
    out, err = sys.stdout, sys.stderr
    try:
        if cwd is not None:
            os.chdir(cwd)
        try:
            status = main([str(arg) for arg in args])
        except SystemExit as stop:  # argparse: usage errors, --help, --version
            status = stop.code if isinstance(stop.code, int) else 1
        for stream in (out, err):
            stream.flush()
        return Result(
            int(status),
            out.buffer.getvalue().decode("utf-8", "replace"),
            err.buffer.getvalue().decode("utf-8", "replace"),
        )
    finally:
        os.chdir(where)
        sys.stdin, sys.stdout, sys.stderr = streams
        warnings.showwarning = showwarning
        _io.INTERRUPTED.clear()


def stance_process(*args):
    """The command that runs this checkout's ``stance ARGS`` in a new process."""
    return [sys.executable, "-m", "stance", *map(str, args)]


def process_env():
    """The environment for :func:`stance_process`: this checkout first on the import path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_process(*args, input=None, cwd=None, timeout=120, **kwargs):
    """Run this checkout's ``stance ARGS`` in a new process; return the CompletedProcess."""
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(
        stance_process(*args),
        input=input,
        text=isinstance(input, str) or input is None,
        cwd=cwd,
        env=process_env(),
        timeout=timeout,
        **kwargs,
    )
