# SPDX-License-Identifier: MIT
"""The emulators: Bochs (the default here), QEMU with TCG (no VMX: used to
check that the loader refuses) and QEMU with KVM (real VT-x through nested
KVM on an Intel host).  Command lines, the tools each needs, and stopping
them.  See docs/bochs.md (the book's appendix on Bochs) for why
Bochs is driven the way it is."""

import os
import re
import shutil
import signal
import subprocess
import time

from . import paths
from .errors import SetupError

OVMF = "/usr/share/ovmf/OVMF.fd"
VGABIOS = "/usr/share/vgabios/vgabios.bin"
MEGS = 256  # the machine's memory by default (hvrun --megs)
MEGS_MIN, MEGS_MAX = 128, 2048

# Bochs 2.7's CPU models (`bochs --help cpu`), oldest first.  Those from
# core_duo_t2400_yonah on, except the AMD ones and atom_n270, have VMX;
# docs/bochs.md says what each does with Ringvisor.
BOCHS_MODELS = (
    "bx_generic", "pentium", "pentium_mmx", "amd_k6_2_chomper", "p2_klamath",
    "p3_katmai", "p4_willamette", "core_duo_t2400_yonah", "atom_n270",
    "p4_prescott_celeron_336", "athlon64_clawhammer", "athlon64_venice",
    "turion64_tyler", "phenom_8650_toliman", "core2_penryn_t9600",
    "corei5_lynnfield_750", "corei5_arrandale_m520", "corei7_sandy_bridge_2600k",
    "zambezi", "trinity_apu", "ryzen", "corei7_ivy_bridge_3770k",
    "corei7_haswell_4770", "broadwell_ult", "corei7_skylake_x", "corei3_cnl",
    "corei7_icelake_u", "tigerlake",
)
DEFAULT_MODEL = "corei7_skylake_x"


def kvm_unavailable_reason():
    """None if QEMU/KVM can run Ringvisor here, else why not (one line)."""
    if not os.path.exists("/dev/kvm"):
        return "/dev/kvm does not exist"
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            intel = "GenuineIntel" in f.read()
    except OSError:
        intel = False
    if not intel:
        return "the host CPU is not GenuineIntel (/proc/cpuinfo); Ringvisor needs VT-x"
    nested = "/sys/module/kvm_intel/parameters/nested"
    try:
        with open(nested, encoding="utf-8") as f:
            value = f.read().strip()
    except OSError:
        return f"{nested} cannot be read (is the kvm_intel module loaded?)"
    if value not in ("Y", "1"):
        return f"nested VMX is off ({nested} reads {value!r}, needs Y or 1)"
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return "no read/write permission on /dev/kvm"
    return None


def check_tools(backend):
    """Raise SetupError naming each missing tool and its Debian package."""
    needed = [("mcopy", "mtools"), (OVMF, "ovmf")]
    if backend == "bochs":
        needed += [("bochs", "bochs"), (VGABIOS, "vgabios"), (paths.BOCHSRC_IN, None)]
    else:
        needed += [("qemu-system-x86_64", "qemu-system-x86")]
    missing = []
    for tool, package in needed:
        found = os.path.exists(tool) if tool.startswith("/") else shutil.which(tool)
        if not found:
            missing.append(f"{tool} (package {package})" if package else tool)
    if missing:
        raise SetupError("missing: " + ", ".join(missing) + "; run tools/install-deps")


