"""Editions: the briefing of the whole survey and one per value of the codebook's `editions: by:` question (e.g. one
per area), from one command (`make editions`).

An edition is params.yml with one override, `edition`. Every build plans the same cross-edition disclosure
control from the whole wave (analysis/disclosure.py), so editions need nothing from one another. Each edition has
its own project folder, <build>/editions/<slug>/, with its own build plan (briefing.plan) and build folder: its
own findings, charts, narrative and render staging, so editions built at once can never overwrite one another's
figures. The folder holds the edition's params.yml, a copy of report/ and _quarto.yml (Quarto
resolves a document's project from its real path, so they are copied, not linked) and links to the inputs and the
pipeline (data/, notebooks/, scripts/, src/, Makefile, mk/).

The analysis is shared: `plan` writes every edition's steps (briefing.plan.edition_analysis) to analysis.json,
which the whole survey's build runs in its one runner call and workers (analysis/run_notebooks.py), each wave
validated and its disclosure planned once. The whole survey's edition is that build itself: its analysed folders
link to the whole build's, so it is analysed once. Only the findings, narrative and render are per edition
(`publish`: every stale edition, each in a process of its own, one per core).

An edition is published to _output/editions/<wave>/<slug>/: editions of different waves sit side by side
(`make editions WAVE=2019` leaves the 2020 editions as they are).

A failing edition is recorded with its cause and does not stop the others; its last good copy in
_output/editions/<wave>/<slug>/ stays (the render publishes only when every format succeeded). The index page,
_output/index.html, lists every wave with editions published, the latest first, each with its editions and
their headline figures, and names any that failed.

Make (mk/editions.mk) queues an edition for `publish` only when its inputs are newer than its status file, which
is dated when its build began, or when it failed last time (<slug>.failed): an unchanged `make editions` starts no
Python.

Sub-commands: plan (the editions, their folders, plans and analysis, for make and the runner), publish (every
edition queued: its findings, narrative and render; then the index), index (the index alone).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
import traceback
import unicodedata
from dataclasses import asdict, dataclass
from pathlib import Path

import yaml

from briefing import config, yamlfile
from briefing import plan as plans
from briefing.analysis import findings as findings_io
from briefing.inputs.codebook import load_codebook
from briefing.inputs.survey import wave_order
from briefing.publication.publish import PublishError, publish

EDITIONS = Path("build/editions")  # under the build folder of the plan: main() sets it from --build
LINKED = ("Makefile", "mk", "data", "notebooks", "scripts", "src", "requirements.lock", "pyproject.toml")
COPIED = ("report", "_quarto.yml")
OUTPUT_NAMES = ("briefing.html", "briefing.pdf", "findings.json")
HEADLINES = 2  # findings shown beside each edition on the index page, unless the parameters name them


@dataclass(frozen=True)
class Edition:
    slug: str
    value: str | None  # an answer of the editions' question; None: the whole survey
    whole: str = "all respondents"  # the whole survey's name (the codebook's coverage)

    @property
    def name(self) -> str:
        return self.value or self.whole


def wave_folder(out: Path, wave: str) -> Path:
    """Where a wave's editions are published: _output/editions/<wave>/ (the wave as make names it, so a plain
    folder name: a wave is a plain word, checked when the parameters are read)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", wave):
        raise ValueError(
            f"wave {wave!r} cannot name a folder of _output/editions/: use letters, digits, '.', '_' or '-'"
        )
    return out / "editions" / wave


def slugify(name: str) -> str:
    """An edition's folder name, and its name to make: ASCII letters and digits joined by single hyphens, whatever
    the answer's label holds ("Île-de-France" -> "ile-de-france"; make's `$`, `%`, `#` and the shell's quotes never
    reach a rule). A label with no letter or digit left is refused by name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    if not slug:
        raise ValueError(f"edition name {name!r} gives an empty folder name")
    return slug


def whole_name(codebook) -> str:
    """What the briefing of the whole survey is called: the codebook's coverage, else "all respondents"."""
    return codebook.survey.coverage or "all respondents"


