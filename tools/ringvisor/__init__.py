# SPDX-License-Identifier: MIT
"""The host side of Ringvisor's test runner, as a package the tools share.

tools/hvrun is a thin command over it; tools/hvtrace, tools/perf-suite,
tools/plots and tools/gen-scenarios take pieces from it, so that a rule
(which console lines are believed, what a key may be set to, where the
build's generated files are) is written once.  Standard library only.

  errors     exit statuses and the two exceptions that end a run early
  paths      the repository, build/ and the files in it
  generated  build/limits.txt and build/exit_reasons.txt (made by `make`)
  scenarios  guest/mgmt/scenarios.txt: keys, their types, RESULT keys
  console    reading the machine's console: who may say what
  judge      turning what the machine said into pass/fail
  backends   Bochs, QEMU/TCG and QEMU/KVM command lines, process control
  run        one boot: disk copy, configuration, emulator, verdict
  cli        tools/hvrun's command line
"""
