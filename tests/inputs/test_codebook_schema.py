"""The codebook's survey-specific sections (issue 17, DESIGN-17 section 2): survey words, themes, subgroups,
partitions, comparisons, population, weighting, editions, quotes and numeric findings; each parsed into typed
objects, and each mistake an error naming the file, the key path and the rule.

The PCN codebook must say exactly what the code said before (same registry, same size bands as params.yml and
the PCN survey's frame builder); a tiny invented survey of GP partners exercises what the PCN survey lacks."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from briefing import config
from briefing.inputs.codebook import CodebookError, Words, counts_mask, load_codebook, number_text
from briefing.narrative import prose
from tests.conftest import ROOT

PCN = ROOT / "data/pcn-clinical-directors/codebook.yml"

# main's registry before the schema (id, question, counts, subgroup, theme): the PCN findings must not move.
MAIN_REGISTRY = [
    ("plan_to_leave", "leave_role_12m", ["Yes"], None, "retention"),
    ("workload_impact_negative", "workload_impact", ["Negative impact"], None, "workload"),
    ("workload_impact_too_early", "workload_impact", ["Too early to tell"], None, "workload"),
    ("workload_unmanageable", "workload_manageable", ["Unmanageable"], None, "workload"),
    ("workload_unmanageable_small", "workload_manageable", ["Unmanageable"], "small", "workload"),
    ("workload_unmanageable_large", "workload_manageable", ["Unmanageable"], "large", "workload"),
    (
        "not_confident_workforce",
        "confidence_workforce",
        ["Not very confident", "Not at all confident"],
        None,
        "workforce",
    ),
    ("arrs_not_reimbursed", "arrs_reimbursement", ["Not yet"], None, "workforce"),
    ("relationship_poor", "relationship_system", ["Poor", "Very poor"], None, "relationships"),
    (
        "not_confident_partnership",
        "confidence_partnership",
        ["Not very confident", "Not at all confident"],
        None,
        "relationships",
    ),
    ("not_enough_time", "protected_time", ["No"], None, "retention"),
    ("priority_funding", "priorities", ["Adequate funding"], None, "priorities"),
]
MAIN_QUESTIONS = [
    "respondent_id",
    "wave",
    "region",
    "pcn_list_size",
    "leave_role_12m",
    "workload_impact",
    "workload_manageable",
    "confidence_workforce",
    "arrs_reimbursement",
    "relationship_system",
    "confidence_partnership",
    "priorities",
    "protected_time",
    "comments",
]


@pytest.fixture(scope="module")
def pcn():
    return load_codebook(PCN)


@pytest.fixture
def pcn_raw() -> dict:
    return yaml.safe_load(PCN.read_text(encoding="utf-8"))


def tiny() -> dict:
    """A small invented survey of GP partners: choice, numeric and multiple-choice questions, no frame."""
    return {
        "survey": {
            "name": "Survey of GP partners on the network DES",
            "respondents": {"singular": "GP partner", "plural": "GP partners"},
        },
        "separator": ";",
        "questions": [
            {"id": "rid", "type": "id", "wording": "Respondent"},
            {"id": "wave", "type": "wave", "wording": "Wave"},
            {
                "id": "role",
                "type": "single_choice",
                "wording": "Your role?",
                "responses": [{"value": v} for v in ("GP partner", "Salaried GP", "Practice manager")],
            },
            {
                "id": "hours",
                "type": "numeric",
                "wording": "Hours a week on PCN work?",
                "min": 0,
                "max": 80,
                "unit": "hours",
            },
            {
                "id": "sign",
                "type": "single_choice",
                "wording": "Will you sign the DES?",
                "responses": [{"value": v} for v in ("Yes", "No", "Undecided")],
            },
            {
                "id": "tasks",
                "type": "multiple_choice",
                "wording": "Which tasks?",
                "responses": [{"value": v} for v in ("Rotas", "Finance", "Clinical")],
            },
            {"id": "comment", "type": "free_text", "wording": "Anything else?"},
        ],
        "themes": [{"id": "des", "title": "The network DES"}, {"id": "time", "title": "Time"}],
        "subgroups": {
            "partner": {
                "question": "role",
                "value": "GP partner",
                "label": "GP partners",
                "describe": "who are {values}",
            },
            "other": {
                "question": "role",
                "values": ["Salaried GP", "Practice manager"],
                "label": "others",
                "describe": "who are a {values}",
            },
            "money": {"question": "tasks", "values": ["Finance"], "label": "finance leads"},
        },
        "partitions": {"roles": ["partner", "other"]},
        "comparisons": [{"finding": "will_not_sign", "between": ["partner", "other"]}],
        "population": {"size": 1250},
        "editions": {"by": "role", "area": {"singular": "role", "plural": "roles"}},
        "quotes": {"text": "comment", "attribution": ["roles"]},
        "findings": {
            "will_not_sign": {"question": "sign", "counts": ["No"], "theme": "des", "description": "would not sign"},
            "long_hours": {
                "question": "hours",
                "at_least": 10,
                "theme": "time",
                "description": "spend {at_least} hours or more a week on PCN work",
            },
        },
    }


def write(tmp_path: Path, raw: dict) -> Path:
    path = tmp_path / "codebook.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def load(tmp_path: Path, raw: dict):
    return load_codebook(write(tmp_path, raw))


def error(tmp_path: Path, raw: dict, keys: str) -> str:
    """The load error, which must name the file and the key path; returns the rule after them."""
    path = write(tmp_path, raw)
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    message, prefix = str(caught.value), f"{path}: {keys}: " if keys else f"{path}: "
    assert message.startswith(prefix), message
    return message.removeprefix(prefix)


def question(raw: dict, qid: str) -> dict:
    return next(q for q in raw["questions"] if q["id"] == qid)


# --- the PCN codebook says what the code said ------------------------------------------------------------------


def test_pcn_registry_is_mains(pcn, pcn_raw):
    got = [(s.id, s.question, s.counts, s.subgroup, s.theme) for s in pcn.findings.values()]
    assert got == MAIN_REGISTRY
    assert list(pcn.questions) == MAIN_QUESTIONS
    assert all(
        s.threshold is None and s.description == pcn_raw["findings"][s.id]["description"] for s in pcn.findings.values()
    )


def test_pcn_survey_words(pcn):
    assert pcn.survey.name == "Survey of clinical directors of primary care networks in England"
    assert pcn.survey.source == "Survey of PCN clinical directors" and pcn.survey.coverage == "England"
    assert pcn.respondents == Words("clinical director", "clinical directors") and pcn.survey.reviewed is True


def test_pcn_themes_are_the_briefings_sections_in_order(pcn):
    """The briefing's theme sections come from the codebook (the narrative writes them); briefing.qmd names none."""
    qmd = (ROOT / "report/briefing.qmd").read_text(encoding="utf-8")
    assert not [i for i in re.findall(r"\{#(\w+)\}", qmd) if i in pcn.themes]
    briefing = (ROOT / "tests/golden/narrative/pcn-2019.md").read_text(encoding="utf-8")  # the PCN briefing as read
    sections = dict((i, t) for t, i in re.findall(r"^## (.+) \{#(\w+)\}$", briefing, flags=re.MULTILINE))
    assert [(t.id, t.title) for t in pcn.themes.values()] == [(i, sections[i]) for i in pcn.themes]
    assert list(pcn.themes) == ["retention", "workload", "workforce", "relationships", "priorities"]
    assert [i for i in sections if i in pcn.themes] == list(pcn.themes)  # in the briefing's order


