"""Run the notebooks of a build in a few long-lived worker processes (one per core, at most one per notebook), each
running notebook after notebook in its own IPython shell, so the imports are paid once a call, not once a notebook.

Each notebook is still a real parameterised notebook: papermill injects the parameters and writes the executed
copy (outputs included) under build/ for audit. What changes is the engine: papermill's nbclient engine would
send each cell to a Jupyter kernel process and read its outputs back as messages; briefing.analysis.notebook_shell
runs the cells in the worker's own IPython shell (the interpreter the kernel runs code in) and records their
outputs as the kernel does. The executed copies are the same but for papermill's timings and cell ids; the
figures, findings and briefing the same bytes.
Between notebooks the shell's namespace is cleared (as `%reset -f` does, figures closed), so each notebook sees
only what it imports and computes itself; imported modules stay loaded, which is where the time goes otherwise.

First, in this process, the input gate on the waves whose validation is due (`validate`: briefing.inputs.check,
its typed copies written); a wave that fails it stops the call before any notebook. Its imports are the notebooks'
own, so a cold build pays them once, not once for validation and again here.

The steps come from the build plan (briefing.plan, plan.json): for each wave (the reported one, then the one it is
compared with) its disclosure plan (<build>/waves/<wave>/withheld.json), each theme notebook, and the merge of the
wave's findings (<build>/waves/<wave>/findings.json); then the change between the waves (<build>/changes/<wave>-vs-<compared>/change.json).
Beside them, the reported wave's quotes (<build>/waves/<wave>/quotes.json), picked from its validated copy in a
worker's process, no notebook: the narrative then renders them without loading pandas or reading the wave. Last,
in this process, the briefing's findings (<build>/findings.json: the reported wave's with the change, the comparison
resolved), merged at the end of every call.
Only stale steps run: an output missing, older than one of its inputs, or depending on an output remade now.

Each step starts as soon as the steps whose outputs it reads (the plan's declared inputs: `needs_of`) are done, on
the first worker free (`WorkerPool`: worker processes forked from this one once it has loaded what every
notebook imports, one per core), in the plan's order among the steps ready: on a two-core machine the two waves' disclosure plans side by
side, then their notebooks shared out between the two workers (a one-wave build's too), the change once both waves
are merged, the quotes where a worker would otherwise wait. With one core, or one notebook to run, everything runs
in this process. The log has a line per wave, one for the change and one for the quotes, in the
plan's order, whichever finished first (`Report`).

`make editions` adds a second plan, every edition's analysis (briefing.plan.edition_analysis: its notebooks,
merges and change), to the same call and workers: each edition's notebooks run in its own project folder (the
shell changes to it), once the whole survey's disclosure plans they read are made, after the whole survey's own
steps among those ready, shared out among the workers like them. An edition that fails is recorded in its own build folder (its traceback, and why in one line for its render step), its
outputs removed so it is retried; the other editions carry on.
Usage (the Makefile's notebook rule): python -m briefing.analysis.run_notebooks --plan PLAN_JSON [EDITIONS_JSON]
  --shared <inputs> --quote-code <the quotes' code>
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import importlib
import io
import json
import logging
import multiprocessing
import os
import queue
import shutil
import signal
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from briefing import plan as plans
from briefing.analysis import findings as findings_io

# What every notebook imports: loaded once a call, before the workers are forked, so each finds it loaded.
WARM_UP = ("briefing.analysis.themes", "briefing.publication.charts")


def warm_up() -> None:
    """The notebooks' shell made and what every notebook imports loaded, in this process (the workers forked from it
    inherit both). One that cannot be is a failure in words, not a traceback on the build's log. What it loaded
    lives as long as the process: it is set aside from the garbage collector (`gc.freeze`), whose full passes would
    otherwise walk those objects again and again while the charts are drawn (the England build's notebooks spent
    0.22 s of CPU in the collector, 0.09 s with them set aside), and which a forked worker would otherwise copy page
    by page as it marks them."""
    try:
        from briefing.analysis import notebook_shell  # (papermill and IPython: only when a notebook is to run)

        for module in WARM_UP:
            importlib.import_module(module)
        notebook_shell.shell()
    except Exception as error:  # noqa: BLE001 (an import failing: the environment's, said in one line)
        raise NotebookFailed(Path("notebook shell"), cause_of(error), trace=traceback.format_exc()) from error
    gc.freeze()


STAMPS = Path(
    "build/stamps"
)  # the Makefile's content stamps: <file>.sha256, rewritten only when the file's content changes


def content_stamp(path: Path) -> Path:
    """What dates an input: its content stamp where make keeps one (a file copied with an old time is still new
    content), else the file itself."""
    stamp = STAMPS / f"{path.as_posix()}.sha256"
    return stamp if not path.is_absolute() and stamp.is_file() else path


def is_stale(notebook: Path, findings: Path, shared: list[Path]) -> bool:
    if not findings.exists():
        return True
    built = findings.stat().st_mtime
    return any(p.stat().st_mtime > built for p in map(content_stamp, (notebook, *shared)) if p.exists())


@dataclass
class Job:
    """One notebook run: its parameters, the file it writes, and the inputs that make that file stale."""

    notebook: Path
    executed: Path  # its executed copy, kept for audit
    output: Path
    parameters: dict[str, str]
    inputs: list[Path]
    step: str  # the log line it is counted in: "wave 2020" or "change"
    root: Path = Path(".")  # the project folder it runs in (an edition's), relative to the build's root
    edition: str | None = None  # the edition it is part of; None: the whole survey's build


@dataclass
class Merge:
    """A wave's notebook findings merged into its findings.json (no notebook: any worker merges it)."""

    wave: str
    sources: list[Path]
    output: Path
    inputs: list[Path]
    root: Path = Path(".")
    edition: str | None = None
    params_path: str | None = None  # relative to `root`; None: the plan's parameters


