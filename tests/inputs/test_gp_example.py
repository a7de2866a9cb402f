"""The SYNTHETIC example survey of GP partners (data/gp-partners-des/): it regenerates byte for byte, meets the
figures its records say were invented, and holds only what its codebook allows.

The codebook is read here as plain YAML, the waves' platform exports (2020: an Excel workbook, 2021: a
SurveyMonkey-style CSV with two header rows) are read here with pandas, and every share is computed here from the
codebook's definitions, independently of both the generator and the package, so a generator that drifted from its
codebook or its records fails.
"""

from __future__ import annotations

import ast
import importlib.util
import math
import operator
import re
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import ROOT  # noqa: E402

SURVEY = ROOT / "data" / "gp-partners-des"
WAVES = ("2020", "2021")
BANDS = {
    "below": operator.lt,
    "above": operator.gt,
    "at_least": operator.ge,
    "at_most": operator.le,
    "from": operator.ge,
    "to": operator.lt,
}
PREFIX = "SYNTHETIC EXAMPLE - "


def read_yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


EXPORTS = {"2020": ".xlsx", "2021": ".csv"}


def wave_csv(label: str) -> Path:
    return SURVEY / "raw" / f"gp_partners_des_{label}{EXPORTS[label]}"


def sources(codebook: dict) -> dict[str, str]:
    """Export column name -> question id, from each question's `source:` (a name or a list of names)."""
    names = {}
    for question in codebook["questions"]:
        source = question.get("source", question["id"])
        for name in [source] if isinstance(source, str) else source:
            names[name] = question["id"]
    return names


def folded_monkey(path: Path, separator: str) -> pd.DataFrame:
    """SurveyMonkey's two header rows read by hand: row 1 question texts (blank over a multiple-choice question's
    later options), row 2 the options; a ticked option's column holds the option."""
    raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False)
    texts = raw.iloc[0].replace("", pd.NA).ffill()
    body = raw.iloc[2:].reset_index(drop=True)
    columns = {}
    for text in dict.fromkeys(texts):
        positions = [i for i, t in enumerate(texts) if t == text]
        if len(positions) == 1:
            columns[text] = body[positions[0]]
        else:
            ticked = body[positions].apply(lambda row: separator.join(v for v in row if v), axis=1)
            columns[text] = ticked
    return pd.DataFrame(columns)


def read_wave(label: str) -> pd.DataFrame:
    """The wave as question columns of text (blank: ""), its wave from its record, its personal columns dropped."""
    codebook = read_yaml(SURVEY / "codebook.yml")
    record = read_yaml(wave_csv(label).with_suffix(".meta.yml"))
    if EXPORTS[label] == ".xlsx":
        table = pd.read_excel(wave_csv(label), sheet_name=record["sheet"], dtype=str).fillna("")
    else:
        table = folded_monkey(wave_csv(label), codebook["separator"])
    assert set(codebook["personal"]) & set(table.columns)  # the exports carry personal data to be dropped
    table = table.drop(columns=[c for c in table.columns if c in codebook["personal"]]).rename(
        columns=sources(codebook)
    )
    table.insert(1, "wave", record["wave"])
    return table[[q["id"] for q in codebook["questions"]]]


