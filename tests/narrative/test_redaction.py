"""Redaction of respondents' free text: every real-world form of personal data found, ordinary numbers kept.

The two tables are the list every new format goes through: a comment that leaked (or a sentence that was
redacted for no reason) is added to REDACTED or KEPT, with what must be printed.
"""

from __future__ import annotations

import time

import pandas as pd
import pytest

from briefing.inputs.codebook import load_codebook
from briefing.narrative import quotes
from briefing.narrative.redaction import fold, matches, names_pattern, nhs_check_digit_holds, redact, unit_names
from tests.conftest import ROOT

FRAME = pd.DataFrame({"pcn_name": ["West Merton PCN", "Central PCN", "North Star Primary Care Network"]})
NAMES = quotes.frame_names(
    FRAME, load_codebook(ROOT / "data" / "pcn-clinical-directors" / "codebook.yml")
)  # its units' names, unit word or not
ZW = "\u200b"  # zero-width space

# (comment, what is printed)
REDACTED = [
    # UK landlines: area code with and without brackets, spaces, dots, dashes, none
    ("Call (020) 7946 0958 today", "Call [redacted] today"),
    ("Call 020 7946 0958 today", "Call [redacted] today"),
    ("Call 0207 946 0958 today", "Call [redacted] today"),
    ("Call 020-7946-0958 today", "Call [redacted] today"),
    ("Call 020.7946.0958 today", "Call [redacted] today"),
    ("Call 02079460958 today", "Call [redacted] today"),
    ("Ring 0161 496 0000.", "Ring [redacted]."),
    ("Ring (0161) 496 0000.", "Ring [redacted]."),
    ("Ring 0161-496-0000, please", "Ring [redacted], please"),
    ("Ring 01632 960123", "Ring [redacted]"),
    ("Ring (01632) 960 123", "Ring [redacted]"),
    ("Ring 016977 3456", "Ring [redacted]"),
    ("Ring 0113 496 0000 ext 123", "Ring [redacted]"),
    ("Freephone 0800 123 4567 or 0800 123 456", "Freephone [redacted] or [redacted]"),
    ("Ring 0300 123 4567", "Ring [redacted]"),
    # mobiles
    ("Mobile 07700 900123", "Mobile [redacted]"),
    ("Mobile 07700 900 123", "Mobile [redacted]"),
    ("Mobile 07700900123", "Mobile [redacted]"),
    ("Mobile 077 0090 0123", "Mobile [redacted]"),
    ("Mobile 07700-900-123", "Mobile [redacted]"),
    ("Mobile 07700.900.123", "Mobile [redacted]"),
    ("text07700900123pls", "text[redacted]pls"),
    # +44 and 0044, with and without (0)
    ("Call 020 7946 0123 or +44 (0)161 496 0000.", "Call [redacted] or [redacted]."),
    ("Call +44 20 7946 0958", "Call [redacted]"),
    ("Call +44 (0)20 7946 0958", "Call [redacted]"),
    ("Call +44(0)2079460958", "Call [redacted]"),
    ("Call +44 020 7946 0958", "Call [redacted]"),
    ("Call 0044 20 7946 0958", "Call [redacted]"),
    ("Call 00 44 161 496 0000", "Call [redacted]"),
    ("Call +447700900123", "Call [redacted]"),
    ("Call (+44) 7700 900123", "Call [redacted]"),
    ("Call 0044 (0) 7700 900123", "Call [redacted]"),
    ("Call +1 415 555 0100 in the US", "Call [redacted] in the US"),
    ("Appelez 01.23.45.67.89", "Appelez [redacted]"),  # a number in pairs is no date
    # what hides a number from a plain pattern: zero-width and no-break spaces, en dashes, full-width digits
    (f"Call 020{ZW}7946{ZW}0958", "Call [redacted]"),
    ("Call 020\u00a07946\u00a00958", "Call [redacted]"),
    ("Call 020\u20137946\u20130958", "Call [redacted]"),
    ("Call \uff10\uff12\uff10 \uff17\uff19\uff14\uff16 \uff10\uff19\uff15\uff18", "Call [redacted]"),
    ("Call 0\u2067161 496\u2069 0000", "Call [redacted]"),
    # NHS numbers: any separators, validated by the check digit
    ("NHS number 943 476 5919 and 9434765919", "NHS number [redacted] and [redacted]"),
    ("NHS no. 943.476.5919", "NHS no. [redacted]"),
    ("NHS no. 943-476-5919", "NHS no. [redacted]"),
    ("NHS no. 943 - 476 - 5919", "NHS no. [redacted]"),
    (f"NHS no. 943{ZW}476{ZW}5919", "NHS no. [redacted]"),
    (f"NHS no. 9{ZW}4{ZW}3{ZW}4{ZW}7{ZW}6{ZW}5{ZW}9{ZW}1{ZW}9", "NHS no. [redacted]"),
    ("NHS no. 943\u2060476\u20605919", "NHS no. [redacted]"),  # word joiners
    ("NHS no. 943\u00ad476\u00ad5919", "NHS no. [redacted]"),  # soft hyphens
    ("NHS no. 9 4 3 4 7 6 5 9 1 9", "NHS no. [redacted]"),
    ("NHS no. 401 023 2137 seen", "NHS no. [redacted] seen"),
    ("NHS no. 4505577104 seen", "NHS no. [redacted] seen"),
    ("NHS no. 632-135-8002 seen", "NHS no. [redacted] seen"),
    ("patient 485 777 3457 2 weeks ago", "patient [redacted] 2 weeks ago"),
    # ten or more digits that are no NHS number (the check fails): still redacted, as a number
    ("ref 943 476 5918 please", "ref [redacted] please"),
    ("ref 1234567890 please", "ref [redacted] please"),
    ("card 4111 1111 1111 1111", "card [redacted]"),
    # names after a title, in any case, with or without a full stop
    ("I saw dr Jones yesterday", "I saw [redacted] yesterday"),
    ("I saw Doctor Patel yesterday", "I saw [redacted] yesterday"),
    ("I saw DR JONES yesterday", "I saw [redacted] yesterday"),
    ("I saw Dr. Jones yesterday", "I saw [redacted] yesterday"),
    ("I saw Dr.Jones yesterday", "I saw [redacted] yesterday"),
    (f"I saw D{ZW}r Jones yesterday", "I saw [redacted] yesterday"),
    ("Dr Jane Smith and Mrs O'Neill agreed", "[redacted] and [redacted] agreed"),
    ("Prof. Ada Lovelace said so", "[redacted] said so"),
    ("PROFESSOR Whitty said so", "[redacted] said so"),
    ("Mr Khan, Ms Lee, Mx Kim and Miss Hall", "[redacted], [redacted], [redacted] and [redacted]"),
    ("mrs. Brown and mr Green", "[redacted] and [redacted]"),
    ("Nurse Jackie and Sister Agnes and Matron Joan", "[redacted] and [redacted] and [redacted]"),
    ("Sir Keir and Dame Judi and Cllr Patel", "[redacted] and [redacted] and [redacted]"),
    ("Dr J. O'Neill-Smith wrote", "[redacted] wrote"),
    ("Dr A. B. McDonald wrote", "[redacted] wrote"),
    ("Dr de Souza wrote", "[redacted] wrote"),
    ("Dr \u00c9mile Zola wrote", "[redacted] wrote"),
    ("Dr Smith I think said no", "[redacted] I think said no"),
    ("Practice Nurse Sarah left", "Practice [redacted] left"),
    # e-mail addresses, plain and spelled out
    ("Mail me at jo.bloggs@nhs.net today", "Mail me at [redacted] today"),
    ("Mail jo.bloggs\uff20nhs.net today", "Mail [redacted] today"),
    (f"Mail jo.bloggs{ZW}@nhs.net today", "Mail [redacted] today"),
    ("Mail jo dot bloggs at nhs dot net today", "Mail [redacted] today"),
    ("Mail jo.bloggs at nhs.net today", "Mail [redacted] today"),
    ("Mail jo [at] nhs [dot] net today", "Mail [redacted] today"),
    ("Mail jo(at)nhs.net today", "Mail [redacted] today"),
    ("Mail JO AT NHS DOT NET today", "Mail [redacted] today"),
    # URLs and web addresses
    ("See https://example.org/a?b=c and www.example.com", "See [redacted] and [redacted]"),
    ("Our plan is at https://example.org/pcn-plan.", "Our plan is at [redacted]."),
    ("Our site (westmertonsurgery.co.uk) says so", "Our site ([redacted]) says so"),
    ("See example.org/plan for more", "See [redacted] for more"),
    # UK postcodes, in any case, with or without the space
    ("Our surgery, SW1A 1AA, is closing", "Our surgery, [redacted], is closing"),
    ("Our surgery, sw1a1aa, is closing", "Our surgery, [redacted], is closing"),
    ("Based at M1 1AE and B33 8TH", "Based at [redacted] and [redacted]"),
    ("Based at CR2 6XH and DN55 1PT", "Based at [redacted] and [redacted]"),
    ("Based at EC1A 1BB", "Based at [redacted]"),
    # other identifiers: National Insurance number, date of birth, ODS codes of practices and PCNs
    ("NI number AB 12 34 56 C", "NI number [redacted]"),
    ("NI ab123456c", "NI [redacted]"),
    ("DOB 01/02/1960, seen", "DOB [redacted], seen"),
    ("d.o.b. 3.3.54 seen", "d.o.b. [redacted] seen"),
    ("date of birth: 1954-03-03", "date of birth: [redacted]"),
    ("born 3 March 1954 in Leeds", "born [redacted] in Leeds"),
    ("Our practice F84001 and our PCN U00070", "Our practice [redacted] and our PCN [redacted]"),
    # PCN names from the reference frame, in any case
    ("We merged with west merton pcn and North Star last year", "We merged with [redacted] and [redacted] last year"),
    ("We merged with West\u00a0Merton PCN", "We merged with [redacted]"),
]

