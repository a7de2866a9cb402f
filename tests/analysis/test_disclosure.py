"""Secondary suppression across editions: no hidden cell can be recovered by subtraction."""

import math

import pytest

from briefing.analysis import disclosure, stats, themes
from briefing.analysis.disclosure import Cell, Links
from briefing.analysis.distributions import distribution, planned_cells, sums_to_base
from tests.conftest import ROOT

T = 8
SMALL = range(1, T)


def test_one_suppressed_region_forces_a_second_one():
    cells = {
        ("England", "x"): Cell(60, 100, True, None),
        ("A", "x"): Cell(3, 20, True, "small count"),
        ("B", "x"): Cell(30, 40, True, None),
        ("C", "x"): Cell(27, 40, True, None),
    }
    tables = [(("England", "x"), [("A", "x"), ("B", "x"), ("C", "x")])]
    assert disclosure.protect(cells, tables, {("A", "x")}, set(), T) == (
        {("C", "x")},
        set(),
    )  # equal bases: the smaller count


def test_a_second_cell_is_not_enough_when_the_two_still_sum_to_a_small_count():
    cells = {
        ("E", "x"): Cell(40, 100, True, None),
        ("A", "x"): Cell(2, 10, True, "small count"),
        ("B", "x"): Cell(3, 12, True, None),
        ("C", "x"): Cell(35, 78, True, None),
    }
    tables = [(("E", "x"), [("A", "x"), ("B", "x"), ("C", "x")])]
    assert disclosure.protect(cells, tables, {("A", "x")}, set(), T) == ({("B", "x"), ("C", "x")}, set())


def test_an_unpublished_band_counts_as_hidden():
    # overall 20 = small 9 + medium 3 (never published) + large 8: medium is recoverable unless a band goes too
    cells = {
        ("A", "u"): Cell(20, 40, True, None),
        ("A", "u_small"): Cell(9, 15, True, None),
        ("A", "u:medium"): Cell(3, 10, False, None),
        ("A", "u_large"): Cell(8, 15, True, None),
    }
    tables = [(("A", "u"), [("A", "u_small"), ("A", "u:medium"), ("A", "u_large")])]
    medium = {("A", "u:medium")}
    assert disclosure.protect(cells, tables, set(medium), set(medium), T) == ({("A", "u_large")}, set())


def test_nothing_is_withheld_when_nothing_is_recoverable():
    cells = {
        ("E", "x"): Cell(40, 100, True, None),
        ("A", "x"): Cell(20, 50, True, None),
        ("B", "x"): Cell(20, 50, True, None),
    }
    assert disclosure.protect(cells, [(("E", "x"), [("A", "x"), ("B", "x")])], set(), set(), T) == (set(), set())


def test_a_small_base_alone_among_hidden_cells_takes_another_base_with_it():
    # every region hidden already; only A's base (5) is: England's base minus the others' would reveal it
    cells = {
        ("E", "x"): Cell(30, 65, True, None),
        ("A", "x"): Cell(2, 5, True, "small count"),
        ("B", "x"): Cell(14, 30, True, "small complement"),
        ("C", "x"): Cell(14, 30, True, "small complement"),
    }
    hidden = {("A", "x"), ("B", "x"), ("C", "x")}
    assert disclosure.protect(cells, [(("E", "x"), sorted(hidden))], hidden, {("A", "x")}, T) == (set(), {("B", "x")})


@pytest.mark.slow  # an attacker's integer programs over every chart and region: `make test`, not the fast tier
@pytest.mark.parametrize("wave", ["2019", "2020"])
def test_the_example_waves_plan_leaves_nothing_recoverable(wave):
    ctx = themes.load_context(ROOT / "params.yml", whole=True, wave=wave)
    regions = sorted(ctx.frame["region"].unique())
    withheld = disclosure.plan(ctx)
    if wave == "2019":
        assert all(key.startswith("fig:") for key in withheld["England"])  # England's findings: none withheld
        findings = {key: why for key, why in withheld["North West"].items() if not key.startswith("fig:")}
        assert findings == {"workload_unmanageable_small": disclosure.SECONDARY}
        assert (
            withheld["East of England"]["workload_unmanageable_small"] == disclosure.SECONDARY_BASE
        )  # South West's base is 7
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


