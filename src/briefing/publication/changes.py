"""The editor's review page: what a new build changes against the briefing published before it.

Written into the staging folder beside the briefing and published with it (render.py's `publish`), so the page
always describes the briefing it sits beside. It lists, finding by finding, the old and new figure with its
interval; every sentence whose wording changed, old and new side by side; sentences and findings that appeared
or disappeared. The same data again gives "No changes". Everything shown is escaped: a finding's description or a
sentence is data, never markup. One file with its style inline: it works offline.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from itertools import zip_longest
from pathlib import Path
from typing import Any

from briefing.narrative import escape
from briefing.narrative.change_prose import signed_change
from briefing.narrative.prose import capfirst, count, percent
from briefing.publication.inline_charts import charts_removed

REVIEW = "changes.html"
BLOCKS = {"p", "li", "figcaption", "h1", "h2", "h3", "caption", "dd", "dt"}
SKIPPED = {"header", "nav", "script", "style", "svg", "table"}  # masthead (build date), contents, code, tables
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\u2212\d\"'(])")


class _Sentences(HTMLParser):
    """The text of the page's blocks (paragraphs, list items, captions), outside the masthead, contents and tables."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skipping = 0
        self.buffer: list[str] = []
        self.blocks: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in BLOCKS:
            self.flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCKS:
            self.flush()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.buffer.append(data)

    def flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.buffer)).strip()
        if text:
            self.blocks.append(text)
        self.buffer = []


def sentences(page: str) -> list[str]:
    parser = _Sentences()
    parser.feed(charts_removed(page))
    parser.close()
    parser.flush()
    return [s for block in parser.blocks for s in SENTENCE_END.split(block) if s.strip()]


# --- findings -------------------------------------------------------------------------------------------------


def figure_text(record: dict[str, Any]) -> str:
    """A finding's figure and interval as the page shows it: "21% (16% to 27%)", "+10 points (+4 to +17)"."""
    kind, value = record.get("kind"), record.get("value")
    if record.get("suppressed"):
        return "suppressed"
    if value is None:
        return record.get("status") or record.get("title") or "no figure"
    if kind in ("change", "comparison"):
        shown = f"{signed_change(value)} percentage points"
        return shown + (
            f" ({signed_change(record['ci_low'])} to {signed_change(record['ci_high'])})"
            if record.get("ci_low") is not None
            else ""
        )
    if kind == "proportion":
        shown = percent(value, 1)
        return shown + (
            f" ({percent(record['ci_low'], 1)} to {percent(record['ci_high'], 1)})"
            if record.get("ci_low") is not None
            else ""
        )
    return count(value) if isinstance(value, (int, float)) else str(value)


@dataclass(frozen=True)
class Build:
    """Which briefing a findings.json is: its survey, wave, date (the build's clock) and render engine."""

    survey: str
    wave: str
    date: str
    engine: str
    compare_wave: str | None = None

    @staticmethod
    def of(published: dict[str, Any]) -> Build:
        parameters, provenance = published.get("parameters") or {}, published.get("provenance") or {}
        epoch = provenance.get("source_date_epoch")
        day = datetime.fromtimestamp(epoch, tz=UTC) if isinstance(epoch, (int, float)) else None
        renderer = (provenance.get("versions") or {}).get("renderer") or {}
        return Build(
            survey=str(parameters.get("survey") or parameters.get("title") or "the survey"),
            wave=str(parameters.get("wave") or "unknown"),
            date=f"{day.day} {day:%B %Y}" if day else "an unrecorded date",
            engine=ENGINE_NAMES.get(renderer.get("engine"), renderer.get("engine") or "an unrecorded engine"),
            compare_wave=parameters.get("compare_wave"),
        )

    def words(self) -> str:
        """'wave 2020, dated 29 January 2021, built with Quarto' (the briefing's date, from its wave's record)."""
        return f"wave {self.wave}, dated {self.date}, built with {self.engine}"


ENGINE_NAMES = {"quarto": "Quarto", "pandoc": "pandoc and Typst"}


