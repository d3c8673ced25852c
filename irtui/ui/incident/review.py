"""The post-incident review in the app: the close form (summary, root cause, resolution,
prevention, lessons learned, prefilled from the notes tagged for them), the 5 Whys form,
and the report screen.

`FormScreen` is the one shape of a multi-field form: labelled one-line fields, enter goes
to the next field (and saves on the last), ctrl+s saves, escape cancels; it returns the
values by field id. What the forms record and what they are prefilled from is read
through irtui.incident.review, as the report reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static, TextArea

from irtui.incident.model import Entry
from irtui.incident.review import recorded, section_text, whys
from irtui.text import visible, visible_lines
from irtui.ui.stylesheets import widget_css

CLOSE_SECTIONS = (
    ("root_cause", "Root cause", "what made it happen (a 'Root cause:' note proposes it)"),
    ("resolution", "Resolution", "what was done to resolve it (a 'Fix:' note proposes it)"),
    ("prevention", "Prevention", "what stops it happening again (a 'Prevent:' note proposes it)"),
    ("lessons", "Lessons learned", "key takeaways (a 'Lesson:' note proposes it)"),
)


@dataclass(frozen=True)
class Field:
    id: str
    label: str
    value: str = ""
    placeholder: str = ""


class FormScreen(ModalScreen[dict[str, str] | None]):
    DEFAULT_CSS = widget_css(__file__, "review.tcss")
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="incident.form.cancel"),
        Binding("ctrl+s", "save", "Save", id="incident.form.save"),
    ]

    def __init__(self, title: str, fields: list[Field], *, help_text: str = "") -> None:
        super().__init__()
        # Titles quote the runbook and values quote the incident: text, never markup.
        self.title_text = visible_lines(title)
        self.fields = fields
        self.help_text = help_text or "enter: next field (saves on the last) · ctrl+s saves · escape cancels"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Content(self.title_text), id="form-title")
            with VerticalScroll():
                for field in self.fields:
                    yield Label(Content(field.label), classes="form-label")
                    # The cursor lands after a prefilled answer, to be edited, not replaced by a keystroke.
                    yield Input(value=visible(field.value), placeholder=field.placeholder, id=f"form-{field.id}",
                                select_on_focus=False)
            yield Static(Content(self.help_text), id="form-help")

    def on_mount(self) -> None:
        self.query(Input).first().focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index + 1 < len(inputs):
            inputs[index + 1].focus()
        else:
            self.action_save()

    def values(self) -> dict[str, str]:
        return {field.id: self.query_one(f"#form-{field.id}", Input).value.strip() for field in self.fields}

    def action_save(self) -> None:
        self.dismiss(self.values())

    def action_cancel(self) -> None:
        self.dismiss(None)


def _one_line(text: str) -> str:
    return "; ".join(line.strip() for line in text.splitlines() if line.strip())


def close_form(entries: list[Entry], unticked: int = 0) -> FormScreen:
    """Summary, root cause, resolution, prevention and lessons, prefilled from what the
    review recorded or the notes tagged for each; the last why's answer proposes the root
    cause when nothing else does."""
    summary = section_text(entries, "summary").text
    fields = [Field("summary", "Summary: one line for the report and the close entry",
                    _one_line(summary) or "Service restored.", "what happened, in one line")]
    for section, label, placeholder in CLOSE_SECTIONS:
        value = _one_line(section_text(entries, section).text)
        if not value and section == "root_cause":
            answered = [w for w in whys(entries) if w.answer]
            value = answered[-1].answer if answered else ""
        fields.append(Field(section, label, value, placeholder))
    title = "Close the incident: the review's answers are recorded on the timeline, then it closes"
    if unticked:
        title += f" ({unticked} checklist items unticked; your reason is recorded too)"
    return FormScreen(title, fields, help_text="enter: next field (closes on the last) · ctrl+s closes · "
                                               "escape cancels (nothing recorded)")


def five_whys_form(entries: list[Entry], title: str, count: int = 5) -> FormScreen:
    problem = section_text(entries, "problem").text or title
    known = {w.n: w for w in whys(entries)}
    fields = [Field("problem", "Problem", _one_line(problem), "what went wrong, as users saw it")]
    for n in range(1, count + 1):
        why = known.get(n)
        fields.append(Field(f"why{n}", f"Why #{n}", why.question if why else "",
                            "Why did the problem happen?" if n == 1 else f"Why was answer #{n - 1} so?"))
        fields.append(Field(f"answer{n}", f"Answer #{n}", why.answer if why else "", "because ..."))
    return FormScreen("Root cause analysis (5 Whys): each why and its answer becomes a timeline entry", fields)


def review_changes(entries: list[Entry], values: dict[str, str]) -> list[tuple[str, str]]:
    """(section, text) of the close form's answers that differ from what is recorded."""
    out = []
    for section, _, _ in CLOSE_SECTIONS:
        value = values.get(section, "")
        entry = recorded(entries, section)
        if value and (entry is None or entry.details.get("text") != value):
            out.append((section, value))
    return out


def why_changes(entries: list[Entry], values: dict[str, str], count: int = 5) -> tuple[str | None, list[tuple[int, str, str]]]:
    """The problem (when changed) and the whys that are new or changed."""
    problem = values.get("problem", "")
    entry = recorded(entries, "problem")
    changed_problem = problem if problem and (entry is None or entry.details.get("text") != problem) else None
    known = {w.n: w for w in whys(entries)}
    out = []
    for n in range(1, count + 1):
        question, answer = values.get(f"why{n}", ""), values.get(f"answer{n}", "")
        if not (question or answer):
            continue
        old = known.get(n)
        if old is None or (old.question, old.answer) != (question, answer):
            out.append((n, question, answer))
    return changed_problem, out


def whys_count(runbook: Any) -> int:
    data = getattr(runbook, "data", None) or {}
    count = ((data.get("post_incident") or {}).get("five_whys") or {}).get("whys", 5)
    return count if isinstance(count, int) and 1 <= count <= 10 else 5


class ReportScreen(ModalScreen[None]):
    """The report as written (Markdown source, read-only, scrollable) and where it went."""

    DEFAULT_CSS = widget_css(__file__, "review.tcss")
    BINDINGS = [Binding("escape,q", "close", "Close", id="incident.report.close")]

    def __init__(self, text: str, where: str) -> None:
        super().__init__()
        self.text = text
        self.where = where

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content(visible(self.where) + " · escape closes"), id="report-where")
            yield TextArea(self.text, read_only=True, soft_wrap=True, id="report-text")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)


def show_report(app: Any, runbook: Any, entries: list[Entry], guard: Any, directory: Path | None = None) -> None:
    """Write the report of `entries` to the data directory and show it, saying where; a
    read-only terminal writes no file and shows it only."""
    from irtui.incident.report import render_report, write_report
    from irtui.safety import ReadOnlyError

    if not entries:
        app.notify("no entries: nothing to report", severity="warning")
        return
    try:
        text, path = write_report(runbook, entries, guard, directory=directory)
        where = f"Report written to {path}"
    except ReadOnlyError:
        text = render_report(runbook, entries)
        where = "Report (read-only terminal: not written to a file; irtui report ID -o FILE writes one)"
    except OSError as exc:
        text = render_report(runbook, entries)
        where = f"Report NOT written: {exc.strerror or exc}"
    app.push_screen(ReportScreen(text, where))  # its first line says where the file is
