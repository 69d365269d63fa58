# SPDX-License-Identifier: MIT
"""Tests of tools/hvtrace on a hand-written console log.

Run from the repository root:  python3 -m unittest discover -s tests/tools

fixtures/trace.txt is what tools/hvrun --log would hold after a run whose
management partition called trace_dump("dirty-log") and trace_dump("after")
(guest/mgmt/tracedump.c): "TRACE <cpu> <tsc> <type> <a> <b> <c>" in hex,
with the hypervisor's "[cpuN] pP.V| " prefix, plus lines that are not
records.  The records follow enum rv_trace_type in hv/abi/hypercall.h:
  partition 1: vCPU 1.0 on CPU 1, 1.1 on CPU 2, 1.2 on CPU 3; slot 1 at
  RV_GPA_DATA (0x1000000), slot 2 at 0x20000000; partition 0 (management)
  on CPU 0.  vCPU 1.0 pushes offsets 0x37e and 0x37f (used 447, 448: soft
  full), is reset, faults on 0x1380000 with its ring full (full wait), is
  reset again, resumes and pushes offset 0x380.  Record 25 has an unknown
  type (9).  A truncated TRACE line before the first dump is skipped with
  a warning.
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
HVTRACE = os.path.join(REPO, "tools", "hvtrace")
FIXTURE = os.path.join(HERE, "fixtures", "trace.txt")

# A few lines of what build/exit_reasons.txt holds (hv/vmx/exit_reasons.def).
NAMES = "# number NAME\n18 VMCALL\n30 IO_INSTRUCTION\n\n48 EPT_VIOLATION\n"

ALL = """\
  cpu 1 [001]   1000000000: vm_exit: vcpu 1.0 reason EPT_VIOLATION (48) rip 0x40359f
  cpu 1 [001]   1000000036: ept_violation: vcpu 1.0 gpa 0x137e000 qual 0x582
  cpu 1 [001]   1000000064: dirty_ring_push: vcpu 1.0 ring index 0x37f slot 1 offset 0x37e (used 447)
  cpu 2 [002]   1000000072: vm_exit: vcpu 1.1 reason EPT_VIOLATION (48) rip 0x4035a0
  cpu 2 [002]   1000000096: ept_violation: vcpu 1.1 gpa 0x1400008 qual 0x582
  cpu 1 [001]   1000000112: vm_exit: vcpu 1.0 reason EPT_VIOLATION (48) rip 0x40359f
  cpu 1 [001]   1000000144: ept_violation: vcpu 1.0 gpa 0x137f000 qual 0x582
  cpu 1 [001]   1000000160: dirty_ring_push: vcpu 1.0 ring index 0x380 slot 1 offset 0x37f (used 448)
  cpu 1 [001]   1000000176: dirty_ring_soft_full: vcpu 1.0 used 448
  cpu 2 [002]   1000000184: dirty_ring_push: vcpu 1.1 ring index 0x10 slot 1 offset 0x400 (used 1)
  cpu 0 [000]   1000000256: vm_exit: vcpu 0.0 reason VMCALL (18) rip 0x20a4
  cpu 0 [000]   1000000272: dirty_ring_reset: vcpu 1.0 reset 192 (used 256)
  cpu 0 [000]   1000000280: dirty_ring_reset: vcpu 1.1 reset 1 (used 0)
  cpu 1 [001]   1000000320: vcpu_resume: vcpu 1.0
  cpu 1 [001]   1000000336: vm_exit: vcpu 1.0 reason EPT_VIOLATION (48) rip 0x4035a4
  cpu 1 [001]   1000000352: ept_violation: vcpu 1.0 gpa 0x1380000 qual 0x582
  cpu 1 [001]   1000000368: dirty_ring_full_wait: vcpu 1.0 gpa 0x1380000
  cpu 0 [000]   1000000512: vm_exit: vcpu 0.0 reason VMCALL (18) rip 0x20a4
  cpu 0 [000]   1000000528: dirty_ring_reset: vcpu 1.0 reset 256 (used 0)
  cpu 1 [001]   1000000576: vcpu_resume: vcpu 1.0
  cpu 1 [001]   1000000592: vm_exit: vcpu 1.0 reason EPT_VIOLATION (48) rip 0x4035a4
  cpu 1 [001]   1000000608: ept_violation: vcpu 1.0 gpa 0x1380000 qual 0x582
  cpu 1 [001]   1000000624: dirty_ring_push: vcpu 1.0 ring index 0x381 slot 1 offset 0x380 (used 1)
  cpu 2 [002]   1000000640: vm_exit: vcpu 1.1 reason 12 rip 0x4035b0
  cpu 1 [001]   1000000656: type_9: a 0x10000 b 0x1 c 0x2
  cpu 2 [002]   1000000672: vm_exit: vcpu 1.1 reason EPT_VIOLATION (48) rip 0x4035c0
  cpu 2 [002]   1000000688: ept_violation: vcpu 1.1 gpa 0x20005000 qual 0x182
  cpu 2 [002]   1000000704: dirty_ring_push: vcpu 1.1 ring index 0x11 slot 2 offset 0x5 (used 2)
  cpu 0 [000]   1000001536: vm_exit: vcpu 0.0 reason VMCALL (18) rip 0x20b0
  cpu 3 [003]   1000001552: vm_exit: vcpu 1.2 reason IO_INSTRUCTION (30) rip 0x401000
