# SPDX-License-Identifier: MIT
"""guest/mgmt/scenarios.txt: the scenarios, their keys, the values each key
takes, and the keys each RESULT line always prints (the file's own header
explains the format).  tools/hvrun checks command lines against it before
anything boots; tools/gen-scenarios turns it into build/scenarios.h.  The
management program checks the values again (a configuration written by
hand never passes through here)."""

import re

from .errors import SetupError
from .generated import limit

# Names a range may use besides those of build/limits.txt.
BUILTIN = {"UINT32_MAX": 2**32 - 1, "INT64_MAX": 2**63 - 1, "UINT64_MAX": 2**64 - 1}

RE_RANGE = re.compile(r"(int|pow2)\((\w+)\.\.(\w+)\)\Z")
RE_CHOICE = re.compile(r"one-of\(([\w.+-]+(?:\|[\w.+-]+)*)\)\Z")
# one-of(a|b)+int(LO..HI): a word of the list, or a number of the range.
RE_EITHER = re.compile(r"(one-of\([^)]*\))\+(int\(\w+\.\.\w+\))\Z")
# The loader (boot/cfg.c) accepts these characters in names and values.
RE_WORD = re.compile(r"[A-Za-z0-9_.,:+-]+")
# One key=value of a RESULT line (keys are C identifiers in the guests).
RE_RESULT_KV = re.compile(r"(?:^|\s)([A-Za-z_]\w*)=")


def parse_number(text):
    """What param_u64() (guest/mgmt/scenarios.c) reads: decimal, or hex after
    0x; None for anything else or above 2^64-1."""
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", text):
        n = int(text, 16)
    elif re.fullmatch(r"[0-9]+", text):
        n = int(text, 10)
    else:
        return None
    return n if n < 2**64 else None


class KeyType:
    """int(LO..HI), pow2(LO..HI), one-of(a|b|c) or one-of(a|b)+int(LO..HI):
    the values a key takes."""

    def __init__(self, kind, lo=None, hi=None, choices=()):
        self.kind, self.lo, self.hi, self.choices = kind, lo, hi, tuple(choices)

    def allowed(self):
        """The allowed values, as the end of "KEY must be ..."."""
        if self.kind == "either":
            return f"{', '.join(self.choices)} or a number from {self.lo} to {self.hi}"
        if self.kind == "one-of":
            *head, last = self.choices
            return f"{', '.join(head)} or {last}" if head else last
        what = "a power of two" if self.kind == "pow2" else "a number"
        return f"{what} from {self.lo} to {self.hi}"

    def accepts(self, value):
        if self.kind == "one-of" or (self.kind == "either" and value in self.choices):
            return value in self.choices
        n = parse_number(value)
        if n is None or not self.lo <= n <= self.hi:
            return False
        return self.kind != "pow2" or n & (n - 1) == 0


def parse_type(text, limits, where):
    m = RE_EITHER.match(text)
    if m:
        words, number = (parse_type(t, limits, where) for t in m.group(1, 2))
        return KeyType("either", number.lo, number.hi, words.choices)
    m = RE_CHOICE.match(text)
    if m:
        return KeyType("one-of", choices=m.group(1).split("|"))
    m = RE_RANGE.match(text)
    if not m:
        raise SetupError(f"{where}: type {text!r} is not int(LO..HI), pow2(LO..HI), "
                         "one-of(a|b|...) or one-of(a|b|...)+int(LO..HI)")
    bounds = []
    for word in m.group(2, 3):
        n = parse_number(word)
        if n is None:
            n = BUILTIN[word] if word in BUILTIN else limit(limits, word)
        bounds.append(n)
    if bounds[0] > bounds[1]:
        raise SetupError(f"{where}: type {text!r}: {bounds[0]} > {bounds[1]}")
    return KeyType(m.group(1), *bounds)


class Scenario:
    def __init__(self, name):
        self.name = name
        self.keys = {}  # key -> (default, KeyType), in the file's order
        self.pass_keys = []  # keys every RESULT ... PASS line of it prints
        self.fail_keys = ["reason"]  # and every FAIL line
        self.fail_declared = False  # a fail: line replaced that default

    @property
    def defaults(self):
        return {k: d for k, (d, _t) in self.keys.items()}


