"""The hostile-input list: strings a user's file could hold that try to become markup or code in some output.

Every user-writable field of a copy of the project is planted with them (tests/publication/test_hostile_inputs.py),
and the escaper's unit tests put each through every format (tests/narrative/test_escape.py). A new input or output
goes through both: add its field to the planting, or its format to the unit tests.
"""

from __future__ import annotations

import re

LONG_WORD = "Long" + "x" * 592 + "Word"  # 600 characters and nowhere to break

HOSTILE: dict[str, str] = {
    "script": "<script>alert(1)</script>",
    "img-onerror": "<img src=x onerror=alert(3)>",
    "svg-onload": "<svg onload=alert(4)>",
    "javascript-link": "[clk](javascript:alert(5))",
    "autolink": "<javascript:alert(6)>",
    "html-comment": "<!-- hidden -->",
    "entity": "&lt;b&gt; &amp; &#x41;",
    "emphasis": "*em* _em_ **strong** ~~del~~ ~sub~ ^sup^",
    "heading": "\n\n# HEADING\n\n",
    "list": "\n- item\n1. item\n",
    "raw-block": "\n```{=html}\n<b>RAW</b>\n```\n",
    "raw-inline": "`<i>raw</i>`{=html} `#set text(red)`{=typst}",
    "code-fence": "\n~~~\ncode\n~~~\n",
    "div": "\n::: {.callout-note}\nDIV\n:::\n",
    "pandoc-attributes": '[span]{.cls onclick="alert(7)"} {#id}',
    "math": "$x^2$ $$y$$ \\(z\\)",
    "citation": "[@nhse_des_signup] @key",
    "footnote": "^[note] [^1]",
    "typst-markup": '#set page(width: 1cm) #read("/etc/passwd") #[x] @label <label> = H / term: d',
    "typst-shorthands": "-? ... -- --- ~ a\\ b",
    "shortcode": "{{< include /etc/passwd >}} {{< meta title >}} {{< env HOME >}} >}}",
    "jinja": "{{ 7*7 }} {% raw %} {# c #}",
    "backslashes": "back\\slash \\\\ \\* \\",
    "pipes": "a | b |",
    "quotes": "\"double\" 'single'",
    "bidi": "\u202egnirts desrever\u202c \u2067isolate\u2069",
    "zero-width": "zero\u200bwidth\u200cjoin\u200d\u2060\ufeffend",
    "long-word": LONG_WORD,
    "arrow": "a --> b => c -> d",
}

# Shown by every output where a value appears, one line each: no line break, no bidirectional control, no
# zero-width character (escape.py removes them; this list spells out the rule independently).
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def seen(value: str) -> str:
    """What a reader must see for a planted value: its characters, invisible ones removed, whitespace folded."""
    return " ".join(INVISIBLE.sub("", value).split())


def payload(tag: str, long: bool = False, one_line: bool = False) -> str:
    """A field's planted value: its tag (to tell the fields apart), then every hostile string (the long word only
    where the field is prose, not a title, a name or a label; `one_line` for values that must stay on one line)."""
    parts = [tag, *(text for name, text in HOSTILE.items() if long or name != "long-word")]
    value = " ".join(parts)
    return " ".join(value.split()) if one_line else value
