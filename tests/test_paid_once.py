"""Work a build pays for once rather than once per chart or per step (the costs `make bench` profiles; timings
themselves are never asserted in a test)."""

from __future__ import annotations

import shutil
import subprocess
import sys

from fontTools import subset

from briefing.publication import charts

# Two labels as matplotlib writes them (text kept as text), in the regular and the semibold face.
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg">'
    "<text style=\"font-family: 'Inter'; font-size: 10px\">{text} 61%</text>"
    "<text style=\"font-family: 'Inter'; font-weight: 600; font-size: 10px\">{text}</text></svg>"
)


def cuts_counted(monkeypatch) -> list[int]:
    """Each time fontTools cuts a font down to a glyph set, an entry."""
    cuts, cut = [], subset.Subsetter.subset
    monkeypatch.setattr(subset.Subsetter, "subset", lambda self, font: cuts.append(1) or cut(self, font))
    return cuts


def test_a_glyph_set_cut_from_a_face_once_is_not_cut_again(monkeypatch):
    """Every chart cut the Inter faces down to its glyphs, even when an earlier chart of the build (the other
    wave's) had used exactly the same characters."""
    cuts = cuts_counted(monkeypatch)
    svg = SVG.format(text="Paid once: PCNs over 60,000")
    first = charts._font_faces(svg)
    assert first.count("@font-face") == 2 and len(cuts) == 2  # one per face
    assert charts._font_faces(svg) == first and len(cuts) == 2


def test_the_subsets_kept_follow_the_font_files_content(monkeypatch, tmp_path):
    """The same path with other bytes (a font replaced during a session) is cut again, not served from before."""
    cuts = cuts_counted(monkeypatch)
    for face in ("Inter-Regular.otf", "Inter-SemiBold.otf"):
        shutil.copy(charts.FONTS_DIR / face, tmp_path / face)
    monkeypatch.setattr(charts, "FONTS_DIR", tmp_path)
    svg = SVG.format(text="Paid once: a font replaced")
    regular = charts._font_faces(svg)
    shutil.copy(charts.FONTS_DIR / "Inter-SemiBold.otf", tmp_path / "Inter-Regular.otf")
    assert charts._font_faces(svg) != regular and len(cuts) == 3


def imported_by(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_intervals_and_tests_leave_scipy_stats_unimported():
    """A normal quantile cost every notebook kernel scipy.stats' import (half a second): scipy.special has it."""
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
