"""Benchmark the pipeline: a cold build, a no-op build and a rebuild after one input changes.

Runs in a fresh copy of the project (the environment is reused), several times each, and prints the median
time of every stage: environment check, validation, each notebook, merge, narrative, each render format; then
the render step by engine side by side (pandoc + Typst, Quarto, and Quarto's floor: a one-line document).
Usage: `make bench` or `.venv/bin/python scripts/bench.py [--runs N] [--engine pandoc]`. Timings live here,
never in tests.
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


class Build:
    def __init__(self, project: Path, engine: str):
        self.project, self.engine = project, engine
        self.variables = [f"VENV={sys.prefix}", f"ENGINE={engine}"]

    def make(self, target: str) -> float:
        env = {**os.environ, "BRIEFING_TIMINGS": str(self.project / "build" / "render-timings.json")}
        start = time.perf_counter()
        subprocess.run(["make", "--no-print-directory", "-s", target, *self.variables], cwd=self.project,
                       check=True, capture_output=True, env=env)  # fmt: skip
        return time.perf_counter() - start

    def params(self) -> dict[str, str]:
        text = (self.project / "build" / "params.mk").read_text()
        return dict(line.split(" := ", 1) for line in text.splitlines() if " := " in line)

    def staged(self) -> dict[str, float]:
        """Build stage by stage, in the Makefile's order, timing each target."""
        t = {"environment check": self.make(f"{sys.prefix}/.ready"), "parameters": self.make("build/params.mk")}
        wave = self.params()["WAVE"]
        t["validation"] = self.make(f"build/validated/wave-{wave}.ok")
        for notebook in sorted((self.project / "notebooks").glob("*.ipynb")):
            t[f"notebook {notebook.stem}"] = self.make(f"build/findings/{notebook.stem}.json")
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
        build = Build(copy_project(Path(tmp)), args.engine)
        cold = report("Cold build, stage by stage", [build.cold() for _ in range(args.runs)])
        noop = report("No-op build", [build.noop() for _ in range(args.runs + 2)])
        survey = build.params()["SURVEY_PATH"]
        changed = {}
        for path in (survey, "report/templates/retention.md.j2", "report/styles/briefing.css"):
            changed[path] = report(f"Rebuild after one input changes: {path}",
                                   [build.one_input_changed(path) for _ in range(args.runs)])  # fmt: skip
        compare_engines(build.project, args.runs)
    print(f"\nRatios to the cold build ({cold:.2f} s): no-op {noop / cold:.3f}; "
          + "; ".join(f"{p} changed {s / cold:.2f}" for p, s in changed.items()))  # fmt: skip


if __name__ == "__main__":
    main()
