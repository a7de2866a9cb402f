"""Charts in one house style (afcharts, the Analysis Function's matplotlib style), as SVG with generated alt text.

A chart is recorded as a finding of kind "figure" whose `alt` text is written from the same numbers it plots,
so the text alternative can never disagree with the picture.

House style, on top of afcharts' own style sheet:
  * the page's typeface (Inter, bundled in report/fonts/) for every label, kept as text in the SVG
    (`svg.fonttype: none`): the HTML page sets the chart inline, in the Inter it embeds once for its own text
    (publication/inline_charts.py), and Typst draws it with the same fonts, so the chart reads the same in a
    browser and in the PDF, and its words can be found and read;
  * a PNG twin for Word, drawn by Typst from the finished SVG with the PDF's fonts: the Word file's chart is the
    PDF's;
  * the Analysis Function focus palette: the groups being compared in dark blue, the rest in grey;
  * labels on the bars, no legend and no value axis; the headline title and source line belong to the page
    (the figure caption and the line under it), not to the picture; a legend only where a mark's meaning
    cannot sit beside it (a scale's colours, the change chart's filled and open dots);
  * reference lines (the 50% mark, a scale's centre) stop short of every label they would cross;
  * one width, narrower than the PDF's text column, shown at its own size: chart text prints at the size of the
    body text, and a phone shows it at nearly that size, not shrunk to fit.
"""

from __future__ import annotations

import functools
import io
import re
import struct
import textwrap
import zlib
from pathlib import Path

import afcharts
import matplotlib
from afcharts.af_colours import get_af_colours

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402
from matplotlib.layout_engine import PlaceHolderLayoutEngine  # noqa: E402

from briefing.analysis.findings import Finding  # noqa: E402
from briefing.narrative import captions, escape  # noqa: E402
from briefing.narrative.prose import percent  # noqa: E402
from briefing.publication import fonts  # noqa: E402

STYLE = Path(afcharts.__file__).parent / "afcharts.mplstyle"
FONTS_DIR = Path(__file__).resolve().parents[3] / "report" / "fonts"
FONT_FAMILY = "Inter"
FALLBACK_FAMILIES = ("DejaVu Sans", "Arial", "sans-serif")

# Analysis Function colours: afcharts' focus palette (the highlighted groups and the rest) and GOV.UK text.
DARK_BLUE, GREY = get_af_colours("focus")
TEXT = "#0B0C0C"
MUTED = "#4D4D4D"

# Every chart is drawn this wide and shown at this width (narrower where the screen is): in the PDF and Word its
# text prints at its point size, and on a 390 px phone (a 358 px column) it is scaled by 358 / (4.7 x 72) = 1.06,
# so no chart text is under 9.5 CSS px (tests/publication/test_narrow_screen.py measures it).
WIDTH_IN = 4.7
BASE_PT = 10  # the body text size of the PDF (typst-template.typ: fontsize)
PNG_DPI = 200  # the Word edition's raster copy (drawn by Typst from the SVG): sharp in print at the text width

HOUSE_STYLE = {
    "font.family": [FONT_FAMILY],
    "font.size": BASE_PT,
    "text.color": TEXT,
    "axes.labelcolor": TEXT,
    "xtick.labelcolor": TEXT,
    "ytick.labelcolor": TEXT,
    "xtick.labelsize": BASE_PT,
    "ytick.labelsize": BASE_PT,
    "text.parse_math": False,  # labels are data: "$x^2$" in an answer label is printed, not typeset as maths
    "svg.fonttype": "none",  # text stays text
    "svg.hashsalt": "briefing",  # stable ids: byte-identical SVG between builds
    "svg.id": None,
}

_registered = False


def register_fonts() -> bool:
    """Make the bundled fonts known to matplotlib (once). False when the folder is missing (charts use DejaVu)."""
    global _registered
    if _registered:
        return True
    fonts = sorted(FONTS_DIR.glob("*.otf")) + sorted(FONTS_DIR.glob("*.ttf"))
    for font in fonts:
        font_manager.fontManager.addfont(str(font))
    _registered = bool(fonts)
    return _registered


