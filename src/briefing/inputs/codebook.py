"""The survey codebook (`data/codebook.yml`) as typed objects, checked on load.

The codebook is the single description of the survey: validation builds its schema from it, the notebooks
compute each finding from its `findings:` registry, and everything the briefing says about the survey (its name,
who answered, its themes, subgroups, comparisons, population, editions and quotes) comes from it. A mistake in it
would silently change every number, so loading fails with a message naming the file, the key path (e.g.
`findings.long_hours.at_least`) and the rule.

Keys (see the codebook's header for each): survey, separator, questions, themes, subgroups, partitions,
comparisons, population, weighting, editions, quotes, findings. A finding's `subgroup` names one of `subgroups:`.
"""

from __future__ import annotations

import math
import operator
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing.yamlfile import read_mapping

if TYPE_CHECKING:  # pandas is imported where a survey is read: the narrative and render steps read only the codebook
    import pandas as pd

QUESTION_TYPES = ("id", "wave", "single_choice", "likert", "multiple_choice", "numeric", "free_text")
CHOICE_TYPES = ("single_choice", "likert", "multiple_choice")
ONE_ANSWER_TYPES = ("single_choice", "likert")  # one answer per respondent: it can split them into parts
QUESTION_KEYS = {"id", "type", "wording", "required", "responses", "min", "max", "integer", "waves", "unit", "source"}
RESPONSE_KEYS = {"value", "label", "exported"}
TOP_KEYS = {
    "survey",
    "separator",
    "questions",
    "themes",
    "subgroups",
    "partitions",
    "comparisons",
    "population",
    "weighting",
    "editions",
    "quotes",
    "findings",
    "personal",
    "ignored",
}
# Numeric bounds: a band has at most one lower and one upper bound; `from` and `to` go together (from <= v < to).
LOWER_BOUNDS = {"above": operator.gt, "at_least": operator.ge, "from": operator.ge}
UPPER_BOUNDS = {"below": operator.lt, "at_most": operator.le, "to": operator.lt}
BOUNDS: dict[str, Callable] = {**LOWER_BOUNDS, **UPPER_BOUNDS}
INCLUSIVE = {"at_least", "from", "at_most"}
FINDING_KEYS = {"question", "counts", "subgroup", "theme", "description", *BOUNDS}
SUBGROUP_KEYS = {"question", "value", "values", "label", "describe", "published", *BOUNDS}
FRAME_KEYS = {"file", "unit", "id", "name", "respondents_per_unit", "match", "subareas"}
FRAME_FILE_PLACEHOLDERS = ("frame_year",)  # the QOF year or similar, from the wave's .meta.yml


class CodebookError(ValueError):
    """The codebook itself is inconsistent or malformed."""


# --- where a value sits, for error messages --------------------------------------------------------------------


@dataclass(frozen=True)
class At:
    """A key path in the codebook file (`findings.long_hours.at_least`, `themes[2]`), to name in an error."""

    path: Path
    keys: str = ""

    def __truediv__(self, key: str | int) -> At:
        if isinstance(key, int):
            return At(self.path, f"{self.keys}[{key}]")
        return At(self.path, f"{self.keys}.{key}" if self.keys else str(key))

    def error(self, rule: str) -> CodebookError:
        return CodebookError(f"{self.path}: {self.keys}: {rule}" if self.keys else f"{self.path}: {rule}")


