"""Charts that make their point: reference lines never run through a label (measured on the chart's own laid-out
geometry), and the chart of change marks and sorts what moved, with a legend that says so."""

from __future__ import annotations

import dataclasses

import pytest

from briefing.analysis import themes
from briefing.analysis.findings import Finding
from briefing.publication import change_charts, theme_charts
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def ctx():
    return themes.load_context(ROOT / "params.yml", wave="2019")


@pytest.fixture(scope="module")
def results(ctx):
    return [f for t in themes.survey_themes(ctx) for f in themes.survey_findings(ctx, t, "nb")]


@pytest.fixture
def drawn(monkeypatch):
    """Every figure a chart function saves, kept open for measuring (the real SVG is still written)."""
    figures = []

    def keep(module):
        original = module.save_svg

        def save(fig, path, title, alt):
            fig.canvas.draw()  # as saved: laid out (measured before saving closes the figure)
            fig.measured = {
                "lines": vertical_lines(fig),
                "collisions": collisions(fig),
                "rows": row_label_boxes(fig),
                "notes_over_labels": notes_over_labels(fig),
            }
            figures.append(fig)
            return original(fig, path, title, alt)

        monkeypatch.setattr(module, "save_svg", save)

    keep(theme_charts)
    keep(change_charts)
    return figures


def vertical_lines(fig) -> list[tuple[float, float, float]]:
    """(x, bottom, top) in display units of every vertical line drawn in the plot area."""
    found = []
    for ax in fig.axes:
        for line in ax.get_lines():
            points = line.get_transform().transform(line.get_xydata())
            if len(points) == 2 and abs(points[0][0] - points[1][0]) < 0.01 and abs(points[0][1] - points[1][1]) > 1:
                found.append((points[0][0], min(points[:, 1]), max(points[:, 1])))
    return found


def row_label_boxes(fig) -> list[tuple[float, float]]:
    """(bottom, top) in display units of every row label (y tick label), bottom to top."""
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for ax in fig.axes for t in ax.get_yticklabels() if t.get_text()]
    return sorted((b.y0, b.y1) for b in boxes)


def notes_over_labels(fig) -> list[str]:
    """Text drawn in the plot (a row's note, a share) whose box runs into a row label's."""
    renderer = fig.canvas.get_renderer()
    labels = [t.get_window_extent(renderer) for ax in fig.axes for t in ax.get_yticklabels() if t.get_text()]
    return [
        t.get_text()
        for ax in fig.axes
        for t in ax.texts
        if t.get_text().strip() and any(t.get_window_extent(renderer).overlaps(box) for box in labels)
    ]


def texts(fig):
    renderer = fig.canvas.get_renderer()
    legends = [t for legend in fig.legends for t in legend.get_texts()]  # a legend above the chart is the figure's
    for i, ax in enumerate(fig.axes):
        labels = [*ax.texts, *ax.get_yticklabels(), *ax.get_xticklabels(), *(legends if i == 0 else [])]
        if ax.get_legend():
            labels += ax.get_legend().get_texts()
        for text in labels:
            if text.get_visible() and text.get_text().strip():
                yield text.get_text(), text.get_window_extent(renderer)


def collisions(fig) -> list[str]:
    return [
        label
        for x, bottom, top in vertical_lines(fig)
        for label, box in texts(fig)
        if box.x0 <= x <= box.x1 and box.y0 < top and box.y1 > bottom
    ]


def test_the_half_line_never_runs_through_a_label(ctx, results, drawn, tmp_path):
    """A finding whose interval ends just short of 50% has its label where the line is (2020: "41%")."""
    near_half = [
        dataclasses.replace(f, value=0.41, extra={**f.extra, "ci_low": 0.35, "ci_high": 0.48})
        if f.id == "workload_unmanageable"
        else f
        for f in results
    ]
    theme_charts.overview(ctx, near_half, tmp_path, "nb")
    (fig,) = drawn
    assert fig.measured["lines"], "the overview draws its line at half"
    assert fig.measured["collisions"] == []


def test_the_centre_line_never_runs_through_a_label_or_a_rows_note(ctx, results, drawn, tmp_path):
    """A scale's middle answer straddles the centre and carries its share there ("20%"); a row with every answer
    withheld says so across the centre (the London edition's "no answer shown")."""
    relationships = [f for f in results if f.extra.get("question") == "relationship_system"]
    theme_charts.question_chart(ctx, "relationship_system", relationships, tmp_path, "nb")
    everything = {
        f"fig:confidence_partnership={v}": "secondary"
        for v in ctx.codebook.questions["confidence_partnership"].values()
    }
    partnership = [f for f in results if f.extra.get("question") == "confidence_partnership"]
    theme_charts.question_chart(
        dataclasses.replace(ctx, withheld=everything), "confidence_partnership", partnership, tmp_path, "nb"
    )
    for fig in drawn:
        assert fig.measured["lines"], "the diverging chart draws its centre line"
        assert fig.measured["collisions"] == []
        assert fig.measured["notes_over_labels"] == []  # London: "no answer shown: ..." ran into the row's label


# --- the chart of change ------------------------------------------------------------------------------------