# --- chart cells ---------------------------------------------------------------------------------------------


def test_a_region_hiding_one_chart_cell_forces_another_sparing_a_findings_share():
    # London's 3 = England's 60 less the others, unless another goes; B's share is also a finding: C goes
    key = "fig:q=A"
    cells = {
        ("England", key): Cell(60, 100, True, None),
        ("London", key): Cell(3, 20, True, "small count"),
        ("B", key): Cell(30, 40, True, None, spare=True),
        ("C", key): Cell(27, 40, True, None),
    }
    tables = [(("England", key), [("London", key), ("B", key), ("C", key)])]
    assert disclosure.protect(cells, tables, {("London", key)}, set(), T) == ({("C", key)}, set())


def test_a_chart_cell_withheld_takes_the_finding_that_publishes_it_too():
    cells = {
        ("E", "fig:q=A"): Cell(40, 100, True, None),
        ("A", "fig:q=A"): Cell(2, 10, True, "small count"),
        ("B", "fig:q=A"): Cell(38, 90, True, None, spare=True),
        ("B", "f"): Cell(38, 90, True, None),
    }
    tables = [(("E", "fig:q=A"), [("A", "fig:q=A"), ("B", "fig:q=A")])]
    links = Links(same=[(("B", "f"), ("B", "fig:q=A"))])
    added = disclosure.protect(cells, tables, {("A", "fig:q=A")}, set(), T, links.close)
    assert added == ({("B", "fig:q=A"), ("B", "f")}, set())


def test_a_band_row_hiding_one_cell_forces_another_band_as_medium_is_never_drawn():
    # all respondents' 20 = small 9 + medium 3 (hidden) + large 8: large (the smaller of equal bases) goes too
    cells = {
        ("A", "fig:q=x"): Cell(20, 40, True, None),
        ("A", "fig:q=x:small"): Cell(9, 15, True, None),
        ("A", "fig:q=x:medium"): Cell(3, 10, False, None),
        ("A", "fig:q=x:large"): Cell(8, 15, True, None),
    }
    parts = [("A", f"fig:q=x:{band}") for band in ("small", "medium", "large")]
    medium = {("A", "fig:q=x:medium")}
    assert disclosure.protect(cells, [(("A", "fig:q=x"), parts)], set(medium), set(medium), T) == (
        {("A", "fig:q=x:large")},
        set(),
    )


def test_a_row_whose_base_is_withheld_is_withheld_whole():
    row = (("A", "fig:q"), [("A", "fig:q=x"), ("A", "fig:q=y")])
    hidden, bases = {("A", "fig:q=x")}, {("A", "fig:q=x")}
    Links(rows=[row]).close(hidden, bases)
    assert hidden == bases == {("A", "fig:q"), ("A", "fig:q=x"), ("A", "fig:q=y")}


@pytest.fixture(scope="module")
def ctx2019():
    return themes.load_context(ROOT / "params.yml", whole=True, wave="2019")


def test_a_row_sums_to_its_base_unless_several_answers_are_allowed(ctx2019):
    totals = {total for total, _ in disclosure.chart_tables(ctx2019)}
    assert "fig:workload_impact" in totals and "fig:workload_manageable:small" in totals
    assert not any(t.startswith("fig:priorities") for t in totals)  # multiple choice: no row-sum table
    tables = dict((t, p) for t, p in disclosure.chart_tables(ctx2019) if not t.startswith("fig:"))
    assert tables["relationship_poor"] == ["fig:relationship_system=Poor", "fig:relationship_system=Very poor"]


def published_rows(ctx, withheld, area):
    """Every chart row an edition would publish under the plan: (question, band) -> Row."""
    survey = ctx.survey if area == "England" else ctx.survey[ctx.survey["region"] == area]
    bands = ctx.codebook.partitions["size"].assign(survey)
    rows = {}
    for q, drawn in disclosure.distributions.charted(ctx.codebook, ctx.params.wave).items():
        question = ctx.codebook.questions[q]
        for band in [None, *drawn]:
            part = survey if band is None else survey[bands == band]
            planned = planned_cells(withheld.get(area, {}), question, band)
            rows[q, band] = distribution(part, question, ctx.codebook, "", T, planned=planned)
    return rows