@dataclass
class Review:
    changed: list[tuple[str, dict, dict]] = field(default_factory=list)
    appeared: list[tuple[str, dict]] = field(default_factory=list)
    disappeared: list[tuple[str, dict]] = field(default_factory=list)
    reworded: list[tuple[str | None, str | None]] = field(default_factory=list)
    previous: bool = True
    before: Build | None = None  # the published build compared with
    now: Build | None = None

    @property
    def another_wave(self) -> bool:
        """The published briefing is of another wave or survey: a new briefing, not a revision of it."""
        return bool(
            self.before and self.now and (self.before.wave, self.before.survey) != (self.now.wave, self.now.survey)
        )

    @property
    def nothing(self) -> bool:
        return self.previous and not (self.changed or self.appeared or self.disappeared or self.reworded)


def compare_findings(old: dict[str, Any], new: dict[str, Any], review: Review) -> None:
    """A row for each finding whose figure, as the page shows it, changed. A chart's words are its caption, which
    the sentences compare (so a changed chart title is listed once, not again here); a change only in a detail the
    page does not show (an input's path, a p-value's last digit) is no change to the reader."""
    old, new = without_figures(old), without_figures(new)
    for fid in sorted(set(old) | set(new), key=lambda f: (plain_name(f, new.get(f) or old[f]), f)):
        if fid not in old:
            review.appeared.append((fid, new[fid]))
        elif fid not in new:
            review.disappeared.append((fid, old[fid]))
        elif figure_text(old[fid]) != figure_text(new[fid]):
            review.changed.append((fid, old[fid], new[fid]))


def without_figures(findings: dict[str, Any]) -> dict[str, Any]:
    return {fid: record for fid, record in findings.items() if record.get("kind") != "figure"}


def plain_name(fid: str, record: dict[str, Any]) -> str:
    """What a reader calls a finding: its description ("Say staffing on their ward is unsafe"), never its
    id; a finding without one is named by its id's words."""
    return capfirst(record.get("description") or fid.replace("_", " "))


def compare_sentences(old: list[str], new: list[str], review: Review) -> None:
    """Sentences whose wording changed, paired in order; added and removed ones stand alone."""
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            review.reworded.extend(zip_longest(old[i1:i2], new[j1:j2]))


def review_of(previous_dir: Path, staging: Path) -> Review:
    new = json.loads((staging / "findings.json").read_text(encoding="utf-8"))
    new_page = (staging / "briefing.html").read_text(encoding="utf-8")
    old_json, old_html = previous_dir / "findings.json", previous_dir / "briefing.html"
    if not (old_json.is_file() and old_html.is_file()):
        return Review(appeared=sorted(without_figures(new["findings"]).items()), previous=False, now=Build.of(new))
    old = json.loads(old_json.read_text(encoding="utf-8"))
    review = Review(before=Build.of(old), now=Build.of(new))
    if review.another_wave:
        return review  # not a revision: nothing is listed as "changed"
    compare_findings(old["findings"], new["findings"], review)
    compare_sentences(sentences(old_html.read_text(encoding="utf-8")), sentences(new_page), review)
    return review


# --- the page -------------------------------------------------------------------------------------------------

STYLE = """
body{font-family:Inter,"Helvetica Neue",Arial,sans-serif;color:#0b0c0c;max-width:60rem;margin:0 auto;padding:1.5rem;line-height:1.5}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border-bottom:1px solid #b1b4b6;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f3f2f1}
.old{background:#fbe9e7}.new{background:#e8f5e9}.none,.summary{font-size:1.15rem;max-width:42rem}a{color:#1d4f91}
:focus{outline:3px solid #fd0}
"""


esc = escape.html  # a finding's description and a sentence are data: escaped, controls removed


def label(fid: str, record: dict[str, Any]) -> str:
    return esc(plain_name(fid, record))