def edition_values(codebook) -> list[str]:
    """Every answer of the codebook's `editions: by:` question, in its order."""
    if codebook.editions is None:
        raise ValueError(f"{codebook.path}: editions: missing: name the question editions split by (editions: by:)")
    return codebook.questions[codebook.editions.by].values()


def editions(root: Path, params: config.Params, chosen: str = "") -> list[Edition]:
    """The whole survey, then one edition per answer of the editions' question, or those named in `chosen`
    (separated by |)."""
    codebook = load_codebook(root / params.codebook)
    values, whole = edition_values(codebook), whole_name(codebook)
    # A value that is no answer of the question is built too, and fails alone naming the rule (themes.load_context).
    names = [r.strip() for r in chosen.split("|") if r.strip()] or values
    found = [Edition(slugify(whole), None, whole), *(Edition(slugify(name), name, whole) for name in names)]
    slugs = [e.slug for e in found]
    clashes = sorted({s for s in slugs if slugs.count(s) > 1})
    if clashes:
        raise ValueError(f"editions share a folder name: {', '.join(clashes)}")
    return found


def headline_ids(root: Path, params: config.Params) -> list[str]:
    """The findings the index shows beside each edition: the parameters' `index_headlines`, else the first finding
    of all respondents of each of the codebook's first HEADLINES themes."""
    codebook = load_codebook(root / params.codebook)
    if params.index_headlines:
        unknown = [fid for fid in params.index_headlines if fid not in codebook.findings]
        if unknown:
            raise ValueError(f"parameters: index_headlines: {', '.join(unknown)} not in {codebook.path}'s findings")
        return list(params.index_headlines)
    firsts = {}
    for spec in codebook.findings.values():
        if spec.subgroup is None:
            firsts.setdefault(spec.theme, spec.id)
    return [firsts[theme] for theme in codebook.themes if theme in firsts][:HEADLINES]


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# --- plan: the editions as make variables ---------------------------------------------------------------------


EDITION_PLAN = f"{plans.BUILD_ROOT}/plans/{config.PARAMS_FILE}.mk"  # in an edition's folder, as its own make names it


def analysis_failed(folder: Path, slug: str) -> Path:
    """Where the runner says, in one line, why an edition's analysis failed (its render step reports it)."""
    return folder / f"{slug}.analysis-failed"


def plan(
    root: Path, params_path: Path, chosen: str, out: Path, wave: str | None = None, whole: Path | None = None
) -> list[Edition]:
    """The editions for make (`out`: EDITION_SLUGS, each edition's parameters and analysed files) and their
    analysis for the runner (analysis.json beside it): each edition's folder prepared and its own plan written,
    its steps those of briefing.plan.edition_analysis against the whole survey's plan (`whole`: its plan.json)."""
    found = editions(root, findings_io.resolved_params(str(params_path), wave), chosen)
    folder = out.parent
    whole_plan = json.loads(whole.read_text(encoding="utf-8")) if whole else None
    whole_steps = plans.steps_from(whole_plan) if whole_plan else []
    steps, records = [], []
    values = {"EDITION_SLUGS": [e.slug for e in found]}
    for edition in found:
        plans.write_if_changed(folder / f"{edition.slug}.edition", (edition.value or "") + "\n")
        project = prepare(root, params_path, edition, wave)
        where = project.relative_to(root).as_posix()
        failed = analysis_failed(folder, edition.slug)
        try:
            own = plans.build_plan(project, config.PARAMS_FILE)
            plans.write(project, own, Path(EDITION_PLAN))
            if edition.value is None and whole_plan and same_waves(own, whole_plan):
                link_analysis(project / own.build, root / whole_plan["build"])  # the whole survey's: analysed once
                failed.unlink(missing_ok=True)
            else:
                steps += plans.edition_analysis(whole_steps, own, where, edition.name)
        except (ValueError, OSError) as error:  # this edition alone fails, saying why (its render step reports it)
            failed.write_text(f"plan: {error}\n", encoding="utf-8")
            values[f"EDITION_COMPUTED_{edition.slug}"] = values[f"EDITION_PARAMETERS_{edition.slug}"] = None
            continue
        if failed.is_file() and failed.read_text(encoding="utf-8").startswith("plan:"):
            failed.unlink()  # (a failed analysis stays recorded until the runner redoes it)
        log = f"{own.build}/{plans.NOTEBOOKS_LOG}"
        records.append({"name": edition.name, "root": where, "log": log, "failed": failed.relative_to(root).as_posix()})
        values[f"EDITION_COMPUTED_{edition.slug}"] = [f"{where}/{path}" for path in plans.computed(own)]
        values[f"EDITION_PARAMETERS_{edition.slug}"] = f"{where}/{own.parameters_file}"
    values["EDITIONS_COMPUTED"] = [path for e in found for path in values[f"EDITION_COMPUTED_{e.slug}"] or []]
    analysis = {"build": folder.relative_to(root).as_posix(), "editions": records, "steps": [asdict(s) for s in steps]}
    plans.write_if_changed(folder / plans.EDITIONS_ANALYSIS, json.dumps(analysis, indent=1) + "\n")
    header = "# Written by `python -m briefing.publication.editions plan`: the editions `make editions` builds.\n"
    plans.write_if_changed(out, header + config.make_assignments(values))
    return found


