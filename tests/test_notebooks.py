"""The notebooks run top to bottom against the installed package.

Notebooks that train models (on the bundled corpus, or on it and the user's
rows with ``--with-corpus``) run here on a sample of the corpus that has
every target and label (``conftest.write_small_corpus``): the same cells and
the same code, a sixth of the rows, so about a tenth of the time. ``make
notebooks`` runs them on the whole corpus and saves what they show.
"""

from pathlib import Path

import pytest
from conftest import small_corpus_code

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def trains(notebook):
    """Whether a notebook fits a model (in Python, or with the command's ``train``)."""
    return any(
        ".fit(" in cell.source or '"train"' in cell.source for cell in notebook.cells if cell.cell_type == "code"
    )


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, monkeypatch, tmp_path, small_corpus_csv):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("PYTHONPATH", str(path.parent.parent))  # the kernel imports this checkout, as the tests do
    notebook = nbformat.read(path, as_version=4)
    if trains(notebook):
        notebook.cells.insert(0, nbformat.v4.new_code_cell(small_corpus_code(small_corpus_csv)))
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [
        o
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.outputs
        if o.output_type == "error"
    ]
    assert not errors
    images = [
        o
        for cell in notebook.cells
        if cell.cell_type == "code"
        for o in cell.outputs
        if "image/png" in o.get("data", {})
    ]
    assert images, "the notebook should draw its plots"


def test_the_notebooks_that_train_are_found():
    found = {path.name for path in NOTEBOOKS if trains(nbformat.read(path, as_version=4))}
    assert found >= {"2.0-train-evaluate.ipynb", "3.0-adapt-to-your-documents.ipynb"}
