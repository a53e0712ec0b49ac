"""The app's screens: `main.MainScreen` (panes and panels) and the modal dialogs, each of which
dismisses with a small request (or None)."""

from .broadcast import BroadcastScreen
from .confirm import ConfirmScreen
from .dialog import DialogScreen, FieldError, FormField
from .help import HelpCard, HelpScreen, HelpSections
from .new_session import NewSessionScreen
from .rename import RenameScreen
from .requests import BroadcastRequest, NewSessionRequest, SearchDirection, SearchRequest
from .search import SearchScreen

__all__ = [
    "BroadcastRequest",
    "BroadcastScreen",
    "ConfirmScreen",
    "DialogScreen",
    "FieldError",
    "FormField",
    "HelpCard",
    "HelpScreen",
    "HelpSections",
    "NewSessionRequest",
    "NewSessionScreen",
    "RenameScreen",
    "SearchDirection",
    "SearchRequest",
    "SearchScreen",
]
