"""The notebook runner: which notebooks are stale, where they run, what a failure says."""

import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from briefing import plan
from briefing.analysis import run_notebooks
from tests.conftest import BUILD, copy_inputs


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


def test_one_shell_runs_notebooks_in_clean_namespaces(tmp_path, monkeypatch):
    monkeypatch.setenv(run_notebooks.WORKERS, "1")  # (two notebooks would otherwise run in two workers at once)
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    first, second = tmp_path / "first.ipynb", tmp_path / "second.ipynb"
    for path, source in (
        (first, "import os\nleft_over = os.getpid()\nprint(left_over)\nleft_over"),  # its value in the output cache too
        (second, "import os\nprint(os.getpid(), 'left_over' in dir(), repr(globals().get('_', '')), len(Out))"),
    ):
        nb = new_notebook(
            cells=[
                new_code_cell("findings_path = None\nfigures_dir = None", metadata={"tags": ["parameters"]}),
                new_code_cell(source),
            ]
        )
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, path)
    executed = [tmp_path / "build" / "executed" / p.name for p in (first, second)]
    jobs = [
        run_notebooks.Job(nb, copy, tmp_path / f"{nb.stem}.json", {}, [nb], "test")
        for nb, copy in zip((first, second), executed, strict=True)
    ]
    assert run_notebooks.run_build(jobs, "params.yml", tmp_path, log=lambda line: None) == 2
    texts = [nbformat.read(copy, as_version=4).cells[-1].outputs[0]["text"] for copy in executed]
    pid = texts[0].split()[0]
    assert texts[1].split() == [pid, "False", "''", "0"]  # same process; variables and output cache gone


def build_steps(tmp_path):
    """The runner's steps, read from the build plan (briefing.plan's plan.json) of the default survey's two waves
    and their change, in a project whose notebooks and inputs are all present at time 100."""
    import json

    project = copy_inputs(tmp_path)
    for data in (project / "data").rglob("*.*"):  # (the survey's records and quotes.yml: what the quotes read)
        os.utime(data, (100, 100))
    for name in ("change", "disclosure", "overview", "population", "theme"):
        (project / "notebooks").mkdir(exist_ok=True)
        write(project / "notebooks" / f"{name}.ipynb", 100)
    built = plan.build_plan(project, "params.yml")
    shared = [write(project / "src.py", 100)]
    for validate in built.of("validate"):
        (project / validate.outputs[0]).parent.mkdir(parents=True, exist_ok=True)
        write(project / validate.outputs[0], 100)
    cwd = os.getcwd()
    os.chdir(project)  # the plan's paths are relative to the project
    try:
        return run_notebooks.steps_of(json.loads(plan.as_json(built)), shared, [write(project / "quotes.py", 100)])
    finally:
        os.chdir(cwd)


def test_a_wave_plans_its_disclosure_first_and_its_themes_read_it(tmp_path, monkeypatch):
    steps = build_steps(tmp_path)
    names = [
        (s.step, s.notebook.stem, s.parameters.get("theme"))
        if isinstance(s, run_notebooks.Job)
        else (s.step, s.wave)
        if isinstance(s, run_notebooks.Quotes)
        else ("merge", s.wave)
        for s in steps
    ]
    themes = ["retention", "workload", "workforce", "relationships", "priorities"]  # the codebook's order
    per_wave = [
        [
            (f"wave {w}", "disclosure", None),
            *((f"wave {w}", "theme", t) for t in themes),  # one notebook, run once per theme
            (f"wave {w}", "population", None),
            (f"wave {w}", "overview", None),
            ("merge", w),
        ]
        for w in ("2020", "2019")
    ]
    assert names == [*per_wave[0], *per_wave[1], ("change", "change", None), ("quotes 2020", "2020")]
    disclosure, retention = steps[0], steps[1]
    assert disclosure.output == BUILD / "waves" / "2020" / "withheld.json"
    assert disclosure.output in retention.inputs and retention.parameters["withheld_path"] == str(disclosure.output)
    assert retention.parameters["params_path"] == str(BUILD / "parameters.yml")
    change, quotes = steps[-2:]
    assert change.parameters["previous_path"] == str(BUILD / "waves" / "2019" / "findings.json")
    # What each step waits for, from the plan's declared inputs: a wave's notebooks its disclosure plan, its merge
    # those notebooks, the change both merges; the quotes nothing (their wave's validation is make's step).
    assert quotes.output == BUILD / "waves" / "2020" / "quotes.json"
    assert quotes.inputs[0] == BUILD / "waves" / "2020" / "validated.ok" and quotes.inputs[-1].name == "quotes.py"
    needs = run_notebooks.needs_of(steps)
    first, merge, second_plan, second_merge, change_index = 0, 8, 9, 17, 18
    assert needs[first] == set() and needs[second_plan] == set() and needs[-1] == set()  # side by side at once
    assert all(needs[i] == {first} for i in range(1, 8))  # every 2020 notebook after its plan, none after another
    assert needs[merge] == set(range(1, 8)) and needs[second_merge] == set(range(10, 17))
    assert needs[change_index] == {merge, second_merge}
    monkeypatch.setenv(run_notebooks.WORKERS, "3")  # (a machine with cores to spare)
    assert run_notebooks.workers_wanted(steps) == 3  # one per core
    assert run_notebooks.workers_wanted([steps[0]]) == 1  # at most one per notebook
    assert run_notebooks.workers_wanted([quotes]) == 0  # (the quotes need none)


