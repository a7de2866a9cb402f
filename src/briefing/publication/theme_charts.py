"""Every theme's evidence as charts: the full answer distribution of each question behind a finding, and one
overview of every headline finding with its confidence interval. House style, SVG and alt text: charts.py.

  * rating and confidence scales (codebook type `likert`): diverging stacked bars, unfavourable answers left of
    the centre line, a middle answer split across it, "Don't know" named beside the bar; the scale's colours run
    dark to light (afcharts' sequential blues), so its order survives greyscale print, and a legend above reads
    in the scale's order (the one place the house style allows a legend: a segment is too narrow for its name);
  * single choices: bars ordered by share; multiple-choice priorities: bars ranked by share;
  * the answers a finding counts are dark blue, the rest grey (the focus palette), as in Figure 1;
  * every share is a label, the base (n) is in the row label, suppressed cells are never drawn
    (analysis/distributions.py decides which), and the alt text is written from the same numbers.
Titles state the message and follow the data: they are written from the question's headline finding. Who
answered, the subgroups' words and the source line come from the codebook.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
from afcharts.af_colours import get_af_colours

from briefing.analysis.distributions import NON_SUBSTANTIVE, Row, distribution, drawn_bands, planned_cells
from briefing.analysis.findings import Finding
from briefing.analysis.themes import subgroup_of
from briefing.narrative import captions, prose
from briefing.publication.charts import (
    BASE_PT,
    DARK_BLUE,
    GREY,
    MUTED,
    TEXT,
    WIDTH_IN,
    house_style,
    reference_line,
    save_svg,
)

SEQUENTIAL = get_af_colours("sequential")  # dark to light: unfavourable to favourable, so greyscale keeps the order
RAMP_PICKS = {1: [1], 2: [1, 3], 3: [0, 2, 4], 4: [0, 1, 3, 4], 5: [0, 1, 2, 3, 4]}
LABEL_MIN = 0.06  # a segment narrower than this has its share in the legend row and the alt text, not inside it


def who(ctx) -> str:
    """Who answered, in the plural: the codebook's words (`survey: respondents: plural`)."""
    return ctx.codebook.respondents.plural


def source_line(ctx) -> str:
    return f"{ctx.codebook.survey.source}, {ctx.params.wave}"


def suppressed_words(ctx) -> str:
    return prose.SUPPRESSED.format(threshold=ctx.params.suppression_threshold)


def share_text(share: float | None, ctx, withheld: bool = False) -> str:
    if share is None:
        return "withheld" if withheld else suppressed_words(ctx)
    return prose.percent(share)


def rows_for(ctx, question_id: str, findings: list[Finding]) -> list[Row]:
    """All respondents, then each subgroup the chart draws (`distributions.drawn_bands`); the cells the area's
    cross-edition plan withholds are withheld (without a plan, each row's own secondary rule applies)."""
    question = ctx.codebook.questions[question_id]
    threshold = ctx.params.suppression_threshold
    published = frozenset(v for f in findings if len(f.extra.get("counts", [])) == 1 for v in f.extra["counts"])
    rows = []
    drawn = drawn_bands(question, {f.extra.get("subgroup") for f in findings} - {None}, ctx.codebook.subgroups)
    for band in [None, *drawn]:
        survey = ctx.survey if band is None else ctx.survey[in_subgroup(ctx, band)]
        label = f"Those {subgroup_words(ctx, band)}" if band else f"All {who(ctx)}"
        planned = planned_cells(ctx.withheld, question, band)
        rows.append(distribution(survey, question, ctx.codebook, label, threshold, published, planned))
    return rows


def in_subgroup(ctx, name: str):
    """The respondents in subgroup `name`, as the codebook defines it."""
    return subgroup_of(ctx.codebook, name).mask(ctx.survey)


def subgroup_words(ctx, name: str) -> str:
    """Who a subgroup is (its `describe`, numbers filled in), in the codebook's words."""
    return subgroup_of(ctx.codebook, name).description()


NONE_SHOWN = "no answer shown: each is a small count or protects one"
OVER_AXIS = {"facecolor": "white", "edgecolor": "none", "pad": 2}  # a row's note drawn over the zero line


