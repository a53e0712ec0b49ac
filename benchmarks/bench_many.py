"""Twenty sessions, idle or busy: the installed app in a private tmux server, as a person uses it.

    python benchmarks/bench_many.py            # 20 writers, 150 s busy, 50-idle CPU, tmux baselines
    python benchmarks/bench_many.py --quick    # shorter phases and fewer samples (smoke test)

One run of `aisession-tui` (next to this interpreter, else on PATH) in a detached tmux window
(240x60 by default) with a `typist` session (`cat`, echoing what is typed) and 20 writers
(`agent_lines.py`: coloured pytest / gcc / tool-call lines, each tagged `sNN#<line>`):

1. Start-up: from starting the app until every pane shows its writer's `sNN ready` line.
2. Idle (writers waiting): help screen (prefix `?`) until it is drawn, Alt+N until the Details
   panel names session N, key echo in the focused typist pane.
3. Busy (every writer as fast as its pane takes it): the same latencies; the bytes the panes
   took per second (the writers' own counts: a lagging pane makes its writer wait) and how evenly
   (slowest / fastest pane, Jain's index); how far behind its writer each pane's screen is; the
   app's RSS over time and its growth per minute once every scrollback is full.
4. CPU of the app (its whole process tree) with 50 idle `cat` sessions.

Baselines measured in the same run on a tmux server of their own: the same 20 writers in 20 tiled
tmux panes of a window the same size (throughput, fairness, key echo in a 21st pane), and 50 idle
`cat` windows (tmux server CPU). Latencies are from `send-keys` until `capture-pane` shows the
change, polled every 5 ms; each poll is a tmux client process, so the tmux-echo row is the floor
of this method. The machine may be shared: wall-clock figures are noisy, ratios less so.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
WRITER = HERE / "agent_lines.py"
HELP_HINT = "esc / q / ? close"
DETAILS_NAME = re.compile(r"│ name\s+(\S+)\s")
TAG = re.compile(r"s(\d\d)#(\d{8})")
READY = re.compile(r"s(\d\d) ready")
POLL = 0.005


def app_program() -> str:
    beside = Path(sys.executable).parent / "aisession-tui"
    found = str(beside) if beside.exists() else shutil.which("aisession-tui")
    if not found:
        raise SystemExit("aisession-tui is not installed (pip install -e .)")
    return found


def app_build(program: str) -> str:
    """Which aisession_tui `program` runs and whether its emulator has the C fast path: the
    benchmark measures the installed package, not this checkout, unless it was reinstalled."""
    first = Path(program).read_text(errors="replace").split("\n", 1)[0]
    interpreter = first[2:].strip() if first.startswith("#!") else sys.executable
    probe = (
        "import aisession_tui, aisession_tui.terminal.sequence_runs as runs;"
        "print(aisession_tui.__file__.rsplit('/', 1)[0], "
        "'(C fast path)' if runs.compiled else '(Python path)')"
    )
    result = subprocess.run(
        [*shlex.split(interpreter), "-c", probe], capture_output=True, text=True, cwd="/"
    )
    return result.stdout.strip() or f"unknown ({result.stderr.strip()[-200:]})"


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summary(values: Sequence[float]) -> str:
    if not values:
        return "no samples"
    return (
        f"p50 {percentile(values, 0.5):6.0f} ms  p99 {percentile(values, 0.99):6.0f} ms  "
        f"worst {max(values):6.0f} ms  (n={len(values)})"
    )


class Tmux:
    """A private tmux server (its own socket, no configuration), stopped by `close`."""

    def __init__(self, name: str) -> None:
        self.socket = f"{name}-{os.getpid()}"
        self.base = ["tmux", "-L", self.socket, "-f", "/dev/null"]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [*self.base, *args], capture_output=True, text=True, env=self.env, timeout=60
        )
        if result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)}: {result.stderr.strip()}")
        return result.stdout

    def capture(self, target: str) -> str:
        return self.run("capture-pane", "-p", "-t", target)

    def wait(
        self, target: str, condition: Callable[[str], object], what: str, within: float = 60
    ) -> float:
        """Poll `target`'s screen until `condition` holds; the moment it did."""
        deadline = time.perf_counter() + within
        while True:
            shown = self.capture(target)
            now = time.perf_counter()
            if condition(shown):
                return now
            if now > deadline:
                raise RuntimeError(f"not seen within {within:.0f} s: {what}\n{shown}")
            time.sleep(POLL)

    def server_pid(self) -> int:
        return int(self.run("display-message", "-p", "#{pid}").strip())

    def close(self) -> None:
        subprocess.run([*self.base, "kill-server"], capture_output=True, env=self.env)
        folder = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
        (folder / self.socket).unlink(missing_ok=True)  # the server may leave its socket behind