def mapping(raw: Any, at: At, allowed: set[str], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """`raw` as a mapping with only `allowed` keys and every `required` one."""
    if not isinstance(raw, dict):
        raise at.error(f"must be a mapping (keys: {', '.join(sorted(allowed))})")
    unknown = sorted(str(k) for k in set(raw) - allowed)
    if unknown:
        raise at.error(f"unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    missing = [k for k in required if raw.get(k) is None]
    if missing:
        raise at.error(f"needs {', '.join(f'`{k}`' for k in missing)}")
    return raw


def text(raw: Any, at: At) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise at.error("must be non-empty text")
    return raw


def optional_text(raw: Any, at: At) -> str | None:
    return None if raw is None else text(raw, at)


def name_list(raw: Any, at: At) -> list[str]:
    if not isinstance(raw, list) or not raw or not all(isinstance(v, str) and v.strip() for v in raw):
        raise at.error("must be a non-empty list of names")
    return list(raw)


def positive_int(raw: Any, at: At) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise at.error(f"must be a whole number of at least 1, not {raw!r}")
    return raw


# --- placeholders and numbers in the codebook's words ----------------------------------------------------------


def check_placeholders(template: str, allowed: tuple[str, ...], at: At) -> None:
    """Every `{name}` in `template` is one of `allowed`, with no attribute, index or format: the text is data,
    filled by `fill`, never by str.format."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as problem:
        raise at.error(f"{problem}: write {{{{ or }}}} for a literal brace") from None
    for _, name, spec, conversion in parts:
        if name is not None and (name not in allowed or spec or conversion):
            shown = f"{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
            choices = ", ".join(f"{{{a}}}" for a in allowed) or "none"
            raise at.error(f"unknown placeholder {shown} (this text may hold: {choices})")


def fill(template: str, values: dict[str, str]) -> str:
    """`template` with each `{name}` replaced by `values[name]` (checked on load by `placeholders`)."""
    return "".join(
        literal + (values[name] if name is not None else "")
        for literal, name, _, _ in string.Formatter().parse(template)
    )


def number_text(x: float) -> str:
    """A bound exactly as the codebook gives it, with thousands separators: 40000 -> "40,000", 7.5 -> "7.5".
    Local rather than briefing.narrative.prose.count: inputs may not import narrative (which imports inputs),
    and a bound is never rounded."""
    return f"{int(x):,}" if float(x).is_integer() else f"{x:,}"


def join_or(values: tuple[str, ...] | list[str]) -> str:
    """Answers joined for a sentence: A; A or B; A, B or C (no serial comma: house style)."""
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


# --- typed codebook objects ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """A noun in singular and plural ("ward sister"/"ward sisters"), optionally a short form."""

    singular: str
    plural: str
    short: str | None = None


@dataclass(frozen=True)
class SurveyInfo:
    name: str
    source: str  # the "Source: ..." line under charts and tables
    respondents: Words  # who answered: every sentence, chart title, alt text and quote attribution
    coverage: str | None = None  # the whole area a briefing without an edition speaks for
    reviewed: bool = False  # false: a drafted codebook, the briefing is marked "Draft"


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
    unit: str | None = None  # a numeric question's unit ("hours")
    source: tuple[str, ...] = ()  # the export's column(s) it is read from (header text, variable name); (): its id

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
class Band:
    """A numeric range, its bounds as the codebook writes them: (("at_least", 10),) or (("from", 1), ("to", 5))."""

    bounds: tuple[tuple[str, float], ...]

    def contains(self, values: pd.Series) -> pd.Series:
        """True where the value lies in the band; a blank or non-number is in no band (False)."""
        import pandas as pd

        numbers = pd.to_numeric(values, errors="coerce")
        inside = pd.Series(True, index=values.index)
        for key, bound in self.bounds:
            inside &= BOUNDS[key](numbers, bound)
        return inside.fillna(False).astype(bool)

    def placeholders(self) -> dict[str, str]:
        return {key: number_text(bound) for key, bound in self.bounds}

    @property
    def low(self) -> tuple[float, bool]:
        """(lower bound, whether it is in the band); -inf when there is none."""
        return next(((b, k in INCLUSIVE) for k, b in self.bounds if k in LOWER_BOUNDS), (-math.inf, False))

    @property
    def high(self) -> tuple[float, bool]:
        return next(((b, k in INCLUSIVE) for k, b in self.bounds if k in UPPER_BOUNDS), (math.inf, False))


@dataclass(frozen=True)
class Subgroup:
    """Respondents with a given answer (a value, a set of values) or a numeric answer in a band."""

    id: str
    question: str
    label: str  # "small trusts", "part-time nurses"
    describe: str | None = None  # the words after the respondents ("in trusts with fewer than {below} beds")
    values: tuple[str, ...] = ()
    band: Band | None = None
    published: bool = True  # false: a part of a partition only (disclosure, weighting), never reported
    separator: str | None = None  # set when the question is multiple_choice: a member selected any of `values`

    def mask(self, survey: pd.DataFrame) -> pd.Series:
        """True for the respondents in the subgroup; an unanswered question puts no one in it."""
        column = survey[self.question]
        if self.band is not None:
            return self.band.contains(column)
        chosen = set(self.values)
        if self.separator is not None:
            return selected_values(column, self.separator).map(lambda picked: bool(picked & chosen)).astype(bool)
        return column.astype("string").isin(chosen).fillna(False).astype(bool)

    def placeholders(self) -> dict[str, str]:
        return self.band.placeholders() if self.band is not None else {"values": join_or(self.values)}

    def description(self) -> str:
        """`describe` with its numbers and values filled in; the label when there is no `describe`."""
        return fill(self.describe, self.placeholders()) if self.describe else self.label


@dataclass(frozen=True)
class Partition:
    """Subgroups of one question that split every respondent who answered it into parts (checked on load)."""

    id: str
    parts: tuple[Subgroup, ...]

    @property
    def question(self) -> str:
        return self.parts[0].question

    @property
    def subgroups(self) -> tuple[str, ...]:
        return tuple(part.id for part in self.parts)

    def assign(self, survey: pd.DataFrame) -> pd.Series:
        """Each respondent's part (its subgroup id); None where the question is unanswered."""
        import pandas as pd

        part = pd.Series([None] * len(survey), index=survey.index, dtype=object)
        for subgroup in self.parts:
            part[subgroup.mask(survey)] = subgroup.id
        return part


@dataclass(frozen=True)
class Theme:
    id: str
    title: str


@dataclass(frozen=True)
class FindingSpec:
    id: str
    question: str
    counts: list[str]  # a choice finding: the answers counted; empty for a numeric finding
    subgroup: str | None
    theme: str
    description: str  # may hold the threshold's placeholders ({at_least} ...): see description_text
    threshold: Band | None = None  # a numeric finding: respondents whose answer lies in the band

    def description_text(self) -> str:
        """The description with the threshold's numbers filled in ("spend 10 hours or more a week ...")."""
        return fill(self.description, self.threshold.placeholders() if self.threshold else {})


@dataclass(frozen=True)
class Comparison:
    """A subgroup comparison the briefing makes: finding `finding` in subgroup `first` against `second`."""

    finding: str
    first: str
    second: str

    @property
    def id(self) -> str:
        return f"{self.finding}_{self.first}_vs_{self.second}"

    @property
    def parts(self) -> tuple[str, str]:
        """The ids of the finding in each subgroup (generated unless registered explicitly)."""
        return f"{self.finding}_{self.first}", f"{self.finding}_{self.second}"


@dataclass(frozen=True)
class Subareas:
    """Areas within an edition's area that the frame names (e.g. STPs), listed in a regional edition."""

    code: str  # frame columns
    name: str
    title: str  # "sustainability and transformation partnerships (STPs)"


@dataclass(frozen=True)
class Frame:
    """A reference frame: one row per unit (e.g. a hospital trust) the respondents speak for."""

    file: str  # relative to the codebook's folder; may hold {frame_year}
    unit: Words
    id: str  # frame columns from here on
    name: str | None = None  # names redacted from quotes
    respondents_per_unit: int | None = None  # cross-check: respondents cannot outnumber units (times this)
    match: dict[str, str] = field(default_factory=dict)  # survey question -> frame column
    subareas: Subareas | None = None

    def file_for(self, frame_year: str) -> str:
        """The frame's file for a wave set against `frame_year` (relative to the codebook's folder)."""
        return fill(self.file, {"frame_year": str(frame_year)})


@dataclass(frozen=True)
class Population:
    """What the respondents are a sample of: a frame, a fixed size (finite population correction only) or none."""

    kind: str  # "frame" | "size" | "none"
    frame: Frame | None = None
    size: int | None = None


@dataclass(frozen=True)
class Editions:
    by: str  # the single-choice question each of whose values gets an edition
    area: Words  # "NHS England region"


@dataclass(frozen=True)
class Quotes:
    text: str  # the free-text question quotes come from
    attribution: tuple[str, ...] = ()  # partitions and single-choice questions whose values describe the speaker


@dataclass(frozen=True)
class Codebook:
    path: Path
    survey: SurveyInfo
    separator: str
    questions: dict[str, Question]
    findings: dict[str, FindingSpec]  # registered and generated by `comparisons:` (each after its base finding)
    themes: dict[str, Theme] = field(default_factory=dict)  # in briefing order
    subgroups: dict[str, Subgroup] = field(default_factory=dict)
    partitions: dict[str, Partition] = field(default_factory=dict)
    comparisons: tuple[Comparison, ...] = ()
    population: Population = Population("none")
    weighting: tuple[str, ...] = ()  # questions and partitions whose cells the weights match to the frame
    editions: Editions | None = None
    quotes: Quotes | None = None
    personal: tuple[str, ...] = ()  # export columns holding personal data: dropped when a wave is read
    ignored: tuple[str, ...] = ()  # export columns of the platform's own (dates, status): dropped, no warning

    def of_type(self, *types: str) -> list[Question]:
        return [q for q in self.questions.values() if q.type in types]

    @property
    def id_column(self) -> str:
        return self.of_type("id")[0].id

    @property
    def wave_column(self) -> str:
        return self.of_type("wave")[0].id

    @property
    def respondents(self) -> Words:
        """Who answered, in singular and plural."""
        return self.survey.respondents

    def asked_in(self, wave: str | None) -> list[Question]:
        """The questions a wave asked (its file's columns), in codebook order."""
        return [q for q in self.questions.values() if q.asked_in(wave)]

    def findings_in(self, wave: str | None) -> dict[str, FindingSpec]:
        """The registered findings a wave can give: those whose question it asked."""
        return {fid: s for fid, s in self.findings.items() if self.questions[s.question].asked_in(wave)}

    def comparison_findings(self, wave: str | None = None) -> dict[str, tuple[FindingSpec, FindingSpec]]:
        """Each declared comparison's id (`<finding>_<a>_vs_<b>`) -> the finding in subgroup a and in b (those
        the wave can give)."""
        given = self.findings_in(wave)
        return {c.id: (given[c.parts[0]], given[c.parts[1]]) for c in self.comparisons if c.finding in given}

    def partition(self, name: str) -> Partition:
        if name not in self.partitions:
            known = ", ".join(self.partitions) or "none"
            raise CodebookError(f"{self.path}: partitions: no partition {name!r} (partitions: {known})")
        return self.partitions[name]

    def part_question(self, name: str) -> str:
        """The question behind a weighting or attribution name: a partition's, or the question itself."""
        return self.partitions[name].question if name in self.partitions else name


# --- loading ---------------------------------------------------------------------------------------------------


def load_codebook(path: str | Path) -> Codebook:
    """Read and check a codebook file."""
    path = Path(path)
    raw = read_mapping(path, "codebook", "questions", CodebookError)
    top = At(path)
    mapping(raw, top, TOP_KEYS)  # a mistyped section would otherwise be silently ignored
    separator = raw.get("separator")
    if not isinstance(separator, str) or not separator:
        raise CodebookError(f"{path}: `separator` must be a non-empty string (it joins multiple_choice answers)")
    survey = parse_survey(raw.get("survey"), top / "survey")
    questions = parse_questions(raw["questions"], separator, path)
    subgroups = parse_subgroups(raw.get("subgroups"), questions, separator, top / "subgroups")
    partitions = parse_partitions(raw.get("partitions"), subgroups, questions, top / "partitions")
    themes = parse_themes(raw.get("themes"), top / "themes")
    registered = {
        str(fid): parse_finding(str(fid), spec, questions, subgroups, themes, top / "findings" / str(fid))
        for fid, spec in mapping_of(raw.get("findings"), top / "findings").items()
    }
    comparisons = parse_comparisons(raw.get("comparisons"), registered, subgroups, top / "comparisons")
    findings = with_comparison_findings(registered, comparisons, top / "findings")
    check_themes_have_findings(themes, findings, top / "themes")
    population = parse_population(raw.get("population"), questions, top / "population")
    return Codebook(
        path,
        survey,
        separator,
        questions,
        findings,
        themes,
        subgroups,
        partitions,
        comparisons,
        population,
        weighting=parse_weighting(raw.get("weighting"), questions, partitions, population, top / "weighting"),
        editions=parse_editions(raw.get("editions"), questions, top / "editions"),
        quotes=parse_quotes(raw.get("quotes"), questions, partitions, top / "quotes"),
        personal=parse_personal(raw.get("personal"), questions, top / "personal"),
        ignored=tuple(name_list(raw["ignored"], top / "ignored")) if "ignored" in raw else (),
    )


def mapping_of(raw: Any, at: At) -> dict:
    """An optional section that maps names to entries (absent: empty)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise at.error("must be a mapping of names to entries")
    return raw


def known_question(qid: Any, questions: dict[str, Question], at: At) -> Question:
    if qid not in questions:
        raise at.error(f"question {qid!r} is not in the codebook")
    return questions[qid]


def parse_words(raw: Any, at: At, short: bool = False) -> Words:
    allowed = {"singular", "plural", "short"} if short else {"singular", "plural"}
    raw = mapping(raw, at, allowed, ("singular", "plural"))
    return Words(
        text(raw["singular"], at / "singular"),
        text(raw["plural"], at / "plural"),
        optional_text(raw.get("short"), at / "short"),
    )


def parse_survey(raw: Any, at: At) -> SurveyInfo:
    """Who and what the survey is: its name, source line, respondents and coverage."""
    raw = mapping(raw, at, {"name", "source", "respondents", "coverage", "reviewed"}, ("name", "respondents"))
    name = text(raw["name"], at / "name")
    reviewed = raw.get("reviewed", False)
    if not isinstance(reviewed, bool):
        raise (at / "reviewed").error(f"must be true or false, not {reviewed!r}")
    return SurveyInfo(
        name,
        optional_text(raw.get("source"), at / "source") or name,
        parse_words(raw["respondents"], at / "respondents"),
        optional_text(raw.get("coverage"), at / "coverage"),
        reviewed,
    )


def parse_themes(raw: Any, at: At) -> dict[str, Theme]:
    """The briefing's sections, in order: each `{id, title}`."""
    if not isinstance(raw, list) or not raw:
        raise at.error("must be a non-empty list of {id, title}, in briefing order (every finding names one)")
    themes: dict[str, Theme] = {}
    for number, item in enumerate(raw):
        item = mapping(item, at / number, {"id", "title"}, ("id", "title"))
        theme = Theme(text(item["id"], at / number / "id"), text(item["title"], at / number / "title"))
        if theme.id in themes:
            raise (at / number / "id").error(f"theme {theme.id!r} is listed twice")
        themes[theme.id] = theme
    return themes


def check_themes_have_findings(themes: dict[str, Theme], findings: dict[str, FindingSpec], at: At) -> None:
    used = {spec.theme for spec in findings.values()}
    for theme in themes:
        if theme not in used:
            raise (at / theme).error(f"theme {theme!r} has no findings: every theme needs a finding (or remove it)")


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
        raise CodebookError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(QUESTION_KEYS))}"
        )
    qtype = item.get("type")
    if qtype not in QUESTION_TYPES:
        raise CodebookError(f"{where}: unknown type {qtype!r}; allowed: {', '.join(QUESTION_TYPES)}")
    if not isinstance(item.get("wording"), str):
        raise CodebookError(f"{where}: `wording` must be text")
    responses = parse_responses(item.get("responses"), qtype, separator, where)
    check_numeric_keys(item, qtype, where)
    waves = parse_waves(item.get("waves"), qtype, where)
    check_unit(item.get("unit"), qtype, where)
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
        unit=item.get("unit"),
        source=parse_source(item.get("source"), where),
    )


