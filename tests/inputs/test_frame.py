"""The PCN reference frame: rebuilt from NHS Digital's files it matches the committed CSV, and its counts agree
with simple independent pandas computations. Tests needing the official files skip when they are absent
(set NHS_DIGITAL_DIR to point elsewhere); the layout and rule tests use small crafted files and always run."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT, survey_script

frame_module = survey_script("pcn-clinical-directors", "frame")
FrameInputError, build_frame, main = frame_module.FrameInputError, frame_module.build_frame, frame_module.main

NHS_DIGITAL = Path(os.environ.get("NHS_DIGITAL_DIR", ROOT.parent / "shared/data/nhs-digital"))
COMMITTED = ROOT / "data/pcn-clinical-directors/reference/pcn_frame_2019-20.csv"
YEARS = {
    "2019-20": ("MAPPING_NHS_GEOGRAPHIES_1920.csv", "PREVALENCE_1920.csv", "PATIENT_LIST_SIZE"),
    "2020-21": ("MAPPING_NHS_GEOGRAPHIES_2021.csv", "PREVALENCE_2021_v2.csv", "PRACTICE_LIST_SIZE"),
}


def official(year: str) -> tuple[Path, Path, str]:
    mapping, prevalence, list_column = YEARS[year]
    if not (NHS_DIGITAL / mapping).is_file() or not (NHS_DIGITAL / prevalence).is_file():
        pytest.skip(f"NHS Digital files for {year} not found in {NHS_DIGITAL} (set NHS_DIGITAL_DIR)")
    return NHS_DIGITAL / mapping, NHS_DIGITAL / prevalence, list_column


def independent_counts(year: str) -> dict:
    """The frame's headline counts, straight from the official files with plain pandas."""
    mapping_path, prevalence_path, list_column = official(year)
    mapping = pd.read_csv(mapping_path, dtype=str)
    prevalence = pd.read_csv(prevalence_path, dtype={"PRACTICE_CODE": str})
    sizes = prevalence[prevalence["PATIENT_LIST_TYPE"] == "TOTAL"].drop_duplicates("PRACTICE_CODE")
    in_pcn = mapping[mapping["PCN_ODS_CODE"] != "U"]
    return {
        "pcns": in_pcn["PCN_ODS_CODE"].nunique(),
        "not_in_pcn": int((mapping["PCN_ODS_CODE"] == "U").sum()),
        "practices": len(in_pcn),
        "patients": int(sizes[sizes["PRACTICE_CODE"].isin(in_pcn["PRACTICE_CODE"])][list_column].sum()),
    }


@pytest.fixture(scope="module")
def build_1920():
    return build_frame(*official("2019-20")[:2])


@pytest.fixture(scope="module")
def build_2021():
    return build_frame(*official("2020-21")[:2])


def test_rebuilt_2019_20_frame_is_the_committed_csv_byte_for_byte(tmp_path):
    mapping, prevalence, _ = official("2019-20")
    out = tmp_path / "frame.csv"
    assert main(["--mapping", str(mapping), "--prevalence", str(prevalence), "--out", str(out)]) == 0
    assert out.read_bytes() == COMMITTED.read_bytes()
    record = out.with_suffix(".meta.yml").read_text(encoding="utf-8")
    # The record names the output and, for `make reference`, the survey folder's raw/nhs-digital/ beside it.
    committed = COMMITTED.with_suffix(".meta.yml").read_text(encoding="utf-8")
    committed = committed.replace("data/pcn-clinical-directors/reference/pcn_frame_2019-20.csv", "OUT")
    assert (
        record.replace(out.as_posix(), "OUT").replace(out.parent.parent.as_posix(), "data/pcn-clinical-directors")
        == committed
    )


@pytest.mark.parametrize("year", list(YEARS))
def test_frame_counts_match_independent_computation(year, build_1920, build_2021):
    build = {"2019-20": build_1920, "2020-21": build_2021}[year]
    expected = independent_counts(year)
    frame = build.frame
    assert len(frame) == frame["pcn_code"].nunique() == expected["pcns"]
    assert build.excluded_not_in_pcn == expected["not_in_pcn"] and build.excluded_no_list_size == 0
    assert frame["n_practices"].sum() == expected["practices"]
    assert frame["registered_patients"].sum() == expected["patients"]
    assert list(frame["pcn_code"]) == sorted(frame["pcn_code"])


def test_2020_21_frame_is_sane_and_differs_from_2019_20(build_1920, build_2021):
    before, after = build_1920.frame, build_2021.frame
    for frame in (before, after):
        patients = frame["registered_patients"]
        assert frame.notna().all().all() and (frame["n_practices"] >= 1).all()
        assert 30_000 < patients.median() < 60_000 and patients.min() > 5_000 and patients.max() < 500_000
        assert frame["region"].nunique() == 7
    assert len(after) != len(before) or set(after["pcn_code"]) != set(before["pcn_code"])
    assert after["registered_patients"].sum() != before["registered_patients"].sum()
    assert after["registered_patients"].median() != before["registered_patients"].median()


def test_pcn_count_agrees_with_the_ods_epcn_file(build_1920):
    epcn_path = NHS_DIGITAL / "ePCN_2019-12.xlsx"
    if not epcn_path.is_file():
        pytest.skip(f"{epcn_path} not found")
    epcn = pd.read_excel(epcn_path, sheet_name="PCN Details", dtype=str)
    codes = set(build_1920.frame["pcn_code"])
    assert len(epcn) == len(codes)
    assert len(codes & set(epcn["PCN Code"])) / len(codes) > 0.99  # a few PCNs were re-coded by March 2020


