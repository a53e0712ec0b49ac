"""Build hook: compiles the emulator's optional C fast path (`aisession_tui/terminal/_speedups.c`)
into the wheel, and beside its source, so a checkout's tests run what an install runs.

Where no C compiler or Python headers are found the wheel is pure Python, with a warning, and the
emulator takes its Python path (`terminal/sequence_runs.py`); `AISESSION_TUI_PURE_PYTHON=1` at
build time skips the compiler on purpose.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

SOURCE = Path("aisession_tui", "terminal", "_speedups.c")


def compile_speedups(root: Path) -> Path:
    """Compile the module next to its source; its path (raises `OSError` or
    `subprocess.CalledProcessError` when it cannot be built)."""
    source = root / SOURCE
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    target = source.with_name("_speedups" + suffix)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    linker = shlex.split(sysconfig.get_config_var("LDSHARED") or "cc -shared")
    partial = target.with_name(target.name + ".partial")
    command = [
        *linker,
        *("-O2", "-fPIC", "-Wall", "-Werror=implicit-function-declaration"),
        f"-I{sysconfig.get_paths()['include']}",
        f'-DSOURCE_DIGEST="{digest}"',
        str(source),
        "-o",
        str(partial),
    ]
    subprocess.run(command, check=True, capture_output=True, text=True)
    os.replace(partial, target)  # a running process never imports half a file
    return target


class SpeedupsBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or os.environ.get("AISESSION_TUI_PURE_PYTHON"):
            return
        try:
            target = compile_speedups(Path(self.root))
        except (OSError, subprocess.CalledProcessError) as error:
            detail = getattr(error, "stderr", "") or str(error)
            self.app.display_warning(
                f"aisession-tui: the C fast path was not built ({detail.strip()[:500]}); "
                "the emulator will use its Python path"
            )
            return
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        if version != "editable":  # an editable install imports it from the source tree
            build_data["force_include"][str(target)] = str(target.relative_to(self.root))
