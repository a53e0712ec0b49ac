"""The person's own settings: `~/.config/aisession-tui/config.toml` (or `$AISESSION_CONFIG`).

It holds where sessions run by default (`backend = "tmux"`; a workspace file's or
`--backend` wins), the machines `aisession-tui ls` also asks (`hosts = ["me@build1"]`), and a
`[keymap]` table, binding id -> key(s), that remaps any prefix command or direct key
(`prefix.new_session = "N"`, `prefix = "ctrl+a"`, `"focus.1" = "f1"`); ids are listed by the
help screen and `binding_ids()`. Problems are one line naming the file and the field.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from ..core.config import check_host
from ..core.textfile import TextFileError, read_config_toml
from .keymap import binding_ids, parse_command_key, parse_key

CONFIG_ENV = "AISESSION_CONFIG"
MAX_CONFIG_BYTES = 64 * 1024


class UserConfigError(ValueError):
    """A config file the app cannot use; `str()` is the one-line message."""


class UserConfig(BaseModel):
    """What the config file may say (unknown tables and keys are refused, not ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Where sessions run when neither `--backend` nor the workspace file says.
    backend: Literal["pty", "tmux"] | None = None
    #: Other machines (ssh destinations) whose workspaces `aisession-tui ls` lists too.
    hosts: tuple[str, ...] = ()
    #: Binding id -> key(s). Written flat with quoted ids (`"prefix.new_session" = "N"`) or as
    #: tables (`[keymap.prefix]` then `new_session = "N"`); both mean the same.
    keymap: dict[str, object] = {}

    @field_validator("hosts")
    @classmethod
    def _destinations(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(check_host(host) for host in value)


def _flat(table: Mapping[str, object], prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and prefix.count(".") < 4:
            flat.update(_flat(value, name + "."))
        else:
            flat[name] = value
    return flat


def _checked_keymap(path: Path, keymap: Mapping[str, object]) -> dict[str, str]:
    """Every id known, every key a key; keys written as Textual names them."""
    known = binding_ids()
    cleaned: dict[str, str] = {}
    for binding_id, keys in _flat(keymap).items():
        field = f"{path}: field 'keymap.{binding_id}'"
        if not isinstance(keys, str):
            raise UserConfigError(f"{field}: must be a key or comma-separated keys (a string)")
        if binding_id not in known:
            raise UserConfigError(f"{field}: no such binding (ids: {', '.join(known)})")
        parse = parse_command_key if binding_id.startswith("prefix.") else parse_key
        try:
            parsed = [parse(key) for key in keys.split(",")]
        except ValueError as error:
            raise UserConfigError(f"{field}: {error}") from None
        if binding_id == "prefix" and len(parsed) != 1:
            raise UserConfigError(f"{field}: one key (it is also sent to programs as itself)")
        cleaned[binding_id] = ",".join(parsed)
    return cleaned


def config_path() -> Path:
    """Where the config file is: `$AISESSION_CONFIG`, else the user config folder."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    return platformdirs.user_config_path("aisession-tui") / "config.toml"


def load_user_config(path: Path | None = None) -> UserConfig:
    """The settings in `path` (default: `config_path()`); none when there is no file."""
    path = path or config_path()
    if not path.exists() and not path.is_symlink():
        return UserConfig()
    try:
        data = read_config_toml(path, MAX_CONFIG_BYTES)
    except TextFileError as error:  # unreadable, not text or not TOML
        raise UserConfigError(f"{path}: {error}") from None
    try:
        config = UserConfig.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        reason = problem["msg"].removeprefix("Value error, ")
        raise UserConfigError(f"{path}: field '{field}': {reason}") from None
    return config.model_copy(update={"keymap": _checked_keymap(path, config.keymap)})


def prefix_and_keymap(
    config: UserConfig, prefix_option: str | None
) -> tuple[str | None, Mapping[str, str]]:
    """The prefix key (the command line's beats the file's) and the rest of the keymap
    (checked by `load_user_config`: flat, every value a string)."""
    keymap = {key: str(value) for key, value in config.keymap.items()}
    from_file = keymap.pop("prefix", None)
    return prefix_option or from_file, keymap


__all__ = [
    "CONFIG_ENV",
    "UserConfig",
    "UserConfigError",
    "config_path",
    "load_user_config",
    "prefix_and_keymap",
]
