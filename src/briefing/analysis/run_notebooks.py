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

The waves read nothing of one another, so each runs in its own kernel, side by side (`rounds_of`, `WorkerPool`:
worker processes forked from this one, each starting its kernel, on a two-core machine the two waves at once);
the change, which reads both, runs after them on one of the same kernels. On one core, or with one wave stale,
everything runs in one kernel in this process. The log has a line per wave and one for the change, in the
plan's order, whichever finished first.

`make editions` adds a second plan, every edition's analysis (briefing.plan.edition_analysis: its notebooks,
merges and change), to the same call and kernels: each edition's notebooks run in its own project folder (the
kernel changes to it), after the whole survey's waves, whose validated files and disclosure plans they read, the
editions shared out among the kernels. An edition
that fails is recorded in its own build folder (its traceback, and why in one line for its render step), its
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
CHANGE = "change"  # the plan's label of the step after both waves


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
    step: str  # its lane: "quotes 2020"
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


@dataclass
class Lane:
    """Stale steps that run in order in one kernel: a wave of the whole survey's build, the change between its
    waves, or one edition's analysis."""

    name: str  # its log line's: "wave 2020", "change", or the edition's name
    steps: list[Step]
    edition: str | None = None


def rounds_of(todo: list[Step]) -> list[list[Lane]]:
    """The stale steps as lanes, in two rounds, each lane independent of the others in its round: first each wave
    of the whole survey's build (a wave reads nothing of another), then the change between the waves and each
    edition (which read the waves' findings and disclosure plans). The reported wave's quotes, a lane of their own
    that reads no notebook's output, go first in the second round where there is one (the first worker free after
    the waves, beside the change: in the first, behind a wave, they held the change back), else in the first."""
    whole: dict[str, list[Step]] = {}
    by_edition: dict[str, list[Step]] = {}
    for step in todo:
        if step.edition is not None:
            by_edition.setdefault(step.edition, []).append(step)
        else:
            whole.setdefault(step.step if isinstance(step, Job | Quotes) else f"wave {step.wave}", []).append(step)
    lanes = [Lane(name, steps) for name, steps in whole.items() if name != CHANGE]
    quotes = [lane for lane in lanes if all(isinstance(s, Quotes) for s in lane.steps)]
    waves = [lane for lane in lanes if lane not in quotes]
    after = [Lane(CHANGE, whole[CHANGE])] if CHANGE in whole else []
    after += [Lane(name, steps, name) for name, steps in by_edition.items()]
    first, second = (waves, quotes + after) if after else (waves + quotes, [])
    return [lanes for lanes in (first, second) if lanes]


@dataclass
class Outcome:
    """What a lane did: its log lines, how many notebooks ran, and a whole-build step's failure (which may come
    from another process: its traceback travels as text)."""

    lines: list[str]
    ran: int
    failure: NotebookFailed | None = None

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure


def run_steps(steps: list[Step], params_path: str, root: Path, ran: list[str], said: list[str] | None = None) -> None:
    """Steps in order in this process's kernel, each notebook's name added to `ran` once it has run (and the quotes'
    log line to `said`); any failure raised as NotebookFailed, with its traceback as text."""
    try:
        for step in steps:
            if isinstance(step, Job):
                execute(step, root)
                ran.append(step.executed.stem)  # theme-<id>: which theme ran
            elif isinstance(step, Quotes):
                line = pick_quotes(step)
                if said is not None:
                    said.append(line)
            else:
                merge_wave(step, params_path)
    except NotebookFailed as failure:
        failure.trace = traceback.format_exc()
        raise
    except Exception as error:  # a merge's, or the quotes' (a quotes.yml breaking a rule: its own sentence)
        name = Path("quotes" if isinstance(step, Quotes) else "merge")
        raise NotebookFailed(name, cause_of(error), trace=traceback.format_exc()) from error


def run_lane(lane: Lane, params_path: str, root: Path, editions: dict[str, Edition]) -> Outcome:
    """One lane in this process's kernel: an edition's failure is recorded and stays in its lane
    (`run_edition`); a whole-build step's ends the build."""
    lines: list[str] = []
    if lane.edition is not None:
        return Outcome(lines, run_edition(lane.steps, editions[lane.edition], params_path, root, lines.append))
    start, names = time.perf_counter(), []
    try:
        run_steps(lane.steps, params_path, root, names, lines)
    except NotebookFailed as failure:
        return Outcome(lines, len(names), failure)
    if names:
        lines.append(
            f"[3/6] {lane.name}: notebooks: {len(names)} run in one kernel ({', '.join(names)}) "
            f"in {time.perf_counter() - start:.1f} s"
        )
    return Outcome(lines, len(names))


KERNELS = "BRIEFING_KERNELS"  # the environment's limit on kernels (default: one per core)


