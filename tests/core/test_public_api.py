"""The package re-exports the core's public API (import hygiene: tests/test_import_hygiene)."""

from __future__ import annotations


def test_public_api_is_reexported_from_the_package() -> None:
    import aisession_tui
    import aisession_tui.core as core

    for name in core.__all__:
        assert getattr(aisession_tui, name) is getattr(core, name)