def row_note(words: str) -> str:
    """A row's note across the centre, wrapped to stay inside the plot (clear of the row labels on its left)."""
    return textwrap.fill(words, 30)


def missing_words(row: Row) -> str:
    """What a row without a base says instead: too few answers, or withheld whole by the plan."""
    return "withheld" if row.withheld else "too few answers to show"


def row_label(row: Row, ctx=None, labels: dict[str, str] | None = None) -> str:
    """'All nurses (n = 213)', and a scale's off-scale answers: '(n = 210; don't know 9%)'."""
    base = f"n = {prose.count(row.n)}" if row.n is not None else missing_words(row)
    if row.n is not None and labels:
        base += "".join(
            f"; {labels[v]} {share_text(row.shares[v], ctx, v in row.withheld)}"
            for v in NON_SUBSTANTIVE
            if v in row.shares
        )
    return "\n".join(textwrap.wrap(row.label, 26)) + f"\n({base})"


def legend_columns(names: list[str], fontsize: float, handle: float = 1.0) -> int:
    """As many legend entries to a row as fit the chart's width (a legend wider than the figure collapses its
    layout): each entry its handle, its gap and its text, at about 0.55 em a character, one em between entries."""
    widths = [(handle + 0.4 + 0.55 * len(name) + 1) * fontsize for name in names]
    room = WIDTH_IN * 72 * 0.95
    return next((n for n in range(len(names), 1, -1) if max_row(widths, n) <= room), 1)


def max_row(widths: list[float], ncols: int) -> float:
    """The widest row of a legend laid out `ncols` to a row (each column as wide as its widest entry)."""
    columns = [max(widths[c::ncols]) for c in range(ncols)]
    return sum(columns)


def row_major(handles: list, ncols: int) -> list:
    """Legend entries reordered so that matplotlib's column-by-column fill reads row by row."""
    nrows = -(-len(handles) // ncols)
    grid = [handles[r * ncols : (r + 1) * ncols] for r in range(nrows)]
    return [grid[r][c] for c in range(ncols) for r in range(nrows) if c < len(grid[r])]


def title_for(ctx, question_id: str, findings: list[Finding], rows: list[Row] | None = None) -> str:
    """The chart's title, worded by the narrative (captions.question_caption) from its findings and whether its
    first row still shows a share."""
    some_shown = bool(rows) and any(s is not None for v, s in rows[0].shares.items() if v not in NON_SUBSTANTIVE)
    wording = ctx.codebook.questions[question_id].wording
    return captions.question_caption([f.as_record() for f in findings], who(ctx), wording, some_shown)


# --- alt text ---------------------------------------------------------------------------------------------------


def row_alt(row: Row, labels: dict[str, str], ctx) -> str:
    if row.n is None:
        return f"{prose.capfirst(row.label)}: {missing_words(row)}"
    parts = [f"{labels[v]} {share_text(s, ctx, v in row.withheld)}" for v, s in row.shares.items()]
    return f"{prose.capfirst(row.label)} (n = {prose.count(row.n)}): {', '.join(parts)}"


def distribution_alt(kind: str, wording: str, rows: list[Row], labels: dict[str, str], ctx) -> str:
    text = f"{kind} of answers to the question \u201c{wording}\u201d. " + "; ".join(
        row_alt(r, labels, ctx) for r in rows
    )
    if any(r.withheld for r in rows):
        text += ". Withheld: hidden so that a count of " + suppressed_words(ctx) + " cannot be worked out"
    return text + "."


# --- drawing ----------------------------------------------------------------------------------------------------


def _bare_axes(ax) -> None:
    ax.xaxis.set_visible(False)
    ax.grid(False)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0, pad=8)


