"""Crash safety, interruption, determinism and thread safety."""

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import zipfile

import numpy as np
import pandas as pd
import pytest
from cli_runner import process_env, run_cli, stance_process
from cli_runner import run_process as run_stance

import stance

OLD = "old content\n"


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    """About 126,000 rows: several seconds of labelling, so that a kill or an interrupt lands mid-way."""
    corpus = stance.load_corpus()[["text", "target"]]
    path = tmp_path_factory.mktemp("big") / "big.csv"
    pd.concat([corpus] * 20, ignore_index=True).to_csv(path, index=False)
    return path


def start(*args):
    # A session of its own, so that a Ctrl-C can reach the whole process group
    # (the command and any worker processes), as a terminal's does.
    return subprocess.Popen(
        stance_process(*args),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=process_env(),
    )


def assert_old_or_complete(path, complete):
    content = path.read_text()
    assert content == OLD or complete(content), f"partial file: {len(content)} characters"


def writing(process, folder, final_names, timeout=120):
    """Wait until the command writes beside ``final_names`` (a file with bytes that is none of them).

    Returns that file's path. Fails if the command ends first, or does not
    write within ``timeout`` seconds: a signal sent after this lands while
    the output is half written, not during start-up or after the end.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the command ended before it wrote its output"
        for path in folder.iterdir():
            try:
                if path.name not in final_names and path.stat().st_size > 0:
                    return path
            except FileNotFoundError:  # moved into place meanwhile
                continue
        time.sleep(0.01)
    pytest.fail(f"the command wrote nothing beside {final_names} in {timeout} s")


def test_killed_predict_leaves_old_or_complete_output(tmp_path, big_csv):
    out = tmp_path / "labelled.csv"
    out.write_text(OLD)
    # Small chunks: the kill lands while chunks are being written.
    process = start("predict", "--input", str(big_csv), "--output", str(out), "--chunk-rows", "500")
    partial = writing(process, tmp_path, {out.name})
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    rows = len(pd.read_csv(big_csv))
    # The kill landed mid-write: what it left beside the output holds only part of the rows.
    assert 0 < partial.read_bytes().count(b"\n") < rows + 1
    assert_old_or_complete(out, lambda content: len(pd.read_csv(out)) == rows)


def test_completed_predict_replaces_old_output(tmp_path, big_csv):
    out = tmp_path / "labelled.csv"
    out.write_text(OLD)
    rows = pd.read_csv(big_csv, nrows=3000)
    rows.to_csv(tmp_path / "in.csv", index=False)
    result = run_stance("predict", "--input", str(tmp_path / "in.csv"), "--output", str(out), "--chunk-rows", "500")
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(out)) == len(rows)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "labelled.csv"]


def old_model(folder):
    """A model path whose model, compiled form, metadata and card hold old content."""
    model = folder / "m.skops"
    for path in (model, model.with_suffix(".npz"), model.with_suffix(".json"), model.with_suffix(".md")):
        path.write_text(OLD)
    return model


def train_tiny(tiny_csv, model):
    return [
        "train",
        "--data",
        str(tiny_csv),
        "--output",
        str(model),
        "--force",
        "--folds",
        "0",
        "--set",
        "calibration_folds=3",
    ]


#: ``stance ARGS`` in a new process whose ``os.replace`` into FOLDER stops at its Nth call, after
#: saying so on standard error, until the test kills it: the moment a model's files are being
#: swapped in, which is too short to hit with a timer.
STOP_AT_REPLACE = """
import os, sys, time
from pathlib import Path
folder, stop_at, replace, calls = Path(sys.argv[1]), int(sys.argv[2]), os.replace, []
def stopping_replace(source, destination, *args, **kwargs):
    if Path(destination).parent == folder:
        calls.append(destination)
        if len(calls) == stop_at:
            sys.stderr.write("replacing\\n")
            sys.stderr.flush()
            time.sleep(600)
    return replace(source, destination, *args, **kwargs)
