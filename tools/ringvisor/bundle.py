# SPDX-License-Identifier: MIT
"""tools/hvrun --bundle DIR: what a bug report from a new host needs, in
one directory (docs/real-vtx.md says what to send).

    README.txt     verdict, reason, what to look at first
    command.txt    the emulator's command line (QEMU or Bochs)
    serial.txt     the whole serial console (loader, hypervisor, guests)
    vmx-caps.txt   the loader's raw VMX capability MSRs and its summary
    exits.txt      the exit counts the scenarios printed
    host.txt       QEMU version, kernel, CPU model and /proc/cpuinfo flags,
                   /sys/module/kvm_intel/parameters/*, and what they mean
                   for Ringvisor

Everything reads through two small hooks (read_text, run_command) so the
unit tests (tests/tools/test_bundle.py) feed fake hosts: this machine has
no VT-x, and the bundle must be right the first time a real one runs it.
"""

import os
import re
import shutil
import subprocess

KVM_PARAMS_DIR = "/sys/module/kvm_intel/parameters"
# The kvm_intel parameters that decide what nested VMX shows Ringvisor.
KVM_PARAMS = ("nested", "ept", "unrestricted_guest", "eptad", "pml", "enable_shadow_vmcs",
              "preemption_timer", "vpid", "enable_apicv", "flexpriority")

RE_CAPS = re.compile(r"VMX capability MSRs:|VMX: VMCS revision|IA32_FEATURE_CONTROL|vmx: no ")
RE_EXITS = re.compile(r"\bexits\b|RESULT ")


def read_text(path):
    """The file's text, or None if it cannot be read."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


def run_command(argv):
    """First line of argv's output, or why it could not run."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"(could not run {argv[0]}: {e})"
    text = (out.stdout or out.stderr).strip()
    return text.splitlines()[0] if text else f"(no output, status {out.returncode})"


def is_on(value):
    return value is not None and value.strip() in ("Y", "y", "1")


def kvm_param_notes(params):
    """What the kvm_intel parameters mean for Ringvisor under nested VMX
    (KVM's nested_vmx_setup_ctls_msrs: EPT, unrestricted guest and PML
    are offered to L1 only when L0 has them on), one line each."""
    notes = []
    if not params:
        return ["kvm_intel is not loaded (no /sys/module/kvm_intel): no KVM backend here"]
    if not is_on(params.get("nested")):
        notes.append("nested=N: the guest sees no VMX; the loader refuses "
                     "(modprobe kvm_intel nested=1)")
    if not is_on(params.get("ept")):
        notes.append("ept=N: no EPT for L1; the loader refuses (Ringvisor needs EPT)")
    if not is_on(params.get("unrestricted_guest")):
        notes.append("unrestricted_guest=N: the loader refuses (Ringvisor needs it)")
    if not is_on(params.get("eptad")):
        notes.append("eptad=N: KVM offers L1 neither EPT A/D flags nor PML; "
                     "PML runs print RESULT ... SKIP reason=pml-unsupported")
    else:
        notes.append("eptad=Y: KVM emulates PML and EPT A/D flags for L1; "
                     "PML runs should pass")
    notes.append("enable_shadow_vmcs and pml are L0's own optimisations (how fast "
                 "L1's VMREAD/VMWRITE and L0's dirty logging are); KVM never offers "
                 "VMCS shadowing to L1, and Ringvisor does not use it")
    return notes


def host_facts(read=read_text, run=run_command):
    """{name: text} describing the host; every value a string."""
    facts = {}
    facts["qemu"] = run(["qemu-system-x86_64", "--version"])
    facts["kernel"] = run(["uname", "-r"])
    cpuinfo = read("/proc/cpuinfo") or ""
    for key in ("vendor_id", "model name", "microcode", "flags"):
        m = re.search(rf"^{re.escape(key)}\s*:\s*(.*)$", cpuinfo, re.MULTILINE)
        facts[key] = m.group(1).strip() if m else "(not in /proc/cpuinfo)"
    flags = facts["flags"].split()
    facts["vmx flag"] = "yes" if "vmx" in flags else "no"
    m = re.search(r"^vmx flags\s*:\s*(.*)$", cpuinfo, re.MULTILINE)  # Linux 5.8+
    facts["vmx flags"] = m.group(1).strip() if m else "(not in /proc/cpuinfo)"
    params = {}
    for name in KVM_PARAMS:
        value = read(os.path.join(KVM_PARAMS_DIR, name))
        if value is not None:
            params[name] = value.strip()
    facts["kvm_intel"] = params
    return facts


def format_host(facts):
    lines = [f"qemu: {facts['qemu']}", f"kernel: {facts['kernel']}"]
    for key in ("vendor_id", "model name", "microcode", "vmx flag", "vmx flags", "flags"):
        lines.append(f"{key}: {facts[key]}")
    params = facts["kvm_intel"]
    lines.append(f"{KVM_PARAMS_DIR}:")
    lines += [f"  {k}={v}" for k, v in params.items()] or ["  (none readable)"]
    lines.append("what they mean for Ringvisor:")
    lines += [f"  {note}" for note in kvm_param_notes(params)]
    return "\n".join(lines) + "\n"


def matching(text, regex):
    return "".join(line + "\n" for line in text.splitlines() if regex.search(line))


def write_bundle(dest, verdict, reason, facts, rundir=None, command=None):
    """Fill directory dest (created if needed); return the files written."""
    os.makedirs(dest, exist_ok=True)
    written = []

    def put(name, text):
        with open(os.path.join(dest, name), "w", encoding="utf-8") as f:
            f.write(text)
        written.append(name)

    serial = read_text(os.path.join(rundir, "serial.txt")) if rundir else None
    if serial is not None:
        shutil.copyfile(os.path.join(rundir, "serial.txt"), os.path.join(dest, "serial.txt"))
        written.append("serial.txt")
        put("vmx-caps.txt", matching(serial, RE_CAPS) or "(the loader printed no VMX capability "
            "line: it stopped before, see serial.txt)\n")
        put("exits.txt", matching(serial, RE_EXITS) or "(no exit counts: the run did not get "
            "that far)\n")
    for name in ("bochs.log", "emulator.out", "ringvisor.cfg"):
        if rundir and os.path.exists(os.path.join(rundir, name)):
            shutil.copyfile(os.path.join(rundir, name), os.path.join(dest, name))
            written.append(name)
    if command:
        put("command.txt", command + "\n")
    put("host.txt", format_host(facts))
    first = "serial.txt (the first RINGVISOR line that is not ok)" if serial else "host.txt"
    put("README.txt", f"hvrun: {verdict}: {reason}\n\n"
        f"Look first at {first}; vmx-caps.txt has what the loader read from the\n"
        "VMX capability MSRs.  Send the whole directory with a bug report\n"
        "(docs/real-vtx.md).\n")
    return written
