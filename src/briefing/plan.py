"""The build plan: computed once, from the codebook and the parameters, and read by both make and the notebook
runner. Which survey, which waves (with their files and frames), the build folder, the output folder, and every step
with its inputs and outputs: validate (per wave) -> the notebooks per wave [disclosure, a theme notebook per theme,
the population notebook where there is a frame, overview] -> merge (per wave) -> change, and the reported wave's
quotes (picked from its validated copy beside its notebooks) -> findings -> narrative -> render. Nothing else
computes file lists.

* Build folder: build/<survey>/<params-id>/ (params-id: `params` for params.yml, else the parameters file's stem,
  sanitised), so two surveys or two parameters files never share an intermediate.
* Output folder: _output/ for the survey params.yml names, _output/<survey>/ for any other; another parameters
  file's briefing goes a level further down (_output/[<survey>/]<params-id>/).
* Written as <plans>/<key>.json (the runner's steps) and <key>.mk (make's variables, every value a checked literal:
  briefing.config.make_assignments), and the build folder's parameters.yml: the parameters file with the survey
  resolved, which every later step reads (so SURVEY= reaches the notebooks too).

CLI (the Makefile): python -m briefing.plan --params P [--survey S] [--wave W] --out build/plans/<key>.mk
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from briefing import config, yamlfile
from briefing.inputs import survey as surveys
from briefing.inputs.codebook import load_codebook

BUILD_ROOT, OUTPUT_ROOT = "build", "_output"
NOTEBOOKS = "notebooks"
DISCLOSURE, CHANGE, OVERVIEW = "disclosure", "change", "overview"
THEME = "theme"  # one parameterised notebook run once per theme (papermill parameter `theme`)
POPULATION = "population"  # the frame's notebook (only where the survey has a frame)
TEMPLATES = "templates"  # report/templates/ and a survey's overrides in data/<survey>/templates/
PARAMETERS = "parameters.yml"  # in the build folder: the parameters file with the survey resolved
TYPED_COPY = "typed.pkl"  # in a wave's folder: the wave and its frame as validation read them (inputs/validated.py)
# Also there: the content stamps of what the wave's validation reads, as make last wrote them (rewritten only when
# one changes), and validated.ok, a copy of it made when those inputs passed: a wave is checked when the two differ.
INPUTS_RECORD = "inputs.sha256"
QUOTES = "quotes.json"  # in the reported wave's folder: the quotes picked for the briefing (narrative/quotes.py)


@dataclass
class Step:
    """One step of the build: what it reads and writes. A notebook step also has its notebook, papermill
    parameters and executed copy."""

    kind: str  # validate | notebook | merge | quotes | findings | narrative | render
    label: str  # its log line: "wave 2020", "change", ...
    inputs: list[str]
    outputs: list[str]
    wave: str | None = None
    notebook: str | None = None
    executed: str | None = None
    parameters: dict[str, str | None] = field(default_factory=dict)
    root: str | None = None  # the project folder it runs in (an edition's, under the build); None: the root
    edition: str | None = None  # the edition it is part of (its name), in the whole survey's build


@dataclass
class Plan:
    survey: str
    params_file: str  # as given (relative to the root)
    build: str
    out: str
    selection: surveys.Selection
    codebook: str
    steps: list[Step]
    inputs: list[str]  # what the plan itself was computed from (make remakes it when one changes)
    parameters: dict[str, Any]  # the parameters file's own keys, with the survey resolved
    epoch: int
    default: bool  # the survey params.yml names (else a rebuild names it with SURVEY=)
    analysis: dict[str, str] = field(default_factory=dict)  # wave -> analysis_digest: what its notebooks depend on

    @property
    def parameters_file(self) -> str:
        return f"{self.build}/{PARAMETERS}"

    def of(self, kind: str) -> list[Step]:
        return [s for s in self.steps if s.kind == kind]


def params_id(params_file: str) -> str:
    """The parameters file's build-folder name: its stem as a safe word (`params` for params.yml)."""
    stem = Path(params_file).name.removesuffix(".yml").removesuffix(".yaml")
    return re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "params"


