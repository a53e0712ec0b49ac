"""Keep secrets out of the database: environment values whose names look like credentials."""

from __future__ import annotations

import re
from collections.abc import Mapping

SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH", re.IGNORECASE)


def is_secret_name(name: str) -> bool:
    """True for names like `GITHUB_TOKEN`, `OPENAI_API_KEY`, `db_password`."""
    return SECRET_NAME.search(name) is not None


def split_environment(env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The storable part of `env` and the sorted names whose values were withheld."""
    kept = {name: value for name, value in env.items() if not is_secret_name(name)}
    withheld = sorted(name for name in env if is_secret_name(name))
    return kept, withheld
