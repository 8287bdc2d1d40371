"""stance annotate: a/n/o, skip, undo, quit and resume, atomic saves; in a real pseudo-terminal too."""

import io
import os
import sys

import pandas as pd
import pytest

from stance.cli import main
from stance.cli.annotate import Annotator, run_session

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def todo(tmp_path):
    path = tmp_path / "todo.csv"
    pd.DataFrame(
        {
            "text": ["We back the plan.", "The plan is bad.", "It was tabled.", "Maybe.", "We reject it."],
            "target": ["the plan"] * 5,
            "label": [""] * 5,
            "model_label": ["aligned"] * 5,
        }
    ).to_csv(path, index=False)
    return path


def read(path):
    return pd.read_csv(path, keep_default_na=False, dtype=str)


def test_keys_label_skip_undo_and_save_after_every_answer(todo):
    annotator = Annotator(read(todo), todo)
    for key in "aon":
        annotator.press(key)
        saved = read(todo)
        assert saved["label"].str.len().gt(0).sum() == len(annotator.history)
    annotator.press("u")  # undo the 'n'
    assert read(todo)["label"].tolist() == ["aligned", "opposed", "", "", ""]
    assert annotator.position == 2
    annotator.press("s")
    annotator.press("x")  # an unknown key does nothing
    assert annotator.position == 3
    assert read(todo)["annotation"].tolist() == ["", "", "skipped", "", ""]
    assert annotator.press("q") is False
    assert not list(todo.parent.glob("*.part"))  # no temporary file left behind


def test_quit_and_resume_where_left_off(todo, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("a s q"))
    assert main(["annotate", str(todo)]) == 0
    err = capsys.readouterr().err
    assert "1 of 5 rows labelled (2 answers this session); run the same command again to resume" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("o\nn\no\n"))
    assert main(["annotate", str(todo)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("row 3 of 5")  # the skipped row is not shown again
    assert "all done" in out
    assert read(todo)["label"].tolist() == ["aligned", "", "opposed", "neutral", "opposed"]
    monkeypatch.setattr("sys.stdin", io.StringIO("a"))
    assert main(["annotate", str(todo), "--revisit-skipped"]) == 0
    assert read(todo)["label"].tolist()[1] == "aligned"
    # The annotated file trains (the extra columns are ignored).
    assert main(["annotate", str(todo)]) == 0
    assert "nothing left to label" in capsys.readouterr().err


def test_saving_keeps_permissions_links_and_column_names(tmp_path, capsys, monkeypatch):
    # annotate had a writer of its own: 0600 became 0644, a symbolic link
    # became a file (the file it pointed to never saw the answers), and a
    # repeated or blank column name came back as "note.1" or "Unnamed: 4".
    path = tmp_path / "answers.csv"
    path.write_text("text,note,note,\nWe back it.,a,b,c\nWe reject it.,d,e,f\n")
    path.chmod(0o600)
    link = tmp_path / "link.csv"
    link.symlink_to(path.name)
    monkeypatch.setattr("sys.stdin", io.StringIO("a o"))
    assert main(["annotate", str(link)]) == 0
    assert link.is_symlink() and oct(path.stat().st_mode & 0o777) == "0o600"
    assert path.read_text().splitlines() == [
        "text,note,note,,label,annotation", "We back it.,a,b,c,aligned,", "We reject it.,d,e,f,opposed,"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answers.csv", "link.csv"]


def test_render_shows_progress_target_text_and_keys():
    annotator = Annotator(pd.DataFrame({"text": ["word " * 40], "target": ["x"], "model_label": ["neutral"]}))
    screen = annotator.render(width=40)
    assert screen.startswith("row 1 of 1   (0 labelled)\ntarget: x\n")
    assert max(len(line) for line in screen.splitlines()[3:-4]) <= 40
    assert "model's guess: neutral" in screen and "[u] undo" in screen
    out = io.StringIO()
    assert run_session(annotator, iter("n"), out) == 1
    assert "all done: 1 of 1 rows labelled" in out.getvalue()


@pytest.mark.parametrize(
    "argv, status, message",
    [
        (["annotate", "missing.csv"], 1, "does not exist; make one with: stance suggest"),
        (["annotate", "-"], 2, "give its name"),
        (["annotate", "model.json"], 2, "reads and writes CSV files"),
    ],
)
def test_errors_are_one_line(tmp_path, capsys, monkeypatch, argv, status, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.json").write_text("{}")
    assert main(argv) == status
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_in_a_pseudo_terminal_single_keys_need_no_enter(todo):
    pexpect = pytest.importorskip("pexpect")
    child = pexpect.spawn(
        sys.executable, ["-m", "stance", "annotate", str(todo)], cwd=REPO, encoding="utf-8", timeout=30,
        env={**os.environ, "PYTHONPATH": REPO}, dimensions=(24, 80),
    )
    child.expect("row 1 of 5")
    child.send("a")
    child.expect("row 2 of 5")
    child.send("o")
    child.expect("row 3 of 5")
    child.send("u")
    child.expect("row 2 of 5")
    child.send("n")
    child.expect("row 3 of 5")
    child.send("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert read(todo)["label"].tolist() == ["aligned", "neutral", "", "", ""]


def test_a_key_from_a_pipe_is_saved_as_soon_as_it_arrives(todo):
    # Piped keys waited for 64 characters (or the end) before any was
    # applied: a SIGTERM meanwhile lost answers typed seconds before.
    import signal
    import subprocess
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "stance", "annotate", str(todo)], stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": REPO},
    )
    process.stdin.write(b"a")
    process.stdin.flush()
    deadline = time.monotonic() + 30
    while read(todo)["label"].tolist()[0] != "aligned" and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM
    assert read(todo)["label"].tolist() == ["aligned", "", "", "", ""]


def test_keys_from_an_endless_pipe_are_read_in_pieces(todo):
    # `yes a` gives lines of one key for ever: the session labels every row
    # and ends; keys on one line that never ends are read as they come.
    import subprocess

    env = {**os.environ, "PYTHONPATH": REPO}
    command = f"yes a | {sys.executable} -m stance annotate {todo}"
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0 and set(read(todo)["label"]) == {"aligned"}
    fresh = read(todo).assign(label="")
    fresh.to_csv(todo, index=False)
    command = f"tr -d '\\n' < /dev/zero | tr '\\0' o | {sys.executable} -m stance annotate {todo}"
    done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0 and set(read(todo)["label"]) == {"opposed"}, done.stderr


@pytest.mark.parametrize("stdin, message", [("/dev/zero", "whose bytes never end"), (None, "standard input is closed")])
def test_keys_from_a_device_or_closed_input_are_refused(todo, stdin, message):
    import subprocess

    env = {**os.environ, "PYTHONPATH": REPO}
    command = [sys.executable, "-m", "stance", "annotate", str(todo)]
    if stdin is None:
        done = subprocess.run(" ".join(command) + " <&-", shell=True, capture_output=True, text=True, timeout=60, env=env)
    else:
        with open(stdin, "rb") as source:
            done = subprocess.run(command, stdin=source, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 1 and message in done.stderr and done.stderr.count("\n") == 1
