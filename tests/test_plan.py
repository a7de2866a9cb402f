"""The build plan (briefing.plan): computed once from the codebook and the parameters; its steps, inputs and
outputs for a one-wave, a two-wave and a frameless survey; the build and output folders; make's copy of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from briefing import plan
from briefing.inputs.survey import WaveError
from tests.conftest import BUILD, SURVEY, copy_inputs

NOTEBOOKS = ("change", "disclosure", "overview", "population", "theme")
THEMES = ["retention", "workload", "workforce", "relationships", "priorities"]  # the PCN codebook's, in its order
PCN = f"data/{SURVEY}"
GP = "data/gp-partners-des"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The inputs, and a notebook file for every notebook the plan may name (their contents do not matter here)."""
    copy_inputs(tmp_path)
    (tmp_path / "notebooks").mkdir()
    for name in NOTEBOOKS:
        (tmp_path / "notebooks" / f"{name}.ipynb").write_text("{}")
    return tmp_path


def kinds(built: plan.Plan) -> list[tuple[str, str, str | None]]:
    """Each step's kind, label and what it runs: a notebook's name, a theme run as `theme:<id>`."""
    return [
        (s.kind, s.label, (f"theme:{s.parameters['theme']}" if "theme" in s.parameters else Path(s.notebook).stem))
        if s.notebook
        else (s.kind, s.label, None)
        for s in built.steps
    ]


def test_two_waves_each_validated_computed_and_merged_then_the_change(project):
    built = plan.build_plan(project, "params.yml")
    assert (built.survey, built.build, built.out) == (SURVEY, BUILD.as_posix(), "_output")
    themes = ["retention", "workload", "workforce", "relationships", "priorities"]
    wave = [
        [
            ("validate", f"wave {w}", None),
            ("notebook", f"wave {w}", "disclosure"),
            *(("notebook", f"wave {w}", f"theme:{t}") for t in themes),
            ("notebook", f"wave {w}", "population"),
            ("notebook", f"wave {w}", "overview"),
            ("merge", f"wave {w}", None),
        ]
        for w in ("2020", "2019")
    ]
    assert kinds(built) == [
        *wave[0],
        *wave[1],
        ("notebook", "change", "change"),
        ("quotes", "quotes 2020", None),
        ("findings", "findings", None),
        ("narrative", "narrative", None),
        ("render", "render", None),
    ]
    validate = built.steps[0]
    assert validate.inputs == [
        f"{PCN}/raw/pcn_cd_survey_2020.csv",
        f"{PCN}/reference/pcn_frame_2020-21.csv",
        f"{PCN}/codebook.yml",
        f"{BUILD}/parameters.yml",
    ]
    assert validate.outputs == [f"{BUILD}/waves/2020/validated.ok", f"{BUILD}/waves/2020/typed.pkl"]
    disclosure, theme = built.of("notebook")[:2]  # the notebooks read what validation kept, not the raw files
    assert disclosure.parameters["typed_path"] == theme.parameters["typed_path"] == validate.outputs[1]
    change = built.of("notebook")[-1]
    assert change.inputs == [f"{BUILD}/waves/2020/findings.json", f"{BUILD}/waves/2019/findings.json"]
    # The reported wave's quotes: from what its validation kept, beside its analysis; remade when the survey's
    # quotes.yml (or another file the narrative reads besides its templates) changes.
    (quotes,) = built.of("quotes")
    assert quotes.outputs == [f"{BUILD}/waves/2020/quotes.json"]
    assert quotes.parameters == {
        "params_path": f"{BUILD}/parameters.yml",
        "wave": "2020",
        "typed_path": validate.outputs[1],
        "quotes_path": quotes.outputs[0],
    }
    assert quotes.inputs[:2] == [validate.outputs[0], f"{BUILD}/parameters.yml"]
    assert f"{PCN}/quotes.yml" in quotes.inputs and not [p for p in quotes.inputs if p.endswith(".j2")]
    assert f"QUOTES := {quotes.outputs[0]}\n" in plan.make_text(built, "x.json")
    assert change.outputs == [f"{BUILD}/changes/2020-vs-2019/change.json"]
    findings = built.of("findings")[0]
    assert findings.inputs[-1] == f"{BUILD}/changes/2020-vs-2019/change.json"
    assert all("/waves/2020/findings/" in p for p in findings.inputs[:-1]) and len(findings.inputs) == 8
    assert built.of("render")[0].outputs == [
        "_output/briefing.html",
        "_output/briefing.pdf",
        "_output/briefing.docx",
        "_output/findings.json",
        "_output/changes.html",
    ]
    narrative = built.of("narrative")[0].inputs
    assert f"{PCN}/quotes.yml" in narrative and f"{PCN}/context/context_figures.yml" in narrative


def test_one_wave_has_no_change_step(project):
    built = plan.build_plan(project, "params.yml", wave="2019")
    assert [w.wave for w in built.selection.waves] == ["2019"]
    assert not [s for s in built.steps if s.label == "change"]
    assert built.of("findings")[0].inputs == [
        f"{BUILD}/waves/2019/findings/{n}.json" for n in (*(f"theme-{t}" for t in THEMES), "population", "overview")
    ]


