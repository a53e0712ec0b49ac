"""The supervisor app with three deterministic sessions, for snapshot tests."""

from __future__ import annotations

from pathlib import Path

from aisession_tui.ui.app import AppOptions

from ..helpers import DeterministicApp, shell

BUILD = (
    r"printf '\033[1m$ make\033[0m\n[ 50%%] Building C object src/lexer.c.o\n"
    r"src/lexer.c:88:16: \033[1;31merror:\033[0m implicit declaration of tok_peek\n"
    r"\033[1;32mBuild succeeded\033[0m in 2.6s\n'; exec cat"
)
TESTS = (
    r"printf 'tests/test_api.py \033[32m..........\033[0m [ 50%%]\n"
    r"tests/test_billing.py \033[32m....\033[31mF\033[0m [100%%]\n"
    r"\033[31m======= 1 failed, 14 passed in 0.42s =======\033[0m\n'; exec cat"
)
REVIEW = (
    r"printf '\033[38;5;208m● Reviewing src/acme/ratelimit.py\033[0m\n"
    r"  \033[38;2;120;200;120m+ with self._lock:\033[0m\n"
    r"Apply these changes? [y/N] '; exec cat"
)
QUIET = Path("/tmp")


def make_app(**options: object) -> DeterministicApp:
    """Three agents: a build, a test run, and a review waiting for an answer."""
    configs = [
        shell(
            "builder", BUILD, agent_role="build", working_directory=QUIET, enable_ai_features=True
        ),
        shell("tester", TESTS, agent_role="test", working_directory=QUIET),
        shell("reviewer", REVIEW, agent_role="review", working_directory=QUIET),
    ]
    defaults: dict[str, object] = {"idle_after": 3600.0, "theme": "midnight", "control": False}
    defaults.update(options)
    return DeterministicApp(configs, options=AppOptions(**defaults))  # type: ignore[arg-type]