def counts_of(row) -> dict:
    """What a reader recovers from a published row: each count as round(share * n), and the base ('n')."""
    known = {v: round(s * row.n) for v, s in row.shares.items() if s is not None} if row.n is not None else {}
    return known | ({"n": row.n} if row.n is not None else {})


@pytest.mark.slow
@pytest.mark.parametrize("wave", ["2019", "2020"])
def test_after_the_plan_no_chart_cell_is_recoverable_by_subtraction(wave):
    ctx = themes.load_context(ROOT / "params.yml", whole=True, wave=wave)
    regions = sorted(ctx.frame["region"].unique())
    withheld = disclosure.plan(ctx)
    published = {area: published_rows(ctx, withheld, area) for area in ("England", *regions)}
    for (q, band), row in published["England"].items():
        england = counts_of(row)
        for cell, count in england.items():  # a region from England: England less every published region
            others = [counts_of(published[r][q, band]).get(cell) for r in regions]
            assert count - sum(c for c in others if c is not None) not in SMALL, (wave, q, band, cell)
    for area, rows in published.items():
        for (q, band), row in rows.items():
            shown = counts_of(row)
            if band is None and any(b for qq, b in rows if qq == q):  # a band from all: medium is never drawn
                bands = [counts_of(rows[q, b]) for qq, b in rows if qq == q and b]
                for cell, count in shown.items():
                    assert count - sum(b.get(cell, 0) for b in bands) not in SMALL, (wave, area, q, cell)
            if "n" in shown and sums_to_base(ctx.codebook.questions[q]):  # a cell from its row's base
                assert shown["n"] - sum(c for v, c in shown.items() if v != "n") not in SMALL, (wave, area, q, band)


def test_the_plan_is_made_from_england_whatever_the_edition():
    region = themes.load_context(ROOT / "params.yml", wave="2019", edition="London")
    with pytest.raises(ValueError, match="whole survey"):
        disclosure.plan(region)
    england = themes.load_context(ROOT / "params.yml", whole=True, wave="2019", edition="London")
    assert england.params.edition is None and len(england.survey) == 213


def test_a_planned_england_figure_is_withheld_in_the_england_briefing(tmp_path):
    """England's own cells can be withheld too (an England band recovered from the others): the plan's
    'England' entry applies to the England briefing."""
    plan = tmp_path / "withheld.json"
    disclosure.write_plan(
        {"England": {"plan_to_leave": disclosure.SECONDARY}, "London": {"plan_to_leave": disclosure.SECONDARY}}, plan
    )
    england = themes.load_context(ROOT / "params.yml", plan, wave="2019")
    by_id = {f.id: f for f in themes.survey_findings(england, "retention", "test")}
    assert england.withheld == {"plan_to_leave": disclosure.SECONDARY}
    assert by_id["plan_to_leave"].value is None and by_id["plan_to_leave"].extra["suppressed"]
    north_west = themes.load_context(ROOT / "params.yml", plan, wave="2019", edition="North West")
    assert north_west.withheld == {}


# --- the audit: every published number of a question at once ---------------------------------------------------


def arrs_cells(rows: dict[str, dict[str, int]], hidden_primary: set[tuple[str, str]]) -> dict:
    """Chart cells of the single-choice ARRS question for England and regions A, B, C (`rows`: area -> answer ->
    count; England the sum), with the primary reason of each small one."""
    rows = {"England": {v: sum(r[v] for r in rows.values()) for v in ARRS}, **rows}
    cells = {}
    for area, counts in rows.items():
        n = sum(counts.values())
        cells[area, f"fig:{Q}"] = Cell(n, n, True, None, question=Q)
        for v, c in counts.items():
            primary = "small count" if (area, v) in hidden_primary else None
            cells[area, f"fig:{Q}={v}"] = Cell(c, n, True, primary, question=Q, answers=(v,))
    return cells


Q, ARRS = "arrs_reimbursement", ("Yes", "Not yet", "Not applicable")


@pytest.fixture(scope="module")
def arrs(ctx2019):
    return ctx2019.codebook.questions[Q]


