"""Personal data out of respondents' free text before it is published, and a record of how much was taken out.

The patterns read a folded copy of the text (`fold`): NFKC, with format and control characters (zero-width
spaces and joiners, bidirectional marks, soft hyphens) dropped, every space a space and every dash a hyphen,
so that none of them can hide a number or a name. What is printed is the respondent's own text, character for
character, with only what was found replaced by "[redacted]".

What is found, in this order (each rule reads the text with what earlier rules found masked out):
  e-mail       name@host.tld, and spelled out: "jo at nhs dot net", "jo [at] nhs [dot] net"
  URL          scheme://..., www...., and a bare address with a common ending (example.org/plan, nhs.uk)
  date of birth  a date after "DOB", "date of birth" or "born"; other dates are kept, and never read as numbers
  phone        a number libphonenumber finds that is valid in any country, or is written as a UK number (a
               trunk 0, +44 or 0044, brackets, spaces, dots, dashes) with a UK number's length whether or not
               its range is allocated (Ofcom's drama numbers, 07700 900xxx, are not)
  NHS number   ten digits with any separators whose modulus-11 check digit holds
  number       any other run of ten or more digits (joined by single spaces, dots or dashes). A ten-digit
               number that fails the NHS check is not called an NHS number, but it is still redacted: it is a
               mistyped NHS number, a phone number in a form not known here or an account number, and never a
               statistic (counts are written with commas: 1,250)
  NI number    a National Insurance number (QQ 12 34 56 C)
  postcode     a full UK postcode in any case (SW1A 1AA, sw1a1aa); an outward code alone (SW1A) is an area, kept
  code         an ODS code of an NHS organisation (F84001, U00070): it names the respondent's organisation
  unit name    the names the caller passes (the reference frame's units), in any case
  name         a name after a title in any case, with or without a full stop (Dr, dr, DR, Doctor, Prof,
               Professor, Mr, Mrs, Ms, Mx, Miss, Nurse, Sister, Matron, Sir, Dame, Cllr): one or more
               capitalised words or initials (Dr J. O'Neill-Smith, Dr de Souza), unless the word after the title
               is a role, a product or a common word (Nurse Practitioners, MS Teams, "the dr. Then")

Not found: a name without a title (that would take a named-entity model), an address without its postcode,
letters typed for digits (O for 0).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

REDACTED = "[redacted]"
MASK = "\x00"  # stands, in the folded text, for what a rule found: no later rule reads it as part of a match
Span = tuple[int, int]
Finder = Callable[[str], Iterable[Span]]


@dataclass(frozen=True)
class Redaction:
    """A text with its personal data replaced, and what was replaced: enough to judge whether a quote still reads."""

    text: str
    kinds: tuple[str, ...]  # what each "[redacted]" stands for, in the order they appear
    removed: int  # characters of the original that were replaced, spaces not counted
    length: int  # characters of the original, spaces not counted

    @property
    def count(self) -> int:
        return len(self.kinds)

    @property
    def share(self) -> float:
        """The share of the original's characters (spaces aside) that were redacted: 0 for none, 1 for all."""
        return self.removed / self.length if self.length else 0.0


# --- what the patterns read -----------------------------------------------------------------------------------

DROPPED = {"Cf", "Cc", "Mn", "Me"}  # format and control characters; combining marks NFKC could not compose


def fold_character(character: str) -> str:
    folded = []
    for char in unicodedata.normalize("NFKC", character):
        if char.isspace():
            folded.append(" ")
        elif unicodedata.category(char) in DROPPED:
            continue
        elif unicodedata.category(char) == "Pd" or char == "\u2212":  # en dash, non-breaking hyphen, minus...
            folded.append("-")
        else:
            folded.append(char)
    return "".join(folded)


def characters(text: str) -> Iterator[Span]:
    """Each character with the combining marks that follow it: what NFKC composes into one."""
    start = 0
    for end in range(1, len(text) + 1):
        if end == len(text) or not unicodedata.combining(text[end]):
            yield start, end
            start = end


def fold(text: str) -> tuple[str, list[Span]]:
    """What the patterns read (see the module's docstring), and for each of its characters where in `text` it
    came from, so that a match is replaced in the respondent's own text."""
    if text.isascii() and text.isprintable():  # (most text: NFKC, the spaces and the dashes leave it as it is)
        return text, [(index, index + 1) for index in range(len(text))]
    folded, origin = [], []
    for start, end in characters(text):
        for char in fold_character(text[start:end]):
            folded.append(char)
            origin.append((start, end))
    return "".join(folded), origin