os.replace = stopping_replace
del sys.argv[1:3]
from stance.cli import run
run()
"""


@pytest.mark.parametrize("replaced", [0, 2])
def test_killed_train_leaves_old_or_complete_files(tmp_path, tiny_csv, replaced):
    # Killed when the new files are written beside the old ones and `replaced` of them are in place.
    model = old_model(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-c", STOP_AT_REPLACE, str(tmp_path), str(replaced + 1), *train_tiny(tiny_csv, model)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=process_env(),
    )
    lines = []
    for line in process.stderr:  # progress and notes, then the stop
        lines.append(line)
        if line == "replacing\n":
            break
    assert lines[-1:] == ["replacing\n"], "".join(lines)
    assert process.poll() is None
    # Mid-write: the new files not yet in place are written beside the old ones, still in place.
    finals = {path.name for path in (model, *(model.with_suffix(s) for s in (".npz", ".json", ".md")))}
    new_beside = [p for p in tmp_path.iterdir() if p.name not in finals and p.read_bytes() != OLD.encode()]
    assert len(new_beside) == 4 - replaced, new_beside
    assert sum((tmp_path / name).read_bytes() == OLD.encode() for name in finals) == 4 - replaced
    process.send_signal(signal.SIGKILL)
    process.wait()
    # Each file is either untouched or complete.
    for archive in (model, model.with_suffix(".npz")):
        assert archive.read_bytes() == OLD.encode() or zipfile.ZipFile(archive).testzip() is None
    metadata = model.with_suffix(".json").read_text()
    assert metadata == OLD or json.loads(metadata)["format"] == "stance-model"
    card = model.with_suffix(".md").read_text()
    assert card == OLD or card.startswith("# Model card") and card.endswith("```\n")


def test_uninterrupted_train_replaces_the_old_model(tmp_path, tiny_csv):
    model = old_model(tmp_path)
    result = run_cli(*train_tiny(tiny_csv, model))
    assert result.returncode == 0, result.stderr
    assert stance.load_model(model).targets == ["the tax", "the treaty"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.md", "m.npz", "m.skops"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_exits_cleanly_and_keeps_the_old_output(tmp_path, big_csv, jobs):
    out = tmp_path / "labelled.csv"
    out.write_text(OLD)
    process = start(
        "predict", "--input", str(big_csv), "--output", str(out), "--jobs", jobs, "--chunk-rows", "1000"
    )
    writing(process, tmp_path, {out.name})
    os.killpg(os.getpgid(process.pid), signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("labelling finished before the interrupt arrived")
    assert process.returncode == 130
    assert stderr.strip().splitlines()[-1] == "stance: interrupted"
    assert "Traceback" not in stderr
    assert out.read_text() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["labelled.csv"]


def test_one_model_in_many_threads_gives_the_same_labels():
    model = stance.load_model()
    corpus = stance.load_corpus().sample(600, random_state=0)
    texts, targets = corpus["text"].tolist(), corpus["target"].tolist()
    expected = model.predict(texts, targets)
    results = {}

    def work(index):
        chunk = slice(index * 50, (index + 1) * 50)
        results[index] = [model.predict(texts[chunk], targets[chunk]) for _ in range(3)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, runs in results.items():
        for labels in runs:
            assert labels == expected[index * 50 : (index + 1) * 50]
    assert len(results) == 12


def test_default_model_loads_once_under_concurrency(monkeypatch):
    from stance import _model

    monkeypatch.setattr(_model, "_default_model", None)
    loaded = []
    original = _model.load_model
    monkeypatch.setattr(_model, "load_model", lambda *a, **k: loaded.append(1) or original(*a, **k))
    threads = [threading.Thread(target=_model.default_model) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert loaded == [1]


def test_predictions_do_not_depend_on_the_process(tmp_path):
    # Same labels and probabilities from a fresh process (no hidden state).
    sentences = ["We welcome the decision.", "This is a disaster.", "The vote is on Friday."]
    first = run_stance("predict", *sentences)
    second = run_stance("predict", *sentences)
    assert first.returncode == 0 and first.stdout == second.stdout
    inside = stance.predict_proba(sentences).to_numpy()
    outside = pd.read_csv(pd.io.common.StringIO(first.stdout))[
        ["stance_p_aligned", "stance_p_neutral", "stance_p_opposed"]
    ]
    # The command writes probabilities rounded to 6 decimals.
    np.testing.assert_allclose(inside, outside.to_numpy(), atol=5e-7, rtol=0)


# --- Every way the command ends ends its workers and removes its temporary files (issue 11) ---


def group(pgid):
    """The processes alive in process group ``pgid`` (the command started in a session of its own)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stream:
                fields = stream.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


