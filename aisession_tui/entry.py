"""The `aisession-tui` console script: `hook` starts without importing the app (agents run it on
every event), everything else goes to the full command line."""

from __future__ import annotations

import sys


def main() -> int:
    if sys.argv[1:2] == ["hook"]:
        from .agents.hook import main as hook_main

        return hook_main(sys.argv[2:])
    from .cli import main as cli_main

    return cli_main()
