#!/usr/bin/env python3
"""The README's examples are the tools' real output.

Every fenced block of README.md that starts a line with "$ " is a command
and what it printed.  This runs each command from the build directory and
checks its output against the block:

- a line that is only "..." or "\u2026" stands for any number of lines;
- "\u2026" inside a line stands for any text (a line cut for the README);
- times in milliseconds and seconds, and the CMID derived from this
  machine's /etc/machine-id, may differ;
- the commands that talk to a KMS host (the probe on port 21688, doctor on
  the zone corp.test.zone) run against the test responder, started here on
  a free loopback port that stands in for the README's.

The dashboard's screen (the block after "At 80x24:") is compared line for
line with the screen tmux shows at 80x24 for the command above it.

usage: check.py BUILD_DIR
Prints PASS/FAIL/SKIP per example, then "readme: N passed, N failed, N skipped".
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ELLIPSIS = "\u2026"
TOOLS = ("kmsdiag", "kmsdiag-capture", "kmsdiag-probe", "kmsdiag-dnscheck",
         "kmsdiag-evidence", "kmsdiag-tui")

counts = {"passed": 0, "failed": 0, "skipped": 0}


def report(status, name, why=""):
    key = {"PASS": "passed", "FAIL": "failed", "SKIP": "skipped"}[status]
    counts[key] += 1
    print(f"{status} {name}" + (f" ({why})" if why else ""))


def blocks(text):
    """(first line number, [lines]) of every fenced block."""
    out, cur, start = [], None, 0
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            if cur is None:
                cur, start = [], n + 1
            else:
                out.append((start, cur))
                cur = None
        elif cur is not None:
            cur.append(line)
    return out


def examples(text):
    """(line number, command, expected lines) for every "$ " line."""
    for start, lines in blocks(text):
        cmd = None
        for i, line in enumerate(lines):
            if line.startswith("$ "):
                if cmd is not None:
                    yield cmd
                cmd = (start + i, line[2:], [])
            elif cmd is not None:
                cmd[2].append(line)
        if cmd is not None:
            yield cmd


def line_pattern(line, subst):
    """The expected line as a regular expression."""
    for old, new in subst:
        line = line.replace(old, new)
    parts = re.split(r"(\u2026|\d+\.\d+(?= ?m?s\b)|(?<=CMID )[0-9a-f-]{36})", line)
    rx = ""
    for p in parts:
        if p == ELLIPSIS:
            rx += ".*"
        elif re.fullmatch(r"\d+\.\d+", p):
            rx += r"\d+\.\d+"
        elif re.fullmatch(r"[0-9a-f-]{36}", p):
            rx += r"[0-9a-f-]{36}"
        else:
            rx += re.escape(p)
    return re.compile(rx + r"\Z")


def matches(expected, actual, subst):
    """None if actual fits expected, else what did not fit."""
    segs, cur = [], []
    for line in expected:
        if line.strip() in ("...", ELLIPSIS):
            segs += [cur, None]
            cur = []
        else:
            cur.append(line_pattern(line, subst))
    segs.append(cur)
    pos = 0
    for k, seg in enumerate(segs):
        if seg is None:
            continue
        free = k > 0 and segs[k - 1] is None
        last = k == len(segs) - 1
        found = None
        for at in range(pos, len(actual) - len(seg) + 1):
            if all(p.match(actual[at + j]) for j, p in enumerate(seg)):
                if last and at + len(seg) != len(actual):
                    if not free:
                        break
                    continue
                found = at
                break
            if not free:
                break
        if found is None:
            # where an anchored segment stops fitting
            j = 0
            if not free:
                while (j < len(seg) and pos + j < len(actual)
                       and seg[j].match(actual[pos + j])):
                    j += 1
            want = seg[j].pattern if j < len(seg) else "(end of output)"
            got = actual[pos + j] if pos + j < len(actual) else "(end of output)"
            return (f"README line {j + 1} of this part, /{want}/, "
                    f"output line {pos + j + 1}: {got}")
        pos = found + len(seg)
    return None


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Responder:
    """The test KMS host on loopback (tests/tools/kms-responder)."""

    def __init__(self, build, *args):
        self.proc = subprocess.Popen(
            [os.path.join(build, "tests", "kms-responder"), "--lifetime", "60",
             *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.port = None
        line = self.proc.stdout.readline()
        if line.startswith("PORT "):
            self.port = int(line.split()[1])

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def run(build, cmd, cwd, env):
    argv0, _, rest = cmd.partition(" ")
    if argv0 not in TOOLS:
        return None
    full = os.path.join(os.path.abspath(build), argv0) + " " + rest
    p = subprocess.run(full, shell=True, cwd=cwd, env=env, capture_output=True,
                       text=True, timeout=60)
    return (p.stdout + p.stderr).splitlines()


def check_example(build, root, lineno, cmd, expected, env):
    name = f"README.md:{lineno}"
    subst, cwd, resp, tmp = [], root, None, None
    try:
        m = re.search(r"-p (\d+)", cmd)
        if cmd.startswith("kmsdiag-probe") and m:
            # the README's host: a count of 18 for the activation
            resp = Responder(build, "--count", "18")
            subst = [(m.group(1), str(resp.port))]
            cmd = cmd.replace(m.group(0), f"-p {resp.port}")
        elif "corp.test.zone" in cmd:
            # the README's zone: TTL 600, the host's own port, a count of 3
            resp = Responder(build, "--count", "3")
            m = re.search(r"kms1\.corp\.test 127\.0\.0\.1:(\d+)", "\n".join(expected))
            if m is None:
                report("FAIL", name, "the example names no kms1.corp.test port")
                return
            subst = [(m.group(1), str(resp.port))]
            tmp = tempfile.mkdtemp(prefix="kd-readme.")
            with open(os.path.join(tmp, "corp.test.zone"), "w") as f:
                f.write("$ORIGIN corp.test.\n$TTL 3600\n"
                        "@ IN SOA ns hostmaster 1 3600 600 86400 300\n"
                        "@ IN NS ns\nns IN A 127.0.0.1\n"
                        f"_vlmcs._tcp 600 IN SRV 0 100 {resp.port} kms1\n"
                        "kms1 IN A 127.0.0.1\n")
            cwd = tmp
        if resp is not None and resp.port is None:
            report("FAIL", name, "the test responder did not start")
            return
        actual = run(build, cmd, cwd, env)
        if actual is None:
            report("SKIP", name, f"not a kmsdiag command: {cmd}")
            return
        why = matches(expected, actual, subst)
        if why is None:
            report("PASS", name)
        else:
            report("FAIL", name, f"{cmd}: {why}")
    finally:
        if resp is not None:
            resp.stop()
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def check_screen(build, root, text, env):
    """The 80x24 screen after "At 80x24:" against tmux."""
    bl = blocks(text)
    for k, (lineno, lines) in enumerate(bl):
        if lines and lines[0].startswith(" kmsdiag-tui ") and k > 0:
            cmds = [l for l in bl[k - 1][1] if l.startswith("kmsdiag-tui ")]
            break
    else:
        report("FAIL", "README.md screen", "no dashboard screen block")
        return
    name = f"README.md:{lineno} (80x24 screen)"
    if not cmds:
        report("FAIL", name, "no kmsdiag-tui command above the screen")
        return
    if shutil.which("tmux") is None:
        report("SKIP", name, "tmux not installed")
        return
    import socket
    with socket.socket() as s:
        s.settimeout(1)
        if s.connect_ex(("127.0.0.1", 1689)) == 0:
            # the screen shows nothing listening there
            report("SKIP", name, "something listens on 127.0.0.1:1689")
            return
    argv0, _, rest = cmds[0].partition(" ")
    sock = f"kd-readme-{os.getpid()}"
    tm = ["tmux", "-L", sock, "-f", "/dev/null"]
    envs = " ".join(f"{k}={v}" for k, v in
                    (("NO_COLOR", "1"), ("LC_ALL", "C.UTF-8"), ("TZ", "UTC")))
    full = f"cd {root} && env {envs} {os.path.join(os.path.abspath(build), argv0)} {rest}"
    subprocess.run(tm + ["new-session", "-d", "-x", "80", "-y", "24", full],
                   env=env, check=False)
    try:
        screen, last, deadline = [], None, time.time() + 15
        while time.time() < deadline:
            p = subprocess.run(tm + ["capture-pane", "-p"], env=env,
                               capture_output=True, text=True)
            screen = p.stdout.rstrip("\n").split("\n")
            # settled: the probes and the DNS check are done
            if screen == last and "cycle 1" in screen[0]:
                break
            last = screen
            time.sleep(0.5)
    finally:
        subprocess.run(tm + ["kill-server"], env=env, capture_output=True)
    want = [l.rstrip() for l in lines]
    got = [l.rstrip() for l in screen]
    if want == got:
        report("PASS", name)
        return
    for i in range(max(len(want), len(got))):
        w = want[i] if i < len(want) else "(none)"
        g = got[i] if i < len(got) else "(none)"
        if w != g:
            report("FAIL", name, f"screen line {i + 1}: README {w!r}, tmux {g!r}")
            return


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        sys.exit(64)
    build = sys.argv[1]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
        text = f.read()
    env = dict(os.environ, NO_COLOR="1", TZ="UTC", LC_ALL="C.UTF-8")
    if not os.path.isabs(build):
        build = os.path.join(os.getcwd(), build)
    for lineno, cmd, expected in examples(text):
        check_example(build, root, lineno, cmd, expected, env)
    check_screen(build, root, text, env)
    print(f"readme: {counts['passed']} passed, {counts['failed']} failed, "
          f"{counts['skipped']} skipped")
    sys.exit(1 if counts["failed"] else 0)


if __name__ == "__main__":
    main()
