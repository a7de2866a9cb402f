"""The codebook loader: the real codebook loads; a broken one fails naming the file and the item at fault."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from briefing.inputs.codebook import CodebookError, answered_mask, counts_mask, load_codebook
from tests.conftest import ROOT  # noqa: E402

CODEBOOK = ROOT / "data/pcn-clinical-directors/codebook.yml"


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(CODEBOOK)


@pytest.fixture
def raw() -> dict:
    return yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))


def broken(tmp_path: Path, raw: dict) -> str:
    path = tmp_path / "codebook.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    assert str(path) in str(caught.value)
    return str(caught.value)


def question(raw: dict, qid: str) -> dict:
    return next(q for q in raw["questions"] if q["id"] == qid)


def test_real_codebook_loads_every_question_and_finding(codebook, raw):
    assert list(codebook.questions) == [q["id"] for q in raw["questions"]]
    assert list(codebook.findings) == list(raw["findings"])
    assert codebook.separator == raw["separator"] and codebook.path == CODEBOOK
    assert (codebook.id_column, codebook.wave_column) == ("respondent_id", "wave")
    for spec in codebook.findings.values():
        assert set(spec.counts) <= set(codebook.questions[spec.question].values())


def test_labels_map_values_to_the_codebook_labels(codebook, raw):
    expected = {r["value"]: r["label"] for r in question(raw, "workload_impact")["responses"]}
    assert codebook.questions["workload_impact"].labels() == expected
    assert codebook.questions["pcn_list_size"].integer and codebook.questions["pcn_list_size"].labels() == {}


def test_counts_mask_single_choice(codebook):
    spec = codebook.findings["not_confident_workforce"]
    answers = pd.Series(["Not very confident", "Not at all confident", "Very confident", None, "Don't know"])
    df = pd.DataFrame({spec.question: answers})
    assert counts_mask(df, spec, codebook).tolist() == [True, True, False, False, False]
    assert answered_mask(df, codebook.questions[spec.question]).tolist() == [True, True, True, False, True]


def test_counts_mask_multiple_choice_tests_each_selected_value(codebook):
    spec = codebook.findings["priority_funding"]
    sep = codebook.separator
    answers = pd.Series([f"Workforce{sep}Adequate funding", "Adequate funding", "Workforce", "", None])
    df = pd.DataFrame({spec.question: answers})
    assert counts_mask(df, spec, codebook).tolist() == [True, True, False, False, False]
    assert answered_mask(df, codebook.questions[spec.question]).tolist() == [True, True, True, False, False]


def test_counts_mask_on_categorical_columns(codebook):
    spec = codebook.findings["plan_to_leave"]
    values = codebook.questions[spec.question].values()
    df = pd.DataFrame({spec.question: pd.Categorical(["Yes", None, "No"], categories=values, ordered=True)})
    assert counts_mask(df, spec, codebook).tolist() == [True, False, False]


def test_finding_counting_a_value_its_question_lacks(tmp_path, raw):
    raw["findings"]["plan_to_leave"]["counts"] = ["Maybe"]
    message = broken(tmp_path, raw)
    assert "'plan_to_leave'" in message and "'Maybe'" in message and "'leave_role_12m'" in message


def test_unknown_question_type_names_the_question(tmp_path, raw):
    question(raw, "comments")["type"] = "essay"
    message = broken(tmp_path, raw)
    assert "'comments'" in message and "unknown type 'essay'" in message


def test_finding_on_a_missing_question(tmp_path, raw):
    raw["findings"]["plan_to_leave"]["question"] = "no_such_question"
    assert "'no_such_question' is not in the codebook" in broken(tmp_path, raw)


def test_unknown_subgroup(tmp_path, raw):
    raw["findings"]["workload_unmanageable_small"]["subgroup"] = "tiny"
    assert "subgroup 'tiny'" in broken(tmp_path, raw)


def test_duplicate_question_id(tmp_path, raw):
    raw["questions"].append(dict(question(raw, "comments")))
    assert "'comments' appears more than once" in broken(tmp_path, raw)


def test_unquoted_yes_becomes_a_clear_error(tmp_path, raw):
    question(raw, "leave_role_12m")["responses"][0]["value"] = True  # what YAML makes of an unquoted Yes
    assert "quote Yes/No" in broken(tmp_path, raw)


def test_choice_question_without_responses(tmp_path, raw):
    question(raw, "workload_impact")["responses"] = []
    assert "'workload_impact'" in broken(tmp_path, raw)


def test_missing_codebook_file(tmp_path):
    with pytest.raises(CodebookError, match="codebook not found"):
        load_codebook(tmp_path / "nope.yml")


# --- waves -----------------------------------------------------------------------------------------------------
def test_questions_by_wave_and_reworded_answers(codebook):
    assert "protected_time" not in [q.id for q in codebook.asked_in("2019")]
    assert "protected_time" in [q.id for q in codebook.asked_in("2020")]
    assert "not_enough_time" not in codebook.findings_in("2019") and "not_enough_time" in codebook.findings_in("2020")
    manageable = codebook.questions["workload_manageable"]
    assert manageable.values("2019") == ["Manageable", "Just about manageable", "Unmanageable"]
    assert manageable.values("2020") == ["Manageable", "Just about manageable", "Not manageable"]
    assert manageable.canonical("2020") == {"Not manageable": "Unmanageable"} and manageable.canonical("2019") == {}


def test_waves_must_be_a_list(tmp_path, raw):
    question(raw, "protected_time")["waves"] = "2020"
    assert "question 'protected_time': `waves` must be a non-empty list" in broken(tmp_path, raw)


def test_a_reworded_answer_may_not_collide_with_another_answer_in_its_wave(tmp_path, raw):
    question(raw, "workload_manageable")["responses"][2]["exported"] = {"2020": "Manageable"}
    assert "response value(s) listed twice in wave 2020: ['Manageable']" in broken(tmp_path, raw)


def test_exported_must_map_waves_to_text(tmp_path, raw):
    question(raw, "workload_manageable")["responses"][2]["exported"] = ["Not manageable"]
    assert "`exported` must map a wave to the text its export uses" in broken(tmp_path, raw)