def parse_source(raw: Any, where: str) -> tuple[str, ...]:
    """`source: "Q3. Which region?"`: the export column(s) a question is read from (a list: any one of them)."""
    if raw is None:
        return ()
    names = [raw] if isinstance(raw, str) else raw
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise CodebookError(f"{where}: `source` must be an export column's name, or a list of them, not {raw!r}")
    return tuple(n.strip() for n in names)


def parse_personal(raw: Any, questions: dict[str, Question], at: At) -> tuple[str, ...]:
    """`personal: [Email Address, IP Address]`: export columns that hold personal data, dropped on reading; none
    may be a question's column."""
    if raw is None:
        return ()
    names = name_list(raw, at)
    for question in questions.values():
        clash = {n.casefold() for n in names} & {n.casefold() for n in (question.source or (question.id,))}
        if clash:
            raise at.error(
                f"{sorted(clash)[0]!r} is question {question.id!r}'s column: a question is not personal data"
            )
    return tuple(names)


def check_unit(unit: Any, qtype: str, where: str) -> None:
    """`unit: hours`: what a numeric question's answers count, for its findings' and charts' words."""
    if unit is not None and (qtype != "numeric" or not isinstance(unit, str) or not unit.strip()):
        raise CodebookError(f"{where}: `unit` must be text on a numeric question (e.g. hours), not {unit!r} on {qtype}")


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
            raise CodebookError(
                f"{where}: response {value!r} has unknown key(s) {', '.join(unknown)}; allowed: "
                f"{', '.join(sorted(RESPONSE_KEYS))}"
            )
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
        raise CodebookError(
            f"{where}: response {value!r}: `exported` must map a wave to the text its export uses, "
            "e.g. {2020: Not manageable}"
        )
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


