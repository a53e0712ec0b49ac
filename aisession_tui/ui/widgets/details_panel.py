"""The Details panel: the focused session's info, config and metadata."""

from __future__ import annotations

from rich.table import Table
from textual.widgets import Static

from ..presenter import SessionPresenter, relative_time, shorten_path


class DetailsPanel(Static):
    """Shows `SessionInfo`, the command, cwd, environment names (never values) and metadata."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Details"

    def show(self, presenter: SessionPresenter | None) -> None:
        if presenter is None:
            self.update("No session")
            return
        session = presenter.session
        config = session.config
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        rows: list[tuple[str, str]] = [
            ("id", str(session.id)),
            ("name", presenter.name),
            ("role", presenter.role or "-"),
            ("status", f"{session.status}" + (f" (exit {session.exit_code})" if session.exit_code is not None else "")),
            ("state", presenter.state_reason),
            ("command", config.display_command),
            ("cwd", shorten_path(presenter.cwd)),
            ("mode", "headless (pipes)" if session.is_headless else "pty"),
            ("pid", str(session.pid or "-")),
            ("created", relative_time(session.created_at)),
            ("active", presenter.last_activity),
            ("ai features", "on" if config.enable_ai_features else "off"),
            ("tokens", f"{presenter.total_tokens:,}"),
            ("commands", str(session.get_command_count_now())),
            ("counter", presenter.token_counter_name),
            ("env", ", ".join(sorted(config.environment)) or "-"),
        ]
        for key, value in sorted(session.metadata.items()):
            rows.append((f"meta.{key}", str(value)))
        for key, value in rows:
            table.add_row(key, value)
        self.update(table)
