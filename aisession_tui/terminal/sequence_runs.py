"""Runs of SGR, CUP, EL and ECH sequences with text: how the stream finds them and cuts them
into the groups `TerminalScreen.draw_sequences` applies, and the optional compiled module that
does both faster (`_speedups.c`).

Full-screen programs and coloured output paint with such runs (`CSI 12;1H`, `CSI 1;32m`, text,
`CSI K`, ...). `compiled` is the C module when the package was built with it (`hatch_build.py`
compiles it where a C compiler is found) and None otherwise, or when the environment sets
`AISESSION_TUI_PURE_PYTHON`; the Python path then does the same work with these regexes.
"""

from __future__ import annotations

import os
import re
from types import ModuleType

import pyte

__all__ = ["GROUP", "RUN", "compiled"]

_TEXT = pyte.Stream._text_pattern.pattern[:-1]  # pyte's plain text, one character
#: Two or more SGR, CUP, EL or ECH sequences with plain parameters, each followed by plain text.
RUN = re.compile(r"(?:\x1b\[[0-9;]{0,128}[HfKXm]" + _TEXT + "*){2,}")
#: One group of such a run: SGRs, a CUP, SGRs, text, an EL or ECH (parameters and final).
GROUP = re.compile(
    r"((?:\x1b\[[0-9;]{0,128}m)*)(\x1b\[[0-9;]{0,128}[Hf])?((?:\x1b\[[0-9;]{0,128}m)*)("
    + _TEXT
    + r"*)(?:\x1b\[([0-9;]{0,128})([KX]))?"
)


def _load_compiled() -> ModuleType | None:
    if os.environ.get("AISESSION_TUI_PURE_PYTHON"):
        return None
    try:
        from . import _speedups
    except ImportError:
        return None
    return _speedups


#: The compiled module (`scan_run`, `draw_groups`, `line_spans`, `cut_spans`), or None: the
#: Python path.
compiled: ModuleType | None = _load_compiled()