def change(fid: str, before: float, after: float, significant: bool) -> Finding:
    def wave(value):
        return {"value": value, "ci_low": value - 0.05, "ci_high": value + 0.05, "suppressed": False}

    return Finding(
        id=f"{fid}_change",
        value=after - before,
        description=f"say {fid}",
        base="clinical directors",
        notebook="nb",
        inputs=["q"],
        kind="change",
        extra={
            "status": "compared",
            "subgroup": None,
            "significant": significant,
            "previous": wave(before),
            "current": wave(after),
            "wave": "2020",
            "compare_wave": "2019",
            "confidence_level": 0.95,
        },
    )


CHANGES = [
    change("steady", 0.50, 0.52, False),
    change("fell", 0.63, 0.41, True),
    change("rose", 0.11, 0.21, True),
    change("dipped", 0.53, 0.49, False),
]


def test_the_change_chart_is_sorted_by_change_and_marks_what_moved_with_a_legend(drawn, tmp_path):
    record = change_charts.change_chart(CHANGES, tmp_path, "nb", "Survey")
    (fig,) = drawn
    (ax,) = [a for a in fig.axes if a.get_yticklabels()]
    rows = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])  # top to bottom
    assert [t.get_text() for t in rows] == ["Say rose", "Say steady", "Say dipped", "Say fell"]
    assert record.extra["bars"] == ["rose_change", "steady_change", "dipped_change", "fell_change"]
    (legend,) = fig.legends  # above the chart, from its left edge
    words = [t.get_text() for t in legend.get_texts()]
    assert any("2019" in w for w in words) and any("chance" in w for w in words)
    # the reported wave's dot is filled where the test supports the change, open where it does not
    dots = {
        round(line.get_ydata()[0], 2): line.get_markerfacecolor()
        for line in ax.get_lines()
        if line.get_marker() == "o" and line.get_color() == theme_charts.DARK_BLUE
    }
    by_row = {t.get_text(): round(t.get_position()[1] - 0.18, 2) for t in rows}
    assert dots[by_row["Say rose"]] == dots[by_row["Say fell"]] == theme_charts.DARK_BLUE
    assert dots[by_row["Say steady"]] == dots[by_row["Say dipped"]] == "white"
    assert "beyond chance" in record.extra["alt"] or "moved by more than chance" in record.extra["alt"]


def test_no_two_rows_labels_overlap_however_long_they_wrap(drawn, tmp_path):
    """The GP survey's 2021 change chart: four-line labels on 0.5 in rows ran into one another ("likely to sign"
    over "Say their practice will not ...")."""
    long = "say their practice will not sign the network DES next year if the draft specifications go ahead"
    changes = [dataclasses.replace(c, description=f"{long} ({c.id})") for c in CHANGES]
    change_charts.change_chart(changes, tmp_path, "nb", "Survey")
    (fig,) = drawn
    boxes = fig.measured["rows"]
    assert len(boxes) == len(CHANGES)
    assert all(low[1] <= high[0] for low, high in zip(boxes, boxes[1:], strict=False)), boxes


def test_a_rows_note_stays_clear_of_the_row_labels(ctx, results, drawn, tmp_path):
    """The London edition: "no answer shown: each is a small count or protects one", across the centre of a row
    labelled "Those leading PCNs with more than 60,000 patients", ran into that label on the narrow chart."""
    from briefing.analysis.distributions import cell_key

    question = ctx.codebook.questions["workload_manageable"]
    large = {cell_key(question.id, v, "large"): "secondary" for v in question.values()}
    workload = [f for f in results if f.extra.get("question") == "workload_manageable"]
    theme_charts.question_chart(dataclasses.replace(ctx, withheld=large), question.id, workload, tmp_path, "nb")
    (fig,) = drawn
    assert any("no answer shown" in t.get_text() for ax in fig.axes for t in ax.texts)
    assert fig.measured["notes_over_labels"] == []


def test_a_gridline_never_shows_through_a_change_charts_label(drawn, tmp_path):
    """The 2020 change chart's gridlines at 25%, 50% and 75% ran through its labels ("2019: 2|7%", "2020: 4|1%"):
    a label standing on one is drawn above it on an opaque white ground, so the line stops at the label."""
    change_charts.change_chart(CHANGES, tmp_path, "nb", "Survey")
    (fig,) = drawn
    (ax,) = [a for a in fig.axes if a.get_yticklabels()]
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)  # the saved figure is closed: lay it out again as it was saved
    canvas.draw()
    renderer = canvas.get_renderer()
    grid = [line for line in ax.get_xgridlines() if line.get_visible()]
    crossings = [
        (text, line)
        for line in grid
        for text in ax.texts
        if text.get_window_extent(renderer).x0
        <= line.get_transform().transform(line.get_xydata())[0][0]
        <= text.get_window_extent(renderer).x1
    ]
    assert crossings, "the chart's labels include one on a gridline (2019: 49% on the 50% line)"
    for text, line in crossings:
        ground = text.get_bbox_patch()
        assert ground is not None and ground.get_facecolor()[:4] == (1.0, 1.0, 1.0, 1.0), text.get_text()
        assert ground.get_window_extent(renderer).x0 <= text.get_window_extent(renderer).x0, text.get_text()
        assert text.get_zorder() > line.get_zorder(), text.get_text()
