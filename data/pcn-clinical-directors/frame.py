"""The reference frame: every primary care network (PCN) in England with its region and registered patients.

Built from NHS Digital's Quality and Outcomes Framework (QOF) files, because the survey's own list sizes are
self-reported and the briefing needs the true number and size of PCNs (response rate, size bands, weighting):

* the geography mapping (one row per practice: practice -> PCN -> CCG -> STP -> region; PCN code `U` = not in a PCN);
* the prevalence file (one row per practice per disease register; the `TOTAL` rows carry the practice's list size).

Publications rename columns between years, so each file is read through an explicitly named *layout*; a file
matching no known layout fails with a message naming the file and the missing and unknown columns.

Decisions (also written to the frame's sidecar):
* list size: one per practice, from the `TOTAL` rows; if a practice's `TOTAL` rows disagree the build fails
  (naming the practices), because silently picking one would hide a broken file;
* excluded: practices not in a PCN (`U`), and practices with no `TOTAL` list size; both are counted and reported;
* a PCN whose practices sit in several CCGs is given the CCG holding most of its patients (ties: lowest CCG
  code), and that CCG's STP, so ccg and stp always agree.

Usage: python data/pcn-clinical-directors/frame.py --year 2020-21 --nhs-digital DIR --out OUT
   or: python data/pcn-clinical-directors/frame.py --mapping M --prevalence P --out OUT --year 2019-20
(also writes OUT's provenance record, OUT with suffix .meta.yml). With --nhs-digital the year's files are found
by NHS Digital's names: MAPPING_NHS_GEOGRAPHIES_<yyyy>*.csv and PREVALENCE_<yyyy>*.csv, where 2020-21 is 2021.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

NOT_IN_PCN = "U"
TOTAL_LIST = "TOTAL"
FRAME_COLUMNS = [
    "pcn_code",
    "pcn_name",
    "region",
    "stp_code",
    "stp_name",
    "ccg_code",
    "ccg_name",
    "n_practices",
    "registered_patients",
]


class FrameInputError(ValueError):
    """An NHS Digital input file is not in a known layout or holds data the frame cannot be built from."""


@dataclass(frozen=True)
class Layout:
    """A named column layout of one kind of NHS Digital file: our column name -> the file's column name."""

    name: str
    columns: dict[str, str]


MAPPING_LAYOUTS = [
    Layout(
        "QOF geography mapping (2019-20, 2020-21)",
        {
            "practice_code": "PRACTICE_CODE",
            "pcn_code": "PCN_ODS_CODE",
            "pcn_name": "PCN_NAME",
            "ccg_code": "CCG_ODS_CODE",
            "ccg_name": "CCG_NAME",
            "stp_code": "STP_ODS_CODE",
            "stp_name": "STP_NAME",
            "region": "REGION_NAME",
        },
    ),
]

PREVALENCE_LAYOUTS = [
    Layout(
        "QOF prevalence 2019-20 (PATIENT_LIST_SIZE)",
        {"practice_code": "PRACTICE_CODE", "list_type": "PATIENT_LIST_TYPE", "list_size": "PATIENT_LIST_SIZE"},
    ),
    Layout(
        "QOF prevalence 2020-21 (PRACTICE_LIST_SIZE)",
        {"practice_code": "PRACTICE_CODE", "list_type": "PATIENT_LIST_TYPE", "list_size": "PRACTICE_LIST_SIZE"},
    ),
]

# What the sidecar says about each QOF year's publication.
PUBLICATIONS = {
    "2019-20": {
        "title": "Quality and Outcomes Framework, 2019-20",
        "published": "2020-08-20",
        "url": "https://digital.nhs.uk/data-and-information/publications/statistical/"
        "quality-and-outcomes-framework-achievement-prevalence-and-exceptions-data/2019-20",
    },
    "2020-21": {
        "title": "Quality and Outcomes Framework, 2020-21",
        "url": "https://digital.nhs.uk/data-and-information/publications/statistical/"
        "quality-and-outcomes-framework-achievement-prevalence-and-exceptions-data/2020-21",
    },
}
LICENCE = "Open Government Licence v3.0"
ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0"


