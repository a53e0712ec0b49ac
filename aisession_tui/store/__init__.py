"""Persistence: the SQLite session store, restore, workspace files and the store CLI.

Depends on `aisession_tui.core` only (never on Textual or the UI).
"""

from .errors import (
    AmbiguousSessionError,
    CorruptDatabaseError,
    NewerSchemaError,
    SessionLookupError,
    StoreError,
)
from .export import export_session
from .paths import DATA_DIR_ENV, data_dir_from, default_data_dir
from .recorder import SessionRecorder
from .records import StatusChange, StoredCommand, StoredScreen, StoredSession, TokenSample
from .resolve import resolve_session
from .restore import RestoredSession, RestoreReport, restore_sessions
from .store import Store
from .workspace import Layout, Workspace, WorkspaceError, load_workspace

__all__ = [
    "DATA_DIR_ENV",
    "AmbiguousSessionError",
    "CorruptDatabaseError",
    "Layout",
    "NewerSchemaError",
    "RestoreReport",
    "RestoredSession",
    "SessionLookupError",
    "SessionRecorder",
    "StatusChange",
    "Store",
    "StoreError",
    "StoredCommand",
    "StoredScreen",
    "StoredSession",
    "TokenSample",
    "Workspace",
    "WorkspaceError",
    "data_dir_from",
    "default_data_dir",
    "export_session",
    "load_workspace",
    "resolve_session",
    "restore_sessions",
]
