# SPDX-License-Identifier: MIT
"""One boot: make sure the image is built, copy it into a run directory
with a \\ringvisor.cfg naming the scenarios, start the emulator, stream its
console while it runs, stop it at the end, and judge what it printed."""

import fcntl
import os
import shlex
import shutil
import signal
import subprocess
import time

from . import bundle, paths
from .backends import (DEFAULT_MODEL, RFB_START_LOCK, bochs_command, kill_group, qemu_command,
                       wait_until_listening)
from .console import FileTail, Machine, clean
from .errors import EXIT_PASS, SetupError
from .judge import judge, load_known_errors, skip_lines, unforgiven

POLL_SECONDS = 0.2
GRACE_SECONDS = 5.0  # after SHUTDOWN/PANIC/LOADER-ERROR, before we kill


def newest_source_mtime():
    """Latest modification time of any file under boot/ hv/ guest/ or the Makefile."""
    newest = 0.0
    sources = [os.path.join(paths.REPO, "Makefile")]
    for top in paths.SOURCE_DIRS:
        for dirpath, _dirs, files in os.walk(os.path.join(paths.REPO, top)):
            sources.extend(os.path.join(dirpath, f) for f in files)
    for path in sources:
        try:
            newest = max(newest, os.stat(path).st_mtime)
        except OSError:
            pass
    return newest


def ensure_built():
    """Run `make -s` if build/disk.img is missing or older than the sources."""
    if paths.BUILD_FROM_ENV:
        stale = False  # prebuilt images: never rebuild them
    else:
        try:
            stale = os.stat(paths.DISK).st_mtime < newest_source_mtime() or not all(
                os.path.exists(p) for p in (paths.SCENARIOS, paths.LIMITS))
        except OSError:
            stale = True
    if stale:
        if not shutil.which("make"):
            raise SetupError("make not found (package make); run tools/install-deps")
        print("hvrun: build/disk.img is missing or out of date: running make -s", flush=True)
        rc = subprocess.call(["make", "-s"], cwd=paths.REPO, stdin=subprocess.DEVNULL)
        if rc != 0:
            raise SetupError(f"build failed (make -s exited with status {rc})")
    for path in (paths.DISK, paths.SCENARIOS, paths.LIMITS):
        if not os.path.exists(path):
            raise SetupError(f"{path} does not exist: run `make` (it builds that file)")


def make_cfg(runs, verbose):
    """Text of \\ringvisor.cfg: global key=value lines, then one `run` line each."""
    lines = ["# written by tools/hvrun", "runner=hvrun"]
    if verbose:
        lines.append("log=verbose")
    for name, params in runs:
        lines.append(" ".join(["run", name] + [f"{k}={v}" for k, v in params]))
    return "\n".join(lines) + "\n"


LINUX_FILES = (("bzImage", "linux.img"), ("initramfs.cpio.gz", "initrd.img"))


def uses_linux(runs):
    """A run boots Linux: the linux and linux-clone scenarios, or any with guest=linux."""
    return any(name in ("linux", "linux-clone") or dict(params).get("guest") == "linux"
               for name, params in runs)


def add_linux(disk, env):
    """Put the kernel and initrd on the run's disk (loader: \\linux.img, \\initrd.img)."""
    built = [os.path.join(paths.BUILD, "linux", f) for f, _ in LINUX_FILES]
    if not all(os.path.exists(p) for p in built) and not paths.BUILD_FROM_ENV:
        print("hvrun: build/linux is missing: running make -s linux (a kernel build, minutes)",
              flush=True)
        if subprocess.call(["make", "-s", "linux"], cwd=paths.REPO, stdin=subprocess.DEVNULL):
            raise SetupError("make linux failed")
    for path, (_, name) in zip(built, LINUX_FILES):
        if not os.path.exists(path):
            raise SetupError(f"{path} does not exist: run `make linux`")
        copy = subprocess.run(["mcopy", "-o", "-i", disk, path, "::" + name],
                              env=env, capture_output=True, text=True)
        if copy.returncode != 0:
            raise SetupError(f"mcopy of {name} failed: {copy.stderr.strip()}")