def test_pcn_size_masks_at_the_bounds(pcn):
    df = pd.DataFrame({"pcn_list_size": pd.array([39999, 40000, 60000, 60001, None], dtype="Int64")})
    assert pcn.subgroups["small"].mask(df).tolist() == [True, False, False, False, False]
    assert pcn.subgroups["medium"].mask(df).tolist() == [False, True, True, False, False]
    assert pcn.subgroups["large"].mask(df).tolist() == [False, False, False, True, False]
    assert pcn.partition("size").assign(df).tolist() == ["small", "medium", "medium", "large", None]


def test_pcn_comparison_registers_the_explicit_band_findings(pcn, pcn_raw, tmp_path):
    pair = pcn.comparison_findings()
    assert list(pair) == ["workload_unmanageable_small_vs_large"]
    first, second = pair["workload_unmanageable_small_vs_large"]
    assert (first, second) == (pcn.findings["workload_unmanageable_small"], pcn.findings["workload_unmanageable_large"])
    # Without the explicit band findings, the comparison generates the same registry, in the same order.
    for fid in ("workload_unmanageable_small", "workload_unmanageable_large"):
        del pcn_raw["findings"][fid]
    assert load(tmp_path, pcn_raw).findings == pcn.findings
    assert list(pcn.comparison_findings("2019")) == ["workload_unmanageable_small_vs_large"]  # asked in every wave


