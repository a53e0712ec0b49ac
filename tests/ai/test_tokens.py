"""Token counters: the estimator's error against exact BPE on real prose, code and logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from aisession_tui.ai.tokens import (
    CrateEstimator,
    ExactBpeCounter,
    IncrementalCounter,
    PieceEstimator,
    TokenCounter,
    default_counter,
    exact_counter,
    load_default_counter,
)

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = {"prose": "tokens_prose.txt", "python": "tokens_python.txt", "logs": "tokens_logs.txt"}

needs_exact = pytest.mark.skipif(exact_counter() is None, reason="[tokens] extra not installed")


def _relative_error(estimate: int, exact: int) -> float:
    return abs(estimate - exact) / exact


@needs_exact
@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_piece_estimator_is_closer_to_bpe_than_the_crate_formula(sample: str) -> None:
    text = (FIXTURES / SAMPLES[sample]).read_text()
    exact = ExactBpeCounter().count(text)
    ours = _relative_error(PieceEstimator().count(text), exact)
    crate = _relative_error(CrateEstimator().count(text), exact)
    print(f"{sample}: exact={exact} piece-estimate error={ours:.1%} crate error={crate:.1%}")
    assert ours < 0.10, f"estimator off by {ours:.1%} on {sample}"
    assert ours < crate


@needs_exact
def test_estimator_error_on_short_terminal_lines_stays_bounded() -> None:
    lines = (FIXTURES / "tokens_logs.txt").read_text().splitlines(keepends=True)
    exact = ExactBpeCounter()
    ours = sum(abs(PieceEstimator().count(line) - exact.count(line)) for line in lines)
    crate = sum(abs(CrateEstimator().count(line) - exact.count(line)) for line in lines)
    total = sum(exact.count(line) for line in lines)
    assert ours / total < crate / total
    assert ours / total < 0.25


@needs_exact
def test_exact_counter_matches_known_cl100k_encoding() -> None:
    # "hello world" is two tokens in cl100k_base; special-token text is counted as plain text.
    counter = ExactBpeCounter()
    assert counter.count("hello world") == 2
    assert counter.count("<|endoftext|>") > 1
    assert counter.count("") == 0


@needs_exact
def test_default_counter_prefers_exact_bpe_when_vocabulary_is_bundled() -> None:
    assert isinstance(default_counter(), ExactBpeCounter)
    assert "exact" in default_counter().name


@pytest.mark.parametrize("counter", [PieceEstimator(), CrateEstimator()])
def test_counters_satisfy_protocol_and_handle_garbage(counter: TokenCounter) -> None:
    assert isinstance(counter, TokenCounter)
    garbage = "\x00\x1b[31m\ufffd" + bytes(range(256)).decode("latin-1") + "日本語テキスト"
    assert counter.count(garbage) >= 1


@pytest.mark.parametrize("counter", [PieceEstimator(), exact_counter()], ids=["estimate", "exact"])
def test_incremental_count_matches_whole_count_whatever_the_chunking(
    counter: TokenCounter | None,
) -> None:
    if counter is None:
        pytest.skip("[tokens] extra not installed")
    text = (FIXTURES / "tokens_python.txt").read_text()
    whole = IncrementalCounter(counter)
    whole.feed(text)
    whole.flush()
    chunked = IncrementalCounter(counter)
    for start in range(0, len(text), 37):  # chunks split words and lines anywhere
        chunked.feed(text[start : start + 37])
    chunked.flush()
    # Only rounding and merges across line breaks ("\n\n") may differ.
    assert abs(chunked.total - whole.total) <= max(2, whole.total // 200)


def test_incremental_counter_holds_back_unfinished_line_until_flush() -> None:
    counter = IncrementalCounter(PieceEstimator())
    assert counter.feed("partial wor") == 0
    assert counter.total == 0
    assert counter.total_with_pending > 0
    assert counter.feed("d done\n") > 0
    assert counter.flush() == 0


def test_incremental_counter_bounds_a_line_without_breaks() -> None:
    counter = IncrementalCounter(PieceEstimator(), max_pending=100)
    counter.feed("word " * 100)
    assert counter.total > 0


async def test_default_counter_loads_off_the_event_loop() -> None:
    assert await load_default_counter() is default_counter()


def test_incremental_total_does_not_depend_on_how_the_stream_was_chunked() -> None:
    import random

    from aisession_tui.ai.tokens import IncrementalCounter, default_counter

    text = (FIXTURES / "tokens_logs.txt").read_text() + (FIXTURES / "tokens_python.txt").read_text()
    counter = default_counter()
    totals = set()
    for seed in range(5):
        rng = random.Random(seed)
        incremental = IncrementalCounter(counter)
        position = 0
        while position < len(text):
            step = rng.randint(1, 300)
            incremental.feed(text[position : position + step])
            position += step
        incremental.flush()
        totals.add(incremental.total)
    assert len(totals) == 1
