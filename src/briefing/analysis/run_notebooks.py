"""Run the notebooks of a build in a few long-lived Jupyter kernels (one per core, at most one per wave), the way
Quarto keeps a kernel alive between renders.

Each notebook is still a real parameterised notebook: papermill injects the parameters and writes the executed
copy (outputs included) under build/ for audit. What changes is the engine: papermill's own nbclient engine is
handed a kernel started once, instead of starting one per notebook (about 2 s each).
Between notebooks the kernel's namespace is cleared (as `%reset -f` does, figures closed: `clear_namespace`), so
each notebook sees only what it imports and computes itself; imported modules stay loaded, which is where the time
goes otherwise.

The kernel talks over IPC (local sockets) rather than TCP, so no traffic crosses the network stack and ipykernel
has no reason to warn about TCP without encryption.

The steps come from the build plan (briefing.plan, plan.json): for each wave (the reported one, then the one it is
compared with) its disclosure plan (<build>/waves/<wave>/withheld.json), each theme notebook, and the merge of the
wave's findings (<build>/waves/<wave>/findings.json); then the change between the waves (<build>/changes/<wave>-vs-<compared>/change.json).
Beside them, the reported wave's quotes (<build>/waves/<wave>/quotes.json), picked from its validated copy in a
worker's own process (no kernel): the narrative then renders them without loading pandas or reading the wave. Last,
in this process, the briefing's findings (<build>/findings.json: the reported wave's with the change, the comparison
resolved), merged at the end of every call.
Only stale steps run: an output missing, older than one of its inputs, or depending on an output remade now.

Each step starts as soon as the steps whose outputs it reads (the plan's declared inputs: `needs_of`) are done, on
the first kernel free (`WorkerPool`: worker processes forked from this one, each starting its kernel, one per
core), in the plan's order among the steps ready: on a two-core machine the two waves' disclosure plans side by
side, then their notebooks shared out between the two kernels (a one-wave build's too), the change once both waves
are merged, the quotes where a kernel would otherwise wait. With one core, or one notebook to run, everything runs
in one kernel in this process. The log has a line per wave, one for the change and one for the quotes, in the
plan's order, whichever finished first (`Report`).

`make editions` adds a second plan, every edition's analysis (briefing.plan.edition_analysis: its notebooks,
merges and change), to the same call and kernels: each edition's notebooks run in its own project folder (the
kernel changes to it), once the whole survey's disclosure plans they read are made, after the whole survey's own
steps among those ready, shared out among the kernels like them. An edition that fails is recorded in its own build folder (its traceback, and why in one line for its render step), its
outputs removed so it is retried; the other editions carry on.
Usage (the Makefile's notebook rule): python -m briefing.analysis.run_notebooks --plan PLAN_JSON [EDITIONS_JSON]
  --shared <inputs> --quote-code <the quotes' code>
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import multiprocessing
import os
import queue
import signal
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import KernelManager

from briefing import plan as plans
from briefing.analysis import findings as findings_io

ENGINE_NAME = "briefing-shared-kernel"
RESET = "import briefing.analysis.run_notebooks as _runner\n_runner.clear_namespace()\n"  # run in the kernel
# What every notebook imports: loaded while this process is still importing papermill (the two overlap).
WARM_UP = "import briefing.analysis.themes, briefing.publication.charts"


@functools.cache
def shared_kernel_engine():
    """papermill's nbclient engine, pointed at a kernel (and a client) that outlive each notebook; registered
    with papermill under ENGINE_NAME. papermill is imported here, while the kernel is still booting."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    class SharedKernelEngine(NBClientEngine):
        kernel_manager: KernelManager | None = None
        kernel_client = None  # one connected client for the whole run: one readiness wait, not one per notebook
        cwd: Path | None = None  # where the next notebook runs (an edition's project folder), set by `execute`

        @classmethod
        def execute_managed_notebook(
            cls, nb_man, kernel_name, log_output=False, start_timeout=60, execution_timeout=None, **kwargs
        ):
            """As papermill's NBClientEngine, with the shared kernel and client, in a cleared namespace."""
            if cls.kernel_client is None:
                raise RuntimeError("SharedKernelEngine: start the kernel first (shared_kernel())")
            run_code(cls.kernel_client, RESET + (f"import os\nos.chdir({str(cls.cwd)!r})\n" if cls.cwd else ""))
            for name in ("input_path", "startup_timeout", "timeout"):
                kwargs.pop(name, None)
            client = PapermillNotebookClient(
                nb_man,
                km=cls.kernel_manager,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                **kwargs,
            )
            client.kc = cls.kernel_client  # nbclient starts (and waits for) a client only when it has none
            return client.execute()

    papermill_engines.register(ENGINE_NAME, SharedKernelEngine)
    return SharedKernelEngine