# sentences with numbers, titles and dots that are no personal data: printed as written
KEPT = [
    "42% of 1,250 PCNs",
    "in 2019-20",
    "in 2019/20 and 2020/21",
    "2018/19 2019/20",
    "30 hours a week",
    "12,000 patients",
    "30 000 patients",
    "1 250 000 patients",
    "1,250,000,000 over the period",
    "We had 12 staff in 2019",
    "In 2019, 42% (n=120) agreed",
    "£1.2bn over 5 years",
    "ARRS funding of £7,174 per PCN",
    "12.5% rise in 2019",
    "0.5 WTE per 10,000 patients",
    "3.5 WTE 2 GPs",
    "30-40 hours, 1-2 days, 10 to 15 minutes, sessions 4-6",
    "between 09:00 and 17:00, from 8am-6.30pm",
    "on 12/03/2020 at 10:30",
    "On 01.02.2020 10 patients waited",
    "10th of March 2020",
    "Q3 2020 and COVID-19",
    "call 111 or 999, NHS 111",
    "PCN DES 2019-2024, Network Contract DES v1.2.3",
    "in 2019 2020 and 2021",
    "1 in 5, top 10, page 12",
    "The central problem is money",  # "Central PCN" is a name; "central" alone is not
    "b4 5pm on the M6 by the 5th, Y1 2nd half",  # no postcode: an inward code never ends in M, nor is an ordinal
    "SW1A is our area",  # an outward code alone is an area
    "the MRSA rate and the MR scan",
    "Nurse Practitioners, Nurse led clinics and Sister Practices",
    "we use MS Teams and MS Word",
    "the Dr said, our Doctor left",
    "the dr. Then we left",
    "Dr. Who",
    "we miss the old days, I Miss You",
    "we looked at the figures again",
]