def scale_parts(values: list[str]) -> tuple[list[str], str | None]:
    """The scale's substantive answers, favourable first as in the codebook, and its middle answer if odd."""
    scale = [v for v in values if v not in NON_SUBSTANTIVE]
    middle = scale[len(scale) // 2] if len(scale) % 2 else None
    return scale, middle


def draw_diverging(ctx, rows: list[Row], values: list[str], labels: dict[str, str]):
    """Unfavourable answers extend left of zero, favourable right; the middle answer straddles zero."""
    scale, middle = scale_parts(values)
    order = scale[::-1]  # unfavourable first: drawn from the centre outwards on the left
    colours = dict(zip(order, [SEQUENTIAL[i] for i in RAMP_PICKS[len(order)]], strict=False))
    unfavourable = order[: len(order) // 2]
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.9 + 0.75 * len(rows)), layout="constrained")
    positions = list(range(len(rows)))[::-1]
    for y, row in zip(positions, rows, strict=False):
        if row.n is None:
            ax.text(0, y, row_note(missing_words(row)), ha="center", va="center", color=MUTED, bbox=OVER_AXIS)
            continue
        if all(row.shares[v] is None for v in scale):
            ax.text(0, y, row_note(NONE_SHOWN), ha="center", va="center", color=MUTED, bbox=OVER_AXIS)
            continue
        share = {v: (row.shares[v] or 0.0) * 100 for v in scale}
        left = -sum(share[v] for v in unfavourable) - (share[middle] / 2 if middle else 0)
        for v in order:
            width = share[v]
            ax.barh(
                y,
                width,
                left=left,
                color=colours[v],
                height=0.6,
                label=prose.capfirst(labels[v]) if y == positions[0] else None,
            )
            if row.shares[v] is not None and row.shares[v] >= LABEL_MIN:
                dark = order.index(v) < len(order) / 2
                ax.text(
                    left + width / 2,
                    y,
                    prose.percent(row.shares[v]),
                    ha="center",
                    va="center",
                    color="white" if dark else TEXT,
                    fontsize=BASE_PT - 1,
                )
            left += width
    ax.set_yticks(positions, [row_label(r, ctx, labels) for r in rows])
    ax.set_xlim(-100, 100)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    _bare_axes(ax)
    handles, names = ax.get_legend_handles_labels()
    ncols = legend_columns(names, BASE_PT - 1)
    fig.legend(  # above the chart from its left edge, the whole width (the plot starts after the row labels)
        row_major(handles, ncols),
        row_major(names, ncols),
        loc="outside upper left",
        ncols=ncols,
        frameon=False,
        fontsize=BASE_PT - 1,
        handlelength=1,
        columnspacing=1,
        handletextpad=0.4,
    )
    if any(r.n is not None and None in r.shares.values() for r in rows):
        note = (
            f"Gaps: answers given by {suppressed_words(ctx)} {who(ctx)}, or withheld so that such a count "
            "cannot be worked out"
        )
        fig.supxlabel("\n".join(textwrap.wrap(note, 70)), fontsize=BASE_PT - 1, color=MUTED)
    reference_line(ax, 0, color=MUTED, linewidth=0.8)  # the centre, last: it stops short of every label
    return fig


def draw_bars(ctx, row: Row, values: list[str], labels: dict[str, str], counted: set[str]):
    """One bar per answer, largest share first; the counted answers highlighted; suppressed answers named only."""
    ranked = sorted(values, key=lambda v: (-(row.shares.get(v) or 0.0), values.index(v)))
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.5 + 0.42 * len(ranked)), layout="constrained")
    positions = list(range(len(ranked)))[::-1]
    for y, v in zip(positions, ranked, strict=False):
        share = row.shares.get(v)
        ax.barh(y, (share or 0.0) * 100, color=DARK_BLUE if v in counted else GREY, height=0.66)
        ax.text(
            (share or 0.0) * 100 + 1.2,
            y,
            share_text(share, ctx, v in row.withheld),
            va="center",
            ha="left",
            color=TEXT,
            fontweight=600 if v in counted else 400,
        )
    ax.set_yticks(positions, [prose.capfirst(labels[v]) for v in ranked])
    ax.set_xlim(0, 100)
    ax.set_ylim(-0.5, len(ranked) - 0.5)
    _bare_axes(ax)
    ax.spines["left"].set_visible(True)
    ax.spines["left"].set_color("#8C8C8C")
    ax.set_xlabel("")
    ax.text(
        0,
        1.0,
        f"n = {prose.count(row.n)}" if row.n is not None else missing_words(row),
        transform=ax.transAxes,
        ha="left",
        va="bottom",
        color=MUTED,
        fontsize=BASE_PT - 1,
    )
    return fig


