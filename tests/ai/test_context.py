"""SessionContext: token accounting, lossless zstd archive, summaries, model context in budget."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from aisession_tui.ai.context import CompressedArchive, Message, Role, SessionContext
from aisession_tui.ai.tokens import PieceEstimator, default_counter
from aisession_tui.core.config import ContextConfig
from aisession_tui.core.types import CommandRecord

FIXTURES = Path(__file__).parent / "fixtures"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _record(command: str, output: str, exit_code: int, minute: int) -> CommandRecord:
    return CommandRecord(
        command=command,
        timestamp=T0 + timedelta(minutes=minute),
        exit_code=exit_code,
        output=output,
    )


def _busy_context(max_tokens: int = 2000, compress: bool = True) -> SessionContext:
    ctx = SessionContext(
        ContextConfig(max_tokens=max_tokens, compression_threshold=0.8),
        counter=default_counter(),
        compress=compress,
        keep_recent=2,
    )
    outputs = [
        ("python -m pytest -q", "pytest_failed.txt", 1),
        ("python boom.py", "python_traceback.txt", 1),
        ("cargo build", "cargo_build_failed.txt", 101),
        ("git commit -m 'first commit'", "git_commit.txt", 0),
        ("cat logs.txt", "tokens_logs.txt", 0),
        ("cat textwrap.py", "tokens_python.txt", 0),
        ("python -m pytest -q -k passes", "pytest_passed.txt", 0),
    ]
    for minute, (command, name, code) in enumerate(outputs):
        ctx.add_command(_record(command, (FIXTURES / name).read_text(), code, minute))
    return ctx


def test_messages_carry_role_timestamp_and_token_count() -> None:
    ctx = SessionContext(counter=PieceEstimator())
    message = ctx.add_message("user", "ls -la", exit_code=0)
    assert message.role is Role.USER and message.token_count == PieceEstimator().count("ls -la")
    assert message.timestamp.tzinfo is not None
    assert ctx.active_tokens == message.token_count
    with pytest.raises(ValueError):
        ctx.add_message("robot", "x")


def test_passing_threshold_archives_old_messages_and_keeps_recent_ones() -> None:
    ctx = _busy_context()
    stats = ctx.stats
    assert stats.compressions >= 1
    assert stats.compressed_messages > 0
    assert stats.active_tokens <= ctx.threshold_tokens
    assert stats.messages_added == 14
    assert stats.active_messages + stats.compressed_messages == 14
    assert stats.tokens_saved > 0
    assert stats.compression_ratio > 2.0
    assert ctx.messages[0].role is Role.SYSTEM
    assert ctx.messages[-1].content.startswith("====") or "passed" in ctx.messages[-1].content


def test_archive_expands_back_to_every_message_exactly() -> None:
    ctx = _busy_context()
    reference = _busy_context(max_tokens=10_000_000, compress=False)
    assert ctx.all_messages() == reference.all_messages()
    assert reference.stats.compressions == 0


def test_archive_survives_a_round_trip_through_bytes() -> None:
    ctx = _busy_context()
    data = ctx.archive.to_bytes()
    restored = CompressedArchive.from_bytes(data)
    assert restored.expand() == ctx.archive.expand()
    assert restored.raw_bytes == ctx.archive.raw_bytes
    with pytest.raises(ValueError, match="not a context archive"):
        CompressedArchive.from_bytes(b"definitely not zstd")


def test_summary_keeps_commands_exit_codes_errors_and_results() -> None:
    ctx = _busy_context()
    summary = ctx.messages[0].content
    assert "$ python -m pytest -q  -> exit 1" in summary
    assert "$ cargo build  -> exit 101" in summary
    assert "pytest: 2 failed, 5 passed, 1 skipped" in summary
    assert "cargo: build failed (1 errors)" in summary
    assert "JSONDecodeError" in summary and "boom.py:4" in summary
    assert "E0308" in summary


def test_compression_off_keeps_everything_live() -> None:
    ctx = _busy_context(compress=False)
    assert ctx.stats.compressions == 0
    assert ctx.stats.active_tokens > ctx.threshold_tokens


def test_compression_listener_is_told_and_can_unsubscribe() -> None:
    ctx = SessionContext(ContextConfig(max_tokens=100), counter=PieceEstimator(), keep_recent=1)
    seen = []
    unsubscribe = ctx.on_compressed(seen.append)
    for i in range(30):
        ctx.add_message(Role.TOOL, f"line {i} of some output that keeps coming")
    assert seen and seen[-1].tokens_after < seen[-1].tokens_before
    unsubscribe()
    count = len(seen)
    for i in range(30):
        ctx.add_message(Role.TOOL, f"more output {i} that keeps coming and coming")
    assert len(seen) == count
    assert ctx.stats.last_compressed_at is not None


def test_context_for_model_fits_budget_and_prefers_newest() -> None:
    ctx = _busy_context(compress=False)
    counter = ctx.counter
    for budget in (50, 300, 1000, 5000):
        chosen = ctx.context_for_model(budget)
        assert isinstance(chosen, list) and chosen
        assert sum(m.token_count for m in chosen) <= budget
        assert all(counter.count(m.content) == m.token_count for m in chosen)
        assert chosen[-1].timestamp == ctx.all_messages()[-1].timestamp


def test_context_for_model_cuts_a_huge_last_output_to_its_tail() -> None:
    ctx = SessionContext(counter=default_counter())
    ctx.add_message(Role.TOOL, "".join(f"line {i}\n" for i in range(5000)) + "FINAL: 3 failed\n")
    (message,) = ctx.context_for_model(100)
    assert message.content.endswith("FINAL: 3 failed\n")
    assert message.content.startswith("[... earlier output cut")
    assert message.token_count <= 100


def test_context_for_model_as_text_includes_summary_and_commands() -> None:
    ctx = _busy_context()
    text = ctx.context_for_model(4000, as_text=True)
    assert isinstance(text, str)
    assert text.startswith("[Summary of")
    assert "$ python -m pytest -q -k passes  [exit 0]" in text
    with pytest.raises(ValueError):
        ctx.context_for_model(0)


def test_message_json_round_trip() -> None:
    message = Message(Role.TOOL, "out ✓ \x00", T0, 3, exit_code=None)
    assert Message.from_json(message.to_json()) == message


def test_a_context_that_never_stops_growing_stays_bounded() -> None:
    """A session that prints for days: archive, summary and compression log keep only the
    newest, and memory stops growing once they are full (the 17-minute soak grew ~6.5 MB/min)."""
    import gc
    import random
    import tracemalloc

    from aisession_tui.ai import context as context_module

    ctx = SessionContext(
        ContextConfig(max_tokens=2000, compression_threshold=0.8),
        counter=PieceEstimator(),
        keep_recent=2,
    )
    ctx.archive.max_bytes = 32 * 1024
    rng = random.Random(7)

    def feed(count: int) -> None:
        for _ in range(count):
            noise = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789 ", k=1500))
            ctx.add_command(_record(f"step {rng.random()}", f"error: {noise}", 1, 0))

    tracemalloc.start()
    feed(300)
    gc.collect()
    before = tracemalloc.take_snapshot()
    feed(600)
    gc.collect()
    # The token estimator's piece cache (bounded, shared by the process) fills meanwhile.
    after = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, "*/tokens.py")])
    before = before.filter_traces([tracemalloc.Filter(False, "*/tokens.py")])
    grown = sum(s.size_diff for s in after.compare_to(before, "filename"))
    tracemalloc.stop()

    stats = ctx.stats
    assert ctx.archive.compressed_bytes <= 32 * 1024 + 8 * 1024  # the bound, plus one frame
    assert stats.dropped_messages > 0
    assert stats.compressed_messages + stats.active_messages + stats.dropped_messages == (
        stats.messages_added
    )
    assert len(ctx.compression_events) == context_module.MAX_COMPRESSION_EVENTS
    assert stats.compressions > context_module.MAX_COMPRESSION_EVENTS
    summary = ctx._summary
    assert summary is not None and len(summary.commands) == summary.MAX_COMMANDS
    assert f"... and {summary.earlier['commands']} earlier" in ctx.messages[0].content
    assert grown < 64 * 1024, f"grew {grown:,} bytes once everything was full"
