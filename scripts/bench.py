"""Benchmark the pipeline: each cold build beside its floor, measured in the same run; a no-op build, a rebuild
after one input changes, every edition cold and unchanged, and the render step by engine.

Runs in fresh copies of the project (the environment is reused), several times each, and prints medians. A cold
build is one `make report` call, as a user runs it; its stages are the gaps between the counted lines of its log
(parameters, each wave's validation, the waves' notebooks (side by side, each in its own worker), the change, merge,
narrative, render), and the render step's formats come from the renderer's own timings.

Beside each cold build, in the same run (scripts/bench_floor.py, each piece in its own process):
* the stack's floor: a fresh interpreter importing the libraries the build uses (those its notebooks' code loaded,
  with the narrative's and the renderer's), reading its waves and frames, drawing as many charts as the build drew
  with matplotlib's defaults (no house style, no font work; SVG and PNG), and rendering its own document once
  (pandoc + Typst, every format). The cold build is reported as a ratio to it;
* the in-process run: the same notebooks (the runner's own plan and parameters), their code cells in one plain
  Python process, without Jupyter, make or render; and the top functions of a cProfile of that run.
Then the scale section (scale_plan; the survey made by scripts/scale_survey.py in copies of the project): the GP
partners' example scaled up in respondents (its 2021 wave alone, 612 respondents as committed and 5,000 made by its
generator, each cold beside its floor) and in waves (ten yearly waves, each briefed as it arrives).

Usage: `make bench` or `.venv/bin/python scripts/bench.py [--runs N] [--engine pandoc] [--only cold|scale]
[--scale-runs N] [--dry-run]`. Timings live here, never in tests; figures measured on a loaded machine are only
indicative.
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
import scale_survey  # noqa: E402  (beside this script: the scaled-up survey of the scale section)

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
        stages, before, lanes = {}, 0.0, {}
        for at, line in lines:
            if label := stage_label(line):
                stages[label] = stages.get(label, 0.0) + at - before
                before = at
            if lane := re.match(r"\[3/6\] (wave \d{4}): notebooks: .* in ([\d.]+) s$", line):
                lanes[f"  {lane.group(1)}, its first notebook to its last"] = float(lane.group(2))
        stages["  (total, one make call)"] = total
        stages.update(lanes)
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
    if label.startswith("[3/6] wave"):  # their notebooks shared out among the workers, each wave logged once done
        return "[3/6] the waves' notebooks (shared out among the workers)"
    if label.startswith(("[3/6] quotes", "[3/6] change")):  # the change once both waves are merged, the quotes beside
        return "[3/6] then the change (and the quotes, where a worker was free)"
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


# --- scale: the GP partners' example in respondents and in waves (scripts/scale_survey.py makes its waves) -------
@dataclass(frozen=True)
class ScaleProject:
    """A copy of the project for the scale section: the waves the generator writes for it (staged outside it), and
    the waves reported, each by one `make report WAVE=<wave>` after its file arrives in raw/."""

    folder: str
    waves: tuple[scale_survey.WaveSpec, ...]
    reported: tuple[str, ...]
    cold: bool  # True: one wave, built cold beside its floor; False: a series, each wave built as it arrives


def scale_plan() -> list[ScaleProject]:
    """In respondents: the 2021 wave alone, as committed and scaled up (one-wave builds: only the respondents
    differ). In waves: the ten yearly waves, each briefed as it arrives, against the one before, in one project."""
    one, scaled = scale_survey.ONE_WAVE, scale_survey.SCALED
    return [
        ScaleProject("scale-one-wave", (scale_survey.WaveSpec(one),), (one,), cold=True),
        ScaleProject(f"scale-{scaled}", (scale_survey.WaveSpec(one, scaled),), (one,), cold=True),
        ScaleProject(
            "scale-ten-waves", tuple(map(scale_survey.WaveSpec, scale_survey.SERIES)), scale_survey.SERIES, cold=False
        ),
    ]


def scale_builds(project: ScaleProject, tmp: Path, engine: str) -> list[Build]:
    return [Build(tmp / project.folder, engine, wave=wave, survey=scale_survey.SURVEY) for wave in project.reported]


def scale_commands(plan: list[ScaleProject], tmp: Path, engine: str) -> list[str]:
    """What the scale section runs, in order, one line each (what --dry-run prints)."""
    lines = []
    for project in plan:
        waves = ", ".join(spec.describe() for spec in project.waves)
        noun = "waves" if len(project.waves) > 1 else "wave"
        lines.append(f"{project.folder}: a copy of the project; {scale_survey.SURVEY}'s {noun} {waves} generated")
        for build in scale_builds(project, tmp, engine):
            how = "cold, beside its floor" if project.cold else "as it arrives"
            make = " ".join(["make", "report", *build.variables])
            lines.append(f"{project.folder}: wave {build.wave} into raw/, then `{make}` ({how})")
    return lines


def scale_main(engine: str, runs: int, dry_run: bool) -> None:
    if dry_run:
        print("The scale section's plan (nothing is built):")
        print("\n".join(f"  {line}" for line in scale_commands(scale_plan(), Path("<tmp>"), engine)))
        return
    with tempfile.TemporaryDirectory(prefix="briefing-bench-scale-") as tmp:
        try:
            print("\n".join(scale_section(Path(tmp), engine, runs)))
        except subprocess.CalledProcessError as failed:  # what make said, not only that it failed
            sys.exit(f"scale: {' '.join(failed.cmd)} failed:\n{(failed.stderr or '')[-3000:]}")


def scale_section(tmp: Path, engine: str, runs: int) -> list[str]:
    """The GP example in respondents and in waves; prints each measurement, returns the summary lines."""
    print(
        f"\nScale: the {scale_survey.SURVEY} example (SYNTHETIC waves from its generator) in respondents and in waves"
    )
    plan = scale_plan()
    staged = {}
    for project in plan:
        copy_project(tmp / project.folder)
        staged[project.folder] = scale_survey.stage(
            tmp / project.folder, tmp / f"{project.folder}-waves", project.waves
        )
    one, scaled, series = plan
    colds = respondents_cold((one, scaled), staged, tmp, engine, runs)
    steps = waves_series(series, staged[series.folder], tmp, engine, runs)
    return [respondents_summary(*colds), waves_summary(steps)]


def respondents_cold(projects, staged, tmp: Path, engine: str, runs: int) -> list[tuple[int, list, list]]:
    """Each project's one wave arrives; then in each run each is built cold beside its floor, in turn (so the
    machine's load falls on both alike). Per project: (respondents, colds, floors), one of each per run."""
    measured = []
    for project in projects:
        (spec,) = project.waves
        scale_survey.arrive(tmp / project.folder, staged[project.folder][spec.wave])
        size = spec.respondents or scale_survey.generator().design_for(spec.wave).respondents
        measured.append((size, [], []))
    for run in range(1, runs + 1):
        for project, (size, colds, floors) in zip(projects, measured, strict=True):
            (build,) = scale_builds(project, tmp, engine)
            title = (
                f"Scale: one wave of {size:,} respondents, cold: `make report WAVE={build.wave}` (run {run} of {runs})"
            )
            cold, floor = cold_report(title, build, 1)
            colds.append(cold)
            floors.append(floor)
    return measured


