# SPDX-License-Identifier: MIT
"""Turning what the machine printed into hvrun's verdict and exit status.

PASS needs all of: one believed RESULT line per scenario asked for, each
PASS (or SKIP) and carrying every key scenarios.txt says its PASS line
prints (a SKIP line: reason=);
`RINGVISOR SHUTDOWN status=0` from the hypervisor; no panic, loader
refusal or triple fault; and no Bochs error line that
tests/bochs-known-errors.txt does not forgive.

A scenario the machine cannot run (it lacks a processor feature the mode
needs, e.g. PML) prints `RESULT NAME SKIP reason=...`: that is not a
failure.  A boot whose scenarios all passed or skipped ends PASS (exit 0)
and says "N passed, K skipped"; each skip is named on a line
`hvrun: skipped NAME [key=value ...]: reason=...` (skip_lines()), which
tests/run-tests counts.
"""

import re

from .errors import EXIT_FAIL, EXIT_PASS, EXIT_TIMEOUT, SetupError
from .scenarios import missing_result_keys


def load_known_errors(path):
    """tests/bochs-known-errors.txt: `regex<TAB># reason` lines, # comments."""
    known = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            pattern, tab, reason = line.partition("\t")
            if not tab or not reason.strip().startswith("#"):
                raise SetupError(f"{path}:{lineno}: expected `regex<TAB># reason`")
            try:
                known.append((re.compile(pattern), reason.strip()))
            except re.error as e:
                raise SetupError(f"{path}:{lineno}: bad regex: {e}")
    return known


def unforgiven(error_lines, known):
    """Bochs error/panic lines no entry of `known` matches (re.search)."""
    return [line for line in error_lines if not any(regex.search(line) for regex, _ in known)]


def judge(m, runs, forbidden, timed_out, timeout, emu_status, table=None):
    """Turn what the machine printed into (exit status, verdict, reason).

    m: a console.Machine; runs: the (scenario, params) asked for;
    forbidden: unforgiven Bochs lines; table: scenarios.load()'s result, for
    the keys each RESULT line must carry (None: not checked)."""
    failures = []  # reasons for exit status 1, most telling first
    if m.panic:
        failures.append(f"hypervisor panic: {m.panic}")
    if m.loader_error:
        failures.append(f"loader refused: {m.loader_error}")
    if m.triple_fault:
        failures.append("triple fault (Bochs reset the machine)")
    for name, verdict, rest in m.results:
        if verdict == "FAIL":
            failures.append(f"{name} failed")
        missing = missing_result_keys(table[name], verdict, rest) if table and name in table else []
        if missing:
            failures.append(f"{name}: RESULT {verdict} line lacks {' '.join(missing)} "
                            "(scenarios.txt says it always prints them)")
    if forbidden:
        failures.append(f"{len(forbidden)} Bochs error line(s) not forgiven")
    if m.shutdown_status not in (None, 0):
        failures.append(f"shutdown status={m.shutdown_status}")

    if not m.results and not m.panic and not m.loader_error and m.shutdown_status is None:
        # Nothing at all came back from the machine.
        if timed_out:
            return EXIT_TIMEOUT, "TIMEOUT", f"no RESULT line within {timeout:g}s"
        what = "triple fault" if m.triple_fault else f"emulator exited with status {emu_status}"
        return EXIT_TIMEOUT, "CRASH", f"{what} before any RESULT line"

    if not failures:
        if not m.results:
            failures.append("the machine printed no RESULT line")
        elif len(m.results) != len(runs):
            failures.append(f"{len(m.results)} RESULT line(s) for {len(runs)} scenario(s)")
        if m.shutdown_status is None:
            if timed_out:
                failures.append(f"no RINGVISOR SHUTDOWN within {timeout:g}s")
            else:
                failures.append(f"emulator exited (status {emu_status}) without RINGVISOR SHUTDOWN")
    if failures:
        return EXIT_FAIL, "FAIL", "; ".join(failures)
    skipped = sum(1 for _name, verdict, _rest in m.results if verdict == "SKIP")
    n = len(m.results) - skipped
    summary = f"{n} scenario{'s' if n != 1 else ''} passed"
    if skipped:
        summary += f", {skipped} skipped"
    return EXIT_PASS, "PASS", summary + ", shutdown status=0"


def skip_lines(m, runs):
    """One `hvrun: skipped ...` line per SKIP result, naming the run as
    asked for (the i-th RESULT line answers the i-th run) and why."""
    lines = []
    for i, (name, verdict, rest) in enumerate(m.results):
        if verdict != "SKIP":
            continue
        params = runs[i][1] if i < len(runs) and runs[i][0] == name else []
        asked = " ".join([name] + [f"{k}={v}" for k, v in params])
        lines.append(f"hvrun: skipped {asked}: {rest}")
    return lines