def house_style() -> list:
    """Style sheets for `plt.style.context`: afcharts, then the briefing's overrides."""
    style = dict(HOUSE_STYLE)
    if not register_fonts():
        style["font.family"] = list(FALLBACK_FAMILIES[:1])
    return [str(STYLE), style]


# --- SVG output -------------------------------------------------------------------------------------------------

_FAMILY = re.compile(r"font-family: '" + re.escape(FONT_FAMILY) + r"'")


def finish_svg(svg: str, title: str, alt: str) -> str:
    """Make matplotlib's SVG self-describing: fallback fonts, title and description, and `role="img"` so assistive
    technology reads it as one image when it is opened on its own. Its glyphs are not embedded: the HTML page sets
    it inline, in the page's own Inter (publication/inline_charts.py), and Typst draws it with the project's fonts."""
    families = ", ".join(f"'{f}'" if " " in f else f for f in FALLBACK_FAMILIES)
    svg = escape.invisible_removed(svg)  # a label's U+202E would reverse the text after it in a browser
    svg = _FAMILY.sub(f"font-family: '{FONT_FAMILY}', {families}", svg)
    head = f"<title>{escape.html(title)}</title><desc>{escape.html(alt)}</desc>"
    svg = re.sub(r"<svg\b", '<svg role="img"', svg, count=1)
    return re.sub(r"(<svg\b[^>]*>)", lambda m: m.group(1) + head, svg, count=1)


def lay_out(fig) -> None:
    """Lay the figure out once, at its own dpi, and keep that layout: the SVG is saved from it (savefig would lay
    it out again at 72 dpi, measuring every label anew, and the reference lines' gaps were measured on another
    layout). A figure already laid out is left as it is."""
    if isinstance(fig.get_layout_engine(), (type(None), PlaceHolderLayoutEngine)):
        return
    fig.get_layout_engine().execute(fig)  # measures the texts' boxes as they will be saved; draws nothing
    fig.set_layout_engine("none")