def kernels_wanted(rounds: list[list[Lane]]) -> int:
    """One kernel per lane of the widest round, at most one per core this process may use (or BRIEFING_KERNELS,
    for a machine already busy with other builds: the test suite's workers): the two waves of a build (and then
    the editions) are analysed side by side, each in its own kernel."""
    widest = max((sum(any(isinstance(s, Job) for s in lane.steps) for lane in lanes) for lanes in rounds), default=0)
    return min(widest, kernel_limit())  # (0: no notebook is stale, no kernel)


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
    """Run the stale steps: each wave of the whole survey's build in its own kernel, side by side (one kernel per
    core), then the change and every edition's analysis (`editions`: where each records a failure) on the same
    kernels; a kernel is started only if a notebook is stale. One log line per wave of the whole survey's build
    and one for the change, then one per edition, in the plan's order. Returns how many notebooks ran."""
    remade = stale_outputs(steps)
    rounds = rounds_of([s for s in steps if s.output in remade])
    run = functools.partial(run_lane, params_path=params_path, root=root, editions=editions or {})
    ran = 0
    with lanes_runner(kernels_wanted(rounds), root, run) as run_all:
        for lanes in rounds:
            outcomes = run_all(lanes)
            for outcome in outcomes:
                for line in outcome.lines:
                    log(line)
                ran += outcome.ran
            for outcome in outcomes:
                outcome.raise_failure()
    return ran


@contextlib.contextmanager
def lanes_runner(kernels: int, root: Path, run):
    """A function running a round's lanes and returning their outcomes in order: in this process, in one kernel
    (none if no notebook runs), when at most one is wanted; else in that many worker processes, each with its own."""
    if kernels <= 1:
        with shared_kernel(root) if kernels else contextlib.nullcontext():
            yield lambda lanes: [run(lane) for lane in lanes]
        return
    with WorkerPool(kernels, root, run) as pool:
        yield pool.run


class WorkerPool:
    """Worker processes, each with its own kernel, that run lanes handed to them one at a time. Forked from this
    process before it starts any kernel (so each inherits the imported modules and no socket), they outlive a
    round, so the change and the editions reuse the kernels the waves started."""

    def __init__(self, count: int, root: Path, run):
        context = multiprocessing.get_context("fork")
        self.tasks, self.results = context.SimpleQueue(), context.Queue()
        self.workers = [
            context.Process(target=serve, args=(self.tasks, self.results, root, run), daemon=True) for _ in range(count)
        ]

    def __enter__(self) -> WorkerPool:
        shared_kernel_engine()  # papermill imported once, here: every worker inherits it
        for worker in self.workers:
            worker.start()
        return self

    def run(self, lanes: list[Lane]) -> list[Outcome]:
        for index, lane in enumerate(lanes):
            self.tasks.put((index, lane))
        outcomes: dict[int, Outcome] = {}
        while len(outcomes) < len(lanes):
            try:
                index, outcome = self.results.get(timeout=1)
            except queue.Empty:
                if ended := [w.exitcode for w in self.workers if w.exitcode not in (None, 0)]:
                    cause = f"a worker process ended (exit code {ended[0]}) before its notebooks had run"
                    raise NotebookFailed(Path("worker"), cause) from None
                continue
            if index == KERNEL_FAILED:
                outcome.raise_failure()
            outcomes[index] = outcome
        return [outcomes[i] for i in range(len(lanes))]

    def __exit__(self, failed, *exc) -> None:
        """Each worker told to stop once its lane is done; if the build is stopping (Ctrl-C, a failure), at once:
        a worker stopped shuts its kernel down on its way out (serve)."""
        for _ in self.workers:
            self.tasks.put(None)
        for worker in self.workers:
            if failed is not None:
                worker.terminate()
            worker.join(timeout=60 if failed is None else 10)
            if worker.is_alive():
                worker.kill()


KERNEL_FAILED = -1  # a worker's report that its kernel could not start (or stopped), in place of a lane's index


def serve(tasks, results, root: Path, run) -> None:
    """A worker's life: start its kernel, run each lane it is handed, shut the kernel down when told to stop. A
    kernel that cannot start is reported as a failure, in words, not as a traceback on the build's log."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the build's to handle: it then stops its workers
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stopped: leave by the kernel's shutdown, not past it
    try:
        with shared_kernel(root):
            while (task := tasks.get()) is not None:
                index, lane = task
                results.put((index, run(lane)))
    except Exception as error:  # noqa: BLE001 (the kernel itself: what a lane's steps raise is in its Outcome)
        failure = NotebookFailed(Path("kernel"), cause_of(error), trace=traceback.format_exc())
        results.put((KERNEL_FAILED, Outcome([], 0, failure)))


def run_edition(steps: list[Step], edition: Edition, params_path: str, root: Path, log) -> int:
    """An edition's stale steps. A failure is recorded in its own build folder (the traceback, and the cause in
    one line, which its render step reports) and its outputs are removed, so it is retried; the others go on."""
    start, ran = time.perf_counter(), []
    try:
        run_steps(steps, params_path, root, ran)
    except NotebookFailed as failure:  # an edition's notebook or merge: recorded, never the end of the others
        record_failure(edition, f"notebooks: {failure.notebook.name} failed: {failure.cause}", failure.trace)
        for step in steps:
            step.output.unlink(missing_ok=True)
        log(f"[3/6] {edition.name} edition: notebooks: FAILED: {failure.cause}")
        return len(ran)
    edition.failed.unlink(missing_ok=True)
    log(f"[3/6] {edition.name} edition: notebooks: {len(ran)} run in one kernel in {time.perf_counter() - start:.1f} s")
    return len(ran)


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
