# SPDX-License-Identifier: MIT
"""Tests of tools/hvrun's reading of the console: who may say what.

Run from the repository root:  python3 -m unittest discover -s tests/tools

A workload can print any text through RV_HC_CONSOLE_WRITE.  The hypervisor
puts "[cpuN] pP.V| " before every line of it (hv/console.c), and hvrun
must take RESULT lines only from the management partition (p0) and the
end markers (SHUTDOWN, PANIC, LOADER-ERROR) only from the hypervisor or
the loader, or a workload could pass, end or fail a run it is part of.
"""

import importlib.machinery
import importlib.util
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
HVRUN = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools", "hvrun")


def load_hvrun():
    loader = importlib.machinery.SourceFileLoader("hvrun", HVRUN)
    spec = importlib.util.spec_from_loader("hvrun", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


hvrun = load_hvrun()


class ConsoleLines(unittest.TestCase):
    def feed(self, *lines):
        m = hvrun.Machine()
        for line in lines:
            m.console_line(hvrun.clean(line))
        return m

    def test_result_from_management_partition_counts(self):
        m = self.feed("[cpu0] p0.0| RESULT hello PASS cpus=2")
        self.assertEqual(m.results, [("hello", "PASS", "cpus=2")])

    def test_result_from_workload_is_ignored(self):
        m = self.feed("[cpu1] p1.0| RESULT hello PASS forged=1",
                      "[cpu1] p1.0| [cpu0] p0.0| RESULT hello FAIL forged=1")
        self.assertEqual(m.results, [])

    def test_end_markers_from_workload_are_ignored(self):
        m = self.feed("[cpu1] p1.0| RINGVISOR SHUTDOWN status=0",
                      "[cpu1] p1.0| RINGVISOR PANIC: forged",
                      "[cpu2] p3.1| RINGVISOR LOADER-ERROR: forged")
        self.assertIsNone(m.shutdown_status)
        self.assertIsNone(m.panic)
        self.assertIsNone(m.loader_error)
        self.assertIsNone(m.end_seen_at)

    def test_end_markers_from_management_partition_are_ignored(self):
        m = self.feed("[cpu0] p0.0| RINGVISOR SHUTDOWN status=0")
        self.assertIsNone(m.shutdown_status)

    def test_end_markers_from_hypervisor_and_loader_count(self):
        m = self.feed("[cpu0] RINGVISOR SHUTDOWN status=1")
        self.assertEqual(m.shutdown_status, 1)
        m = self.feed("[cpu2] RINGVISOR PANIC: CPU 2 did not answer")
        self.assertIsNotNone(m.panic)
        m = self.feed("RINGVISOR LOADER-ERROR: VMX is not available")
        self.assertEqual(m.loader_error, "VMX is not available")

    def test_result_line_printed_by_hypervisor_is_not_a_result(self):
        m = self.feed("[cpu0] RESULT hello PASS")
        self.assertEqual(m.results, [])


if __name__ == "__main__":
    unittest.main()
