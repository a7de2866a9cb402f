"""A papermill engine that runs each notebook in this process's IPython shell: the interpreter an IPython kernel
runs code in, without the kernel's process and messages around it.

papermill still reads the notebook, injects its parameters after the cell tagged `parameters` and writes the
executed copy (each cell's outputs, papermill's timings, the error if one stopped it); nbclient's engine would
send every cell to a kernel process and read its outputs back as messages, about 3.5 ms a cell and 12 ms a
notebook over local sockets, with a kernel process to start per worker. Here each cell is run by `run_cell`, and
what it shows is recorded as the kernel records it (`Recorder`): its printed text (stream outputs), its displays,
the value of its last line (`execute_result`, in every format IPython computes: text and HTML), its error.

Between notebooks the namespace is cleared (as `%reset -f` does, figures closed: `clear_namespace`), so each
notebook sees only what it imports and computes itself; imported modules stay loaded, which is where the time goes
otherwise. A notebook runs in its project folder (an edition's): papermill's `cwd`, which restores the process's own.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import io
import platform

import nbformat
from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell
from papermill.engines import Engine, papermill_engines
from traitlets.config import Config

ENGINE_NAME = "briefing-shell"

# What the executed copy says of its language: what the IPython kernel reports for this interpreter.
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": platform.python_version(),
}


class Recorder:
    """The outputs of the cell running now, as nbformat outputs, in the order it showed them."""

    def __init__(self):
        self.outputs: list = []

    def stream(self, name: str, text: str) -> None:
        last = self.outputs[-1] if self.outputs else None
        if last is not None and last.output_type == "stream" and last.name == name:
            last.text += text  # consecutive writes are one output, as the kernel's are
        else:
            self.outputs.append(nbformat.v4.new_output("stream", name=name, text=text))

    def add(self, output_type: str, **content) -> None:
        self.outputs.append(nbformat.v4.new_output(output_type, **content))


class StreamTo(io.TextIOBase):
    """sys.stdout or sys.stderr while a cell runs: what it writes, into the recorder."""

    def __init__(self, recorder: Recorder, name: str):
        self.recorder, self.name = recorder, name

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if text:
            self.recorder.stream(self.name, text)
        return len(text)


class ResultHook(DisplayHook):
    """The value of a cell's last line, recorded as its `execute_result` rather than printed."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        self.shell.recorder.add(
            "execute_result", data=format_dict, metadata=md_dict or {}, execution_count=self.prompt_count
        )

    def finish_displayhook(self) -> None:
        pass


class DisplayRecorder(DisplayPublisher):
    """`display(...)` in a cell, recorded as its `display_data`."""

    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
        self.shell.recorder.add("display_data", data=data, metadata=metadata or {})

    def clear_output(self, wait=False) -> None:
        self.shell.recorder.outputs.clear()


class NotebookShell(InteractiveShell):
    """IPython's shell, its results, displays and errors recorded for the executed copy."""

    displayhook_class = ResultHook
    display_pub_class = DisplayRecorder

    def __init__(self, **kwargs):
        self.recorder = Recorder()
        super().__init__(**kwargs)

    def init_sys_modules(self) -> None:
        """Leave the host process's `__main__` as it is (IPython's own shell replaces it with the notebook's
        namespace, as an embedded shell does not): the runner, or a test, keeps running as itself."""

    def _showtraceback(self, etype, evalue, stb) -> None:
        self.recorder.add("error", ename=etype.__name__, evalue=str(evalue), traceback=stb)

    def run(self, source: str, count: int) -> tuple[list, bool]:
        """Run one cell's source as cell number `count`: its outputs, and whether it succeeded."""
        self.recorder = Recorder()
        self.execution_count = count
        with (
            contextlib.redirect_stdout(StreamTo(self.recorder, "stdout")),
            contextlib.redirect_stderr(StreamTo(self.recorder, "stderr")),
        ):
            result = self.run_cell(source, store_history=True)  # (as a kernel: `In`, `_i` and `;` need it)
        return self.recorder.outputs, result.success


@functools.cache
def shell() -> NotebookShell:
    """This process's shell, made once (history off: nothing is written to ~/.ipython; plain tracebacks)."""
    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    return NotebookShell.instance(config=config)


def clear_namespace() -> None:
    """Between two notebooks: every figure closed, then what `%reset -f` clears (every variable, the output cache),
    without the full garbage collection it ends with: that alone took a fifth of a second per notebook, with pandas,
    matplotlib and scipy loaded, and Python's own collector frees the rest."""
    import matplotlib.pyplot as plt

    plt.close("all")
    collect, gc.collect = gc.collect, lambda generation=2: 0
    try:
        shell().reset(new_session=False)
    finally:
        gc.collect = collect


class ShellEngine(Engine):
    """papermill's engine for this process's shell. (papermill's own `cwd` runs it in the notebook's project folder
    and comes back: the shell is this process.)"""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
        clear_namespace()
        count = 0
        for index, cell in enumerate(nb_man.nb.cells):
            nb_man.cell_start(cell, index)
            try:
                if cell.cell_type != "code" or not cell.source.strip():
                    continue  # (as nbclient: an empty cell is not run, and has no number)
                count += 1
                cell.outputs, succeeded = shell().run(cell.source, count)
                cell.execution_count = count
                if not succeeded:
                    nb_man.cell_exception(cell, cell_index=index)
                    break  # papermill then raises the cell's error, with the executed copy saved
            finally:
                nb_man.cell_complete(cell, cell_index=index)
        nb_man.nb.metadata["language_info"] = LANGUAGE_INFO
        return nb_man.nb


papermill_engines.register(ENGINE_NAME, ShellEngine)
