"""The chart of change: each headline finding in every wave, with its confidence interval (charts.py's house style).

The title follows the tests (how many findings moved by more than chance alone would explain), worded by the
narrative (captions.change_caption), and the alt text is written from the plotted numbers, so neither can disagree
with the picture.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from briefing import config
from briefing.analysis.findings import Finding
from briefing.inputs.codebook import load_codebook
from briefing.narrative import captions
from briefing.narrative.prose import capfirst, percent
from briefing.publication.charts import BASE_PT, DARK_BLUE, GREY, MUTED, TEXT, WIDTH_IN, house_style, save_svg
from briefing.publication.theme_charts import legend_columns, row_major

CHART_ID = "fig_change_headlines"


def headline_changes(changes: list[Finding]) -> list[Finding]:
    """The findings shown: every whole-sample finding compared across the two waves, the largest rise first and the
    largest fall last (so what moved sits at the ends, where the eye starts and stops)."""
    shown = [c for c in changes if c.kind == "change" and c.extra["status"] == "compared" and not c.extra["subgroup"]]
    return sorted(shown, key=lambda c: (-c.value, c.id))


def moved_words(change: Finding) -> str:
    """The legend's and the alt text's words for whether the test supports a change."""
    return "moved by more than chance" if change.extra["significant"] else "within what chance could produce"


def change_alt(shown: list[Finding]) -> str:
    first = shown[0].extra
    level = percent(first["confidence_level"])
    parts = []
    for c in shown:
        old, new = c.extra["previous"], c.extra["current"]
        parts.append(
            f"{c.description}: {percent(old['value'])} in {c.extra['compare_wave']} ({percent(old['ci_low'])} to "
            f"{percent(old['ci_high'])}), {percent(new['value'])} in {c.extra['wave']} ({percent(new['ci_low'])} to "
            f"{percent(new['ci_high'])}), {moved_words(c)}"
        )
    head = (
        f"Dot chart: each finding in {first['compare_wave']} and {first['wave']}, with its {level} confidence interval, "
        f"largest rise first; a filled {first['wave']} dot marks a change of more than chance alone would explain. "
    )
    return head + capfirst("; ".join(parts)) + "."


def survey_source(params_path: str | Path | None) -> str:
    """The survey's source line (the codebook's `survey.source`), for the parameters file's codebook."""
    params = config.load(params_path)
    return load_codebook(
        config.find_root(Path(params_path).resolve().parent if params_path else None) / params.codebook
    ).survey.source


def change_legend(fig, previous_wave: str, wave: str) -> None:
    """Above the plot: the two waves' colours, and what a filled or an open dot of the reported wave means."""

    def dot(colour: str, face: str) -> Line2D:
        return Line2D([], [], color=colour, marker="o", markerfacecolor=face, markersize=6, linewidth=2)

    names = [previous_wave, f"{wave}: moved beyond chance", f"{wave}: within chance"]
    ncols = legend_columns(names, BASE_PT - 1, handle=1.6)
    fig.legend(  # above the chart from its left edge, the whole width (the plot starts after the row labels)
        row_major([dot(GREY, GREY), dot(DARK_BLUE, DARK_BLUE), dot(DARK_BLUE, "white")], ncols),
        row_major(names, ncols),
        loc="outside upper left",
        ncols=ncols,
        frameon=False,
        fontsize=BASE_PT - 1,
        handlelength=1.6,
        columnspacing=1,
        handletextpad=0.4,
    )


def change_chart(changes: list[Finding], figures_dir: str | Path, notebook: str, source: str) -> Finding | None:
    """Dots with interval bars, the earlier wave in grey above the reported wave in dark blue, labelled directly.
    `source`: the survey's source line (`survey_source`), to which the waves are added."""
    shown = headline_changes(changes)
    if not shown:
        return None
    wave, previous_wave = shown[0].extra["wave"], shown[0].extra["compare_wave"]
    title = captions.change_caption([c.as_record() for c in shown], previous_wave)  # the narrative's words
    alt = change_alt(shown)
    source = f"{source}, {previous_wave} and {wave}"
    with plt.style.context(house_style()):
        labels = [textwrap.fill(capfirst(c.description), 30) for c in shown]
        lines = max(label.count("\n") + 1 for label in labels)  # a row as tall as its longest label, 9 pt lines
        fig, ax = plt.subplots(
            figsize=(WIDTH_IN, 0.85 + max(0.5, 0.16 * lines + 0.06) * len(shown)), layout="constrained"
        )
        rows = list(range(len(shown)))[::-1]
        for y, c in zip(rows, shown, strict=False):
            for offset, record, colour, label in (
                (0.18, c.extra["previous"], GREY, previous_wave),
                (-0.18, c.extra["current"], DARK_BLUE, wave),
            ):
                values = [record["ci_low"] * 100, record["value"] * 100, record["ci_high"] * 100]
                # the reported wave's dot is filled where the test supports the change, open where it does not
                face = "white" if colour == DARK_BLUE and not c.extra["significant"] else colour
                ax.plot([values[0], values[2]], [y + offset] * 2, color=colour, linewidth=2, solid_capstyle="butt")
                ax.plot(values[1], y + offset, "o", color=colour, markerfacecolor=face, markersize=6, zorder=3)
                ax.text(
                    values[2] + 1.5,
                    y + offset,
                    f"{label}: {percent(record['value'])}",
                    va="center",
                    ha="left",
                    color=TEXT if colour == DARK_BLUE else MUTED,
                    fontsize=BASE_PT - 1,
                    fontweight=600 if colour == DARK_BLUE and c.extra["significant"] else 400,
                    # a label on a gridline hides the line where it stands ("2019: 2|7%" read as a stroke)
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6},
                    zorder=4,
                )
        change_legend(fig, previous_wave, wave)
        ax.set_yticks(rows, labels, fontsize=BASE_PT - 1)
        for tick, c in zip(ax.get_yticklabels(), shown, strict=False):
            tick.set_fontweight(600 if c.extra["significant"] else 400)
        ax.set_xlim(0, 112)
        ax.set_xticks(range(0, 101, 25), [f"{v}%" for v in range(0, 101, 25)])
        ax.set_ylim(-0.6, len(shown) - 0.4)
        ax.grid(axis="x", color="#D9D9D9")
        ax.grid(axis="y", visible=False)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.tick_params(axis="y", length=0, pad=6)
        path = save_svg(fig, Path(figures_dir) / f"{CHART_ID}.svg", title, alt)
    return Finding(
        id=CHART_ID,
        value=None,
        description=title,
        base=shown[0].base,
        notebook=notebook,
        inputs=sorted({i for c in shown for i in c.inputs}),
        kind="figure",
        extra={
            "path": path.as_posix(),
            "alt": alt,
            "title": title,
            "source": source,
            "bars": [c.id for c in shown],
            "theme": "change",
        },
    )
