"""pytest plugin: make pyte's own test suite exercise our screen and stream classes.

Loaded with ``-p tests.terminal.pyte_substitute`` (see `test_pyte_suite.py`); it replaces the public
pyte classes before pyte's test modules import them.
"""

from __future__ import annotations

import pyte

from aisession_tui.terminal.screen import TerminalScreen
from aisession_tui.terminal.stream import TerminalByteStream, TerminalStream

pyte.Screen = TerminalScreen  # type: ignore[misc]
pyte.HistoryScreen = TerminalScreen  # type: ignore[misc]
pyte.DiffScreen = TerminalScreen  # type: ignore[misc]
pyte.Stream = TerminalStream  # type: ignore[misc]
pyte.ByteStream = TerminalByteStream  # type: ignore[misc]