@pytest.mark.parametrize("comment, printed", REDACTED)
def test_personal_data_in_every_known_form_are_redacted(comment, printed):
    assert redact(comment, NAMES).text == printed


@pytest.mark.parametrize("sentence", KEPT)
def test_ordinary_sentences_with_numbers_are_printed_as_written(sentence):
    got = redact(sentence, NAMES)
    assert (got.text, got.count) == (sentence, 0)


@pytest.mark.parametrize("number", ["9434765919", "4010232137", "4505577104", "6321358002", "4857773457"])
def test_an_nhs_number_is_told_by_its_check_digit(number):
    assert nhs_check_digit_holds(number)
    assert redact(f"NHS no. {number[:3]}.{number[3:6]}.{number[6:]}").kinds == ("NHS number",)
    mistyped = number[:9] + str((int(number[9]) + 1) % 10)
    assert not nhs_check_digit_holds(mistyped)
    got = redact(f"NHS no. {mistyped[:3]}.{mistyped[3:6]}.{mistyped[6:]}")
    assert (got.text, got.kinds) == ("NHS no. [redacted]", ("number",))  # not an NHS number, still redacted


def test_a_check_digit_of_ten_is_never_issued():
    assert not any(nhs_check_digit_holds(f"999000000{d}") for d in range(10))  # 9 x (10+...+2) = 486: check 10