ANALYSED = ("waves", "changes")  # a build's analysed folders: each wave's findings and figures, each change


def same_waves(own: plans.Plan, whole: dict) -> bool:
    return [w.wave for w in own.selection.waves] == [w["wave"] for w in whole["waves"]]


def link_analysis(build: Path, whole: Path) -> None:
    """The whole survey's edition is the whole survey's build: its analysed folders are links to that build's
    (the same notebooks, parameters and waves give the same bytes), so its analysis is never run twice."""
    build.mkdir(parents=True, exist_ok=True)
    for name in ANALYSED:
        link, target = build / name, os.path.relpath(whole / name, build)
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)  # (an earlier build's own analysis)
        link.unlink(missing_ok=True)
        link.symlink_to(target)


# --- build: one edition in its own project folder ---------------------------------------------------------------


def edition_params(root: Path, params_path: Path, edition: Edition, wave: str | None = None) -> str:
    """params.yml with the edition's overrides; one place for parameters, this is a derived copy. `wave`: the
    wave the whole survey's build reports (make editions WAVE=...), so every edition reports it; compare_wave stays as
    params.yml has it and resolves the same way in every edition (the editions share data/)."""
    raw = yamlfile.load_mapping(params_path, "parameters file")
    if wave is not None:
        raw["wave"] = wave
    raw["edition"] = edition.value
    config.load(params_path, edition=edition.value)  # the base parameters must be valid on their own
    header = f"# Generated by `make editions` from {params_path.name} for the {edition.name} edition: edit that file.\n"
    return header + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)


def mirror(source: Path, target: Path) -> None:
    """Copy a file or folder, keeping modification times; unchanged files are left alone, stale ones removed."""
    if source.is_file():
        if not target.is_file() or (target.stat().st_size, target.stat().st_mtime_ns) != (
            source.stat().st_size,
            source.stat().st_mtime_ns,
        ):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
        return
    target.mkdir(parents=True, exist_ok=True)
    wanted = {p.name for p in source.iterdir()}
    for child in target.iterdir():
        if child.name not in wanted:
            shutil.rmtree(child) if child.is_dir() else child.unlink()
    for child in source.iterdir():
        mirror(child, target / child.name)


def prepare(root: Path, params_path: Path, edition: Edition, wave: str | None = None) -> Path:
    folder = root / EDITIONS / edition.slug
    folder.mkdir(parents=True, exist_ok=True)
    for name in LINKED:
        link = folder / name
        if not link.is_symlink():
            link.symlink_to(os.path.relpath(root / name, folder))
    for name in COPIED:
        mirror(root / name, folder / name)
    plans.write_if_changed(folder / config.PARAMS_FILE, edition_params(root, params_path, edition, wave))
    return folder