"""

# Following the page at offset 0x380 of slot 1 (GPA 0x1380000): the fault
# that found the ring full, the resume after the reset, the store's second
# fault and its push.
PAGE_380 = """\
  cpu 1 [001]   1000000336: vm_exit: vcpu 1.0 reason EPT_VIOLATION (48) rip 0x4035a4
  cpu 1 [001]   1000000352: ept_violation: vcpu 1.0 gpa 0x1380000 qual 0x582
  cpu 1 [001]   1000000368: dirty_ring_full_wait: vcpu 1.0 gpa 0x1380000
  cpu 1 [001]   1000000576: vcpu_resume: vcpu 1.0
  cpu 1 [001]   1000000592: vm_exit: vcpu 1.0 reason EPT_VIOLATION (48) rip 0x4035a4
  cpu 1 [001]   1000000608: ept_violation: vcpu 1.0 gpa 0x1380000 qual 0x582
  cpu 1 [001]   1000000624: dirty_ring_push: vcpu 1.0 ring index 0x381 slot 1 offset 0x380 (used 1)
"""

# Slot 2's page 5 (GPA 0x20005000): its base is learnt from the
# violation/push pair.
PAGE_SLOT2 = """\
  cpu 2 [002]   1000000672: vm_exit: vcpu 1.1 reason EPT_VIOLATION (48) rip 0x4035c0
  cpu 2 [002]   1000000688: ept_violation: vcpu 1.1 gpa 0x20005000 qual 0x182
  cpu 2 [002]   1000000704: dirty_ring_push: vcpu 1.1 ring index 0x11 slot 2 offset 0x5 (used 2)
"""

SUMMARY = """\

summary: 30 events
  vm_exit                      11
  ept_violation                 6
  dirty_ring_push               5
  dirty_ring_soft_full          1
  dirty_ring_reset              3
  vcpu_resume                   2
  dirty_ring_full_wait          1
  type_9                        1
vm_exit reasons:
  EPT_VIOLATION (48)            6
  VMCALL (18)                   3
  12                            1
  IO_INSTRUCTION (30)           1
per vCPU:
  vcpu 0.0                      3  (vm_exit 3)
  vcpu 1.0                     18  (vm_exit 4, ept_violation 4, dirty_ring_push 3, \
dirty_ring_soft_full 1, dirty_ring_reset 2, vcpu_resume 2, dirty_ring_full_wait 1, type_9 1)
  vcpu 1.1                      8  (vm_exit 3, ept_violation 2, dirty_ring_push 2, \
dirty_ring_reset 1)
  vcpu 1.2                      1  (vm_exit 1)
