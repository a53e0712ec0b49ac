"""A host app for snapshot tests of the modal screens (`snap_compare("...:new_session_app")`).

Each module-level app opens one dialog over a plain background, with fixed inputs so the
pictures do not depend on the machine (the working directory is `/tmp`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from aisession_tui.ui.screens import (
    BroadcastScreen,
    ConfirmScreen,
    HelpScreen,
    NewSessionScreen,
    SearchScreen,
)

HELP_SECTIONS = [
    (
        "Prefix (Ctrl+B, then)",
        [
            ("c", "New session"),
            ("x", "Kill the focused session"),
            (",", "Rename the focused session"),
            ("b", "Broadcast to several sessions"),
            ("/", "Search the focused pane's scrollback"),
            ("z", "Zoom the focused pane"),
            ("o", "Next pane"),
            ("[", "Scroll mode"),
            ("Ctrl+B", "Send Ctrl+B itself to the program"),
            ("Esc", "Cancel the prefix"),
        ],
    ),
    (
        "Direct",
        [
            ("Alt+1..9", "Focus pane 1..9"),
            ("Alt+arrows", "Focus the pane in that direction"),
            ("F1", "This help"),
            ("Ctrl+Q", "Quit (asks when sessions are running)"),
        ],
    ),
    (
        "In a pane",
        [
            ("any key", "Goes to the focused program"),
            ("Shift+PgUp/PgDn", "Scroll the pane's history"),
        ],
    ),
]


class ScreensApp(App[None]):
    """Shows a background and pushes the dialog the factory makes."""

    def __init__(self, make_screen: Callable[[], Screen[object]]) -> None:
        super().__init__()
        self.make_screen = make_screen

    def compose(self) -> ComposeResult:
        yield Static("aisession-tui: sessions would be tiled here\n" * 20)

    def on_mount(self) -> None:
        self.push_screen(self.make_screen())


new_session_app = ScreensApp(lambda: NewSessionScreen(Path("/tmp"), {"api", "web"}))
help_app = ScreensApp(lambda: HelpScreen(HELP_SECTIONS))
broadcast_app = ScreensApp(
    lambda: BroadcastScreen([("a1", "api"), ("b2", "web"), ("c3", "worker")], {"a1", "c3"})
)
search_app = ScreensApp(lambda: SearchScreen("fail(ed", regex=True))
confirm_app = ScreensApp(lambda: ConfirmScreen("Kill api and close its pane?"))