@dataclass
class Quotes:
    """The reported wave's quotes, picked in this process from its validated copy (narrative/quotes.py: checked
    and redacted): a wave's pandas-loaded work that needs no notebook, done where a worker would otherwise wait."""

    wave: str
    parameters: dict[str, str]  # params_path, typed_path and quotes_path, relative to `root`
    output: Path
    inputs: list[Path]
    step: str  # the log line it is counted in: "quotes 2020"
    root: Path = Path(".")
    edition: str | None = None


@dataclass
class Findings:
    """The briefing's findings: the reported wave's notebook findings and the change, with the comparison resolved
    (analysis/findings.py), merged in this process at the end of every call, as make remade them after every call
    (the narrative follows them, and through them the quotes)."""

    inputs: list[Path]  # what it merges, in order
    output: Path
    params_path: str
    wave: str


Step = Job | Merge | Quotes


@dataclass
class Edition:
    """An edition whose analysis joins the build (the editions' analysis.json): where it records a failure."""

    name: str
    log: Path  # the traceback, in its own build folder
    failed: Path  # why, in one line, for its render step

    @classmethod
    def of(cls, record: dict) -> Edition:
        return cls(record["name"], Path(record["root"]) / record["log"], Path(record["failed"]))


def steps_of(plan: dict, shared: list[Path], quote_code: list[Path] = ()) -> list[Step]:
    """The runner's steps, in order, from the build plan (briefing.plan's plan.json): each wave's notebooks and
    merge, then the change, and the reported wave's quotes (dated by `quote_code` as the notebooks are by `shared`).
    (The waves' validation comes first, `validate`.)"""
    steps: list[Step] = []
    for step in plan["steps"]:
        root = Path(step.get("root") or ".")
        at = functools.partial(under, root)  # the step's paths, from the build's root (its notebook: linked, the same)
        inputs = [at(p) for p in step["inputs"]]
        output = at(step["outputs"][0])
        if step["kind"] == "notebook":
            notebook = Path(step["notebook"])
            steps.append(
                Job(
                    notebook,
                    at(step["executed"]),
                    output,
                    step["parameters"],
                    [notebook, *inputs, *shared],
                    step["label"],
                    root,
                    step.get("edition"),
                )
            )
        elif step["kind"] == "merge":
            params_path = step.get("parameters", {}).get("params_path")
            read = [*inputs, *([at(params_path)] if params_path else []), *shared]  # shared: findings.py among them
            steps.append(Merge(step["wave"], inputs, output, read, root, step.get("edition"), params_path))
        elif step["kind"] == "quotes":
            read = [*inputs, *quote_code]
            steps.append(
                Quotes(step["wave"], step["parameters"], output, read, step["label"], root, step.get("edition"))
            )
    return steps


