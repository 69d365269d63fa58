# SPDX-License-Identifier: MIT
"""Exit statuses of tools/hvrun and the exceptions that end a run early.

tests/integration/cases.txt and tests/run-tests depend on these numbers.
"""

EXIT_PASS, EXIT_FAIL, EXIT_SETUP, EXIT_TIMEOUT, EXIT_SKIP = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130


class SetupError(Exception):
    """Anything that stops us before the machine runs: exit status 2."""


class Skip(Exception):
    """The requested backend cannot run here: exit status 4."""
