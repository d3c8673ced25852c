"""Who sits at this terminal, as the operating system knows it.

This module owns `login_name()`, the one answer irtui gives for "which local user is this":
the timeline's author, the header and the actions' "acting as" all use it.
"""

from __future__ import annotations

import os
import pwd


def login_name() -> str:
    """The name of this process's uid in the passwd database.

    Not `getpass.getuser()`: that believes $LOGNAME and $USER first, and the record must not
    take an author's name from a variable anyone can set (`LOGNAME=cto-jane irtui`)."""
    uid = os.getuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a container's uid with no passwd entry
        return f"uid-{uid}"
