"""Where widgets' styles live: a `.tcss` file next to each widget's module.

This module owns reading those files. A widget's `DEFAULT_CSS` is its file's text, so its
styles keep travelling with it (into a test's bare `App` too) with the weight Textual gives
default CSS; the app's own layout is `app.tcss` (`IrtuiApp.CSS_PATH`). Colours in them are
theme variables only (`irtui.ui.theming`): no Python file under `irtui/ui/` names a colour.
"""

from __future__ import annotations

from pathlib import Path


def widget_css(module_file: str, name: str) -> str:
    """The text of `name` (a .tcss file) in the folder of the module at `module_file`."""
    return Path(module_file).with_name(name).read_text(encoding="utf-8")