@dataclass
class FrameBuild:
    """The frame and what was left out of it."""

    frame: pd.DataFrame
    mapping_layout: str
    prevalence_layout: str
    practices_in_mapping: int
    excluded_not_in_pcn: int
    excluded_no_list_size: int

    def summary(self) -> str:
        return (
            f"{len(self.frame)} PCNs from {self.practices_in_mapping} practices; excluded "
            f"{self.excluded_not_in_pcn} practices not in a PCN and {self.excluded_no_list_size} with no list size"
        )


def detect_layout(path: Path, header: list[str], layouts: list[Layout]) -> Layout:
    """The first layout whose columns the file has; otherwise an error naming missing and unknown columns."""
    for layout in layouts:
        if set(layout.columns.values()) <= set(header):
            return layout
    known = {column for layout in layouts for column in layout.columns.values()}
    closest = min(layouts, key=lambda layout: len(set(layout.columns.values()) - set(header)))
    missing = sorted(set(closest.columns.values()) - set(header))
    unknown = sorted(set(header) - known)
    names = "; ".join(layout.name for layout in layouts)
    raise FrameInputError(
        f"{path}: unknown column layout (known layouts: {names}). Closest is {closest.name!r}, "
        f"which needs missing column(s) {', '.join(missing)}; the file's columns no layout knows: "
        f"{', '.join(unknown) or 'none'}"
    )


def read_layout(path: str | Path, layouts: list[Layout]) -> tuple[pd.DataFrame, Layout]:
    """Read a file as text, detect its layout and rename its columns to ours."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns.str.strip().tolist()
    layout = detect_layout(path, header, layouts)
    table = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    table.columns = table.columns.str.strip()
    renamed = table[list(layout.columns.values())].rename(columns={v: k for k, v in layout.columns.items()})
    return renamed.apply(lambda column: column.str.strip()), layout


def practice_list_sizes(prevalence: pd.DataFrame, path: Path) -> pd.Series:
    """One registered list size per practice, from its TOTAL rows (which must agree)."""
    total = prevalence[prevalence["list_type"] == TOTAL_LIST]
    sizes = pd.to_numeric(total["list_size"], errors="coerce")
    bad = total.loc[sizes.isna() & (total["list_size"] != ""), "list_size"]
    if not bad.empty:
        raise FrameInputError(f"{path}: non-numeric list size(s) {sorted(set(bad))[:10]} in TOTAL rows")
    sizes = sizes.dropna().astype("int64").groupby(total["practice_code"]).unique()
    conflicting = sizes[sizes.map(len) > 1]
    if not conflicting.empty:
        shown = "; ".join(f"{code}: {sorted(values.tolist())}" for code, values in conflicting.head(10).items())
        raise FrameInputError(
            f"{path}: {len(conflicting)} practice(s) have TOTAL rows that disagree on the list size ({shown})"
        )
    return sizes.map(lambda values: values[0]).rename("list_size")


def main_ccg(practices: pd.DataFrame) -> pd.DataFrame:
    """Per PCN, the CCG (and its STP) holding most of the PCN's patients; ties go to the lowest CCG code."""
    by_ccg = practices.groupby(["pcn_code", "ccg_code", "ccg_name", "stp_code", "stp_name"], as_index=False)[
        "list_size"
    ].sum()
    by_ccg = by_ccg.sort_values(["pcn_code", "list_size", "ccg_code"], ascending=[True, False, True])
    return by_ccg.drop_duplicates("pcn_code").drop(columns="list_size")