def test_pcn_population_weighting_editions_quotes(pcn):
    frame = pcn.population.frame
    assert pcn.population.kind == "frame" and pcn.population.size is None
    assert frame.unit == Words("primary care network", "primary care networks", "PCN")
    assert (frame.id, frame.name, frame.respondents_per_unit) == ("pcn_code", "pcn_name", 1)
    assert frame.match == {"region": "region", "pcn_list_size": "registered_patients"}
    assert (frame.subareas.code, frame.subareas.name) == ("stp_code", "stp_name")
    for wave, year in (("2019", "2019-20"), ("2020", "2020-21")):  # the frame file each wave's parameters resolve
        assert PCN.parent / frame.file_for(year) == ROOT / config.load(ROOT / "params.yml", wave=wave).frame_file
        assert pd.read_csv(PCN.parent / frame.file_for(year), nrows=1).columns.tolist()[:2] == ["pcn_code", "pcn_name"]
    assert pcn.weighting == ("region", "size")
    assert pcn.editions.by == "region" and pcn.editions.area.plural == "NHS England regions"
    assert pcn.quotes.text == "comments" and pcn.quotes.attribution == ("size", "region")
    assert [pcn.part_question(name) for name in pcn.quotes.attribution] == ["pcn_list_size", "region"]


# --- a tiny survey: what the PCN survey lacks ------------------------------------------------------------------


def test_tiny_survey_parses_every_section(tmp_path):
    codebook = load(tmp_path, tiny())
    assert codebook.respondents == Words("GP partner", "GP partners")
    assert codebook.survey.source == codebook.survey.name and codebook.survey.reviewed is False
    assert [t.title for t in codebook.themes.values()] == ["The network DES", "Time"]
    assert list(codebook.findings) == ["will_not_sign", "will_not_sign_partner", "will_not_sign_other", "long_hours"]
    partner = codebook.findings["will_not_sign_partner"]
    assert (partner.question, partner.counts, partner.subgroup, partner.theme) == ("sign", ["No"], "partner", "des")
    assert list(codebook.comparison_findings()) == ["will_not_sign_partner_vs_other"]
    assert (codebook.population.kind, codebook.population.size, codebook.population.frame) == ("size", 1250, None)
    assert codebook.weighting == () and codebook.editions.by == "role" and codebook.quotes.attribution == ("roles",)
    assert codebook.questions["hours"].unit == "hours"
    assert codebook.subgroups["partner"].description() == "who are GP partner"
    assert codebook.subgroups["other"].description() == "who are a Salaried GP or Practice manager"
    assert codebook.subgroups["money"].description() == "finance leads"  # no describe: the label


def test_no_population_means_none(tmp_path):
    raw = tiny()
    del raw["population"]
    assert load(tmp_path, raw).population.kind == "none"


def test_choice_and_multiple_choice_masks(tmp_path):
    codebook = load(tmp_path, tiny())
    df = pd.DataFrame(
        {
            "role": pd.Categorical(["GP partner", "Salaried GP", None, "Practice manager"]),
            "tasks": ["Rotas;Finance", "Finance", None, "Clinical"],
        }
    )
    assert codebook.subgroups["partner"].mask(df).tolist() == [True, False, False, False]
    assert codebook.subgroups["other"].mask(df).tolist() == [False, True, False, True]
    assert codebook.subgroups["money"].mask(df).tolist() == [True, True, False, False]
    assert codebook.partition("roles").assign(df).tolist() == ["partner", "other", None, "other"]


HOURS = pd.DataFrame({"hours": pd.array([9.5, 10, 10.5, 20, 25, None], dtype="Float64")})