def save_svg(fig, path: Path, title: str, alt: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    # No date or creator: the SVG is byte-identical between builds of the same data.
    # The figure keeps its set width (constrained layout fits the labels inside it) so its text prints at size.
    # Printed by the SVG canvas itself, not savefig: the figure is laid out already, and savefig would first run an
    # idle pass over every artist (as it does for any figure that has had a layout engine), a fifth of the saving.
    lay_out(fig)
    FigureCanvasSVG(fig).print_svg(buffer, metadata={"Date": None, "Creator": None})
    plt.close(fig)
    path.write_text(finish_svg(buffer.getvalue(), title, alt), encoding="utf-8")
    save_raster_twin(path)
    return path


# --- the raster twin, for Word ----------------------------------------------------------------------------------

# A page the size of the chart, its file named by the compiler's input `chart` (a value: the name is never code).
RASTER_PAGE = b"#set page(width: auto, height: auto, margin: 0pt, fill: white)\n#image(sys.inputs.chart)"


def save_raster_twin(svg: Path) -> Path:
    """The chart as PNG, beside its SVG, for Word (which shows SVG only from Office 2016 on): drawn by Typst from
    the finished SVG with the PDF's fonts, so the Word file's chart is the PDF's, pixel for pixel of its page, in a
    fifth of the time matplotlib takes to draw the figure again at this resolution. No clock or software stamp in
    it: reproducible."""
    try:
        pixels = raster_compiler(str(svg.parent.resolve())).compile(
            input=RASTER_PAGE, format="png", ppi=PNG_DPI, sys_inputs={"chart": svg.name}
        )
    except Exception as error:  # typst raises its own error types carrying the compiler's diagnostics
        raise RuntimeError(f"{svg}: Typst could not draw the chart's PNG copy for Word: {error}") from error
    png = svg.with_suffix(".png")
    png.write_bytes(with_resolution(pixels, PNG_DPI))
    return png


@functools.cache
def raster_compiler(folder: str):
    """One Typst compiler per figures folder, its fonts loaded once (it reads the chart's file anew each time)."""
    import typst

    return typst.Compiler(None, root=folder, font_paths=fonts.typst_font_dirs(FONTS_DIR), ignore_system_fonts=True)


def with_resolution(png: bytes, dpi: int) -> bytes:
    """The PNG with its resolution stated, a pHYs chunk after its header (the PNG specification, 11.3.5.3): pandoc
    and Word size the picture by it (Typst writes none, and without it pandoc takes 96 dpi: twice the size)."""
    if png[12:16] != b"IHDR":
        raise ValueError("not a PNG: its first chunk is not IHDR")
    per_metre = round(dpi / 0.0254)
    body = b"pHYs" + struct.pack(">IIB", per_metre, per_metre, 1)  # 1: the unit is the metre
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", zlib.crc32(body))
    header_end = 8 + 4 + 4 + 13 + 4  # the signature, then IHDR: its length, type, 13 bytes of data, CRC
    return png[:header_end] + chunk + png[header_end:]


# --- reference lines ----------------------------------------------------------------------------------------

LINE_CLEARANCE_PT = 2.5  # the gap a reference line leaves around a label it would otherwise run through


def label_spans(ax, x: float) -> list[tuple[float, float]]:
    """The vertical spans (data units) of the axes' texts that a vertical line at `x` would cross, each widened by
    the clearance; measured on the laid-out figure, so wrapped labels and the final font size count."""
    fig = ax.figure
    lay_out(fig)  # the texts' boxes as they will be saved
    renderer = fig.canvas.get_renderer()
    pad = LINE_CLEARANCE_PT * fig.dpi / 72
    to_data = ax.transData.inverted()
    x_display = ax.transData.transform((x, 0))[0]
    spans = []
    for text in ax.texts:
        if not text.get_visible() or not text.get_text().strip():
            continue
        box = text.get_window_extent(renderer)
        if box.x0 - pad <= x_display <= box.x1 + pad:
            (_, low), (_, high) = to_data.transform([(box.x0, box.y0 - pad), (box.x1, box.y1 + pad)])
            spans.append((min(low, high), max(low, high)))
    return sorted(spans)


def reference_line(ax, x: float, **style) -> None:
    """A vertical reference line (the 50% mark, a scale's centre) across the axes, broken wherever it would run
    through a label, so every label stays legible. Call it last, once every label is placed."""
    bottom, top = sorted(ax.get_ylim())
    pieces, start = [], bottom
    for low, high in label_spans(ax, x):
        if low > start:
            pieces.append((start, min(low, top)))
        start = max(start, high)
    if start < top:
        pieces.append((start, top))
    for low, high in pieces:
        ax.plot([x, x], [low, high], zorder=2.5, **style)  # (the y limits are set: plotting keeps them)


# --- alt text ---------------------------------------------------------------------------------------------------


def _lower_first(label: str) -> str:
    """'All NHS trusts' -> 'all NHS trusts', but 'NHS trusts ...' stays (an acronym keeps its capitals)."""
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


SUPPRESSED_LABEL = "suppressed (small numbers)"


def bar_text(finding: Finding) -> str:
    """A bar's label: its share, or why it is not shown (disclosure control: no bar, no number)."""
    return SUPPRESSED_LABEL if finding.value is None else percent(finding.value)


def share_alt(bars: list[tuple[str, Finding]], subject: str, who: str = "") -> str:
    """A sentence from the plotted numbers, e.g. "Bar chart: 63% of those in the first group say yes, compared
    with 53% of all respondents and 42% of those in the second group."."""
    who = f"{who.strip()} " if who.strip() else ""
    phrases = [f"{bar_text(f)} of {who}{_lower_first(label)}" for label, f in bars]
    text = f"Bar chart: {phrases[0]} {subject}"
    if len(phrases) > 1:
        text += ", compared with " + _join(phrases[1:])
    return text + "."


# --- charts -----------------------------------------------------------------------------------------------------


def share_bars(
    chart_id: str,
    title: str,
    bars: list[tuple[str, Finding]],
    subject: str,
    figures_dir: str | Path,
    notebook: str,
    source: str,
    who: str = "",
) -> Finding:
    """Horizontal bars of proportions, labelled directly, highlighting the first and last bars (the comparison)."""
    labels = [textwrap.fill(label, 28) for label, _ in bars]  # wrapped: the bars keep most of the narrow width
    values = [f.value or 0.0 for _, f in bars]  # a suppressed share gets no bar, only its label
    highlight = {0, len(bars) - 1}
    with plt.style.context(house_style()):
        rows = sum(label.count("\n") + 1 for label in labels)  # a wrapped label's lines need their room
        fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.3 + 0.3 * len(bars) + 0.16 * rows), layout="constrained")
        positions = list(range(len(bars)))[::-1]
        colours = [DARK_BLUE if i in highlight else GREY for i in range(len(bars))]
        ax.barh(positions, [v * 100 for v in values], color=colours, height=0.66)
        for i, (y, value, (_, finding)) in enumerate(zip(positions, values, bars, strict=False)):
            ax.text(
                value * 100 + 1.2,
                y,
                bar_text(finding),
                va="center",
                ha="left",
                color=TEXT,
                fontweight=600 if i in highlight else 400,
            )
        ax.set_yticks(positions, labels)
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.5, len(bars) - 0.5)
        ax.xaxis.set_visible(False)
        ax.grid(False)
        for side in ("top", "right", "bottom"):
            ax.spines[side].set_visible(False)
        ax.spines["left"].set_visible(True)
        ax.spines["left"].set_color("#8C8C8C")
        ax.tick_params(axis="y", length=0, pad=8)
        alt = share_alt(bars, subject, who)
        path = save_svg(fig, Path(figures_dir) / f"{chart_id}.svg", title, alt)  # inside the style: svg.* apply
    return Finding(
        id=chart_id,
        value=None,
        description=title,
        base=bars[0][1].base,
        notebook=notebook,
        inputs=sorted({i for _, f in bars for i in f.inputs}),
        kind="figure",
        extra={"path": path.as_posix(), "alt": alt, "title": title, "source": source, "bars": [f.id for _, f in bars]},
    )


