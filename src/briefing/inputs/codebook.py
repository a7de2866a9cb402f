"""The survey codebook (`data/codebook.yml`) as typed objects, checked on load.

The codebook is the single description of the survey: validation builds its schema from it, and the notebooks
compute each finding from its `findings:` registry. A mistake in it would silently change every number, so
loading fails with a message naming the file and the question or finding at fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from briefing.yamlfile import read_mapping

QUESTION_TYPES = ("id", "wave", "single_choice", "likert", "multiple_choice", "numeric", "free_text")
CHOICE_TYPES = ("single_choice", "likert", "multiple_choice")
SUBGROUPS = ("small", "large")
QUESTION_KEYS = {"id", "type", "wording", "required", "responses", "min", "max", "integer", "waves"}
RESPONSE_KEYS = {"value", "label", "exported"}
FINDING_KEYS = {"question", "counts", "subgroup", "theme", "description"}


class CodebookError(ValueError):
    """The codebook itself is inconsistent or malformed."""


@dataclass(frozen=True)
class Response:
    value: str  # the canonical value: what findings count and the briefing compares across waves
    label: str
    exported: dict[str, str] = field(default_factory=dict)  # wave -> the value as that wave's export words it

    def value_in(self, wave: str | None) -> str:
        return self.exported.get(str(wave), self.value) if wave is not None else self.value


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    wording: str
    required: bool = False
    responses: list[Response] = field(default_factory=list)
    min: float | None = None
    max: float | None = None
    integer: bool = False
    waves: tuple[str, ...] | None = None  # the waves that asked it; None: every wave

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    def asked_in(self, wave: str | None) -> bool:
        return wave is None or self.waves is None or str(wave) in self.waves

    def values(self, wave: str | None = None) -> list[str]:
        """Allowed response values, in display order: canonical, or as `wave`'s export words them."""
        return [r.value_in(wave) for r in self.responses]

    def canonical(self, wave: str) -> dict[str, str]:
        """The wave's exported wording -> the canonical value, for answers reworded in that wave."""
        return {r.value_in(wave): r.value for r in self.responses if r.value_in(wave) != r.value}

    def labels(self) -> dict[str, str]:
        """Response value -> the label the briefing uses."""
        return {r.value: r.label for r in self.responses}


@dataclass(frozen=True)
class FindingSpec:
    id: str
    question: str
    counts: list[str]
    subgroup: str | None
    theme: str
    description: str


@dataclass(frozen=True)
class Codebook:
    path: Path
    survey: str
    separator: str
    questions: dict[str, Question]
    findings: dict[str, FindingSpec]

    def of_type(self, *types: str) -> list[Question]:
        return [q for q in self.questions.values() if q.type in types]

    @property
    def id_column(self) -> str:
        return self.of_type("id")[0].id

    @property
    def wave_column(self) -> str:
        return self.of_type("wave")[0].id

    def asked_in(self, wave: str | None) -> list[Question]:
        """The questions a wave asked (its file's columns), in codebook order."""
        return [q for q in self.questions.values() if q.asked_in(wave)]

    def findings_in(self, wave: str | None) -> dict[str, FindingSpec]:
        """The registered findings a wave can give: those whose question it asked."""
        return {fid: s for fid, s in self.findings.items() if self.questions[s.question].asked_in(wave)}


def load_codebook(path: str | Path) -> Codebook:
    """Read and check a codebook file."""
    path = Path(path)
    raw = read_mapping(path, "codebook", "questions", CodebookError)
    separator = raw.get("separator")
    if not isinstance(separator, str) or not separator:
        raise CodebookError(f"{path}: `separator` must be a non-empty string (it joins multiple_choice answers)")
    questions = parse_questions(raw["questions"], separator, path)
    findings = {fid: parse_finding(fid, spec, questions, path) for fid, spec in (raw.get("findings") or {}).items()}
    return Codebook(path, str(raw.get("survey", "")), separator, questions, findings)