# --- the rules --------------------------------------------------------------------------------------------------

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Each pattern that could run over a long word starts only where a word begins ((?<!...), not \b) and repeats
# a bounded number of times, so that a long hostile comment takes linear time.
AT = r"(?:\s*[\[(<{]\s*at\s*[\])>}]\s*|\s+at\s+)"
DOT = r"(?:\.|\s*[\[(<{]\s*dot\s*[\])>}]\s*|\s+dot\s+)"
SPELLED_EMAIL = re.compile(rf"(?i:(?<![\w.+-])[\w+-]+(?:{DOT}[\w+-]+){{0,4}}{AT}[\w-]+(?:{DOT}[\w-]+){{1,4}})")
URL_END = r"[^\s<>\"'.,;:!?)\]]"  # a sentence's full stop or closing bracket after an address is not part of it
WEB_ENDINGS = r"com|org|net|uk|gov|nhs|ac|edu|io|info|co|scot|wales|cymru|eu"  # of a bare address: nhs.uk
URL = re.compile(
    rf"(?i:(?<![\w+.-])[a-z][a-z0-9+.-]*://[^\s<>\"]*{URL_END}|\bwww\.[^\s<>\"]*{URL_END}"
    rf"|(?<![\w.-])(?:[a-z0-9-]+\.)+(?:{WEB_ENDINGS})\b(?:/[^\s<>\"]*{URL_END})?)"
)
MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
DATE = (
    r"\d{1,2}[./ -]\d{1,2}[./ -](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{MONTH},?\s+\d{{4}}"
)  # 01/02/1960, 1960-02-01, 1st February 1960
BIRTH = r"d\.?o\.?b\b\.?|date\s+of\s+birth|born(?:\s+on)?"
BIRTH_DATE = re.compile(rf"(?i:\b(?:{BIRTH})\s*[:-]?\s*(?P<found>{DATE}))")  # only the date is redacted
DAY, MONTH_NUMBER = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])"
KEPT_DATE = re.compile(  # a date, not the start of a longer number in pairs (01.23.45.67.89)
    rf"(?<!\d[./-])\b(?:{DAY}(?P<s>[./-]){MONTH_NUMBER}(?P=s)(?:\d{{4}}|\d{{2}})|\d{{4}}-{MONTH_NUMBER}-{DAY})"
    r"\b(?![./-]\d)"
)
UK_WRITTEN = re.compile(r"\(?\s*(?:\+\s*|00\s*)44|\(?\s*0")
SEPARATOR = r"(?: ?[.-] ?| )"  # between two digits of one number (a slash is not: 2018/19 2019/20)
NHS_CANDIDATE = re.compile(rf"(?=(?<!\d)(\d(?:{SEPARATOR}?\d){{9}})(?!\d))")  # overlapping: each start is tried
LONG_NUMBER = re.compile(rf"(?<!\d)(?<!\d[,.])\d(?:{SEPARATOR}?\d){{9,}}(?!\d)")
NI_NUMBER = re.compile(r"(?i:\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d\d ?\d\d ?\d\d ?[A-D]\b)")
POSTCODE = re.compile(  # the inward code's letters are never C, I, K, M, O or V: "b4 5pm" is no postcode, nor "1st"
    r"(?i:\b[A-PR-UWYZ](?:[A-HK-Y]\d[A-Z\d]?|\d[A-Z\d]?) ?\d(?-i:(?!(?:st|nd|rd|th)\b))[ABD-HJLNP-UW-Z]{2}\b)"
)
ODS_CODE = re.compile(r"\b[A-HJ-NP-Y]\d{5}\b")
TITLES = r"Dr|Doctor|Prof|Professor|Mr|Mrs|Ms|Mx|Miss|Nurse|Sister|Matron|Sir|Dame|Cllr|Councillor"
CAPITAL = r"[A-ZÀ-ÖØ-Þ]"
NAME_WORD = rf"(?:(?:de|del|della|di|da|du|van|von|der|den|le|la|al|el|bin|ap)\s+)*{CAPITAL}[\w'\u2019-]*"
NOT_A_NAME = (  # capitalised words that follow a title without being a name (plurals too)
    r"(?:(?:Practitioner|Practice|Associate|Prescriber|Specialist|Consultant|Manager|Partner|Lead|Led|Team|Word"
    r"|Excel|Office|Outlook|Form|PowerPoint|Who|The|Then|This|That|There|They|We|He|She|It|And|But|So|In|On|At"
    r"|If|When|What|For|To|Or|Not|No|Is|Was|Has|Had|You|Your|Our|My|Me|Him|Her|Them|Us)s?\b|[IA]\s+[a-z])"
)
NAME = rf"(?:{CAPITAL}\.\s*)*(?!{NOT_A_NAME}){NAME_WORD}(?:\s+(?!{NOT_A_NAME}){NAME_WORD})*"  # initials, words
TITLED_NAME = re.compile(rf"(?<!\w)(?i:{TITLES})(?:\.\s*|\s+){NAME}")


def nhs_check_digit_holds(digits: str) -> bool:
    """The NHS number's modulus-11 check: weights 10..2 on the first nine digits; 11 - remainder (11 is 0, 10
    is never issued) must be the tenth."""
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=False))
    check = (11 - total % 11) % 11
    return check != 10 and check == int(digits[9])


def nhs_numbers(text: str) -> Iterator[Span]:
    taken = 0
    for candidate in NHS_CANDIDATE.finditer(text):
        start, end = candidate.span(1)
        if start >= taken and nhs_check_digit_holds(re.sub(r"\D", "", candidate.group(1))):
            yield start, end
            taken = end