def test_the_briefings_findings_are_merged_at_the_calls_end_in_this_process(tmp_path, monkeypatch):
    """The briefing's findings (the reported wave's notebook findings and the change, the comparison resolved) were a
    Python process of their own after the runner's; it now merges them last, and a record it cannot merge is a
    failure in words."""
    from tests.conftest import ROOT

    built = plan.build_plan(ROOT, "params.yml")
    record = {"steps": [asdict(step) for step in built.steps]}
    (findings,) = run_notebooks.findings_of(record)
    assert (findings.params_path, findings.wave) == (f"{BUILD}/parameters.yml", "2020")
    assert findings.output == BUILD / "findings.json" and findings.inputs[-1].name == "change.json"
    assert not [s for s in run_notebooks.steps_of(record, []) if s.output == findings.output]  # in no lane
    one = tmp_path / "theme.json"
    one.write_text("{ not JSON", encoding="utf-8")  # a notebook's record cut short
    monkeypatch.chdir(ROOT)
    broken = run_notebooks.Findings([one], tmp_path / "findings.json", "params.yml", "2020")
    with pytest.raises(run_notebooks.NotebookFailed) as failed:
        run_notebooks.merge_findings(broken)
    assert failed.value.notebook == Path("findings") and not (tmp_path / "findings.json").exists()


