"""What a fuzz run did, counted: examples, steps, invariant checks, events, and the
coverage of the state machine (per rule: how often it ran and succeeded; per entry
point: how often a call went through or reverted, and with which reason).

One `STATS` per process. The world records calls (`softliq.fuzz.world`), the machine
names the rule in progress (`softliq.fuzz.machine`), the invariants count their checks
(`softliq.fuzz.invariants`); the campaign command adds up the snapshots of its workers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

PLUMBING = frozenset({"approve", "mint", "transfer"})
"""Calls that only fund or authorise an actor: they do not make a rule succeed."""


@dataclass
class Stats:
    """Counters of one process."""

    examples: int = 0
    steps: int = 0
    checks: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    """What happened (loans opened, liquidations, takes...): shows what a run exercised."""
    rules_run: Counter[str] = field(default_factory=Counter)
    rules_succeeded: Counter[str] = field(default_factory=Counter)
    """Steps of each rule in which at least one of its calls (not plumbing) went through."""
    calls: Counter[str] = field(default_factory=Counter)
    """"contract.method: ok" or "contract.method: <revert reason>" -> how often."""
    rule: str = ""
    """The rule in progress ("" outside any)."""
    principal: frozenset[str] = frozenset()
    """Methods whose success makes the rule in progress succeed (empty: any but plumbing)."""
    _rule_ok: bool = False

    def count(self, name: str) -> None:
        """Record one check of invariant `name`."""
        self.checks[name] += 1

    def event(self, name: str) -> None:
        """Record that `name` happened."""
        self.events[name] += 1

    def start_rule(self, name: str, principal: frozenset[str] = frozenset()) -> None:
        """A step of rule `name` begins ("": none, e.g. an example's set-up); it succeeds
        when a call of one of the `principal` methods goes through (if given)."""
        self.rule, self.principal, self._rule_ok = name, principal, False
        if name:
            self.rules_run[name] += 1

    def rule_succeeded(self) -> None:
        """The rule in progress did what it is for (counted once per step)."""
        if self.rule and not self._rule_ok:
            self._rule_ok = True
            self.rules_succeeded[self.rule] += 1

    def call(self, contract: str, method: str, reason: str | None) -> None:
        """A call to `contract.method` went through (`reason` None) or reverted."""
        self.calls[f"{contract}.{method}: {'ok' if reason is None else reason}"] += 1
        if reason is None and method not in PLUMBING and (not self.principal or method in self.principal):
            self.rule_succeeded()

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy."""
        return {
            "examples": self.examples,
            "steps": self.steps,
            "checks": dict(self.checks),
            "events": dict(self.events),
            "rules": {name: {"ran": ran, "succeeded": self.rules_succeeded[name]} for name, ran in sorted(self.rules_run.items())},
            "calls": dict(sorted(self.calls.items())),
        }

    def reset(self) -> None:
        """Zero every counter."""
        self.examples = self.steps = 0
        for counter in (self.checks, self.events, self.rules_run, self.rules_succeeded, self.calls):
            counter.clear()
        self.rule, self._rule_ok = "", False


STATS = Stats()