@pytest.mark.parametrize(
    "bounds, counted",
    [
        ({"at_least": 10}, [False, True, True, True, True, False]),
        ({"above": 10}, [False, False, True, True, True, False]),
        ({"at_most": 20}, [True, True, True, True, False, False]),
        ({"below": 20}, [True, True, True, False, False, False]),
        ({"from": 10, "to": 20}, [False, True, True, False, False, False]),
        ({"above": 10, "at_most": 20}, [False, False, True, True, False, False]),
    ],
)
def test_numeric_findings_count_at_their_bounds(tmp_path, bounds, counted):
    raw = tiny()
    raw["findings"]["long_hours"] = {"question": "hours", **bounds, "theme": "time", "description": "spend time"}
    codebook = load(tmp_path, raw)
    spec = codebook.findings["long_hours"]
    assert spec.counts == [] and dict(spec.threshold.bounds) == bounds
    assert counts_mask(HOURS, spec, codebook).tolist() == counted


def test_numeric_finding_on_a_text_column_counts_numbers_only(tmp_path):
    codebook = load(tmp_path, tiny())
    df = pd.DataFrame({"hours": ["12", "", "9", None]})
    assert counts_mask(df, codebook.findings["long_hours"], codebook).tolist() == [True, False, False, False]


def test_placeholders_are_filled_with_formatted_numbers(tmp_path):
    raw = tiny()
    question(raw, "hours").pop("max")
    raw["findings"]["long_hours"]["at_least"] = 12500
    raw["findings"]["long_hours"]["description"] = "spend {at_least} minutes or more, i.e. {{at least}} that"
    raw["findings"]["short_hours"] = {
        "question": "hours",
        "below": 7.5,
        "theme": "time",
        "description": "under {below}",
    }
    codebook = load(tmp_path, raw)
    assert codebook.findings["long_hours"].description_text() == "spend 12,500 minutes or more, i.e. {at least} that"
    assert codebook.findings["short_hours"].description_text() == "under 7.5"
    assert codebook.findings["will_not_sign"].description_text() == "would not sign"
    assert [number_text(n) for n in (40000, 1250, 7)] == [prose.count(n) for n in (40000, 1250, 7)]


def test_a_subgroup_needs_a_subgroups_section(tmp_path, pcn_raw):
    """The old size bands computed from the parameters are gone: a finding's subgroup is one the codebook defines."""
    for key in ("subgroups", "partitions", "comparisons", "weighting", "quotes"):
        del pcn_raw[key]
    assert (
        error(tmp_path, pcn_raw, "findings.workload_unmanageable_small.subgroup")
        == "subgroup 'small': the codebook defines no `subgroups:`"
    )


def test_with_a_subgroups_section_small_is_not_legacy(tmp_path):
    raw = tiny()
    raw["findings"]["will_not_sign"]["subgroup"] = "small"
    assert (
        error(tmp_path, raw, "findings.will_not_sign.subgroup")
        == "subgroup 'small' is not one of partner, other, money"
    )


# --- every error names the file, the key path and the rule -----------------------------------------------------


def edit(change):
    raw = tiny()
    change(raw)
    return raw


