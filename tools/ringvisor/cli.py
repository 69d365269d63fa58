# SPDX-License-Identifier: MIT
"""tools/hvrun's command line: options, scenarios and their keys, checked
before anything boots (values against scenarios.txt's types, counts
against build/limits.txt), then one boot through run.run_machine()."""

import re
import signal
import sys

from . import bundle, paths
from .backends import BOCHS_MODELS, check_tools, kvm_unavailable_reason
from .console import Output
from .errors import EXIT_INTERRUPTED, EXIT_PASS, EXIT_SETUP, EXIT_SKIP, SetupError, Skip
from .generated import limit, load_limits
from .run import ensure_built, run_machine
from .scenarios import default_cpus, load, validate

USAGE = """\
usage: tools/hvrun [options] SCENARIO [key=value ...] [-- SCENARIO [key=value ...] ...]

Boot Ringvisor once and run one or more scenarios in that boot.  Scenarios,
their keys and the values each key takes are listed in build/scenarios.txt
(a copy of guest/mgmt/scenarios.txt); keys you leave out take the default
written there.  Separate scenarios with `--` (or `+`).  Example:

    tools/hvrun hello vcpus=2 -- hello vcpus=1

options:
  --backend B    auto (default), bochs, kvm or qemu.
                 auto = kvm if /dev/kvm exists, the CPU is GenuineIntel and
                 kvm_intel's nested VMX is on; otherwise bochs.
                 qemu = QEMU with TCG, which has no VMX (the loader must
                 refuse; used by a test).
  --cpu-model M  bochs: the CPU model (default corei7_skylake_x, the one
                 with PML); `bochs --help cpu` lists them, docs/bochs.md
                 says what each has and what Ringvisor does there.
  --cpus N       logical CPUs of the machine (default: 1 for the management
                 partition + the most any scenario's workloads need: its
                 `vcpus`; twice that for migrate, soak and linux-clone (source and
                 destination); 2 for faults, isolation, isolation-state
                 and fuzz (a bystander besides the workload)).
  --qemu-cpu C   kvm: QEMU's CPU model (default host, the host's VMX
                 capabilities as nested KVM offers them); another model
                 gets +vmx added (e.g. Skylake-Server,+vmx).
  --bundle DIR   write what a bug report needs into DIR: serial log, the
                 loader's raw VMX capability MSRs, exit counts, the
                 emulator's command line, QEMU version, /proc/cpuinfo
                 flags, kvm_intel's parameters and what they mean
                 (docs/real-vtx.md).  Written even when kvm is skipped.
  --timeout S    give up after S seconds of wall time (default 900).
  --log FILE     also write the console (and hvrun's messages) to FILE.
  --verbose      ask the hypervisor to log every VM exit (log=verbose).
  --debug        bochs: run under the Bochs debugger on this terminal;
                 kvm/qemu: start QEMU halted, waiting for gdb on :1234
                 (QEMU's -s -S).
                 No timeout applies.
  --keep         keep the run directory even when the run passed.
  -h, --help     show this text.

The run directory is build/runs/<scenario>-<pid>/ (disk.img, ringvisor.cfg,
serial.txt, and for Bochs bochsrc and bochs.log).  It is removed after a
passing run unless --keep is given, and always kept otherwise.

A run ends when the emulator exits, when the timeout expires, or 5 s after
the machine printed `RINGVISOR SHUTDOWN`, `RINGVISOR PANIC` or
`RINGVISOR LOADER-ERROR` (or Bochs reported a triple fault).

exit status:
  0  pass: every scenario printed a RESULT line, all PASS with every key
     scenarios.txt declares (or SKIP with a reason: the machine lacks a
     feature that run needs, e.g. PML; each is named on a line
     `hvrun: skipped SCENARIO key=value ...: reason=...` and counted in the
     closing line, "N passed, K skipped"), and the machine shut down
     cleanly (RINGVISOR SHUTDOWN status=0)
  1  fail: a RESULT FAIL, a shutdown status other than 0, a hypervisor
     panic, a loader refusal, a triple fault, missing RESULT lines, or a
     Bochs error line not listed in tests/bochs-known-errors.txt
  2  usage or set-up error (bad arguments or values, build failed, tool
     missing), found before anything boots
  3  timeout or crash before any RESULT line
  4  skipped: the requested backend cannot run on this host (kvm without
     an Intel CPU with nested VMX); a line `SKIP kvm: <reason>` says why
  130 interrupted (Ctrl-C or SIGTERM); the emulator is stopped

environment:
  HVRUN_BUILD_DIR  use the images in this directory instead of build/
                   (no automatic `make` then); run directories go there too.
"""

DEFAULT_TIMEOUT = 900.0


