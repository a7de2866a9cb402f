"""Work a build pays for once rather than once per chart or per step (the costs `make bench` profiles; timings
themselves are never asserted in a test)."""

from __future__ import annotations

import subprocess
import sys

import matplotlib.pyplot as plt
from fontTools import subset

from briefing.publication import charts


def cuts_counted(monkeypatch) -> list[int]:
    """Each time fontTools cuts a font down to a glyph set, an entry."""
    cuts, cut = [], subset.Subsetter.subset
    monkeypatch.setattr(subset.Subsetter, "subset", lambda self, font: cuts.append(1) or cut(self, font))
    return cuts


def test_no_chart_cuts_a_font(monkeypatch, tmp_path):
    """Every chart cut the Inter faces down to its glyphs (a fifth of a second a cut, a dozen cuts a build): the
    page now sets its charts inline, in the Inter it embeds once (publication/inline_charts.py)."""
    cuts = cuts_counted(monkeypatch)
    fig, ax = plt.subplots(figsize=(charts.WIDTH_IN, 1), layout="constrained")
    ax.set_title("Paid once: PCNs over 60,000", fontweight=600)
    charts.save_svg(fig, tmp_path / "fig.svg", "A title", "An alt text")
    assert cuts == [] and "@font-face" not in (tmp_path / "fig.svg").read_text(encoding="utf-8")


def imported_by(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_intervals_and_tests_leave_scipy_stats_unimported():
    """A normal quantile cost every notebook worker scipy.stats' import (half a second): scipy.special has it."""
    code = (
        "import sys\nfrom briefing.analysis import stats\n"
        "stats.proportion_ci(30, 100)\nstats.compare_proportions(30, 100, 50, 100)\n"
        "print('scipy.stats' in sys.modules)"
    )
    assert imported_by(code) == "False"


def test_the_render_step_does_not_load_the_planner():
    """The render step imported the provenance module, unused, and with it the plan, the codebook and pandas."""
    code = (
        "import sys, briefing.publication.render\n"
        "print([m for m in ('briefing.plan', 'briefing.inputs.codebook', 'briefing.narrative.provenance') if m in sys.modules])"
    )
    assert imported_by(code) == "[]"


def test_a_builds_notebooks_leave_pandera_unimported():
    """The notebooks read the wave's validated copy (inputs/validated.py): validating again, and pandera's import (a
    third of a second a worker), belong to the validation step alone."""
    code = (
        "import sys\nimport briefing.analysis.themes, briefing.analysis.disclosure, briefing.publication.charts\n"
        "import briefing.publication.theme_charts, briefing.publication.change_charts\n"
        "print('pandera' in sys.modules)"
    )
    assert imported_by(code) == "False"