@dataclass
class Status:
    slug: str
    name: str
    wave: str
    ok: bool
    cause: str
    log: str
    seconds: float


def cause_from(stderr: str) -> str:
    """The first line that says what went wrong in words (make's own '***' lines and indented details skipped)."""
    for line in stderr.splitlines():
        text = line.strip().removeprefix("[2/6]").removeprefix("[3/6]").strip()
        if text and not line.startswith((" ", "\t", "make")) and "Traceback" not in text:
            return text
    for line in stderr.splitlines():  # else make's own complaint, e.g. a missing file
        if "*** " in line:
            return line.split("*** ", 1)[1].strip()
    return "the build failed; see the log"


def count_finished(progress: Path) -> int:
    """How many editions have finished in this run (parallel builds append under a lock)."""
    with open(progress, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.write("x\n")
        handle.flush()
        handle.seek(0)
        return len(handle.read().splitlines())


def record_status(folder: Path, status: Status, started_ns: int) -> None:
    """The status for the index page, dated when the build began: make rebuilds the edition when an input is newer
    (one edited during the build included). A failed edition also leaves <slug>.failed, which makes it retried."""
    path = folder / f"{status.slug}.status.json"
    write(path, json.dumps({**asdict(status), "seconds": None}, indent=2) + "\n")
    os.utime(path, ns=(started_ns, started_ns))
    failed = folder / f"{status.slug}.failed"
    if status.ok:
        failed.unlink(missing_ok=True)
    else:
        failed.write_text(status.cause + "\n", encoding="utf-8")


def build(root: Path, params_path: Path, slug: str, engine: str, out: Path, total: int, wave: str) -> Status:
    """Publish one edition of `wave` to out/editions/<wave>/<slug>/ from its analysis (computed in the whole
    survey's build): its findings, narrative and render, in its own folder."""
    value = (root / EDITIONS / f"{slug}.edition").read_text(encoding="utf-8").strip()
    params = config.load(params_path)
    edition = Edition(slug, value or None, whole_name(load_codebook(root / params.codebook)))
    log = root / EDITIONS / f"{slug}.log"
    start, started_ns = time.perf_counter(), time.time_ns()
    folder = prepare(root, params_path, edition, wave)
    failed = analysis_failed(root / EDITIONS, slug)
    if failed.is_file():  # the runner's own words; the traceback is in the edition's build's notebooks.log
        ok, cause, text = False, failed.read_text(encoding="utf-8").strip(), "its analysis failed\n"
    else:
        ok, cause, text = publish_edition(root, folder, engine, (wave_folder(out, wave) / slug).resolve())
    log.write_text(f"$ (cd {folder}: findings, narrative, render)\n{text}", encoding="utf-8")
    status = Status(
        slug, edition.name, wave, ok, cause, str(log.relative_to(root)), round(time.perf_counter() - start, 1)
    )
    record_status(root / EDITIONS, status, started_ns)
    done = count_finished(root / EDITIONS / "progress")
    if ok:
        say(f"[{done}/{total}] editions: {edition.name} ... done ({status.seconds:.1f} s)")
    else:
        say(
            f"[{done}/{total}] editions: {edition.name} ... FAILED: {status.cause}\n"
            f"      full log: {status.log}; the last good copy of this edition, if any, is unchanged"
        )
    return status


def build_queued(root: Path, params_path: Path, queue: Path, engine: str, out: Path, total: int, wave: str) -> None:
    """The editions make found stale (`queue`: a slug a line), each built in a process of its own, forked from this
    one once it has loaded the narrative's and the render's code (a third of a second an edition, paid once), as
    many at once as there are cores. A fresh process per edition, as when each was a command of its own: nothing
    one edition's build leaves in a module (its working folder, a cache keyed by a relative path) reaches another."""
    slugs = list(dict.fromkeys(line.strip() for line in queue.read_text(encoding="utf-8").splitlines() if line.strip()))
    jobs = [(root, params_path, slug, engine, out, total, wave) for slug in slugs]
    if len(jobs) <= 1:
        for job in jobs:
            build(*job)
        return
    from briefing.narrative import writer  # noqa: F401 (loaded here, once, for every edition's process)
    from briefing.publication import render

    render.preload()
    # (the runner's rules for processes: how they are forked, Ctrl-C left to this one, one per core or
    # BRIEFING_WORKERS)
    from briefing.analysis.run_notebooks import forked, ignore_interrupts, worker_limit

    workers = min(len(jobs), worker_limit())
    with forked().Pool(workers, ignore_interrupts, maxtasksperchild=1) as pool:
        pool.starmap(build, jobs, chunksize=1)


def say(text: str) -> None:
    """A log line in one write: editions built at once (make -j) share make's output, and print() writes a line
    and its newline separately when output is unbuffered (PYTHONUNBUFFERED), so two lines could run together."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def publish_edition(root: Path, folder: Path, engine: str, out_folder: Path) -> tuple[bool, str, str]:
    """The steps of `make report` after the analysis, in the edition's folder, in this process: its findings
    (the reported wave's and the change), narrative and render (which publishes to `out_folder` only when every format
    succeeded). Returns whether it succeeded, the cause if not, and what the steps printed."""
    from briefing.narrative import writer
    from briefing.publication import render

    own = json.loads((folder / EDITION_PLAN).with_suffix(".json").read_text(encoding="utf-8"))
    steps = {step["kind"]: step for step in own["steps"]}
    build, parameters, wave = own["build"], own["parameters"], own["waves"][0]["wave"]
    findings = f"{build}/findings.json"
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.chdir(folder), captured(out, err):
            shutil.copy2(root / render.REFERENCE_DOCX, render.REFERENCE_DOCX)  # the house style, built once
            findings_io.main([*steps["findings"]["inputs"], "--params", parameters, "--wave", wave, "--out", findings])
            # (its quotes, of its own area, picked by the runner from the wave as the whole build's validation kept it)
            quotes = steps["quotes"]["outputs"][0]
            narrative = ["--findings", findings, "--out", f"{build}/narrative", "--engine", engine, "--quotes", quotes]
            narrative += ["--compiled", str(root / writer.COMPILED_TEMPLATES)]  # compiled once for every edition
            writer.main(["--params", parameters, "--wave", wave, *narrative])
            link_current(Path(build))
            failed = render.main(["--engine", engine, "--out", str(out_folder), "--findings", findings])
    except SystemExit as stop:  # a step's own sentence (or its exit status)
        if not isinstance(stop.code, int):
            err.write(f"{stop.code}\n")
        failed = stop.code if isinstance(stop.code, int) else 1
    except Exception:  # noqa: BLE001 (anything else: the traceback goes to the log, its last line to the index)
        err.write(traceback.format_exc())
        return False, err.getvalue().strip().splitlines()[-1], out.getvalue() + err.getvalue()
    return not failed, cause_from(err.getvalue()) if failed else "", out.getvalue() + err.getvalue()


@contextlib.contextmanager
def captured(out: io.StringIO, err: io.StringIO):
    """What is printed meanwhile, by this process and by the programs it runs (pandoc, Typst, Quarto), into `out`
    and `err` (for the edition's log and its cause): make's output keeps only each edition's one line, however
    the editions run in parallel."""
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    saved = [os.dup(1), os.dup(2)]
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        os.dup2(stdout.fileno(), 1)
        os.dup2(stderr.fileno(), 2)
        try:
            yield
        finally:
            for stream in (sys.stdout, sys.stderr):
                stream.flush()
            for fd, copy in zip((1, 2), saved, strict=True):
                os.dup2(copy, fd)
                os.close(copy)
            for file, into in ((stdout, out), (stderr, err)):
                file.seek(0)
                into.write(file.read().decode("utf-8", "replace"))


def link_current(build: Path) -> None:
    """build/current, the build the render reads (as make's `current` links it)."""
    current = Path(plans.BUILD_ROOT) / "current"
    target = build.relative_to(plans.BUILD_ROOT).as_posix()
    if not current.is_symlink() or os.readlink(current) != target:
        current.unlink(missing_ok=True)
        current.symlink_to(target)


# --- index: every edition on one offline page -------------------------------------------------------------------


def headline(record: dict | None, threshold: int) -> str:
    """A finding as the index shows it: its share, or the same true marker the briefing uses when suppressed."""
    from briefing.narrative.writer import record_filters

    return "not available" if record is None else record_filters(threshold)["share"](record)


# Every format a build publishes (render.py's PUBLISHED), as the index links them.
FORMATS = (
    ("briefing.html", "web page"),
    ("briefing.pdf", "PDF"),
    ("briefing.docx", "Word"),
    ("findings.json", "data (JSON)"),
    ("changes.html", "what changed in this build"),
)


def change_words(record: dict | None) -> str:
    """A headline's change since the earlier wave as the index shows it: "+10 percentage points, more than chance
    alone would explain", "−4 percentage points, within what chance could produce"; "not compared" when the build
    compares no waves."""
    from briefing.narrative.change_prose import signed_change

    if not record or record.get("status") != "compared" or record.get("value") is None:
        return "not compared"
    verdict = (
        "more than chance alone would explain" if record.get("significant") else "within what chance could produce"
    )
    return f"{signed_change(record['value'])} percentage points, {verdict}"


FACES = {(400, "normal"): "Inter-Regular.otf", (600, "normal"): "Inter-SemiBold.otf"}  # what the page's style uses


def embedded_fonts(root: Path) -> str:
    """@font-face rules carrying the page's typeface (Inter, OFL, as bundled: already cut to Latin), so the offline
    page reads in Inter on a machine without it: each face whole, as the briefing's own page embeds its faces. (Cut
    to the page's characters, the two faces took fontTools a second and a half, at the end of every editions build.)"""
    rules = []
    for (weight, style), name in FACES.items():
        path = root / "report" / "fonts" / name
        if not path.is_file():
            continue  # the style's fallbacks (Helvetica Neue, Arial) apply
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        rules.append(
            f"@font-face{{font-family:Inter;font-weight:{weight};font-style:{style};"
            f"src:url(data:font/otf;base64,{data})}}"  # no quotes: the page escapes every value it prints
        )
    return "".join(rules)


def capfirst(text: str) -> str:
    from briefing.narrative.prose import capfirst as upper_first

    return upper_first(text)


def count(n) -> str:
    from briefing.narrative.prose import count as as_count

    return as_count(n)


def published_findings(folder: Path) -> dict | None:
    """The findings.json of an edition's complete published copy in `folder`, or None."""
    if not all((folder / n).is_file() for n in OUTPUT_NAMES):
        return None
    return json.loads((folder / "findings.json").read_text(encoding="utf-8"))


def status_of(root: Path, slug: str) -> dict | None:
    path = root / EDITIONS / f"{slug}.status.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def earlier_editions(root: Path, out: Path, params: config.Params, slugs: list[str]) -> list[str]:
    """Editions published in an earlier run for the same waves but not built in this one (EDITIONS= limits a
    run): still published, so still listed. Editions no longer in the codebook are not."""
    earlier = []
    for edition in editions(root, params):
        published = published_findings(wave_folder(out, params.wave) / edition.slug)
        if edition.slug in slugs or published is None:
            continue
        built = published["parameters"]
        if (built["wave"], built["compare_wave"]) == (params.wave, params.compare_wave):
            earlier.append(edition.slug)
    return earlier


def published_slugs(folder: Path, first: str) -> list[str]:
    """The editions with a complete copy in a wave's folder (the whole survey's first), each built for that wave."""
    found = [
        p.name
        for p in folder.iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and (data := published_findings(p)) is not None
        and data["parameters"]["wave"] == folder.name
    ]
    return sorted(found, key=lambda slug: (slug != first, slug))


def other_waves(out: Path, reported: str, first: str) -> list[str]:
    """The waves other than the reported one with editions published in _output/editions/<wave>/."""
    folder = out / "editions"
    waves = [p.name for p in folder.iterdir() if p.is_dir() and p.name != reported] if folder.is_dir() else []
    return [wave for wave in waves if published_slugs(folder / wave, first)]


@dataclass(frozen=True)
class IndexWords:
    """What the index needs of the survey: the findings it shows, the whole's name, the frame's unit words."""

    headlines: list[str]
    whole: str
    units: str | None  # the unit's short form made plural, else its plural; None: no frame
    who: str  # the respondents, in the plural
    area: str = "area"  # what an edition covers (the codebook's editions: area:), in the singular


def index_words(root: Path, params: config.Params) -> IndexWords:
    codebook = load_codebook(root / params.codebook)
    frame = codebook.population.frame
    units = (frame.unit.short + "s" if frame.unit.short else frame.unit.plural) if frame else None
    area = codebook.editions.area.singular if codebook.editions else "area"
    return IndexWords(headline_ids(root, params), whole_name(codebook), units, codebook.respondents.plural, area)


def edition_row(out: Path, wave: str, slug: str, status: dict | None, earlier: bool, words: IndexWords) -> dict:
    """One edition as the index lists it: how its last build of this wave went (if it was of this wave), and its
    published copy's headline figures and links."""
    data = published_findings(wave_folder(out, wave) / slug)
    if status is None or status.get("wave") != wave:  # no build of this wave since: its published copy speaks
        name = (data["parameters"].get("edition") or words.whole) if data else slug
        status = {"name": name, "ok": True, "cause": ""}
    row = {**status, "href": f"editions/{wave}/{slug}/", "has_copy": data is not None, "earlier": earlier}
    if data is not None:
        findings, threshold = data["findings"], data["parameters"]["suppression_threshold"]
        row["figures"] = [headline(findings.get(fid), threshold) for fid in words.headlines]
        row["labels"] = [findings[fid]["description"] if fid in findings else fid for fid in words.headlines]
        row["changes"] = [
            (capfirst(label), change_words(findings.get(f"{fid}_change")))
            for fid, label in zip(words.headlines, row["labels"], strict=True)
        ]
        row["compare_wave"] = data["parameters"].get("compare_wave")
        row["formats"] = [(label, name) for name, label in FORMATS if (wave_folder(out, wave) / slug / name).is_file()]
        row["respondents"] = count(respondents(findings))
        units = findings.get("unit_count")
        row["units"] = f"{count(units['value'])} {words.units}" if units and words.units else None
    return row


def respondents(findings: dict) -> int | None:
    """The edition's respondents: the response rate's numerator with a frame, else the largest base of a finding of
    all respondents (a required question's: everyone)."""
    if "response_rate" in findings:
        return findings["response_rate"]["numerator"]
    bases = [
        r["denominator"]
        for r in findings.values()
        if r.get("kind") == "proportion"
        and r.get("question")
        and r.get("subgroup") is None
        and r.get("denominator") is not None
    ]
    return max(bases, default=None)


def wave_editions(root: Path, out: Path, wave: str, built: list[str], earlier: list[str], words: IndexWords) -> dict:
    """A wave's editions for the index: those built in this run, then those published in an earlier one."""
    rows = [edition_row(out, wave, slug, status_of(root, slug), slug in earlier, words) for slug in [*built, *earlier]]
    labels = next((r["labels"] for r in rows if r.get("labels")), list(words.headlines))
    headings = [f"{capfirst(words.who)} who {label}" for label in labels]  # each headline figure's column
    return {"wave": wave, "rows": rows, "labels": labels, "headings": headings}


def index_page(root: Path, **values) -> str:
    """The index page from report/editions/index.html.j2: every value is data, HTML-escaped, its control and
    bidirectional characters removed (briefing.narrative.escape)."""
    import jinja2

    from briefing.narrative import escape

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root / "report" / "editions")),
        autoescape=True,
        finalize=escape.printable,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("index.html.j2").render(**values)


def write_index(root: Path, out: Path, slugs: list[str], params: config.Params) -> list[dict]:
    """_output/index.html: every wave with editions published, latest first; returns the reported wave's rows."""
    from briefing.narrative.provenance import sidecar

    words = index_words(root, params)
    first = slugify(words.whole)
    reported = wave_editions(root, out, params.wave, slugs, earlier_editions(root, out, params, slugs), words)
    others = [
        wave_editions(root, out, wave, [], published_slugs(wave_folder(out, wave), first), words)
        for wave in other_waves(out, params.wave, first)
    ]
    waves = sorted([reported, *others], key=lambda group: wave_order(group["wave"]), reverse=True)
    values = {"waves": waves, "p": params, "wave": sidecar(params.survey_path, root), "words": words}
    page = index_page(root, **values, fonts=embedded_fonts(root))
    write(root / EDITIONS / "index.html", page)
    publish(root / EDITIONS, out, ["index.html"])  # always, so it is newer than the statuses it was made from
    return reported["rows"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("plan", "publish", "index"))
    parser.add_argument("--queue", type=Path, help="publish: the editions to build, a slug a line (make writes it)")
    parser.add_argument("--params", default=config.PARAMS_FILE, type=Path)
    parser.add_argument("--editions", "--regions", dest="chosen", default="", help="values separated by |")
    parser.add_argument("--engine", default="auto")
    parser.add_argument("--out", default=Path("_output"), type=Path)
    parser.add_argument("--total", default=0, type=int)
    parser.add_argument("--wave", default=None, help="the reported wave, as resolved for the whole survey's build")
    parser.add_argument("--build", default=None, type=Path, help="the build folder of the plan (editions/ under it)")
    parser.add_argument("--plan", default=None, type=Path, help="the whole survey's plan.json (plan: its steps)")
    args = parser.parse_args(argv)
    root = Path.cwd()
    global EDITIONS
    EDITIONS = args.build / "editions" if args.build else EDITIONS
    if args.command == "plan":
        found = plan(root, args.params, args.chosen, root / EDITIONS / "editions.mk", args.wave, args.plan)
        print(f"editions: {len(found)} to build ({', '.join(e.name for e in found)})")
        return 0
    if args.command == "publish":
        if args.wave is None or args.queue is None:
            parser.error("publish needs --wave (the wave every edition reports) and --queue (the editions to build)")
        try:
            build_queued(root, args.params, args.queue, args.engine, args.out, args.total, args.wave)
        except KeyboardInterrupt:
            print("editions: stopped (Ctrl-C); the next `make editions` builds those not built", file=sys.stderr)
            return 130
        # (a failed edition is recorded, the others carry on; the index names it, and so fails the call)
    slugs = [
        line.split(":= ", 1)[1].split()
        for line in (root / EDITIONS / "editions.mk").read_text().splitlines()
        if line.startswith("EDITION_SLUGS")
    ][0]
    try:
        rows = write_index(root, args.out, slugs, findings_io.resolved_params(str(args.params), args.wave))
    except PublishError as error:
        print(
            f"editions: the index page was not published: {error}; the previous {args.out / 'index.html'} is unchanged.",
            file=sys.stderr,
        )
        return 1
    rows = [r for r in rows if not r["earlier"]]
    failed = [r for r in rows if not r["ok"]]
    print(f"editions: {len(rows) - len(failed)} of {len(rows)} built; index {args.out / 'index.html'}")
    for row in failed:
        print(f"editions: {row['name']} FAILED: {row['cause']} (log: {row['log']})", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