def load(path, limits):
    """Parse scenarios.txt into {name: Scenario}; SetupError on any mistake."""
    table, last = {}, None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            words = raw.split("#", 1)[0].split()
            if not words:
                continue
            where = f"{path}:{lineno}"
            if raw[0] not in " \t":  # a new scenario
                last = Scenario(words[0])
                if last.name in table:
                    raise SetupError(f"{where}: scenario {last.name!r} listed twice")
                table[last.name] = last
                words = words[1:]
            elif last is None:
                raise SetupError(f"{where}: an indented line before the first scenario")
            if words and words[0] in ("pass:", "fail:"):
                add_result_keys(last, words[0], words[1:])
                continue
            for word in words:
                add_key(last, word, limits, where)
    return table


def add_result_keys(scenario, which, keys):
    if which == "pass:":
        scenario.pass_keys += keys
    else:  # the first fail: line replaces the default ["reason"]
        if not scenario.fail_declared:
            scenario.fail_keys, scenario.fail_declared = [], True
        scenario.fail_keys += keys


def add_key(scenario, word, limits, where):
    key, eq, rest = word.partition("=")
    default, colon, type_text = rest.rpartition(":")
    if not eq or not key or not colon:
        raise SetupError(f"{where}: {word!r} is not key=default:TYPE")
    if key in scenario.keys:
        raise SetupError(f"{where}: key {key!r} given twice")
    ktype = parse_type(type_text, limits, f"{where}: {key}")
    if not ktype.accepts(default):
        raise SetupError(f"{where}: default {key}={default} is not {ktype.allowed()}")
    scenario.keys[key] = (default, ktype)


def validate(runs, table, limits):
    """Check every (name, [(key, value)]) run; SetupError naming what is wrong."""
    max_params = limit(limits, "RV_CFG_MAX_PARAMS")
    max_str = min(limit(limits, "RV_CFG_NAME_LEN"), limit(limits, "RV_CFG_VALUE_LEN")) - 1
    for name, params in runs:
        if name not in table:
            known = ", ".join(sorted(table)) or "(none)"
            raise SetupError(f"unknown scenario {name!r}; known scenarios: {known}")
        keys = table[name].keys
        if len(params) > max_params:
            raise SetupError(f"{name}: {len(params)} parameters given, at most {max_params}")
        seen = set()
        for key, value in params:
            if key not in keys:
                raise SetupError(f"{name}: unknown key {key!r}; its keys are: "
                                 f"{' '.join(keys) or '(none)'}")
            if key in seen:
                raise SetupError(f"{name}: key {key!r} given twice")
            seen.add(key)
            if not value:
                raise SetupError(f"{name}: key {key!r} has an empty value")
            for what, text in (("scenario name", name), ("key", key), ("value", value)):
                if len(text) > max_str:
                    raise SetupError(f"{name}: {what} {text!r} is longer than {max_str} characters")
            if not RE_WORD.fullmatch(value):
                raise SetupError(f"{name}: value {value!r} of {key!r} may only use "
                                 "letters, digits and _ . , : + -")
            ktype = keys[key][1]
            if not ktype.accepts(value):
                raise SetupError(f"{name}: {key} must be {ktype.allowed()}, not {value!r}")


def missing_result_keys(scenario, verdict, rest):
    """Keys scenarios.txt says a RESULT line of `scenario` always prints and
    `rest` (the line after PASS/FAIL) lacks, in the declared order."""
    printed = set(RE_RESULT_KV.findall(rest))
    if verdict == "SKIP":
        wanted = ["reason"]  # why this machine cannot run it
    else:
        wanted = scenario.pass_keys if verdict == "PASS" else scenario.fail_keys
    return [k for k in wanted if k not in printed]


# Scenarios that run more than one workload at once: how many CPUs per
# vCPU they need (migrate, soak and linux-clone: source and destination), or a fixed count
# (faults, isolation: a bystander and the misbehaving workload; fuzz: a
# bystander and the fuzzer's own partitions).
PARTITIONS_PER_VCPU = {"migrate": 2, "soak": 2, "linux-clone": 2}
FIXED_WORKLOAD_CPUS = {"faults": 2, "isolation": 2, "isolation-state": 2, "fuzz": 2}


def default_cpus(runs, table, limits):
    """1 CPU for the management partition + the most CPUs any run's workloads need."""
    most = 1
    for name, params in runs:
        value = dict(params).get("vcpus", table[name].defaults.get("vcpus", "1"))
        n = parse_number(value)
        if n is None:
            raise SetupError(f"{name}: vcpus={value!r} is not a number")
        most = max(most, n * PARTITIONS_PER_VCPU.get(name, 1), FIXED_WORKLOAD_CPUS.get(name, 1))
    cpus = 1 + most
    if cpus > limit(limits, "RV_MAX_CPUS"):
        raise SetupError(f"{cpus} CPUs needed, at most {limit(limits, 'RV_MAX_CPUS')} supported")
    return cpus
