"""`builder`: an agent that rebuilds a C project, hits a compile error, fixes it and rebuilds.

The output follows GCC and CMake-generated make closely (`file:line:col: error:` with the source
excerpt and caret, `make[2]: *** ... Error 1`), so output parsers see the real shapes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ansi import BOLD, CYAN, DIM, GREEN, GREY, MAGENTA, RED, paint
from .runtime import Runtime

__all__ = ["run"]

SOURCES = (
    "main.c",
    "lexer.c",
    "parser.c",
    "ast.c",
    "eval.c",
    "strbuf.c",
    "hashmap.c",
    "arena.c",
    "repl.c",
)


@dataclass(frozen=True, slots=True)
class Breakage:
    """A compile error the agent introduces and then repairs."""

    source: str
    line: int
    column: int
    message: str
    code: str
    caret_width: int
    fix_file: str
    fix_summary: str
    fix_diff: tuple[str, ...]


BREAKAGES = (
    Breakage(
        "lexer.c",
        88,
        16,
        "implicit declaration of function 'tok_peek'; did you mean 'tok_peek_n'? "
        "[-Wimplicit-function-declaration]",
        "    while (tok_peek(lx) == TOK_SPACE) {",
        8,
        "src/lexer.h",
        "declare tok_peek() in the header",
        ("+Token tok_peek(const Lexer *lx);",),
    ),
    Breakage(
        "parser.c",
        203,
        21,
        "incompatible pointer to integer conversion assigning to 'size_t' from 'Node *' "
        "[-Wint-conversion]",
        "    node->arity = parse_args(p);",
        13,
        "src/parser.c",
        "store the argument list, count it separately",
        ("-    node->arity = parse_args(p);", "+    node->args = parse_args(p);"),
    ),
    Breakage(
        "hashmap.c",
        57,
        5,
        "'bucket_index' undeclared (first use in this function)",
        "    bucket_index = hash & (map->cap - 1);",
        12,
        "src/hashmap.c",
        "declare the bucket index as size_t",
        (
            "-    bucket_index = hash & (map->cap - 1);",
            "+    size_t bucket_index = hash & (map->cap - 1);",
        ),
    ),
)

WARNINGS = (
    ("parser.c", 142, 9, "unused variable 'depth' [-Wunused-variable]", "    int depth = 0;", 5),
    (
        "eval.c",
        311,
        17,
        "comparison of integer expressions of different signedness: 'int' and 'size_t' "
        "[-Wsign-compare]",
        "    for (int i = 0; i < env->len; i++) {",
        10,
    ),
    (
        "strbuf.c",
        44,
        12,
        "unused parameter 'flags' [-Wunused-parameter]",
        "             int flags)",
        5,
    ),
)


FUNCTIONS = {
    "lexer.c": "lex_next",
    "parser.c": "parse_call",
    "eval.c": "eval_block",
    "strbuf.c": "strbuf_append",
    "hashmap.c": "hashmap_put",
}


def run(rt: Runtime) -> None:
    """Rebuild forever: broken build, fix, clean build, then an idle wait for the next change."""
    round_no = 0
    while True:
        build_round(rt, round_no)
        round_no += 1
        rt.between_rounds(rt.rng.uniform(6.0, 12.0))


def build_round(rt: Runtime, round_no: int) -> None:
    breakage = BREAKAGES[(round_no // 2) % len(BREAKAGES)] if round_no % 2 == 0 else None
    changed = breakage.source if breakage is not None else rt.rng.choice(SOURCES)
    rt.line(paint("● builder", BOLD, CYAN) + paint(f"  change detected in src/{changed}", DIM))
    ok = make(rt, breakage, changed)
    if not ok and breakage is not None:
        rt.line()
        rt.line(paint("● ", BOLD, CYAN) + f"The build fails in src/{breakage.source}.")
        rt.line(paint("● ", BOLD, CYAN) + f"Fix: {breakage.fix_summary}.")
        rt.spin(f"editing {breakage.fix_file}", 1.5, frames=8)
        rt.line(paint(f"  ✓ {breakage.fix_file}", GREEN))
        for change in breakage.fix_diff:
            colour = GREEN if change.startswith("+") else RED
            rt.line("    " + paint(change, colour))
        rt.line()
        make(rt, None, breakage.source)


def make(rt: Runtime, breakage: Breakage | None, changed: str) -> bool:
    """One `make -j4` run in CMake's format; False when it stops on the error."""
    rt.line(paint("$ ", GREY) + paint("make -j4", BOLD))
    rt.pause(0.4)
    rt.line("[  5%] " + paint("Generating version.h", BOLD, MAGENTA))
    sources = list(SOURCES) if rt.rng.random() < 0.3 else sorted({changed, "main.c"})
    warning = rt.rng.choice(WARNINGS) if rt.rng.random() < 0.7 else None
    total = len(SOURCES) + 1
    for index, source in enumerate(sources, start=1):
        rt.spin(f"compiling src/{source} ({index}/{len(sources)})", rt.rng.uniform(0.3, 1.2), 6)
        percent = 5 + (90 * index) // total
        rt.line(
            f"[{percent:3d}%] "
            + paint(f"Building C object src/CMakeFiles/acme.dir/{source}.o", GREEN)
        )
        if warning is not None and warning[0] == source:
            diagnostic(rt, *warning, kind="warning")
        if breakage is not None and breakage.source == source:
            diagnostic(
                rt,
                breakage.source,
                breakage.line,
                breakage.column,
                breakage.message,
                breakage.code,
                breakage.caret_width,
                kind="error",
            )
            obj = f"src/CMakeFiles/acme.dir/{source}.o"
            rt.line(f"make[2]: *** [src/CMakeFiles/acme.dir/build.make:132: {obj}] Error 1")
            rt.line("make[1]: *** [CMakeFiles/Makefile2:97: src/CMakeFiles/acme.dir/all] Error 2")
            rt.line("make: *** [Makefile:136: all] Error 2")
            rt.line(paint("Build failed", BOLD, RED) + " (exit status 2)")
            return False
    rt.spin("linking acme", 0.8, 6)
    rt.line("[100%] " + paint("Linking C executable acme", BOLD, GREEN))
    rt.line("[100%] Built target acme")
    seconds = rt.rng.uniform(1.2, 6.5)
    rt.line(paint("Build succeeded", BOLD, GREEN) + f" in {seconds:.1f}s")
    return True


def diagnostic(
    rt: Runtime,
    source: str,
    line: int,
    column: int,
    message: str,
    code: str,
    caret_width: int,
    *,
    kind: str,
) -> None:
    """A GCC diagnostic: location, coloured kind, message, the source line and a caret."""
    colour = RED if kind == "error" else MAGENTA
    function = FUNCTIONS.get(source, "main")
    rt.line(f"src/{source}: In function '{function}':")
    where = paint(f"src/{source}:{line}:{column}:", BOLD)
    rt.line(f"{where} {paint(kind + ':', BOLD, colour)} {message}")
    gutter = f"{line:5d} | "
    rt.line(gutter + code)
    pad = " " * (column - 1)
    rt.line("      | " + pad + paint("^" + "~" * (caret_width - 1), BOLD, colour))