def default_survey(root: Path) -> str | None:
    return yamlfile.load_mapping(root / config.PARAMS_FILE, "parameters file", missing_ok=True).get("survey")


def output_folder(survey: str, default: bool, parameters_id: str) -> str:
    """_output/ for params.yml's own survey; another survey under _output/<survey>/; another parameters file's
    briefing in a folder of its own below that, so no two builds publish over each other."""
    parts = [OUTPUT_ROOT, *([] if default else [survey]), *([] if parameters_id == "params" else [parameters_id])]
    return "/".join(parts)


def wave_steps(
    root: Path, plan_build: str, params_file: str, inputs: surveys.WaveInputs, themes: list[str], codebook: str
) -> list[Step]:
    """A wave's validation, its disclosure plan (the theme notebooks read it), each theme, the population
    notebook where there is a frame, the overview, then the merge of its findings."""
    folder = f"{plan_build}/waves/{inputs.wave}"
    label = f"wave {inputs.wave}"
    data = [inputs.survey_path, *filter(None, [inputs.frame_file]), codebook]
    validated, typed = f"{folder}/validated.ok", f"{folder}/{TYPED_COPY}"
    record = {"record": f"{folder}/{INPUTS_RECORD}"}  # make's record of the inputs' content, which validated.ok copies
    steps = [Step("validate", label, [*data, params_file], [validated, typed], inputs.wave, parameters=record)]
    withheld = f"{folder}/withheld.json"
    common = {"params_path": params_file, "wave": inputs.wave, "typed_path": typed, "withheld_path": withheld}
    steps.append(
        Step(
            "notebook",
            label,
            [validated],
            [withheld],
            inputs.wave,
            f"{NOTEBOOKS}/{DISCLOSURE}.ipynb",
            f"{folder}/executed/{DISCLOSURE}.ipynb",
            dict(common),
        )
    )
    # (the name of its executed copy and findings file, the notebook, its own parameters); a theme's files are
    # named `theme-<id>`, so no theme id can meet another notebook's.
    named = [(f"{THEME}-{t}", f"{NOTEBOOKS}/{THEME}.ipynb", {"theme": t}) for t in themes]
    if inputs.frame_file:
        named.append((POPULATION, f"{NOTEBOOKS}/{POPULATION}.ipynb", {}))
    named.append((OVERVIEW, f"{NOTEBOOKS}/{OVERVIEW}.ipynb", {}))
    for name, notebook, extra in named:
        findings = f"{folder}/findings/{name}.json"
        parameters = {**common, **extra, "findings_path": findings, "figures_dir": f"{folder}/figures"}
        steps.append(
            Step(
                "notebook",
                label,
                [validated, withheld],
                [findings],
                inputs.wave,
                notebook,
                f"{folder}/executed/{name}.ipynb",
                parameters,
            )
        )
    sources = [s.outputs[0] for s in steps if s.kind == "notebook" and s.notebook != f"{NOTEBOOKS}/{DISCLOSURE}.ipynb"]
    steps.append(Step("merge", label, sources, [f"{folder}/findings.json"], inputs.wave))
    return steps


