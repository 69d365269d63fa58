# SPDX-License-Identifier: MIT
"""Tests of tools/hvrun's argument checks: options, scenario names, keys,
and each key's values against the types guest/mgmt/scenarios.txt declares,
all refused before anything boots (exit status 2).

Run from the repository root:  python3 -m unittest discover -s tests/tools

The limits come from build/limits.txt, which `make build/limits.txt`
generates from the C headers (setUpClass runs it).
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools"))

from ringvisor import cli, generated, scenarios  # noqa: E402
from ringvisor.errors import SetupError  # noqa: E402

SCENARIOS_TXT = os.path.join(REPO, "guest", "mgmt", "scenarios.txt")


class Base(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        subprocess.run(["make", "-s", "build/limits.txt"], cwd=REPO, check=True)
        cls.limits = generated.load_limits(os.path.join(REPO, "build", "limits.txt"))
        cls.table = scenarios.load(SCENARIOS_TXT, cls.limits)

    def refused(self, *argv):
        """The one-line message hvrun would print for argv (exit 2)."""
        opts, runs = cli.parse_args(list(argv))
        with self.assertRaises(SetupError) as cm:
            cli.check_limits(opts, runs, self.limits)
            scenarios.validate(runs, self.table, self.limits)
        return str(cm.exception)

    def accepted(self, *argv):
        opts, runs = cli.parse_args(list(argv))
        cli.check_limits(opts, runs, self.limits)
        scenarios.validate(runs, self.table, self.limits)
        return opts, runs


class ValueChecks(Base):
    """The values issue 9 lists, each of which booted for 14 s before."""

    def test_ring_not_power_of_two(self):
        self.assertEqual(self.refused("dirty-log", "ring=1000"),
                         "dirty-log: ring must be a power of two from 256 to 65536, not '1000'")

    def test_ring_too_small_and_too_large(self):
        self.assertIn("power of two from 256 to 65536", self.refused("dirty-log", "ring=64"))
        self.assertIn("not '131072'", self.refused("perf", "ring=131072"))

    def test_vcpus_zero(self):
        self.assertEqual(self.refused("dirty-log", "vcpus=0"),
                         "dirty-log: vcpus must be a number from 1 to 8, not '0'")

    def test_mode_nonsense(self):
        self.assertEqual(self.refused("dirty-log", "mode=nonsense"), "dirty-log: mode must be "
                         "ring, ring-wait, bitmap or pml, not 'nonsense'")

    def test_mem_too_large(self):
        # mem=0 is each guest's default (16 MiB for work, 32 for linux).
        self.accepted("dirty-log", "mem=0")
        self.assertEqual(self.refused("dirty-log", "mem=257"),
                         "dirty-log: mem must be a number from 0 to 256, not '257'")

    def test_dirty_log_guest_and_writer(self):
        self.accepted("dirty-log", "guest=linux", "writer=off", "mode=pml", "vcpus=2")
        self.assertEqual(self.refused("dirty-log", "guest=windows"),
                         "dirty-log: guest must be work or linux, not 'windows'")
        self.assertIn("not 'idle'", self.refused("dirty-log", "writer=idle"))

    def test_migrate_has_no_ring_wait(self):
        self.assertEqual(self.refused("migrate", "mode=ring-wait"),
                         "migrate: mode must be ring, bitmap or pml, not 'ring-wait'")

    def test_dirty_limit_words_or_a_number(self):
        # 1.7: one-of(off|auto)+int(1..RV_DIRTY_LIMIT_MAX)
        self.accepted("migrate", "dirty_limit=auto")
        self.accepted("migrate", "dirty_limit=off")
        self.accepted("migrate", "dirty_limit=1")
        self.accepted("migrate", "dirty_limit=67108864")
        self.assertEqual(self.refused("migrate", "dirty_limit=0"),
                         "migrate: dirty_limit must be off, auto or a number from 1 to "
                         "67108864, not '0'")
        self.assertIn("not '67108865'", self.refused("migrate", "dirty_limit=67108865"))
        self.assertIn("not 'on'", self.refused("migrate", "dirty_limit=on"))

    def test_numbers_as_the_guest_reads_them(self):
        self.accepted("dirty-log", "ring=0x400", "seed=18446744073709551615")
        self.assertIn("not '-1'", self.refused("dirty-log", "seed=-1"))
        self.assertIn("not '18446744073709551616'",
                      self.refused("dirty-log", "seed=18446744073709551616"))
        self.assertIn("not '1e3'", self.refused("fuzz", "count=1e3"))
        self.assertIn("from 2 to 64", self.refused("race-demo", "rounds=1"))
        self.assertIn("from 0 to 32", self.refused("migrate", "max_rounds=33"))

    def test_every_default_is_accepted(self):
        for name in self.table:
            self.accepted(name)


class ArgumentChecks(Base):
    def test_unknown_scenario_and_key(self):
        self.assertIn("unknown scenario 'nope'", self.refused("nope"))
        self.assertIn("hello: unknown key 'ring'; its keys are: vcpus",
                      self.refused("hello", "ring=256"))

    def test_key_twice_empty_and_bad_characters(self):
        self.assertIn("key 'vcpus' given twice", self.refused("hello", "vcpus=1", "vcpus=2"))
        self.assertIn("empty value", self.refused("hello", "vcpus="))
        self.assertIn("may only use", self.refused("dirty-log", "mode=ring;x"))

    def test_too_long_value(self):
        self.assertIn("longer than 31", self.refused("dirty-log", "mode=" + "r" * 32))

    def test_cpus_range_from_limits(self):
        self.assertEqual(self.refused("--cpus", "17", "hello"),
                         "--cpus must be a number from 1 to 16, not '17'")
        self.assertIn("not '0'", self.refused("--cpus", "0", "hello"))
        self.assertEqual(self.accepted("--cpus", "16", "hello")[0]["cpus"], 16)

    def test_at_most_max_runs(self):
        argv = ["hello"] + ["--", "hello"] * 16
        self.assertIn("17 scenarios given; one boot runs at most 16", self.refused(*argv))

    def test_command_line_syntax(self):
        for argv, text in ((["vcpus=1"], "given before a scenario name"),
                           (["hello", "dirty-log"], "expected key=value"),
                           (["--bogus", "hello"], "unknown option"),
                           (["--backend", "vmware", "hello"], "--backend must be"),
                           (["--timeout", "-1", "hello"], "--timeout must be"),
                           ([], "no scenario given")):
            with self.assertRaises(SetupError) as cm:
                cli.parse_args(argv)
            self.assertIn(text, str(cm.exception))

    def test_scenarios_separated_and_options_anywhere(self):
        opts, runs = self.accepted("hello", "vcpus=1", "+", "--keep", "dirty-log", "mode=pml")
        self.assertTrue(opts["keep"])
        self.assertEqual(runs, [("hello", [("vcpus", "1")]), ("dirty-log", [("mode", "pml")])])

    def test_cpu_model(self):
        opts, _runs = self.accepted("--cpu-model", "tigerlake", "hello")
        self.assertEqual((opts["cpu_model"], opts["backend"]), ("tigerlake", "bochs"))
        opts, _runs = self.accepted("hello")
        self.assertIsNone(opts["cpu_model"])
        for argv, text in ((["--cpu-model", "skylake", "hello"], "not a Bochs 2.7 CPU model"),
                           (["--cpu-model=tigerlake", "--backend", "kvm", "hello"],
                            "needs --backend bochs")):
            with self.assertRaises(SetupError) as cm:
                cli.parse_args(argv)
            self.assertIn(text, str(cm.exception))

    def test_cpu_model_reaches_bochsrc(self):
        from ringvisor import backends
        with tempfile.TemporaryDirectory() as d:
            backends.bochs_command(d, 3, False, None, "corei7_haswell_4770")
            with open(os.path.join(d, "bochsrc"), encoding="utf-8") as f:
                self.assertIn("cpu: model=corei7_haswell_4770, count=3,", f.read())
            backends.bochs_command(d, 1, False, None)
            with open(os.path.join(d, "bochsrc"), encoding="utf-8") as f:
                self.assertIn("cpu: model=corei7_skylake_x, count=1,", f.read())

    def test_default_cpus(self):
        runs = [("migrate", [("vcpus", "3")]), ("hello", [])]
        self.assertEqual(scenarios.default_cpus(runs, self.table, self.limits), 7)
        self.assertEqual(scenarios.default_cpus([("faults", [])], self.table, self.limits), 3)
        # linux-clone: the source's vCPUs and the destination's.
        self.assertEqual(
            scenarios.default_cpus([("linux-clone", [("vcpus", "2")])], self.table, self.limits), 5)


class ScenarioFile(Base):
    """The declarations themselves: a mistake in scenarios.txt is caught."""

    def load_text(self, text):
        with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:
            f.write(text)
            f.flush()
            return scenarios.load(f.name, self.limits)

    def test_types_pass_and_fail_keys(self):
        t = self.load_text("s a=1:int(0..RV_MAX_VCPUS)\n    b=x:one-of(x|y)\n"
                           "    pass: k1 k2\n    pass: k3\n    fail: reason why\n")
        self.assertEqual(t["s"].defaults, {"a": "1", "b": "x"})
        self.assertEqual(t["s"].pass_keys, ["k1", "k2", "k3"])
        self.assertEqual(t["s"].fail_keys, ["reason", "why"])

    def test_mistakes_are_refused(self):
        for text in ("s a=1\n",                    # no type
                     "s a=9:int(0..RV_MAX_VCPUS)\n",  # default outside its type
                     "s a=1:int(0..NO_SUCH_LIMIT)\n",
                     "s a=1:float(0..1)\n",
                     "s a=z:one-of(x|y)+int(0..1)\n",  # default neither word nor number
                     "s a=x:one-of(x|y)+pow2(1..8)\n",  # only int may follow
                     "s a=3:pow2(1..8)\n",
                     "    pass: x\n",              # indented line before any scenario
                     "s a=1:int(0..1) a=0:int(0..1)\n",
                     "s\ns\n"):
            with self.assertRaises(SetupError, msg=text):
                self.load_text(text)

    def test_missing_limits_file_says_run_make(self):
        with self.assertRaises(SetupError) as cm:
            generated.load_limits(os.path.join(HERE, "no-such-limits.txt"))
        self.assertIn("run `make`", str(cm.exception))

    def test_missing_result_keys(self):
        sc = self.table["migrate"]
        rest = ("guest=work mode=ring protect=eager vcpus=1 mem=8 wws=2 rounds=17 "
                "pages_sent=9 pages_per_round=1,2 heartbeat_before=0")
        self.assertEqual(scenarios.missing_result_keys(sc, "PASS", rest),
                         ["downtime_ticks", "lost", "mismatch", "verified", "range_clears",
                          "heartbeat_after", "dirty_limit", "limit", "limit_round",
                          "dirty_rate", "held_ticks", "converged"])
        self.assertEqual(scenarios.missing_result_keys(sc, "FAIL", "reason=x"), [])


if __name__ == "__main__":
    unittest.main()


class HelpNamesCpuDefaults(unittest.TestCase):
    """--help says which scenarios need more CPUs than their `vcpus`."""

    def test_every_special_case_is_named(self):
        text = " ".join(cli.USAGE.split())
        for name in list(scenarios.PARTITIONS_PER_VCPU) + list(scenarios.FIXED_WORKLOAD_CPUS):
            self.assertRegex(text, r"\b%s\b" % name, f"--help does not say what {name} needs")