# --- numeric bands ---------------------------------------------------------------------------------------------

Span = tuple[float, bool, float, bool]  # (low, low included, high, high included)


def parse_band(raw: dict, question: Question, at: At) -> Band | None:
    """The bounds among `raw`'s keys (None when it has none), checked: numbers, at most one lower and one upper
    bound, `from` with `to`, and a band holding some value the question allows."""
    bounds = tuple((key, raw[key]) for key in BOUNDS if key in raw)
    if not bounds:
        return None
    for key, bound in bounds:
        if isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound):
            raise (at / key).error(f"must be a number, not {bound!r}")
    lower = [k for k, _ in bounds if k in LOWER_BOUNDS]
    upper = [k for k, _ in bounds if k in UPPER_BOUNDS]
    if len(lower) > 1 or len(upper) > 1:
        raise at.error(
            f"give at most one lower bound (above, at_least, from) and one upper bound (below, at_most, "
            f"to), not {' and '.join(lower + upper)}"
        )
    if ("from" in raw) != ("to" in raw):
        raise (at / ("from" if "from" in raw else "to")).error("`from` and `to` go together (from <= value < to)")
    band = Band(bounds)
    if span_is_empty(span_of(band, question)):
        allowed = span_of(Band(()), question)
        raise at.error(
            f"the band {band_text(band)} holds no value question {question.id!r} allows (it allows "
            f"{values_text(*allowed, question.integer)})"
        )
    return band