def test_a_waves_analysis_is_the_same_whichever_wave_is_reported(project):
    """`make report WAVE=2019` after `make report` (2020 against 2019) reuses 2019's analysis: its record (the
    digest the Makefile keeps as waves/<wave>/analysis) does not depend on the selection, and each pair of waves
    compared has its own change, so going back to the other selection finds its change as it left it."""
    default, alone = plan.build_plan(project, "params.yml"), plan.build_plan(project, "params.yml", wave="2019")
    assert default.analysis["2019"] == alone.analysis["2019"] and len(default.analysis["2019"]) == 64
    assert default.analysis["2020"] != default.analysis["2019"]
    assert f"ANALYSIS_2019 := {default.analysis['2019']}\n" in plan.make_text(default, "x.json")
    assert plan.computed(default)[-2:] == [
        f"{BUILD}/changes/2020-vs-2019/change.json",
        f"{BUILD}/waves/2020/quotes.json",  # (the reported wave's: not part of any wave's analysis record)
    ]
    assert plan.computed(alone)[-1] == f"{BUILD}/waves/2019/quotes.json"
    # The briefing's findings, merged by the runner at its call's end: the reported wave a parameter, not the step's
    # (so not in any wave's analysis record), the findings file among what the call makes, as make sees it.
    findings = default.of("findings")[0]
    assert findings.wave is None and findings.parameters == {"params_path": f"{BUILD}/parameters.yml", "wave": "2020"}
    computed = next(line for line in plan.make_text(default, "x.json").splitlines() if line.startswith("COMPUTED :="))
    assert computed.endswith(f"{BUILD}/waves/2020/quotes.json {BUILD}/findings.json")
    # A parameter the notebooks read (not the selection) is a new analysis of every wave.
    (project / "params.yml").write_text("survey: pcn-clinical-directors\nsuppression_threshold: 10\n")
    assert plan.build_plan(project, "params.yml").analysis["2019"] != default.analysis["2019"]


def test_a_frameless_survey_has_no_frame_and_no_population_notebook(project):
    """The GP partners' survey: no frame file in any step, the generic theme notebook run once per theme."""
    built = plan.build_plan(project, "params.yml", survey="gp-partners-des")
    build = "build/gp-partners-des/params"
    assert (built.build, built.out) == (build, "_output/gp-partners-des")
    assert built.steps[0].inputs == [
        f"{GP}/raw/gp_partners_des_2021.csv",
        f"{GP}/codebook.yml",
        f"{build}/parameters.yml",
    ]
    themes = [s for s in built.of("notebook") if s.wave == "2021" and Path(s.notebook).stem == "theme"]
    assert [s.parameters["theme"] for s in themes] == ["signing", "time_workload", "what_would_help"]
    assert [s.outputs[0] for s in themes] == [
        f"{build}/waves/2021/findings/theme-{t}.json" for t in ("signing", "time_workload", "what_would_help")
    ]
    assert [Path(s.executed).name for s in themes] == [
        "theme-signing.ipynb",
        "theme-time_workload.ipynb",
        "theme-what_would_help.ipynb",
    ]
    assert not any("population" in (s.notebook or "") or "reference/" in " ".join(s.inputs) for s in built.steps)
    assert "FRAME_FILE_2021 :=\n" in plan.make_text(built, "x.json")


def test_each_parameters_file_gets_its_own_build_folder(project):
    (project / "other.yml").write_text("survey: pcn-clinical-directors\nsuppression_threshold: 10\n")
    other = plan.build_plan(project, "other.yml")
    assert (other.build, other.out) == (f"build/{SURVEY}/other", "_output/other")
    assert plan.build_plan(project, "other.yml", survey="gp-partners-des").out == "_output/gp-partners-des/other"
    assert plan.params_id("configs/my params+1.yml") == "my-params-1"


def test_an_unknown_survey_is_a_sentence_naming_its_folder(project):
    with pytest.raises(
        WaveError,
        match=r"^SURVEY=nope: data/nope/ is not a survey folder .*surveys present: "
        r"gp-partners-des, pcn-clinical-directors$",
    ):
        plan.build_plan(project, "params.yml", survey="nope")


def test_a_missing_notebook_is_named(project):
    (project / "notebooks" / "theme.ipynb").unlink()
    with pytest.raises(WaveError, match=r"^notebooks/theme.ipynb: not found: the build of survey gp-partners-des"):
        plan.build_plan(project, "params.yml", survey="gp-partners-des")


def test_the_plan_is_written_for_make_and_the_runner(project, monkeypatch):
    monkeypatch.chdir(project)
    assert plan.main(["--params", "params.yml", "--out", "build/plans/params.yml.mk"]) == 0
    text = (project / "build/plans/params.yml.mk").read_text()
    assert f"BUILD := {BUILD}\n" in text and "WAVES := 2020 2019\n" in text and "OUT := _output\n" in text
    record = json.loads((project / "build/plans/params.yml.json").read_text())
    assert record["parameters"] == f"{BUILD}/parameters.yml" and len(record["steps"]) == len(
        plan.build_plan(project, "params.yml").steps
    )
    assert "survey: pcn-clinical-directors" in (project / BUILD / "parameters.yml").read_text()


