"""Secondary suppression across editions: no hidden cell can be recovered by subtraction."""

import pytest

from briefing.analysis import disclosure, themes
from briefing.analysis.disclosure import Cell
from tests.conftest import ROOT

T = 8


def test_one_suppressed_region_forces_a_second_one():
    cells = {("England", "x"): Cell(60, 100, True, None), ("A", "x"): Cell(3, 20, True, "small count"),
             ("B", "x"): Cell(30, 40, True, None), ("C", "x"): Cell(27, 40, True, None)}  # fmt: skip
    tables = [(("England", "x"), [("A", "x"), ("B", "x"), ("C", "x")])]
    assert disclosure.protect(cells, tables, {("A", "x")}, set(), T) == ({("B", "x")}, set())  # equal bases: by name


def test_a_second_cell_is_not_enough_when_the_two_still_sum_to_a_small_count():
    cells = {("E", "x"): Cell(40, 100, True, None), ("A", "x"): Cell(2, 10, True, "small count"),
             ("B", "x"): Cell(3, 12, True, None), ("C", "x"): Cell(35, 78, True, None)}  # fmt: skip
    tables = [(("E", "x"), [("A", "x"), ("B", "x"), ("C", "x")])]
    assert disclosure.protect(cells, tables, {("A", "x")}, set(), T) == ({("B", "x"), ("C", "x")}, set())


def test_an_unpublished_band_counts_as_hidden():
    # overall 20 = small 9 + medium 3 (never published) + large 8: medium is recoverable unless a band goes too
    cells = {("A", "u"): Cell(20, 40, True, None), ("A", "u_small"): Cell(9, 15, True, None),
             ("A", "u:medium"): Cell(3, 10, False, None), ("A", "u_large"): Cell(8, 15, True, None)}  # fmt: skip
    tables = [(("A", "u"), [("A", "u_small"), ("A", "u:medium"), ("A", "u_large")])]
    medium = {("A", "u:medium")}
    assert disclosure.protect(cells, tables, set(medium), set(medium), T) == ({("A", "u_large")}, set())


def test_nothing_is_withheld_when_nothing_is_recoverable():
    cells = {("E", "x"): Cell(40, 100, True, None), ("A", "x"): Cell(20, 50, True, None), ("B", "x"): Cell(20, 50, True, None)}
    assert disclosure.protect(cells, [(("E", "x"), [("A", "x"), ("B", "x")])], set(), set(), T) == (set(), set())


def test_a_small_base_alone_among_hidden_cells_takes_another_base_with_it():
    # every region hidden already; only A's base (5) is: England's base minus the others' would reveal it
    cells = {("E", "x"): Cell(30, 65, True, None), ("A", "x"): Cell(2, 5, True, "small count"),
             ("B", "x"): Cell(14, 30, True, "small complement"), ("C", "x"): Cell(14, 30, True, "small complement")}  # fmt: skip
    hidden = {("A", "x"), ("B", "x"), ("C", "x")}
    assert disclosure.protect(cells, [(("E", "x"), sorted(hidden))], hidden, {("A", "x")}, T) == (set(), {("B", "x")})


@pytest.mark.parametrize("wave", ["2019", "2020"])
def test_the_example_waves_plan_leaves_nothing_recoverable(wave):
    ctx = themes.load_context(ROOT / "params.yml", england=True, wave=wave)
    regions = sorted(ctx.frame["region"].unique())
    withheld = disclosure.plan(ctx)
    if wave == "2019":
        assert "England" not in withheld
        assert withheld["North West"] == {"workload_unmanageable_small": disclosure.SECONDARY}
        assert withheld["East of England"]["workload_unmanageable_small"] == disclosure.SECONDARY_BASE  # South West's base is 7
    assert sum(len(v) for v in withheld.values()) > 0
    for spec in ctx.codebook.findings_in(ctx.params.wave).values():
        hidden = []
        for region in regions:
            survey = ctx.survey[ctx.survey["region"] == region]
            cell = disclosure.area_cells(survey, ctx, True)[spec.id]
            reason = withheld.get(region, {}).get(spec.id)
            if cell.primary or reason:
                hidden.append(cell.hidden_amounts(cell.base < T or reason == disclosure.SECONDARY_BASE))
        assert not disclosure.is_disclosive(hidden, T), (wave, spec.id)


def test_the_plan_is_made_from_england_whatever_the_edition():
    region = themes.load_context(ROOT / "params.yml", wave="2019", region="London")
    with pytest.raises(ValueError, match="England"):
        disclosure.plan(region)
    england = themes.load_context(ROOT / "params.yml", england=True, wave="2019", region="London")
    assert england.params.region is None and len(england.survey) == 213


def test_a_planned_england_figure_is_withheld_in_the_england_briefing(tmp_path):
    """England's own cells can be withheld too (an England band recovered from the others): the plan's
    'England' entry applies to the England briefing."""
    plan = tmp_path / "withheld.json"
    disclosure.write_plan({"England": {"plan_to_leave": disclosure.SECONDARY}, "London": {"plan_to_leave": disclosure.SECONDARY}}, plan)
    england = themes.load_context(ROOT / "params.yml", plan, wave="2019")
    by_id = {f.id: f for f in themes.survey_findings(england, "retention", "test")}
    assert england.withheld == {"plan_to_leave": disclosure.SECONDARY}
    assert by_id["plan_to_leave"].value is None and by_id["plan_to_leave"].extra["suppressed"]
    north_west = themes.load_context(ROOT / "params.yml", plan, wave="2019", region="North West")
    assert north_west.withheld == {}
