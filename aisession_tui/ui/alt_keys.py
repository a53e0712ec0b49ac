"""Alt+key as xterm and tmux send it (ESC then the key) arrives as `alt+<key>`, not another key.

Textual 8 reads ESC + a key as Alt only for letters and digits; otherwise it drops the ESC
(`ESC .` arrives as `full_stop`, `ESC CR` as `enter`, `ESC ^A` as `ctrl+a`) or, for a few
sequences, reports a different key altogether, as macOS terminals would mean them: `ESC b` is
`ctrl+left`, `ESC f` `ctrl+right`, `ESC DEL` `ctrl+w`, `ESC TAB` `shift+tab`, `ESC -` an en
dash. A pane must pass on what the person typed (bash's Alt+. and Alt+b, nano's Alt+#), so
those table entries go and the parser names every Alt+key `alt+<name>`, keeping the character;
`encode_key` then sends ESC + the key. Real Ctrl+Left and Shift+Tab have their own sequences
(`CSI 1;5 D`, `CSI Z`) and are untouched.

Textual also waited for its escape delay (100 ms) after every `ESC <key>`, in case more of a
longer sequence followed: Alt+N took that long before the pane moved. ESC and a key that does not
open a longer sequence (CSI `[`, SS3 `O`, DCS `P`, OSC `]`, SOS `X`, PM `^`, APC `_`) is the Alt
key at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from textual import events
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual._xterm_parser import XTermParser

__all__ = ["install_alt_keys"]

#: ESC + key sequences Textual turns into another key or character.
_REMAPPED = ("\x1b\x7f", "\x1b\t", "\x1bf", "\x1bb", "\x1b-", "\x1b=", "\x1b§")
#: What may follow ESC at the start of a longer sequence (and ESC itself).
_INTRODUCERS = frozenset("[OP]X^_\x1b")


def install_alt_keys() -> None:
    """Make Alt+<any key> arrive as `alt+<key>` (idempotent; Textual's parser is patched once)."""
    for sequence in (*_REMAPPED, *(f"\x1b{digit}" for digit in "0123456789")):
        ANSI_SEQUENCES_KEYS.pop(sequence, None)
    original = XTermParser._sequence_to_key_events
    if getattr(original, "_alt_keys", False):
        return

    def sequence_to_key_events(
        self: XTermParser, sequence: str, alt: bool = False
    ) -> Iterable[events.Key]:
        if len(sequence) == 2 and sequence[0] == "\x1b" and sequence[1] not in _INTRODUCERS:
            yield from sequence_to_key_events(self, sequence[1], alt=True)
            return
        for key in original(self, sequence, alt):
            if alt and len(sequence) == 1 and not key.key.startswith("alt+"):
                yield events.Key(f"alt+{key.key}", key.character)
            else:
                yield key

    patched: Callable[..., Any] = sequence_to_key_events
    patched._alt_keys = True  # type: ignore[attr-defined]
    XTermParser._sequence_to_key_events = patched  # type: ignore[method-assign]
