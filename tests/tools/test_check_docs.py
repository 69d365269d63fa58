# SPDX-License-Identifier: MIT
"""Tests of tools/check-docs on a small tree made in a temporary directory.

Run from the repository root:  python3 -m unittest discover -s tests/tools

Each test writes a book and a few source files, runs the checker on that
root, and looks at its exit status and problem lines.  The last test runs
it on the repository itself, which must be clean.
"""

import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
CHECK = os.path.join(REPO, "tools", "check-docs")

HYPERCALL_H = """\
#define RV_ABI_MAJOR 1
#define RV_ABI_MINOR 1
enum rv_hypercall {
	RV_HC_VERSION = 0,  /* () */
	RV_HC_CONSOLE_WRITE = 1,
	RV_HC_OTHER = 2,
	RV_HC_NR_CALLS
};
"""
INSTALL_DEPS = """\
PACKAGES=(
	gcc make   # compilers
	nasm       # assembly
)
"""
RUN_C = """\
static void run_once(int v)
{
	vmx_run(v);
}

void cpu_run_loop(void)
{
	run_once(0);
}
"""
README = "Needs the packages the project needs: `gcc make nasm` (3 packages).\n"


class CheckDocs(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        self.write("hv/abi/hypercall.h", HYPERCALL_H)
        self.write("hv/exits/run.c", RUN_C)
        self.write("hv/vmx/exit_reasons.def", "X(48, EPT_VIOLATION, exit_ept_violation)\n")
        self.write("tools/install-deps", INSTALL_DEPS)
        self.write("README.md", README)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, rel, text):
        path = os.path.join(self.root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def run_check(self, root=None):
        p = subprocess.run([sys.executable, CHECK, root or self.root], capture_output=True, text=True)
        # Problems only: the last line of a clean run says how many files passed.
        return p.returncode, [l for l in p.stdout.splitlines() if not l.startswith("check-docs:")]

    def chapter(self, text):
        self.write("docs/03-x.md", text)
        return self.run_check()

    def test_clean_book_passes(self):
        rc, out = self.chapter("The loop (`hv/exits/run.c:cpu_run_loop`) calls "
                               "`run_once`; see [README](../README.md) and hv/exits/.\n"
                               "`RV_EXIT_EPT_VIOLATION`, ABI 1.1, `RV_HC_NR_CALLS` (3).\n")
        self.assertEqual((rc, out), (0, []))

    def test_missing_path(self):
        rc, out = self.chapter("See `hv/vcpu.c` and hv/exits/exits.c.\n")
        self.assertEqual(rc, 1)
        self.assertEqual(sorted(out), ["docs/03-x.md:1: hv/exits/exits.c does not exist",
                                       "docs/03-x.md:1: hv/vcpu.c does not exist"])

    def test_function_not_in_file(self):
        rc, out = self.chapter("`hv/exits/run.c:vcpu_ready` decides.\n")
        self.assertEqual(rc, 1)
        self.assertIn("hv/exits/run.c does not define vcpu_ready", out[0])

    def test_a_call_is_not_a_definition(self):
        # run.c calls vmx_run (indented) but does not define it.
        rc, out = self.chapter("`hv/exits/run.c:vmx_run`\n")
        self.assertEqual(rc, 1)

    def test_bare_file_function_refused(self):
        rc, out = self.chapter("`run.c:cpu_run_loop`\n")
        self.assertEqual(rc, 1)
        self.assertIn("name the file by its path (hv/exits/run.c)", out[0])

    def test_renamed_identifier(self):
        rc, out = self.chapter("`cpu_flush_ept` and `RV_EXIT_WATCHDOG`\n")
        self.assertEqual(rc, 1)
        self.assertEqual(len(out), 2)
        self.assertIn("cpu_flush_ept occurs nowhere", out[0])
        self.assertIn("no exit reason WATCHDOG", out[1])

    def test_abi_facts(self):
        rc, out = self.chapter("hypervisor ABI 1.0, built for 1.1; `RV_HC_NR_CALLS` (22)\n")
        self.assertEqual(rc, 1)
        self.assertEqual(sorted(out), [
            "docs/03-x.md:1: says ABI 1.0; hv/abi/hypercall.h has 1.1",
            "docs/03-x.md:1: says RV_HC_NR_CALLS is 22; hv/abi/hypercall.h has 3"])

    def test_package_list(self):
        self.write("README.md", "the packages the project needs: `gcc make` (2 packages).\n")
        rc, out = self.run_check()
        self.assertEqual(rc, 1)
        self.assertIn("missing: nasm", out[0])
        self.assertIn("says 2 packages; tools/install-deps has 3", out[1])

    def test_broken_link(self):
        rc, out = self.chapter("[appendix](bochs.md)\n")
        self.assertEqual(rc, 1)
        self.assertIn("link target bochs.md does not exist", out[0])

    def test_code_block_paths_and_lines(self):
        rc, out = self.chapter("```\nhv/exits/run.c:9\nhv/exits/run.c:10\n```\n")
        self.assertEqual(rc, 1)
        self.assertEqual(out, ["docs/03-x.md:3: hv/exits/run.c:10 is past the end of the file (9 lines)"])

    def test_repository_book_is_clean(self):
        rc, out = self.run_check(REPO)
        self.assertEqual(out, [])
        self.assertEqual(rc, 0)


if __name__ == "__main__":
    unittest.main()