"""

MALFORMED_WARNING = "fixtures/trace.txt:5: malformed TRACE line skipped"


class HvtraceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.names = os.path.join(cls.tmp.name, "names.txt")
        with open(cls.names, "w") as f:
            f.write(NAMES)
        cls.no_names = os.path.join(cls.tmp.name, "empty.txt")
        open(cls.no_names, "w").close()
        # A build directory without exit_reasons.txt: the default lookup
        # must not see the repository's build/.
        cls.empty_build = os.path.join(cls.tmp.name, "build-empty")
        os.mkdir(cls.empty_build)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_tool(self, *args, names=True, stdin=None, build=None):
        env = dict(os.environ, HVRUN_BUILD_DIR=build or self.empty_build)
        argv = [sys.executable, HVTRACE]
        if names is True:
            argv += ["--exit-names", self.names]
        elif names:
            argv += ["--exit-names", names]
        p = subprocess.run(argv + list(args), input=stdin, capture_output=True, text=True,
                           env=env, cwd=REPO, timeout=60)
        return p.returncode, p.stdout, p.stderr

    def check(self, args, expected, **kw):
        rc, out, err = self.run_tool(*args, **kw)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, expected)
        return err

    # -- the whole trace ---------------------------------------------------

    def test_all_events(self):
        err = self.check([FIXTURE], ALL)
        self.assertIn(MALFORMED_WARNING, err)
        # Only the truncated record is complained about: not the prose line
        # mentioning TRACE, nor the dumps (their TRACE-END counts match).
        self.assertEqual(err.count("\n"), 1, err)

    def test_stdin_and_crlf(self):
        with open(FIXTURE) as f:
            text = f.read()
        crlf = text.replace("\n", "\r\n")
        self.check([], ALL, stdin=crlf)
        self.check(["-"], ALL, stdin=text)

    def test_prefix_is_stripped_whatever_it_is(self):
        log = ("TRACE 1 10 6 10000 0 0\n"
               "[cpu12] p3.4| TRACE 1 20 6 10000 0 0\n"
               "junk before it TRACE 1 30 6 10000 0 0\n")
        self.check([], "".join("  cpu 1 [001] %12d: vcpu_resume: vcpu 1.0\n" % t
                               for t in (16, 32, 48)), stdin=log)

    def test_exit_names_fall_back_to_numbers(self):
        rc, out, _ = self.run_tool(FIXTURE, names=self.no_names)
        self.assertEqual(rc, 0)
        self.assertEqual(out.splitlines()[0],
                         "  cpu 1 [001]   1000000000: vm_exit: vcpu 1.0 reason 48 rip 0x40359f")
        self.assertEqual(out.splitlines()[10],
                         "  cpu 0 [000]   1000000256: vm_exit: vcpu 0.0 reason 18 rip 0x20a4")

    def test_exit_names_from_build_dir(self):
        build = os.path.join(self.tmp.name, "build-names")
        os.makedirs(build, exist_ok=True)
        with open(os.path.join(build, "exit_reasons.txt"), "w") as f:
            f.write(NAMES)
        self.check([FIXTURE], ALL, names=None, build=build)
        rc, out, _ = self.run_tool(FIXTURE, names=None)  # no exit_reasons.txt there
        self.assertEqual(rc, 0)
        self.assertIn("vm_exit: vcpu 1.0 reason 48 rip 0x40359f\n", out)

    # -- filters -----------------------------------------------------------

    def test_filter_vcpu(self):
        self.check(["--vcpu", "1.1", FIXTURE], """\
  cpu 2 [002]   1000000072: vm_exit: vcpu 1.1 reason EPT_VIOLATION (48) rip 0x4035a0
  cpu 2 [002]   1000000096: ept_violation: vcpu 1.1 gpa 0x1400008 qual 0x582
  cpu 2 [002]   1000000184: dirty_ring_push: vcpu 1.1 ring index 0x10 slot 1 offset 0x400 (used 1)
  cpu 0 [000]   1000000280: dirty_ring_reset: vcpu 1.1 reset 1 (used 0)
  cpu 2 [002]   1000000640: vm_exit: vcpu 1.1 reason 12 rip 0x4035b0
""" + PAGE_SLOT2)

    def test_filter_vcpu_partition_and_repeat(self):
        self.check(["--vcpu", "0", "--vcpu", "1.2", FIXTURE], """\
  cpu 0 [000]   1000000256: vm_exit: vcpu 0.0 reason VMCALL (18) rip 0x20a4
  cpu 0 [000]   1000000512: vm_exit: vcpu 0.0 reason VMCALL (18) rip 0x20a4
  cpu 0 [000]   1000001536: vm_exit: vcpu 0.0 reason VMCALL (18) rip 0x20b0
  cpu 3 [003]   1000001552: vm_exit: vcpu 1.2 reason IO_INSTRUCTION (30) rip 0x401000
""")

    def test_filter_events(self):
        expected = """\
  cpu 1 [001]   1000000176: dirty_ring_soft_full: vcpu 1.0 used 448
  cpu 0 [000]   1000000272: dirty_ring_reset: vcpu 1.0 reset 192 (used 256)
  cpu 1 [001]   1000000320: vcpu_resume: vcpu 1.0
  cpu 1 [001]   1000000368: dirty_ring_full_wait: vcpu 1.0 gpa 0x1380000
  cpu 0 [000]   1000000528: dirty_ring_reset: vcpu 1.0 reset 256 (used 0)
  cpu 1 [001]   1000000576: vcpu_resume: vcpu 1.0
