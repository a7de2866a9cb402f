"""Benchmark the pipeline: cold builds of one wave (beside its in-process floor) and of two waves, a no-op build,
a rebuild after one input changes, and every edition cold.

Runs in a fresh copy of the project (the environment is reused), several times each, and prints the median
time of every stage: environment check, validation, the notebooks (one shared kernel), merge, narrative, each
render format; then the render step by engine side by side (pandoc + Typst, Quarto, and Quarto's floor: a
one-line document). The floor of the build is the six notebooks' code run in one Python process without Jupyter,
measured in the same run. Usage: `make bench` or `.venv/bin/python scripts/bench.py [--runs N] [--engine pandoc]`.
Timings live here, never in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.conftest import copy_project  # noqa: E402  (the same clean copy the end-to-end tests use)


FLOOR = """
import nbformat, tempfile, pathlib
out = pathlib.Path(tempfile.mkdtemp())
for path in sorted(p for p in pathlib.Path("notebooks").glob("*.ipynb") if p.stem != "change"):  # one wave's
    namespace = {}
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            exec(cell.source, namespace)
            if "parameters" in cell.metadata.get("tags", []):
                namespace.update(findings_path=str(out / (path.stem + ".json")), figures_dir=str(out))
"""


class Build:
    def __init__(self, project: Path, engine: str, wave: str | None = None):
        self.project, self.engine, self.wave = project, engine, wave
        self.variables = [f"VENV={sys.prefix}", f"ENGINE={engine}", *([f"WAVE={wave}"] if wave else [])]
        self.params_mk = f"build/params{f'-wave-{wave}' if wave else ''}.mk"

    def make(self, *targets: str) -> float:
        env = {**os.environ, "BRIEFING_TIMINGS": str(self.project / "build" / "render-timings.json")}
        start = time.perf_counter()
        subprocess.run(["make", "--no-print-directory", "-s", *targets, *self.variables], cwd=self.project,
                       check=True, capture_output=True, env=env)  # fmt: skip
        return time.perf_counter() - start

    def params(self) -> dict[str, str]:
        text = (self.project / self.params_mk).read_text()
        return dict(line.split(" := ", 1) for line in text.splitlines() if " := " in line)

    def staged(self) -> dict[str, float]:
        """Build stage by stage, in the Makefile's order, timing each target: each wave (its notebooks in one
        kernel), then the change."""
        t = {"environment check": self.make(f"{sys.prefix}/.ready"), "parameters": self.make(self.params_mk)}
        params = self.params()
        waves = [w for w in (params["WAVE"], params.get("COMPARE_WAVE", "")) if w]
        first = sorted(p.stem for p in (self.project / "notebooks").glob("*.ipynb") if p.stem != "change")[0]
        for wave in waves:
            t[f"validation {wave}"] = self.make(f"build/waves/{wave}/validated.ok")
            t[f"notebooks {wave} (all, one kernel)"] = self.make(f"build/waves/{wave}/findings/{first}.json")
        if len(waves) > 1:
            t["change notebook"] = self.make("build/findings/change.json")
        t["merge findings"] = self.make("build/findings.json")
        t["narrative"] = self.make("build/narrative.stamp")
        t["render (all formats)"] = self.make("report")
        timings_file = self.project / "build" / "render-timings.json"
        if timings_file.exists():
            for step, seconds in json.loads(timings_file.read_text()).items():
                t[f"  render: {step}"] = seconds
            timings_file.unlink()
        return t

    def cold(self) -> dict[str, float]:
        shutil.rmtree(self.project / "build", ignore_errors=True)
        shutil.rmtree(self.project / "_output", ignore_errors=True)
        return self.staged()

    def floor(self) -> dict[str, float]:
        """The notebooks' code cells, parameters injected, each in a fresh namespace, in ONE Python process."""
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", FLOOR], cwd=self.project, check=True, capture_output=True)
        return {"six notebooks' code in one process (floor)": time.perf_counter() - start}

    def editions_cold(self) -> dict[str, float]:
        shutil.rmtree(self.project / "build", ignore_errors=True)
        shutil.rmtree(self.project / "_output", ignore_errors=True)
        return {"make -j2 editions (cold)": self.make("-j2", "editions")}

    def noop(self) -> dict[str, float]:
        return {"make report (nothing to do)": self.make("report")}

    def one_input_changed(self, path: str) -> dict[str, float]:
        time.sleep(1.1)  # mtime resolution
        (self.project / path).touch()
        return {f"make report after touching {path}": self.make("report")}


