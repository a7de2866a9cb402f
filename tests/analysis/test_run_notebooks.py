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


def build_steps(tmp_path, names=("change", "disclosure", "retention", "workload")):
    """The runner's plan for two waves and their change, with every input file present at time 100."""
    notebooks = [write(tmp_path / f"{name}.ipynb", 100) for name in names]
    shared = [write(tmp_path / "src.py", 100)]
    for wave in ("2020", "2019"):
        (tmp_path / "build" / "waves" / wave).mkdir(parents=True)
        write(tmp_path / "build" / "waves" / wave / "validated.ok", 100)
        write(tmp_path / f"frame{wave}.csv", 100)
    waves = [(wave, f"survey{wave}.csv", str(tmp_path / f"frame{wave}.csv")) for wave in ("2020", "2019")]
    return run_notebooks.build_plan(waves, "2019", tmp_path / "build", notebooks, "params.yml", shared)


def test_a_wave_plans_its_disclosure_first_and_its_themes_read_it(tmp_path):
    steps = build_steps(tmp_path)
    names = [(s.step, s.notebook.stem) if isinstance(s, run_notebooks.Job) else ("merge", s.wave) for s in steps]
    assert names == [("wave 2020", "disclosure"), ("wave 2020", "retention"), ("wave 2020", "workload"), ("merge", "2020"),
                     ("wave 2019", "disclosure"), ("wave 2019", "retention"), ("wave 2019", "workload"), ("merge", "2019"),
                     ("change", "change")]  # fmt: skip
    plan, retention = steps[0], steps[1]
    assert plan.output == tmp_path / "build" / "waves" / "2020" / "withheld.json"
    assert plan.output in retention.inputs and retention.parameters["withheld_path"] == str(plan.output)
    assert steps[-1].parameters["previous_path"] == str(tmp_path / "build" / "waves" / "2019" / "findings.json")


def test_only_stale_steps_and_what_depends_on_them_are_remade(tmp_path):
    steps = build_steps(tmp_path)
    assert run_notebooks.stale_outputs(steps) == {s.output for s in steps}  # nothing built yet
    for step in steps:
        step.output.parent.mkdir(parents=True, exist_ok=True)
        write(step.output, 200)
    assert run_notebooks.stale_outputs(steps) == set()
    write(tmp_path / "build" / "waves" / "2019" / "validated.ok", 300)  # the 2019 wave changed
    remade = run_notebooks.stale_outputs(steps)
    assert remade == {s.output for s in steps if "2019" in str(s.output) or s.output.name == "change.json"}
    write(tmp_path / "build" / "waves" / "2019" / "validated.ok", 100)
    write(tmp_path / "retention.ipynb", 300)  # one notebook changed: it, each wave's merge, the change
    remade = {p.relative_to(tmp_path / "build").as_posix() for p in run_notebooks.stale_outputs(steps)}
    assert remade == {"waves/2020/findings/retention.json", "waves/2020/findings.json", "waves/2019/findings/retention.json",
                      "waves/2019/findings.json", "findings/change.json"}  # fmt: skip
