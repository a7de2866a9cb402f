"""Benchmark the pipeline: each cold build beside its floor, measured in the same run; a no-op build, a rebuild
after one input changes, every edition cold and unchanged, and the render step by engine.

Runs in fresh copies of the project (the environment is reused), several times each, and prints medians. A cold
build is one `make report` call, as a user runs it; its stages are the gaps between the counted lines of its log
(parameters, each wave's validation, each wave's notebooks and the change in the build's one kernel, merge,
narrative, render), and the render step's formats come from the renderer's own timings.

Beside each cold build, in the same run (scripts/bench_floor.py, each piece in its own process):
* the stack's floor: a fresh interpreter importing the libraries the build uses (those its notebooks' code loaded,
  with the narrative's and the renderer's), reading its waves and frames, drawing as many charts as the build drew
  with matplotlib's defaults (no house style, no font work; SVG and PNG), and rendering its own document once
  (pandoc + Typst, every format). The cold build is reported as a ratio to it;
* the in-process run: the same notebooks (the runner's own plan and parameters), their code cells in one plain
  Python process, without Jupyter, make or render; and the top functions of a cProfile of that run.
Usage: `make bench` or `.venv/bin/python scripts/bench.py [--runs N] [--engine pandoc] [--only cold]`. Timings
live here, never in tests; figures measured on a loaded machine are only indicative.
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
import re
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

FLOOR_SCRIPT = ROOT / "scripts" / "bench_floor.py"  # the floor's pieces, each run in its own process
TOP = 5  # functions listed from the profile


class Build:
    def __init__(self, project: Path, engine: str, wave: str | None = None, survey: str | None = None):
        self.project, self.engine, self.wave = project, engine, wave
        self.variables = [
            f"VENV={sys.prefix}",
            f"ENGINE={engine}",
            *([f"SURVEY={survey}"] if survey else []),
            *([f"WAVE={wave}"] if wave else []),
        ]
        suffix = f"{f'.survey-{survey}' if survey else ''}{f'.wave-{wave}' if wave else ''}"
        self.params_mk = f"build/plans/params.yml{suffix}.mk"  # the build plan, as make has it

    def make(self, *targets: str) -> float:
        return self.make_logged(*targets)[0]

    def make_logged(self, *targets: str) -> tuple[float, list[tuple[float, str]]]:
        """Run make; the total time and each line of its log with the time it was printed."""
        env = {**os.environ, "BRIEFING_TIMINGS": str(self.project / "build" / "render-timings.json")}
        start = time.perf_counter()
        command = ["make", "--no-print-directory", "-s", "-o", f"{sys.prefix}/.ready", *targets, *self.variables]
        with subprocess.Popen(
            command, cwd=self.project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        ) as process:
            lines = [(time.perf_counter() - start, line.rstrip()) for line in process.stdout]
            error = process.stderr.read()
        if process.returncode:
            raise subprocess.CalledProcessError(
                process.returncode, command, "\n".join(text for _, text in lines), error
            )
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

    def piece(self, *args: str) -> dict:
        """One of scripts/bench_floor.py's pieces in a fresh process in the project; what it wrote."""
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            command = [sys.executable, str(FLOOR_SCRIPT), args[0], out.name, *args[1:]]
            done = subprocess.run(command, cwd=self.project, capture_output=True, text=True)
            if done.returncode:
                raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
            return json.loads(Path(out.name).read_text(encoding="utf-8"))

    def in_process(self, profile: Path | None = None) -> dict[str, float]:
        """The build's notebooks' code, parameters injected, each in a fresh namespace, in ONE Python process
        (no Jupyter, make or render); remembers the libraries it loaded, the floor's imports."""
        done = self.piece("in-process", self.params()["PLAN_JSON"], *([str(profile)] if profile else []))
        self.modules = done["modules"]
        return {"the notebooks' code in one plain process": done["seconds"]}

    def floor(self) -> dict[str, float]:
        """The stack's floor for this build, measured beside it: a fresh interpreter importing the libraries the
        build uses, reading its waves and frames, drawing as many charts with matplotlib's defaults, and rendering
        its own document once (pandoc + Typst). Needs a computed build and its in-process run (the libraries)."""
        if not hasattr(self, "modules"):
            self.in_process()
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as modules:
            json.dump(self.modules, modules)
        start = time.perf_counter()
        self.piece("imports", modules.name)
        stages = {"start Python, import the libraries the build uses": time.perf_counter() - start}
        os.unlink(modules.name)
        charts = len(list((self.project / self.params()["BUILD"]).rglob("*.svg")))
        stages.update(self.piece("floor", self.params_mk, str(charts)))
        return stages

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


def libraries(modules: list[str]) -> list[str]:
    return sorted({name.split(".")[0] for name in modules})


def cold_beside_floor(build: Build, runs: int) -> tuple[list[dict], list[dict], list[dict]]:
    """Each run: one cold build, then (in the same run, on the same machine's load) its in-process run and its
    floor. Returns the three lists of runs."""
    colds, in_process, floors = [], [], []
    for _ in range(runs):
        colds.append(build.cold())
        in_process.append(build.in_process())
        floors.append(build.floor())
    return colds, in_process, floors