def not_drawn_chart(chart_id: str, title: str, bars: list[tuple[str, Finding]], sentence: str, source: str) -> Finding:
    """The record of a chart with nothing to show: not drawn (an empty frame under a headline would look like a
    finding); the briefing prints `sentence` where it would have been."""
    return Finding(
        id=chart_id,
        value=None,
        description=title,
        base=bars[0][1].base,
        notebook=bars[0][1].notebook,
        inputs=sorted({i for _, f in bars for i in f.inputs}),
        kind="figure",
        extra={
            "path": None,
            "alt": sentence,
            "title": title,
            "source": source,
            "bars": [f.id for _, f in bars],
            "not_drawn": sentence,
        },
    )


def comparison_charts(ctx, results: list[Finding], figures_dir: str | Path, notebook: str) -> list[Finding]:
    """One chart per codebook comparison among `results`: the first subgroup, all respondents, the second."""
    by_id = {f.id: f for f in results}
    charts = []
    for comparison in ctx.codebook.comparisons:
        if comparison.id not in by_id:
            continue
        first, second = (ctx.codebook.subgroups[s].description() for s in (comparison.first, comparison.second))
        finding = by_id[comparison.parts[0]]
        bars = [
            (f"Those {first}", finding),
            (f"All {ctx.codebook.respondents.plural}", by_id[comparison.finding]),
            (f"Those {second}", by_id[comparison.parts[1]]),
        ]
        who = ctx.codebook.respondents.plural
        title = captions.comparison_caption(  # the narrative's words, by what the test found
            *(by_id[i].as_record() for i in (comparison.id, *comparison.parts)), who, (first, second)
        )
        source = f"{ctx.codebook.survey.source}, {ctx.params.wave}"
        if by_id[comparison.id].extra.get("suppressed"):  # nothing to compare: no chart, a sentence says why
            chart = not_drawn_chart(f"fig_{comparison.id}", title, bars, captions.comparison_not_drawn(), source)
        else:
            chart = share_bars(
                f"fig_{comparison.id}",
                title,
                bars,
                subject=finding.description,
                figures_dir=figures_dir,
                notebook=notebook,
                source=source,
            )
        chart.extra.update(comparison=comparison.id, theme=finding.extra["theme"])
        charts.append(chart)
    return charts
