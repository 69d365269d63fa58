# SPDX-License-Identifier: MIT
"""Tests of tools/hvrun's judging and reading of the console (the package
tools/ringvisor/): who may say what, and what counts as PASS, FAIL, SKIP.

Run from the repository root:  python3 -m unittest discover -s tests/tools

A workload can print any text through RV_HC_CONSOLE_WRITE.  The hypervisor
puts "[cpuN] pP.V| " before every line of it (hv/console.c), and hvrun
must take RESULT lines only from the management partition (p0) and the
end markers (SHUTDOWN, PANIC, LOADER-ERROR) only from the hypervisor or
the loader, or a workload could pass, end or fail a run it is part of.
"""

import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools"))

from ringvisor import console, errors, judge, scenarios  # noqa: E402

PASS_LINES = ("[cpu0] p0.0| RESULT hello PASS cpus=2", "[cpu0] RINGVISOR SHUTDOWN status=0")


def feed(*lines):
    m = console.Machine()
    for line in lines:
        m.console_line(console.clean(line))
    return m


class ConsoleLines(unittest.TestCase):
    def test_result_from_management_partition_counts(self):
        m = feed("[cpu0] p0.0| RESULT hello PASS cpus=2")
        self.assertEqual(m.results, [("hello", "PASS", "cpus=2")])

    def test_result_from_workload_is_ignored(self):
        m = feed("[cpu1] p1.0| RESULT hello PASS forged=1",
                 "[cpu1] p1.0| [cpu0] p0.0| RESULT hello FAIL forged=1")
        self.assertEqual(m.results, [])

    def test_end_markers_from_workload_are_ignored(self):
        m = feed("[cpu1] p1.0| RINGVISOR SHUTDOWN status=0",
                 "[cpu1] p1.0| RINGVISOR PANIC: forged",
                 "[cpu2] p3.1| RINGVISOR LOADER-ERROR: forged")
        self.assertIsNone(m.shutdown_status)
        self.assertIsNone(m.panic)
        self.assertIsNone(m.loader_error)
        self.assertIsNone(m.end_seen_at)

    def test_end_markers_from_management_partition_are_ignored(self):
        m = feed("[cpu0] p0.0| RINGVISOR SHUTDOWN status=0")
        self.assertIsNone(m.shutdown_status)

    def test_end_markers_from_hypervisor_and_loader_count(self):
        m = feed("[cpu0] RINGVISOR SHUTDOWN status=1")
        self.assertEqual(m.shutdown_status, 1)
        m = feed("[cpu2] RINGVISOR PANIC: CPU 2 did not answer")
        self.assertIsNotNone(m.panic)
        m = feed("RINGVISOR LOADER-ERROR: VMX is not available")
        self.assertEqual(m.loader_error, "VMX is not available")

    def test_result_line_printed_by_hypervisor_is_not_a_result(self):
        m = feed("[cpu0] RESULT hello PASS")
        self.assertEqual(m.results, [])

    def test_escape_sequences_are_stripped(self):
        m = feed("\x1b[0m\x1b[2J[cpu0] p0.0| RESULT hello PASS cpus=2\r")
        self.assertEqual(m.results, [("hello", "PASS", "cpus=2")])

    def test_results_in_applies_the_same_rule(self):
        out = "[cpu1] p1.0| RESULT perf PASS mode=x\n[cpu0] p0.0| RESULT perf FAIL reason=y a=1\n"
        self.assertEqual(console.results_in(out), [("perf", "FAIL", {"reason": "y", "a": "1"})])


def verdict(m, runs=(("hello", []),), forbidden=(), timed_out=False, table=None, status=0):
    return judge.judge(m, list(runs), list(forbidden), timed_out, 900.0, status, table)