# -- processes ------------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pids: Sequence[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# -- the writers ----------------------------------------------------------------------------------


@dataclass
class Writers:
    """Twenty writers' command lines and the files they count into."""

    folder: Path
    count: int
    rate: float = 0.0
    tags: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.tags = [f"{n:02d}" for n in range(1, self.count + 1)]

    @property
    def go(self) -> Path:
        return self.folder / "go"

    def command(self, tag: str) -> str:
        return shlex.join(
            [
                sys.executable,
                str(WRITER),
                "--tag",
                tag,
                "--counts",
                str(self.folder / tag),
                "--go",
                str(self.go),
                "--rate",
                str(self.rate),
            ]
        )

    def counts(self) -> dict[str, tuple[int, int]]:
        """Bytes and lines each writer has written so far."""
        found = {}
        for tag in self.tags:
            try:
                written, lines = (self.folder / tag).read_text().split()
            except (OSError, ValueError):
                written, lines = "0", "0"
            found[tag] = (int(written), int(lines))
        return found


def shown_lines(screen: str) -> dict[str, int]:
    """The newest line number of each writer visible on a screen."""
    newest: dict[str, int] = {}
    for tag, number in TAG.findall(screen):
        newest[tag] = max(newest.get(tag, -1), int(number))
    return newest


@dataclass
class Flow:
    seconds: float
    per_pane: dict[str, float]  # bytes per second

    @property
    def total_mb(self) -> float:
        return sum(self.per_pane.values()) / 1e6

    def fairness(self) -> str:
        rates = list(self.per_pane.values())
        if not rates or max(rates) == 0:
            return "nothing flowed"
        jain = sum(rates) ** 2 / (len(rates) * sum(r * r for r in rates))
        return (
            f"slowest {min(rates) / 1e3:.1f} KB/s, median {statistics.median(rates) / 1e3:.1f}, "
            f"fastest {max(rates) / 1e3:.1f} (slowest/fastest {min(rates) / max(rates):.2f}, "
            f"Jain {jain:.2f})"
        )


def flow(writers: Writers, start: dict[str, tuple[int, int]], seconds: float) -> Flow:
    end = writers.counts()
    return Flow(seconds, {tag: (end[tag][0] - start[tag][0]) / seconds for tag in writers.tags})


# -- measurements -------------------------------------------------------------------------------


def help_latency(tmux: Tmux, target: str, samples: int) -> list[float]:
    """Prefix `?` until the help screen is drawn (then Escape until it is gone)."""
    found = []
    for _ in range(samples):
        start = time.perf_counter()
        tmux.run("send-keys", "-t", target, "C-b", "?")
        found.append((tmux.wait(target, lambda s: HELP_HINT in s, "help") - start) * 1000)
        tmux.run("send-keys", "-t", target, "Escape")
        tmux.wait(target, lambda s: HELP_HINT not in s, "help closed")
        time.sleep(0.2)
    return found


def focused(screen: str) -> str | None:
    match = DETAILS_NAME.search(screen)
    return match.group(1) if match else None


def alt_latency(tmux: Tmux, target: str, names: Sequence[str], samples: int) -> list[float]:
    """Alt+N (N = 2..9, then back to 1) until the Details panel names that session."""
    found = []
    for index in range(samples):
        number = 2 + index % min(8, len(names) - 1)
        for key, name in ((number, names[number - 1]), (1, names[0])):
            start = time.perf_counter()
            tmux.run("send-keys", "-t", target, f"M-{key}")
            seen = tmux.wait(target, lambda s, name=name: focused(s) == name, f"{name} focused")
            found.append((seen - start) * 1000)
            time.sleep(0.1)
    return found


