"""`tester`: an agent that runs a pytest suite, sees a failure, patches the code and reruns.

The output mirrors pytest 8's terminal reporter: header, per-file progress with `[ NN%]` at the
right edge, the FAILURES section with `>` and `E` lines, the short summary and the `=`-padded
final line such as `===== 1 failed, 41 passed in 2.31s =====`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ansi import BOLD, CYAN, DIM, GREEN, GREY, RED, YELLOW, paint
from .runtime import Runtime

__all__ = ["TOTAL_TESTS", "run"]

FILES = (
    ("tests/test_api.py", 10),
    ("tests/test_billing.py", 11),
    ("tests/test_models.py", 9),
    ("tests/test_ratelimit.py", 7),
    ("tests/test_cli.py", 5),
)
TOTAL_TESTS = sum(count for _, count in FILES)


@dataclass(frozen=True, slots=True)
class Failure:
    """A failing test, its traceback excerpt, and the fix the agent applies."""

    file: str
    index: int
    name: str
    body: tuple[str, ...]
    failing_line: str
    explanation: tuple[str, ...]
    line: int
    error: str
    fix_file: str
    fix_diff: tuple[str, ...]


FAILURES = (
    Failure(
        "tests/test_billing.py",
        6,
        "test_invoice_total_rounds_half_up",
        (
            "def test_invoice_total_rounds_half_up():",
            '    invoice = Invoice(lines=[Line(price=Decimal("19.995"), qty=3)])',
        ),
        'assert invoice.total == Decimal("59.99")',
        (
            "AssertionError: assert Decimal('59.98') == Decimal('59.99')",
            " +  where Decimal('59.98') = <Invoice id=None lines=1>.total",
        ),
        48,
        "AssertionError",
        "src/acme/billing.py",
        (
            "-        return sum(line.price * line.qty for line in self.lines)",
            "+        total = sum(line.price * line.qty for line in self.lines)",
            '+        return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)',
        ),
    ),
    Failure(
        "tests/test_api.py",
        3,
        "test_get_user_returns_404_for_unknown_id",
        (
            "def test_get_user_returns_404_for_unknown_id(client):",
            '    response = client.get("/users/999")',
        ),
        "assert response.status_code == 404",
        (
            "assert 500 == 404",
            " +  where 500 = <Response [500]>.status_code",
        ),
        31,
        "assert 500 == 404",
        "src/acme/api/users.py",
        (
            "-    user = db.users[user_id]",
            "+    user = db.users.get(user_id)",
            "+    if user is None:",
            '+        raise NotFound(f"no user {user_id}")',
        ),
    ),
)


def run(rt: Runtime) -> None:
    """Test forever: a failing run, a fix, a passing run, then idle until the next change."""
    round_no = 0
    while True:
        suite_round(rt, round_no)
        round_no += 1
        rt.between_rounds(rt.rng.uniform(8.0, 15.0))


def suite_round(rt: Runtime, round_no: int) -> None:
    failure = FAILURES[(round_no // 2) % len(FAILURES)] if round_no % 2 == 0 else None
    rt.line(paint("● tester", BOLD, YELLOW) + paint("  running the suite after the last edit", DIM))
    passed = pytest_run(rt, failure)
    if passed or failure is None:
        return
    rt.line()
    rt.line(paint("● ", BOLD, YELLOW) + f"{failure.name} fails; reading {failure.fix_file}.")
    rt.spin(f"patching {failure.fix_file}", 1.5, frames=8)
    rt.line(paint(f"  ✓ {failure.fix_file}", GREEN))
    for change in failure.fix_diff:
        rt.line("    " + paint(change, GREEN if change.startswith("+") else RED))
    rt.line()
    pytest_run(rt, None)


def centered(text: str, width: int, fill: str = "=") -> str:
    """pytest's section rule: text centred in a line of `fill` characters."""
    text = f" {text} " if text else ""
    left = (width - len(text)) // 2
    right = width - len(text) - left
    return fill * max(left, 1) + text + fill * max(right, 1)


def pytest_run(rt: Runtime, failure: Failure | None) -> bool:
    """One `python -m pytest` run; True when everything passed."""
    width = min(rt.width, 100)
    rt.line(paint("$ ", GREY) + paint("python -m pytest", BOLD))
    rt.pause(0.3)
    rt.line(paint(centered("test session starts", width), BOLD))
    rt.line("platform linux -- Python 3.11.9, pytest-8.3.3, pluggy-1.5.0")
    rt.line("rootdir: /home/demo/projects/acme-api")
    rt.line("configfile: pyproject.toml")
    rt.line("plugins: asyncio-0.24.0, cov-5.0.0")
    rt.pause(0.4)
    rt.line(paint(f"collected {TOTAL_TESTS} items", BOLD))
    rt.line()
    done = 0
    failed = False
    for file, count in FILES:
        rt.write(file + " ")
        for index in range(count):
            rt.pause(rt.rng.uniform(0.02, 0.12))
            if failure is not None and failure.file == file and failure.index == index:
                rt.write(paint("F", RED))
                failed = True
            else:
                rt.write(paint(".", GREEN))
        done += count
        percent = f"[{(100 * done) // TOTAL_TESTS:3d}%]"
        gap = max(width - len(file) - 1 - count - len(percent), 1)
        rt.line(" " * gap + paint(percent, RED if failed else GREEN))
    rt.line()
    seconds = rt.rng.uniform(1.6, 3.4)
    if failure is None:
        rt.line(paint(centered(f"{TOTAL_TESTS} passed in {seconds:.2f}s", width), BOLD, GREEN))
        return True
    report_failure(rt, failure, width)
    summary = f"1 failed, {TOTAL_TESTS - 1} passed in {seconds:.2f}s"
    rt.line(paint(centered(summary, width), BOLD, RED))
    return False


def report_failure(rt: Runtime, failure: Failure, width: int) -> None:
    rt.line(centered("FAILURES", width))
    rt.line(paint(centered(failure.name, width, "_"), BOLD, RED))
    rt.line()
    for source in failure.body:
        rt.line("    " + source)
    rt.line(paint(">", BOLD, RED) + "       " + failure.failing_line)
    for text in failure.explanation:
        rt.line(paint("E       " + text, BOLD, RED))
    rt.line()
    rt.line(paint(f"{failure.file}:{failure.line}", BOLD, RED) + f": {failure.error}")
    rt.line(paint(centered("short test summary info", width), CYAN))
    node = f"{failure.file}::{failure.name}"
    rt.line(paint("FAILED", RED) + f" {node} - {failure.explanation[0]}")
