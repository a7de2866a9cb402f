"""The editions index: its typeface embedded, each headline's change since the survey before, and links to every
format a build publishes and to its review page."""

from __future__ import annotations

import base64
import io
import json
import re

import pytest
from fontTools.ttLib import TTFont

from briefing.analysis import findings as findings_io
from briefing.publication import editions
from tests.conftest import ROOT
from tests.publication.test_accessibility import browser  # noqa: F401 (fixture)
from tests.publication.test_narrow_screen import PHONE, outside

PUBLISHED = ("briefing.html", "briefing.pdf", "briefing.docx", "findings.json", "changes.html")


def change(value: float, significant: bool) -> dict:
    return {"kind": "change", "status": "compared", "value": value, "significant": significant}


FINDINGS = {
    "plan_to_leave": {
        "kind": "proportion",
        "value": 0.21,
        "description": "plan to leave the role",
        "suppressed": False,
    },
    "plan_to_leave_change": change(0.10, True),
    "workload_unmanageable": {
        "kind": "proportion",
        "value": 0.54,
        "description": "find workload unmanageable",
        "suppressed": False,
    },
    "workload_unmanageable_change": change(0.05, False),
    "response_rate": {"kind": "proportion", "value": 0.16, "numerator": 197},
    "pcn_count": {"kind": "count", "value": 1251},
}


@pytest.fixture
def index(tmp_path, monkeypatch):
    """A project with England's 2020 edition published (every format), and the index written for it."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("report", "data"):
        (root / name).symlink_to(ROOT / name)
    params = findings_io.resolved_params(str(ROOT / "params.yml"), "2020")
    out = root / "_output"
    folder = editions.wave_folder(out, params.wave) / "england"
    folder.mkdir(parents=True)
    parameters = {"wave": "2020", "compare_wave": "2019", "region": None, "suppression_threshold": 8}
    for name in PUBLISHED:
        (folder / name).write_text(json.dumps({"findings": FINDINGS, "parameters": parameters}), encoding="utf-8")
    monkeypatch.setattr(editions, "earlier_editions", lambda *args: [])
    monkeypatch.setattr(editions, "EDITIONS", root / "build" / "editions")
    (root / "build" / "editions").mkdir(parents=True)
    editions.write_index(root, out, ["england"], params)
    return (out / "index.html").read_text(encoding="utf-8")


def test_the_index_links_every_format_and_the_review_page(index):
    links = set(re.findall(r'href="editions/2020/england/([^"]+)"', index))
    assert links == set(PUBLISHED)
    # Each link's name is unique for a screen reader ("England: Word"); the edition's name is only heard, as the
    # row already shows it.
    hidden = '<span class="visually-hidden">England: </span>'
    assert f"{hidden}Word</a>" in index and f"{hidden}what changed in this build</a>" in index
    assert "One briefing for England and one for each NHS England region" in index  # the codebook's words


def test_the_index_has_a_change_column_from_the_tests_of_change(index):
    assert '<th scope="col">Change since the survey before</th>' in index
    assert "Plan to leave the role: +10 percentage points, more than chance alone would explain" in index
    assert "Find workload unmanageable: +5 percentage points, within what chance could produce" in index


def test_the_index_embeds_its_typeface_as_bundled(index):
    """The two faces its style uses, each the bundled file's own bytes (as the briefing's page embeds its faces:
    no cut at the end of every editions build), and they cover the page's text."""
    faces = re.findall(r"@font-face\{font-family:Inter;font-weight:(\d+);[^}]*base64,([A-Za-z0-9+/=]+)\)", index)
    assert [(weight, base64.b64decode(data)) for weight, data in faces] == [
        ("400", (ROOT / "report" / "fonts" / "Inter-Regular.otf").read_bytes()),
        ("600", (ROOT / "report" / "fonts" / "Inter-SemiBold.otf").read_bytes()),
    ]
    covered = set(TTFont(io.BytesIO(base64.b64decode(faces[0][1]))).getBestCmap())
    text = re.sub(r"<[^>]+>|@font-face\{[^}]*\}", " ", index)
    assert {ord(c) for c in "England Word 1,251 +10 percentage points"} <= covered
    assert not {c for c in text if not c.isspace() and ord(c) not in covered}  # every character of the page


@pytest.mark.slow
def test_on_a_390_px_phone_nothing_runs_off_the_screen(index, tmp_path, browser):  # noqa: F811 (fixture)
    """The table's seven columns are a block per edition on a phone, each figure under its heading: the page
    scrolls down only."""
    page = tmp_path / "index.html"
    page.write_text(index, encoding="utf-8")
    browser.set_window_size(*PHONE)
    browser.get(page.as_uri())
    assert outside(browser, "table, caption, tr, th, td, a") == []
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    labels = browser.execute_script(
        "return getComputedStyle(document.querySelector('td[data-label]'), '::before').content"
    )
    assert labels.startswith('"Clinical directors who plan to leave the role')
