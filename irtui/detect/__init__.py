"""Detection: rules over what the panes see (findings with reasons) and the declaration
they suggest. Pure: the app feeds it cluster rows, health rounds and metrics snapshots,
and shows what comes out; nothing here draws, rings or opens a socket."""

from irtui.detect.rules import Alerts, Evidence, Finding, by_importance, evaluate
from irtui.detect.settings import DetectSettings
from irtui.detect.suggest import Suggestion, suggest

__all__ = ["Alerts", "DetectSettings", "Evidence", "Finding", "Suggestion", "by_importance", "evaluate", "suggest"]
