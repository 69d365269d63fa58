# SPDX-License-Identifier: MIT
"""Tests of tools/perf-suite's checks on recorded suite results.

Run from the repository root:  python3 -m unittest discover -s tests/tools

fixtures/perf-before-fast.csv is the suite's results.csv from main before
issue 13's faster path (commit 0964a66: a fault took 195-196 hypervisor
ticks, a harvest 29 per page, a whole-ring reset 63 per entry): every one
of the three targets must say FAIL on it.  docs/perf/results.csv is the
current build's: the suite that wrote it passed, so they must say PASS.
"""

import csv
import importlib.machinery
import importlib.util
import os
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def load_suite():
    path = os.path.join(REPO, "tools", "perf-suite")
    loader = importlib.machinery.SourceFileLoader("perf_suite", path)
    spec = importlib.util.spec_from_loader("perf_suite", loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def rows_of(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


class TargetChecks(unittest.TestCase):
    def setUp(self):
        self.suite = load_suite()

    def test_before_fails_every_target(self):
        rows = rows_of(os.path.join(HERE, "fixtures", "perf-before-fast.csv"))
        out = self.suite.target_checks(rows)
        self.assertEqual(len(out), 3)
        for text, ok in out:
            self.assertFalse(ok, text)
        self.assertIn("at most 196 hypervisor ticks per fault", out[0][0])
        self.assertIn("at most 29 ticks per page", out[1][0])
        self.assertIn("at most 63 ticks per entry", out[2][0])

    def test_current_results_pass(self):
        rows = rows_of(os.path.join(REPO, "docs", "perf", "results.csv"))
        out = self.suite.target_checks(rows)
        self.assertEqual(len(out), 3)
        for text, ok in out:
            self.assertTrue(ok, text)

    def test_one_bad_run_is_enough(self):
        rows = rows_of(os.path.join(REPO, "docs", "perf", "results.csv"))
        rows[3] = dict(rows[3], hv_ticks_per_fault="151")
        self.assertFalse(self.suite.target_checks(rows)[0][1])

    def test_missing_runs_check_nothing(self):
        self.assertEqual(self.suite.target_checks([]), [])


if __name__ == "__main__":
    unittest.main()