def recovered_in_two_tables(arrs) -> tuple[disclosure.QuestionAudit, set]:
    """A's "Not yet" (5) is hidden, with A's "Yes" (the row) and B's "Not yet" (England's "Not yet"): each table
    hides 9 or more. But England's "Yes" less B's and C's is A's 9, and A's 24 less 9 and 10 is 5."""
    cells = arrs_cells(
        {
            "A": {"Yes": 9, "Not yet": 5, "Not applicable": 10},
            "B": {"Yes": 20, "Not yet": 12, "Not applicable": 8},
            "C": {"Yes": 10, "Not yet": 10, "Not applicable": 10},
        },
        {("A", "Not yet")},
    )
    hidden = {("A", f"fig:{Q}=Yes"), ("A", f"fig:{Q}=Not yet"), ("B", f"fig:{Q}=Not yet")}
    return disclosure.QuestionAudit(arrs, cells, ["A", "B", "C"], T, "England"), hidden


def test_a_count_recovered_in_one_table_is_used_in_the_next(arrs):
    audit, hidden = recovered_in_two_tables(arrs)
    assert [(label, value) for label, _, value in audit.determined(hidden, set())] == [(f"A: fig:{Q}=Not yet", 5)]
    _, form, value = audit.determined(hidden, set())[0]
    counts, bases = audit.release(hidden, set(), form, value)
    assert len(counts) == 1 and not bases and not counts & hidden
    assert audit.determined(hidden | counts, set()) == []


def reversed_rows(constraints):
    def in_reverse(program: disclosure.Program):
        flipped = disclosure.Program(program.upper)
        flipped.rows = program.rows[::-1]
        return constraints(flipped)

    return in_reverse


@pytest.mark.parametrize("rows", ["as made", "reversed"])
def test_of_equally_cheap_releases_the_first_in_label_order_is_withheld(arrs, rows, monkeypatch):
    """Which figures are withheld is a rule of the data, not the solver's search path. A's and B's answers are
    hidden, but their "Not yet" (7 each: England's less C's is 14) are one value each; withholding C's "Not yet"
    and either of its other answers protects them, at the same cost (worked out here by brute force, every pair of
    shown counts): the pair first in label order is withheld."""
    cells = arrs_cells(
        {
            "A": {"Yes": 20, "Not yet": 7, "Not applicable": 13},
            "B": {"Yes": 20, "Not yet": 7, "Not applicable": 13},
            "C": {"Yes": 10, "Not yet": 10, "Not applicable": 10},
        },
        {("A", "Not yet"), ("B", "Not yet")},
    )
    hidden = {(a, f"fig:{Q}={v}") for a in "AB" for v in ARRS}
    audit = disclosure.QuestionAudit(arrs, cells, ["A", "B", "C"], T, "England")
    _, form, value = audit.determined(hidden, set())[0]
    shown = sorted(cell for cell, c in audit.cells.items() if c.published and cell not in hidden)
    if rows == "reversed":  # the same program, its constraints in the other order: another search path
        monkeypatch.setattr(disclosure.Program, "constraints", reversed_rows(disclosure.Program.constraints))
    assert all(audit.determined(hidden | {cell}, set()) for cell in shown)  # no one figure is enough
    pairs = [
        {a, b} for i, a in enumerate(shown) for b in shown[i + 1 :] if not audit.determined(hidden | {a, b}, set())
    ]
    cost = {frozenset(pair): sum(audit.cost(audit.cells[cell]) for cell in pair) for pair in pairs}
    tied = sorted((sum(map(shown.index, pair)), sorted(pair)) for pair, c in cost.items() if c == min(cost.values()))
    assert len(tied) > 1 and tied[0][0] < tied[1][0]  # a real tie, and one pair first in label order
    assert tied[0][1] == [("C", f"fig:{Q}=Not applicable"), ("C", f"fig:{Q}=Not yet")]
    assert audit.release(hidden, set(), form, value) == (set(tied[0][1]), set())


def test_the_audit_stops_at_the_first_count_left_one_value(arrs):
    """The audit withholds for the first determined count, then audits again: solving for every other count
    first was wasted (a min and a max each)."""
    cells = arrs_cells(  # England's "Not yet" less C's is 14, split 7 and 7 (as in the next test): two left one value
        {
            "A": {"Yes": 20, "Not yet": 7, "Not applicable": 13},
            "B": {"Yes": 20, "Not yet": 7, "Not applicable": 13},
            "C": {"Yes": 10, "Not yet": 10, "Not applicable": 10},
        },
        {("A", "Not yet"), ("B", "Not yet")},
    )
    hidden = {(a, f"fig:{Q}={v}") for a in "AB" for v in ("Not yet", "Not applicable")}
    audit = disclosure.QuestionAudit(arrs, cells, ["A", "B", "C"], T, "England")
    every = audit.determined(hidden, set())
    assert len(every) > 1 and audit.determined(hidden, set(), first=True) == every[:1]


