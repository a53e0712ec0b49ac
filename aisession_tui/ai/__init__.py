"""The AI layer: token counts, context with lossless compression, output parsing, shell
integration with real exit codes, and the agent state of each session. No Textual imports."""

from .context import (
    CompressedArchive,
    CompressionEvent,
    CompressionStats,
    Message,
    Role,
    SessionContext,
)
from .integration import (
    CommandTracker,
    CwdMark,
    InputLineTracker,
    IntegrationPlan,
    MarkScanner,
    ShellMark,
    mark_from_terminal_event,
    shell_integration_for,
    with_shell_integration,
)
from .monitor import (
    AgentStateChanged,
    ContextCompressed,
    MonitorEvent,
    ParsedEventsFound,
    SessionMonitor,
    TokensCounted,
)
from .parsing import EventKind, OutputParser, ParsedEvent, parse_output
from .screen_prompts import prompt_on_screen
from .state import AgentState, AgentStatus, StateChange, StateDetector
from .tokens import (
    CrateEstimator,
    ExactBpeCounter,
    IncrementalCounter,
    PieceEstimator,
    TokenCounter,
    default_counter,
    load_default_counter,
)

__all__ = [
    "AgentState",
    "AgentStateChanged",
    "AgentStatus",
    "CommandTracker",
    "CompressedArchive",
    "CompressionEvent",
    "CompressionStats",
    "ContextCompressed",
    "CrateEstimator",
    "CwdMark",
    "EventKind",
    "ExactBpeCounter",
    "IncrementalCounter",
    "InputLineTracker",
    "IntegrationPlan",
    "MarkScanner",
    "Message",
    "MonitorEvent",
    "OutputParser",
    "ParsedEvent",
    "ParsedEventsFound",
    "PieceEstimator",
    "Role",
    "SessionContext",
    "SessionMonitor",
    "ShellMark",
    "StateChange",
    "StateDetector",
    "TokenCounter",
    "TokensCounted",
    "default_counter",
    "load_default_counter",
    "mark_from_terminal_event",
    "parse_output",
    "prompt_on_screen",
    "shell_integration_for",
    "with_shell_integration",
]