def bochs_command(rundir, cpus, debug, out, model=DEFAULT_MODEL, megs=MEGS):
    """Write bochsrc (and the debugger command file) into rundir; return argv."""
    with open(paths.BOCHSRC_IN, encoding="utf-8") as f:
        text = f.read()
    for name, value in {
        "MEGS": str(megs),
        "OVMF": OVMF,
        "VGABIOS": VGABIOS,
        "MODEL": model,
        "CPUS": str(cpus),
        "SERIAL": "serial.txt",
        "DISK": "disk.img",
        "LOG": "bochs.log",
    }.items():
        text = text.replace(f"@{name}@", value)
    leftover = re.search(r"@[A-Z]+@", text)
    if leftover:
        raise SetupError(f"{paths.BOCHSRC_IN}: unknown placeholder {leftover.group(0)}")
    with open(os.path.join(rundir, "bochsrc"), "w", encoding="utf-8") as f:
        f.write(text)

    if not debug:
        # Debian's Bochs has its debugger built in: without a command file it
        # stops before the first instruction.  "c" = continue.
        with open(os.path.join(rundir, "dbg.rc"), "w", encoding="utf-8") as f:
            f.write("c\n")
        return ["bochs", "-q", "-f", "bochsrc", "-rc", "dbg.rc"]

    # --debug: the debugger reads this file first, then the terminal.
    argv = ["bochs", "-q", "-f", "bochsrc"]
    have_syms = write_symbols(os.path.join(rundir, "hv.sym"))
    if have_syms:
        with open(os.path.join(rundir, "debug.rc"), "w", encoding="utf-8") as f:
            f.write('ldsym global "hv.sym"\n')
        argv += ["-rc", "debug.rc"]
    rel_rundir = os.path.relpath(rundir)
    out.say("hvrun: --debug: Bochs starts halted at the first instruction (the reset vector).")
    if have_syms:
        out.say("  The hypervisor's symbols are loaded (hv.sym, from build/hv.elf):")
        out.say('    lb "hv_main"          break when the hypervisor reaches hv_main')
        out.say('    info symbols "hv_"    list symbols starting with hv_')
    out.say("  Or by address:  nm build/hv.elf | grep hv_main   then   lb 0x<address>")
    out.say("  c continue, s step, n next (over calls), r registers, sreg segments,")
    out.say("  creg control registers, u /10 disassemble, x /4gx ADDR memory,")
    out.say("  info tab page tables, vmexitbp stop at each VM exit/entry, blist, q quit.")
    out.say("  Ctrl-C returns to the debugger prompt.  The serial console is not shown")
    out.say(f"  here; in another terminal: tail -f {rel_rundir}/serial.txt")
    return argv


def write_symbols(path):
    """build/hv.elf's symbols in Bochs' ldsym format ("%x %s"); False if none."""
    if not os.path.exists(paths.HV_ELF) or not shutil.which("nm"):
        return False
    try:
        listing = subprocess.run(["nm", paths.HV_ELF], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return False
    with open(path, "w", encoding="utf-8") as f:
        for line in listing.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTdDbBrR":
                f.write(f"{parts[0]} {parts[2]}\n")
    return True


def qemu_command(backend, cpus, debug, out, qemu_cpu="host", megs=MEGS):
    """QEMU's argv.  kvm: `-cpu host` passes the host's VMX capabilities
    through nested KVM as they are (what KVM offers L1: docs/real-vtx.md);
    a named model (--qemu-cpu Skylake-Server) needs +vmx added, or the
    guest has no VMX at all."""
    argv = ["qemu-system-x86_64"]
    if backend == "kvm":
        cpu = "host" if qemu_cpu == "host" else f"{qemu_cpu},+vmx"
        argv += ["-enable-kvm", "-cpu", cpu]
    else:
        argv += ["-accel", "tcg", "-cpu", "max"]
    argv += [
        "-smp", str(cpus), "-m", str(megs), "-machine", "q35",
        "-bios", OVMF,
        "-drive", "file=disk.img,format=raw,if=ide",
        # COM1 at 0x3f8: the loader's and hypervisor's console.
        "-serial", "file:serial.txt",
        "-display", "none", "-no-reboot",
        # The hypervisor's shutdown and the loader's refusal write their
        # status to port 0xf4 (hv/platform/panic.c, boot/console.c); QEMU
        # then exits with (status << 1) | 1.  hvrun judges the console, not
        # that number.
        "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
    ]
    if debug:
        argv += ["-s", "-S"]
        out.say("hvrun: --debug: QEMU waits for a debugger.  In another terminal:")
        out.say("  gdb build/hv.elf -ex 'target remote :1234'")
        out.say("  then e.g.  hbreak hv_main   continue")
    return argv


# Bochs' VNC server (display rfb) binds the first free port from 5900 up, but
# two Bochs starting at the same instant can both bind 5900 (SO_REUSEADDR);
# the loser's listen() fails and it then gives up on every port ("RFB could
# not bind any port").  So Bochs start-ups are serialised machine-wide: a
# run holds this lock from starting Bochs until Bochs is listening.
RFB_START_LOCK = "/tmp/ringvisor-bochs-start.lock"


def wait_until_listening(pid, limit=5.0):
    """Wait until process `pid` has a listening TCP socket (at most `limit` s)."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        inodes = set()
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                try:
                    link = os.readlink(f"/proc/{pid}/fd/{fd}")
                except OSError:
                    continue
                if link.startswith("socket:["):
                    inodes.add(link[len("socket:["):-1])
        except OSError:
            return False  # the process is gone
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(table, encoding="ascii") as f:
                    rows = [line.split() for line in f.readlines()[1:]]
            except OSError:
                continue
            # columns: sl local remote st ... inode (10th); st 0A = LISTEN
            if any(len(r) > 9 and r[3] == "0A" and r[9] in inodes for r in rows):
                return True
        time.sleep(0.05)
    return False


def kill_group(proc, own_group):
    """Stop the emulator: its whole process group if it has one of its own."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):
        try:
            if own_group:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            pass
