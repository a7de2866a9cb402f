"""Benchmark the pipeline: the England cold build (`make report`) beside its in-process floor, a one-wave cold
build beside its own, a no-op build, a rebuild after one input changes, and every edition cold and unchanged.

Runs in fresh copies of the project (the environment is reused), several times each, and prints medians. A cold
build is one `make report` call, as a user runs it; its stages are the gaps between the counted lines of its log
(parameters, each wave's validation, each wave's notebooks and the change in the build's one kernel, merge,
narrative, render), and the render step's formats come from the renderer's own timings. Then the render step by
engine side by side (pandoc + Typst, Quarto, and Quarto's floor: a one-line document). The floor of a build is
the same notebooks (the runner's own plan and parameters) with their code cells run in one plain Python process,
without Jupyter, make or render, measured in the same run.
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
import re
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.conftest import copy_project  # noqa: E402  (the same clean copy the end-to-end tests use)


# The floor: the same notebooks the build runs (the runner's own plan, parameters injected), their code cells
# executed in ONE plain Python process: no Jupyter, no make, no render. Argument: the build plan (plan.json), its
# outputs moved to a temporary folder (its parameters file stays where it is: the project root is found from it).
FLOOR = """
import json, sys, tempfile, pathlib, nbformat
from briefing.analysis import run_notebooks as rn
plan = json.loads(pathlib.Path(sys.argv[1]).read_text())
build, params = tempfile.mkdtemp(), plan["parameters"]
moved = json.dumps(plan).replace(plan["build"] + "/", build + "/").replace(build + "/parameters.yml", params)
for step in rn.steps_of(json.loads(moved), []):
    if isinstance(step, rn.Merge):
        rn.merge_wave(step, params)
        continue
    step.output.parent.mkdir(parents=True, exist_ok=True)
    namespace = {}
    for cell in nbformat.read(step.notebook, as_version=4).cells:
        if cell.cell_type == "code":
            exec(cell.source, namespace)
            if "parameters" in cell.metadata.get("tags", []):
                namespace.update(step.parameters)
"""


class Build:
    def __init__(self, project: Path, engine: str, wave: str | None = None):
        self.project, self.engine, self.wave = project, engine, wave
        self.variables = [f"VENV={sys.prefix}", f"ENGINE={engine}", *([f"WAVE={wave}"] if wave else [])]
        self.params_mk = f"build/plans/params.yml{f'.wave-{wave}' if wave else ''}.mk"  # the build plan, as make has it

    def make(self, *targets: str) -> float:
        return self.make_logged(*targets)[0]

    def make_logged(self, *targets: str) -> tuple[float, list[tuple[float, str]]]:
        """Run make; the total time and each line of its log with the time it was printed."""
        env = {**os.environ, "BRIEFING_TIMINGS": str(self.project / "build" / "render-timings.json")}
        start = time.perf_counter()
        command = ["make", "--no-print-directory", "-s", *targets, *self.variables]
        with subprocess.Popen(
            command, cwd=self.project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        ) as process:
            lines = [(time.perf_counter() - start, line.rstrip()) for line in process.stdout]
            error = process.stderr.read()
        if process.returncode:
            raise subprocess.CalledProcessError(process.returncode, command, "\n".join(l for _, l in lines), error)
        return time.perf_counter() - start, lines

    def params(self) -> dict[str, str]:
        text = (self.project / self.params_mk).read_text()
        return dict(line.split(" := ", 1) for line in text.splitlines() if " := " in line)

    def cold(self) -> dict[str, float]:
        """One cold `make report`, as a user runs it; its stages are the gaps between the log's counted lines."""
        shutil.rmtree(self.project / "build", ignore_errors=True)
        shutil.rmtree(self.project / "_output", ignore_errors=True)
        total, lines = self.make_logged("report")
        stages, before = {}, 0.0
        for at, line in lines:
            if label := stage_label(line):
                stages[label] = stages.get(label, 0.0) + at - before
                before = at
        stages["  (total, one make call)"] = total
        timings_file = self.project / "build" / "render-timings.json"
        if timings_file.exists():
            for step, seconds in json.loads(timings_file.read_text()).items():
                stages[f"  render: {step}"] = seconds
            timings_file.unlink()
        return stages

    def floor(self) -> dict[str, float]:
        """The build's notebooks' code, parameters injected, each in a fresh namespace, in ONE Python process."""
        p = self.params()
        args = [p["PLAN_JSON"]]
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", FLOOR, *args], cwd=self.project, check=True, capture_output=True)
        return {"the build's notebooks' code in one process (floor)": time.perf_counter() - start}

    def editions_cold(self) -> dict[str, float]:
        shutil.rmtree(self.project / "build", ignore_errors=True)
        shutil.rmtree(self.project / "_output", ignore_errors=True)
        return {"make -j2 editions (cold)": self.make("-j2", "editions")}

    def noop(self) -> dict[str, float]:
        return {"make report (nothing to do)": self.make("report")}

    def noop_editions(self) -> dict[str, float]:
        return {"make editions (nothing to do)": self.make("editions")}

    def one_input_changed(self, path: str) -> dict[str, float]:
        """Make decides by content: each run adds or removes a trailing blank line (new bytes, the same meaning)."""
        file = self.project / path
        text = file.read_text(encoding="utf-8")
        file.write_text(text[:-1] if text.endswith("\n\n") else text + "\n", encoding="utf-8")
        return {f"make report after changing {path}": self.make("report")}