def wait_until_gone(pgid, seconds=10):
    deadline = time.monotonic() + seconds
    while group(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return group(pgid)


def start_labelling(big_csv, out, *extra, stdout=subprocess.DEVNULL):
    process = subprocess.Popen(
        stance_process("predict", "--input", big_csv, "--jobs", "2", "--chunk-rows", "500", *extra)
        + (["--output", str(out)] if out else []),
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=process_env(),
    )
    return process


# SIGPWR, SIGABRT sent by kill and the real-time signals left .part files and printed nothing.
@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP", "SIGUSR1", "SIGQUIT", "SIGXCPU", "SIGPWR", "SIGABRT",
                                  "SIGSYS", "SIGRTMIN+3"])
def test_sigterm_and_sighup_stop_workers_and_remove_temporary_files(tmp_path, big_csv, name):
    if not hasattr(signal, name.split("+")[0]):
        pytest.skip(f"no {name} on this system")
    number = signal.SIGRTMIN + 3 if name == "SIGRTMIN+3" else getattr(signal, name)
    out = tmp_path / "labelled.csv"
    out.write_text(OLD)
    process = start_labelling(big_csv, out)
    writing(process, tmp_path, {out.name})  # started, model loaded, workers labelling, output half written
    assert len(group(process.pid)) >= 2, "the workers did not start in time"
    process.send_signal(number)  # to the main process only, as timeout(1) does
    _, stderr = process.communicate(timeout=60)
    if process.returncode == 0:
        pytest.skip("labelling finished before the signal arrived")
    assert process.returncode == 128 + number
    assert stderr.strip().splitlines() == [f"stance: stopped by {name}"]
    assert wait_until_gone(process.pid) == []
    assert out.read_text() == OLD
    assert [p.name for p in tmp_path.iterdir()] == ["labelled.csv"]


def _square(context, item):
    time.sleep(0.05)
    return item * item


def test_leaving_the_pool_early_ends_its_workers_and_leaves_no_thread():
    # concurrent.futures' pool left threads that the interpreter joins at
    # exit, and that could block for ever on a pipe to a terminated worker.
    from stance._parallel import ordered_map

    threads = set(threading.enumerate())
    results = ordered_map(_square, None, iter(range(1000)), 2)
    assert next(results) == 0
    workers = [p for p in multiprocessing.active_children()]
    assert len(workers) == 2
    results.close()  # as an error, a signal or a closed pipe leaves it
    assert set(threading.enumerate()) == threads
    assert multiprocessing.active_children() == [] and all(p.exitcode == -signal.SIGTERM for p in workers)


def _fail_on_three(context, item):
    if item == 3:
        raise ValueError(f"no {item}")
    return item


def test_an_error_in_a_worker_is_raised_in_order_with_its_traceback():
    from stance._parallel import _WorkerTraceback, ordered_map

    results = ordered_map(_fail_on_three, None, iter(range(10)), 2)
    assert [next(results) for _ in range(3)] == [0, 1, 2]
    with pytest.raises(ValueError, match="no 3") as raised:
        next(results)
    assert isinstance(raised.value.__cause__, _WorkerTraceback)
    assert "_fail_on_three" in str(raised.value.__cause__)
    assert multiprocessing.active_children() == []


def _die_on_two(context, item):
    if item == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return item