ERRORS = [  # (what is wrong, the edit, the key path, the rule's words)
    (
        "subgroup on an unknown question",
        lambda r: r["subgroups"]["partner"].update(question="job"),
        "subgroups.partner.question",
        "question 'job' is not in the codebook",
    ),
    (
        "subgroup on an unknown value",
        lambda r: r["subgroups"]["partner"].update(value="GP Partner"),
        "subgroups.partner.value",
        "'GP Partner' is not a value of question 'role'",
    ),
    (
        "subgroup with value and values",
        lambda r: r["subgroups"]["partner"].update(values=["Salaried GP"]),
        "subgroups.partner",
        "give `value` or `values` (answers of question 'role'), not both",
    ),
    (
        "subgroup on a free-text question",
        lambda r: r["subgroups"]["partner"].update(question="comment"),
        "subgroups.partner.question",
        "question 'comment' is free_text: a subgroup needs a choice or numeric question",
    ),
    (
        "numeric band on a choice question",
        lambda r: r["subgroups"]["partner"].update(below=3),
        "subgroups.partner.below",
        "a numeric band on choice question 'role'",
    ),
    (
        "values on a numeric question",
        lambda r: r["subgroups"].update(busy={"question": "hours", "value": "10", "label": "b"}),
        "subgroups.busy.value",
        "question 'hours' is numeric: a subgroup on it takes a band",
    ),
    (
        "describe naming a bound the subgroup lacks",
        lambda r: r["subgroups"].update(
            busy={"question": "hours", "above": 10, "label": "b", "describe": "working over {below} hours"}
        ),
        "subgroups.busy.describe",
        "unknown placeholder {below} (this text may hold: {above})",
    ),
    (
        "describe with an attribute lookup",
        lambda r: r["subgroups"]["partner"].update(describe="{values.__class__}"),
        "subgroups.partner.describe",
        "unknown placeholder {values.__class__}",
    ),
    (
        "from without to",
        lambda r: (r["findings"]["long_hours"].pop("at_least"), r["findings"]["long_hours"].update(**{"from": 5})),
        "findings.long_hours.from",
        "`from` and `to` go together",
    ),
    (
        "two lower bounds",
        lambda r: r["findings"]["long_hours"].update(above=5),
        "findings.long_hours",
        "give at most one lower bound (above, at_least, from) and one upper bound",
    ),
    (
        "a bound that is not a number",
        lambda r: r["findings"]["long_hours"].update(at_least="ten"),
        "findings.long_hours.at_least",
        "must be a number, not 'ten'",
    ),
    (
        "an empty band",
        lambda r: r["findings"]["long_hours"].update(below=5),
        "findings.long_hours",
        "the band at_least 10 and below 5 holds no value question 'hours' allows",
    ),
    (
        "a band outside the question's range",
        lambda r: r["findings"]["long_hours"].update(at_least=100),
        "findings.long_hours",
        "holds no value question 'hours' allows (it allows at least 0 and at most 80)",
    ),
    (
        "a finding on a free-text question",
        lambda r: r["findings"]["will_not_sign"].update(question="comment"),
        "findings.will_not_sign.question",
        "question 'comment' is free_text; a finding needs a choice or numeric question",
    ),
    (
        "a threshold on a choice question",
        lambda r: r["findings"]["will_not_sign"].update(at_least=10),
        "findings.will_not_sign.at_least",
        "a threshold on choice question 'sign'",
    ),
    (
        "counts on a numeric question",
        lambda r: r["findings"]["long_hours"].update(counts=["10"]),
        "findings.long_hours.counts",
        "question 'hours' is numeric: a numeric finding counts answers in a range",
    ),
    (
        "a numeric finding with no range",
        lambda r: r["findings"]["long_hours"].pop("at_least"),
        "findings.long_hours",
        "question 'hours' is numeric: give the range the finding counts",
    ),
    (
        "a placeholder in a choice finding",
        lambda r: r["findings"]["will_not_sign"].update(description="{at_least} no"),
        "findings.will_not_sign.description",
        "unknown placeholder {at_least} (this text may hold: none)",
    ),
    (
        "a finding on an unpublished subgroup",
        lambda r: (
            r["subgroups"]["other"].update(published=False),
            r["comparisons"].clear(),
            r["findings"]["will_not_sign"].update(subgroup="other"),
        ),
        "findings.will_not_sign.subgroup",
        "subgroup 'other' is not published (`published: false`)",
    ),
    (
        "a theme with no findings",
        lambda r: r["themes"].append({"id": "money", "title": "Money"}),
        "themes.money",
        "theme 'money' has no findings",
    ),
    (
        "a theme listed twice",
        lambda r: r["themes"].append({"id": "des", "title": "Again"}),
        "themes[2].id",
        "theme 'des' is listed twice",
    ),
    ("no themes", lambda r: r.pop("themes"), "themes", "must be a non-empty list of {id, title}"),
    (
        "a finding whose theme is not in themes",
        lambda r: r["findings"]["long_hours"].update(theme="hours"),
        "findings.long_hours.theme",
        "theme 'hours' is not in `themes:` (des, time)",
    ),
    (
        "a comparison naming an unknown finding",
        lambda r: r["comparisons"][0].update(finding="will_sign"),
        "comparisons[0].finding",
        "finding 'will_sign' is not in `findings:`",
    ),
    (
        "a comparison naming an unknown subgroup",
        lambda r: r["comparisons"][0].update(between=["partner", "locum"]),
        "comparisons[0].between[1]",
        "subgroup 'locum' is not one of partner, other, money",
    ),
    (
        "a comparison of one subgroup with itself",
        lambda r: r["comparisons"][0].update(between=["partner", "partner"]),
        "comparisons[0].between",
        "must name two different subgroups",
    ),
    (
        "an explicit finding that is not the generated one",
        lambda r: r["findings"].update(
            will_not_sign_other={
                "question": "sign",
                "counts": ["Undecided"],
                "subgroup": "other",
                "theme": "des",
                "description": "would not sign",
            }
        ),
        "findings.will_not_sign_other",
        "is not finding 'will_not_sign' in subgroup 'other'",
    ),
    (
        "a choice partition whose parts overlap",
        lambda r: r["subgroups"]["other"].update(values=["GP partner", "Salaried GP"]),
        "partitions.roles",
        "subgroups 'partner' and 'other' overlap (both hold 'GP partner')",
    ),
    (
        "a choice partition with a gap",
        lambda r: r["subgroups"]["other"].update(values=["Salaried GP"]),
        "partitions.roles",
        "answer(s) ['Practice manager'] of question 'role' are in none of partner, other",
    ),
    (
        "a partition over two questions",
        lambda r: r["partitions"].update(roles=["partner", "money"]),
        "partitions.roles",
        "the parts of a partition must be subgroups of one question, not of role, tasks",
    ),
    (
        "a partition on a multiple-choice question",
        lambda r: (
            r["subgroups"].update(rest={"question": "tasks", "values": ["Rotas", "Clinical"], "label": "r"}),
            r["partitions"].update(roles=["money", "rest"]),
        ),
        "partitions.roles",
        "question 'tasks' is multiple_choice",
    ),
    (
        "a partition naming an unknown subgroup",
        lambda r: r["partitions"].update(roles=["partner", "salaried"]),
        "partitions.roles[1]",
        "subgroup 'salaried' is not in `subgroups:`",
    ),
    (
        "editions by a numeric question",
        lambda r: r["editions"].update(by="hours"),
        "editions.by",
        "question 'hours' is numeric: editions need a single-choice question",
    ),
    (
        "editions by a multiple-choice question",
        lambda r: r["editions"].update(by="tasks"),
        "editions.by",
        "question 'tasks' is multiple_choice: editions need a single-choice question",
    ),
    (
        "weighting without a frame",
        lambda r: r.update(weighting=["roles"]),
        "weighting",
        "weighting needs a reference frame (population.frame)",
    ),
    (
        "population with both frame and size",
        lambda r: r["population"].update(frame={"file": "f.csv"}),
        "population",
        "give one of `frame` (a reference frame) or `size`",
    ),
    (
        "a population size that is not a count",
        lambda r: r["population"].update(size=0),
        "population.size",
        "must be a whole number of at least 1, not 0",
    ),
    (
        "quotes from a choice question",
        lambda r: r["quotes"].update(text="role"),
        "quotes.text",
        "question 'role' is single_choice: quotes come from a free_text question",
    ),
    (
        "an attribution by an exact number",
        lambda r: r["quotes"].update(attribution=["roles", "hours"]),
        "quotes.attribution[1]",
        "'hours' is numeric: name a partition (roles) or a single-choice question",
    ),
    ("survey without respondents", lambda r: r["survey"].pop("respondents"), "survey", "needs `respondents`"),
    (
        "survey respondents without a plural",
        lambda r: r["survey"]["respondents"].pop("plural"),
        "survey.respondents",
        "needs `plural`",
    ),
    (
        "a mistyped section",
        lambda r: r.update(subgroup={}),
        "",
        "unknown key(s) subgroup; allowed: comparisons, editions",
    ),
    (
        "a unit on a choice question",
        lambda r: question(r, "role").update(unit="hours"),
        "question 'role'",
        "`unit` must be text on a numeric question",
    ),  # a question's errors are worded as before
]