def top_functions(profile: Path, count: int = TOP) -> list[str]:
    """The functions with the most time of their own in a cProfile file, then the project's own functions with
    the most time under them (what to read first)."""
    stats = pstats.Stats(str(profile)).stats
    rows = [(tt, ct, calls, where) for where, (_, calls, tt, ct, _) in stats.items()]

    def name(where: tuple) -> str:
        file, line, function = where
        short = file.split("site-packages/")[-1].split("/src/")[-1]
        return f"{function} ({short}:{line})" if line else function

    own = [f"{tt:6.2f} s own, {calls:6d} calls  {name(w)}" for tt, _, calls, w in sorted(rows, reverse=True)[:count]]
    project = sorted((r for r in rows if "/src/briefing/" in r[3][0]), key=lambda r: r[1], reverse=True)[:count]
    return [
        "by their own time:",
        *own,
        "the project's functions by the time under them:",
        *(f"{ct:6.2f} s under, {calls:6d} calls  {name(w)}" for _, ct, calls, w in project),
    ]


def cold_report(title: str, build: Build, runs: int) -> tuple[float, float]:
    """A cold build beside its floor, both measured in each run; its profile's top functions. Returns the
    medians (cold, floor)."""
    colds, in_process, floors = cold_beside_floor(build, runs)
    cold = report(f"{title}, stages from its log", colds)
    inner = report(
        "  beside it: the same notebooks' code in one plain process (no Jupyter, make or render)", in_process
    )
    floor = report("  beside it: the stack's floor (imports, read, charts with defaults, render once)", floors)
    with tempfile.TemporaryDirectory() as folder:
        profile = Path(folder) / "in-process.prof"
        build.in_process(profile)
        print(
            f"  the libraries the build uses ({len(libraries(build.modules))}): {', '.join(libraries(build.modules))}"
        )
        print(f"  top {TOP} functions in a cProfile of the in-process run (timed under the profiler):")
        for line in top_functions(profile):
            print(f"    {line}")
    print(
        f"  => cold {cold:.2f} s = {cold / floor:.1f} x its floor ({floor:.2f} s; target <= 1.5); {cold / inner:.1f} x the in-process run"
    )
    return cold, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engine", default="pandoc", choices=("pandoc", "quarto", "auto"))
    parser.add_argument(
        "--only", choices=("cold", "all"), default="all", help="cold: only the cold builds beside their floors"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as tmp:
        build = Build(copy_project(Path(tmp) / "england"), args.engine)
        cold, floor = cold_report("England cold build: `make report` (2020 against 2019)", build, args.runs)
        one_wave = Build(copy_project(Path(tmp) / "one-wave"), args.engine, wave="2019")
        cold_one, floor_one = cold_report("Cold build of one wave: `make report WAVE=2019`", one_wave, args.runs)
        second = Build(copy_project(Path(tmp) / "gp"), args.engine, survey="gp-partners-des")
        cold_gp, floor_gp = cold_report(
            "The second example's cold build: `make report SURVEY=gp-partners-des` (2021 against 2020, no frame)",
            second,
            args.runs,
        )
        if args.only == "cold":
            print(f"\nGP partners cold {cold_gp:.2f} s = {cold_gp / floor_gp:.1f} x its floor ({floor_gp:.2f} s)")
            return
        build.make("report")
        noop = report("No-op build", [build.noop() for _ in range(args.runs + 2)])
        plan = build.params()
        survey = plan[f"WAVE_FILE_{plan['WAVE']}"]
        changed = {}
        for path in (survey, "report/templates/theme.md.j2", "report/styles/briefing.css"):
            changed[path] = report(
                f"Rebuild after one input changes: {path}", [build.one_input_changed(path) for _ in range(args.runs)]
            )
        editions = report("Every edition, cold", [build.editions_cold() for _ in range(args.runs)])
        noop_editions = report("Every edition, nothing to do", [build.noop_editions() for _ in range(args.runs + 2)])
        build.make("compute")  # the editions left England's own build folder empty
        compare_engines(build.project, args.runs)
    print(f"\nEngland cold {cold:.2f} s = {cold / floor:.1f} x its floor ({floor:.2f} s; target <= 1.5)")
    print(f"One-wave cold {cold_one:.2f} s = {cold_one / floor_one:.1f} x its floor ({floor_one:.2f} s)")
    print(f"GP partners cold {cold_gp:.2f} s = {cold_gp / floor_gp:.1f} x its floor ({floor_gp:.2f} s)")
    print(
        f"No-op {noop:.2f} s (target <= 0.1 s); template change {changed['report/templates/theme.md.j2']:.2f} s "
        "(target <= 1 s)"
    )
    print(
        f"All editions cold {editions:.2f} s = {editions / cold:.1f} x England cold (target <= 2); "
        f"no-op {noop_editions:.2f} s"
    )
    print(
        f"Ratios to the cold build: no-op {noop / cold:.3f}; "
        + "; ".join(f"{p} changed {s / cold:.2f}" for p, s in changed.items())
    )


if __name__ == "__main__":
    main()