def test_a_program_builds_its_constraints_once_for_every_objective():
    """Each solve rebuilt the whole constraint matrix cell by cell (a second of the plan's time); it is built
    once and again only when a row or a variable is added."""
    program = disclosure.Program([10, 10])
    program.between({0: 1, 1: 1}, 12, 12)
    built = program.constraints()
    assert program.solve({0: 1})[0] == 2 and program.solve({0: -1})[0] == 10 and program.constraints() is built
    program.between({0: 1}, 5, 5)
    assert program.constraints() is not built and program.solve({1: -1})[1] == 7
    assert program.constraints().A.toarray().tolist() == [[1, 1], [1, 0]]


def test_a_copy_with_one_more_row_extends_its_programs_matrix_to_the_same_constraints():
    program = disclosure.Program([10, 10, 10])
    program.between({0: 1, 2: 1}, 12, 12)
    program.between({1: 2, 2: -1}, -math.inf, 3)
    head = program.constraints()
    copy = program.with_row({2: 1, 0: -1}, 1, math.inf)
    fresh = disclosure.Program([10, 10, 10])
    fresh.rows = list(copy.rows)
    built, expected = copy.constraints(), fresh.constraints()
    assert built.A.toarray().tolist() == expected.A.toarray().tolist() == [[1, 0, 1], [0, 2, -1], [-1, 0, 1]]
    assert built.lb.tolist() == expected.lb.tolist() and built.ub.tolist() == expected.ub.tolist()
    assert program.constraints() is head and copy.solve({2: -1})[2] == 10 and copy.solve({0: -1})[0] == 5


@pytest.mark.parametrize("value", [0, 3, 7])
def test_either_side_of_a_value_is_every_other_value_and_never_the_value(value):
    """One program for both sides of a count: above it or below it, whichever the objective prefers, never the
    count itself (a side with no room, below 0 or above the bound, is simply closed)."""
    counts = disclosure.Program([7, 7])
    counts.between({0: 1, 1: -1}, 0, 0)  # the count x0 is x1's
    program = disclosure.either_side(counts, {0: 1}, value)
    assert counts.upper == [7, 7] and len(counts.rows) == 1  # (a copy: the program itself unchanged)
    lowest, highest = program.solve({0: 1}), program.solve({0: -1})
    assert lowest[0] == (1 if value == 0 else 0) and highest[0] == (6 if value == 7 else 7)
    assert program.with_row({0: 1}, value, value).solve({}) is None
    nearest = [program.with_row({0: 1}, v, v).solve({}) is not None for v in range(8)]
    assert nearest == [v != value for v in range(8)]


def test_what_stands_in_a_hidden_cells_place_is_read_too(arrs):
    # England's "Not yet" less C's is 14, split between A and B: 7 and 7, as each reads "fewer than 8"
    cells = arrs_cells(
        {
            "A": {"Yes": 20, "Not yet": 7, "Not applicable": 13},
            "B": {"Yes": 20, "Not yet": 7, "Not applicable": 13},
            "C": {"Yes": 10, "Not yet": 10, "Not applicable": 10},
        },
        {("A", "Not yet"), ("B", "Not yet")},
    )
    hidden = {(a, f"fig:{Q}={v}") for a in "AB" for v in ("Not yet", "Not applicable")}  # each row hides two
    assert not disclosure.is_disclosive([(7, 33, 0), (7, 33, 0)], T)  # the table rule alone sees 14: safe
    found = disclosure.QuestionAudit(arrs, cells, ["A", "B", "C"], T, "England").determined(hidden, set())
    assert {(label, value) for label, _, value in found} >= {(f"A: fig:{Q}=Not yet", 7), (f"B: fig:{Q}=Not yet", 7)}


