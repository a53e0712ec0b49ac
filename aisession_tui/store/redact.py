"""Keep secrets out of the database and out of exports.

Two nets: by name (environment variables and `NAME=value` assignments whose names look like
credentials: `GITHUB_TOKEN`, `GH_PAT`, `PGPASS`, `STRIPE_SK`, `SLACK_WEBHOOK_URL`) and by value
(the shapes credentials have wherever they appear: a password in a URL, `ghp_`/`github_pat_`,
`sk-`/`sk-ant-`, `xox?-`, `AKIA...`, JWTs, PEM private key blocks). What is caught is replaced
by `REDACTED`; the rest of the text stays as it was.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[REDACTED]"

SECRET_NAME = re.compile(
    r"TOKEN|KEY|SECRET|PASSW|PASS(?:$|_)|CREDENTIAL|AUTH|WEBHOOK|COOKIE|PRIVATE"
    r"|(?:^|_)(?:PAT|SK|PW|DSN)(?:$|_)",
    re.IGNORECASE,
)

_BOUNDARY = r"(?<![A-Za-z0-9_])"
_TOKEN_SHAPES = (
    r"gh[pousr]_[A-Za-z0-9]{20,}",
    r"github_pat_[A-Za-z0-9_]{20,}",
    r"sk-ant-[A-Za-z0-9_-]{10,}",
    r"sk-[A-Za-z0-9_-]{16,}",
    r"[sr]k_(?:live|test)_[A-Za-z0-9]{10,}",
    r"xox[abposr]-[A-Za-z0-9-]{10,}",
    r"(?:AKIA|ASIA)[0-9A-Z]{16}",
    r"eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}",
    r"glpat-[A-Za-z0-9_-]{20,}",
    r"AIza[0-9A-Za-z_-]{35}",
)
TOKEN = re.compile(_BOUNDARY + "(?:" + "|".join(_TOKEN_SHAPES) + ")")
#: `scheme://user:password@host`: the password goes, the user and host stay.
URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][A-Za-z0-9+.-]*://[^:/@\s]*:)[^@\s/]+(?=@)")
#: Slack and Discord webhooks carry their secret in the path.
WEBHOOK = re.compile(
    r"(?P<head>https://(?:hooks\.slack\.com/services|discord(?:app)?\.com/api/webhooks)/)\S+"
)
#: `NAME=value` (also `--name=value` and `export NAME="value"`) with a secret-looking name.
ASSIGNMENT = re.compile(
    r"(?P<name>\b[A-Za-z_][A-Za-z0-9_-]*)(?P<eq>=)(?P<value>'[^']*'|\"[^\"]*\"|[^\s'\"`,;&|]+)"
)
PEM_BEGIN = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
PEM_END = re.compile(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
PEM_BLOCK = re.compile(PEM_BEGIN.pattern + r"(?:.*?" + PEM_END.pattern + r"|.*\Z)", re.DOTALL)
#: A cheap first look: text without any of these cannot hold anything we redact.
_HINT = re.compile(
    r"://|=|gh[pousr]_|github_pat_|sk-|[sr]k_(?:live|test)|xox|AKIA|ASIA|eyJ|glpat-|AIza|-----",
)


def is_secret_name(name: str) -> bool:
    """True for names like `GITHUB_TOKEN`, `OPENAI_API_KEY`, `db_password`, `GH_PAT`."""
    return SECRET_NAME.search(name) is not None


def looks_secret(value: str) -> bool:
    """True when `value` holds something shaped like a credential."""
    return redact_text(value) != value


def _assignment(match: re.Match[str]) -> str:
    if not is_secret_name(match["name"].lstrip("-")) or match["value"] == REDACTED:
        return match[0]
    return f"{match['name']}={REDACTED}"


def redact_text(text: str) -> str:
    """`text` with every credential found by name or by shape replaced by `REDACTED`."""
    if not text or _HINT.search(text) is None:
        return text
    if "-----BEGIN" in text:
        text = PEM_BLOCK.sub(REDACTED, text)
    text = TOKEN.sub(REDACTED, text)
    text = URL_PASSWORD.sub(lambda m: m["head"] + REDACTED, text)
    text = WEBHOOK.sub(lambda m: m["head"] + REDACTED, text)
    if "=" in text:
        text = ASSIGNMENT.sub(_assignment, text)
    return text


def redact_lines(lines: Iterable[str]) -> list[str]:
    """Screen or scrollback rows, redacted; the rows of a PEM private key block are all
    replaced, from its BEGIN row to its END row (or to the end, when the END never came)."""
    out: list[str] = []
    inside = False
    for line in lines:
        if inside:
            if PEM_END.search(line):
                inside = False
                line = PEM_END.split(line, maxsplit=1)[-1]
                out.append(REDACTED + redact_text(line))
            else:
                out.append(REDACTED if line.strip() else line)
            continue
        begin = PEM_BEGIN.search(line)
        if begin is not None and not PEM_END.search(line, begin.end()):
            inside = True
            out.append(redact_text(line[: begin.start()]) + REDACTED)
            continue
        out.append(redact_text(line))
    return out


def redact_data(value: Any) -> Any:
    """Every string inside JSON-like data (dicts, lists), redacted; keys are kept."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {key: redact_data(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(item) for item in value]
    return value


def split_environment(env: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """The storable part of `env` and the sorted names whose values were withheld: those with
    a secret-looking name or a secret-looking value (`DATABASE_URL=postgres://u:pw@h/db`)."""
    withheld = sorted(
        name for name, value in env.items() if is_secret_name(name) or looks_secret(value)
    )
    kept = {name: value for name, value in env.items() if name not in withheld}
    return kept, withheld


_REDACTED_ASSIGNMENT = re.compile(r"(?P<name>\b[A-Za-z_][A-Za-z0-9_]*)=" + re.escape(REDACTED))


def unredact_command(command: str, environ: Mapping[str, str]) -> tuple[str, list[str]]:
    """Put back `NAME=REDACTED` values from `environ` (restoring a session started with
    `env API_KEY=... cmd`); returns the command and what could not be put back."""
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match["name"]
        if name in environ:
            return f"{name}={shlex.quote(environ[name])}"
        missing.append(name)
        return match[0]

    filled = _REDACTED_ASSIGNMENT.sub(fill, command)
    if REDACTED in _REDACTED_ASSIGNMENT.sub("", filled):
        missing.append("a credential in the command line")
    return filled, missing