def phone_numbers(text: str) -> Iterator[Span]:
    import phonenumbers  # (here: its metadata loads only where a quote is redacted, not wherever quotes.py is)

    for match in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.POSSIBLE):
        number = match.number
        written_as_uk = (
            number.country_code == 44
            and UK_WRITTEN.match(match.raw_string)
            and len(str(number.national_number)) in (9, 10)
        )
        if written_as_uk or phonenumbers.is_valid_number(number):
            unmatched = match.raw_string.startswith("(") and ")" not in match.raw_string  # "Jo (020 7946 0958, ..."
            yield match.start + unmatched, match.end


def spelled_emails(text: str) -> Iterator[Span]:
    """A spelled-out address ("jo at nhs dot net"); "looked at nhs.uk" is left to the URL rule."""
    for match in SPELLED_EMAIL.finditer(text):
        local = re.split(AT, match.group(), flags=re.IGNORECASE)[0]
        if re.search(r"(?i)[\[(<{]|\sdot\s", match.group()) or "." in local:
            yield match.span()


def matches(pattern: re.Pattern) -> Finder:
    group = "found" if "found" in pattern.groupindex else 0
    return lambda text: [match.span(group) for match in pattern.finditer(text)]


RULES: tuple[tuple[str | None, Finder], ...] = (  # kind None: found to be kept out of the rules that follow
    ("e-mail", matches(EMAIL)),
    ("e-mail", spelled_emails),
    ("URL", matches(URL)),
    ("date of birth", matches(BIRTH_DATE)),
    (None, matches(KEPT_DATE)),
    ("phone", phone_numbers),
    ("NHS number", nhs_numbers),
    ("number", matches(LONG_NUMBER)),
    ("NI number", matches(NI_NUMBER)),
    ("postcode", matches(POSTCODE)),
    ("code", matches(ODS_CODE)),
)


def loose(text: str) -> str:
    """A key no looser match can miss: casefolded, decomposed, accents dropped, dotless i as i. Wherever a name
    matches `re.IGNORECASE`, each of its words' keys is part of the text's key."""
    decomposed = unicodedata.normalize("NFKD", text.casefold()).replace("\u0131", "i")
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@lru_cache(maxsize=256)
def names_pattern(names: tuple[str, ...]) -> re.Pattern:
    """The names, each word apart by any spaces, in any case: longest first, so a name inside a longer one loses."""
    spelled = [r"\s+".join(map(re.escape, name.split())) for name in names]
    return re.compile(rf"\b(?:{'|'.join(spelled)})\b", re.IGNORECASE)


def unit_names(names: Sequence[str]) -> Finder:
    """The caller's names (a frame's thousand units) found in a text. One pattern of every name takes a third of a
    second to compile; a comment names few of them, so the pattern is of the names whose every word the text holds
    (by `loose` keys: never fewer than the full pattern would find)."""
    keyed = [(name, [loose(word) for word in name.split()]) for name in names]

    def find(text: str) -> list[Span]:
        held = loose(text)
        present = tuple(name for name, words in keyed if all(word in held for word in words))
        return matches(names_pattern(present))(text) if present else []

    return find


@lru_cache(maxsize=8)
def rules(names: tuple[str, ...]) -> tuple[tuple[str | None, Finder], ...]:
    """RULES, then the caller's names (longest first, so a name inside a longer one loses), then titled names."""
    folded = sorted({fold(name)[0].strip() for name in names} - {""}, key=len, reverse=True)
    named = [("unit name", unit_names(folded))] if folded else []
    return (*RULES, *named, ("name", matches(TITLED_NAME)))


# --- putting it together --------------------------------------------------------------------------------------


def redact(text: str, names: Sequence[str] = ()) -> Redaction:
    """`text` with its personal data (see the module's docstring) and the given names replaced by "[redacted]"."""
    folded, origin = fold(text)
    found: list[tuple[int, int, str]] = []
    for kind, find in rules(tuple(names)):
        spans = list(find(folded))
        for start, end in spans:
            folded = folded[:start] + MASK * (end - start) + folded[end:]
        if kind is not None:
            found += [(origin[start][0], origin[end - 1][1], kind) for start, end in spans if end > start]
    return replaced(text, found)


def replaced(text: str, found: list[tuple[int, int, str]]) -> Redaction:
    merged: list[list] = []
    for start, end, kind in sorted(found):
        if merged and start < merged[-1][1]:  # one character folded into two finds ("…" is "..."): one redaction
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end, kind])
    pieces, position = [], 0
    for start, end, _ in merged:
        pieces += [text[position:start], REDACTED]
        position = end
    pieces.append(text[position:])
    visible = lambda part: len("".join(part.split()))  # noqa: E731
    removed = sum(visible(text[start:end]) for start, end, _ in merged)
    return Redaction("".join(pieces), tuple(kind for *_, kind in merged), removed, visible(text))