# --- the charts -------------------------------------------------------------------------------------------------


def figure_record(
    chart_id: str, title: str, alt: str, path: Path | None, ctx, findings: list[Finding], notebook: str, **extra
) -> Finding:
    return Finding(
        id=chart_id,
        value=None,
        description=title,
        base=findings[0].base if findings else "",
        notebook=notebook,
        inputs=sorted({i for f in findings for i in f.inputs}),
        kind="figure",
        extra={
            "path": path.as_posix() if path else None,
            "alt": alt,
            "title": title,
            "source": source_line(ctx),
            **extra,
        },
    )


def shows_nothing(rows: list[Row]) -> bool:
    """No row has a share to draw: every row too small, withheld, or every answer a small count (or protecting one)."""
    return all(
        row.n is None or all(s is None for v, s in row.shares.items() if v not in NON_SUBSTANTIVE) for row in rows
    )


def not_drawn_sentence(ctx, question_id: str, rows: list[Row]) -> str:
    """Why a chart with nothing to show is not drawn, said where it would have been."""
    wording = ctx.codebook.questions[question_id].wording
    if all(row.n is None and not row.withheld for row in rows):
        why = f"too few {who(ctx)} answered it"
    else:
        why = f"every answer is given by {suppressed_words(ctx)} {who(ctx)}, or would let such a count be worked out"
    return f"No chart is shown for the question \u201c{wording}\u201d: {why}."


def numeric_chart(ctx, question_id: str, findings: list[Finding], figures_dir: str | Path, notebook: str) -> Finding:
    """A numeric question has no answers to list: a bar per range its findings of all respondents count ("spend
    10 hours or more a week ..."), each the finding's own (already published, suppressed alike) share."""
    from briefing.publication.charts import share_bars

    overall = [f for f in findings if f.kind == "proportion" and not f.extra.get("subgroup")]
    if len(overall) == 1:  # "42% of all nurses work 12 hours or more a shift ..."
        bars, subject = [(f"All {who(ctx)}", overall[0])], overall[0].description
    else:
        bars, subject = [(prose.capfirst(f.description), f) for f in overall], f"(shares of {who(ctx)})"
    chart = share_bars(
        f"fig_{question_id}",
        title_for(ctx, question_id, findings),
        bars,
        subject=subject,
        figures_dir=figures_dir,
        notebook=notebook,
        source=source_line(ctx),
    )
    chart.extra.update(theme=findings[0].extra.get("theme"), question=question_id)
    return chart


def question_chart(ctx, question_id: str, findings: list[Finding], figures_dir: str | Path, notebook: str) -> Finding:
    """The full answer distribution of one question, drawn as its codebook type calls for; not drawn when no row
    has a share to show (an empty frame under a headline would look like a finding), a sentence saying why."""
    question = ctx.codebook.questions[question_id]
    if question.type == "numeric":
        return numeric_chart(ctx, question_id, findings, figures_dir, notebook)
    labels, values = question.labels(), question.values()
    rows = rows_for(ctx, question_id, findings)
    title = title_for(ctx, question_id, findings, rows)
    theme = findings[0].extra.get("theme") if findings else None
    record = dict(theme=theme, question=question_id, rows=[r.as_record() for r in rows])
    if shows_nothing(rows):
        sentence = not_drawn_sentence(ctx, question_id, rows)
        return figure_record(
            f"fig_{question_id}", title, sentence, None, ctx, findings, notebook, **record, not_drawn=sentence
        )
    counted = {v for f in findings for v in f.extra.get("counts", [])}
    with plt.style.context(house_style()):
        if question.type == "likert":
            fig, kind = draw_diverging(ctx, rows, values, labels), "Diverging bar chart"
        else:
            fig = draw_bars(ctx, rows[0], values, labels, counted)
            kind = "Ranked bar chart (several answers allowed)" if question.type == "multiple_choice" else "Bar chart"
        alt = distribution_alt(kind, question.wording, rows, labels, ctx)
        path = save_svg(fig, Path(figures_dir) / f"fig_{question_id}.svg", title, alt)
    return figure_record(f"fig_{question_id}", title, alt, path, ctx, findings, notebook, **record)