def unvalidated(plan: dict) -> list[dict]:
    """The plan's waves to validate: those whose inputs' record (make's, rewritten only when their content changes)
    differs from the one their last validation passed on, validated.ok, or whose typed copy is missing. A wave that
    fails keeps its last good record, so it is checked again next time, and a file put back as it was is not."""

    def due(step: dict) -> bool:
        return not Path(step["outputs"][1]).exists() or not passed_on_these_inputs(step)

    return [step for step in plan["steps"] if step["kind"] == "validate" and due(step)]


def passed_on_these_inputs(step: dict) -> bool:
    """Whether the wave's last passed validation (validated.ok) was of its inputs as make records them now."""
    validated, record = Path(step["outputs"][0]), Path(step["parameters"]["record"])
    return validated.exists() and validated.read_bytes() == record.read_bytes()


def passed(step: dict) -> None:
    """A wave's validation passed: validated.ok becomes its inputs' record, rewritten (so dating the wave's
    notebooks) only when the content differs; a typed copy remade from the same inputs reruns nothing."""
    if not passed_on_these_inputs(step):
        shutil.copyfile(step["parameters"]["record"], step["outputs"][0])


def validate(plan: dict) -> bool:
    """The build's input gate (briefing.inputs.check) on the waves `unvalidated` names, all in one process, before
    any notebook (`validated_while_warming_up` says which). Its lines as make printed them; whether every wave
    passed (each checked even when another fails, so every failing file is named)."""
    steps = unvalidated(plan)
    if not steps:
        return True
    from briefing.inputs import check

    results = []
    for step in steps:
        said = io.StringIO()
        try:
            with contextlib.redirect_stdout(said):
                results.append(check.run_one(plan["parameters"], step["wave"], step["outputs"][1]) == 0)
        finally:
            for line in said.getvalue().splitlines():
                print(f"[2/6] {line}", flush=True)
        if results[-1]:
            passed(step)
    return all(results)


def validated_while_warming_up(plan: dict) -> bool:
    """`validate`, in a process of its own forked before the notebooks' imports, while this one makes their shell
    (`warm_up`) on another core: the gate then costs the build no time of its own, as a wave checked is a wave whose
    notebooks are to run. In this process, as before, when no wave is to be checked or one worker is all there may
    be (BRIEFING_WORKERS=1: a machine busy with other builds)."""
    if not unvalidated(plan) or worker_limit() < 2:
        return validate(plan)
    gate = forked().Process(target=validate_and_exit, args=(plan,))
    gate.start()
    try:
        warm_up()
    finally:
        gate.join()
    return gate.exitcode == 0


def validate_and_exit(plan: dict) -> None:
    """The gate's process: `validate`, its answer the exit status. (Ctrl-C is the build's to handle: the gate
    finishes its check, in a fraction of a second, rather than printing a traceback of its own.)"""
    ignore_interrupts()
    sys.exit(0 if validate(plan) else 1)


def forked():
    """The start method of every process this project makes (the gate, the notebooks' workers, the editions'
    builds): a fork, which inherits what this process has loaded. Nothing is left buffered in this one's output
    first, or each child would write it again."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    return multiprocessing.get_context("fork")


def ignore_interrupts() -> None:
    """A child's Ctrl-C is its parent's to handle (the parent stops its children), not each child's traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def findings_of(plan: dict) -> list[Findings]:
    """The briefing's findings step of the build plan (none in the editions' analysis: each edition merges its
    own as it renders)."""
    return [
        Findings([Path(p) for p in step["inputs"]], Path(step["outputs"][0]), **step["parameters"])
        for step in plan["steps"]
        if step["kind"] == "findings"
    ]