@pytest.mark.parametrize("what, change, keys, rule", ERRORS, ids=[e[0] for e in ERRORS])
def test_error_names_file_key_path_and_rule(tmp_path, what, change, keys, rule):
    assert rule in error(tmp_path, edit(change), keys)


NUMERIC_PARTITIONS = [  # (the bands of three parts of `hours`, 0 to 80, whole numbers or not; the rule)
    ([{"below": 10}, {"at_least": 10, "at_most": 40}, {"above": 40}], False, None),
    ([{"below": 10}, {"from": 10, "to": 40}, {"above": 40}], False, "answer(s) 40 of question 'hours' are in none of"),
    ([{"below": 10}, {"from": 10, "to": 40}, {"above": 40}], True, "answer(s) 40 of question 'hours' are in none of"),
    ([{"at_most": 9}, {"from": 10, "to": 40}, {"at_least": 40}], True, None),  # whole numbers: 9 and 10 meet
    ([{"at_most": 9}, {"from": 10, "to": 40}, {"at_least": 40}], False, "answer(s) above 9 and below 10 of question"),
    (
        [{"below": 10}, {"at_least": 10, "at_most": 40}, {"at_least": 40}],
        False,
        "subgroups 'b' (at_least 10 and at_most 40) and 'c' (at_least 40) overlap",
    ),
    ([{"below": 10}, {"at_least": 5, "below": 40}, {"at_least": 40}], False, "subgroups 'a' (below 10) and 'b'"),
    (
        [{"at_least": 5, "below": 10}, {"at_least": 10, "below": 40}, {"at_least": 40}],
        False,
        "answer(s) at least 0 and below 5 of question 'hours'",
    ),
    (
        [{"at_least": 5, "below": 10}, {"at_least": 10, "below": 40}, {"at_least": 40}],
        True,
        "answer(s) 0 to 4 of question",
    ),
    ([{"below": 10}, {"at_least": 10, "below": 40}, {"at_least": 40, "below": 80}], False, "answer(s) 80 of question"),
    (
        [{"below": 10}, {"at_least": 10, "below": 40}, {"at_least": 40, "below": 70}],
        True,
        "answer(s) 70 to 80 of question",
    ),
]