def test_a_worker_that_dies_is_one_clear_error():
    from stance._parallel import WorkerLost, ordered_map

    with pytest.raises(WorkerLost, match="killed by SIGKILL, perhaps for lack of memory"):
        list(ordered_map(_die_on_two, None, iter(range(10)), 2))
    assert multiprocessing.active_children() == []


def test_a_closed_pipe_stops_workers(big_csv):
    # stance predict --jobs 2 | head -1
    process = start_labelling(big_csv, None, stdout=subprocess.PIPE)
    assert process.stdout.readline().startswith("text,")
    time.sleep(1.0)
    process.stdout.close()
    process.wait(timeout=60)
    assert process.returncode == 0, process.stderr.read()
    assert "Traceback" not in process.stderr.read()
    assert wait_until_gone(process.pid) == []


def test_workers_end_when_the_main_process_is_killed(tmp_path, big_csv):
    process = start_labelling(big_csv, tmp_path / "labelled.csv")
    writing(process, tmp_path, {"labelled.csv"})
    assert len(group(process.pid)) >= 2, "the workers did not start in time"
    process.send_signal(signal.SIGKILL)  # no clean-up can run: the workers notice on their own
    process.wait()
    assert wait_until_gone(process.pid, seconds=10) == []


def one_line_error(result, status, pattern):
    assert result.returncode == status, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and pattern in lines[0], result.stderr


@pytest.mark.parametrize("command", [["info"], ["predict", "hi"], ["analyze", "-"]])
def test_a_full_disk_on_standard_output_is_one_line(command):
    with open("/dev/full", "w") as full:
        result = run_stance(*command, stdout=full, input="We back it." if command[-1] == "-" else None)
    one_line_error(result, 1, "cannot write to standard output: No space left on device")


def test_closed_standard_output_and_input_are_one_line():
    result = run_stance("predict", "hi", preexec_fn=lambda: os.close(1))
    one_line_error(result, 1, "standard output is closed; give an output file (-o FILE) or open it")
    result = run_stance("info", preexec_fn=lambda: os.close(1))  # info has no -o to suggest
    one_line_error(result, 1, "standard output is closed; open it")
    result = run_stance("analyze", "-", input="We back it.", preexec_fn=lambda: os.close(1))  # nor a table
    one_line_error(result, 1, "standard output is closed; open it")


def test_once_the_command_is_done_a_signal_changes_nothing(monkeypatch):
    # Python's shutdown put the default handlers back: a SIGTERM in the last
    # moments ended the process by the signal, with no message, its output
    # already complete.
    from stance import cli

    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, *cli._ENDING_SIGNALS)}
    monkeypatch.setattr(cli, "main", lambda: cli.ExitStatus.OK)
    monkeypatch.setattr(sys, "stderr", sys.stderr)  # run() wraps it: put back afterwards
    monkeypatch.setattr(sys, "unraisablehook", sys.unraisablehook)
    try:
        with pytest.raises(SystemExit) as ended:
            cli.run()
        assert ended.value.code == 0
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
        assert signal.getsignal(signal.SIGHUP) == signal.SIG_IGN
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
    result = run_stance("predict", "-i", "-", stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0))
    one_line_error(result, 1, "standard input is closed")


def test_closed_standard_error_does_not_pollute_standard_output(tmp_path):
    result = run_stance("predict", "-i", tmp_path / "missing.csv", preexec_fn=lambda: os.close(2))
    assert result.returncode == 1 and result.stdout == ""


@pytest.mark.parametrize("stderr", ["closed", "full"])
def test_a_closed_or_full_standard_error_changes_no_output_and_no_exit_status(tmp_path, stderr):
    # A warning (--jobs above the cores) or a report on standard error that
    # could not be written made the command fail: rc 1 and no rows, or a
    # usage error exiting 1.
    def run(*args, **kwargs):
        if stderr == "closed":
            return run_stance(*args, preexec_fn=lambda: os.close(2), **kwargs)
        with open("/dev/full", "w") as full:
            return run_stance(*args, stderr=full, **kwargs)

    source = tmp_path / "in.csv"
    source.write_text("text\nWe back it.\nWe reject it.\n")
    result = run("predict", "-i", source, "--jobs", "64")  # warns that --jobs is capped
    assert result.returncode == 0
    assert pd.read_csv(pd.io.common.StringIO(result.stdout))["stance_label"].tolist() == ["aligned", "opposed"]
    assert run("no-such-command").returncode == 2
    assert run("predict", "-i", tmp_path / "missing.csv").returncode == 1