def merge_findings(findings: Findings) -> str:
    """The briefing's findings merged and written; the build log's line."""
    try:
        params = findings_io.resolved_params(findings.params_path, findings.wave)
        merged = findings_io.write_merged(findings.inputs, params, findings.output)
    except Exception as error:  # a finding's record breaking a rule (duplicate ids...): its own sentence
        raise NotebookFailed(Path("findings"), cause_of(error), trace=traceback.format_exc()) from error
    return f"[4/6] findings: {len(merged['findings'])} merged into {findings.output}"


def under(root: Path, path: str) -> Path:
    """A path of a step run in `root`, as seen from the build's root ('..' resolved, so the whole build's
    files an edition reads are the same paths as the whole build's own)."""
    return Path(os.path.normpath(root / path))


def stale_outputs(steps: list[Job | Merge]) -> set[Path]:
    """The outputs to remake, in order: a step is stale when its output is missing or older than an input, or
    when an input is itself being remade (a new disclosure plan reruns the themes that read it)."""
    remade: set[Path] = set()
    for step in steps:
        if any(i in remade for i in step.inputs) or is_stale(step.inputs[0], step.output, step.inputs[1:]):
            remade.add(step.output)
    return remade


def execute(job: Job, root: Path) -> None:
    """One notebook in this process's shell (`warm_up`), in its project folder; its executed copy kept for audit."""
    import papermill

    from briefing.analysis import notebook_shell

    executed = job.executed
    for folder in (executed.parent, job.output.parent):
        folder.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(  # the executed copy is saved at the end (and on failure), not per cell
            str(job.notebook),
            str(executed),
            engine_name=notebook_shell.ENGINE_NAME,
            cwd=str((root / job.root).resolve()),  # (the paths above: from the build's root)
            progress_bar=False,
            request_save_on_cell_execute=False,
            parameters=job.parameters,
        )
    except Exception as error:
        raise NotebookFailed(job.notebook, cause_of(error), executed) from error


def pick_quotes(quotes: Quotes) -> str:
    """The wave's quotes picked, in its project folder (an edition's own parameters: its own area's quotes)."""
    from briefing.narrative import writer  # (pandas with it)

    with contextlib.chdir(quotes.root):
        params = findings_io.resolved_params(quotes.parameters["params_path"], quotes.wave)
        out = Path(quotes.parameters["quotes_path"])
        writer.write_quotes(params, out, Path(), Path(quotes.parameters["typed_path"]))  # (paths said as given)
    return f"[3/6] {quotes.step}: picked from wave {quotes.wave} into {out}"


def merge_wave(merge: Merge, params_path: str) -> None:
    """A wave's findings merged, in its project folder (an edition's parameters are read from there)."""
    out = merge.output.absolute()  # (from the build's root)
    with contextlib.chdir(merge.root):
        sources = [Path(os.path.relpath(p, merge.root)) for p in merge.sources]
        params = findings_io.resolved_params(merge.params_path or params_path, merge.wave, compared=False)
        findings_io.write_merged(sources, params, out)


def group_of(step: Step) -> tuple[str | None, str]:
    """The log line a step is counted in: (its edition, or None for the whole survey's build; the line's name): an
    edition's (its name: data, so kept apart from the whole build's names, whatever it says), else its wave's
    ("wave 2020"), the change's or the quotes' ("quotes 2020")."""
    if step.edition is not None:
        return step.edition, step.edition
    return None, step.step if isinstance(step, Job | Quotes) else f"wave {step.wave}"


def needs_of(todo: list[Step]) -> list[set[int]]:
    """The steps of `todo` each one reads an output of (the plan's declared inputs): it starts once they are done.
    A wave's notebooks need its disclosure plan, its merge needs them, the change needs both waves' merges, the
    quotes need none (their wave's validation is make's step, before this one)."""
    made_by = {step.output: i for i, step in enumerate(todo)}
    return [{made_by[p] for p in step.inputs if made_by.get(p, i) != i} for i, step in enumerate(todo)]


@dataclass
class Done:
    """What one step did, in whichever process ran it: when (the system's monotonic clock, one for every
    process), in which process (that is, which worker), the notebook it ran, the quotes' log line, or why it failed
    (the traceback as text)."""

    started: float
    ended: float
    worker: int
    notebook: str | None = None  # the executed copy's name: theme-<id> says which theme ran
    line: str | None = None
    failure: NotebookFailed | None = None