def build_plan(root: Path, params_file: str | Path, survey: str | None = None, wave: str | None = None) -> Plan:
    """The whole build for the parameters file (relative to `root`), SURVEY= and WAVE= applied."""
    params_file = Path(params_file).as_posix()
    params = config.load(root / params_file, survey=survey, wave=wave)
    selection = surveys.select(root, params)
    build = f"{BUILD_ROOT}/{params.survey}/{params_id(params_file)}"
    out = output_folder(params.survey, params.survey == default_survey(root), params_id(params_file))
    parameters_file = f"{build}/{PARAMETERS}"
    codebook = load_codebook(root / params.codebook)
    themes = list(codebook.themes)  # in briefing order
    steps: list[Step] = []
    for inputs in selection.waves:
        steps += wave_steps(root, build, parameters_file, inputs, themes, params.codebook)
    missing = sorted({s.notebook for s in steps if s.notebook and not (root / s.notebook).is_file()})
    if missing:
        raise surveys.WaveError(
            f"{', '.join(missing)}: not found: the build of survey {params.survey} (themes "
            f"{', '.join(themes)}) needs it; this version of the pipeline cannot build it yet"
        )
    merged = [s.outputs[0] for s in steps if s.kind == "merge"]
    change = []
    if selection.compare:
        pair = f"{build}/changes/{params.wave}-vs-{selection.compare.wave}"  # each pair's own: WAVE= keeps the others
        change = [f"{pair}/change.json"]
        parameters = {
            "params_path": parameters_file,
            "wave": params.wave,
            "compare_wave": selection.compare.wave,
            "current_path": merged[0],
            "previous_path": merged[1],
            "findings_path": change[0],
            "figures_dir": f"{pair}/figures",
        }
        steps.append(
            Step(
                "notebook",
                CHANGE,
                merged,
                change,
                None,
                f"{NOTEBOOKS}/{CHANGE}.ipynb",
                f"{pair}/executed/{CHANGE}.ipynb",
                parameters,
            )
        )
    steps.append(quotes_step(root, params, steps, parameters_file))
    reported = [
        s.outputs[0]
        for s in steps
        if s.kind == "notebook" and s.wave == params.wave and s.notebook != f"{NOTEBOOKS}/{DISCLOSURE}.ipynb"
    ]
    findings = f"{build}/findings.json"
    # (merged by the runner at the end of its call; the wave is a parameter, not the step's: no wave's analysis)
    reads = {"params_path": parameters_file, "wave": params.wave}
    steps.append(Step("findings", "findings", [*reported, *change], [findings], parameters=reads))
    steps.append(
        Step("narrative", "narrative", [findings, *narrative_inputs(root, params)], [f"{build}/narrative.stamp"])
    )
    steps.append(Step("render", "render", [f"{build}/narrative.stamp"], render_outputs(out)))
    raw = yamlfile.load_mapping(root / params_file, "parameters file")
    analysis = {w.wave: analysis_digest(params, w, steps) for w in selection.waves}
    return Plan(
        params.survey,
        params_file,
        build,
        out,
        selection,
        params.codebook,
        steps,
        plan_inputs(root, params, params_file),
        {**raw, "survey": params.survey},
        config.default_epoch(params, root),
        params.survey == default_survey(root),
        analysis,
    )


def quotes_step(root: Path, params: config.Params, steps: list[Step], parameters_file: str) -> Step:
    """The reported wave's quotes, as the survey's quotes.yml picks them from the wave's validated copy, checked and
    redacted: run by the notebook runner beside the notebooks (in a worker, no notebook), so the narrative
    reads them without loading pandas. Remade when the wave's validation or what the narrative reads besides its
    templates changes (the quotes' code: the runner's --quote-code)."""
    validate = next(s for s in steps if s.kind == "validate" and s.wave == params.wave)
    validated, typed = validate.outputs
    out = f"{Path(validated).parent.as_posix()}/{QUOTES}"
    read = [p for p in narrative_inputs(root, params) if not p.endswith(".j2")]
    parameters = {"params_path": parameters_file, "wave": params.wave, "typed_path": typed, "quotes_path": out}
    return Step(
        "quotes",
        f"quotes {params.wave}",
        [validated, parameters_file, *read],
        [out],
        params.wave,
        parameters=parameters,
    )


# What WAVE= changes: the wave reported, the one compared and the reported wave's files. A wave's own analysis
# depends on none of them, so briefing another wave (`make report WAVE=2021`, then WAVE=2020 again) reuses it.
SELECTION = ("wave", "compare_wave", "survey_path", "frame_file")


