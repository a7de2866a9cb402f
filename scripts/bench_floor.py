"""The pieces `make bench` (scripts/bench.py) times in their own processes, beside a cold build it has just made:

* `in-process OUT.json PLAN [PROFILE]`: the build's notebooks (the runner's own plan, parameters injected), their
  code cells run in ONE plain Python process: no Jupyter, no make, no render. Writes the seconds, the libraries
  it loaded (with those the narrative and render steps import) and, given PROFILE, a cProfile of the run.
* `imports OUT.json MODULES.json`: a fresh interpreter importing exactly those libraries (the stack's start-up).
* `floor OUT.json PLAN_MK CHARTS`: the rest of the stack's floor, stage by stage: reading the build's waves and
  frames (pandas), drawing CHARTS bar charts with matplotlib's defaults (no house style, no font work) saved as
  SVG and PNG, and rendering the build's own document once (pandoc + Typst, every format).

Run from the built project's root (the plan's paths are relative to it). Timings are written, never asserted.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path


def in_process(out: str, plan_path: str, profile: str | None = None) -> None:
    import cProfile

    import nbformat  # noqa: F401 - the runner's own machinery, not the build's: not counted
    import papermill  # noqa: F401
    from IPython.core import interactiveshell  # noqa: F401

    machinery = set(sys.modules)
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    run_notebooks_in_process(plan_path)
    importlib.import_module("briefing.narrative.writer")  # the later steps' libraries (jinja2, pypandoc, typst...)
    importlib.import_module("briefing.publication.render")
    for name in ("pypandoc", "typst"):  # imported by the render step on first use
        importlib.import_module(name)
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
    seconds = time.perf_counter() - start
    Path(out).write_text(json.dumps({"seconds": seconds, "modules": libraries_loaded(machinery)}), encoding="utf-8")


def run_notebooks_in_process(plan_path: str) -> None:
    """Each notebook's code cells in a fresh namespace, its parameters injected after its parameters cell; its
    outputs in a temporary build folder (the parameters file stays: the project root is found from it)."""
    import nbformat

    from briefing.analysis import run_notebooks as rn
    from briefing.plan import TYPED_COPY

    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    build, params = tempfile.mkdtemp(), plan["parameters"]
    moved = json.dumps(plan).replace(plan["build"] + "/", build + "/").replace(build + "/parameters.yml", params)
    for copy in Path(plan["build"]).glob(f"waves/*/{TYPED_COPY}"):  # what validation kept: the notebooks' input
        (Path(build) / copy.relative_to(plan["build"])).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(copy, Path(build) / copy.relative_to(plan["build"]))
    for step in rn.steps_of(json.loads(moved), []):
        if isinstance(step, rn.Merge):
            rn.merge_wave(step, params)
            continue
        if isinstance(step, rn.Quotes):
            rn.pick_quotes(step)
            continue
        step.output.parent.mkdir(parents=True, exist_ok=True)
        namespace: dict = {}
        for cell in nbformat.read(step.notebook, as_version=4).cells:
            if cell.cell_type == "code":
                exec(cell.source, namespace)
                if "parameters" in cell.metadata.get("tags", []):
                    namespace.update(step.parameters)
    for findings in rn.findings_of(json.loads(moved)):  # the briefing's findings, merged at the call's end
        rn.merge_findings(findings)


def libraries_loaded(machinery: set[str]) -> list[str]:
    """The public modules loaded since `machinery` that are neither the standard library nor the project's own."""
    own = {"briefing"} | set(sys.stdlib_module_names)
    return sorted(
        name
        for name in set(sys.modules) - machinery
        if name.split(".")[0] not in own and not any(part.startswith("_") for part in name.split("."))
    )


def imports(out: str, modules_file: str) -> None:
    start = time.perf_counter()
    for name in json.loads(Path(modules_file).read_text(encoding="utf-8")):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module that only its parent may import: the parent loads it
            pass
    Path(out).write_text(json.dumps({"seconds": time.perf_counter() - start}), encoding="utf-8")


def floor(out: str, plan_mk: str, charts: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from briefing.publication import charts as house
    from briefing.publication import render

    values = dict(line.split(" := ", 1) for line in Path(plan_mk).read_text().splitlines() if " := " in line)
    stages = {}
    start = time.perf_counter()
    for data in values["WAVE_DATA"].split():  # each wave and each frame of the build, as its platform saved it
        if data.endswith(".csv"):
            pd.read_csv(data, encoding_errors="replace")  # a platform's CSV may have two header rows: still read
        elif data.endswith(".xlsx"):
            pd.read_excel(data)
        else:
            pd.read_spss(data)
    stages["read the waves and frames (pandas)"] = time.perf_counter() - start

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="floor-charts-") as folder:
        for number in range(int(charts)):
            fig, ax = plt.subplots()
            ax.barh(["All", "Small", "Medium", "Large"], [0.61, 0.55, 0.64, 0.7])
            ax.set_title(f"Chart {number}")
            fig.savefig(Path(folder) / f"chart{number}.svg", format="svg")
            fig.savefig(Path(folder) / f"chart{number}.png", format="png", dpi=house.PNG_DPI)
            plt.close(fig)
    stages[f"draw {charts} charts, SVG and PNG (matplotlib's defaults)"] = time.perf_counter() - start

    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="floor-render-", dir=Path.cwd() / "build") as staging:
        render.render_pandoc(Path.cwd(), Path(staging))
    stages["render the document once (pandoc + Typst, every format)"] = time.perf_counter() - start
    Path(out).write_text(json.dumps(stages), encoding="utf-8")


if __name__ == "__main__":
    {"in-process": in_process, "imports": imports, "floor": floor}[sys.argv[1]](*sys.argv[2:])
