"""`irtui.text`: foreign text comes out printable, and plain text comes out untouched."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from irtui.text import first_line, visible, visible_lines

from hostile import ESCAPES, UNICODE, all_strings

_DANGEROUS_CATEGORIES = {"Cc", "Cs", "Zl", "Zp"}
_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x061C, 0x200E, 0x200F}


def _unsafe(ch: str, newline_ok: bool = False) -> bool:
    if newline_ok and ch == "\n":
        return False
    return unicodedata.category(ch) in _DANGEROUS_CATEGORIES or ord(ch) in _BIDI


def test_each_escape_class_is_shown_not_sent():
    assert visible(ESCAPES["osc52-clipboard"]) == "␛]52;c;aGVsbG8=␇"
    assert visible(ESCAPES["csi-clear"]) == "␛[2J"
    assert visible(ESCAPES["c1-csi"]) == "\\x9b31mc1-red"
    assert visible(ESCAPES["backspace"]) == "secret␈␈␈␈␈␈shown"
    assert visible(ESCAPES["del"]) == "del␡ete"
    assert visible(ESCAPES["nul"]) == "nul␀byte"
    assert visible("a\tb\nc\rd") == "a b␊c␍d"
    assert visible(UNICODE["rtl-override"]) == "user\\u202egnp.exe"
    assert visible("lone \ud800 surrogate") == "lone \\ud800 surrogate"


def test_every_corpus_string_comes_out_safe_and_encodable():
    for name, text in all_strings().items():
        for out, newline_ok in ((visible(text), False), (visible_lines(text), True)):
            bad = [c for c in out if _unsafe(c, newline_ok)]
            assert not bad, (name, bad[:5])
            out.encode("utf-8")  # a lone surrogate would raise here, and in the terminal writer


def test_plain_text_is_the_same_object():
    for text in ("task-service-7d9f8b6c4-x2k9p", UNICODE["cjk"], UNICODE["zero-width"], "[b]markup stays text[/b]"):
        assert visible(text) is text


def test_lines_keep_newlines_and_expand_tabs():
    assert visible_lines("a\r\nb\rc\n\td\x1b[2J") == "a\nb\nc\n        d␛[2J"


def test_limit_cuts_with_an_ellipsis():
    out = visible("x" * 200_000 + "\x1b]52;c;Zm9v\x07", limit=100)
    assert len(out) == 100 and out.endswith("…")
    assert len(visible_lines("y" * 50, limit=10)) == 10


def test_first_line_skips_blank_lines():
    assert first_line("\n  \r\n  error: \x1b]0;t\x07 down  \nmore") == "error: ␛]0;t␇ down"
    assert first_line(None) == ""


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_output_never_has_a_control_character(text):
    assert not any(_unsafe(c) for c in visible(text))
    assert not any(_unsafe(c, newline_ok=True) for c in visible_lines(text))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf"))))
def test_printable_input_is_unchanged(text):
    assert visible(text) == text
    assert visible_lines(text) == text


@settings(max_examples=200, deadline=None)
@given(st.text(), st.integers(min_value=1, max_value=50))
def test_limit_bounds_the_length(text, limit):
    assert len(visible(text, limit)) <= limit * 6  # a mark is at most six characters (\u202e)
    assert len(text) <= limit or visible(text, limit).endswith("…")
