# SPDX-License-Identifier: MIT
"""Reading the machine's serial console (and Bochs' log): who may say what.

The hypervisor starts every line it prints with "[cpuN] ", and every line a
guest prints with "[cpuN] pP.V| " (hv/console.c).  The first such prefix on
a line is the real one: guest text cannot contain a newline without getting
a prefix of its own.  So RESULT lines are believed only from the management
partition (p0), and SHUTDOWN, PANIC and LOADER-ERROR only from the
hypervisor or the loader (no pP.V| prefix): a workload printing them cannot
pass, end or fail a run it is part of.
"""

import re
import sys
import time

RE_RESULT = re.compile(r"RESULT\s+(\S+)\s+(PASS|FAIL|SKIP)\b(.*)")
RE_SHUTDOWN = re.compile(r"RINGVISOR SHUTDOWN status=(-?(?:0x[0-9a-fA-F]+|\d+))")
RE_PANIC = re.compile(r"RINGVISOR PANIC")
RE_LOADER_ERROR = re.compile(r"RINGVISOR LOADER-ERROR:?\s*(.*)")
RE_PREFIX = re.compile(r"\[cpu\d+\] (?:p(\d+)\.(\d+)\| )?")

# A Bochs log line: 11+ digit tick count, level letter (i=info, d=debug,
# e=error, p=panic), module tag in brackets, message.
RE_BOCHS_LOG = re.compile(r"^(\d+)([idep])\[([^\]]*)\]\s?(.*)$")
RE_TRIPLE_FAULT = re.compile(r"3rd \(\d+\) exception with no resolution")

# Terminal control sequences OVMF's serial console sends (colours, cursor
# moves, clear screen): stripped from what we show, kept in serial.txt.
RE_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[()][0-9A-Za-z]|[@-Z\\-_])")
RE_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(line):
    """Console line without terminal escape sequences and control characters."""
    return RE_CONTROL.sub("", RE_ANSI.sub("", line))


def parse_kv(rest):
    """'key=value ...' of a RESULT line -> {key: value} (in order)."""
    return dict(re.findall(r"(\w+)=(\S+)", rest))


class Machine:
    """What we learnt from the machine's console and Bochs' log so far."""

    def __init__(self):
        self.results = []  # (scenario, "PASS"/"FAIL"/"SKIP", rest of line)
        self.shutdown_status = None
        self.panic = None  # the line
        self.loader_error = None  # the text after LOADER-ERROR
        self.triple_fault = None  # the Bochs log line
        self.bochs_errors = []  # Bochs log lines of level e or p
        self.shutdown_tick = None  # Bochs tick of the shutdown-port exit
        self.end_seen_at = None  # monotonic time of the first end marker

    def console_line(self, line):
        prefix = RE_PREFIX.search(line)
        partition = prefix.group(1) if prefix else None
        if partition is not None:
            if partition == "0":
                result = RE_RESULT.search(line, prefix.end())
                if result:
                    self.results.append((result.group(1), result.group(2),
                                         result.group(3).strip()))
            return
        shutdown = RE_SHUTDOWN.search(line)
        if shutdown and self.shutdown_status is None:
            text = shutdown.group(1)
            self.shutdown_status = int(text, 16 if "0x" in text else 10)
            self.mark_end()
        if RE_PANIC.search(line) and self.panic is None:
            self.panic = line.strip()
            self.mark_end()
        loader = RE_LOADER_ERROR.search(line)
        if loader and self.loader_error is None:
            self.loader_error = loader.group(1).strip() or "(no reason given)"
            self.mark_end()

    def bochs_line(self, line):
        m = RE_BOCHS_LOG.match(line)
        if not m:
            return
        if "Shutdown port: shutdown requested" in line:
            self.shutdown_tick = int(m.group(1))
        if m.group(2) in "ep":
            self.bochs_errors.append(line)
        if RE_TRIPLE_FAULT.search(line) and self.triple_fault is None:
            self.triple_fault = line
            self.mark_end()

    def mark_end(self):
        if self.end_seen_at is None:
            self.end_seen_at = time.monotonic()


def results_in(text):
    """The believed RESULT lines in hvrun's output (or a console log), as
    (scenario, verdict, {key: value}) -- for tools that run hvrun."""
    m = Machine()
    for line in text.splitlines():
        m.console_line(clean(line))
    return [(name, verdict, parse_kv(rest)) for name, verdict, rest in m.results]


class FileTail:
    """Reads what was appended to a growing file since the last call, as lines."""

    def __init__(self, path):
        self.path = path
        self.pos = 0
        self.partial = b""

    def lines(self, final=False):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
                self.pos = f.tell()
        except OSError:
            data = b""
        data = self.partial + data
        *complete, self.partial = data.split(b"\n")
        if final and self.partial:
            complete.append(self.partial)
            self.partial = b""
        return [c.decode("utf-8", errors="replace") for c in complete]


class Output:
    """hvrun's messages and the console stream, to stdout and --log."""

    def __init__(self, log_path):
        self.log = open(log_path, "w", encoding="utf-8") if log_path else None
        self.echo_console = True

    def _log(self, text):
        if self.log:
            self.log.write(text + "\n")
            self.log.flush()

    def say(self, text, err=False):
        """A message from hvrun itself."""
        stream = sys.stderr if err else sys.stdout
        stream.write(text + "\n")
        stream.flush()
        self._log(text)

    def console(self, line):
        """One line the machine printed on its serial port."""
        if self.echo_console:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
        self._log(line)

    def close(self):
        if self.log:
            self.log.close()
