"""BEL and desktop notifications (OSC 9, OSC 777 notify, OSC 99) found in output."""

from __future__ import annotations

import base64

from aisession_tui.ai.attention import MAX_HELD, AttentionRequest, AttentionScanner
from aisession_tui.ai.parsing import MAX_LINE, OutputParser


def test_bell_and_each_notification_kind_are_found_and_titles_are_not() -> None:
    scanner = AttentionScanner()
    body = base64.b64encode(b"Tests finished").decode()
    text = (
        "\x1b]0;a title\x07plain\x07"
        "\x1b]9;Claude needs your permission to use Bash\x07"
        "\x1b]9;4;1;50\x07"  # ConEmu progress, not a message
        "\x1b]777;notify;Codex;Approval requested\x1b\\"
        "\x1b]777;ais-start;token\x07"  # the core's own command marker
        f"\x1b]99;i=1:e=1:p=body;{body}\x07"
        "\x1b]99;i=2:p=?;\x07"  # a capability query
    )
    assert scanner.feed(text) == [
        AttentionRequest("bell"),
        AttentionRequest("OSC 9", "Claude needs your permission to use Bash"),
        AttentionRequest("OSC 777", "Codex: Approval requested"),
        AttentionRequest("OSC 99", "Tests finished"),
    ]


def test_a_notification_split_across_chunks_is_found_once_and_the_held_part_is_bounded() -> None:
    scanner = AttentionScanner()
    assert scanner.feed("output \x1b]9;Waiting for") == []
    assert scanner.feed(" your answer\x07 more") == [
        AttentionRequest("OSC 9", "Waiting for your answer")
    ]
    scanner.feed("\x1b]9;" + "x" * (MAX_HELD * 4))  # never terminated
    assert len(scanner._held) == 0


def test_a_line_that_never_ends_is_cut_so_the_parser_stays_bounded() -> None:
    parser = OutputParser()
    frame = "\x1b[H" + "\x1b[2;3H⣿⣿⣿⣿\x1b[38;2;1;2;3m" * 50
    for _ in range(2000):  # about 1.5 MB without a newline, as Codex's sign-in animation writes
        parser.feed(frame)
        assert len(parser._pending) <= MAX_LINE + len(frame)
    parser.feed("Overwrite config? [y/N] ")
    assert parser.flush() == []  # the question was reported while pending, not again
