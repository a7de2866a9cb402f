"""The notebooks' engine: each cell run in this process's IPython shell, its outputs recorded as a Jupyter kernel
records them, so the executed copy kept for audit is the one a kernel would have written."""

import os
from pathlib import Path

import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from briefing.analysis import notebook_shell

CELLS = [
    "import pandas as pd\nframe = pd.DataFrame({'region': ['London', '<b>North</b>'], 'n': [3, 4]})",
    "print('first')\nprint('second')\nframe",  # two writes, one stream output; then the table as text and HTML
    "",  # (an empty cell is not run, and has no number)
    "import sys\nprint('a small base', file=sys.stderr)\nfrom IPython.display import display\ndisplay(frame.n.sum())",
    "frame.n.max();",  # a trailing semicolon shows nothing
    "import os\nprint(os.path.basename(os.getcwd()))",
]


def notebook(path: Path, cells: list[str]) -> Path:
    nb = new_notebook(cells=[new_code_cell("out = None", metadata={"tags": ["parameters"]})])
    nb.cells += [new_markdown_cell("# A heading")] + [new_code_cell(source) for source in cells]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def outputs_of(path: Path) -> list[tuple]:
    """Each code cell's number and outputs (without the warning's line number, which names this file's copy)."""
    cells = nbformat.read(path, as_version=4).cells
    out = []
    for cell in cells:
        if cell.cell_type != "code":
            continue
        shown = []
        for output in cell.outputs:
            shown.append({k: v for k, v in output.items() if k != "metadata"})
        out.append((cell.execution_count, shown))
    return out


def run(source: Path, executed: Path, engine: str, cwd: Path) -> None:
    papermill.execute_notebook(
        str(source), str(executed), engine_name=engine, cwd=str(cwd), progress_bar=False, parameters={"out": "x"}
    )


def test_the_executed_copy_records_each_cells_outputs_as_a_kernel_would(tmp_path):
    folder = tmp_path / "edition"
    folder.mkdir()
    source = notebook(tmp_path / "n.ipynb", CELLS)
    here = os.getcwd()
    run(source, tmp_path / "shell.ipynb", notebook_shell.ENGINE_NAME, folder)
    assert os.getcwd() == here  # the process's folder restored after the notebook ran in its own
    cells = outputs_of(tmp_path / "shell.ipynb")
    numbers = [number for number, _ in cells]
    assert numbers == [1, 2, 3, 4, None, 5, 6, 7]  # papermill's injected parameters are cell 2
    table = cells[3][1]
    assert [o["output_type"] for o in table] == ["stream", "execute_result"]
    assert table[0]["text"] == "first\nsecond\n" and table[1]["execution_count"] == 4
    assert "&lt;b&gt;North&lt;/b&gt;" in table[1]["data"]["text/html"]  # pandas' own escaping, as in Jupyter
    assert "<b>North</b>" in table[1]["data"]["text/plain"]
    warned = cells[5][1]
    assert [(o["output_type"], o.get("name")) for o in warned] == [("stream", "stderr"), ("display_data", None)]
    assert warned[0]["text"] == "a small base\n" and warned[1]["data"] == {"text/plain": "np.int64(7)"}
    assert cells[6][1] == [] and cells[7][1][0]["text"] == "edition\n"
    language = nbformat.read(tmp_path / "shell.ipynb", as_version=4).metadata.language_info
    assert language["name"] == "python" and language["pygments_lexer"] == "ipython3"


def test_an_error_stops_the_notebook_as_papermill_reports_a_kernels(tmp_path):
    source = notebook(tmp_path / "n.ipynb", ["x = 1", "raise ValueError('wave 2019 has no answers')", "y = 2"])
    with pytest.raises(papermill.PapermillExecutionError) as failed:
        run(source, tmp_path / "shell.ipynb", notebook_shell.ENGINE_NAME, tmp_path)
    assert (failed.value.ename, failed.value.evalue) == ("ValueError", "wave 2019 has no answers")
    cells = [c for c in nbformat.read(tmp_path / "shell.ipynb", as_version=4).cells if c.cell_type == "code"]
    error = cells[3].outputs[0]
    assert error.output_type == "error" and "ValueError" in "".join(error.traceback)
    assert "\x1b[" not in "".join(error.traceback)  # plain text: the build log reads it
    assert cells[3].metadata.papermill.exception and cells[4].execution_count is None  # the rest not run


def test_the_shell_records_what_a_jupyter_kernel_records(tmp_path):
    """The same notebook through papermill's own engine (nbclient and a real IPython kernel) and through this one:
    the same numbers and outputs, cell for cell."""
    source = notebook(tmp_path / "n.ipynb", CELLS[:5])
    run(source, tmp_path / "shell.ipynb", notebook_shell.ENGINE_NAME, tmp_path)
    run(source, tmp_path / "kernel.ipynb", "nbclient", tmp_path)
    assert outputs_of(tmp_path / "shell.ipynb") == outputs_of(tmp_path / "kernel.ipynb")