def respondents_summary(one: tuple[int, list, list], scaled: tuple[int, list, list]) -> str:
    """Growth in respondents: the scaled wave's cold build against the committed one's, in seconds (medians) and in
    floors (each build over its own floor, measured beside it: steadier on a loaded machine)."""
    (size, colds, floors), (big, big_colds, big_floors) = one, scaled
    cold, big_cold, median = statistics.median(colds), statistics.median(big_colds), statistics.median
    in_floors = median(c / f for c, f in zip(big_colds, big_floors, strict=True)) / median(
        c / f for c, f in zip(colds, floors, strict=True)
    )
    per_thousand = (big_cold - cold) / (big - size) * 1000
    return (
        f"Scale in respondents (median of {len(colds)} runs): {big:,} respondents cold {big_cold:.2f} s = "
        f"{big_cold / cold:.2f} x the {size:,}-respondent cold build ({cold:.2f} s), {in_floors:.2f} x in floors "
        f"(each over its own floor), for {big / size:.1f} x the respondents (expected close to flat: about 1); "
        f"{per_thousand:+.2f} s per 1,000 more respondents"
    )


def waves_series(project: ScaleProject, staged, tmp: Path, engine: str, runs: int) -> list[tuple[str, float, str]]:
    """Each run from nothing built and an empty raw/: each wave arrives, then `make report WAVE=<it>` (against the
    one before, the parameters' `latest`). Returns per wave: a label, its median seconds, the stages its log shows."""
    root = tmp / project.folder
    times: dict[str, list[float]] = {wave: [] for wave in project.reported}
    ran = {}
    for _ in range(runs):
        for folder in (root / "build", root / "_output"):
            shutil.rmtree(folder, ignore_errors=True)
        for old in scale_survey.raw(root).iterdir():
            old.unlink()
        for build in scale_builds(project, tmp, engine):
            scale_survey.arrive(root, staged[build.wave])  # (the survey's default wave, the first, stays present)
            seconds, lines = build.make_logged("report")
            times[build.wave].append(seconds)
            ran[build.wave] = ", ".join(dict.fromkeys(filter(None, (stage_label(text) for _, text in lines))))
    print(
        f"\nScale: {len(project.reported)} yearly waves, each briefed as it arrives (its file added to raw/, then "
        f"`make report WAVE=<it>`, against the one before), one project (median of {runs} runs)"
    )
    steps = []
    for number, wave in enumerate(project.reported, start=1):
        steps.append((wave, statistics.median(times[wave]), ran[wave]))
        label = f"wave {wave} ({number} present{', alone' if number == 1 else ''})"
        print(f"  {label:<46} {steps[-1][1]:7.2f} s  ran: {ran[wave]}")
    print(f"  {'all ' + str(len(steps)) + ' waves':<46} {sum(s for _, s, _ in steps):7.2f} s")
    return steps