def parse_args(argv):
    """Split argv into options and a list of runs.

    Options may appear anywhere (scenario names and key=value never start
    with '-').  `--` or `+` ends one scenario's arguments.  Returns
    (opts, runs) where runs is a list of (scenario, [(key, value), ...]).
    """
    opts = {
        "backend": "auto",
        "cpus": None,
        "cpu_model": None,
        "qemu_cpu": None,
        "bundle": None,
        "timeout": DEFAULT_TIMEOUT,
        "log": None,
        "verbose": False,
        "debug": False,
        "keep": False,
    }
    with_value = {"--backend": "backend", "--cpus": "cpus", "--timeout": "timeout", "--log": "log",
                  "--cpu-model": "cpu_model", "--qemu-cpu": "qemu_cpu", "--bundle": "bundle"}
    flags = {"--verbose": "verbose", "--debug": "debug", "--keep": "keep"}

    runs = []
    current = None  # the run being collected: [name, params]
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg in ("--", "+"):
            current = None
        elif arg in ("-h", "--help"):
            sys.stdout.write(USAGE)
            raise SystemExit(EXIT_PASS)
        elif arg.startswith("-"):
            name, eq, value = arg.partition("=")
            if name in flags and not eq:
                opts[flags[name]] = True
            elif name in with_value:
                if not eq:
                    if i >= len(argv):
                        raise SetupError(f"option {name} needs a value")
                    value = argv[i]
                    i += 1
                opts[with_value[name]] = value
            else:
                raise SetupError(f"unknown option {arg!r} (see --help)")
        elif "=" in arg:
            if current is None:
                raise SetupError(f"{arg!r}: key=value given before a scenario name")
            key, _, value = arg.partition("=")
            current[1].append((key, value))
        else:
            if current is not None:
                raise SetupError(
                    f"{arg!r} after scenario {current[0]!r}: expected key=value "
                    "(separate scenarios with --)"
                )
            current = [arg, []]
            runs.append(current)

    if opts["backend"] not in ("auto", "bochs", "kvm", "qemu"):
        raise SetupError(f"--backend must be auto, bochs, kvm or qemu, not {opts['backend']!r}")
    if opts["qemu_cpu"] is not None:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", opts["qemu_cpu"]):
            raise SetupError(f"--qemu-cpu {opts['qemu_cpu']!r}: expected a QEMU CPU model name")
        if opts["backend"] != "kvm":
            raise SetupError("--qemu-cpu chooses QEMU's CPU model under KVM: it needs --backend kvm")
    model = opts["cpu_model"]
    if model is not None:
        if model not in BOCHS_MODELS:
            raise SetupError(f"--cpu-model {model!r} is not a Bochs 2.7 CPU model; "
                             f"those are: {' '.join(BOCHS_MODELS)}")
        if opts["backend"] not in ("auto", "bochs"):
            raise SetupError("--cpu-model chooses a Bochs CPU model: it needs --backend bochs")
        opts["backend"] = "bochs"  # a model asked for: Bochs, even where KVM could run
    try:
        timeout = float(opts["timeout"])
    except ValueError:
        timeout = 0
    if timeout <= 0:
        raise SetupError(f"--timeout must be a positive number of seconds, not {opts['timeout']!r}")
    opts["timeout"] = timeout
    if not runs:
        raise SetupError("no scenario given (see --help)")
    return opts, [(name, params) for name, params in runs]


def check_limits(opts, runs, limits):
    """The counts the loader's boot block holds (hv/abi/bootinfo.h, via limits.txt).
    Turns opts["cpus"] into a number."""
    max_cpus, max_runs = limit(limits, "RV_MAX_CPUS"), limit(limits, "RV_CFG_MAX_RUNS")
    cpus = opts["cpus"]
    if cpus is not None:
        if not cpus.isdigit() or not 1 <= int(cpus) <= max_cpus:
            raise SetupError(f"--cpus must be a number from 1 to {max_cpus}, not {cpus!r}")
        opts["cpus"] = int(cpus)
    if len(runs) > max_runs:
        raise SetupError(f"{len(runs)} scenarios given; one boot runs at most {max_runs}")


def check_command(argv):
    """Everything hvrun checks before it boots, on built files: returns
    (opts, runs, table, limits, cpus) or raises SetupError."""
    opts, runs = parse_args(argv)
    ensure_built()
    limits = load_limits()
    check_limits(opts, runs, limits)
    table = load(paths.SCENARIOS, limits)
    validate(runs, table, limits)
    cpus = opts["cpus"] or default_cpus(runs, table, limits)
    return opts, runs, table, limits, cpus


def on_sigterm(_signum, _frame):
    raise KeyboardInterrupt  # same clean-up as Ctrl-C: stop the emulator


def main(argv):
    signal.signal(signal.SIGTERM, on_sigterm)
    out = None
    opts = {}
    try:
        opts, runs, table, _limits, cpus = check_command(argv)
        backend = opts["backend"]
        kvm_reason = kvm_unavailable_reason()
        if backend == "auto":
            backend = "bochs" if kvm_reason else "kvm"
        elif backend == "kvm" and kvm_reason:
            raise Skip(f"kvm: {kvm_reason}")
        check_tools(backend)

        out = Output(opts["log"])
        return run_machine(opts, runs, backend, cpus, out, table)
    except SetupError as e:
        print(f"hvrun: error: {e}", file=sys.stderr, flush=True)
        return EXIT_SETUP
    except Skip as e:
        print(f"SKIP {e}", flush=True)
        if opts.get("bundle"):
            # Why it could not run is the report: the host's side of it.
            files = bundle.write_bundle(opts["bundle"], "SKIP", str(e), bundle.host_facts())
            print(f"hvrun: bug-report bundle in {opts['bundle']}: {' '.join(files)}", flush=True)
        return EXIT_SKIP
    except KeyboardInterrupt:
        print("\nhvrun: interrupted (emulator stopped; run directory kept)", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if out:
            out.close()


def hvrun_argv(runs, options=()):
    """argv that boots once and runs each (scenario, {key: value}) of runs,
    for the tools that drive hvrun (tools/perf-suite, tools/plots)."""
    argv = [paths.HVRUN] + list(options)
    for i, (name, params) in enumerate(runs):
        argv += (["--"] if i else []) + [name] + [f"{k}={v}" for k, v in params.items()]
    return argv
