"""Tables for people: predict on a terminal prints one; piped, it writes CSV."""

import os
import subprocess
import sys

import pandas as pd
import pytest

from stance.cli._table import fixed_decimals, format_labelled, format_rows

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LONG = "We strongly support the treaty, which our parliament will ratify before the end of this year."


def test_rows_wrap_to_the_width_and_keep_every_word():
    table = format_rows([("#", ["1"], ">")], [LONG * 2], width=50)
    lines = table.splitlines()
    assert max(map(len, lines)) <= 50
    assert " ".join(" ".join(line.split()[1:] if i == 1 else line.split()) for i, line in enumerate(lines[1:], 1)) \
        == " ".join((LONG * 2).split())


def test_labelled_table_has_the_same_headers_as_analyze():
    frame = pd.DataFrame({"text": [LONG, None], "stance_label": ["aligned", None],
                          "stance_p_aligned": [0.981234, float("nan")], "stance_p_neutral": [0.01, float("nan")],
                          "stance_p_opposed": [0.008766, float("nan")], "stance_flag": ["", "missing text"]})
    table = format_labelled(frame, ["aligned", "neutral", "opposed"], width=120)
    header = table.splitlines()[0].split()
    assert header == ["#", "label", "p(aligned)", "p(neutral)", "p(opposed)", "flag", "text"]
    assert "0.98" in table and "missing text" in table


def test_fixed_decimals_never_write_exponents():
    frame = pd.DataFrame({"p": [4.3e-05, 1.0, float("nan")]})
    assert fixed_decimals(frame, ["p"])["p"].tolist() == ["0.000043", "1.000000", ""]


def test_predict_prints_a_table_on_a_terminal_and_csv_when_piped():
    pexpect = pytest.importorskip("pexpect")
    argv = ["-m", "stance", "predict", LONG, "The vote is on Friday."]
    env = {**os.environ, "PYTHONPATH": REPO}
    child = pexpect.spawn(sys.executable, argv, cwd=REPO, env=env, encoding="utf-8", timeout=60,
                          dimensions=(24, 80))
    child.expect(pexpect.EOF)
    screen = child.before.replace("\r\n", "\n")
    child.close()
    assert child.exitstatus == 0, screen
    assert screen.splitlines()[0].split() == ["#", "label", "p(aligned)", "p(neutral)", "p(opposed)", "text"]
    assert max(len(line) for line in screen.splitlines()) <= 80
    assert "ratify before the end of this" in " ".join(screen.split())  # whole, wrapped
    piped = subprocess.run([sys.executable, *argv], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert piped.returncode == 0
    assert piped.stdout.splitlines()[0] == "text,stance_label,stance_p_aligned,stance_p_neutral,stance_p_opposed,stance_flag"


def test_decimal_texts_are_what_format_writes():
    import numpy as np

    from stance.cli._table import decimal_texts

    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet([0.3, 0.3, 0.3], 20000).ravel()
    odd = [0.0, -0.0, 1.0, 1e-7, 4.9999999e-7, 5e-7, 0.9999995, 9.9999995, 10.0, 123.4, -0.25]
    odd += [np.inf, -np.inf]
    for values in (np.round(probabilities, 6), probabilities, np.array(odd), np.round(np.array(odd), 6)):
        for decimals in (6, 2, 0):
            expected = ["" if np.isnan(v) else format(v, f".{decimals}f") for v in values.tolist()]
            assert decimal_texts(values, decimals).tolist() == expected
    assert decimal_texts(np.array([np.nan, 0.5]), 6).tolist() == ["", "0.500000"]