def test_each_redaction_says_what_it_stood_for():
    got = redact("Dr Jones (020 7946 0958, jo@nhs.net) has NHS no. 943 476 5919 at SW1A 1AA", NAMES)
    assert got.text == "[redacted] ([redacted], [redacted]) has NHS no. [redacted] at [redacted]"
    assert got.kinds == ("name", "phone", "e-mail", "NHS number", "postcode")


def test_a_redaction_says_how_much_of_the_text_it_took():
    got = redact("Ring 020 7946 0958 now")  # 11 of the 18 characters other than spaces
    assert (got.count, got.removed, got.length) == (1, 11, 18)
    assert got.share == pytest.approx(11 / 18)
    whole = redact("Dr Jones")
    assert (whole.text, whole.share) == ("[redacted]", 1.0)
    assert redact("No personal data here").share == 0.0
    assert redact("").share == 0.0


def test_the_printed_text_is_the_respondents_own_outside_what_is_redacted():
    # ligatures, an ellipsis, a decomposed accent, a no-break space and a zero-width space all print as written
    comment = "The \ufb01rst plan\u2026 caf\u0065\u0301 for 30\u00a0000 patients; Dr\u200b Jones, 020 7946 0958\u200b."
    assert (
        redact(comment).text
        == "The \ufb01rst plan\u2026 caf\u0065\u0301 for 30\u00a0000 patients; [redacted], [redacted]\u200b."
    )


def test_the_folded_text_maps_back_to_the_original():
    folded, origin = fold("a\u200b\ufb01\u2013e\u0301")
    assert folded == "afi-\u00e9"
    assert origin == [(0, 1), (2, 3), (2, 3), (3, 4), (4, 6)]


@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 40000,
        "b." * 20000,
        "b dot " * 8000,
        "a at " * 8000,
        "1" * 40000,
        " ".join("1" * 20000),
        "Dr " + "Ab " * 13000,
        "(" * 40000,
        "+44 " * 10000,
        "http://" + "a/" * 20000,
        "a.b@" * 10000,
    ],
)
def test_a_long_hostile_comment_takes_linear_time(hostile):
    started = time.perf_counter()
    redact(hostile)
    assert time.perf_counter() - started < 3  # about 0.1 s; a pattern that backtracks over the text takes minutes


# Names written as a respondent might: another case, another space, a dotless or dotted i, a long s, an accent.
WRITTEN_NAMES = [
    "We merged with WEST MERTON PCN",
    "We merged with west  merton pcn",
    "We merged with West Merton\tPCN and central pcn",
    "We merged with North Star Prımary Care Network",  # dotless i
    "We merged with NORTH STAR PRİMARY CARE NETWORK",  # dotted capital I
    "We merged with Weſt Merton",  # long s
    "We merged with Wést Merton",  # an accent: not the name
    "Central to our work",  # a name's word as an ordinary word
    "We merged with Westmerton",
]


@pytest.mark.parametrize("comment", WRITTEN_NAMES)
def test_the_names_looked_for_are_every_name_the_full_pattern_finds(comment):
    """The names are looked for only where the text holds their every word (a pattern of every name takes a third
    of a second to compile): never one fewer than the pattern of every name finds."""
    folded = fold(comment)[0]
    names = sorted({fold(name)[0].strip() for name in NAMES}, key=len, reverse=True)
    assert unit_names(names)(folded) == matches(names_pattern(tuple(names)))(folded)


def test_a_thousand_names_are_not_compiled_into_one_pattern_for_a_comment_naming_none():
    names = [f"Unit {number:04d} PCN" for number in range(1000)]
    names_pattern.cache_clear()
    assert unit_names(names)(fold("Nothing named here")[0]) == []
    assert unit_names(names)(fold("We merged with unit 0042 pcn")[0]) == [(15, 28)]
    assert names_pattern.cache_info().currsize == 1  # only the one name the comment holds


def test_printable_ascii_folds_to_itself_as_the_general_fold_has_it():
    """Printable ASCII skips the per-character fold (a frame's thousand names took a quarter of a second): each of
    its characters folds, beside a character that needs the general fold, as the fast path has it."""
    for char in map(chr, range(0x20, 0x7F)):
        text, origin = fold(char + "\u00e9\u200b")  # not ASCII: the general fold, which drops U+200B
        assert (text, origin) == (char + "\u00e9", [(0, 1), (1, 2)]) and fold(char) == (char, [(0, 1)])
    assert fold("a\tb") == ("a b", [(0, 1), (1, 2), (2, 3)])  # a tab is not printable: folded to a space
