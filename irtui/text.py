"""Foreign text made safe to show: the one boundary between what others wrote and a screen.

Pod specs, events, logs, database queries, HTTP bodies, config, runbooks and what a person
types can carry bytes a terminal obeys: ESC starts a control sequence (`ESC]52;` sets the
clipboard, `ESC]0;` the window title, `ESC[2J` clears the screen), C1 0x9b is an 8-bit CSI,
BEL rings, backspace and CR overwrite what is already drawn, and bidi overrides reorder a
line. This module owns turning such text into plain, visible characters:

- `visible(text)` for one line (a table cell, a title, a toast line): every control
  character becomes a visible mark (ESC as `␛`, C0 as the control pictures U+2400..,
  DEL as `␡`, C1 as `\\x9b`, bidi controls, line separators and lone surrogates as
  `\\u202e`), a tab becomes a space;
- `visible_lines(text)` for a block (describe, an entry's details): the same, except that
  newlines stay newlines (CR LF and lone CR included) and tabs are expanded.

Both take an optional `limit` (characters kept before an ellipsis), for text that must not
grow without bound (a 200,000-character event message in a cell).

Pure functions, no Textual and no Rich: sources, rows, stores and reports use them as well
as widgets. Making text plain is half the job; the other half is never handing it to a
markup parser (build `rich.text.Text` or Textual `Content` from it, or pass `markup=False`).
"""

from __future__ import annotations

import re

ELLIPSIS = "…"


def _mark(code: int) -> str:
    if code == 0x1B:
        return "␛"
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟, the Unicode control pictures
    if code == 0x7F:
        return "␡"
    if code < 0xA0:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


# Everything a terminal may act on rather than print, or that changes how the rest of the
# line is drawn: C0, DEL, C1, the bidi embeddings/overrides/isolates and marks, the line and
# paragraph separators, and lone surrogates (which a UTF-8 terminal writer cannot encode).
_CODES = (
    *range(0x00, 0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, *range(0x2028, 0x202F),
    *range(0x2066, 0x206A), *range(0xD800, 0xE000),
)
_ONE_LINE = {code: _mark(code) for code in _CODES}
_ONE_LINE[0x09] = " "
_MULTI_LINE = dict(_ONE_LINE)
_MULTI_LINE[0x09] = "\t"  # expanded after translation, so columns line up
_MULTI_LINE[0x0A] = "\n"
_FOUND = re.compile("[" + "".join(re.escape(chr(code)) for code in _CODES if code < 0xD800) + "\ud800-\udfff]")


def _cut(text: str, limit: int | None) -> str:
    if limit is not None and len(text) > limit:
        return text[:max(0, limit - 1)] + ELLIPSIS
    return text


def visible(text: str | None, limit: int | None = None) -> str:
    """`text` as one line with every control character made visible (see the module doc).

    Text that is already plain comes back as the same object: at launch this runs for
    every field of 10,000 pods, and almost all of them are printable ASCII.
    """
    if not text:
        return ""
    text = _cut(text, limit)
    if text.isascii():
        if text.isprintable():
            return text
    elif _FOUND.search(text) is None:
        return text
    return text.translate(_ONE_LINE)


def visible_lines(text: str | None, limit: int | None = None) -> str:
    """`text` as a block of lines: like `visible`, but CR LF, CR and LF end lines, and tabs
    are expanded to 8-column stops."""
    if not text:
        return ""
    text = _cut(text, limit)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_MULTI_LINE)
    return text.expandtabs(8) if "\t" in text else text


def first_line(text: str | None, limit: int | None = None) -> str:
    """The first non-blank line of `text`, made visible (an event message, a health body)."""
    if not text:
        return ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip():
            return visible(line.strip(), limit)
    return ""


def plural(count: int, noun: str) -> str:
    """`1 warning`, `2 warnings`, `0 restarts`."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