def echo_latency(tmux: Tmux, target: str, keys: int) -> list[float]:
    """One character at a time into the focused `cat`, until its echo is on screen."""
    found: list[float] = []
    line = 0
    while len(found) < keys:
        line += 1
        typed = f"E{line:03d}:"
        tmux.run("send-keys", "-t", target, "-l", typed)
        tmux.wait(target, lambda s, typed=typed: typed in s, "the typist's line")
        for char in "abcdefghijklmnop":
            typed += char
            start = time.perf_counter()
            tmux.run("send-keys", "-t", target, "-l", char)
            seen = tmux.wait(target, lambda s, typed=typed: typed in s, "an echoed key")
            found.append((seen - start) * 1000)
            time.sleep(0.02)
        tmux.run("send-keys", "-t", target, "Enter")
        # `cat` prints the line back: wait for that copy, so it cannot land inside the next line.
        tmux.wait(target, lambda s, typed=typed: s.count(typed) >= 2, "cat's copy of the line")
    return found[:keys]


class RssSampler(threading.Thread):
    """The app's RSS every `every` seconds, with the writers' line counts at that moment."""

    def __init__(self, pid: int, writers: Writers, every: float = 2.0) -> None:
        super().__init__(daemon=True)
        self.pid, self.writers, self.every = pid, writers, every
        self.samples: list[tuple[float, float, int]] = []  # (seconds, MB, fewest lines written)
        self.stopped = threading.Event()
        self.started_at = time.perf_counter()

    def run(self) -> None:
        while not self.stopped.is_set():
            fewest = min(lines for _, lines in self.writers.counts().values())
            try:
                mb = rss_mb(self.pid)
            except OSError:
                return
            self.samples.append((time.perf_counter() - self.started_at, mb, fewest))
            self.stopped.wait(self.every)


def growth_per_minute(samples: Sequence[tuple[float, float, int]]) -> float | None:
    """Least-squares slope of RSS (MB/min) over the samples given."""
    if len(samples) < 3:
        return None
    xs = [s[0] / 60 for s in samples]
    ys = [s[1] for s in samples]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    denominator = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / denominator


# -- the app run ---------------------------------------------------------------------------------