def required_band(raw: dict, question: Question, at: At, given: str | None, takes: str, what: str) -> Band:
    """The band a subgroup or finding on a numeric question must give; `given`: a choice question's key it gave
    instead (values, counts), refused."""
    keys = "at_least, at_most, above, below or from+to"
    if given is not None:
        raise (at / given).error(f"question {question.id!r} is numeric: {takes} ({keys}), not `{given}`")
    band = parse_band(raw, question, at)
    if band is None:
        raise at.error(f"question {question.id!r} is numeric: give {what} ({keys})")
    return band


def band_text(band: Band) -> str:
    return " and ".join(f"{key} {number_text(bound)}" for key, bound in band.bounds)


def span_of(band: Band, question: Question) -> Span:
    """The question's allowed values that the band holds. A whole-number question's are given as
    [first, last + 1), so that neighbouring parts (up to 39,999; from 40,000) meet with no gap between them."""
    (low, low_in), (high, high_in) = band.low, band.high
    if question.min is not None and question.min > low:
        low, low_in = question.min, True
    if question.max is not None and question.max < high:
        high, high_in = question.max, True
    if not question.integer:
        return low, low_in, high, high_in
    first = low if math.isinf(low) else (math.ceil(low) if low_in else math.floor(low) + 1)
    last = high if math.isinf(high) else (math.floor(high) if high_in else math.ceil(high) - 1)
    return first, True, last + 1, False


def span_is_empty(span: Span) -> bool:
    low, low_in, high, high_in = span
    return low > high or (low == high and not (low_in and high_in))


def position(value: float, included: bool) -> tuple[float, bool]:
    """Sort key of where a run of values starts: at `value` (included) comes before just after it."""
    return value, not included


def values_text(low: float, low_in: bool, high: float, high_in: bool, whole: bool) -> str:
    """A run of values in words: "60,000", "59,990 to 60,000", "above 40,000 and below 50,000"."""
    if whole:  # the whole numbers from low to high - 1
        low, low_in, high, high_in = low, True, high - 1, True
    if low == high:
        return number_text(low)
    if whole and not (math.isinf(low) or math.isinf(high)):
        return f"{number_text(low)} to {number_text(high)}"
    ends = []
    if not math.isinf(low):
        ends.append(f"{'at least' if low_in else 'above'} {number_text(low)}")
    if not math.isinf(high):
        ends.append(f"{'at most' if high_in else 'below'} {number_text(high)}")
    return " and ".join(ends)


# --- subgroups and partitions ----------------------------------------------------------------------------------


def parse_subgroups(raw: Any, questions: dict[str, Question], separator: str, at: At) -> dict[str, Subgroup]:
    return {
        str(sid): parse_subgroup(str(sid), item, questions, separator, at / str(sid))
        for sid, item in mapping_of(raw, at).items()
    }


def parse_subgroup(sid: str, raw: Any, questions: dict[str, Question], separator: str, at: At) -> Subgroup:
    raw = mapping(raw, at, SUBGROUP_KEYS, ("question", "label"))
    question = known_question(raw["question"], questions, at / "question")
    band, values = None, ()
    if question.type == "numeric":
        given = next((key for key in ("value", "values") if key in raw), None)
        band = required_band(raw, question, at, given, "a subgroup on it takes a band", "the subgroup's band")
    elif question.is_choice:
        bound = next((key for key in BOUNDS if key in raw), None)
        if bound:
            raise (at / bound).error(
                f"a numeric band on choice question {question.id!r}: a subgroup on it takes `value` or `values`"
            )
        values = subgroup_values(raw, question, at)
    else:
        raise (at / "question").error(
            f"question {question.id!r} is {question.type}: a subgroup needs a choice or numeric question"
        )
    published = raw.get("published", True)
    if not isinstance(published, bool):
        raise (at / "published").error(f"must be true or false, not {published!r}")
    subgroup = Subgroup(
        sid,
        question.id,
        text(raw["label"], at / "label"),
        optional_text(raw.get("describe"), at / "describe"),
        values,
        band,
        published,
        separator if question.type == "multiple_choice" else None,
    )
    if subgroup.describe:
        check_placeholders(subgroup.describe, tuple(subgroup.placeholders()), at / "describe")
    return subgroup


