"""The wave checked against the frame: each rule on its own, with the file, rows and rule named."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys

import pandas as pd
import pytest

from briefing.analysis import findings as findings_io
from briefing.inputs import crosscheck
from briefing.inputs.codebook import load_codebook
from tests.conftest import ROOT

PARAMS = findings_io.resolved_params(ROOT / "params.yml", "2019")  # the published wave, its own frame
LARGE_MIN = 60000  # the codebook's `large` subgroup: more than this many patients
CODEBOOK = load_codebook(ROOT / PARAMS.codebook)
UNITS = "primary care networks"  # the frame's units, in the codebook's words


@pytest.fixture(scope="module")
def example() -> crosscheck.Inputs:
    inputs = crosscheck.read_inputs(ROOT / PARAMS.survey_path, ROOT / PARAMS.frame_file, CODEBOOK)
    assert inputs is not None
    return inputs


def with_wave(inputs: crosscheck.Inputs, wave: pd.DataFrame, **changes) -> crosscheck.Inputs:
    wave = wave.reset_index(drop=True).astype(str).astype("category")
    return dataclasses.replace(inputs, wave=wave, **changes)


def edited(inputs: crosscheck.Inputs, row: int, column: str, value: str) -> crosscheck.Inputs:
    """The example wave with one cell changed; `row` as a spreadsheet numbers it (header = row 1)."""
    wave = inputs.wave.astype(str)
    wave.loc[row - 2, column] = value
    return with_wave(inputs, wave)


def test_the_example_wave_agrees_with_its_frame(example):
    assert crosscheck.check_wave(example, PARAMS) == []
    assert crosscheck.check(PARAMS, ROOT) == []


def test_more_respondents_than_pcns_overall(example):
    frame = example.frame.iloc[: len(example.wave) - 1]  # one PCN fewer than there are respondents
    problems = crosscheck.check_wave(dataclasses.replace(example, frame=frame), PARAMS)
    n = len(example.wave)
    overall = [p for p in problems if p.startswith(f"{PARAMS.survey_path}: rows 2 to {n + 1}")]
    assert overall == [
        f"{PARAMS.survey_path}: rows 2 to {n + 1} are {n} respondents, but the frame {PARAMS.frame_file} "
        f"has {n - 1:,} {UNITS}: {example.rule}"
    ]


def test_more_respondents_than_pcns_in_a_region(example):
    wave = example.wave.astype({"region": str})
    frame_count = int((example.frame["region"] == "South West").sum())
    extra = pd.DataFrame({"region": ["South West"] * frame_count, "pcn_list_size": ["50000"] * frame_count})
    problems = crosscheck.check_wave(with_wave(example, pd.concat([wave, extra])), PARAMS)
    in_wave = int((wave["region"] == "South West").sum()) + frame_count
    region = [p for p in problems if "answered South West" in p]
    assert len(region) == 1
    assert f"{in_wave} respondents answered South West, and the frame has {frame_count} {UNITS} there" in region[0]
    assert region[0].startswith(f"{PARAMS.survey_path}: column 'region' breaks the rule: {example.rule}")


def test_more_respondents_than_pcns_in_a_size_band(example):
    large = int((example.frame["pcn_list_size"] > LARGE_MIN).sum())
    wave = example.wave.astype({"region": str})
    extra = pd.DataFrame({"region": ["London"] * large, "pcn_list_size": [str(LARGE_MIN + 1)] * large})
    problems = crosscheck.check_wave(with_wave(example, pd.concat([wave, extra])), PARAMS)
    band = [p for p in problems if "are among large PCNs" in p]
    in_wave = int((pd.to_numeric(wave["pcn_list_size"]) > LARGE_MIN).sum()) + large
    assert band == [
        f"{PARAMS.survey_path}: column 'pcn_list_size' breaks the rule: {example.rule}: "
        f"{in_wave} respondents are among large PCNs, and the frame has {large}"
    ]


def test_a_region_missing_from_the_frame(example):
    problems = crosscheck.check_wave(edited(example, 5, "region", "Atlantis"), PARAMS)
    assert len(problems) == 1
    assert problems[0].startswith(
        f"{PARAMS.survey_path}: column 'region' breaks the rule: every answer must be a value "
        f"of the frame {PARAMS.frame_file}'s 'region'; 'Atlantis' is not"
    )
    assert problems[0].endswith("; row 5")


def test_a_list_size_outside_the_regions_range(example):
    region = example.wave["region"].iloc[7 - 2]
    patients = example.frame.loc[example.frame["region"] == region, "pcn_list_size"]
    too_big = str(patients.max() + 1)
    problems = crosscheck.check_wave(edited(example, 7, "pcn_list_size", too_big), PARAMS)
    assert problems == [
        f"{PARAMS.survey_path}: column 'pcn_list_size' breaks the rule: an answer must lie within the frame's range "
        f"for {region} ({patients.min():,} to {patients.max():,}); row 7 ({too_big!r})"
    ]
    assert (
        crosscheck.check_wave(edited(example, 7, "pcn_list_size", str(patients.max())), PARAMS) == []
    )  # the edge is in
    assert crosscheck.check_wave(edited(example, 7, "pcn_list_size", "lots"), PARAMS) == []  # validation's business


def test_a_wave_from_another_year_than_the_frame(example):
    problems = crosscheck.check_wave(
        dataclasses.replace(example, wave_meta={**example.wave_meta, "year": "2021"}), PARAMS
    )
    meta = PARAMS.survey_path.removesuffix(".csv") + ".meta.yml"
    assert problems == [
        f"{PARAMS.survey_path}: the wave's year 2021 (`year` in {meta}) must match the frame's year: "
        f"{PARAMS.frame_file.removesuffix('.csv')}.meta.yml says 2019-20; use the frame for the wave's year"
    ]
    no_year = {k: v for k, v in example.frame_meta.items() if k != "year"}
    assert crosscheck.frame_year(no_year) == "2019-20"  # read from the title when `year` is absent
    untitled = dataclasses.replace(example, frame_meta={"title": "a frame"})
    assert crosscheck.check_wave(untitled, PARAMS) == [
        f"{PARAMS.frame_file.removesuffix('.csv')}.meta.yml: no `year` (e.g. 2019-20): the frame's year cannot be checked "
        "against the wave's"
    ]


def test_an_unreadable_wave_is_left_to_validation(tmp_path):
    wave = tmp_path / "wave.csv"
    wave.write_bytes("region,pcn_list_size\nCaf\xe9,1\n".encode("latin-1"))
    assert crosscheck.read_inputs(wave, ROOT / PARAMS.frame_file, CODEBOOK) is None
    wave.write_text("respondent_id\nA\n")
    assert crosscheck.read_inputs(wave, ROOT / PARAMS.frame_file, CODEBOOK) is None


def test_the_command_fails_with_every_breach_named(tmp_path):
    project = tmp_path / "project"
    for name in (
        "params.yml",
        f"data/{PARAMS.survey}/params.yml",
        PARAMS.codebook,
        PARAMS.frame_file,
        PARAMS.survey_path,
    ):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, project / name)
    for meta in (PARAMS.survey_path, PARAMS.frame_file):
        shutil.copy((ROOT / meta).with_suffix(".meta.yml"), (project / meta).with_suffix(".meta.yml"))
    survey = project / PARAMS.survey_path
    lines = survey.read_text(encoding="utf-8").splitlines(keepends=True)
    survey.write_text(lines[0] + "".join(lines[1:]) * 6, encoding="utf-8")  # six times the example: 1,278 rows
    command = [sys.executable, "-m", "briefing.inputs.crosscheck", "--wave", PARAMS.wave]  # the Makefile names the wave
    result = subprocess.run(command, cwd=project, capture_output=True, text=True)
    assert result.returncode == 1
    rows = 6 * (len(lines) - 1)
    assert f"{PARAMS.survey_path}: rows 2 to {rows + 1:,} are {rows:,} respondents, but the frame" in result.stderr
    assert "header is row 1" in result.stderr


def test_a_frame_without_its_record_is_named(example):
    problems = crosscheck.check_wave(dataclasses.replace(example, frame_meta={}), PARAMS)
    assert problems == [
        f"{PARAMS.frame_file.removesuffix('.csv')}.meta.yml: not found: the frame needs its provenance "
        "record, whose `year` is checked against the wave's"
    ]
