"""The shared-kernel notebook runner: which notebooks are stale, what a failure says."""

import os

from briefing.analysis import run_notebooks


def write(path, mtime):
    path.write_text("x")
    os.utime(path, (mtime, mtime))
    return path


def test_a_notebook_is_stale_when_its_findings_are_missing_or_older(tmp_path):
    notebook = write(tmp_path / "a.ipynb", 100)
    shared = write(tmp_path / "survey.csv", 100)
    findings = tmp_path / "a.json"
    assert run_notebooks.is_stale(notebook, findings, [shared])
    write(findings, 200)
    assert not run_notebooks.is_stale(notebook, findings, [shared])
    write(shared, 300)
    assert run_notebooks.is_stale(notebook, findings, [shared])
    write(findings, 400)
    write(notebook, 500)
    assert run_notebooks.is_stale(notebook, findings, [shared])


def test_the_cause_is_the_notebooks_own_exception():
    class Executed(Exception):
        ename, evalue = "ValueError", "region 'Atlantis' matches no PCN"

    assert run_notebooks.cause_of(Executed()) == "ValueError: region 'Atlantis' matches no PCN"
    assert run_notebooks.cause_of(KeyError("x")) == "KeyError: 'x'"


def test_one_kernel_runs_notebooks_in_clean_namespaces(tmp_path):
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    first, second = tmp_path / "first.ipynb", tmp_path / "second.ipynb"
    for path, source in ((first, "import os\nleft_over = os.getpid()\nprint(left_over)"),
                         (second, "import os\nprint(os.getpid(), 'left_over' in dir())")):  # fmt: skip
        nb = new_notebook(cells=[new_code_cell("findings_path = None\nfigures_dir = None", metadata={"tags": ["parameters"]}),
                                 new_code_cell(source)])  # fmt: skip
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, path)
    run_notebooks.run([first, second], tmp_path / "build", {}, tmp_path)
    texts = [nbformat.read(tmp_path / "build" / "executed" / p.name, as_version=4).cells[-1].outputs[0]["text"]
             for p in (first, second)]  # fmt: skip
    pid = texts[0].split()[0]
    assert texts[1].split() == [pid, "False"]  # same kernel process, previous notebook's variables gone