def analysis_digest(params: config.Params, inputs: surveys.WaveInputs, steps: list[Step]) -> str:
    """The SHA-256 of what a wave's notebooks depend on besides files (which make and the runner date by content):
    the parameters other than the selection, the wave's inputs and its steps (notebooks, parameters, outputs). The
    same for every selection that includes the wave, so the Makefile's record of it (waves/<wave>/analysis) changes,
    and the wave is analysed again, only when one of these does."""
    record = {
        "parameters": {k: v for k, v in params.as_dict().items() if k not in SELECTION},
        "wave": asdict(inputs),
        "steps": [asdict(s) for s in steps if s.wave == inputs.wave and s.kind != "quotes"],  # (the reported's)
    }
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


# --- editions: their analysis in the whole survey's build -------------------------------------------------------
# `make editions` computes every edition's findings, charts, merged findings and change in the whole survey's one
# runner call (its workers, the editions shared out among them), and only the narrative and render run per edition.
# The whole survey's edition is the whole survey's build: its analysed folders link to that build's (never run twice). Each edition has its own project
# folder and plan (publication/editions.py): its notebooks run there, so every path they record is the edition's
# own, as if it were built alone. What every edition shares with the whole survey's build is not redone: each wave's
# validation and its disclosure plan (planned from the whole wave for every edition: analysis/disclosure.py).
EDITIONS_ANALYSIS = "analysis.json"  # in the editions' folder: every edition's steps, for the runner
NOTEBOOKS_LOG = "logs/notebooks.log"  # in a build folder: the traceback of a failed notebook


def shared_files(steps: list[Step]) -> dict[str, dict[str, str]]:
    """Per wave of the whole survey's build, what its editions share: {"validated": ..., "typed": ...,
    "withheld": ...}."""
    shared: dict[str, dict[str, str]] = {}
    for step in steps:
        if step.kind == "validate":
            shared.setdefault(step.wave, {}).update(validated=step.outputs[0], typed=step.outputs[1])
        elif step.kind == "notebook" and step.notebook == f"{NOTEBOOKS}/{DISCLOSURE}.ipynb":
            shared.setdefault(step.wave, {})["withheld"] = step.outputs[0]
    return shared


def edition_analysis(whole: list[Step], edition: Plan, folder: str, name: str) -> list[Step]:
    """An edition's analysis steps (its plan's notebooks, merges, change and quotes, run in `folder`) for the whole survey's
    runner call: its waves' validation and disclosure plan are the whole build's (`whole`, its steps), named from
    `folder`; each step also reads the edition's parameters (a merge names them), so a change to them reruns it.
    Of the wave it is compared with, only what the change reads: no chart (the overview notebook draws only one)."""
    shared = shared_files(whole)
    own = shared_files(edition.steps)
    missing = sorted(set(own) - set(shared))
    if missing:
        raise ValueError(f"edition {name}: wave(s) {', '.join(missing)} are not in the whole survey's build")
    swap = {
        own[wave][key]: os.path.relpath(shared[wave][key], folder)
        for wave in own
        for key in ("validated", "typed", "withheld")
    }
    steps, dropped = [], set()  # (dropped: the compared wave's overview, which its merge then does not read)
    for step in edition.steps:
        if step.kind not in ("notebook", "merge", "quotes") or step.outputs[0] in swap or step.outputs[0] in dropped:
            continue  # (the disclosure plan: the whole build's)
        parameters = {key: swap.get(value, value) for key, value in step.parameters.items()}
        if step.wave not in (None, edition.selection.current.wave) and step.kind == "notebook":
            # A compared wave gives the change its shares and frame figures; its charts are never published.
            if step.notebook == f"{NOTEBOOKS}/{OVERVIEW}.ipynb":  # (a chart alone)
                dropped.add(step.outputs[0])
                continue
            parameters["figures_dir"] = None
        inputs = [swap.get(path, path) for path in step.inputs if path not in dropped]
        if step.kind == "merge":  # (its inputs are what it merges; the whole survey's read the plan's parameters)
            parameters = {"params_path": edition.parameters_file}
        elif step.kind != "quotes":  # (the quotes read the edition's parameters already)
            inputs.append(edition.parameters_file)
        steps.append(dataclasses.replace(step, inputs=inputs, parameters=parameters, root=folder, edition=name))
    return steps


