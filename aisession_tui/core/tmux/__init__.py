"""The tmux backend: sessions as windows of a workspace's own tmux server, in control mode."""

from .server import TmuxMissing, TmuxServer, WindowInfo, socket_dir, socket_name

__all__ = ["TmuxMissing", "TmuxServer", "WindowInfo", "socket_dir", "socket_name"]