class Judging(unittest.TestCase):
    def test_pass_needs_results_and_clean_shutdown(self):
        self.assertEqual(verdict(feed(*PASS_LINES))[:2], (errors.EXIT_PASS, "PASS"))

    def test_result_fail_fails(self):
        st, v, why = verdict(feed("[cpu0] p0.0| RESULT hello FAIL reason=x",
                                  "[cpu0] RINGVISOR SHUTDOWN status=0"))
        self.assertEqual((st, v), (errors.EXIT_FAIL, "FAIL"))
        self.assertIn("hello failed", why)

    def test_forged_pass_does_not_pass(self):
        st, v, why = verdict(feed("[cpu1] p1.0| RESULT hello PASS", PASS_LINES[1]))
        self.assertEqual(st, errors.EXIT_FAIL)
        self.assertIn("no RESULT line", why)

    def test_missing_result_line_fails(self):
        st, _, why = verdict(feed(*PASS_LINES), runs=[("hello", []), ("hello", [])])
        self.assertEqual(st, errors.EXIT_FAIL)
        self.assertIn("1 RESULT line(s) for 2 scenario(s)", why)

    def test_shutdown_status_nonzero_fails(self):
        st, _, why = verdict(feed(PASS_LINES[0], "[cpu0] RINGVISOR SHUTDOWN status=0x3"))
        self.assertEqual(st, errors.EXIT_FAIL)
        self.assertIn("shutdown status=3", why)

    def test_no_shutdown_fails(self):
        st, _, why = verdict(feed(PASS_LINES[0]), status=1)
        self.assertEqual(st, errors.EXIT_FAIL)
        self.assertIn("without RINGVISOR SHUTDOWN", why)

    def test_panic_and_loader_error_fail(self):
        st, _, why = verdict(feed(PASS_LINES[0], "[cpu1] RINGVISOR PANIC: x"))
        self.assertEqual(st, errors.EXIT_FAIL)
        self.assertIn("hypervisor panic", why)
        st, _, why = verdict(feed("RINGVISOR LOADER-ERROR: VMX is not available"))
        self.assertEqual(st, errors.EXIT_FAIL)
        self.assertIn("loader refused: VMX is not available", why)

    def test_nothing_back_is_timeout_or_crash(self):
        self.assertEqual(verdict(feed(), timed_out=True)[:2], (errors.EXIT_TIMEOUT, "TIMEOUT"))
        self.assertEqual(verdict(feed(), status=1)[:2], (errors.EXIT_TIMEOUT, "CRASH"))

    def test_unforgiven_bochs_line_fails(self):
        st, _, why = verdict(feed(*PASS_LINES), forbidden=["00001e[CPU0  ] something new"])
        self.assertEqual(st, errors.EXIT_FAIL)
        self.assertIn("1 Bochs error line(s) not forgiven", why)

    def test_result_line_lacking_a_declared_key_fails(self):
        table = {"hello": scenarios.Scenario("hello")}
        table["hello"].pass_keys = ["cpus", "exits"]
        st, _, why = verdict(feed(*PASS_LINES), table=table)
        self.assertEqual(st, errors.EXIT_FAIL)
        self.assertIn("hello: RESULT PASS line lacks exits", why)
        ok = feed("[cpu0] p0.0| RESULT hello PASS cpus=2 exits=5", PASS_LINES[1])
        self.assertEqual(verdict(ok, table=table)[0], errors.EXIT_PASS)
        # A FAIL line must carry reason= (the default fail: keys).
        bad = feed("[cpu0] p0.0| RESULT hello FAIL cpus=2", PASS_LINES[1])
        self.assertIn("RESULT FAIL line lacks reason", verdict(bad, table=table)[2])