def start_app(
    tmux: Tmux, folder: Path, sessions: Sequence[tuple[str, str]], args: argparse.Namespace
) -> float:
    """Start the app with these sessions in a detached window; the moment it was started."""
    for sub in ("data", "run", "config"):
        (folder / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
    argv = [
        "env",
        f"AISESSION_DATA_DIR={folder / 'data'}",
        f"XDG_RUNTIME_DIR={folder / 'run'}",
        f"XDG_CONFIG_HOME={folder / 'config'}",
        app_program(),
        "--scrollback",
        str(args.scrollback),
    ]
    for name, command in sessions:
        argv += ["-s", f"{name}={command}"]
    script = folder / "run-app.sh"
    script.write_text("exec " + shlex.join(argv) + "\n")
    start = time.perf_counter()
    tmux.run(
        "new-session", "-d", "-s", "app", "-x", str(args.width), "-y", str(args.height),
        f"/bin/sh {shlex.quote(str(script))}",
    )  # fmt: skip
    return start


def app_pid(tmux: Tmux) -> int:
    return int(tmux.run("display-message", "-p", "-t", "app", "#{pane_pid}").strip())


def run_app(args: argparse.Namespace, folder: Path) -> dict[str, object]:
    results: dict[str, object] = {}
    writers = Writers(folder / "writers", args.writers)
    sessions = [("typist", "cat")] + [(f"w{tag}", writers.command(tag)) for tag in writers.tags]
    names = [name for name, _ in sessions]
    tmux = Tmux("bench-many-app")
    try:
        start = start_app(tmux, folder / "app", sessions, args)
        pid = app_pid(tmux)
        ready_at = tmux.wait(
            "app",
            lambda s: len(set(READY.findall(s))) == len(writers.tags) and focused(s) == "typist",
            "every writer's ready line",
            within=180,
        )
        results["startup"] = ready_at - start
        print(f"start-up: {len(sessions)} sessions shown after {results['startup']:.2f} s")
        time.sleep(3)  # let start-up work (token vocabulary, store) settle
        idle_rss = rss_mb(pid)
        tree = descendants(pid)
        cpu0 = cpu_seconds(tree)
        time.sleep(args.cpu_seconds)
        idle_cpu = (cpu_seconds(tree) - cpu0) / args.cpu_seconds * 100
        print(f"idle: RSS {idle_rss:.0f} MB, CPU of the app's tree {idle_cpu:.1f}% of a core")
        results["idle"] = {
            "help": help_latency(tmux, "app", args.samples),
            "alt": alt_latency(tmux, "app", names, args.samples),
            "echo": echo_latency(tmux, "app", args.keys),
            "rss": idle_rss,
            "cpu": idle_cpu,
        }
        for label in ("help", "alt", "echo"):
            print(f"  idle {label:5} {summary(results['idle'][label])}")  # type: ignore[index]

        writers.go.touch()
        sampler = RssSampler(pid, writers)
        sampler.start()
        time.sleep(5)
        begin, begin_at = writers.counts(), time.perf_counter()
        busy = {
            "help": help_latency(tmux, "app", args.samples),
            "alt": alt_latency(tmux, "app", names, args.samples),
            "echo": echo_latency(tmux, "app", args.keys),
        }
        for label in ("help", "alt", "echo"):
            print(f"  busy {label:5} {summary(busy[label])}")
        remaining = args.busy_seconds - (time.perf_counter() - sampler.started_at)
        if remaining > 0:
            time.sleep(remaining)
        screen = tmux.capture("app")
        end_counts = writers.counts()
        busy["flow"] = flow(writers, begin, time.perf_counter() - begin_at)
        busy["lag"] = {
            tag: end_counts[tag][1] - shown for tag, shown in shown_lines(screen).items()
        }
        busy["unseen"] = sorted(set(writers.tags) - set(shown_lines(screen)))
        sampler.stopped.set()
        sampler.join()
        busy["rss"] = sampler.samples
        results["busy"] = busy
    finally:
        writers.go.touch()
        tmux.close()
    return results


def run_idle_cpu(args: argparse.Namespace, folder: Path, count: int) -> tuple[float, float]:
    """(app tree CPU %, tmux server CPU %) with `count` idle `cat` sessions / windows."""
    tmux = Tmux("bench-many-idle")
    try:
        start_app(tmux, folder, [(f"c{n}", "cat") for n in range(count)], args)
        pid = app_pid(tmux)
        time.sleep(15)  # start-up, then quiet
        tree = descendants(pid)
        cpu0 = cpu_seconds(tree)
        time.sleep(args.cpu_seconds)
        app_cpu = (cpu_seconds(tree) - cpu0) / args.cpu_seconds * 100
    finally:
        tmux.close()
    base = Tmux("bench-many-idle-tmux")
    try:
        base.run("new-session", "-d", "-s", "w0", "-x", str(args.width), "-y", str(args.height))
        for _ in range(1, count):
            base.run("new-window", "-t", "w0", "cat")
        time.sleep(3)
        server = [base.server_pid()]
        cpu0 = cpu_seconds(server)
        time.sleep(args.cpu_seconds)
        tmux_cpu = (cpu_seconds(server) - cpu0) / args.cpu_seconds * 100
    finally:
        base.close()
    return app_cpu, tmux_cpu


def run_tmux_baseline(args: argparse.Namespace, folder: Path) -> dict[str, object]:
    """The same writers in tiled tmux panes, and a `cat` pane to type into."""
    writers = Writers(folder / "writers", args.writers)
    tmux = Tmux("bench-many-tmux")
    try:
        tmux.run(
            "new-session", "-d", "-s", "base", "-x", str(args.width), "-y", str(args.height), "cat"
        )
        for tag in writers.tags:
            tmux.run("split-window", "-t", "base", writers.command(tag))
            tmux.run("select-layout", "-t", "base", "tiled")
        typist = "base.0"
        idle_echo = echo_latency(tmux, typist, args.keys)
        writers.go.touch()
        time.sleep(5)
        begin, begin_at = writers.counts(), time.perf_counter()
        busy_echo = echo_latency(tmux, typist, args.keys)
        remaining = args.baseline_seconds - (time.perf_counter() - begin_at)
        if remaining > 0:
            time.sleep(remaining)
        result = {
            "idle_echo": idle_echo,
            "echo": busy_echo,
            "flow": flow(writers, begin, time.perf_counter() - begin_at),
        }
    finally:
        writers.go.touch()
        tmux.close()
    return result


def report(
    app: dict, base: dict, idle50: tuple[float, float] | None, args: argparse.Namespace
) -> None:
    busy, idle = app["busy"], app["idle"]
    print(f"\n== {args.writers} writers + typist, {args.width}x{args.height}, noisy machine ==")
    print(f"app: {app_build(app_program())}")
    count = args.writers + 1
    print(f"start-up of {count} sessions at once: {app['startup']:.2f} s until all shown")
    for phase, data in (("idle", idle), ("busy", busy)):
        print(f"{phase}:")
        print(f"  help (prefix ?)   {summary(data['help'])}")
        print(f"  Alt+N             {summary(data['alt'])}")
        print(f"  key echo          {summary(data['echo'])}")
    print(f"tmux baseline key echo, idle   {summary(base['idle_echo'])}")
    print(f"tmux baseline key echo, busy   {summary(base['echo'])}")
    app_p99, tmux_p99 = percentile(busy["echo"], 0.99), percentile(base["echo"], 0.99)
    print(f"  busy echo p99 app/tmux {app_p99 / max(tmux_p99, 1e-9):.2f}x")
    app_flow, tmux_flow = busy["flow"], base["flow"]
    print(f"throughput: app {app_flow.total_mb:.2f} MB/s over {app_flow.seconds:.0f} s; ", end="")
    ratio = app_flow.total_mb / max(tmux_flow.total_mb, 1e-9)
    print(f"tmux {tmux_flow.total_mb:.2f} MB/s; app/tmux {ratio:.2f}x")
    print(f"  fairness app:  {app_flow.fairness()}")
    print(f"  fairness tmux: {tmux_flow.fairness()}")
    lag = busy["lag"]
    if lag:
        print(
            f"  screen behind its writer at the end (lines): median "
            f"{statistics.median(lag.values()):.0f}, worst {max(lag.values())}"
            + (f"; not on screen: {', '.join(busy['unseen'])}" if busy["unseen"] else "")
        )
    samples = busy["rss"]
    print("RSS (MB) over the busy phase: " + ", ".join(
        f"{t:.0f}s {mb:.0f}" for t, mb, _ in samples[:: max(1, len(samples) // 12)]
    ))  # fmt: skip
    full = [s for s in samples if s[2] >= args.scrollback + args.height]
    slope = growth_per_minute(full)
    if slope is None:
        print(f"  scrollbacks not all full in {args.busy_seconds:.0f} s: growth after fill unknown")
    else:
        first = full[0]
        per_session = (first[1] - idle["rss"]) / (args.writers + 1)
        print(
            f"  all scrollbacks full from {first[0]:.0f} s: growth {slope:+.1f} MB/min after that; "
            f"(RSS at fill - idle RSS) / sessions = {per_session:.1f} MB per full scrollback"
        )
    print(f"idle CPU, app tree: {idle['cpu']:.1f}% of a core with {args.writers + 1} sessions")
    if idle50:
        print(f"idle CPU, 50 sessions: app tree {idle50[0]:.2f}%, tmux server {idle50[1]:.2f}%")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases, few samples")
    parser.add_argument("--writers", type=int, default=20)
    parser.add_argument("--width", type=int, default=240)
    parser.add_argument("--height", type=int, default=60)
    parser.add_argument("--scrollback", type=int, default=10_000)
    parser.add_argument("--busy-seconds", type=float, default=150.0)
    parser.add_argument("--baseline-seconds", type=float, default=30.0)
    parser.add_argument("--cpu-seconds", type=float, default=10.0)
    parser.add_argument("--samples", type=int, default=10, help="help and Alt+N samples")
    parser.add_argument("--keys", type=int, default=100, help="key echo samples")
    parser.add_argument("--no-idle-50", action="store_true", help="skip the 50-idle CPU run")
    args = parser.parse_args(argv)
    if args.quick:
        args.busy_seconds, args.baseline_seconds, args.cpu_seconds = 40.0, 15.0, 5.0
        args.samples, args.keys = 4, 32
    if not shutil.which("tmux"):
        raise SystemExit("tmux is not installed")
    with tempfile.TemporaryDirectory(prefix="bench-many-", ignore_cleanup_errors=True) as name:
        folder = Path(name)
        app = run_app(args, folder / "app")
        base = run_tmux_baseline(args, folder / "tmux")
        idle50 = None if args.no_idle_50 else run_idle_cpu(args, folder / "idle50", 50)
    report(app, base, idle50, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