"""
        args = ["--vcpu", "1.0", FIXTURE]
        self.check(["--filter", "dirty_ring_soft_full,dirty_ring_reset",
                    "--filter", "vcpu_resume,dirty_ring_full_wait"] + args, expected)
        self.check(["--filter", "dirty_ring_[!p]*,vcpu_*"] + args, expected)
        self.check(["--filter", "type_9", FIXTURE],
                   "  cpu 1 [001]   1000000656: type_9: a 0x10000 b 0x1 c 0x2\n")

    def test_page_by_offset_and_gpa(self):
        self.check(["--page", "0x380", FIXTURE], PAGE_380)
        self.check(["--page", "1:0x380", FIXTURE], PAGE_380)
        self.check(["--page", "0x1380000", FIXTURE], PAGE_380)
        self.check(["--page", "0x1380abc", FIXTURE], PAGE_380)  # any address in the page
        self.check(["--page", "896", FIXTURE], PAGE_380)  # decimal
        self.check(["--page", "2:0x380", FIXTURE], "")

    def test_page_in_learnt_slot(self):
        self.check(["--page", "0x20005000", FIXTURE], PAGE_SLOT2)
        self.check(["--page", "2:5", FIXTURE], PAGE_SLOT2)
        self.check(["--page", "1:5", FIXTURE], "")

    def test_page_unaligned_gpa_and_other_filters(self):
        self.check(["--page", "0x400", FIXTURE], """\
  cpu 2 [002]   1000000072: vm_exit: vcpu 1.1 reason EPT_VIOLATION (48) rip 0x4035a0
  cpu 2 [002]   1000000096: ept_violation: vcpu 1.1 gpa 0x1400008 qual 0x582
  cpu 2 [002]   1000000184: dirty_ring_push: vcpu 1.1 ring index 0x10 slot 1 offset 0x400 (used 1)
""")
        self.check(["--page", "0x380", "--filter", "ept_violation", FIXTURE], """\
  cpu 1 [001]   1000000352: ept_violation: vcpu 1.0 gpa 0x1380000 qual 0x582
  cpu 1 [001]   1000000608: ept_violation: vcpu 1.0 gpa 0x1380000 qual 0x582
""")
        self.check(["--page", "0x37e", "--page", "0x37f", "--filter", "dirty_ring_push",
                    FIXTURE], """\
  cpu 1 [001]   1000000064: dirty_ring_push: vcpu 1.0 ring index 0x37f slot 1 offset 0x37e (used 447)
  cpu 1 [001]   1000000160: dirty_ring_push: vcpu 1.0 ring index 0x380 slot 1 offset 0x37f (used 448)
""")

    def test_page_pml_push_is_not_paired_with_another_page(self):
        # With PML, a push drained at an exit can follow a violation that
        # pushed nothing (lost the race to un-protect): not the same page.
        log = ("TRACE 1 10 1 10000 30 4000\n"
               "TRACE 1 20 2 10000 1005000 182\n"
               "TRACE 1 30 3 10000 100000001 1000000000009\n")
        push = ("  cpu 1 [001]           48: dirty_ring_push: vcpu 1.0 ring index 0x1 slot 1 "
                "offset 0x9 (used 1)\n")
        fault = ("  cpu 1 [001]           16: vm_exit: vcpu 1.0 reason EPT_VIOLATION (48) rip 0x4000\n"
                 "  cpu 1 [001]           32: ept_violation: vcpu 1.0 gpa 0x1005000 qual 0x182\n")
        self.check(["--page", "0x1009000"], push, stdin=log)
        self.check(["--page", "9"], push, stdin=log)
        self.check(["--page", "0x1005000"], fault, stdin=log)
        self.check(["--page", "5"], fault, stdin=log)

    def test_no_match_is_not_an_error(self):
        rc, out, err = self.run_tool("--vcpu", "7.0", FIXTURE)
        self.assertEqual((rc, out), (0, ""))
        self.assertIn("no events matched the filters (30 records read)", err)

    # -- dumps, time, summary ----------------------------------------------

    def test_tag_and_relative(self):
        self.check(["--tag", "after", "--relative", FIXTURE], """\
  cpu 0 [000]            0: vm_exit: vcpu 0.0 reason VMCALL (18) rip 0x20b0
  cpu 3 [003]           16: vm_exit: vcpu 1.2 reason IO_INSTRUCTION (30) rip 0x401000
