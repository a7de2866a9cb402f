"""Full answer distributions: every cell counted, and disclosure control before anything is drawn."""

from __future__ import annotations

import pandas as pd

from briefing.analysis.distributions import cell_key, drawn_bands, planned_cells, raw_counts, suppress
from briefing.analysis.stats import SECONDARY, SECONDARY_BASE
from briefing.inputs.codebook import Question, Response


def question(kind="single_choice", values=("A", "B", "C")):
    return Question(id="q", type=kind, wording="Q?", responses=[Response(v, v.lower()) for v in values])


def test_counts_every_response_in_codebook_order_and_skips_blanks():
    survey = pd.DataFrame({"q": ["A", "B", "B", None, " ", "C", "B"]})
    assert raw_counts(survey, question(), ";") == (5, {"A": 1, "B": 3, "C": 1})


def test_multiple_choice_counts_each_selection():
    survey = pd.DataFrame({"q": ["A;B", "B", "B;C", None]})
    assert raw_counts(survey, question("multiple_choice"), ";") == (3, {"A": 1, "B": 3, "C": 1})


def test_counts_of_one_to_seven_are_never_shown():
    row = suppress(100, {"A": 7, "B": 8, "C": 85}, threshold=8, sums_to_base=False)
    assert row.counts == {"A": None, "B": 8, "C": 85}
    assert row.shares == {"A": None, "B": 0.08, "C": 0.85}


def test_zero_is_shown():
    row = suppress(100, {"A": 0, "B": 20, "C": 80}, threshold=8, sums_to_base=True)
    assert row.shares == {"A": 0.0, "B": 0.2, "C": 0.8} and row.withheld == []


def test_a_lone_hidden_cell_takes_the_next_smallest_with_it_so_it_cannot_be_worked_out():
    row = suppress(100, {"A": 3, "B": 30, "C": 67}, threshold=8, sums_to_base=True)
    assert row.counts == {"A": None, "B": None, "C": 67} and row.withheld == ["B"]


def test_secondary_suppression_spares_a_published_share():
    row = suppress(38, {"A": 3, "B": 19, "C": 16}, threshold=8, sums_to_base=True, published=frozenset({"C"}))
    assert row.counts == {"A": None, "B": None, "C": 16} and row.withheld == ["B"]


def test_multiple_choice_checks_the_complement_instead():
    row = suppress(100, {"A": 95, "B": 50, "C": 3}, threshold=8, sums_to_base=False)
    assert row.counts == {"A": None, "B": 50, "C": None} and row.withheld == []


def test_a_small_base_hides_the_whole_row_and_its_base():
    row = suppress(7, {"A": 3, "B": 4, "C": 0}, threshold=8, sums_to_base=True)
    assert row.n is None and set(row.counts.values()) == {None}


def test_a_plan_replaces_the_rows_own_secondary_rule():
    row = suppress(100, {"A": 3, "B": 30, "C": 67}, threshold=8, sums_to_base=True, planned={})
    assert row.counts == {"A": None, "B": 30, "C": 67} and row.withheld == []  # nothing planned: nothing more
    row = suppress(100, {"A": 3, "B": 30, "C": 67}, threshold=8, sums_to_base=True, planned={"C": SECONDARY})
    assert row.shares == {"A": None, "B": 0.3, "C": None} and row.withheld == ["C"]


def test_a_planned_base_withholds_the_whole_row():
    for planned in ({None: SECONDARY}, {"B": SECONDARY_BASE}):
        row = suppress(100, {"A": 3, "B": 30, "C": 67}, threshold=8, sums_to_base=True, planned=planned)
        assert row.n is None and set(row.counts.values()) == {None} and row.withheld == ["A", "B", "C"]


def test_the_plans_cells_for_one_row():
    withheld = {"fig:q=A": SECONDARY, "fig:q=B:small": SECONDARY, "fig:q:large": SECONDARY, "plan_to_leave": SECONDARY}
    assert planned_cells(withheld, question(), None) == {"A": SECONDARY}
    assert planned_cells(withheld, question(), "small") == {"B": SECONDARY}
    assert planned_cells(withheld, question(), "large") == {None: SECONDARY}
    assert planned_cells(None, question(), None) is None


def test_only_a_scales_chart_draws_size_bands():
    assert drawn_bands(question("likert"), {"large", "small"}, ["small", "medium", "large"]) == ["small", "large"]
    assert drawn_bands(question("likert"), {"b", "a"}, ["b", "a"]) == ["b", "a"]  # the codebook's order
    assert drawn_bands(question("single_choice"), {"large", "small"}) == []
    assert cell_key("q", "A", "small") == "fig:q=A:small" and cell_key("q") == "fig:q"