def steps_from(record: dict) -> list[Step]:
    """A plan.json's steps, as Steps again."""
    return [Step(**step) for step in record["steps"]]


def narrative_inputs(root: Path, params: config.Params) -> list[str]:
    """What the narrative reads besides the findings: the templates (generic and the survey's overrides), the
    survey's quotes and context figures where it has them, and every provenance record of the survey."""
    folder = root / surveys.folder(params.survey)
    found = [
        *(root / "report" / TEMPLATES).glob("*.j2"),
        *(folder / TEMPLATES).glob("*.j2"),
        *folder.glob("*.yml"),
        *folder.glob("*/*.yml"),
    ]
    return sorted({p.relative_to(root).as_posix() for p in found})


def plan_inputs(root: Path, params: config.Params, params_file: str) -> list[str]:
    """The files the plan is computed from: the parameters, the codebook, and the records naming waves and frames."""
    folder = surveys.folder(params.survey)
    records = [*(root / folder).glob(f"{surveys.RAW}/*.meta.yml"), *(root / folder).glob("reference/*.meta.yml")]
    candidates = [
        params_file,
        surveys.codebook_path(params.survey),
        f"{folder}/{surveys.PARAMS}",
        *(p.relative_to(root).as_posix() for p in records),
    ]
    return sorted({p for p in candidates if (root / p).is_file()})


def render_outputs(out: str) -> list[str]:
    return [
        f"{out}/{name}" for name in ("briefing.html", "briefing.pdf", "briefing.docx", "findings.json", "changes.html")
    ]


def computed(plan: Plan) -> list[str]:
    """What the runner's analysis makes, as make sees it: each wave's merged findings, the change and the quotes.
    (An edition's too: an edition merges its briefing's findings itself, as it renders.)"""
    return [
        *(s.outputs[0] for s in plan.of("merge")),
        *(s.outputs[0] for s in plan.of("notebook") if s.label == CHANGE),
        *(s.outputs[0] for s in plan.of("quotes")),
    ]


def make_text(plan: Plan, plan_json: str) -> str:
    """The plan as make variables: every value a checked literal word (briefing.config.make_assignments)."""
    selection = plan.selection
    per_wave: dict[str, Any] = {}
    typed = {step.wave: step.outputs[1] for step in plan.of("validate")}
    record = {step.wave: step.parameters["record"] for step in plan.of("validate")}
    for inputs in selection.waves:
        per_wave[f"WAVE_FILE_{inputs.wave}"] = inputs.survey_path
        per_wave[f"FRAME_FILE_{inputs.wave}"] = inputs.frame_file
        per_wave[f"TYPED_{inputs.wave}"] = typed[inputs.wave]
        per_wave[f"RECORD_{inputs.wave}"] = record[inputs.wave]
        per_wave[f"ANALYSIS_{inputs.wave}"] = plan.analysis[inputs.wave]
    notebooks = plan.of("notebook")
    values = {
        "SURVEY": plan.survey,
        "BUILD": plan.build,
        "OUT": plan.out,
        "PARAMETERS": plan.parameters_file,
        "PLAN_JSON": plan_json,
        "CODEBOOK": plan.codebook,
        "SURVEY_FOLDER": surveys.folder(plan.survey),
        "WAVE": selection.current.wave,
        "COMPARE_WAVE": selection.compare.wave if selection.compare else None,
        "WAVES": [w.wave for w in selection.waves],
        "FRAME_FILE": selection.current.frame_file,
        "FRAME_YEAR": selection.current.frame_year,
        **per_wave,
        "WAVE_DATA": sorted({p for w in selection.waves for p in (w.survey_path, w.frame_file) if p}),
        "NOTEBOOKS": sorted({s.notebook for s in notebooks}),
        "VALIDATED": [s.outputs[0] for s in plan.of("validate")],
        "TYPED": [s.outputs[1] for s in plan.of("validate")],
        "COMPUTED": [*computed(plan), *(s.outputs[0] for s in plan.of("findings"))],  # (merged at the call's end)
        "QUOTES": plan.of("quotes")[0].outputs[0],
        "QUOTE_INPUTS": [p for p in plan.of("quotes")[0].inputs if not p.startswith(f"{plan.build}/")],
        "NARRATIVE_INPUTS": plan.of("narrative")[0].inputs[1:],
        "OUTPUTS": plan.of("render")[0].outputs,
        "PLAN_INPUTS": plan.inputs,
        "PUBLICATION_EPOCH": plan.epoch,
    }
    return "# Written by `python -m briefing.plan`: the build plan, as make reads it.\n" + config.make_assignments(
        values
    )