def run_step(step: Step, params_path: str, root: Path) -> Done:
    """One step in this process (a notebook in its shell); what it raised returned as a NotebookFailed."""
    done = functools.partial(Done, time.monotonic(), worker=os.getpid())
    try:
        if isinstance(step, Job):
            execute(step, root)
            return done(time.monotonic(), notebook=step.executed.stem)
        if isinstance(step, Quotes):
            return done(time.monotonic(), line=pick_quotes(step))
        merge_wave(step, params_path)
        return done(time.monotonic())
    except NotebookFailed as failure:
        failure.trace = traceback.format_exc()
        return done(time.monotonic(), failure=failure)
    except Exception as error:  # a merge's, or the quotes' (a quotes.yml breaking a rule: its own sentence)
        name = Path("quotes" if isinstance(step, Quotes) else "merge")
        return done(time.monotonic(), failure=NotebookFailed(name, cause_of(error), trace=traceback.format_exc()))


class Report:
    """The build log's lines, one per group of steps (`group_of`), in the plan's order, each written once its group
    and every group before it are over; an edition's failure recorded in its own build folder."""

    def __init__(self, todo: list[Step], editions: dict[str, Edition], log):
        self.todo, self.editions, self.log = todo, editions, log
        self.groups: dict[tuple[str | None, str], list[int]] = {}
        for index, step in enumerate(todo):
            self.groups.setdefault(group_of(step), []).append(index)
        self.left = {name: len(indices) for name, indices in self.groups.items()}
        self.done: dict[int, Done] = {}
        self.failed: dict[str, NotebookFailed] = {}  # edition -> its first failure
        self.written = 0  # groups logged so far, in order

    @property
    def notebooks(self) -> int:
        return sum(done.notebook is not None for done in self.done.values())

    def finished(self, index: int, done: Done) -> None:
        self.done[index] = done
        step = self.todo[index]
        if done.failure is not None and step.edition is not None and step.edition not in self.failed:
            self.failed[step.edition] = done.failure
            edition = self.editions[step.edition]
            record_failure(
                edition, f"notebooks: {done.failure.notebook.name} failed: {done.failure.cause}", done.failure.trace
            )
        self.over(group_of(step))

    def dropped(self, index: int) -> None:
        """A step not run: its edition failed."""
        self.over(group_of(self.todo[index]))

    def over(self, group: tuple[str | None, str]) -> None:
        self.left[group] -= 1
        names = list(self.groups)
        while self.written < len(names) and not self.left[names[self.written]]:
            self.write(names[self.written])
            self.written += 1

    def write(self, group: tuple[str | None, str]) -> None:
        edition, name = group
        done = [self.done[i] for i in self.groups[group] if i in self.done]
        ran = [d.notebook for d in done if d.notebook is not None and d.failure is None]
        span = max((d.ended for d in done), default=0.0) - min((d.started for d in done), default=0.0)
        workers = len({d.worker for d in done if d.notebook is not None})
        where = "one process" if workers == 1 else f"{workers} processes"
        if edition is None:
            for line in (d.line for d in done if d.line):  # the whole survey's quotes' (an edition's: in its line)
                self.log(line)
            if ran and not any(d.failure for d in done):  # (a failure is the build's to report)
                self.log(f"[3/6] {name}: notebooks: {len(ran)} run in {where} ({', '.join(ran)}) in {span:.1f} s")
        elif (failure := self.failed.get(edition)) is not None:
            for index in self.groups[group]:  # so it is retried
                self.todo[index].output.unlink(missing_ok=True)
            self.log(f"[3/6] {edition} edition: notebooks: FAILED: {failure.cause}")
        else:
            self.editions[edition].failed.unlink(missing_ok=True)
            self.log(f"[3/6] {edition} edition: notebooks: {len(ran)} run in {where} in {span:.1f} s")

    def rest(self) -> None:
        """After a failure of the whole survey's build: the groups that finished, in order."""
        for group in list(self.groups)[self.written :]:
            if not self.left[group]:
                self.write(group)