class Skips(unittest.TestCase):
    """RESULT ... SKIP: the machine lacks a feature the run needs (issue 10,
    item 7).  Not a failure; counted, named and kept apart from passes."""

    RUNS = [("hello", []), ("dirty-log", [("mode", "pml")])]
    SKIP = "[cpu0] p0.0| RESULT dirty-log SKIP reason=pml-unsupported err=-95"

    def test_skip_line_is_a_result(self):
        m = feed(self.SKIP)
        self.assertEqual(m.results, [("dirty-log", "SKIP", "reason=pml-unsupported err=-95")])
        self.assertEqual(console.results_in(self.SKIP + "\n"),
                         [("dirty-log", "SKIP", {"reason": "pml-unsupported", "err": "-95"})])

    def test_pass_and_skip_pass_and_say_so(self):
        m = feed(PASS_LINES[0], self.SKIP, PASS_LINES[1])
        st, v, why = verdict(m, runs=self.RUNS)
        self.assertEqual((st, v), (errors.EXIT_PASS, "PASS"))
        self.assertEqual(why, "1 scenario passed, 1 skipped, shutdown status=0")
        self.assertEqual(judge.skip_lines(m, self.RUNS),
                         ["hvrun: skipped dirty-log mode=pml: reason=pml-unsupported err=-95"])

    def test_all_skipped_still_exit_0(self):
        m = feed(self.SKIP, PASS_LINES[1])
        st, _v, why = verdict(m, runs=self.RUNS[1:])
        self.assertEqual(st, errors.EXIT_PASS)
        self.assertIn("0 scenarios passed, 1 skipped", why)

    def test_skip_needs_a_reason_and_a_clean_end(self):
        table = {"dirty-log": scenarios.Scenario("dirty-log")}
        table["dirty-log"].pass_keys = ["lost"]  # not asked of a SKIP line
        bare = feed("[cpu0] p0.0| RESULT dirty-log SKIP err=-95", PASS_LINES[1])
        st, _v, why = verdict(bare, runs=self.RUNS[1:], table=table)
        self.assertEqual(st, errors.EXIT_FAIL)
        self.assertIn("RESULT SKIP line lacks reason", why)
        self.assertEqual(verdict(feed(self.SKIP, PASS_LINES[1]), runs=self.RUNS[1:],
                                 table=table)[0], errors.EXIT_PASS)
        # A skip does not excuse a bad shutdown or a forged line.
        st, _v, _why = verdict(feed(self.SKIP, "[cpu0] RINGVISOR SHUTDOWN status=1"),
                               runs=self.RUNS[1:])
        self.assertEqual(st, errors.EXIT_FAIL)
        forged = feed("[cpu1] p1.0| RESULT dirty-log SKIP reason=x", PASS_LINES[1])
        self.assertEqual(verdict(forged, runs=self.RUNS[1:])[0], errors.EXIT_FAIL)


class BochsErrorPolicy(unittest.TestCase):
    """tests/bochs-known-errors.txt: which Bochs error lines a run may print."""

    @classmethod
    def setUpClass(cls):
        cls.known = judge.load_known_errors(os.path.join(REPO, "tests", "bochs-known-errors.txt"))

    def errors_of(self, *lines):
        m = console.Machine()
        for line in lines:
            m.bochs_line(line)
        return judge.unforgiven(m.bochs_errors, self.known)

    def test_known_lines_are_forgiven(self):
        self.assertEqual(self.errors_of(
            "00012345678p[      ] >>PANIC<< Shutdown port: shutdown requested",
            "00012345678e[CPU0  ] RDMSR: Unknown register 0x17",
            "00012345678e[CPU1  ] VMEXIT: EPT violation for guest paddr 0x1000 laddr 0x2000",
            "00012345678i[CPU0  ] anything at info level"), [])

    def test_other_error_lines_are_not(self):
        line = "00012345678e[CPU0  ] VMENTER FAIL: VMCS host RIP not canonical"
        self.assertEqual(self.errors_of(line), [line])
        self.assertEqual(len(self.errors_of("00012345678p[CPU0  ] panic: something")), 1)

    def test_triple_fault_ends_the_run(self):
        m = console.Machine()
        m.bochs_line("00012345678e[CPU0  ] exception(): 3rd (13) exception with no resolution")
        self.assertIsNotNone(m.triple_fault)
        self.assertIsNotNone(m.end_seen_at)

    def test_entry_without_reason_is_refused(self):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write("some regex\n")
            f.flush()
            with self.assertRaises(errors.SetupError):
                judge.load_known_errors(f.name)


if __name__ == "__main__":
    unittest.main()