def test_a_file_name_make_would_act_on_is_refused_by_the_one_quoting(project, monkeypatch, capsys):
    raw = project / PCN / "raw"
    for suffix in (".csv", ".meta.yml"):
        (raw / f"pcn_cd_survey_2020{suffix}").rename(raw / f"wave $(shell id){suffix}")
    monkeypatch.chdir(project)
    assert plan.main(["--params", "params.yml", "--out", "build/plans/p.mk"]) == 1
    assert "cannot be handed to make" in capsys.readouterr().err
    assert not (project / "build/plans/p.mk").exists()


# --- editions: their analysis in the whole survey's build ---------------------------------------------------------


def edition_plan(project: Path, region: str) -> tuple[plan.Plan, plan.Plan, str]:
    """The whole survey's plan and an edition's own, in its project folder under the build (as `make editions`
    prepares it: params.yml with the edition, data/ and notebooks/ linked)."""
    whole = plan.build_plan(project, "params.yml")
    folder = Path(whole.build) / "editions" / "london"
    (project / folder).mkdir(parents=True)
    for name in ("data", "notebooks"):
        (project / folder / name).symlink_to(project / name)
    text = (project / "params.yml").read_text(encoding="utf-8")
    (project / folder / "params.yml").write_text(f"{text}\nedition: {region}\n", encoding="utf-8")
    return whole, plan.build_plan(project / folder, "params.yml"), folder.as_posix()


def test_an_editions_analysis_reads_the_whole_builds_validated_waves_and_disclosure_plans(project):
    whole, own, folder = edition_plan(project, "London")
    steps = plan.edition_analysis(whole.steps, own, folder, "London")
    assert {s.kind for s in steps} == {"notebook", "merge", "quotes"}  # no validation: the whole build's
    assert all((s.root, s.edition) == (folder, "London") for s in steps)
    assert not [s for s in steps if s.notebook == "notebooks/disclosure.ipynb"]  # one plan for every edition
    retention = next(s for s in steps if s.parameters.get("theme") == "retention" and s.wave == "2020")
    withheld = f"{whole.build}/waves/2020/withheld.json"
    assert retention.parameters["withheld_path"] == "../../waves/2020/withheld.json"
    assert (project / folder / retention.parameters["withheld_path"]).resolve() == (project / withheld).resolve()
    assert "../../waves/2020/validated.ok" in retention.inputs
    assert own.parameters_file in retention.inputs  # the edition's parameters changed: its analysis reruns
    # Its own paths, as if it were built alone: the runner runs it in its folder.
    assert retention.outputs == [f"{own.build}/waves/2020/findings/theme-retention.json"]
    assert retention.parameters["params_path"] == own.parameters_file
    assert plan.computed(own) == [
        f"{own.build}/waves/2020/findings.json",
        f"{own.build}/waves/2019/findings.json",
        f"{own.build}/changes/2020-vs-2019/change.json",
        f"{own.build}/waves/2020/quotes.json",
    ]
    # Its quotes: of its own area (its parameters), picked from the whole build's validated copy of the wave.
    (quotes,) = [s for s in steps if s.kind == "quotes"]
    assert quotes.parameters["params_path"] == own.parameters_file
    assert quotes.parameters["typed_path"] == "../../waves/2020/typed.pkl"
    assert "../../waves/2020/validated.ok" in quotes.inputs and quotes.inputs.count(own.parameters_file) == 1


def test_of_the_compared_wave_an_edition_computes_only_what_its_change_reads(project):
    whole, own, folder = edition_plan(project, "London")
    steps = plan.edition_analysis(whole.steps, own, folder, "London")
    reported = [s for s in steps if s.wave == "2020" and s.kind == "notebook"]
    compared = [s for s in steps if s.wave == "2019" and s.kind == "notebook"]
    assert [Path(s.notebook).stem for s in reported][-2:] == ["population", "overview"]
    assert all(s.parameters["figures_dir"] for s in reported)
    assert [Path(s.notebook).stem for s in compared] == ["theme"] * len(THEMES) + ["population"]
    assert all(s.parameters["figures_dir"] is None for s in compared)  # no chart: none is published
    merge = next(s for s in steps if s.kind == "merge" and s.wave == "2019")
    assert sorted(merge.inputs) == sorted(s.outputs[0] for s in compared)
    assert merge.parameters == {"params_path": own.parameters_file}
    change = next(s for s in steps if s.label == "change")
    assert change.inputs[:2] == plan.computed(own)[:2]


def test_an_editions_steps_survive_plan_json(project):
    whole, own, folder = edition_plan(project, "London")
    steps = plan.edition_analysis(plan.steps_from(json.loads(plan.as_json(whole))), own, folder, "London")
    assert steps == plan.edition_analysis(whole.steps, own, folder, "London")
