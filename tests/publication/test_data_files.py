"""Every chart's and table's data as CSV beside the briefing, with the chart's own suppression, linked from the HTML."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from briefing.publication import data_files

CHART = {
    "kind": "figure",
    "rows": [
        {"label": "All GP partners", "n": 213, "shares": {"Yes": 0.62, "No": 0.35, "Unsure": None}, "withheld": []},
        {
            "label": "Those in small practices",
            "n": 40,
            "shares": {"Yes": 0.6, "No": None, "Unsure": None},
            "withheld": ["No"],
        },
        {"label": "Those in large practices", "n": None, "shares": {}, "withheld": []},
    ],
}
PAGE = """<html><body><div class="table-scroll"><table><caption>Every finding</caption>
<thead><tr><th>Finding</th><th>Share</th></tr></thead>
<tbody><tr><td>Plan to leave</td><td>21%</td></tr><tr><td>Small practices</td><td>fewer than 8</td></tr></tbody>
</table></div></body></html>"""


def read(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture
def written(tmp_path):
    (tmp_path / "briefing.html").write_text(PAGE, encoding="utf-8")
    published = {
        "parameters": {"suppression_threshold": 8},
        "findings": {
            "fig_answers": CHART,
            "fig_overview": {"kind": "figure", "shows": ["leave", "hidden"]},
            "leave": {
                "kind": "proportion",
                "value": 0.2103,
                "ci_low": 0.163,
                "ci_high": 0.267,
                "denominator": 195,
                "description": "plan to leave",
            },
            "hidden": {"kind": "proportion", "value": None, "description": "are in a tiny group"},
        },
    }
    return tmp_path, data_files.write_data_files(tmp_path, published)


def test_a_chart_file_has_what_the_chart_shows_and_no_suppressed_number(written):
    folder, names = written
    assert names == ["fig_answers.csv", "fig_overview.csv", "table-1.csv"]
    rows = read(folder / "fig_answers.csv")
    assert rows[0] == ["Group", "Answered (n)", "Answer", "Percentage", "Note"]
    assert ["All GP partners", "213", "Yes", "62", ""] in rows
    assert ["All GP partners", "213", "Unsure", "", "fewer than 8"] in rows
    assert ["Those in small practices", "40", "No", "", "withheld"] in rows
    assert ["Those in large practices", "", "", "", "too few answers to show"] in rows
    overview = read(folder / "fig_overview.csv")
    assert overview[1] == ["Plan to leave", "195", "21", "16", "27", ""]
    assert overview[2] == ["Are in a tiny group", "", "", "", "", "fewer than 8"]


def test_a_table_file_is_the_table_as_printed(written):
    folder, _ = written
    assert read(folder / "table-1.csv") == [
        ["Finding", "Share"],
        ["Plan to leave", "21%"],
        ["Small practices", "fewer than 8"],
    ]


@pytest.mark.e2e
def test_the_html_links_a_data_file_for_every_chart_and_table(rendered):
    out = rendered / "_output"
    page = (out / "briefing.html").read_text(encoding="utf-8")
    links = re.findall(r'<a href="([^"/]+\.csv)">Data\s+for\s+(?:Figure|Table)\s+\d+\s+\(CSV\)</a>', page)
    assert len(links) == page.count("<figure") + page.count("<table")
    assert all((out / name).is_file() for name in links)
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))["findings"]
    assert {f"{fid}.csv" for fid, r in findings.items() if r["kind"] == "figure"} <= set(links)