def run_machine(opts, runs, backend, cpus, out, table=None):
    """Boot, watch, judge (table: scenarios.load()'s).  Returns the exit status."""
    rundir = os.path.join(paths.BUILD, "runs", f"{runs[0][0]}-{os.getpid()}")
    if os.path.exists(rundir):
        shutil.rmtree(rundir)
    os.makedirs(rundir)

    # The run's own copy of the disk, with the configuration added.
    disk = os.path.join(rundir, "disk.img")
    shutil.copyfile(paths.DISK, disk)
    cfg = os.path.join(rundir, "ringvisor.cfg")
    with open(cfg, "w", encoding="utf-8") as f:
        f.write(make_cfg(runs, opts["verbose"]))
    # MTOOLS_SKIP_CHECK: the image has no partition table and an unusual
    # geometry, which mtools would otherwise complain about.
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    copy = subprocess.run(["mcopy", "-o", "-i", disk, cfg, "::ringvisor.cfg"],
                          env=env, capture_output=True, text=True)
    if copy.returncode != 0:
        raise SetupError(f"mcopy failed: {copy.stderr.strip()} (run directory kept: {rundir})")
    if uses_linux(runs):
        add_linux(disk, env)

    debug = opts["debug"]
    if backend == "bochs":
        known = load_known_errors(paths.KNOWN_ERRORS)
        argv = bochs_command(rundir, cpus, debug, out,
                             opts.get("cpu_model") or DEFAULT_MODEL)
    else:
        known = []
        argv = qemu_command(backend, cpus, debug, out, opts.get("qemu_cpu") or "host")
    with open(os.path.join(rundir, "command.txt"), "w", encoding="utf-8") as f:
        f.write(shlex.join(argv) + "\n")
    if opts["verbose"]:
        out.say(f"hvrun: {shlex.join(argv)}  (in {rundir})")

    model = f" model={opts.get('cpu_model') or DEFAULT_MODEL}" if backend == "bochs" else ""
    out.say(f"hvrun: booting {' + '.join(name for name, _ in runs)} "
            f"backend={backend}{model} cpus={cpus} dir={os.path.relpath(rundir)}")

    # With --debug under Bochs the debugger owns this terminal: we do not
    # write the console to it, and Ctrl-C must reach Bochs (which stays in
    # our process group, the terminal's foreground group), not kill us.
    bochs_debug = debug and backend == "bochs"
    if bochs_debug:
        out.echo_console = False
        signal.signal(signal.SIGINT, lambda *_: None)
        emu_out = None
        stdin = None
    else:
        emu_out = open(os.path.join(rundir, "emulator.out"), "wb")
        stdin = subprocess.DEVNULL
    own_group = not bochs_debug

    machine = Machine()
    console = FileTail(os.path.join(rundir, "serial.txt"))
    bochs_log = FileTail(os.path.join(rundir, "bochs.log"))
    timeout = None if debug else opts["timeout"]
    timed_out = False

    def drain(final=False):
        for line in console.lines(final):
            line = clean(line)
            out.console(line)
            machine.console_line(line)
        if backend == "bochs":
            for line in bochs_log.lines(final):
                machine.bochs_line(line.rstrip("\r"))

    lock = None
    if backend == "bochs":
        lock = os.open(RFB_START_LOCK, os.O_RDWR | os.O_CREAT, 0o666)
        fcntl.flock(lock, fcntl.LOCK_EX)
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=rundir, stdin=stdin, stdout=emu_out,
                            stderr=subprocess.STDOUT if emu_out else None,
                            start_new_session=own_group)
    try:
        if lock is not None:
            wait_until_listening(proc.pid)
            os.close(lock)  # releases the flock
            lock = None
        while True:
            drain()
            if proc.poll() is not None:
                break
            now = time.monotonic()
            if timeout is not None and now - start >= timeout:
                timed_out = True
                out.say(f"hvrun: timeout after {timeout:g}s: stopping the emulator")
                kill_group(proc, own_group)
                break
            if machine.end_seen_at is not None:
                # A triple fault makes Bochs reset and boot again: stop at once.
                grace = 0 if machine.triple_fault else GRACE_SECONDS
                if now - machine.end_seen_at >= grace:
                    kill_group(proc, own_group)
                    break
            time.sleep(POLL_SECONDS)
    finally:
        if lock is not None:
            os.close(lock)
        kill_group(proc, own_group)  # on Ctrl-C or any error too
        if emu_out:
            emu_out.close()
    wall = time.monotonic() - start
    drain(final=True)

    # Bochs' error and panic lines: each must be a known, explained one.
    forbidden = unforgiven(machine.bochs_errors, known)
    for line in forbidden[:20]:
        out.say(f"hvrun: bochs error not forgiven: {line}")
    if len(forbidden) > 20:
        out.say(f"hvrun: ... and {len(forbidden) - 20} more, see {rundir}/bochs.log")
    if machine.shutdown_tick is not None:
        # Bochs' ticks are emulated instructions: reproducible run to run.
        out.say(f"hvrun: Bochs left through the shutdown port at tick {machine.shutdown_tick}")

    status, verdict, reason = judge(machine, runs, forbidden, timed_out, timeout,
                                    proc.returncode, table)
    for line in skip_lines(machine, runs):
        out.say(line)
    if opts.get("bundle"):
        files = bundle.write_bundle(opts["bundle"], verdict, reason, bundle.host_facts(),
                                    rundir, shlex.join(argv))
        out.say(f"hvrun: bug-report bundle in {opts['bundle']}: {' '.join(files)}")
    keep = opts["keep"] or status != EXIT_PASS
    if keep:
        out.say(f"hvrun: run directory kept: {rundir}")
    else:
        shutil.rmtree(rundir, ignore_errors=True)
    out.say(f"hvrun: {verdict} ({reason}) exit={status} ticks/wall={wall:.1f}s "
            f"backend={backend}{model} cpus={cpus}")
    return status
