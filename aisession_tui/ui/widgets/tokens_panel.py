"""The Tokens panel: context use against the budget, compression, and tokens over time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Sparkline, Static

from ...supervisor.presenter import SessionPresenter


def context_bar(used: int, budget: int, threshold: float, width: int) -> Content:
    """A bar of `width` cells, filled by use, with the compression threshold marked by '┃'."""
    width = max(4, width)
    filled = min(width, round(width * used / budget)) if budget else 0
    mark = min(width - 1, int(width * threshold))
    colour = "$error" if used >= budget * threshold else "$success"
    cells: list[Content] = []
    for index in range(width):
        if index == mark:
            cells.append(Content.styled("┃", "bold $warning"))
        elif index < filled:
            cells.append(Content.styled("█", colour))
        else:
            cells.append(Content.styled("░", "$text-muted"))
    return Content.assemble(*cells)


class TokensPanel(Vertical):
    """Context tokens as a bar with the threshold, totals, compression stats, and a sparkline."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Tokens"
        self._summary = Static(classes="tokens-summary")
        self._sparkline = Sparkline([], classes="tokens-sparkline")
        self._shown: tuple[object, ...] | None = None

    def compose(self) -> ComposeResult:
        yield self._summary
        yield self._sparkline

    def show(self, presenter: SessionPresenter | None) -> None:
        if presenter is None:
            self._shown = None
            self._summary.update("No session")
            self._sparkline.data = []
            return
        usage = presenter.context_usage()
        bar_width = max(10, self.size.width - 4)
        samples = presenter.token_samples()
        shown = (usage, presenter.total_tokens, bar_width, samples)
        if shown == self._shown:  # this runs every second; most seconds nothing changed
            return
        self._shown = shown
        lines = [
            context_bar(usage.active_tokens, usage.max_tokens, usage.threshold, bar_width),
            Content(
                f"context {usage.active_tokens:,} / {usage.max_tokens:,}"
                f"  ({usage.percent:.0f}%, compress at {usage.threshold:.0%})"
            ),
            Content(f"total {presenter.total_tokens:,} tokens"),
        ]
        if usage.compression_line:
            lines.append(Content.styled(usage.compression_line, "$text-muted"))
        self._summary.update(Content("\n").join(lines))
        self._sparkline.display = bool(samples)
        self._sparkline.data = samples
