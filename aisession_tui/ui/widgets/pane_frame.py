"""A tiled pane: a one-line title bar over a live terminal."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from ...core.display_text import display_line
from ...supervisor.live_session import LiveSession
from ...supervisor.presenter import SessionPresenter
from ..render import Palette
from .terminal_pane import TerminalPane

#: How long a notice stays in a pane's title bar (seconds).
NOTE_SECONDS = 3.0


class PaneTitle(Static):
    """Name, role, status badge, directory, attention marker and the latest parsed event."""

    _shown: tuple[object, ...] | None = None

    def show(
        self, presenter: SessionPresenter, number: int, focused: bool, note: str | None = None
    ) -> None:
        """Every part is literal `Content` (never markup) of drawing characters only: the name,
        role, cwd (OSC 7) and parsed result come from children and sockets."""
        badge, badge_class = presenter.badge()
        summary = display_line(presenter.event_summary)
        shown = (
            number,
            focused,
            note,
            badge,
            badge_class,
            presenter.name,
            presenter.role,
            presenter.agent_title,
            presenter.attention_marker,
            summary,
            presenter.short_cwd,
        )
        if shown == self._shown:
            return  # a busy session's token count changes often; what the bar says seldom
        self._shown = shown
        parts: list[Content | str] = [
            Content.styled(f" {number} ", "bold reverse $accent" if focused else "bold"),
            Content.styled(f" {display_line(presenter.name)}", "bold"),
        ]
        if presenter.role:
            parts.append(Content.styled(f" · {display_line(presenter.role)}", "italic"))
        if presenter.agent_title:
            parts.append(Content.styled(f" [{presenter.agent_title}]", "$text-muted"))
        parts.append(Content.styled(f"  {badge} ", f"bold {badge_class}"))
        if presenter.attention_marker:
            parts.append(Content.styled(f" {presenter.attention_marker} ", "bold reverse $warning"))
        if summary:
            parts.append(Content.styled(f"  {summary}", "$text-muted"))
        if note:
            parts.append(Content.styled(f"  {display_line(note)} ", "bold $accent"))
        parts.append(Content.styled(f"  {display_line(presenter.short_cwd)}", "$text-muted"))
        # One row whatever it says (height 1, no wrap): no layout of the whole screen needed.
        self.update(Content.assemble(*parts), layout=False)


class PaneFrame(Vertical):
    """Holds one session's title bar and terminal; knows its position number in the tiling."""

    class Focused(Message):
        """The person moved into this pane."""

        def __init__(self, frame: PaneFrame) -> None:
            super().__init__()
            self.frame = frame

        @property
        def control(self) -> PaneFrame:
            return self.frame

    def __init__(self, live: LiveSession, palette: Palette, presenter: SessionPresenter) -> None:
        super().__init__(id=f"frame-{live.session.id.uuid.hex}")
        self.live = live
        self.presenter = presenter
        self.number = 0
        self.title_bar = PaneTitle(classes="pane-title")
        self._note: str | None = None
        self._note_timer: Timer | None = None
        self.terminal = TerminalPane(live, palette, id=f"pane-{live.session.id.uuid.hex}")

    def compose(self) -> ComposeResult:
        yield self.title_bar
        yield self.terminal

    def on_mount(self) -> None:
        self.refresh_title()

    def refresh_title(self) -> None:
        focused = self.terminal.has_focus
        self.set_class(focused, "-focused")
        self.title_bar.show(self.presenter, self.number, focused, self._note)

    def note(self, text: str, seconds: float = NOTE_SECONDS) -> None:
        """A short notice in this pane's title bar ("copied 12 characters"), gone after
        `seconds`: frequent notices as toasts covered the rows of the pane the person reads."""
        self._note = text
        if self._note_timer is not None:
            self._note_timer.stop()
        self._note_timer = self.set_timer(seconds, self._clear_note)
        self.refresh_title()

    def _clear_note(self) -> None:
        self._note = None
        self._note_timer = None
        self.refresh_title()

    def on_descendant_focus(self) -> None:
        self.refresh_title()
        self.post_message(self.Focused(self))

    def on_descendant_blur(self) -> None:
        self.refresh_title()