# --- crafted files: layouts and rules (always run) -----------------------------------------------------------
MAPPING_HEADER = "REGION_NAME,STP_ODS_CODE,STP_NAME,CCG_ODS_CODE,CCG_NAME,PCN_ODS_CODE,PCN_NAME,PRACTICE_CODE"
MAPPING_ROWS = [
    "London,Q1,STP One,C1,CCG One,P1,PCN One,A1",
    "London,Q1,STP One,C1,CCG One,P1,PCN One,A2",
    "London,Q2,STP Two,C2,CCG Two,P1,PCN One,A3",
    "London,Q1,STP One,C1,CCG One,U,Unaligned,A4",
    "Midlands,Q3,STP Three,C3,CCG Three,P2,PCN Two,A5",
]
PREVALENCE_ROWS = [
    "A1,AST,1,TOTAL,1000",
    "A1,AF,2,TOTAL,1000",
    "A2,AST,1,TOTAL,2000",
    "A3,AST,1,TOTAL,2500",
    "A3,DM,1,17OV,2100",
    "A4,AST,1,TOTAL,700",
    "A5,AST,1,TOTAL,4000",
]


def crafted(tmp_path: Path, list_column: str = "PATIENT_LIST_SIZE", rows: list[str] = PREVALENCE_ROWS):
    mapping, prevalence = tmp_path / "mapping.csv", tmp_path / "prevalence.csv"
    mapping.write_text("\n".join([MAPPING_HEADER, *MAPPING_ROWS]) + "\n", encoding="utf-8")
    header = f"PRACTICE_CODE,GROUP_CODE,REGISTER,PATIENT_LIST_TYPE,{list_column}"
    prevalence.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return mapping, prevalence


def test_crafted_frame_sums_practices_and_picks_the_ccg_with_most_patients(tmp_path):
    build = build_frame(*crafted(tmp_path))
    one = build.frame.set_index("pcn_code").loc["P1"]
    assert (one["n_practices"], one["registered_patients"]) == (3, 1000 + 2000 + 2500)
    assert (one["ccg_code"], one["stp_code"]) == ("C1", "Q1")  # C1 holds 3,000 patients, C2 2,500
    assert build.excluded_not_in_pcn == 1 and list(build.frame["pcn_code"]) == ["P1", "P2"]


def test_both_prevalence_layouts_are_recognised(tmp_path):
    for column, layout in (("PATIENT_LIST_SIZE", "2019-20"), ("PRACTICE_LIST_SIZE", "2020-21")):
        build = build_frame(*crafted(tmp_path, column))
        assert layout in build.prevalence_layout


def test_practice_without_a_list_size_is_excluded_and_counted(tmp_path):
    rows = [r for r in PREVALENCE_ROWS if not r.startswith("A5")]
    build = build_frame(*crafted(tmp_path, rows=rows))
    assert build.excluded_no_list_size == 1 and list(build.frame["pcn_code"]) == ["P1"]


def test_unknown_layout_names_the_file_and_the_missing_and_unknown_columns(tmp_path):
    mapping, prevalence = crafted(tmp_path, "LIST_SIZE_TOTAL")
    with pytest.raises(FrameInputError) as caught:
        build_frame(mapping, prevalence)
    message = str(caught.value)
    assert str(prevalence) in message and "unknown column layout" in message
    assert "PATIENT_LIST_SIZE" in message and "LIST_SIZE_TOTAL" in message


def test_renamed_mapping_column_fails_clearly(tmp_path, capsys):
    mapping, prevalence = crafted(tmp_path)
    mapping.write_text(mapping.read_text().replace("PCN_ODS_CODE", "PCN_CODE"), encoding="utf-8")
    assert main(["--mapping", str(mapping), "--prevalence", str(prevalence), "--out", str(tmp_path / "f.csv")]) == 1
    err = capsys.readouterr().err
    assert str(mapping) in err and "PCN_ODS_CODE" in err and "PCN_CODE" in err


def test_disagreeing_total_rows_fail_naming_the_practice(tmp_path):
    rows = [*PREVALENCE_ROWS, "A2,AF,3,TOTAL,2050"]
    with pytest.raises(FrameInputError, match=r"A2: \[2000, 2050\]"):
        build_frame(*crafted(tmp_path, rows=rows))


def test_frame_columns_are_the_documented_ones():
    assert list(pd.read_csv(COMMITTED, nrows=0).columns) == frame_module.FRAME_COLUMNS


def test_rebuilt_2020_21_frame_from_the_folder_is_the_committed_one(tmp_path):
    """`make reference FRAME_YEAR=2020-21`: the year's files found by name, the committed frame and record rebuilt."""
    official("2020-21")  # skips when the official files are absent
    out = tmp_path / "frame.csv"
    assert main(["--year", "2020-21", "--nhs-digital", str(NHS_DIGITAL), "--out", str(out)]) == 0
    committed = ROOT / "data/pcn-clinical-directors/reference/pcn_frame_2020-21.csv"
    assert out.read_bytes() == committed.read_bytes()
    record = yaml.safe_load(out.with_suffix(".meta.yml").read_text(encoding="utf-8"))
    assert record["year"] == "2020-21" and record["rows"] == 1251
    assert record["source_files"] == {
        "mapping": "MAPPING_NHS_GEOGRAPHIES_2021.csv",
        "prevalence": "PREVALENCE_2021_v2.csv",
    }


def test_a_year_with_no_files_says_where_to_get_them(tmp_path, capsys):
    assert main(["--year", "2021-22", "--nhs-digital", str(tmp_path), "--out", str(tmp_path / "f.csv")]) == 1
    err = capsys.readouterr().err
    assert "no MAPPING_NHS_GEOGRAPHIES_2122*.csv for QOF year 2021-22" in err