def test_dev_stdin_from_a_pipe_loses_no_line():
    lines = [f"line {i}" for i in range(5000)]
    result = run_stance("predict", "-i", "/dev/stdin", "--format", "text", input="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(pd.io.common.StringIO(result.stdout), keep_default_na=False)
    assert table["text"].tolist() == lines


def test_endless_standard_input_streams_without_a_copy():
    # yes | stance predict | head -3: output starts at once, and nothing is spooled to disk.
    process = subprocess.Popen(
        stance_process("predict", "--chunk-rows", "100"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=process_env(),
    )

    def endless():
        try:
            while True:
                process.stdin.write(b"y\n" * 10_000)
        except (BrokenPipeError, ValueError, OSError):
            pass

    feeder = threading.Thread(target=endless, daemon=True)
    feeder.start()
    lines = [process.stdout.readline() for _ in range(3)]
    process.stdout.close()
    process.wait(timeout=60)
    assert lines[0].startswith(b"text,") and lines[1].startswith(b"y,")
    assert process.returncode == 0


def test_a_memory_limit_is_one_line():
    import resource

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (60 << 20, 60 << 20))

    result = run_stance("info", preexec_fn=limit)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "memory" in result.stderr

def test_stopping_labelling_in_two_processes_never_hangs(tmp_path, big_csv):
    # concurrent.futures' pool could hang at exit once its workers were
    # terminated mid-write (about 1 run in 30); chunks of 10,000 rows are
    # larger than a pipe holds, as when it hung. A few runs of each signal.
    for number, name in enumerate(["SIGINT", "SIGHUP", "SIGTERM"] * 2):
        out = tmp_path / "labelled.csv"
        out.write_text(OLD)
        process = subprocess.Popen(
            stance_process("predict", "--input", big_csv, "--jobs", "2", "--output", out),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            env=process_env(),
        )
        writing(process, tmp_path, {out.name})
        time.sleep(0.1 * number)
        if name == "SIGINT":  # Ctrl-C in a terminal: the whole group
            os.killpg(process.pid, signal.SIGINT)
        else:  # as timeout(1) or a closed terminal: the main process only
            process.send_signal(getattr(signal, name))
        stderr = ended(process, name)
        assert process.returncode != 0, "labelling finished before the signal arrived"
        expected = "stance: interrupted\n" if name == "SIGINT" else f"stance: stopped by {name}\n"
        assert (process.returncode, stderr) == (128 + getattr(signal, name), expected)
        assert wait_until_gone(process.pid) == []
        assert [p.name for p in tmp_path.iterdir()] == ["labelled.csv"] and out.read_text() == OLD


def ended(process, after, timeout=30):
    """The standard error of ``process`` once it ends; if it does not within ``timeout`` s, kill it and fail."""
    try:
        return process.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"stance hung after {after}")


def test_a_second_ctrl_c_is_quiet(tmp_path, big_csv):
    # Ctrl-C pressed again while the command stops (workers ending,
    # temporary files removed, the interpreter exiting) printed "Exception
    # ignored ..." or a traceback and ended the process by SIGINT.
    for gap in (0.0, 0.05, 0.3):
        out = tmp_path / "labelled.csv"
        out.write_text(OLD)
        process = start_labelling(big_csv, out)
        writing(process, tmp_path, {out.name})
        for _ in range(3):
            os.killpg(process.pid, signal.SIGINT)
            time.sleep(gap)
        stderr = ended(process, "Ctrl-C pressed three times")
        assert (process.returncode, stderr) == (130, "stance: interrupted\n")
        assert wait_until_gone(process.pid) == []
        assert [p.name for p in tmp_path.iterdir()] == ["labelled.csv"] and out.read_text() == OLD