def test_withholding_a_row_silences_its_cells():
    # a row withheld whole says nothing of its cells, so the audit may withhold a row to free a "fewer than 8"
    program = disclosure.Program([10, 10])
    flag = program.flag()
    program.small({0: 1}, T, unless=flag)
    program.between({0: 1, 1: -1}, 0, 0)
    assert program.solve({0: -1, flag: 0.5})[0] == 10 and program.solve({0: -1, flag: 100})[0] == T - 1


@pytest.mark.slow
@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_the_plan_holds_at_other_thresholds(threshold):
    """The audit leaves no count determined whatever the threshold (the attacker test checks 8 on both waves)."""
    ctx = themes.load_context(ROOT / "params.yml", whole=True, wave="2020", suppression_threshold=threshold)
    done = disclosure.withholding(ctx)
    assert done.hidden > done.hidden_before
    for audit in disclosure.question_audits(ctx, done.cells):
        assert audit.determined(done.hidden, done.bases) == [], (threshold, audit.question.id)


# --- what the weighting publishes ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def london2020():
    return themes.load_context(ROOT / "params.yml", wave="2020", edition="London", estimate="weighted")


def test_the_weighting_summary_publishes_no_weight_and_no_cell_count(ctx2019):
    record = themes.weighting_finding(ctx2019, "nb").as_record()
    assert not {"weight_min", "weight_max"} & set(record)
    assert not any(ch.isdigit() for ch in record["description"])  # "12 of 21 cells", "(smallest 12)": not published
    n_eff = stats.effective_n(ctx2019.weighting.weights)
    assert (
        record["value"] % themes.EFFECTIVE_N_STEP == 0
        and record["value"] <= n_eff < record["value"] + themes.EFFECTIVE_N_STEP
    )
    assert record["method"] == "raking" and record["respondents"] == 213


def test_a_region_publishes_no_weighted_estimate_even_when_asked_to_quote_one(london2020):
    # London 2020: weights 2.56 and 0.62 with the frame's 63/88/46 PCNs gave 3/12/9 respondents per band
    record = themes.weighting_finding(london2020, "nb").as_record()
    assert record["value"] is None and record["method"] is None
    found = [f for theme in themes.survey_themes(london2020) for f in themes.survey_findings(london2020, theme, "nb")]
    shares = [f for f in found if f.kind == "proportion"]
    assert shares and all(f.extra["weighted"] is None and f.extra["estimate"] == "unweighted" for f in shares)
    shown = [f for f in shares if not f.extra["suppressed"]]
    assert shown and all(f.value == f.numerator / f.denominator for f in shown)  # the unweighted share is quoted


def test_englands_weighted_shares_are_published_as_the_text_prints_them(ctx2019):
    from briefing.narrative import prose

    found = {f.id: f for f in themes.survey_findings(ctx2019, "workload", "nb")}
    for fid in ("workload_unmanageable", "workload_unmanageable_small", "workload_unmanageable_large"):
        weighted, spec = found[fid].extra["weighted"], ctx2019.codebook.findings[fid]
        counted, answered = themes.spec_masks(ctx2019.survey, spec, ctx2019.codebook)
        exact = stats.weighted_proportion(counted[answered], ctx2019.weighting.weights[answered])
        assert weighted["value"] == round(weighted["value"], themes.WEIGHTED_DECIMALS)
        assert prose.percent(weighted["value"]) == prose.percent(exact) and weighted["value"] != exact
        assert weighted["effective_n"] % themes.EFFECTIVE_N_STEP == 0
        assert {weighted["ci_low"], weighted["ci_high"]} == {
            round(v, 2) for v in (weighted["ci_low"], weighted["ci_high"])
        }


def test_the_rest_of_england_is_withheld_where_england_is(tmp_path):
    """A region's share beside the rest of England's gives England's count: withheld with it."""
    plan = tmp_path / "withheld.json"
    south_east = themes.load_context(ROOT / "params.yml", wave="2019", edition="South East")
    assert not themes.survey_findings(south_east, "workload", "test")[0].extra["suppressed"]  # shown without a plan
    disclosure.write_plan({"England": {"workload_impact_negative": disclosure.SECONDARY}}, plan)
    south_east = themes.load_context(ROOT / "params.yml", plan, wave="2019", edition="South East")
    by_id = {f.id: f for f in themes.survey_findings(south_east, "workload", "test")}
    assert not by_id["workload_impact_negative"].extra["suppressed"]
    versus = by_id["workload_impact_negative_vs_rest"]
    assert versus.extra["suppressed"] and versus.value is None and "p2" not in versus.extra


