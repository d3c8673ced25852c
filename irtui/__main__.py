"""Allows `python -m irtui`."""

from irtui.cli import main

raise SystemExit(main())
