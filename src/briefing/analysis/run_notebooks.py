"""Run the theme notebooks in ONE Jupyter kernel, the way Quarto keeps a kernel alive between renders.

Each notebook is still a real parameterised notebook: papermill injects the parameters and writes the executed
copy (outputs included) under build/executed/ for audit. What changes is the engine: papermill's own nbclient
engine is handed a kernel that this process started once, instead of starting one per notebook (about 2 s each).
Between notebooks the kernel's namespace is cleared (`%reset -f`, figures closed), so each notebook sees only what
it imports and computes itself; imported modules stay loaded, which is where the time goes otherwise.

The kernel talks over IPC (local sockets) rather than TCP, so no traffic crosses the network stack and ipykernel
has no reason to warn about TCP without encryption.

Only stale notebooks run: a notebook's findings file missing, or older than the notebook or a shared input.
Usage (the Makefile's notebook rule): python -m briefing.analysis.run_notebooks --params P --wave W
  --survey-path S --build build --shared <shared inputs> [--param NAME=VALUE ...] -- notebooks/a.ipynb ...
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import logging
import sys
import tempfile
import time
import traceback
from pathlib import Path

from jupyter_client.manager import KernelManager

ENGINE_NAME = "briefing-shared-kernel"
RESET = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt\n"
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

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, start_timeout=60,
                                     execution_timeout=None, **kwargs):  # fmt: skip
            """As papermill's NBClientEngine, with the shared kernel and client, in a cleared namespace."""
            if cls.kernel_client is None:
                raise RuntimeError("SharedKernelEngine: start the kernel first (shared_kernel())")
            run_code(cls.kernel_client, RESET)
            for name in ("input_path", "startup_timeout", "timeout"):
                kwargs.pop(name, None)
            client = PapermillNotebookClient(nb_man, km=cls.kernel_manager, timeout=execution_timeout,
                                             startup_timeout=start_timeout, kernel_name=kernel_name, log=logger,
                                             log_output=log_output, **kwargs)  # fmt: skip
            client.kc = cls.kernel_client  # nbclient starts (and waits for) a client only when it has none
            return client.execute()

    papermill_engines.register(ENGINE_NAME, SharedKernelEngine)
    return SharedKernelEngine


def run_code(client, code: str, timeout: float = 300) -> None:
    """Run code in the kernel, silently, and wait until it has finished."""
    reply = client.execute_interactive(code, store_history=False, timeout=timeout, output_hook=lambda msg: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"the shared kernel could not run {code.splitlines()[0]!r}: {reply['content'].get('evalue')}")


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


def is_stale(notebook: Path, findings: Path, shared: list[Path]) -> bool:
    if not findings.exists():
        return True
    built = findings.stat().st_mtime
    return any(p.stat().st_mtime > built for p in (notebook, *shared) if p.exists())


class NotebookFailed(RuntimeError):
    def __init__(self, notebook: Path, cause: str):
        super().__init__(f"{notebook}: {cause}")
        self.notebook, self.cause = notebook, cause


def cause_of(error: BaseException) -> str:
    """The error in plain words: papermill's execution errors carry the notebook's own exception."""
    name, value = getattr(error, "ename", type(error).__name__), getattr(error, "evalue", str(error))
    return f"{name}: {value}"


def run(notebooks: list[Path], build: Path, parameters: dict[str, str], root: Path) -> list[Path]:
    """Execute each notebook in the shared kernel; its executed copy goes to build/executed/."""
    done = []
    with shared_kernel(root):
        for notebook in notebooks:
            executed = build / "executed" / notebook.name
            findings = build / "findings" / f"{notebook.stem}.json"
            for folder in (executed.parent, findings.parent, build / "figures"):
                folder.mkdir(parents=True, exist_ok=True)
            try:
                import papermill

                papermill.execute_notebook(  # the executed copy is saved at the end (and on failure), not per cell
                    str(notebook), str(executed), engine_name=ENGINE_NAME, cwd=str(root), progress_bar=False,
                    request_save_on_cell_execute=False,
                    parameters={**parameters, "findings_path": str(findings), "figures_dir": str(build / "figures")},
                )  # fmt: skip
            except Exception as error:
                raise NotebookFailed(notebook, cause_of(error)) from error
            done.append(notebook)
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", required=True)
    parser.add_argument("--wave", required=True)
    parser.add_argument("--survey-path", required=True)
    parser.add_argument("--build", default="build", type=Path)
    parser.add_argument("--shared", nargs="*", default=[], type=Path, help="inputs every notebook depends on")
    parser.add_argument("--all", action="store_true", help="run every notebook, stale or not")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a further parameter for every notebook (e.g. the change notebook's compare_wave)")
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    logging.getLogger("papermill").setLevel(logging.WARNING)
    stale = [nb for nb in args.notebooks
             if args.all or is_stale(nb, args.build / "findings" / f"{nb.stem}.json", args.shared)]  # fmt: skip
    if not stale:
        return 0
    parameters = {"params_path": args.params, "wave": args.wave, "survey_path": args.survey_path,
                  **dict(item.split("=", 1) for item in args.param)}  # fmt: skip
    log = args.build / "logs" / "notebooks.log"
    start = time.perf_counter()
    try:
        run(stale, args.build, parameters, Path.cwd())
    except NotebookFailed as failure:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(traceback.format_exc(), encoding="utf-8")
        executed = args.build / "executed" / failure.notebook.name
        print(f"notebooks: {failure.notebook.name} failed: {failure.cause}\n"
              f"  the executed copy is {executed}; the traceback is in {log}", file=sys.stderr)  # fmt: skip
        return 1
    names = ", ".join(nb.stem for nb in stale)
    print(f"notebooks: {len(stale)} run in one kernel ({names}) in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