def waves_summary(steps: list[tuple[str, float, str]]) -> str:
    """Growth in waves: what all the waves' briefings cost against one (the median of those compared with the one
    before: the first has nothing to compare with), the last against the second (the waves already present), and
    how many briefings computed again the wave the briefing before them had computed."""
    seconds = [s for _, s, _ in steps]
    total, typical = sum(seconds), statistics.median(seconds[1:])
    again = sum(f"wave {before}" in ran for (before, _, _), (_, _, ran) in zip(steps, steps[1:], strict=False))
    return (
        f"Scale in waves: {len(steps)} waves' briefings {total:.2f} s = {total / typical:.1f} x one wave's "
        f"({typical:.2f} s, the median against the one before; expected linear in waves: about {len(steps)}); "
        f"the {len(steps)}th wave's / the 2nd's {seconds[-1] / seconds[1]:.2f} (expected about 1: a briefing reads "
        f"its own two waves, so the waves already present add nothing); {again} of {len(steps) - 1} briefings "
        "computed again the wave the one before them had computed"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engine", default="pandoc", choices=("pandoc", "quarto", "auto"))
    parser.add_argument(
        "--only",
        choices=("cold", "scale", "all"),
        default="all",
        help="cold: only the cold builds beside their floors; scale: only the scale section",
    )
    parser.add_argument("--scale-runs", type=int, default=1, help="runs of the scale section's builds (default 1)")
    parser.add_argument("--dry-run", action="store_true", help="with --only scale: print its plan, build nothing")
    args = parser.parse_args(argv)
    if args.dry_run and args.only != "scale":
        parser.error("--dry-run prints the scale section's plan: use it with --only scale")
    if args.only == "scale":
        scale_main(args.engine, args.scale_runs, args.dry_run)
        return
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
        scale = scale_section(Path(tmp), args.engine, args.scale_runs)
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
    print("\n".join(scale))


if __name__ == "__main__":
    main()