def test_only_stale_steps_and_what_depends_on_them_are_remade(tmp_path, monkeypatch):
    steps = build_steps(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run_notebooks.stale_outputs(steps) == {s.output for s in steps}  # nothing built yet
    for step in steps:
        step.output.parent.mkdir(parents=True, exist_ok=True)
        write(step.output, 200)
    assert run_notebooks.stale_outputs(steps) == set()
    write(BUILD / "waves" / "2019" / "validated.ok", 300)  # the 2019 wave changed
    remade = run_notebooks.stale_outputs(steps)
    assert remade == {s.output for s in steps if "2019" in str(s.output) or s.output.name == "change.json"}
    write(BUILD / "waves" / "2019" / "validated.ok", 100)
    write(Path("notebooks/population.ipynb"), 300)  # one notebook changed: it, each wave's merge, the change
    remade = {p.relative_to(BUILD).as_posix() for p in run_notebooks.stale_outputs(steps)}
    assert remade == {
        "waves/2020/findings/population.json",
        "waves/2020/findings.json",
        "waves/2019/findings/population.json",
        "waves/2019/findings.json",
        "changes/2020-vs-2019/change.json",
    }
    write(Path("notebooks/population.ipynb"), 100)
    quotes = BUILD / "waves" / "2020" / "quotes.json"
    write(Path("data/pcn-clinical-directors/quotes.yml"), 300)  # the picks changed: the quotes alone
    assert run_notebooks.stale_outputs(steps) == {quotes}
    write(Path("data/pcn-clinical-directors/quotes.yml"), 100)
    write(Path("quotes.py"), 300)  # the quotes' code changed: the quotes alone, no notebook
    assert run_notebooks.stale_outputs(steps) == {quotes}
    write(Path("quotes.py"), 100)
    write(Path("notebooks/theme.ipynb"), 300)  # the theme notebook: every theme's run, in both waves
    remade = {p.relative_to(BUILD).as_posix() for p in run_notebooks.stale_outputs(steps)}
    themes = ["retention", "workload", "workforce", "relationships", "priorities"]
    assert remade == {
        *(f"waves/{w}/findings/theme-{t}.json" for w in ("2020", "2019") for t in themes),
        "waves/2020/findings.json",
        "waves/2019/findings.json",
        "changes/2020-vs-2019/change.json",
    }


@pytest.mark.parametrize(("workers", "passes"), [("2", True), ("2", False), ("1", True), ("1", False)])
def test_the_gate_checks_the_waves_in_a_process_of_its_own_while_the_shell_is_made(
    workers, passes, tmp_path, monkeypatch
):
    """With a core to spare, the waves are checked in a forked process while this one makes the notebooks' shell,
    and the build goes on only if they passed; with one worker, both in this process, one after the other."""
    checked, made = tmp_path / "checked", tmp_path / "made"
    monkeypatch.setenv(run_notebooks.WORKERS, workers)
    monkeypatch.setattr(run_notebooks, "unvalidated", lambda plan: [{"wave": "2020"}])

    def validate(plan):
        checked.write_text(str(os.getpid()))
        return passes

    monkeypatch.setattr(run_notebooks, "validate", validate)
    monkeypatch.setattr(run_notebooks, "warm_up", lambda: made.write_text(str(os.getpid())))
    assert run_notebooks.validated_while_warming_up({"steps": []}) is passes
    here = str(os.getpid())
    if workers == "2":
        assert made.read_text() == here and checked.read_text() not in ("", here)
    else:
        assert checked.read_text() == here and not made.exists()  # (the shell is the runner's to make, if needed)


def test_the_shell_and_its_imports_are_set_aside_from_the_garbage_collector_once_made():
    """warm_up leaves what it loaded frozen (gc.freeze): the collector's full passes, many while charts are drawn,
    no longer walk the libraries' objects, and the workers forked after it do not copy them by marking them. In a
    fresh interpreter, so the count is warm_up's own."""
    probe = (
        "import gc; from briefing.analysis import run_notebooks as rn; before = gc.get_freeze_count(); "
        "rn.warm_up(); print(before, gc.get_freeze_count(), len(gc.get_objects()))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    before, frozen, still_collected = map(int, done.stdout.split())
    assert before == 0
    assert frozen > 50_000  # pandas, matplotlib, IPython and papermill's objects: some 130,000 here
    assert still_collected < frozen / 10  # what the collector still walks: only what came after


def test_a_wave_is_validated_when_its_inputs_record_differs_from_its_last_passed_one(tmp_path, monkeypatch):
    """make's record of a wave's inputs against validated.ok, the record its last validation passed on: content
    decides, so an input broken and then put back as it was (its record rewritten twice) is not checked again."""
    monkeypatch.chdir(tmp_path)
    folder = Path("waves/2020")
    folder.mkdir(parents=True)
    step = {
        "kind": "validate",
        "wave": "2020",
        "outputs": [str(folder / "validated.ok"), str(folder / "typed.pkl")],
        "parameters": {"record": str(folder / "inputs.sha256")},
    }
    record, validated, typed = folder / "inputs.sha256", folder / "validated.ok", folder / "typed.pkl"
    plan = {"steps": [step, {"kind": "notebook"}]}
    record.write_text("good\n")
    assert run_notebooks.unvalidated(plan) == [step]  # never validated
    run_notebooks.passed(step)
    write(typed, 100)
    assert validated.read_text() == "good\n" and run_notebooks.unvalidated(plan) == []
    os.utime(validated, (100, 100))
    record.write_text("broken\n")  # an input changed: checked (and, failing, validated.ok left alone)
    assert run_notebooks.unvalidated(plan) == [step]
    record.write_text("good\n")  # put back: nothing to check, validated.ok (what the notebooks follow) unchanged
    assert run_notebooks.unvalidated(plan) == []
    run_notebooks.passed(step)
    assert validated.stat().st_mtime == 100
    typed.unlink()  # the typed copy gone: checked again
    assert run_notebooks.unvalidated(plan) == [step]
    record.write_text("changed\n")
    run_notebooks.passed(step)  # a change that passed: validated.ok rewritten, so its notebooks rerun
    assert validated.read_text() == "changed\n" and validated.stat().st_mtime > 100


def test_an_input_is_dated_by_its_content_stamp_where_make_keeps_one(tmp_path, monkeypatch):
    # A notebook replaced by a copy with an old time (cp -p, git checkout, unzip) is new content: make rewrites its
    # stamp, and the runner must then rerun it; a notebook only touched is not new content.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notebooks").mkdir()
    notebook = write(Path("notebooks/a.ipynb"), 100)
    stamp = Path("build/stamps/notebooks/a.ipynb.sha256")
    stamp.parent.mkdir(parents=True)
    write(stamp, 300)
    findings = write(Path("a.json"), 200)
    assert run_notebooks.is_stale(notebook, findings, [])
    write(stamp, 150)
    write(notebook, 500)
    assert not run_notebooks.is_stale(notebook, findings, [])


def notebook(path: Path, source: str) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell("out = None", metadata={"tags": ["parameters"]}), new_code_cell(source)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_editions_run_in_their_own_folders_and_one_that_fails_leaves_the_others(tmp_path):
    """`make editions`: every edition's notebooks in the build's one shell, each in its own project folder; an
    edition that fails is recorded there (its traceback, and why in one line) and the next one still runs."""
    source = notebook(
        tmp_path / "edition.ipynb",
        "import os, pathlib\n"
        "if pathlib.Path('params.yml').read_text() == 'Atlantis':\n"
        "    raise ValueError('edition Atlantis is not an answer')\n"
        "pathlib.Path(out).write_text(os.getcwd())",
    )
    editions, jobs = {}, []
    for name in ("Atlantis", "London"):
        folder = Path("build") / "editions" / name.lower()
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "params.yml").write_text(name)
        editions[name] = run_notebooks.Edition(name, tmp_path / folder / "notebooks.log", tmp_path / f"{name}.failed")
        output = tmp_path / folder / "out.txt"
        jobs.append(
            run_notebooks.Job(source, tmp_path / folder / "run.ipynb", output, {"out": "out.txt"}, [source], "x")
        )
        jobs[-1].root, jobs[-1].edition = folder, name
    after = run_notebooks.Job(  # Atlantis's next step, which reads its first: never started
        source,
        tmp_path / "build/editions/atlantis/next.ipynb",
        tmp_path / "build/editions/atlantis/next.txt",
        {"out": "next.txt"},
        [source, jobs[0].output],
        "x",
        Path("build/editions/atlantis"),
        "Atlantis",
    )
    lines = []
    assert run_notebooks.run_build([*jobs, after], "params.yml", tmp_path, log=lines.append, editions=editions) == 1
    assert not after.output.exists() and not after.executed.exists()
    london = tmp_path / "build" / "editions" / "london"
    assert (london / "out.txt").read_text() == str(london.resolve())  # run in its own folder
    assert (tmp_path / "Atlantis.failed").read_text() == (
        "notebooks: edition.ipynb failed: ValueError: edition Atlantis is not an answer\n"
    )
    assert "Traceback" in editions["Atlantis"].log.read_text()
    assert not (tmp_path / "build" / "editions" / "atlantis" / "out.txt").exists()  # so it is retried
    assert lines[0] == "[3/6] Atlantis edition: notebooks: FAILED: ValueError: edition Atlantis is not an answer"
    assert lines[1].startswith("[3/6] London edition: notebooks: 1 run in one process in ")
    assert not (tmp_path / "London.failed").exists()


def test_the_wave_and_frame_are_read_once_per_process_by_content(tmp_path, monkeypatch):
    """Every notebook of a build (each edition's too) loads its context: the wave, the frame and the codebook are
    read once per process, and again only when a file's content changes."""
    from briefing.analysis import themes
    from briefing.inputs import validate

    project = copy_inputs(tmp_path)
    reads = []
    read_survey = validate.read_survey
    monkeypatch.setattr(validate, "read_survey", lambda *a: reads.append(a[0]) or read_survey(*a))
    themes._survey.cache_clear()
    first = themes.load_context(project / "params.yml")
    again = themes.load_context(project / "params.yml", edition="London")
    assert len(reads) == 1 and len(again.survey) + len(again.rest.survey) == len(first.survey)
    first.survey.loc[:, first.survey.columns[0]] = None  # each context has its own copy: a change to one stays there
    assert themes.load_context(project / "params.yml").survey.iloc[:, 0].notna().any()
    wave = project / first.params.survey_path
    wave.write_text(wave.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # new bytes: read again
    themes.load_context(project / "params.yml")
    assert len(reads) == 2


def test_the_waves_run_side_by_side_each_in_its_own_worker_then_the_change(tmp_path, monkeypatch):
    """Two waves of a build read nothing of each other: each runs in its own worker (a process of its own), at the
    same time; the change, which reads both waves' outputs, runs after them, on one of the same workers."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})  # two cores, whatever this machine has
    monkeypatch.delenv(run_notebooks.WORKERS, raising=False)  # (the suite's workers set it to one)
    wave = notebook(
        tmp_path / "wave.ipynb",
        "import os, pathlib, time\n"
        "pathlib.Path(out + '.started').write_text('')\n"
        "other = pathlib.Path(partner + '.started')\n"
        "deadline = time.monotonic() + 30\n"
        "while not other.exists() and time.monotonic() < deadline:\n"  # waits for the other wave to start
        "    time.sleep(0.05)\n"
        "pathlib.Path(out).write_text(f'{os.getpid()} {other.exists()}')",
    )
    change = notebook(
        tmp_path / "change.ipynb",
        "import os, pathlib\npathlib.Path(out).write_text(' '.join(pathlib.Path(p).read_text() for p in ('a', 'b')))",
    )

    def job(source, out, label, **parameters):
        return run_notebooks.Job(
            source, tmp_path / "run" / f"{out}.ipynb", tmp_path / out, {"out": out, **parameters}, [source], label
        )

    jobs = [
        job(wave, "a", "wave 2020", partner="b"),
        job(wave, "b", "wave 2019", partner="a"),
        job(change, "change.txt", plan.CHANGE),
    ]
    jobs[-1].inputs += [tmp_path / "a", tmp_path / "b"]  # (declared, as the plan declares the waves' findings)
    lines = []
    assert run_notebooks.run_build(jobs, "params.yml", tmp_path, log=lines.append) == 3
    (a_pid, a_saw), (b_pid, b_saw) = ((tmp_path / name).read_text().split() for name in ("a", "b"))
    assert a_pid != b_pid and a_pid != str(os.getpid())  # two workers, neither this process
    assert a_saw == b_saw == "True"  # each saw the other start before it finished: side by side
    assert (tmp_path / "change.txt").read_text() == f"{a_pid} True {b_pid} True"  # after both
    assert [line.split(":")[0] for line in lines] == ["[3/6] wave 2020", "[3/6] wave 2019", "[3/6] change"]


def test_a_failure_in_another_worker_names_the_notebook_and_keeps_its_traceback(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.delenv(run_notebooks.WORKERS, raising=False)
    good = notebook(tmp_path / "good.ipynb", "import pathlib\npathlib.Path(out).write_text('done')")
    bad = notebook(tmp_path / "bad.ipynb", "raise ValueError('wave 2019 has no answers')")
    jobs = [
        run_notebooks.Job(
            good, tmp_path / "run" / "good.ipynb", tmp_path / "good.txt", {"out": "good.txt"}, [good], "wave 2020"
        ),
        run_notebooks.Job(
            bad, tmp_path / "run" / "bad.ipynb", tmp_path / "bad.txt", {"out": "bad.txt"}, [bad], "wave 2019"
        ),
    ]
    try:
        run_notebooks.run_build(jobs, "params.yml", tmp_path, log=lambda line: None)
    except run_notebooks.NotebookFailed as failure:
        assert (failure.notebook, failure.cause) == (bad, "ValueError: wave 2019 has no answers")
        assert failure.executed == tmp_path / "run" / "bad.ipynb" and failure.executed.exists()
        assert "Traceback" in failure.trace and "wave 2019 has no answers" in failure.trace
    else:
        raise AssertionError("the failing wave did not fail the build")
    assert (tmp_path / "good.txt").read_text() == "done"  # the other wave finished


def test_a_waves_notebooks_are_shared_out_between_workers_once_its_plan_is_made(tmp_path, monkeypatch):
    """One wave (a one-wave survey's build): its disclosure plan first, alone; then its notebooks, which read the plan
    and nothing of one another, in both workers at once; the wave's one log line says so."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.delenv(run_notebooks.WORKERS, raising=False)
    plan = notebook(tmp_path / "plan.ipynb", "import os, pathlib\npathlib.Path(out).write_text(str(os.getpid()))")
    theme = notebook(
        tmp_path / "theme.ipynb",
        "import os, pathlib, time\n"
        "plan = pathlib.Path('withheld').read_text()\n"  # written before this starts
        "pathlib.Path(out + '.started').write_text('')\n"
        "other = pathlib.Path(partner + '.started')\n"
        "deadline = time.monotonic() + 30\n"
        "while not other.exists() and time.monotonic() < deadline:\n"
        "    time.sleep(0.05)\n"
        "pathlib.Path(out).write_text(f'{plan} {os.getpid()} {other.exists()}')",
    )

    def job(source, out, **parameters):
        return run_notebooks.Job(
            source, tmp_path / "run" / f"{out}.ipynb", tmp_path / out, {"out": out, **parameters}, [source], "wave 2021"
        )

    jobs = [job(plan, "withheld"), job(theme, "one", partner="two"), job(theme, "two", partner="one")]
    for step in jobs[1:]:
        step.inputs.append(tmp_path / "withheld")
    lines = []
    assert run_notebooks.run_build(jobs, "params.yml", tmp_path, log=lines.append) == 3
    (plan_pid, one_pid, one_saw), (_, two_pid, two_saw) = ((tmp_path / n).read_text().split() for n in ("one", "two"))
    assert plan_pid == (tmp_path / "withheld").read_text()  # each read the plan, made before it started
    assert one_pid != two_pid and one_saw == two_saw == "True"  # side by side, in two workers
    assert len(lines) == 1 and lines[0].startswith(
        "[3/6] wave 2021: notebooks: 3 run in 2 processes (withheld, one, two) in "
    )


def test_the_workers_are_one_per_core_unless_the_environment_says_fewer(monkeypatch):
    jobs = [run_notebooks.Job(Path("n.ipynb"), Path("e"), Path(w), {}, [], f"wave {w}") for w in "abc"]
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.delenv(run_notebooks.WORKERS, raising=False)
    assert run_notebooks.workers_wanted(jobs) == 2  # one per core, however many notebooks
    assert run_notebooks.workers_wanted(jobs[:1]) == 1  # at most one per notebook
    monkeypatch.setenv(run_notebooks.WORKERS, "1")
    assert run_notebooks.workers_wanted(jobs) == 1
    monkeypatch.setenv(run_notebooks.WORKERS, "two")
    try:
        run_notebooks.workers_wanted(jobs)
    except SystemExit as stop:
        assert (
            str(stop) == "notebooks: BRIEFING_WORKERS='two' is not a number of processes: use a whole number, 1 or more"
        )
    else:
        raise AssertionError("a worker count that is not a number was taken")


def test_a_shell_that_cannot_be_made_is_a_failure_in_words(tmp_path, monkeypatch):
    """When the notebooks' shell cannot be made (an import of the environment failing), the build says so in one
    line (its traceback kept for the log), before any worker starts, rather than printing a traceback."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.delenv(run_notebooks.WORKERS, raising=False)
    from briefing.analysis import notebook_shell

    def no_shell():
        raise ImportError("No module named 'IPython'")

    monkeypatch.setattr(notebook_shell, "shell", no_shell)
    source = notebook(tmp_path / "wave.ipynb", "pass")
    jobs = [
        run_notebooks.Job(source, tmp_path / "run" / f"{w}.ipynb", tmp_path / w, {}, [source], f"wave {w}")
        for w in ("2020", "2019")
    ]
    try:
        run_notebooks.run_build(jobs, "params.yml", tmp_path, log=lambda line: None)
    except run_notebooks.NotebookFailed as failure:
        assert (str(failure.notebook), failure.cause) == ("notebook shell", "ImportError: No module named 'IPython'")
        assert "Traceback" in failure.trace
    else:
        raise AssertionError("the build went on without a shell")
    assert not (tmp_path / "run").exists()  # no notebook ran


@pytest.mark.slow  # (it waits for the workers' notebooks to start)
def test_ctrl_c_stops_the_build_and_its_workers_in_one_line(tmp_path):
    """Ctrl-C (SIGINT to the terminal's process group) while two waves run side by side: the runner says so in one
    line and exits 130 within seconds; no worker is left running, and no output was written."""
    import json
    import signal
    import time

    slow = notebook(
        tmp_path / "slow.ipynb",
        "open(out + '.started', 'w').close()\nimport time\ntime.sleep(60)\nopen(out, 'w').write('done')",
    )
    steps = [
        {
            "kind": "notebook",
            "label": f"wave {w}",
            "notebook": str(slow),
            "executed": f"run/{w}.ipynb",
            "inputs": [],
            "outputs": [f"{w}.txt"],
            "parameters": {"out": f"{w}.txt"},
        }
        for w in ("2020", "2019")
    ]
    (tmp_path / "plan.json").write_text(json.dumps({"build": "build", "parameters": "params.yml", "steps": steps}))
    env = {key: value for key, value in os.environ.items() if key != run_notebooks.WORKERS}
    runner = subprocess.Popen(
        [sys.executable, "-m", "briefing.analysis.run_notebooks", "--plan", "plan.json"],
        cwd=tmp_path,
        env=env,
        start_new_session=True,  # its own process group, as a terminal's command has
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # (a background job's is ignored)
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60  # until both workers' notebooks have started and sleep
    while not all((tmp_path / f"{w}.txt.started").exists() for w in ("2020", "2019")):
        ended = runner.poll()
        assert ended is None and time.monotonic() < deadline, f"the notebooks did not both start (exit {ended}): " + (
            runner.stderr.read() if ended is not None else "still waiting after 60 s"
        )
        time.sleep(0.1)
    os.killpg(runner.pid, signal.SIGINT)
    _, stderr = runner.communicate(timeout=20)
    assert runner.returncode == 130, stderr
    assert stderr.strip().splitlines() == [
        "notebooks: stopped (Ctrl-C), the workers with them; the next build runs what did not finish"
    ]
    time.sleep(1)
    left = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.split()
    assert left == [] and not list(tmp_path.glob("*.txt"))


def test_steps_that_wait_on_one_another_are_a_failure_in_words(tmp_path):
    """Never from briefing.plan (each step reads only what an earlier one writes), but a hand-made plan could: two
    steps each reading the other's output start neither, and the runner says so rather than waiting forever."""
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    source = notebook(tmp_path / "n.ipynb", "pass")
    jobs = [
        run_notebooks.Job(source, tmp_path / "run" / "a.ipynb", first, {}, [source, second], "wave a"),
        run_notebooks.Job(source, tmp_path / "run" / "b.ipynb", second, {}, [source, first], "wave b"),
    ]
    with pytest.raises(run_notebooks.NotebookFailed) as failed:
        run_notebooks.run_build(jobs, "params.yml", tmp_path, log=lambda line: None)
    assert (failed.value.notebook, failed.value.cause) == (
        Path("plan"),
        "2 step(s) wait on one another's outputs (a cycle in the plan)",
    )


def test_an_edition_named_as_a_step_of_the_whole_build_keeps_its_own_line(tmp_path, monkeypatch):
    """An edition's name is data (an answer of the editions' question): one called "change" is still an edition, its
    line and its failure its own, not the whole build's change."""
    monkeypatch.setenv(run_notebooks.WORKERS, "1")
    source = notebook(tmp_path / "n.ipynb", "import pathlib\npathlib.Path(out).write_text('done')")
    folder = tmp_path / "build" / "editions" / "change"
    folder.mkdir(parents=True)
    whole = run_notebooks.Job(source, tmp_path / "run.ipynb", tmp_path / "c.txt", {"out": "c.txt"}, [source], "change")
    edition = run_notebooks.Job(
        source, folder / "run.ipynb", folder / "c.txt", {"out": "c.txt"}, [source], "x", folder, "change"
    )
    editions = {"change": run_notebooks.Edition("change", folder / "notebooks.log", tmp_path / "change.failed")}
    lines = []
    assert run_notebooks.run_build([whole, edition], "params.yml", tmp_path, log=lines.append, editions=editions) == 2
    assert [line.split(" in ")[0] for line in lines] == [
        "[3/6] change: notebooks: 1 run",
        "[3/6] change edition: notebooks: 1 run",
    ]