def parse_questions(items: list[Any], separator: str, path: Path) -> dict[str, Question]:
    questions: dict[str, Question] = {}
    for number, item in enumerate(items, start=1):
        question = parse_question(item, number, separator, path)
        if question.id in questions:
            raise CodebookError(f"{path}: question id {question.id!r} appears more than once")
        questions[question.id] = question
    for kind in ("id", "wave"):
        found = [q.id for q in questions.values() if q.type == kind]
        if len(found) != 1:
            raise CodebookError(f"{path}: need exactly one question of type {kind!r}, found {found or 'none'}")
    return questions


def parse_question(item: Any, number: int, separator: str, path: Path) -> Question:
    if not isinstance(item, dict) or not isinstance(item.get("id"), str):
        raise CodebookError(f"{path}: question {number} must be a mapping with a string `id`")
    where = f"{path}: question {item['id']!r}"
    unknown = sorted(set(item) - QUESTION_KEYS)
    if unknown:
        raise CodebookError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(QUESTION_KEYS))}")
    qtype = item.get("type")
    if qtype not in QUESTION_TYPES:
        raise CodebookError(f"{where}: unknown type {qtype!r}; allowed: {', '.join(QUESTION_TYPES)}")
    if not isinstance(item.get("wording"), str):
        raise CodebookError(f"{where}: `wording` must be text")
    responses = parse_responses(item.get("responses"), qtype, separator, where)
    check_numeric_keys(item, qtype, where)
    waves = parse_waves(item.get("waves"), qtype, where)
    return Question(
        id=item["id"],
        type=qtype,
        wording=item["wording"],
        required=bool(item.get("required", False)),
        responses=responses,
        min=item.get("min"),
        max=item.get("max"),
        integer=bool(item.get("integer", False)),
        waves=waves,
    )


def parse_waves(raw: Any, qtype: str, where: str) -> tuple[str, ...] | None:
    """`waves: [2020]`: the question was asked in those waves only (absent: every wave)."""
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or not all(isinstance(w, (str, int)) for w in raw):
        raise CodebookError(f"{where}: `waves` must be a non-empty list of waves, e.g. [2020]")
    if qtype in ("id", "wave"):
        raise CodebookError(f"{where}: the {qtype} column is in every wave; it takes no `waves`")
    return tuple(str(w) for w in raw)


def parse_responses(raw: Any, qtype: str, separator: str, where: str) -> list[Response]:
    if qtype not in CHOICE_TYPES:
        if raw:
            raise CodebookError(f"{where}: a {qtype} question takes no `responses`")
        return []
    if not isinstance(raw, list) or not raw:
        raise CodebookError(f"{where}: a {qtype} question needs a non-empty `responses` list")
    responses = []
    for item in raw:
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str) or not value.strip():
            raise CodebookError(f"{where}: response {item!r} needs a text `value` (quote Yes/No/numbers in YAML)")
        unknown = sorted(set(item) - RESPONSE_KEYS)
        if unknown:
            raise CodebookError(f"{where}: response {value!r} has unknown key(s) {', '.join(unknown)}; allowed: "
                                f"{', '.join(sorted(RESPONSE_KEYS))}")  # fmt: skip
        exported = parse_exported(item.get("exported"), value, where)
        for text in (value, *exported.values()):
            if qtype == "multiple_choice" and separator in text:
                raise CodebookError(f"{where}: response {text!r} contains the separator {separator!r}")
        responses.append(Response(value, str(item.get("label", value)), exported))
    waves = {None, *(w for r in responses for w in r.exported)}
    for wave in sorted(waves, key=str):
        values = [r.value_in(wave) for r in responses]
        duplicated = sorted({v for v in values if values.count(v) > 1})
        if duplicated:
            in_wave = f" in wave {wave}" if wave else ""
            raise CodebookError(f"{where}: response value(s) listed twice{in_wave}: {duplicated}")
    return responses