@pytest.mark.parametrize(
    ("stopped_by", "status", "line"), [(None, 130, "interrupted"), ("SIGHUP", 129, "stopped by SIGHUP")]
)
def test_a_signal_whose_exception_is_lost_still_stops_the_command(tmp_path, monkeypatch, stopped_by, status, line):
    # A signal handler's exception can land in code that swallows it (numpy
    # ignores errors in its ctypes check, which pandas calls): the command
    # ran on to the end and exited 0. The handler's mark stops it at the
    # next chunk, and the old output stays.
    import stance.cli
    from stance._io import INTERRUPTED
    from stance._model import StanceModel

    if stopped_by:
        monkeypatch.setattr(stance.cli, "_stopped_by", getattr(signal, stopped_by))
    calls = []
    proba = StanceModel._proba

    def labelling_while_a_signal_is_lost(self, texts, targets):
        calls.append(len(texts))
        if len(calls) == 2:
            INTERRUPTED.set()  # what the handler does before raising...
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt:
                pass  # ... and code that swallows the exception
        return proba(self, texts, targets)

    monkeypatch.setattr(StanceModel, "_proba", labelling_while_a_signal_is_lost)
    source, out = tmp_path / "in.txt", tmp_path / "out.csv"
    source.write_text("We back the plan.\n" * 50)
    out.write_text(OLD)
    result = run_cli("predict", "-i", source, "-o", out, "--chunk-rows", "5")
    assert (result.returncode, result.stderr) == (status, f"stance: {line}\n")
    assert len(calls) <= 3 and out.read_text() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "out.csv"]


def test_ctrl_c_on_the_dask_engine_is_one_line(tmp_path, big_csv):
    # The local cluster's workers are in the command's process group: a
    # Ctrl-C reached them too, and each printed KeyboardInterrupt's traceback.
    pytest.importorskip("distributed")
    parts = tmp_path / "parts"  # a partition per file: output starts after the first one
    parts.mkdir()
    rows = pd.read_csv(big_csv)
    for number, start in enumerate(range(0, len(rows), len(rows) // 20)):
        rows.iloc[start : start + len(rows) // 20].to_csv(parts / f"part.{number}.csv", index=False)
    out = tmp_path / "labelled.csv"
    out.write_text(OLD)
    process = subprocess.Popen(
        stance_process("predict", "--input", parts, "--engine", "dask", "--jobs", "2", "--output", out),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=process_env(),
    )
    writing(process, tmp_path, {out.name, parts.name})
    assert len(group(process.pid)) >= 3, "the cluster's workers did not start in time"
    os.killpg(process.pid, signal.SIGINT)
    stderr = ended(process, "Ctrl-C")
    assert (process.returncode, stderr) == (130, "stance: interrupted\n")
    assert wait_until_gone(process.pid) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["labelled.csv", "parts"] and out.read_text() == OLD


def test_a_signal_lost_in_a_callback_prints_no_traceback(capsys, monkeypatch):
    # A Ctrl-C that lands in a garbage-collector callback (Dask's) or a
    # __del__ cannot be passed on; Python then printed "Exception ignored
    # in ..." with a traceback. The command's stop flag ends it; the hook
    # says nothing of it, and still reports any other lost exception.
    from stance.cli import Terminated, _quiet_lost_signals

    monkeypatch.setattr(sys, "unraisablehook", _quiet_lost_signals)

    class Raising:
        def __init__(self, error):
            self.error = error

        def __del__(self):
            raise self.error

    for error in (KeyboardInterrupt(), Terminated(signal.SIGTERM)):
        Raising(error)  # deleted at once: its exception is lost
    assert capsys.readouterr().err == ""
    Raising(ValueError("other"))
    assert "ValueError: other" in capsys.readouterr().err