def subgroup_values(raw: dict, question: Question, at: At) -> tuple[str, ...]:
    """`value: X` or `values: [X, Y]`: answers of the question (canonical values, as findings count them)."""
    if ("value" in raw) == ("values" in raw):
        given = "both" if "value" in raw else "neither"
        raise at.error(f"give `value` or `values` (answers of question {question.id!r}), not {given}")
    key = "value" if "value" in raw else "values"
    values = [raw[key]] if key == "value" else raw[key]
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise (at / key).error(
            "must be an answer (quote Yes/No/numbers in YAML)"
            if key == "value"
            else "must be a non-empty list of answers (quote Yes/No/numbers in YAML)"
        )
    unknown = [v for v in values if v not in question.values()]
    if unknown:
        raise (at / key).error(
            f"{', '.join(map(repr, unknown))} is not a value of question {question.id!r} (values: {question.values()})"
        )
    return tuple(dict.fromkeys(values))


def parse_partitions(
    raw: Any, subgroups: dict[str, Subgroup], questions: dict[str, Question], at: At
) -> dict[str, Partition]:
    partitions = {}
    for name, members in mapping_of(raw, at).items():
        where = at / str(name)
        if name in questions:
            raise where.error(
                f"a partition may not share its name with question {name!r} (weighting and quotes name both)"
            )
        ids = name_list(members, where)
        if len(set(ids)) < 2 or len(set(ids)) < len(ids):
            raise where.error("must list two or more different subgroups")
        for number, sid in enumerate(ids):
            if sid not in subgroups:
                known = ", ".join(subgroups) or "none"
                raise (where / number).error(f"subgroup {sid!r} is not in `subgroups:` ({known})")
        partition = Partition(str(name), tuple(subgroups[sid] for sid in ids))
        check_partition(partition, questions, where)
        partitions[partition.id] = partition
    return partitions


def check_partition(partition: Partition, questions: dict[str, Question], at: At) -> None:
    """The parts are subgroups of one single-answer question and hold each of its answers exactly once."""
    on = sorted({part.question for part in partition.parts})
    if len(on) > 1:
        raise at.error(f"the parts of a partition must be subgroups of one question, not of {', '.join(on)}")
    question = questions[on[0]]
    if question.type == "multiple_choice":
        raise at.error(
            f"question {question.id!r} is multiple_choice, where a respondent may be in several parts: a "
            "partition needs a single-choice, likert or numeric question"
        )
    if question.type == "numeric":
        check_numeric_partition(partition, question, at)
    else:
        check_choice_partition(partition, question, at)


def check_choice_partition(partition: Partition, question: Question, at: At) -> None:
    holder: dict[str, str] = {}
    for part in partition.parts:
        for value in part.values:
            if value in holder:
                raise at.error(
                    f"subgroups {holder[value]!r} and {part.id!r} overlap (both hold {value!r}): the parts "
                    "of a partition must not share a value"
                )
            holder[value] = part.id
    missing = [v for v in question.values() if v not in holder]
    if missing:
        raise at.error(
            f"answer(s) {missing} of question {question.id!r} are in none of "
            f"{', '.join(partition.subgroups)}: a partition's parts must leave no gap"
        )


def check_numeric_partition(partition: Partition, question: Question, at: At) -> None:
    """Walk the parts' bands from the question's lowest allowed value up: each must start where the one before
    ended (a later start is a gap, an earlier one an overlap), and the last must reach the highest value."""
    spans = sorted(((span_of(p.band, question), p) for p in partition.parts), key=lambda sp: position(*sp[0][:2]))
    start, start_in, end, end_in = span_of(Band(()), question)
    cursor, owner = (start, start_in), None  # the next value to cover, and the part that covered up to it
    gap = (
        f"of question {question.id!r} are in none of {', '.join(partition.subgroups)}: a partition's parts must "
        "leave no gap"
    )
    for (low, low_in, high, high_in), part in spans:
        if owner is not None and position(low, low_in) < position(*cursor):
            raise at.error(
                f"subgroups {owner.id!r} ({band_text(owner.band)}) and {part.id!r} ({band_text(part.band)}) "
                "overlap: the parts of a partition must not share a value"
            )
        if position(low, low_in) > position(*cursor):
            raise at.error(f"answer(s) {values_text(*cursor, low, not low_in, question.integer)} {gap}")
        cursor, owner = max(cursor, (high, not high_in), key=lambda c: position(*c)), part
    if not span_is_empty((*cursor, end, end_in)):
        raise at.error(f"answer(s) {values_text(*cursor, end, end_in, question.integer)} {gap}")


# --- findings and comparisons ----------------------------------------------------------------------------------


