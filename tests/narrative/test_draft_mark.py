"""A briefing from a codebook not yet reviewed (`survey.reviewed` absent or false, as `make codebook` drafts it) is
marked "Draft" on its first page; a wave whose record leaves its origin and licence out says "not recorded".

The ward sisters' survey of test_generic_narrative is the project; its codebook is edited here.
"""

from __future__ import annotations

from briefing.narrative import provenance
from tests.narrative.test_generic_narrative import narrative, plain, ward_survey  # noqa: F401  (a fixture)


def set_reviewed(project, value: str | None) -> None:
    path = project / "data" / "wards" / "codebook.yml"
    text = path.read_text(encoding="utf-8")
    marker = "  respondents: {singular: ward sister, plural: ward sisters}\n"
    path.write_text(text.replace(marker, marker + (f"  reviewed: {value}\n" if value else "")), encoding="utf-8")


def test_a_codebook_not_reviewed_gives_a_briefing_marked_draft(ward_survey):  # noqa: F811
    set_reviewed(ward_survey, "false")
    notice = plain(narrative(ward_survey)["notice"])
    assert notice.index('::: {.callout-important title="Draft"}') < notice.index("Synthetic example data")
    assert "This briefing is a draft" in notice and "reviewed: true" in notice


def test_a_reviewed_codebook_gives_no_draft_mark(ward_survey):  # noqa: F811
    set_reviewed(ward_survey, "true")
    assert "Draft" not in narrative(ward_survey)["notice"]


def test_an_origin_and_licence_left_out_read_not_recorded(tmp_path):
    (tmp_path / "wave.csv").write_text("rid\nA\n", encoding="utf-8")
    record = provenance.input_record("survey wave", "wave.csv", tmp_path, {"origin": None, "licence": None})
    assert record["origin"] == "not recorded" and record["licence"] == "not recorded"
    assert provenance.input_record("survey wave", "wave.csv", tmp_path, {})["licence"] == "not recorded"
