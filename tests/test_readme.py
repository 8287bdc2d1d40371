"""Every README example runs as written, in order, from an empty folder.

The bash and python code blocks of the README are extracted and run one
after another in a new, empty folder (each python block after those before
it, as in one interpreter session), as a new user would run them after
'pip install .': ``stance`` is this checkout's command. Blocks that need the
network (pip), a Dask cluster, data that is not part of the repository, or
the whole test suite are skipped, each with its reason; the test fails if a
block that is not skipped fails.

Two examples train on the bundled corpus (``cross_val_score`` of
``StanceClassifier``, ``stance train --with-corpus``): six fits on the whole
corpus, two minutes of the suite. Here the corpus is a sample of it with
every target and label (``conftest.write_small_corpus``): the examples run
the same code as written, on a sixth of the rows; what they print is not
checked. ``tests/test_training.py`` trains on the whole corpus.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import small_corpus_code

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"

#: Why a block is not run, by a pattern it contains.
SKIPS = [
    (re.compile(r"pip install"), "needs the network"),
    (re.compile(r"^pytest|&& pytest", re.M), "runs the whole test suite"),
    (re.compile(r"tcp://|--engine dask|dask\.dataframe|distributed"), "needs a Dask cluster"),
    (re.compile(r"semeval2016_t6/|archive\.csv|benchmarks/"), "needs data that is not in the repository"),
    (re.compile(r"^make |make model", re.M), "runs from the repository"),
]

#: Keys piped to blocks that run 'stance annotate' (one answer per suggested sentence).
ANNOTATE_KEYS = "aonanaonan\n"


#: The interpreter that runs the python blocks: each block it reads (as JSON: README line, code)
#: runs in the namespace of those before it; it answers with whether it ran and what it printed.
PYTHON_SESSION = """
import contextlib, io, json, sys, traceback
namespace, replies = {"__name__": "__main__"}, sys.stdout
for request in sys.stdin:
    line, code = json.loads(request)
    output, ok = io.StringIO(), True
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            exec(compile(code, f"README.md:{line}", "exec"), namespace)
        except BaseException:
            traceback.print_exc()
            ok = False
    replies.write(json.dumps([ok, output.getvalue()]) + "\\n")
    replies.flush()
"""


def run_in(python, line, code):
    """Run ``code`` (README line ``line``) in the interpreter ``python``; return (ran, printed)."""
    python.stdin.write(json.dumps([line, code]) + "\n")
    python.stdin.flush()
    reply = python.stdout.readline()
    assert reply, f"the interpreter ended at README line {line}"
    ok, output = json.loads(reply)
    return ok, output


def code_blocks():
    """``(line, language, code)`` of each bash or python block of the README, in order."""
    text = README.read_text("utf-8")
    blocks = []
    for match in re.finditer(r"^```(bash|python)\n(.*?)^```", text, re.S | re.M):
        line = text[: match.start()].count("\n") + 1
        blocks.append((line, match.group(1), match.group(2)))
    return blocks


def skip_reason(code):
    for pattern, reason in SKIPS:
        if pattern.search(code):
            return reason
    return None


def test_the_readme_has_examples_of_every_new_command():
    code = "\n".join(block for _, _, block in code_blocks())
    for command in ("stance suggest", "stance annotate", "--with-corpus", "stance analyze", "stance evaluate"):
        assert command in code


def test_every_readme_example_runs_verbatim_from_an_empty_folder(tmp_path, small_corpus_csv):
    folder = tmp_path / "work"
    folder.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    small_corpus = small_corpus_code(small_corpus_csv)
    # 'python -m stance', with the small corpus.
    shim = bin_dir / "stance"
    shim.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -c "{small_corpus}; import runpy, sys; '
        f"sys.argv[0] = 'stance'; runpy.run_module('stance', run_name='__main__', alter_sys=True)\" \"$@\"\n"
    )
    shim.chmod(0o755)
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
        "COLUMNS": "100",
    }
    ran, skipped = [], []
    python = None  # one interpreter for the python blocks, in which each runs after those before it
    try:
        for line, language, code in code_blocks():
            reason = skip_reason(code)
            if reason:
                skipped.append((line, reason))
                continue
            if language == "python":
                if python is None:
                    python = subprocess.Popen(
                        [sys.executable, "-c", PYTHON_SESSION], cwd=folder, env=env, text=True,
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    )
                    assert run_in(python, 0, small_corpus) == (True, "")
                ok, output = run_in(python, line, code)
                assert ok, f"README line {line} failed:\n{code}\n{output[-2000:]}"
                assert "Traceback" not in output, f"README line {line}:\n{output[-2000:]}"
                ran.append(line)
                continue
            result = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", code], cwd=folder, env=env,
                input=ANNOTATE_KEYS if "annotate" in code else "", capture_output=True, text=True, timeout=600,
            )
            assert result.returncode == 0, f"README line {line} failed:\n{code}\n{result.stderr[-2000:]}"
            assert "Traceback" not in result.stderr, f"README line {line}:\n{result.stderr[-2000:]}"
            ran.append(line)
    finally:
        if python is not None:
            python.stdin.close()
            python.wait(timeout=60)
    assert len(ran) >= 5, (ran, skipped)
    # Only what the README promised: nothing outside the folder.
    assert (folder / "models" / "mine.skops").exists()
    # ... trained with the small corpus, which the command's shim put in place of the bundled one.
    metadata = json.loads((folder / "models" / "mine.json").read_text())
    assert metadata["with_corpus"]["corpus_sha256"] == hashlib.sha256(small_corpus_csv.read_bytes()).hexdigest()
    if skipped:
        print("skipped README blocks:", skipped)


def test_readme_first_steps_output_matches_the_command(tmp_path):
    """The table printed in 'First steps' is what the command prints."""
    from stance.cli import main

    text = README.read_text("utf-8")
    document = re.search(r"cat > statement.txt <<'EOF'\n(.*?)\nEOF\n", text, re.S).group(1) + "\n"
    shown = re.search(r"^```\n(#  voice.*?)^```", text, re.S | re.M).group(1)
    (tmp_path / "statement.txt").write_text(document)
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["analyze", str(tmp_path / "statement.txt"), "--target",
                     "the treaty on plastic pollution", "--width", "100"]) == 0
    assert out.getvalue().strip() == shown.strip()


@pytest.mark.parametrize("line, language, code", code_blocks())
def test_python_blocks_compile(line, language, code):
    if language == "python":
        compile(code, f"README.md:{line}", "exec")
