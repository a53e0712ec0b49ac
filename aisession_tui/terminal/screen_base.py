"""What the screen's parts (modes, reports, resize) are typed against.

They are mixed into `TerminalScreen`, which derives from pyte's `HistoryScreen`; to mypy they
derive from it too, so their `super()` calls and pyte attributes are checked. At run time the base
is `object`, so the method order of `TerminalScreen` is unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyte import HistoryScreen as ScreenBase
else:
    ScreenBase = object

__all__ = ["ScreenBase"]
