"""The Quarto path renders the same briefing as the pandoc + Typst path: the same text, the same PDF pages and
the same HTML page, compared as images; and a plain `quarto render` after `make compute` gives the same files.

Both builds are the shared session fixtures (`built`: pandoc; `quarto_built`: Quarto, a copy of it); the
accessibility checks run on both through the `rendered` fixture in their own modules (test_pdf.py,
test_accessibility.py). Skips, saying why, where Quarto (or a new enough one) is absent.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from briefing import quarto
from briefing.publication import render
from tests.conftest import BUILD, ROOT, metadata_as_read
from tests.publication.test_accessibility import chrome_driver, missing_browser
from tests.test_e2e import normalise, pdf_text


def both_paths(test):
    """End to end, on both render paths (the Quarto build skips where Quarto is absent)."""
    return pytest.mark.e2e(pytest.mark.quarto(test))


STRONG = 64  # a pixel "differs strongly" when a colour channel moves by more than a quarter of its range
TOLERANCE = 0.01  # at most 1% of a page's pixels may (before this issue: 11-16% per PDF page, 12% of the HTML)
PDF_DPI = 30
SCREEN_WIDTHS = (1280, 390)


# --- comparing images -----------------------------------------------------------------------------------------------


def pixels(png: bytes | Path) -> np.ndarray:
    image = Image.open(io.BytesIO(png) if isinstance(png, bytes) else png).convert("RGB")
    return np.asarray(image, dtype=np.int16)


def strong_difference(a: np.ndarray, b: np.ndarray) -> float:
    """Share of pixels that differ strongly; the smaller image is padded with white (a longer page differs)."""
    height, width = max(a.shape[0], b.shape[0]), max(a.shape[1], b.shape[1])

    def padded(x: np.ndarray) -> np.ndarray:
        canvas = np.full((height, width, 3), 255, dtype=np.int16)
        canvas[: x.shape[0], : x.shape[1]] = x
        return canvas

    return float((np.abs(padded(a) - padded(b)).max(axis=2) > STRONG).mean())


def test_strong_difference_counts_changed_pixels():
    white = np.full((10, 10, 3), 255, dtype=np.int16)
    marked = white.copy()
    marked[:2] = 0  # two rows of ten turn black
    faint = white - 20  # a faint tint everywhere: not a strong difference
    assert strong_difference(white, white) == 0.0
    assert strong_difference(white, marked) == pytest.approx(0.2)
    assert strong_difference(white, faint) == 0.0
    assert strong_difference(white, white[:5]) == pytest.approx(0.0)  # padding is white
    black = np.zeros((10, 10, 3), dtype=np.int16)
    assert strong_difference(black, black[:5]) == pytest.approx(0.5)  # a shorter page differs where it ends


def pdf_pages(pdf: Path, folder: Path) -> list[np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", str(PDF_DPI), str(pdf), str(folder / "page")], check=True)
    return [pixels(p) for p in sorted(folder.glob("page-*.png"))]


# --- the same text --------------------------------------------------------------------------------------------------


class _BodyText(HTMLParser):
    """Every text node of the page's body, as a reader sees it (title band and contents included)."""

    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in ("head", "script", "style")

    def handle_endtag(self, tag):
        self.skipping -= tag in ("head", "script", "style")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