def theme_charts(ctx, results: list[Finding], figures_dir: str | Path, notebook: str) -> list[Finding]:
    """One chart per question behind the theme's findings, in codebook order."""
    by_question: dict[str, list[Finding]] = {}
    for f in results:
        if f.kind == "proportion" and f.extra.get("question"):
            by_question.setdefault(f.extra["question"], []).append(f)
    ordered = [q for q in ctx.codebook.questions if q in by_question]
    return [question_chart(ctx, q, by_question[q], figures_dir, notebook) for q in ordered]


# --- the overview -----------------------------------------------------------------------------------------------


def headline_findings(results: list[Finding]) -> list[Finding]:
    """Every survey finding about all respondents (not a subgroup), largest share first; suppressed last."""
    shown = [f for f in results if f.kind == "proportion" and not f.extra.get("subgroup") and "question" in f.extra]
    return sorted(shown, key=lambda f: (f.value is None, -(f.value or 0.0), f.id))


def overview_alt(findings: list[Finding], ctx) -> str:
    level = prose.percent(ctx.params.confidence_level)
    parts = []
    for f in findings:
        if f.value is None:
            parts.append(f"{f.description}: {suppressed_words(ctx)} (suppressed)")
        else:
            parts.append(
                f"{prose.percent(f.value)} {f.description} ({prose.percent(f.extra['ci_low'])} to "
                f"{prose.percent(f.extra['ci_high'])})"
            )
    return (
        f"Dot chart of every headline finding with its {level} confidence interval, as shares of {who(ctx)}: "
        + "; ".join(parts)
        + "."
    )


def overview(ctx, results: list[Finding], figures_dir: str | Path, notebook: str) -> Finding:
    """Every headline finding as a dot with its confidence interval, largest first, against a line at half."""
    findings = headline_findings(results)
    title = captions.overview_caption([f.as_record() for f in findings], who(ctx))
    alt = overview_alt(findings, ctx)
    with plt.style.context(house_style()):
        fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.6 + 0.5 * len(findings)), layout="constrained")
        positions = list(range(len(findings)))[::-1]
        for y, f in zip(positions, findings, strict=False):
            if f.value is None:
                ax.text(0, y, suppressed_words(ctx), va="center", color=MUTED)
                continue
            low, high = f.extra["ci_low"] * 100, f.extra["ci_high"] * 100
            ax.plot([low, high], [y, y], color=DARK_BLUE, linewidth=2.2, solid_capstyle="butt")
            ax.plot(f.value * 100, y, "o", color=DARK_BLUE, markersize=7, markeredgecolor="white")
            ax.text(high + 2, y, prose.percent(f.value), va="center", ha="left", color=TEXT, fontweight=600)
        ax.text(50, len(findings) - 0.45, "half", ha="center", va="bottom", color=MUTED, fontsize=BASE_PT - 1)
        labels = ["\n".join(textwrap.wrap(prose.capfirst(f.description), 34)) for f in findings]
        ax.set_yticks(positions, labels, fontsize=BASE_PT - 1)
        ax.set_xlim(0, 100)
        ax.set_ylim(-0.6, len(findings) - 0.2)
        _bare_axes(ax)
        ax.xaxis.set_visible(True)
        ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
        ax.tick_params(axis="x", length=0, labelcolor=MUTED, labelsize=BASE_PT - 1)
        reference_line(ax, 50, color=MUTED, linewidth=0.8, linestyle=(0, (3, 2)))  # last: it stops short of labels
        path = save_svg(fig, Path(figures_dir) / "fig_overview.svg", title, alt)
    return figure_record(
        "fig_overview", title, alt, path, ctx, findings, notebook, theme="overview", shows=[f.id for f in findings]
    )