def parse_finding(
    fid: str,
    raw: Any,
    questions: dict[str, Question],
    subgroups: dict[str, Subgroup],
    themes: dict[str, Theme],
    at: At,
) -> FindingSpec:
    """One registered finding; `subgroups`: the codebook's, which a finding's `subgroup` must name."""
    raw = mapping(raw, at, FINDING_KEYS)
    question = known_question(raw.get("question"), questions, at / "question")
    counts, threshold = finding_answers(fid, raw, question, at)
    subgroup = raw.get("subgroup")
    if subgroup is not None:
        check_reported_subgroup(subgroup, subgroups, at / "subgroup")
    theme = text(raw.get("theme"), at / "theme")
    if theme not in themes:
        raise (at / "theme").error(f"theme {theme!r} is not in `themes:` ({', '.join(themes)})")
    description = text(raw.get("description"), at / "description")
    check_placeholders(description, tuple(threshold.placeholders()) if threshold else (), at / "description")
    return FindingSpec(fid, question.id, counts, subgroup, theme, description, threshold)


def finding_answers(fid: str, raw: dict, question: Question, at: At) -> tuple[list[str], Band | None]:
    """What the finding counts: answers of a choice question (`counts`), or a numeric one's range."""
    if question.type == "numeric":
        given = "counts" if raw.get("counts") is not None else None
        return [], required_band(
            raw, question, at, given, "a numeric finding counts answers in a range", "the range the finding counts"
        )
    if not question.is_choice:
        raise (at / "question").error(
            f"question {question.id!r} is {question.type}; a finding needs a choice or numeric question"
        )
    bound = next((key for key in BOUNDS if key in raw), None)
    if bound:
        raise (at / bound).error(
            f"a threshold on choice question {question.id!r}: a choice finding names the answers it counts in `counts`"
        )
    counts = raw.get("counts")
    if not isinstance(counts, list) or not counts:
        raise (at / "counts").error(f"`counts` must be a non-empty list of {question.id!r} values")
    strays = [c for c in counts if c not in question.values()]
    if strays:
        raise (at / "counts").error(
            f"counts {strays} of finding {fid!r} are not values of question {question.id!r} "
            f"(allowed: {question.values()})"
        )
    return list(counts), None


def check_reported_subgroup(name: Any, subgroups: dict[str, Subgroup], at: At) -> None:
    """A finding or comparison reports a subgroup: one defined and published."""
    if not subgroups:
        raise at.error(f"subgroup {name!r}: the codebook defines no `subgroups:`")
    if name not in subgroups:
        raise at.error(f"subgroup {name!r} is not one of {', '.join(subgroups)}")
    if not subgroups[name].published:
        raise at.error(f"subgroup {name!r} is not published (`published: false`): no finding may report it")


def parse_comparisons(
    raw: Any, findings: dict[str, FindingSpec], subgroups: dict[str, Subgroup], at: At
) -> tuple[Comparison, ...]:
    """`- {finding: f, between: [a, b]}`: the briefing compares finding f in subgroup a with b, by a test."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise at.error("must be a list of {finding, between: [a, b]}")
    comparisons: dict[str, Comparison] = {}
    for number, item in enumerate(raw):
        where = at / number
        item = mapping(item, where, {"finding", "between"}, ("finding", "between"))
        base = findings.get(item["finding"])
        if base is None:
            raise (where / "finding").error(f"finding {item['finding']!r} is not in `findings:`")
        if base.subgroup is not None:
            raise (where / "finding").error(
                f"finding {base.id!r} is already of subgroup {base.subgroup!r}: compare a finding of all respondents"
            )
        between = item["between"]
        if not isinstance(between, list) or len(between) != 2 or len(set(map(str, between))) != 2:
            raise (where / "between").error("must name two different subgroups, e.g. [small, large]")
        for side, name in enumerate(between):
            check_reported_subgroup(name, subgroups, where / "between" / side)
        comparison = Comparison(base.id, *between)
        if comparison.id in comparisons:
            raise where.error(f"comparison {comparison.id!r} is listed twice")
        comparisons[comparison.id] = comparison
    return tuple(comparisons.values())


def with_comparison_findings(
    registered: dict[str, FindingSpec], comparisons: tuple[Comparison, ...], at: At
) -> dict[str, FindingSpec]:
    """The registry with each compared finding in each compared subgroup (`<finding>_<subgroup>`), right after its
    base finding. A registered finding of that id must be the same finding (so explicit ones stay legal)."""
    generated: dict[str, dict[str, FindingSpec]] = {}
    for comparison in comparisons:
        base = registered[comparison.finding]
        for subgroup, fid in zip((comparison.first, comparison.second), comparison.parts, strict=False):
            spec = FindingSpec(fid, base.question, base.counts, subgroup, base.theme, base.description, base.threshold)
            if fid in registered and registered[fid] != spec:
                raise (at / fid).error(
                    f"is not finding {base.id!r} in subgroup {subgroup!r}, which comparison "
                    f"{comparison.id!r} makes under this id: make it the same or remove it"
                )
            generated.setdefault(base.id, {})[fid] = spec
    findings: dict[str, FindingSpec] = {}
    for fid, spec in registered.items():
        findings[fid] = spec
        findings.update({gid: g for gid, g in generated.get(fid, {}).items() if gid not in registered})
    return findings


# --- population, weighting, editions, quotes -------------------------------------------------------------------


def parse_population(raw: Any, questions: dict[str, Question], at: At) -> Population:
    if raw is None:
        return Population("none")
    raw = mapping(raw, at, {"frame", "size"})
    if ("frame" in raw) == ("size" in raw):
        raise at.error(
            "give one of `frame` (a reference frame) or `size` (a fixed population size); leave "
            "`population` out for neither (no finite population correction)"
        )
    if "size" in raw:
        return Population("size", size=positive_int(raw["size"], at / "size"))
    return Population("frame", frame=parse_frame(raw["frame"], questions, at / "frame"))


def parse_frame(raw: Any, questions: dict[str, Question], at: At) -> Frame:
    raw = mapping(raw, at, FRAME_KEYS, ("file", "unit", "id"))
    file = text(raw["file"], at / "file")
    check_placeholders(file, FRAME_FILE_PLACEHOLDERS, at / "file")
    match = {}
    for qid, column in mapping_of(raw.get("match"), at / "match").items():
        match[known_question(qid, questions, at / "match" / str(qid)).id] = text(column, at / "match" / str(qid))
    per_unit = raw.get("respondents_per_unit")
    return Frame(
        file,
        parse_words(raw["unit"], at / "unit", short=True),
        text(raw["id"], at / "id"),
        optional_text(raw.get("name"), at / "name"),
        None if per_unit is None else positive_int(per_unit, at / "respondents_per_unit"),
        match,
        parse_subareas(raw.get("subareas"), at / "subareas"),
    )


def parse_subareas(raw: Any, at: At) -> Subareas | None:
    if raw is None:
        return None
    raw = mapping(raw, at, {"code", "name", "title"}, ("code", "name", "title"))
    return Subareas(*(text(raw[key], at / key) for key in ("code", "name", "title")))


def cell_question(name: str, questions: dict[str, Question], partitions: dict[str, Partition], at: At) -> str:
    """The question behind a weighting or attribution name: a partition, or a single-choice question itself."""
    if name in partitions:
        return partitions[name].question
    if name not in questions or questions[name].type not in ONE_ANSWER_TYPES:
        kind = f"is {questions[name].type}" if name in questions else "is not in the codebook"
        raise at.error(
            f"{name!r} {kind}: name a partition ({', '.join(partitions) or 'none'}) or a single-choice question"
        )
    return name


def parse_weighting(
    raw: Any, questions: dict[str, Question], partitions: dict[str, Partition], population: Population, at: At
) -> tuple[str, ...]:
    """`weighting: [region, size]`: post-stratify to the frame's cells of these questions and partitions."""
    if raw is None:
        return ()
    names = name_list(raw, at)
    if population.frame is None:
        raise at.error("weighting needs a reference frame (population.frame): the weights match the frame's cells")
    for number, name in enumerate(names):
        qid = cell_question(name, questions, partitions, at / number)
        if qid not in population.frame.match:
            raise (at / number).error(
                f"{name!r} is on question {qid!r}, which population.frame.match does not map to a frame column"
            )
        if names.index(name) != number:
            raise (at / number).error(f"{name!r} is listed twice")
    return tuple(names)


