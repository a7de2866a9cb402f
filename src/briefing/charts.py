"""Charts in one house style (afcharts, the Analysis Function's matplotlib style), as SVG with generated alt text.

A chart is recorded as a finding of kind "figure" whose `alt` text is written from the same numbers it plots,
so the text alternative can never disagree with the picture.
"""

from __future__ import annotations

from pathlib import Path

import afcharts
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from briefing.findings import Finding  # noqa: E402
from briefing.prose import percent  # noqa: E402

STYLE = Path(afcharts.__file__).parent / "afcharts.mplstyle"
DARK_BLUE, GREY = "#12436D", "#BFBFBF"


def _save_svg(fig, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Fixed metadata and hash salt make the SVG byte-identical between builds.
    plt.rcParams["svg.hashsalt"] = "briefing"
    fig.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)


def share_bars(
    chart_id: str,
    title: str,
    bars: list[tuple[str, Finding]],
    subject: str,
    figures_dir: str | Path,
    notebook: str,
    source: str,
) -> Finding:
    """Horizontal bars of proportions, labelled directly, highlighting the first and last bars (the comparison)."""
    labels = [label for label, _ in bars]
    values = [f.value for _, f in bars]
    with plt.style.context(STYLE):
        fig, ax = plt.subplots(figsize=(7.5, 0.75 + 0.62 * len(bars)))
        colours = [DARK_BLUE if i in (0, len(bars) - 1) else GREY for i in range(len(bars))]
        positions = range(len(bars))[::-1]
        ax.barh(list(positions), [v * 100 for v in values], color=colours, height=0.62)
        for y, value in zip(positions, values):
            ax.text(value * 100 + 1, y, percent(value), va="center", fontsize=13)
        ax.set_yticks(list(positions), labels)
        ax.set_xlim(0, 100)
        ax.xaxis.set_visible(False)
        ax.grid(False)
        ax.spines["bottom"].set_visible(False)
        ax.tick_params(axis="y", length=0)
    path = Path(figures_dir) / f"{chart_id}.svg"
    _save_svg(fig, path)
    alt = "Bar chart: " + "; ".join(f"{percent(f.value)} of {label.lower()} {subject}" for label, f in bars) + "."
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


def unmanageable_by_size(ctx, by_id: dict[str, Finding], figures_dir: str | Path, notebook: str) -> Finding:
    """Workload found unmanageable: small PCNs, all respondents, large PCNs."""
    p = ctx.params
    bars = [
        (f"PCNs under {p.small_pcn_max:,} patients", by_id["workload_unmanageable_small"]),
        ("All PCNs", by_id["workload_unmanageable"]),
        (f"PCNs over {p.large_pcn_min:,} patients", by_id["workload_unmanageable_large"]),
    ]
    small, large = bars[0][1].value, bars[-1][1].value
    # The headline follows the data: it names whichever group is higher (issue 4 adds the test of the difference).
    title = (
        "Workload is more often unmanageable for clinical directors of smaller PCNs" if small > large
        else "Workload is more often unmanageable for clinical directors of larger PCNs" if large > small
        else "Small and large PCNs' clinical directors find workload unmanageable equally often"
    )
    return share_bars(
        "fig_workload_by_size",
        title,
        bars,
        subject="find the workload in general practice unmanageable",
        figures_dir=figures_dir,
        notebook=notebook,
        source=f"Survey of PCN clinical directors, {p.wave}",
    )