""")
        rc, out, err = self.run_tool("--tag", "nope", FIXTURE)
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("no trace dump tagged 'nope'", err)
        self.assertIn("'dirty-log', 'after'", err)

    def test_tsc_hz(self):
        expected = """\
  cpu 0 [000]      0.000000256: vm_exit: vcpu 0.0 reason VMCALL (18) rip 0x20a4
  cpu 0 [000]      0.000000512: vm_exit: vcpu 0.0 reason VMCALL (18) rip 0x20a4
  cpu 0 [000]      0.000001536: vm_exit: vcpu 0.0 reason VMCALL (18) rip 0x20b0
"""
        for hz in ("1G", "1e9", "1000000000", "1000MHz"):
            self.check(["--tsc-hz", hz, "--relative", "--vcpu", "0.0", FIXTURE], expected)
        self.check(["--tsc-hz", "2e9", "--filter", "type_9", FIXTURE],
                   "  cpu 1 [001]      0.500000328: type_9: a 0x10000 b 0x1 c 0x2\n")

    def test_summary(self):
        self.check(["--summary", FIXTURE], ALL + SUMMARY)
        self.check(["--summary-only", FIXTURE], SUMMARY[1:])
        self.check(["--summary-only", "--tag", "after", FIXTURE], """\
summary: 2 events
  vm_exit                       2
vm_exit reasons:
  VMCALL (18)                   1
  IO_INSTRUCTION (30)           1
per vCPU:
  vcpu 0.0                      1  (vm_exit 1)
  vcpu 1.2                      1  (vm_exit 1)
""")

    def test_dump_count_mismatch_and_error_warn(self):
        log = ("[cpu0] p0.0| TRACE-BEGIN x\n"
               "[cpu0] p0.0| TRACE 0 1 6 0 0 0\n"
               "[cpu0] p0.0| TRACE-END x records=2 err=-14\n"
               "[cpu0] p0.0| TRACE-BEGIN y\n"
               "[cpu0] p0.0| TRACE 0 2 6 0 0 0\n")
        rc, out, err = self.run_tool(stdin=log)
        self.assertEqual(rc, 0)
        self.assertEqual(out, "  cpu 0 [000]            1: vcpu_resume: vcpu 0.0\n"
                              "  cpu 0 [000]            2: vcpu_resume: vcpu 0.0\n")
        self.assertIn("dump 'x': 2 records printed but 1 TRACE lines found", err)
        self.assertIn("dump 'x': reading the trace failed with error -14", err)
        self.assertIn("dump 'y' has no TRACE-END", err)

    # -- errors --------------------------------------------------------------

    def test_no_trace_lines(self):
        rc, out, err = self.run_tool(stdin="[cpu0] p0.0| RESULT hello PASS\nTRACE-BEGIN x\n")
        self.assertEqual((rc, out), (1, ""))
        self.assertIn("no TRACE lines in <stdin>", err)
        rc, _, err = self.run_tool(os.devnull)
        self.assertEqual(rc, 1)
        self.assertIn("no TRACE lines in %s" % os.devnull, err)

    def test_usage_errors(self):
        for args in (["--vcpu", "x", FIXTURE], ["--vcpu", "1.x", FIXTURE],
                     ["--filter", "kvm_exit", FIXTURE], ["--tsc-hz", "0", FIXTURE],
                     ["--tsc-hz", "fast", FIXTURE], ["--page", "zz", FIXTURE],
                     ["--page", "1:q", FIXTURE], ["--bogus", FIXTURE], [FIXTURE, FIXTURE],
                     [os.path.join(HERE, "fixtures", "no-such-file")],
                     ["--exit-names", os.path.join(HERE, "no-such-file"), FIXTURE]):
            with self.subTest(args=args):
                rc, out, err = self.run_tool(*args, names=None)
                self.assertEqual((rc, out), (2, ""))
                self.assertTrue(err.startswith("hvtrace: "), err)

    def test_help(self):
        rc, out, _ = self.run_tool("--help", names=None)
        self.assertEqual(rc, 0)
        self.assertIn("usage: hvtrace", out)

    def test_executable(self):
        self.assertTrue(os.access(HVTRACE, os.X_OK))


if __name__ == "__main__":
    unittest.main()