def table(caption: str, headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td{cls}>{cell}</td>" for cls, cell in row) + "</tr>" for row in rows)  # type: ignore[misc]
    return f"<table><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def sections(review: Review) -> list[str]:
    parts = []
    if review.changed:
        rows = [
            [("", label(fid, new)), (' class="old"', esc(figure_text(old))), (' class="new"', esc(figure_text(new)))]
            for fid, old, new in review.changed
        ]
        parts.append(
            "<h2>Findings that changed</h2>"
            + table(
                f"{counted(review.changed, 'finding')} with a different figure, interval or detail",
                ["Finding", "Before", "Now"],
                rows,
            )
        )
    if review.reworded:
        rows = [
            [
                (' class="old"', esc(old) if old else "<em>(no sentence)</em>"),
                (' class="new"', esc(new) if new else "<em>(removed)</em>"),
            ]
            for old, new in review.reworded
        ]
        parts.append(
            "<h2>Sentences whose wording changed</h2>"
            + table(f"{counted(review.reworded, 'sentence')} reworded, added or removed", ["Before", "Now"], rows)
        )
    for title, items in (
        ("Findings that appeared", review.appeared),
        ("Findings that disappeared", review.disappeared),
    ):
        if items:
            rows = [[("", label(fid, record)), ("", esc(figure_text(record)))] for fid, record in items]
            parts.append(f"<h2>{esc(title)}</h2>" + table(counted(items, "finding"), ["Finding", "Figure"], rows))
    return parts


def counted(items, noun: str) -> str:
    """ "no finding", "1 finding", "3 findings": a count an editor reads without "(s)"."""
    n = len(items)
    return f"no {noun}" if n == 0 else f"{count(n)} {noun}{'' if n == 1 else 's'}"


def compared_with(review: Review) -> str:
    """The sentence naming the two builds, or why they are not compared."""
    before, now = review.before, review.now
    if not (before and now):
        return ""
    if review.another_wave:
        what = "wave" if before.survey == now.survey else "survey"
        change = "each wave's briefing tests each finding's change since the wave before it, in its section \u201cChange since\u201d"
        if now.compare_wave:  # this build is the later one: its own section
            change = f"this briefing's section \u201cChange since {now.compare_wave}\u201d tests each finding's change"
        elif before.compare_wave == now.wave:  # the published one is the later one (`make report WAVE=...`)
            change = (
                f"the wave {before.wave} briefing's section \u201cChange since {now.wave}\u201d tests each "
                f"finding's change (make report WAVE={before.wave})"
            )
        return (
            f"This build ({now.words()}) is not compared with the briefing published before it ({before.words()}): "
            f"that is another {what}, so its differences are not revisions. For the change between the waves, "
            f"{change}."
        )
    return f"This build ({now.words()}) is compared with the briefing published before it ({before.words()})."


def change_link(review: Review) -> str:
    """The way to the wave-to-wave change, when a build of another wave is refused as a revision."""
    if review.another_wave and review.now and review.now.compare_wave:
        return '<p><a href="briefing.html#change">The change between the waves, tested, in the briefing</a></p>'
    return ""


def page(review: Review, title: str) -> str:
    if not review.previous:
        summary = "There is no previously published briefing to compare with: this is the first build, so every finding is new."
    elif review.another_wave:
        summary = compared_with(review)
    elif review.nothing:
        summary = "No changes: every finding and every sentence is the same as in the briefing published before."
    else:
        summary = (
            f"Against the briefing published before: {counted(review.changed, 'finding')} changed; "
            f"{counted(review.reworded, 'sentence')} reworded, added or removed; "
            f"{counted(review.appeared, 'finding')} appeared and {counted(review.disappeared, 'finding')} disappeared."
        )
    body = "".join(sections(review))
    builds = "" if review.another_wave or not review.previous else f"<p>{esc(compared_with(review))}</p>"
    return (
        '<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>What changed: {esc(title)}</title><style>{STYLE}</style></head>"
        f'<body><main><h1>What changed in this build</h1><p class="{"none" if review.nothing else "summary"}">'
        f"{esc(summary)}</p>{change_link(review)}{builds}{body}</main></body></html>\n"
    )


def write_review(previous_dir: Path, staging: Path, title: str = "the briefing") -> Path:
    """Write changes.html into the staging folder (before publishing: `previous_dir` still holds the last briefing)."""
    path = staging / REVIEW
    path.write_text(page(review_of(previous_dir, staging), title), encoding="utf-8")
    return path
