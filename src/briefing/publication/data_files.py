"""Every chart's and table's data as a CSV file beside the briefing, with the same suppression as the page.

A chart's file (fig_<id>.csv) is written from its figure record in findings.json, the numbers it plots: a share
the chart does not show (a small count, or one withheld so that none can be worked out) is not in the file
either, only the note the chart shows instead. A table's file (table-<n>.csv, the page's n-th table) is the
table's cells as the HTML prints them. The HTML links each one under its chart or table (pandoc-compat.lua).
"""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from briefing.narrative.prose import SUPPRESSED, capfirst, percent
from briefing.publication.inline_charts import charts_removed


def number(share: float | None) -> str:
    """A share as the chart labels it, without its "%" (a whole percentage)."""
    return "" if share is None else percent(share).rstrip("%")


def distribution_rows(record: dict[str, Any], marker: str) -> list[list[str]]:
    rows = [["Group", "Answered (n)", "Answer", "Percentage", "Note"]]
    for row in record["rows"]:
        if row.get("n") is None:
            rows.append([row["label"], "", "", "", "withheld" if row.get("withheld") else "too few answers to show"])
            continue
        for answer, share in row["shares"].items():
            note = "" if share is not None else ("withheld" if answer in row.get("withheld", []) else marker)
            rows.append([row["label"], str(row["n"]), answer, number(share), note])
    return rows


def finding_rows(record: dict[str, Any], findings: dict[str, Any], marker: str) -> list[list[str]]:
    shown = [findings[fid] for fid in record.get("bars") or record.get("shows") or [] if fid in findings]
    if shown and all(f.get("kind") == "change" for f in shown):
        rows = [
            [
                "Finding",
                "Earlier wave",
                "Percentage then",
                "Reported wave",
                "Percentage now",
                "Change (percentage points)",
                "Interval low",
                "Interval high",
                "Larger than chance alone would explain",
            ]
        ]
        for f in shown:
            points = [str(round(f[k] * 100)) for k in ("value", "ci_low", "ci_high")]
            rows.append(
                [
                    capfirst(f["description"]),
                    f["compare_wave"],
                    number(f["previous"]["value"]),
                    f["wave"],
                    number(f["current"]["value"]),
                    *points,
                    "yes" if f["significant"] else "no",
                ]
            )
        return rows
    rows = [["Finding", "Answered (n)", "Percentage", "Interval low", "Interval high", "Note"]]
    for f in shown:
        if f.get("value") is None:
            rows.append([capfirst(f["description"]), "", "", "", "", marker])
        else:
            rows.append(
                [
                    capfirst(f["description"]),
                    str(f.get("denominator") or ""),
                    number(f["value"]),
                    number(f.get("ci_low")),
                    number(f.get("ci_high")),
                    "",
                ]
            )
    return rows


class _Tables(HTMLParser):
    """Each <table>'s rows of cell texts, the caption first."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None
        self.depth = 0

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th", "caption") and self.tables:
            self.cell = []

    def handle_endtag(self, tag) -> None:
        if tag in ("td", "th") and self.cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "caption" and self.cell is not None:
            self.cell = None  # the caption names the file's table on the page; the file holds its cells

    def handle_data(self, data) -> None:
        if self.cell is not None:
            self.cell.append(data)


def page_tables(page: str) -> list[list[list[str]]]:
    parser = _Tables()
    parser.feed(charts_removed(page))
    return [[row for row in table if row] for table in parser.tables]


def as_csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write_data_files(staging: Path, published: dict[str, Any]) -> list[str]:
    """Write every chart's and table's CSV into the staging folder; returns their names (to publish with it)."""
    findings = published["findings"]
    marker = SUPPRESSED.format(threshold=published.get("parameters", {}).get("suppression_threshold", ""))
    files: dict[str, list[list[str]]] = {}
    for fid, record in findings.items():
        if record.get("kind") == "figure":
            rows = distribution_rows(record, marker) if "rows" in record else finding_rows(record, findings, marker)
            files[f"{fid}.csv"] = rows
    page = (staging / "briefing.html").read_text(encoding="utf-8")
    for n, table in enumerate(page_tables(page), start=1):
        files[f"table-{n}.csv"] = table
    for name, rows in files.items():
        (staging / name).write_text(as_csv(rows), encoding="utf-8")
    return sorted(files)
