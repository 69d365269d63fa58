# SPDX-License-Identifier: MIT
"""Tests of the kvm backend's pieces that this machine (AMD, no usable
/dev/kvm) cannot exercise by booting: QEMU's command line and the
bug-report bundle (tools/hvrun --bundle), fed fake hosts and a fake run.

Run from the repository root:  python3 -m unittest discover -s tests/tools
"""

import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tools"))

from ringvisor import backends, bundle, cli  # noqa: E402
from ringvisor.errors import SetupError  # noqa: E402

CPUINFO = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz
microcode\t: 0x5003604
flags\t\t: fpu vme de pse tsc msr pae vmx ept vpid x2apic
vmx flags\t: vnmi preemption_timer invvpid ept_x_only ept_ad flexpriority unrestricted_guest pml
"""

SERIAL = """ringvisor: VMX capability MSRs: 480=00da040000000012 481=0000007f00000016
ringvisor: VMX: VMCS revision 0x12, TRUE controls yes, PML no (CTLS2 bit 17)
ringvisor: IA32_FEATURE_CONTROL 0x5: VMX enabled and locked by the firmware
[cpu0] vmx: no PML with EPT A/D flags (...): dirty rings with RV_RING_PML fail with -EOPNOTSUPP
[cpu0] p0.0| hello: vCPU 0: 6 exits, 5 VMCALL
[cpu0] p0.0| RESULT hello PASS cpus=2 vmx_cpus=2 vcpus=1 done=1 exits=6 abi_checks=19/19
[cpu0] RINGVISOR SHUTDOWN status=0
"""


def fake_host(params, cpuinfo=CPUINFO):
    files = {"/proc/cpuinfo": cpuinfo}
    files.update({os.path.join(bundle.KVM_PARAMS_DIR, k): v + "\n" for k, v in params.items()})
    commands = {"qemu-system-x86_64": "QEMU emulator version 8.2.2", "uname": "6.8.0-test"}
    return bundle.host_facts(read=files.get, run=lambda argv: commands[argv[0]])


GOOD = {"nested": "Y", "ept": "Y", "unrestricted_guest": "Y", "eptad": "Y", "pml": "Y",
        "enable_shadow_vmcs": "Y", "preemption_timer": "Y"}


class QemuCommandLine(unittest.TestCase):
    def test_kvm_host_cpu_and_devices(self):
        argv = backends.qemu_command("kvm", 3, False, None)
        joined = " ".join(argv)
        self.assertIn("-enable-kvm -cpu host ", joined)
        self.assertIn("-smp 3 -m 256 -machine q35", joined)
        self.assertIn(f"-bios {backends.OVMF}", joined)
        self.assertIn("-serial file:serial.txt", joined)
        # The hypervisor's shutdown writes its status there (hv/platform/panic.c).
        self.assertIn("-device isa-debug-exit,iobase=0xf4,iosize=0x04", joined)
        self.assertIn("-no-reboot", argv)
        self.assertNotIn("-s", argv)

    def test_named_model_gets_vmx(self):
        argv = backends.qemu_command("kvm", 2, False, None, "Skylake-Server")
        self.assertEqual(argv[argv.index("-cpu") + 1], "Skylake-Server,+vmx")

    def test_tcg_has_no_kvm(self):
        argv = backends.qemu_command("qemu", 1, False, None)
        self.assertNotIn("-enable-kvm", argv)
        self.assertEqual(argv[argv.index("-cpu") + 1], "max")

    def test_options(self):
        opts, _ = cli.parse_args(["--backend", "kvm", "--qemu-cpu", "Icelake-Server",
                                  "--bundle", "/tmp/x", "hello"])
        self.assertEqual((opts["qemu_cpu"], opts["bundle"]), ("Icelake-Server", "/tmp/x"))
        for argv, text in ((["--qemu-cpu", "host", "hello"], "needs --backend kvm"),
                           (["--backend", "kvm", "--qemu-cpu", "a b", "hello"], "QEMU CPU model")):
            with self.assertRaises(SetupError) as cm:
                cli.parse_args(argv)
            self.assertIn(text, str(cm.exception))


class HostFacts(unittest.TestCase):
    def test_facts_from_fake_host(self):
        f = fake_host(GOOD)
        self.assertEqual(f["qemu"], "QEMU emulator version 8.2.2")
        self.assertEqual(f["vendor_id"], "GenuineIntel")
        self.assertEqual(f["vmx flag"], "yes")
        self.assertIn("pml", f["vmx flags"])
        self.assertEqual(f["kvm_intel"]["eptad"], "Y")

    def test_notes_say_what_each_parameter_means(self):
        notes = "\n".join(bundle.kvm_param_notes(GOOD))
        self.assertIn("eptad=Y: KVM emulates PML", notes)
        self.assertNotIn("refuses", notes)
        bad = dict(GOOD, nested="N", ept="0", eptad="N", unrestricted_guest="N")
        notes = "\n".join(bundle.kvm_param_notes(bad))
        for text in ("nested=N", "ept=N", "unrestricted_guest=N",
                     "eptad=N: KVM offers L1 neither EPT A/D flags nor PML"):
            self.assertIn(text, notes)
        self.assertIn("not loaded", bundle.kvm_param_notes({})[0])

    def test_amd_host(self):
        f = fake_host({}, cpuinfo="vendor_id\t: AuthenticAMD\nflags\t: fpu svm\n")
        self.assertEqual(f["vmx flag"], "no")
        self.assertIn("(not in /proc/cpuinfo)", f["vmx flags"])
        self.assertIn("(none readable)", bundle.format_host(f))


class Bundle(unittest.TestCase):
    def test_after_a_run(self):
        with tempfile.TemporaryDirectory() as rundir, tempfile.TemporaryDirectory() as out:
            with open(os.path.join(rundir, "serial.txt"), "w", encoding="utf-8") as f:
                f.write(SERIAL)
            dest = os.path.join(out, "bundle")
            files = bundle.write_bundle(dest, "PASS", "1 scenario passed", fake_host(GOOD),
                                        rundir, "qemu-system-x86_64 -enable-kvm -cpu host")
            self.assertEqual(sorted(files), ["README.txt", "command.txt", "exits.txt",
                                             "host.txt", "serial.txt", "vmx-caps.txt"])

            def text(name):
                with open(os.path.join(dest, name), encoding="utf-8") as f:
                    return f.read()
            self.assertEqual(text("serial.txt"), SERIAL)
            caps = text("vmx-caps.txt")
            self.assertIn("480=00da040000000012", caps)
            self.assertIn("PML no", caps)
            self.assertIn("IA32_FEATURE_CONTROL 0x5", caps)
            self.assertIn("vmx: no PML", caps)
            self.assertNotIn("RESULT", caps)
            self.assertIn("6 exits, 5 VMCALL", text("exits.txt"))
            self.assertIn("RESULT hello PASS", text("exits.txt"))
            self.assertIn("-enable-kvm -cpu host", text("command.txt"))
            host = text("host.txt")
            self.assertIn("QEMU emulator version 8.2.2", host)
            self.assertIn("  eptad=Y", host)
            self.assertIn("model name: Intel(R) Xeon(R) Gold 6230", host)
            self.assertTrue(text("README.txt").startswith("hvrun: PASS: 1 scenario passed"))

    def test_loader_stopped_early(self):
        with tempfile.TemporaryDirectory() as rundir, tempfile.TemporaryDirectory() as dest:
            with open(os.path.join(rundir, "serial.txt"), "w", encoding="utf-8") as f:
                f.write("RINGVISOR LOADER-ERROR: VMX is not available\n")
            bundle.write_bundle(dest, "FAIL", "loader refused", fake_host(GOOD), rundir)
            with open(os.path.join(dest, "vmx-caps.txt"), encoding="utf-8") as f:
                self.assertIn("stopped before", f.read())
            with open(os.path.join(dest, "exits.txt"), encoding="utf-8") as f:
                self.assertIn("did not get that far", f.read())

    def test_skipped_run_still_reports_the_host(self):
        with tempfile.TemporaryDirectory() as dest:
            files = bundle.write_bundle(dest, "SKIP", "kvm: /dev/kvm does not exist",
                                        fake_host({}))
            self.assertEqual(sorted(files), ["README.txt", "host.txt"])
            with open(os.path.join(dest, "README.txt"), encoding="utf-8") as f:
                self.assertIn("SKIP: kvm: /dev/kvm does not exist", f.read())


if __name__ == "__main__":
    unittest.main()
