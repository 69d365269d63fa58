# SPDX-License-Identifier: MIT
"""Where things are: the repository, build/ (or $HVRUN_BUILD_DIR) and the
files tools read from it.  Tools read only generated files from build/,
never the C headers themselves (those may move)."""

import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_FROM_ENV = bool(os.environ.get("HVRUN_BUILD_DIR"))
BUILD = os.path.abspath(os.environ.get("HVRUN_BUILD_DIR") or os.path.join(REPO, "build"))

DISK = os.path.join(BUILD, "disk.img")
SCENARIOS = os.path.join(BUILD, "scenarios.txt")
LIMITS = os.path.join(BUILD, "limits.txt")
EXIT_REASONS = os.path.join(BUILD, "exit_reasons.txt")
HV_ELF = os.path.join(BUILD, "hv.elf")
BOCHSRC_IN = os.path.join(REPO, "tools", "bochsrc.in")
KNOWN_ERRORS = os.path.join(REPO, "tests", "bochs-known-errors.txt")
HVRUN = os.path.join(REPO, "tools", "hvrun")
SOURCE_DIRS = ("boot", "hv", "guest")  # a newer file here means "rebuild"
