# SPDX-License-Identifier: MIT
"""Reading what `make` generates for the tools.

build/limits.txt   "NAME VALUE" per #define of hv/abi/bootinfo.h,
                   hv/abi/hypercall.h and guest/mgmt/{track,precopy}.h
                   (Makefile, rule $(B)/limits.txt): the one source of the
                   limits hvrun shares with the loader and the guests.
build/exit_reasons.txt  "number NAME" per VM-exit reason (hv/vmx/exit_reasons.def).
"""

import os

from . import paths
from .errors import SetupError


def _missing(path):
    return SetupError(f"{path} is missing: run `make` (it generates that file)")


def load_limits(path=None):
    """{NAME: int} from limits.txt; SetupError naming `make` if it is missing."""
    path = path or paths.LIMITS
    if not os.path.exists(path):
        raise _missing(path)
    limits = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            try:
                limits[parts[0]] = int(parts[1], 0)
            except (IndexError, ValueError):
                raise SetupError(f"{path}:{lineno}: not `NAME VALUE`: {line!r} (run `make`)")
    return limits


def limit(limits, name):
    """limits[name], or a SetupError saying the file lacks it (a stale build)."""
    try:
        return limits[name]
    except KeyError:
        raise SetupError(f"{paths.LIMITS} has no {name}: run `make` (or a header lost it)")


def load_exit_names(path, warn=None):
    """'number NAME' lines -> {number: NAME}.  Blank and '#' lines are skipped;
    other malformed lines are reported through warn(msg) and ignored."""
    names = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split()
            if len(parts) != 2 or not parts[0].isdigit():
                if warn:
                    warn("%s:%d: not 'number NAME', ignored" % (path, lineno))
                continue
            names[int(parts[0])] = parts[1]
    return names