QUARTO_FLOOR_DOC = """---
title: Floor
format:
  html: default
  typst: default
---

One line.
"""


def render_seconds(project: Path, engine: str) -> float:
    """The render step alone (both formats, staged and published), on an already computed project."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "briefing.publication.render", "--engine", engine, "--out", "build/bench-out"],
                   cwd=project, check=True, capture_output=True)  # fmt: skip
    return time.perf_counter() - start


def quarto_floor_seconds() -> float:
    """Quarto's own start-up: `quarto render` of a one-line document to the same two formats, in one call
    (outside the project, so no project settings apply)."""
    with tempfile.TemporaryDirectory(prefix="quarto-floor-") as folder:
        (Path(folder) / "floor.qmd").write_text(QUARTO_FLOOR_DOC, encoding="utf-8")
        start = time.perf_counter()
        subprocess.run(["quarto", "render", "floor.qmd", "--to", "all"], cwd=folder, check=True, capture_output=True)
        return time.perf_counter() - start


def compare_engines(project: Path, runs: int) -> None:
    from briefing.quarto import quarto_problem

    if problem := quarto_problem(project):
        print(f"\nRender time by engine: Quarto not measured ({problem})")
        return
    rows = [{"pandoc + Typst": render_seconds(project, "pandoc"), "Quarto": render_seconds(project, "quarto"),
             "Quarto floor (one-line document)": quarto_floor_seconds()}
            for _ in range(runs)]  # fmt: skip
    med = medians(rows)
    print(f"\nRender time by engine, HTML and PDF (median of {runs} runs)")
    for engine, seconds in med.items():
        print(f"  {engine:<46} {seconds:7.2f} s")
    quarto, floor = med["Quarto"], med["Quarto floor (one-line document)"]
    print(f"  Quarto / pandoc + Typst {quarto / med['pandoc + Typst']:.1f}; "
          f"Quarto over its floor {quarto - floor:.2f} s ({quarto / floor:.2f} x the floor)")  # fmt: skip


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {stage: statistics.median(run[stage] for run in runs) for stage in runs[0]}


def report(title: str, runs: list[dict[str, float]]) -> float:
    med = medians(runs)
    total = sum(v for k, v in med.items() if not k.startswith("  "))
    print(f"\n{title} (median of {len(runs)} runs)")
    for stage, seconds in med.items():
        print(f"  {stage:<46} {seconds:7.2f} s")
    print(f"  {'total':<46} {total:7.2f} s")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engine", default="pandoc", choices=("pandoc", "quarto", "auto"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as tmp:
        one_wave = Build(copy_project(Path(tmp) / "one-wave"), args.engine, wave="2019")
        cold_one = report("Cold build of one wave (WAVE=2019, nothing earlier to compare), stage by stage",
                          [one_wave.cold() for _ in range(args.runs)])  # fmt: skip
        floor = report("In-process floor (one wave)", [one_wave.floor() for _ in range(args.runs)])
        build = Build(copy_project(Path(tmp) / "two-waves"), args.engine)
        cold = report("Cold build of two waves (2020 against 2019), stage by stage", [build.cold() for _ in range(args.runs)])
        print(f"\nTwo-wave cold build {cold:.2f} s beside one-wave {cold_one:.2f} s: ratio {cold / cold_one:.2f}")
        noop = report("No-op build", [build.noop() for _ in range(args.runs + 2)])
        survey = build.params()["SURVEY_PATH"]
        changed = {}
        for path in (survey, "report/templates/retention.md.j2", "report/styles/briefing.css"):
            changed[path] = report(f"Rebuild after one input changes: {path}",
                                   [build.one_input_changed(path) for _ in range(args.runs)])  # fmt: skip
        editions = report("Every edition, cold", [build.editions_cold() for _ in range(args.runs)])
        compare_engines(build.project, args.runs)
    print(f"\nOne-wave cold {cold_one:.2f} s = {cold_one / floor:.1f} x the in-process floor ({floor:.2f} s; target <= 3)")
    print(f"No-op {noop:.2f} s (target <= 0.1 s); template change {changed['report/templates/retention.md.j2']:.2f} s "
          "(target <= 2 s)")
    print(f"All editions cold {editions:.2f} s = {editions / cold:.1f} x England cold (target <= 5)")
    print(f"Ratios to the cold build: no-op {noop / cold:.3f}; "
          + "; ".join(f"{p} changed {s / cold:.2f}" for p, s in changed.items()))  # fmt: skip


if __name__ == "__main__":
    main()