def pcn_frame(practices: pd.DataFrame) -> pd.DataFrame:
    """One row per PCN from practices that are in a PCN and have a list size."""
    totals = practices.groupby("pcn_code").agg(
        pcn_name=("pcn_name", "first"),
        region=("region", "first"),
        n_practices=("practice_code", "nunique"),
        registered_patients=("list_size", "sum"),
    )
    frame = totals.reset_index().merge(main_ccg(practices), on="pcn_code", how="left", validate="one_to_one")
    return frame[FRAME_COLUMNS].sort_values("pcn_code", kind="stable").reset_index(drop=True)


def build_frame(mapping_path: str | Path, prevalence_path: str | Path) -> FrameBuild:
    """The PCN frame from a QOF geography mapping file and a QOF prevalence file."""
    mapping, mapping_layout = read_layout(mapping_path, MAPPING_LAYOUTS)
    prevalence, prevalence_layout = read_layout(prevalence_path, PREVALENCE_LAYOUTS)
    duplicated = mapping.loc[mapping["practice_code"].duplicated(), "practice_code"]
    if not duplicated.empty:
        raise FrameInputError(f"{mapping_path}: practice(s) listed more than once: {sorted(set(duplicated))[:10]}")
    sizes = practice_list_sizes(prevalence, Path(prevalence_path))
    in_pcn = mapping[mapping["pcn_code"] != NOT_IN_PCN]
    practices = in_pcn.join(sizes, on="practice_code", how="left")
    no_size = practices["list_size"].isna()
    return FrameBuild(
        frame=pcn_frame(practices[~no_size].astype({"list_size": "int64"})),
        mapping_layout=mapping_layout.name,
        prevalence_layout=prevalence_layout.name,
        practices_in_mapping=len(mapping),
        excluded_not_in_pcn=len(mapping) - len(in_pcn),
        excluded_no_list_size=int(no_size.sum()),
    )


def write_frame(frame: pd.DataFrame, out: str | Path) -> Path:
    """Write the frame as UTF-8 CSV with Unix line endings (byte-identical on rebuild)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False, lineterminator="\n", encoding="utf-8")
    return out


def sidecar_record(build: FrameBuild, mapping: Path, prevalence: Path, out: Path, year: str) -> dict:
    """The frame's provenance record: sources, publication, licence, exclusions and the command that built it."""
    publication = PUBLICATIONS.get(year, {"title": f"Quality and Outcomes Framework, {year}"})
    return {
        "title": f"Reference frame of primary care networks in England, {year}",
        "year": year,  # its QOF year: waves set against it name the same (inputs/survey.py, inputs/crosscheck.py)
        "description": (
            f"every PCN in England in {year} ({len(build.frame):,} PCNs), with its region and registered patients "
            f"summed over its member practices, from NHS Digital's {publication['title']}."
        ),
        "synthetic": False,
        "source": "NHS Digital",
        "publication": publication,
        "source_files": {"mapping": mapping.name, "prevalence": prevalence.name},
        "layouts": {"mapping": build.mapping_layout, "prevalence": build.prevalence_layout},
        "licence": LICENCE,
        "attribution": f"{ATTRIBUTION}; source: NHS Digital.",
        "rows": len(build.frame),
        "practices_in_mapping": build.practices_in_mapping,
        "excluded": {
            "practices_not_in_a_pcn": build.excluded_not_in_pcn,
            "practices_without_list_size": build.excluded_no_list_size,
        },
        "decisions": [
            "registered_patients: sum of member practices' list sizes from the prevalence file's TOTAL rows",
            "a PCN spanning several CCGs gets the CCG with most of its patients (ties: lowest code) and its STP",
        ],
        # File names only, so the record does not depend on where the official files were kept.
        "command": (
            f"python data/pcn-clinical-directors/frame.py --year {year} --nhs-digital $NHS_DIGITAL --out {out.as_posix()} "
            f"(reads $NHS_DIGITAL/{mapping.name} and $NHS_DIGITAL/{prevalence.name})"
        ),
        "nhs_digital_folder": "$NHS_DIGITAL: where the official files were placed (make reference: "
        f"{out.parent.parent.as_posix()}/raw/nhs-digital)",
    }