def clear_namespace() -> None:
    """In the kernel, between two notebooks: every figure closed, then what `%reset -f` clears (every variable, the
    input and output caches), without the full garbage collection it ends with: that alone took a fifth of a
    second per notebook, with pandas, matplotlib and scipy loaded, and Python's own collector frees the rest."""
    import gc

    import matplotlib.pyplot as plt
    from IPython import get_ipython

    plt.close("all")
    collect, gc.collect = gc.collect, lambda generation=2: 0
    try:
        get_ipython().reset(new_session=False)
    finally:
        gc.collect = collect


def run_code(client, code: str, timeout: float = 300) -> None:
    """Run code in the kernel, silently, and wait until it has finished."""
    reply = client.execute_interactive(code, store_history=False, timeout=timeout, output_hook=lambda msg: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(
            f"the shared kernel could not run {code.splitlines()[0]!r}: {reply['content'].get('evalue')}"
        )


@contextlib.contextmanager
def shared_kernel(cwd: Path, kernel_name: str = "python3"):
    """Start one kernel (over IPC, in a private folder) and one client, lend them to the engine, shut down."""
    with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
        km = KernelManager(kernel_name=kernel_name, transport="ipc", ip=str(Path(sockets) / "kernel"))
        km.start_kernel(cwd=str(cwd), extra_arguments=["--HistoryManager.enabled=False"])
        client = km.client()
        client.start_channels()
        client.execute(WARM_UP, silent=True, store_history=False)  # queued: runs as soon as the kernel is up
        engine = shared_kernel_engine()  # imports papermill meanwhile
        client.wait_for_ready(timeout=300)
        engine.kernel_manager, engine.kernel_client = km, client
        try:
            yield km
        finally:
            engine.kernel_manager = engine.kernel_client = None
            client.stop_channels()
            km.shutdown_kernel(now=True)


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
    """A wave's notebook findings merged into its findings.json (in this process: no kernel needed)."""

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
    and redacted): a wave's pandas-loaded work that needs no kernel, done while the kernels analyse."""

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
    (Validation is make's step before this one.)"""
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
    """One notebook in the shared kernel (started by the caller), in its project folder; its executed copy kept
    for audit."""
    import papermill

    shared_kernel_engine().cwd = (root / job.root).resolve()
    executed = job.executed
    for folder in (executed.parent, job.output.parent):
        folder.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(  # the executed copy is saved at the end (and on failure), not per cell
            str(job.notebook),
            str(executed),
            engine_name=ENGINE_NAME,
            cwd=str(root),
            progress_bar=False,
            request_save_on_cell_execute=False,
            parameters=job.parameters,
        )
    except Exception as error:
        raise NotebookFailed(job.notebook, cause_of(error), executed) from error


def pick_quotes(quotes: Quotes) -> str:
    """The wave's quotes picked, in its project folder (an edition's own parameters: its own area's quotes)."""
    from briefing.narrative import writer  # (pandas with it, in this process: never in the kernels' way)

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
    process), in which process (that is, which kernel), the notebook it ran, the quotes' log line, or why it failed
    (the traceback as text)."""

    started: float
    ended: float
    worker: int
    notebook: str | None = None  # the executed copy's name: theme-<id> says which theme ran
    line: str | None = None
    failure: NotebookFailed | None = None


def run_step(step: Step, params_path: str, root: Path) -> Done:
    """One step in this process (a notebook in its kernel); what it raised returned as a NotebookFailed."""
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
        kernels = len({d.worker for d in done if d.notebook is not None})
        where = "one kernel" if kernels == 1 else f"{kernels} kernels"
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


KERNELS = "BRIEFING_KERNELS"  # the environment's limit on kernels (default: one per core)


def kernels_wanted(todo: list[Step]) -> int:
    """One kernel per core this process may use (or BRIEFING_KERNELS, for a machine already busy with other builds:
    the test suite's workers), at most one per notebook to run: a build's two waves' disclosure plans are made side
    by side, then their notebooks (and the editions') shared out among the kernels."""
    return min(sum(isinstance(step, Job) for step in todo), kernel_limit())  # (0: no notebook is stale, no kernel)


def kernel_limit() -> int:
    value = os.environ.get(KERNELS, "").strip()
    if not value:
        return len(os.sched_getaffinity(0))
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"notebooks: {KERNELS}={value!r} is not a number of kernels: use a whole number, 1 or more")
    return int(value)


def run_build(
    steps: list[Step], params_path: str, root: Path, log=print, editions: dict[str, Edition] | None = None
) -> int:
    """Run the stale steps, each as soon as the steps whose outputs it reads are done (`needs_of`), on the first
    kernel free (one per core), in the plan's order among those ready: the two waves' disclosure plans side by
    side, then their notebooks shared out, the change once both waves are merged, the quotes where a kernel would
    wait, every edition's steps likewise (`editions`: where each records a failure, which drops the rest of that
    edition only). A kernel is started only if a notebook is stale. Returns how many notebooks ran."""
    remade = stale_outputs(steps)
    todo = [s for s in steps if s.output in remade]
    needs, report = needs_of(todo), Report(todo, editions or {}, log)
    run = functools.partial(run_step, params_path=params_path, root=root)
    waiting, running, finished, failure = list(range(len(todo))), 0, set(), None
    with steps_runner(kernels_wanted(todo), root, run) as runner:
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
def steps_runner(kernels: int, root: Path, run):
    """What runs the steps: in this process, in one kernel (none if no notebook runs), when at most one is wanted;
    else that many worker processes, each with its own."""
    if kernels <= 1:
        with shared_kernel(root) if kernels else contextlib.nullcontext():
            yield InProcess(run)
        return
    with WorkerPool(kernels, root, run) as pool:
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
    """Worker processes, each with its own kernel, each running the steps handed to it one at a time. Forked from
    this process before it starts any kernel (so each inherits the imported modules and no socket), they live for
    the whole call, so every step after the first in a kernel finds its imports done."""

    def __init__(self, count: int, root: Path, run):
        context = multiprocessing.get_context("fork")
        self.tasks, self.results = context.SimpleQueue(), context.Queue()
        self.workers = [
            context.Process(target=serve, args=(self.tasks, self.results, root, run), daemon=True) for _ in range(count)
        ]
        self.capacity = count

    def __enter__(self) -> WorkerPool:
        shared_kernel_engine()  # papermill imported once, here: every worker inherits it
        for worker in self.workers:
            worker.start()
        return self

    def start(self, index: int, step: Step) -> None:
        self.tasks.put((index, step))  # (no more than there are workers free: the first free one takes it)

    def wait(self) -> tuple[int, Done]:
        """The next step to finish, from whichever worker ran it."""
        while True:
            try:
                index, done = self.results.get(timeout=1)
            except queue.Empty:
                if ended := [w.exitcode for w in self.workers if w.exitcode not in (None, 0)]:
                    cause = f"a worker process ended (exit code {ended[0]}) before its notebooks had run"
                    raise NotebookFailed(Path("worker"), cause) from None
                continue
            if index == KERNEL_FAILED:
                raise done.failure
            return index, done

    def __exit__(self, failed, *exc) -> None:
        """Each worker told to stop once its step is done; if the build is stopping (Ctrl-C, a failure), at once:
        a worker stopped shuts its kernel down on its way out (serve)."""
        for _ in self.workers:
            self.tasks.put(None)
        for worker in self.workers:
            if failed is not None:
                worker.terminate()
            worker.join(timeout=60 if failed is None else 10)
            if worker.is_alive():
                worker.kill()


KERNEL_FAILED = -1  # a worker's report that its kernel could not start (or stopped), in place of a step's index


def serve(tasks, results, root: Path, run) -> None:
    """A worker's life: start its kernel, run each step it is handed, shut the kernel down when told to stop. A
    kernel that cannot start is reported as a failure, in words, not as a traceback on the build's log."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle: it then stops its workers
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: leave by the kernel's shutdown, not past it
    try:
        with shared_kernel(root):
            while (task := tasks.get()) is not None:
                index, step = task
                results.put((index, run(step)))
    except Exception as error:  # noqa: BLE001 (the kernel itself: what a step raises is in its Done)
        failure = NotebookFailed(Path("kernel"), cause_of(error), trace=traceback.format_exc())
        now = time.monotonic()
        results.put((KERNEL_FAILED, Done(now, now, os.getpid(), failure=failure)))


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
        run_build(steps, plan["parameters"], Path.cwd(), editions=editions)
        for findings in findings_of(plan):
            print(merge_findings(findings))
    except KeyboardInterrupt:
        print(
            "notebooks: stopped (Ctrl-C), the kernels with them; the next build runs what did not finish",
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

    sys.exit(run_notebooks.main())