def generator():
    spec = importlib.util.spec_from_file_location("gp_partners_des_generate", SURVEY / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def codebook() -> dict:
    return read_yaml(SURVEY / "codebook.yml")


@pytest.fixture(scope="module", params=WAVES)
def wave(request) -> tuple[str, pd.DataFrame, dict]:
    return request.param, read_wave(request.param), read_yaml(wave_csv(request.param).with_suffix(".meta.yml"))


def questions(codebook: dict) -> dict[str, dict]:
    return {q["id"]: q for q in codebook["questions"]}


def every_finding(codebook: dict) -> dict[str, dict]:
    """The registered findings and the subgroup findings each comparison adds (<finding>_<subgroup>)."""
    findings = dict(codebook["findings"])
    for comparison in codebook["comparisons"]:
        for subgroup in comparison["between"]:
            findings[f"{comparison['finding']}_{subgroup}"] = {**findings[comparison["finding"]], "subgroup": subgroup}
    return findings


def in_band(column: pd.Series, spec: dict) -> pd.Series:
    number = pd.to_numeric(column, errors="coerce")
    inside = number.notna()
    for key, compare in BANDS.items():
        if key in spec:
            inside &= compare(number, spec[key])
    return inside


def in_subgroup(rows: pd.DataFrame, spec: dict) -> pd.Series:
    column = rows[spec["question"]]
    if "values" in spec or "value" in spec:
        return column.isin(spec.get("values", [spec.get("value")]))
    return in_band(column, spec)


def counted(rows: pd.DataFrame, finding: dict, codebook: dict) -> pd.Series:
    column = rows[finding["question"]]
    if "counts" not in finding:
        return in_band(column, finding)
    if questions(codebook)[finding["question"]]["type"] == "multiple_choice":
        return column.str.split(codebook["separator"]).map(lambda chosen: bool(set(chosen) & set(finding["counts"])))
    return column.isin(finding["counts"])


def share(rows: pd.DataFrame, finding: dict, codebook: dict) -> tuple[float, int]:
    """The finding's share of those (in its subgroup) who answered its question, and that base."""
    if finding.get("subgroup"):
        rows = rows[in_subgroup(rows, codebook["subgroups"][finding["subgroup"]])]
    answered = rows[finding["question"]].str.strip() != ""
    return float((counted(rows, finding, codebook) & answered).sum() / answered.sum()), int(answered.sum())


def percent(value: float) -> int:
    return int(Decimal(str(value * 100)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_regenerating_gives_the_committed_bytes(tmp_path):
    generator().main(["--out-dir", str(tmp_path)])
    for wave in WAVES:
        for name in (f"gp_partners_des_{wave}{EXPORTS[wave]}", f"gp_partners_des_{wave}.meta.yml"):
            assert (tmp_path / name).read_bytes() == (SURVEY / "raw" / name).read_bytes(), name


def test_the_generator_uses_no_code_of_the_package():
    tree = ast.parse((SURVEY / "generate.py").read_text(encoding="utf-8"))
    nodes = list(ast.walk(tree))
    imported = {alias.name.split(".")[0] for node in nodes if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in nodes if isinstance(node, ast.ImportFrom)}
    allowed = {"__future__", "argparse", "csv", "dataclasses", "io", "math", "pathlib", "re", "typing", "zipfile"}
    assert imported <= allowed | {"numpy", "openpyxl", "pandas", "yaml"}


def test_the_shares_are_the_invented_figures(wave, codebook):
    _, rows, record = wave
    figures = record["invented_figures_percent"]
    findings = every_finding(codebook)
    assert set(figures) == set(findings)
    for fid, finding in findings.items():
        value, _ = share(rows, finding, codebook)
        assert percent(value) == figures[fid], fid
        assert abs(100 * value - figures[fid]) < 0.45, fid  # so any rounding rule gives the figure


def test_every_value_is_one_the_codebook_allows(wave, codebook):
    label, rows, _ = wave
    assert list(rows.columns) == list(questions(codebook))
    for qid, question in questions(codebook).items():
        column = rows[qid]
        given = column[column.str.strip() != ""]
        if question.get("required"):
            assert len(given) == len(rows), f"{qid}: a required answer is blank"
        allowed = {r["value"] for r in question.get("responses", [])}
        if question["type"] == "id":
            assert given.is_unique
        elif question["type"] == "wave":
            assert set(given) == {label}
        elif question["type"] == "multiple_choice":
            chosen = given.str.split(codebook["separator"])
            assert set(chosen.explode()) <= allowed, qid
            assert chosen.map(lambda values: len(values) == len(set(values))).all(), f"{qid}: an option chosen twice"
        elif question["type"] in ("single_choice", "likert"):
            assert set(given) <= allowed, qid
        elif question["type"] == "numeric":
            number = pd.to_numeric(given, errors="raise")
            assert number.between(question["min"], question["max"]).all(), qid
            assert not question.get("integer") or (number == number.round()).all(), qid


def test_the_record_says_synthetic_and_matches_its_wave(wave):
    label, rows, record = wave
    assert record["rows"] == len(rows) and 550 <= len(rows) <= 650
    assert record["wave"] == record["year"] == label
    assert record["synthetic"] is True and "SYNTHETIC example data" in record["title"]
    assert "synthetic" in record["notice"] and "GP partners" in record["notice"]
    assert record["fieldwork"]["start"] < record["fieldwork"]["end"] <= record["released"]
    assert record["fieldwork"]["start"].startswith(label)
    assert f"--wave {label}" in record["command"] and "generate.py" in record["command"]


def test_comments_are_marked_synthetic_and_some_plant_personal_data(wave):
    _, rows, _ = wave
    comments = rows["comments"][rows["comments"] != ""]
    assert len(comments) > 100 and comments.str.startswith(PREFIX).all()
    planted = {  # the kinds of personal data the quotes must redact
        "phone": r"\b0\d{2,4} ?\d{3,4} ?\d{3,4}\b",
        "e-mail": r"[\w.]+@[\w.]+\.\w+",
        "title and surname": r"\bDr [A-Z]\w+",
    }
    for kind, pattern in planted.items():
        assert comments.str.contains(pattern, regex=True).any(), kind


def test_changes_and_differences_some_worth_reporting_some_not(codebook):
    """Between waves and between subgroups: some gaps beyond two standard errors, some well within them."""
    rows = {label: read_wave(label) for label in WAVES}

    def z(a: tuple[float, int], b: tuple[float, int]) -> float:
        return abs(a[0] - b[0]) / math.sqrt(a[0] * (1 - a[0]) / a[1] + b[0] * (1 - b[0]) / b[1])

    findings = every_finding(codebook)
    changes = [z(*(share(rows[w], findings[fid], codebook) for w in WAVES)) for fid in codebook["findings"]]
    assert max(changes) > 3 and min(changes) < 1.5 and sum(c > 2 for c in changes) >= 2
    gaps = [
        z(*(share(rows["2020"], findings[f"{c['finding']}_{g}"], codebook) for g in c["between"]))
        for c in codebook["comparisons"]
    ]
    assert max(gaps) > 3 and min(gaps) < 1.5
    assert share(rows["2020"], findings["des_not_sign"], codebook)[0] > 0.7  # a large majority would not sign


def test_quote_picks_are_quotable_comments_of_their_wave(codebook):
    picks = read_yaml(SURVEY / "quotes.yml")
    themes = {t["id"] for t in codebook["themes"]}
    threshold = read_yaml(SURVEY / "params.yml")["suppression_threshold"]
    assert set(picks) == set(WAVES)
    for label, entries in picks.items():
        rows = read_wave(label)
        cells = rows[codebook["quotes"]["attribution"]].agg("|".join, axis=1)
        by_id = rows.assign(cell=cells.map(cells.value_counts())).set_index("respondent_id")
        assert {e["theme"] for e in entries} == themes, label
        for entry in entries:
            respondent = by_id.loc[entry["respondent"]]
            comment = respondent[codebook["quotes"]["text"]]
            assert comment.startswith(PREFIX) and respondent["cell"] >= threshold, entry
            position = 0
            for part in filter(None, (p.strip() for p in re.split(r"\u2026|\.\.\.", entry.get("cut", "")))):
                position = comment.index(part, position) + len(part)  # ValueError: the cut is not in the comment


def test_the_package_reads_the_exports_as_they_are_read_here():
    from briefing.inputs.codebook import load_codebook
    from briefing.inputs.validate import read_survey

    codebook = load_codebook(SURVEY / "codebook.yml")
    for label in WAVES:
        survey = read_survey(wave_csv(label), codebook, label)
        as_text = survey.astype("object").where(survey.notna(), "").astype(str)
        pd.testing.assert_frame_equal(as_text, read_wave(label).astype(str), check_dtype=False)