def parse_exported(raw: Any, value: str, where: str) -> dict[str, str]:
    """`exported: {2020: Not manageable}`: the same answer, worded differently in that wave's export."""
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) and v.strip() for v in raw.values()):
        raise CodebookError(f"{where}: response {value!r}: `exported` must map a wave to the text its export uses, "
                            "e.g. {2020: Not manageable}")  # fmt: skip
    return {str(wave): text for wave, text in raw.items()}


def check_numeric_keys(item: dict, qtype: str, where: str) -> None:
    bounds = {k: item[k] for k in ("min", "max") if item.get(k) is not None}
    if qtype != "numeric":
        if bounds or "integer" in item:
            raise CodebookError(f"{where}: min/max/integer apply only to numeric questions, not {qtype}")
        return
    for key, bound in bounds.items():
        if isinstance(bound, bool) or not isinstance(bound, (int, float)):
            raise CodebookError(f"{where}: `{key}` must be a number, not {bound!r}")
    if len(bounds) == 2 and bounds["min"] > bounds["max"]:
        raise CodebookError(f"{where}: min {bounds['min']} exceeds max {bounds['max']}")


def parse_finding(fid: str, raw: Any, questions: dict[str, Question], path: Path) -> FindingSpec:
    where = f"{path}: finding {fid!r}"
    if not isinstance(raw, dict):
        raise CodebookError(f"{where}: must be a mapping")
    unknown = sorted(set(raw) - FINDING_KEYS)
    if unknown:
        raise CodebookError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(FINDING_KEYS))}")
    question = questions.get(raw.get("question"))
    if question is None:
        raise CodebookError(f"{where}: question {raw.get('question')!r} is not in the codebook")
    if not question.is_choice:
        raise CodebookError(f"{where}: question {question.id!r} is {question.type}; findings need a choice question")
    counts = raw.get("counts")
    if not isinstance(counts, list) or not counts:
        raise CodebookError(f"{where}: `counts` must be a non-empty list of {question.id!r} values")
    strays = [c for c in counts if c not in question.values()]
    if strays:
        raise CodebookError(
            f"{where}: counts {strays} are not values of question {question.id!r} (allowed: {question.values()})"
        )
    subgroup = raw.get("subgroup")
    if subgroup is not None and subgroup not in SUBGROUPS:
        raise CodebookError(f"{where}: subgroup {subgroup!r} is not one of {', '.join(SUBGROUPS)}")
    for key in ("theme", "description"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise CodebookError(f"{where}: `{key}` must be non-empty text")
    return FindingSpec(fid, question.id, list(counts), subgroup, raw["theme"], raw["description"])


def answered_mask(df: pd.DataFrame, question: Question) -> pd.Series:
    """True where the respondent answered the question (not NA, not blank)."""
    column = df[question.id]
    answered = column.notna()
    if column.dtype == object or pd.api.types.is_string_dtype(column):
        answered &= column.astype("string").str.strip().fillna("") != ""
    return answered.astype(bool)


def selected_values(column: pd.Series, separator: str) -> pd.Series:
    """Each multiple_choice answer as a set of its selected values (empty set when unanswered)."""
    return column.astype("string").fillna("").map(lambda text: {v.strip() for v in text.split(separator) if v.strip()})


def counts_mask(df: pd.DataFrame, finding: FindingSpec, codebook: Codebook) -> pd.Series:
    """True where the respondent's answer is one of the finding's counted values (False when unanswered).

    multiple_choice answers are separator-joined, so a respondent counts when any selected value is counted.
    """
    question = codebook.questions[finding.question]
    column = df[question.id]
    counted = set(finding.counts)
    if question.type == "multiple_choice":
        return selected_values(column, codebook.separator).map(lambda chosen: bool(chosen & counted)).astype(bool)
    return column.astype("string").isin(counted).fillna(False).astype(bool)