def parse_editions(raw: Any, questions: dict[str, Question], at: At) -> Editions | None:
    """`editions: {by: region, area: {...}}`: one edition per answer of a single-choice question."""
    if raw is None:
        return None
    raw = mapping(raw, at, {"by", "area"}, ("by", "area"))
    question = known_question(raw["by"], questions, at / "by")
    if question.type not in ONE_ANSWER_TYPES:
        raise (at / "by").error(
            f"question {question.id!r} is {question.type}: editions need a single-choice "
            "question (one edition per answer)"
        )
    return Editions(question.id, parse_words(raw["area"], at / "area"))


def parse_quotes(raw: Any, questions: dict[str, Question], partitions: dict[str, Partition], at: At) -> Quotes | None:
    """`quotes: {text: comments, attribution: [size, region]}`: where quotes come from, and what describes who
    said them (only parts and single answers: an exact number could identify the speaker)."""
    if raw is None:
        return None
    raw = mapping(raw, at, {"text", "attribution"}, ("text",))
    question = known_question(raw["text"], questions, at / "text")
    if question.type != "free_text":
        raise (at / "text").error(f"question {question.id!r} is {question.type}: quotes come from a free_text question")
    attribution = () if raw.get("attribution") is None else tuple(name_list(raw["attribution"], at / "attribution"))
    for number, name in enumerate(attribution):
        cell_question(name, questions, partitions, at / "attribution" / number)
    return Quotes(question.id, attribution)


# --- masks -----------------------------------------------------------------------------------------------------


def answered_mask(df: pd.DataFrame, question: Question) -> pd.Series:
    """True where the respondent answered the question (not NA, not blank)."""
    import pandas as pd

    column = df[question.id]
    answered = column.notna()
    if column.dtype == object or pd.api.types.is_string_dtype(column):
        answered &= column.astype("string").str.strip().fillna("") != ""
    return answered.astype(bool)


def selected_values(column: pd.Series, separator: str) -> pd.Series:
    """Each multiple_choice answer as a set of its selected values (empty set when unanswered)."""
    return column.astype("string").fillna("").map(lambda text: {v.strip() for v in text.split(separator) if v.strip()})


def counts_mask(df: pd.DataFrame, finding: FindingSpec, codebook: Codebook) -> pd.Series:
    """True where the respondent's answer is one of the finding's counted values, or for a numeric finding lies
    in its range (False when unanswered).

    multiple_choice answers are separator-joined, so a respondent counts when any selected value is counted.
    """
    question = codebook.questions[finding.question]
    column = df[question.id]
    if finding.threshold is not None:
        return finding.threshold.contains(column)
    counted = set(finding.counts)
    if question.type == "multiple_choice":
        return selected_values(column, codebook.separator).map(lambda chosen: bool(chosen & counted)).astype(bool)
    return column.astype("string").isin(counted).fillna(False).astype(bool)