def stage_label(line: str) -> str | None:
    """A log line's stage: '[2/6] validate 2020', '[3/6] wave 2019', '[6/6] render', 'docx'; None for others."""
    match = re.match(r"(\[\d/6\] )?([a-z][\w ]*?)(?::| \.\.\.)", line)
    if not match or line.startswith("Briefing up to date"):
        return None
    label = (match.group(1) or "") + match.group(2)
    wave = re.search(r"wave (\d{4})", line)
    return f"{label} {wave.group(1)}" if wave and wave.group(1) not in label else label


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
    subprocess.run(
        [sys.executable, "-m", "briefing.publication.render", "--engine", engine, "--out", "build/bench-out"],
        cwd=project,
        check=True,
        capture_output=True,
    )
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
    rows = [
        {
            "pandoc + Typst": render_seconds(project, "pandoc"),
            "Quarto": render_seconds(project, "quarto"),
            "Quarto floor (one-line document)": quarto_floor_seconds(),
        }
        for _ in range(runs)
    ]
    med = medians(rows)
    print(f"\nRender time by engine, HTML and PDF (median of {runs} runs)")
    for engine, seconds in med.items():
        print(f"  {engine:<46} {seconds:7.2f} s")
    quarto, floor = med["Quarto"], med["Quarto floor (one-line document)"]
    print(
        f"  Quarto / pandoc + Typst {quarto / med['pandoc + Typst']:.1f}; "
        f"Quarto over its floor {quarto - floor:.2f} s ({quarto / floor:.2f} x the floor)"
    )


def medians(runs: list[dict[str, float]]) -> dict[str, float]:
    return {stage: statistics.median(run[stage] for run in runs) for stage in runs[0]}


def report(title: str, runs: list[dict[str, float]]) -> float:
    med = medians(runs)
    total = med.get("  (total, one make call)", sum(v for k, v in med.items() if not k.startswith("  ")))
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
        build = Build(copy_project(Path(tmp) / "england"), args.engine)
        cold = report(
            "England cold build: `make report` (2020 against 2019), stages from its log",
            [build.cold() for _ in range(args.runs)],
        )
        floor = report("In-process floor of that build", [build.floor() for _ in range(args.runs)])
        one_wave = Build(copy_project(Path(tmp) / "one-wave"), args.engine, wave="2019")
        cold_one = report(
            "Cold build of one wave: `make report WAVE=2019`", [one_wave.cold() for _ in range(args.runs)]
        )
        floor_one = report("In-process floor of that build", [one_wave.floor() for _ in range(args.runs)])
        noop = report("No-op build", [build.noop() for _ in range(args.runs + 2)])
        survey = build.params()["SURVEY_PATH"]
        changed = {}
        for path in (survey, "report/templates/theme.md.j2", "report/styles/briefing.css"):
            changed[path] = report(
                f"Rebuild after one input changes: {path}", [build.one_input_changed(path) for _ in range(args.runs)]
            )
        editions = report("Every edition, cold", [build.editions_cold() for _ in range(args.runs)])
        noop_editions = report("Every edition, nothing to do", [build.noop_editions() for _ in range(args.runs + 2)])
        build.make("compute")  # the editions left England's own build folder empty
        compare_engines(build.project, args.runs)
    print(f"\nEngland cold {cold:.2f} s = {cold / floor:.1f} x its in-process floor ({floor:.2f} s; target <= 3)")
    print(f"One-wave cold {cold_one:.2f} s = {cold_one / floor_one:.1f} x its in-process floor ({floor_one:.2f} s)")
    print(
        f"No-op {noop:.2f} s (target <= 0.1 s); template change {changed['report/templates/theme.md.j2']:.2f} s "
        "(target <= 2 s)"
    )
    print(
        f"All editions cold {editions:.2f} s = {editions / cold:.1f} x England cold (target <= 5); "
        f"no-op {noop_editions:.2f} s"
    )
    print(
        f"Ratios to the cold build: no-op {noop / cold:.3f}; "
        + "; ".join(f"{p} changed {s / cold:.2f}" for p, s in changed.items())
    )


if __name__ == "__main__":
    main()