# --- any survey: editions by the codebook's `editions: by:`, tables over its partitions ----------------------


def test_a_survey_without_a_frame_is_planned_over_its_editions_and_both_partitions():
    """The GP partners' survey: regions from its codebook (no frame), two partitions (role, practice size)."""
    ctx = themes.load_context(ROOT / "params.yml", whole=True, survey="gp-partners-des", wave="2021")
    areas = ctx.codebook.questions["region"].values()
    assert ctx.frame is None and disclosure.areas_of(ctx) == areas
    tables = dict(disclosure.band_tables(ctx))
    assert tables["des_not_sign"] == ["des_not_sign_cd_partner", "des_not_sign_other_partner"]
    assert tables["workload_unmanageable_practice"] == [
        "workload_unmanageable_practice_small_practice",
        "workload_unmanageable_practice_large_practice",
    ]
    withheld = disclosure.plan(ctx)
    assert set(withheld) <= {"England", *areas} and sum(len(v) for v in withheld.values()) > 0
    for spec in ctx.codebook.findings_in("2021").values():  # no region's count recoverable from England's
        hidden = []
        for area in areas:
            cell = disclosure.area_cells(ctx.survey[ctx.survey["region"] == area], ctx, True)[spec.id]
            reason = withheld.get(area, {}).get(spec.id)
            if cell.primary or reason:
                hidden.append(cell.hidden_amounts(cell.base < T or reason == disclosure.SECONDARY_BASE))
        assert not disclosure.is_disclosive(hidden, T), spec.id


def test_the_plan_works_out_each_mask_once_over_the_whole_wave(monkeypatch):
    """Every area's cells were counted by working out the same masks again on that area's copy of the survey (the
    whole and seven regions: 8 times each, a second of the plan); each is now worked out once, over every
    respondent, and an area's count is a sum over its rows."""
    ctx = themes.load_context(ROOT / "params.yml", whole=True, wave="2020")
    seen, answered = [], []
    spec_masks, answered_mask = themes.spec_masks, disclosure.answered_mask

    def counted_spec_masks(survey, spec, codebook, subgroup=None):
        seen.append((spec.id, subgroup, len(survey)))
        return spec_masks(survey, spec, codebook, subgroup)

    def counted_answered_mask(survey, question):
        answered.append((question.id, len(survey)))
        return answered_mask(survey, question)

    monkeypatch.setattr(themes, "spec_masks", counted_spec_masks)
    monkeypatch.setattr(disclosure, "answered_mask", counted_answered_mask)
    monkeypatch.setattr(disclosure, "audit", lambda *args: None)  # the cells only
    done = disclosure.withholding(ctx)
    assert len(seen) == len(set(seen)) and {n for *_, n in seen} == {len(ctx.survey)}
    assert len(answered) == len(set(answered)) and {n for _, n in answered} == {len(ctx.survey)}
    region = "London"  # still each area's own count
    rows = ctx.survey[ctx.survey["region"] == region]
    for key, cell in disclosure.area_cells(rows, ctx, True).items():
        assert (done.cells[region, key].count, done.cells[region, key].base) == (cell.count, cell.base), key


def test_an_audit_after_a_release_starts_from_the_solutions_already_found(arrs, monkeypatch):
    """Withholding more only lifts constraints, so every solution found before a release (and the release's own,
    which moves the count it protects) is still one after it: the audit again clears what they move without
    solving (it solved from nothing, the counts it had already shown could move included)."""
    audit, hidden = recovered_in_two_tables(arrs)
    _, form, value = audit.determined(hidden, set(), first=True)[0]
    counts, bases = audit.release(hidden, set(), form, value)
    solves = []
    solve = disclosure.Program.solve
    monkeypatch.setattr(disclosure.Program, "solve", lambda self, objective: solves.append(1) or solve(self, objective))
    assert audit.determined(hidden | counts, bases) == []
    assert not solves  # every count left to check was moved by a solution found before the release
    assert audit.known(hidden, set()) and len(audit.known(hidden | counts, bases)) > len(audit.known(hidden, set()))