class _Markup(HTMLParser):
    """The page as a list of tags (attributes sorted: their order carries no meaning) and text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.events: list[tuple] = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("<", tag, tuple(sorted(attrs, key=lambda a: a[0]))))

    def handle_endtag(self, tag):
        self.events.append(("/", tag))

    def handle_data(self, data):
        self.events.append(("text", data))


def markup(path: Path) -> list[tuple]:
    page = _Markup()
    page.feed(path.read_text(encoding="utf-8"))
    return page.events


def html_text(path: Path) -> str:
    page = _BodyText()
    page.feed(path.read_text(encoding="utf-8"))
    return normalise(" ".join(page.parts))


def title_block_headings_and_captions(project: Path) -> list[str]:
    """What a reader sees first and scans by: the title block, every section heading, every caption."""
    meta = metadata_as_read(project)
    items = [meta[k] for k in ("title", "subtitle", "date", "publisher", "fieldwork") if meta.get(k)]
    document = (project / render.DOCUMENT).read_text(encoding="utf-8")
    items += re.findall(r"^#{2,3} (.+?)(?: \{#[\w-]+\})?$", document, re.MULTILINE)
    findings = json.loads((project / "_output" / "findings.json").read_text(encoding="utf-8"))["findings"]
    # Each chart's caption as readers see it: the chart's record's title (worded by narrative/captions.py).
    items += [f["title"] for f in findings.values() if f.get("kind") == "figure"]
    for partial in (project / BUILD / "narrative").glob("*.md"):
        captions = re.findall(r"^: (.+)$", partial.read_text(encoding="utf-8"), re.MULTILINE)  # table captions
        items += [re.sub(r"\\(.)", r"\1", caption) for caption in captions]  # Markdown escapes, as a reader sees it
    return [normalise(item) for item in items]


# The provenance appendix names the engine that rendered the briefing, rightly differently on each path.
ENGINE_NAMED = [
    (
        re.compile(
            r"Rendered with (Quarto [\w.-]+ \(with the pandoc and Typst it bundles\)|pandoc [\w.-]+ and Typst "
            r"\(Python package typst [\w.-]+\))\."
        ),
        "Rendered with <engine>.",
    ),
    (re.compile(r"ENGINE=(quarto|pandoc)\b"), "ENGINE=<engine>"),
]


def engine_neutral(text: str) -> str:
    for pattern, neutral in ENGINE_NAMED:
        text = pattern.sub(neutral, text)
    return text


def test_engine_neutral_text_hides_only_the_engine():
    quarto_line = (
        "Rendered with Quarto 1.11.0 (with the pandoc and Typst it bundles). Run make report ENGINE=quarto now."
    )
    pandoc_line = "Rendered with pandoc 3.9 and Typst (Python package typst 0.15.2). Run make report ENGINE=pandoc now."
    assert (
        engine_neutral(quarto_line)
        == engine_neutral(pandoc_line)
        == "Rendered with <engine>. Run make report ENGINE=<engine> now."
    )
    assert engine_neutral("63% of PCNs") == "63% of PCNs"


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.:;!?)])\s+", text) if s]


@both_paths
@pytest.mark.parametrize("name, read", [("briefing.pdf", pdf_text), ("briefing.html", html_text)], ids=["pdf", "html"])
def test_same_text_on_both_paths(built, quarto_built, name, read):
    pandoc_text, quarto_text = (engine_neutral(read(p / "_output" / name)) for p in (built, quarto_built))
    items = title_block_headings_and_captions(built)
    assert len(items) >= 12, items
    for item in items:
        assert item in pandoc_text, f"pandoc {name} lacks: {item}"
        assert item in quarto_text, f"Quarto {name} lacks: {item}"
    only_pandoc = [s for s in sentences(pandoc_text) if s not in quarto_text]
    only_quarto = [s for s in sentences(quarto_text) if s not in pandoc_text]
    assert (only_pandoc, only_quarto) == ([], []), "sentences in one path's briefing only"


# --- the same pages -------------------------------------------------------------------------------------------------


@both_paths
def test_pdf_pages_look_the_same(built, quarto_built, tmp_path):
    pandoc_pages = pdf_pages(built / "_output" / "briefing.pdf", tmp_path / "pandoc")
    quarto_pages = pdf_pages(quarto_built / "_output" / "briefing.pdf", tmp_path / "quarto")
    assert len(pandoc_pages) == len(quarto_pages) >= 3
    differences = [strong_difference(a, b) for a, b in zip(pandoc_pages, quarto_pages, strict=False)]
    assert max(differences) < TOLERANCE, "share of pixels differing strongly, page by page: " + ", ".join(
        f"{d:.2%}" for d in differences
    )


@pytest.fixture(scope="module")
def screenshots():
    """Full-page Chromium screenshots of a page at a given CSS width."""
    if missing := missing_browser():
        pytest.skip(f"no browser for the screenshots: {missing}")
    driver = chrome_driver()

    def shoot(html: Path, width: int) -> np.ndarray:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
        )
        driver.get(html.as_uri())
        driver.execute_async_script("document.fonts.ready.then(() => arguments[arguments.length - 1]())")
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        return pixels(driver.get_screenshot_as_png())

    yield shoot
    driver.quit()


@both_paths
@pytest.mark.parametrize("width", SCREEN_WIDTHS)
def test_html_pages_look_the_same(built, quarto_built, screenshots, width):
    pandoc_shot = screenshots(built / "_output" / "briefing.html", width)
    quarto_shot = screenshots(quarto_built / "_output" / "briefing.html", width)
    assert pandoc_shot.shape[1] == quarto_shot.shape[1] == width
    assert abs(pandoc_shot.shape[0] - quarto_shot.shape[0]) <= 0.01 * pandoc_shot.shape[0], "page lengths differ"
    difference = strong_difference(pandoc_shot, quarto_shot)
    assert difference < TOLERANCE, f"{difference:.2%} of pixels differ strongly at {width} px"


# --- a plain `quarto render` gives the same files ------------------------------------------------------------------


@both_paths
def test_plain_quarto_render_gives_the_files_make_report_gives(quarto_built, quarto_plain, tmp_path):
    made, plain = quarto_built / "_output", quarto_plain / "_output"
    published = sorted(p.name for p in plain.iterdir() if p.is_file())
    assert published == ["briefing.docx", "briefing.html", "briefing.pdf", "findings.json"]
    assert (plain / "report" / "briefing.html").read_bytes() == (plain / "briefing.html").read_bytes()  # preview's copy
    assert not (plain / "build").exists(), "Quarto's copies of the charts (embedded already) are removed"
    assert markup(plain / "briefing.html") == markup(made / "briefing.html")
    assert (plain / "findings.json").read_bytes() == (made / "findings.json").read_bytes()
    assert pdf_text(plain / "briefing.pdf") == pdf_text(made / "briefing.pdf")
    made_pages, plain_pages = (
        pdf_pages(made / "briefing.pdf", tmp_path / "made"),
        pdf_pages(plain / "briefing.pdf", tmp_path / "plain"),
    )
    assert len(made_pages) == len(plain_pages)
    assert all(strong_difference(a, b) == 0.0 for a, b in zip(made_pages, plain_pages, strict=False))
    assert not (quarto_plain / "report" / "briefing.html").exists(), "quarto render wrote beside the sources"


def test_project_files_name_the_quarto_they_need():
    assert quarto.quarto_required(ROOT) >= (1, 9, 0)  # Typst `pdf-standard` arrived in Quarto 1.9