def as_json(plan: Plan) -> str:
    record = {
        "survey": plan.survey,
        "params_file": plan.params_file,
        "build": plan.build,
        "out": plan.out,
        "parameters": plan.parameters_file,
        "waves": [asdict(w) for w in plan.selection.waves],
        "steps": [asdict(s) for s in plan.steps],
    }
    return json.dumps(record, indent=1) + "\n"


def write_if_changed(path: Path, text: str) -> None:
    """Unchanged content keeps its time, so make sees nothing to do."""
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)


def write(root: Path, plan: Plan, mk: Path) -> None:
    """plan.json and the parameters file (each rewritten only when it changes), then the make include (its text
    made first: a value make cannot take literally stops the plan before anything is written)."""
    plan_json = mk.with_suffix(".json")
    text = make_text(plan, plan_json.as_posix())
    header = f"# Written by `python -m briefing.plan` from {plan.params_file}, the survey resolved: edit that file.\n"
    write_if_changed(
        root / plan.parameters_file, header + yaml.safe_dump(plan.parameters, sort_keys=False, allow_unicode=True)
    )
    source = {"source": plan.params_file, "survey": None if plan.default else plan.survey}
    write_if_changed(root / meta_of(plan.parameters_file), yaml.safe_dump(source, sort_keys=False))
    write_if_changed(root / plan_json, as_json(plan))
    write_if_changed(root / mk.with_suffix(".values"), text)  # what depends on the plan's values depends on this
    write_if_changed(root / mk, text)


def meta_of(parameters_file: str | Path) -> Path:
    return Path(parameters_file).with_suffix(".meta.yml")


def parameters_source(parameters_path: Path, root: Path) -> tuple[str, str | None]:
    """The parameters file a build's parameters.yml was written from, and the SURVEY= that rebuilds it (None: the
    default survey); a file
    that is not a build's parameters.yml is its own source (given `parameters_path` relative to the root)."""
    record = yamlfile.load_mapping(root / meta_of(parameters_path), "provenance record", missing_ok=True)
    if parameters_path.name != PARAMETERS or "source" not in record:
        return parameters_path.as_posix(), None
    return str(record["source"]), record.get("survey")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--params", default=config.PARAMS_FILE)
    parser.add_argument("--survey", default=None, help="build this survey (a folder of data/) instead of the one named")
    parser.add_argument(
        "--wave", default=None, help="report this wave instead of the parameters' (make report WAVE=...)"
    )
    parser.add_argument("--out", required=True, type=Path, help="the make include to write (plan.json beside it)")
    args = parser.parse_args(argv)
    try:
        root = config.find_root()
        write(root, build_plan(root, args.params, args.survey or None, args.wave or None), args.out)
    except (ValueError, OSError) as error:  # parameters, survey folder, waves, codebook: one sentence
        print(f"plan: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
