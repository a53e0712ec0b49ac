"""Config defaults and validation, ids, and the bounded output buffer."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from aisession_tui.core import ContextConfig, SessionConfig, SessionId
from aisession_tui.core.output_buffer import OutputBuffer


def test_config_defaults_match_the_crate() -> None:
    config = SessionConfig()
    assert config.pty_size == (24, 80)
    assert config.output_buffer_size == 1024 * 1024
    assert config.context_config == ContextConfig(max_tokens=4096, compression_threshold=0.8)
    assert config.timeout is None
    assert config.compress_output and config.parse_output
    assert not config.enable_ai_features and not config.force_headless
    assert config.allow_headless_fallback


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_compression_threshold_outside_unit_interval_is_rejected(threshold: float) -> None:
    with pytest.raises(ValidationError, match="compression_threshold"):
        ContextConfig(compression_threshold=threshold)


@pytest.mark.parametrize("size", [(0, 80), (24, 0), (-1, 5)])
def test_zero_sized_pty_is_rejected_with_a_clear_message(size: tuple[int, int]) -> None:
    with pytest.raises(ValidationError, match="pty size must be positive"):
        SessionConfig(pty_size=size)


def test_missing_working_directory_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="working directory does not exist"):
        SessionConfig(working_directory=tmp_path / "nope")


def test_session_id_round_trips_through_its_string_form() -> None:
    sid = SessionId.new()
    assert SessionId.parse(str(sid)) == sid
    assert SessionId.new() != sid
    with pytest.raises(ValueError):
        SessionId.parse("not-a-uuid")


def test_output_buffer_keeps_the_newest_bytes_and_counts_the_dropped() -> None:
    buf = OutputBuffer(10)
    buf.append(b"0123456789")
    buf.append(b"abc")
    assert buf.take() == b"3456789abc"
    assert buf.dropped == 3
    assert buf.take() == b""
    buf.append(b"x" * 25)
    assert buf.take() == b"x" * 10
    assert buf.dropped == 18


@given(
    capacity=st.integers(min_value=1, max_value=64),
    chunks=st.lists(st.binary(max_size=100), max_size=30),
)
def test_output_buffer_never_exceeds_capacity_and_loses_only_what_it_counts(
    capacity: int, chunks: list[bytes]
) -> None:
    buf = OutputBuffer(capacity)
    for chunk in chunks:
        buf.append(chunk)
        assert len(buf) <= capacity
    everything = b"".join(chunks)
    kept = buf.take()
    assert kept == everything[len(everything) - len(kept) :]
    assert buf.dropped + len(kept) == len(everything)