WORKERS = "BRIEFING_WORKERS"  # the environment's limit on worker processes (default: one per core)


def workers_wanted(todo: list[Step]) -> int:
    """One worker per core this process may use (or BRIEFING_WORKERS, for a machine already busy with other builds:
    the test suite's), at most one per notebook to run: a build's two waves' disclosure plans are made side by side,
    then their notebooks (and the editions') shared out among the workers."""
    return min(sum(isinstance(step, Job) for step in todo), worker_limit())  # (0: no notebook is stale, no shell)


def worker_limit() -> int:
    value = os.environ.get(WORKERS, "").strip()
    if not value:
        return len(os.sched_getaffinity(0))
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"notebooks: {WORKERS}={value!r} is not a number of processes: use a whole number, 1 or more")
    return int(value)


def run_build(
    steps: list[Step], params_path: str, root: Path, log=print, editions: dict[str, Edition] | None = None
) -> int:
    """Run the stale steps, each as soon as the steps whose outputs it reads are done (`needs_of`), on the first
    worker free (one per core), in the plan's order among those ready: the two waves' disclosure plans side by
    side, then their notebooks shared out, the change once both waves are merged, the quotes where a worker would
    wait, every edition's steps likewise (`editions`: where each records a failure, which drops the rest of that
    edition only). The notebooks' shell is made only if a notebook is stale. Returns how many notebooks ran."""
    remade = stale_outputs(steps)
    todo = [s for s in steps if s.output in remade]
    needs, report = needs_of(todo), Report(todo, editions or {}, log)
    run = functools.partial(run_step, params_path=params_path, root=root)
    waiting, running, finished, failure = list(range(len(todo))), 0, set(), None
    with steps_runner(workers_wanted(todo), root, run) as runner:
        while waiting or running:
            if failure is None:
                for index in [i for i in waiting if needs[i] <= finished][: runner.capacity - running]:
                    waiting.remove(index)
                    runner.start(index, todo[index])
                    running += 1
            if not running:
                break  # nothing can start: the whole survey's build failed (or, never from a plan, a cycle)
            index, done = runner.wait()
            running -= 1
            report.finished(index, done)
            if done.failure is None:
                finished.add(index)
            elif (edition := todo[index].edition) is not None:  # an edition's failure ends that edition only
                for other in [i for i in waiting if todo[i].edition == edition]:
                    waiting.remove(other)
                    report.dropped(other)
            else:
                failure = failure or done.failure
    if failure is not None:
        report.rest()
        raise failure
    if waiting:
        raise NotebookFailed(
            Path("plan"), f"{len(waiting)} step(s) wait on one another's outputs (a cycle in the plan)"
        )
    return report.notebooks


@contextlib.contextmanager
def steps_runner(workers: int, root: Path, run):
    """What runs the steps: this process, when at most one worker is wanted (its shell made only if a notebook
    runs); else that many worker processes."""
    if workers <= 1:
        if workers:
            warm_up()
        yield InProcess(run)
        return
    with WorkerPool(workers, root, run) as pool:
        yield pool


class InProcess:
    """One step at a time, in this process."""

    capacity = 1

    def __init__(self, run):
        self.run, self.queued = run, []

    def start(self, index: int, step: Step) -> None:
        self.queued.append((index, step))

    def wait(self) -> tuple[int, Done]:
        index, step = self.queued.pop(0)
        return index, self.run(step)