@pytest.mark.parametrize("bands, whole, rule", NUMERIC_PARTITIONS)
def test_numeric_partitions_are_checked_by_their_bounds(tmp_path, bands, whole, rule):
    raw = tiny()
    question(raw, "hours")["integer"] = whole
    for name, band in zip("abc", bands, strict=False):
        raw["subgroups"][name] = {"question": "hours", "label": name, **band}
    raw["partitions"]["spent"] = ["a", "b", "c"]
    if rule is None:
        assert load(tmp_path, raw).partition("spent").subgroups == ("a", "b", "c")
    else:
        assert rule in error(tmp_path, raw, "partitions.spent")


def test_numeric_partition_assigns_every_answer_once(tmp_path):
    raw = tiny()
    for name, band in zip("abc", [{"below": 10}, {"at_least": 10, "at_most": 40}, {"above": 40}], strict=False):
        raw["subgroups"][name] = {"question": "hours", "label": name, **band}
    raw["partitions"]["spent"] = ["a", "b", "c"]
    assert load(tmp_path, raw).partition("spent").assign(HOURS).tolist() == ["a", "b", "b", "b", "b", None]
    assert load(tmp_path, raw).partition("spent").assign(pd.DataFrame({"hours": [40.5, 0]})).tolist() == ["c", "a"]


def test_unknown_partition_is_an_error(tmp_path):
    codebook = load(tmp_path, tiny())
    with pytest.raises(CodebookError, match=r"partitions: no partition 'size' \(partitions: roles\)"):
        codebook.partition("size")


def test_weighting_needs_frame_columns_for_its_cells(tmp_path, pcn_raw):
    pcn_raw["population"]["frame"]["match"].pop("pcn_list_size")
    assert error(tmp_path, pcn_raw, "weighting[1]") == (
        "'size' is on question 'pcn_list_size', which population.frame.match does not map to a frame column"
    )


def test_frame_match_names_survey_questions(tmp_path, pcn_raw):
    pcn_raw["population"]["frame"]["match"]["list_size"] = "registered_patients"
    assert error(tmp_path, pcn_raw, "population.frame.match.list_size") == "question 'list_size' is not in the codebook"


def test_frame_file_placeholders(tmp_path, pcn_raw):
    pcn_raw["population"]["frame"]["file"] = "reference/frame_{year}.csv"
    assert "unknown placeholder {year} (this text may hold: {frame_year})" in error(
        tmp_path, pcn_raw, "population.frame.file"
    )


def test_pcn_codebook_with_the_design_medium_band_leaves_60000_out(tmp_path, pcn_raw):
    """from/to is from <= v < to: a medium band `from 40000 to 60000` would leave the 60,000-patient PCN out."""
    pcn_raw["subgroups"]["medium"] = {
        "question": "pcn_list_size",
        "from": 40000,
        "to": 60000,
        "label": "m",
        "published": False,
    }
    assert "answer(s) 60,000 of question 'pcn_list_size' are in none of small, medium, large" in error(
        tmp_path, pcn_raw, "partitions.size"
    )