def write_sidecar(record: dict, out: Path) -> Path:
    path = out.with_suffix(".meta.yml")
    path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
    return path


def year_code(year: str) -> str:
    """NHS Digital's file-name code for a QOF year: 2019-20 -> 1920, 2020-21 -> 2021."""
    start, _, end = year.partition("-")
    if not (len(start) == 4 and start.isdigit() and len(end) == 2 and end.isdigit()):
        raise FrameInputError(f"QOF year {year!r} is not of the form 2020-21")
    return start[2:] + end


def source_files(folder: Path, year: str) -> tuple[Path, Path]:
    """The year's geography mapping and prevalence files in `folder` (the last version when several exist)."""
    code = year_code(year)
    found = []
    for stem in ("MAPPING_NHS_GEOGRAPHIES", "PREVALENCE"):
        matches = sorted(folder.glob(f"{stem}_{code}*.csv"))
        if not matches:
            raise FileNotFoundError(
                f"{folder}: no {stem}_{code}*.csv for QOF year {year}. Download the year's QOF files from NHS Digital "
                f"({PUBLICATIONS.get(year, {}).get('url', 'the QOF publication page')}) and put them there."
            )
        found.append(matches[-1])
    return found[0], found[1]


def frame_for_params(
    params_path: str | None, wave: str | None, year: str | None, out: Path | None, survey_name: str | None = None
) -> tuple[str, Path]:
    """The QOF year (default: the wave's, from its .meta.yml or params.yml) and the frame file it goes to."""
    from briefing import config
    from briefing.inputs import survey

    params = config.load(params_path, wave=wave, survey=survey_name)
    root = config.find_root(Path(params_path).resolve().parent if params_path else None)
    year = year or survey.wave_inputs(root, params, params.wave).frame_year
    return year, out or Path(survey.frame_file(root, params.survey, year))  # relative: the sidecar records it


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the PCN reference frame from NHS Digital QOF files.")
    parser.add_argument("--nhs-digital", type=Path, help="folder holding the year's official QOF files")
    parser.add_argument("--mapping", type=Path, help="MAPPING_NHS_GEOGRAPHIES_*.csv (instead of --nhs-digital)")
    parser.add_argument("--prevalence", type=Path, help="PREVALENCE_*.csv (instead of --nhs-digital)")
    parser.add_argument("--out", type=Path, help="the frame CSV to write (default: params.yml's frame_file)")
    parser.add_argument("--year", default=None, help="QOF year the files belong to, e.g. 2020-21 (default: the wave's)")
    parser.add_argument("--params", default=None, help="with no --year/--out: the year and file from params.yml")
    parser.add_argument("--wave", default=None, help="with --params: the wave whose frame year to build")
    parser.add_argument("--survey", default=None, help="with --params: the survey (default: the one it names)")
    args = parser.parse_args(argv)
    try:
        if args.params or args.out is None:
            args.year, args.out = frame_for_params(args.params, args.wave, args.year, args.out, args.survey)
        args.year = args.year or "2019-20"
        if args.params and not (args.nhs_digital or args.mapping):  # the survey's own folder of official files
            args.nhs_digital = args.out.parent.parent / "raw" / "nhs-digital"
        if args.nhs_digital:
            args.mapping, args.prevalence = source_files(args.nhs_digital, args.year)
        elif not (args.mapping and args.prevalence):
            parser.error("give --nhs-digital DIR, or both --mapping and --prevalence")
        build = build_frame(args.mapping, args.prevalence)
    except (FrameInputError, FileNotFoundError, ValueError) as error:
        print(f"frame: {error}", file=sys.stderr)
        return 1
    out = write_frame(build.frame, args.out)
    meta = write_sidecar(sidecar_record(build, args.mapping, args.prevalence, out, args.year), out)
    print(f"frame: wrote {out} and {meta}: {build.summary()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