class WorkerPool:
    """Worker processes, each running the steps handed to it one at a time in its own shell. Forked from this
    process once it has made the shell and imported what every notebook imports (`warm_up`), so each starts with
    them loaded; they live for the whole call."""

    def __init__(self, count: int, root: Path, run):
        context = forked()
        self.tasks, self.results = context.SimpleQueue(), context.Queue()
        self.workers = [
            context.Process(target=serve, args=(self.tasks, self.results, run), daemon=True) for _ in range(count)
        ]
        self.capacity = count

    def __enter__(self) -> WorkerPool:
        warm_up()
        for worker in self.workers:
            worker.start()
        return self

    def start(self, index: int, step: Step) -> None:
        self.tasks.put((index, step))  # (no more than there are workers free: the first free one takes it)

    def wait(self) -> tuple[int, Done]:
        """The next step to finish, from whichever worker ran it."""
        while True:
            try:
                return self.results.get(timeout=1)
            except queue.Empty:
                if ended := [w.exitcode for w in self.workers if w.exitcode not in (None, 0)]:
                    cause = f"a worker process ended (exit code {ended[0]}) before its notebooks had run"
                    raise NotebookFailed(Path("worker"), cause) from None

    def __exit__(self, failed, *exc) -> None:
        """Each worker told to stop once its step is done; if the build is stopping (Ctrl-C, a failure), at once."""
        for _ in self.workers:
            self.tasks.put(None)
        for worker in self.workers:
            if failed is not None:
                worker.terminate()
            worker.join(timeout=60 if failed is None else 10)
            if worker.is_alive():
                worker.kill()


def serve(tasks, results, run) -> None:
    """A worker's life: run each step it is handed until told to stop."""
    ignore_interrupts()  # Ctrl-C is the build's to handle: it then stops its workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # stopped: at once (no kernel to shut down, nothing half-written)
    while (task := tasks.get()) is not None:
        index, step = task
        results.put((index, run(step)))


def record_failure(edition: Edition, cause: str, trace: str) -> None:
    edition.log.parent.mkdir(parents=True, exist_ok=True)
    edition.log.write_text(trace, encoding="utf-8")
    edition.failed.write_text(cause + "\n", encoding="utf-8")


class NotebookFailed(RuntimeError):
    def __init__(self, notebook: Path, cause: str, executed: Path | None = None, trace: str | None = None):
        super().__init__(f"{notebook}: {cause}")
        self.notebook, self.cause, self.executed, self.trace = notebook, cause, executed, trace

    def __reduce__(self):  # (handed back from a worker process whole)
        return NotebookFailed, (self.notebook, self.cause, self.executed, self.trace)


def cause_of(error: BaseException) -> str:
    """The error in plain words: papermill's execution errors carry the notebook's own exception."""
    name, value = getattr(error, "ename", type(error).__name__), getattr(error, "evalue", str(error))
    return f"{name}: {value}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--plan",
        required=True,
        nargs="+",
        type=Path,
        help="the build plan (briefing.plan's plan.json), then the editions' analysis (`make editions`)",
    )
    parser.add_argument("--shared", nargs="*", default=[], type=Path, help="inputs every notebook depends on")
    parser.add_argument("--quote-code", nargs="*", default=[], type=Path, help="the code the quotes are picked by")
    args = parser.parse_args(argv)
    logging.getLogger("papermill").setLevel(logging.WARNING)
    records = [json.loads(path.read_text(encoding="utf-8")) for path in args.plan]
    plan = records[0]
    steps = [step for record in records for step in steps_of(record, args.shared, args.quote_code)]
    editions = {e["name"]: Edition.of(e) for record in records for e in record.get("editions", [])}
    log = Path(plan["build"]) / plans.NOTEBOOKS_LOG
    try:
        if not validated_while_warming_up(plan):
            return 1  # (the check's sentences are on stderr; no notebook ran)
        run_build(steps, plan["parameters"], Path.cwd(), editions=editions)
        for findings in findings_of(plan):
            print(merge_findings(findings))
    except KeyboardInterrupt:
        print(
            "notebooks: stopped (Ctrl-C), the workers with them; the next build runs what did not finish",
            file=sys.stderr,
        )
        return 130
    except NotebookFailed as failure:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(failure.trace or traceback.format_exc(), encoding="utf-8")
        copy = f"the executed copy is {failure.executed}; " if failure.executed else ""
        print(
            f"notebooks: {failure.notebook.name} failed: {failure.cause}\n  {copy}the traceback is in {log}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    # As the package's module, not __main__: what is handed to the workers is pickled by its classes' module.
    from briefing.analysis import run_notebooks

    code = run_notebooks.main()
    # All written and closed by now (the workers joined, the findings merged): what is left is the interpreter's
    # teardown, freeing pandas', matplotlib's and the shell's objects one by one, half a second nothing needs.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
