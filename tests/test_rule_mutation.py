"""Rule-data mutation: every wrong rate, threshold, boundary or cap must make some case fail.

Auditors sign totals computed from ``rules/``. A typo in a rule file (400 元/亩
typed as 440, 以上 encoded as 超过, a tier that should include 1500 excluding it,
a cap one yuan too low) must not pass unnoticed, so this test makes each such
error on purpose, one at a time, and requires that some caseworker case of
``tests/cases/*.yaml`` fails on the mutated pack ("kills the mutant").

Mutant families (one mutant = one edit at one place in a rule file; a YAML
anchor shared by several rules is one place, so its edit reaches every rule
that uses it):

* ``<doc>.<param>*1.1``   a parameter's value times 1.1;
* ``<doc>.<param>+step``  a parameter's value plus one unit of its last written
  digit (``400`` → ``401``, ``0.60`` → ``0.61``): the off-by-one at a threshold;
* ``<doc>.<param>-step``  a parameter lowered by one step (for a cap, a case must reach the cap;
  for a threshold, a case just below it);
* ``<rule>/<condition>:ge->gt`` (and gt->ge, le->lt, lt->le) a threshold's
  inclusivity flipped, with its boundary word changed to match (以上 → 超过,
  超过 → 以上, 不超过 → 低于, 低于 → 不超过), as the loader demands;
* ``<rule>/<condition>:is_true->is_false`` (and back) a yes/no requirement negated (是 ↔ 否);
* ``<rule>/basis:applicant->claim`` (and back) what a tier table places: each claim's own value
  or the applicant's total (I-040), the other way round;
* ``<rule>/tier@<param>:flip`` every inclusivity flag of a tier table at one
  bound flipped together (1500 moves from 一档 to 二档; the lowest bound 1000
  leaves 一档). Flipping only one side of a shared bound would make the tiers
  overlap, which first-match makes invisible, or leave a gap, which is the
  same as the consistent flip for the value on the bound.

Each mutant is written as a whole pack into its own temporary directory
(``load_rules`` is cached by path) and loaded with the real loader; a mutant
the loader rejects counts as killed by validation. Cases are parsed once on
the shipped pack (mutants change no inputs or vocabulary, which is checked)
and only the cases claiming a rule that the edit can reach are computed.

A survivor means a case is missing: add a case at the value the mutant moves
(at the threshold, on the tier bound, above the cap). Survivors that are
waiting for cases may be listed in tests/mutation_allowlist.txt, which must
shrink to empty; a listed mutant that is now killed must be removed from it.
Run ``python tests/test_rule_mutation.py`` for the full table (``-v``: which case kills
each mutant; ``--prune-allowlist``: delete allowlist lines of mutants now killed).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))

from case_runner import Case, load_cases, parse, run_case
from paths import RULES_DIR

from xingxian_subsidy.core.errors import RuleDataError, SubsidyError
from xingxian_subsidy.pack.loader import RulePack, load_rules

ROOT = Path(__file__).resolve().parent.parent
RULES = RULES_DIR
ALLOWLIST = Path(__file__).parent / "mutation_allowlist.txt"
# roster.yaml: how rosters are written, no amount; overlay.yaml: a year made of the year before and its
# changes — the base year's documents are mutated, and the overlay year inherits each mutant
NOT_DOCUMENTS = {"vocabulary.yaml", "interpretations.yaml", "roster.yaml", "overlay.yaml"}

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

# Inclusive/exclusive flips, each with a boundary word the loader accepts for the new op.
FLIP = {"ge": ("gt", "超过"), "gt": ("ge", "以上"), "le": ("lt", "低于"), "lt": ("le", "不超过"),
        "is_true": ("is_false", "否"), "is_false": ("is_true", "是")}

# Mutants whose amounts no case can change, because the rule data makes them change nothing; each
# with its reason. They are not required to be killed. (Today the two below are "killed" anyway, by a
# quirk: the household cap writes the capped amount as 700 instead of 700.00, which the cases'
# as-written comparison notices. Should the engine quantize capped lines, they will survive.)
def _equivalent(mutant_id: str) -> bool:
    """Whether a mutant (of any year: ids are ``<year>:<mutant>``) is listed in EQUIVALENT."""
    return mutant_id.split(":", 1)[-1] in EQUIVALENT


EQUIVALENT = {
    "xzbf12.tier5_award*1.1": "五档 700 元 equals the 700 元 household cap (xzbf12.household_cap), which every "
    "courtyard line passes through: a higher tier-5 award is always cut back to the cap.",
    "xzbf12.tier5_award+step": "as tier5_award*1.1: 701 is cut back to the 700 元 household cap.",
}


# ------------------------------------------------------------------ YAML node graph


def _get(mapping: yaml.Node | None, key: str) -> yaml.Node | None:
    if not isinstance(mapping, yaml.MappingNode):
        return None
    for k, v in mapping.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return v
    return None


def _items(seq: yaml.Node | None) -> list[yaml.Node]:
    return list(seq.value) if isinstance(seq, yaml.SequenceNode) else []


Edit = Callable[[], Callable[[], None]]  # apply; returns undo


def _set(node: yaml.ScalarNode, value: str) -> Edit:
    def apply() -> Callable[[], None]:
        old = node.value
        node.value = value

        def undo() -> None:
            node.value = old

        return undo

    return apply


def _set_bool(mapping: yaml.MappingNode, key: str, value: bool) -> Edit:
    """Set a boolean key of a mapping, adding the key if the file leaves it to its default."""
    text = "true" if value else "false"
    existing = _get(mapping, key)
    if isinstance(existing, yaml.ScalarNode):
        return _set(existing, text)

    def apply() -> Callable[[], None]:
        pair = (yaml.ScalarNode("tag:yaml.org,2002:str", key), yaml.ScalarNode("tag:yaml.org,2002:bool", text))
        mapping.value.append(pair)
        return lambda: mapping.value.remove(pair)

    return apply


def _set_text(mapping: yaml.MappingNode, key: str, value: str) -> Edit:
    """Set a text key of a mapping, adding the key if the file leaves it to its default."""
    existing = _get(mapping, key)
    if isinstance(existing, yaml.ScalarNode):
        return _set(existing, value)

    def apply() -> Callable[[], None]:
        pair = (yaml.ScalarNode("tag:yaml.org,2002:str", key), yaml.ScalarNode("tag:yaml.org,2002:str", value))
        mapping.value.append(pair)
        return lambda: mapping.value.remove(pair)

    return apply


@dataclass
class Mutant:
    id: str  # stable: what goes in the allowlist
    what: str  # for people: the edit, in the rule file's terms
    path: Path  # rule file, relative to the pack
    edits: list[Edit]
    rules: frozenset[str]  # rules whose result the edit can change


@dataclass
class DocFile:
    rel: Path
    root: yaml.Node
    mutants: list[Mutant] = field(default_factory=list)


def _step(value: Decimal) -> Decimal:
    return Decimal(1).scaleb(value.as_tuple().exponent)  # type: ignore[arg-type]


def _text(value: Decimal) -> str:
    return format(value, "f")


def build_mutants(pack_dir: Path, pack: RulePack) -> list[DocFile]:
    """Parse each rule document into a YAML node graph and list its mutants."""
    docs = []
    for year_dir in sorted(p for p in pack_dir.iterdir() if p.is_dir() and p.name.isdigit()):
        yr = pack.for_year(int(year_dir.name))
        year = year_dir.name  # every mutant id starts with its year: a pack of several years has one mutant per year
        for path in sorted(year_dir.glob("*.yaml")):
            if path.name in NOT_DOCUMENTS:
                continue
            root = yaml.compose(path.read_text("utf-8"), Loader=_Loader)
            # how_to_apply (and the x- anchors it uses) holds no number a case computes, and no
            # mutant edits it: the mutants are written without it, a third less YAML to load each time
            root.value = [(k, v) for k, v in root.value if not (k.value == "how_to_apply" or k.value.startswith("x-guide") or k.value.startswith("x-toilet-guide"))]
            doc = DocFile(rel=path.relative_to(pack_dir), root=root)
            docs.append(doc)
            doc_id = _get(_get(root, "document"), "id").value  # type: ignore[union-attr]
            rules = [r for r in yr.rules.values() if r.document is not None and r.document.id == doc_id]
            users = {name: frozenset(r.id for r in rules if name in r.parameter_names()) for name in yr.parameters[doc_id]}
            caps = {c.param for r in rules for c in r.caps}

            params = _get(root, "parameters")
            assert isinstance(params, yaml.MappingNode)
            for key, spec in params.value:
                name = key.value
                node = _get(spec, "value")
                assert isinstance(node, yaml.ScalarNode), name
                value = Decimal(node.value)
                mid = f"{year}:{doc_id}.{name}"
                new = value * Decimal("1.1")
                if new != value:
                    doc.mutants.append(Mutant(f"{mid}*1.1", f"{name}: {node.value} → {_text(new)}", doc.rel, [_set(node, _text(new))], users[name]))
                new = value + _step(value)
                doc.mutants.append(Mutant(f"{mid}+step", f"{name}: {node.value} → {_text(new)}", doc.rel, [_set(node, _text(new))], users[name]))
                new = value - _step(value)
                what = f"{'cap ' if name in caps else ''}{name}: {node.value} → {_text(new)}"
                doc.mutants.append(Mutant(f"{mid}-step", what, doc.rel, [_set(node, _text(new))], users[name]))

            # conditions: a node shared through a YAML anchor is one place in the file
            seen: dict[int, tuple[yaml.Node, list[str]]] = {}

            def visit(cond: yaml.Node, rule_id: str) -> None:
                entry = seen.setdefault(id(cond), (cond, []))
                if rule_id not in entry[1]:
                    entry[1].append(rule_id)
                for sub in _items(_get(cond, "any_of")):
                    visit(sub, rule_id)

            for rule in _items(_get(root, "rules")):
                rule_id = _get(rule, "id").value  # type: ignore[union-attr]
                for cond in _items(_get(rule, "conditions")):
                    visit(cond, rule_id)
            for cond, rule_ids in seen.values():
                op, word = _get(cond, "op"), _get(cond, "boundary_word")
                if not isinstance(op, yaml.ScalarNode) or op.value not in FLIP:
                    continue
                assert isinstance(word, yaml.ScalarNode)
                new_op, new_word = FLIP[op.value]
                if new_op in ("is_true", "is_false"):
                    cid = _get(cond, "id").value  # type: ignore[union-attr]
                    doc.mutants.append(Mutant(
                        f"{year}:{rule_ids[0]}/{cid}:{op.value}->{new_op}", f"condition {cid}: {op.value}/{word.value} → {new_op}/{new_word}",
                        doc.rel, [_set(op, new_op), _set(word, new_word)], frozenset(rule_ids)))
                    continue
                cid = _get(cond, "id").value  # type: ignore[union-attr]
                shared = f" (shared with {', '.join(rule_ids[1:])})" if len(rule_ids) > 1 else ""
                doc.mutants.append(Mutant(
                    f"{year}:{rule_ids[0]}/{cid}:{op.value}->{new_op}",
                    f"condition {cid}: {op.value}/{word.value} → {new_op}/{new_word}{shared}",
                    doc.rel, [_set(op, new_op), _set(word, new_word)], frozenset(rule_ids)))

            # tier tables: all flags at one bound, flipped together
            for rule in _items(_get(root, "rules")):
                formula = _get(rule, "formula")
                kind = _get(formula, "kind")
                if not isinstance(kind, yaml.ScalarNode) or kind.value != "tier_table":
                    continue
                rule_id = _get(rule, "id").value  # type: ignore[union-attr]
                assert isinstance(formula, yaml.MappingNode)
                basis_node = _get(formula, "basis")
                basis = basis_node.value if isinstance(basis_node, yaml.ScalarNode) else "claim"
                other = "claim" if basis == "applicant" else "applicant"
                doc.mutants.append(Mutant(f"{year}:{rule_id}/basis:{basis}->{other}", f"tier table basis: {basis} → {other}",
                                          doc.rel, [_set_text(formula, "basis", other)], frozenset([rule_id])))
                bounds: dict[str, list[tuple[yaml.MappingNode, str, bool, str]]] = {}
                for tier in _items(_get(formula, "tiers")):
                    assert isinstance(tier, yaml.MappingNode)
                    label = _get(_get(tier, "label"), "zh").value  # type: ignore[union-attr]
                    for side in ("lower", "upper"):
                        ref = _get(tier, side)
                        if isinstance(ref, yaml.ScalarNode) and ref.value:
                            flag = _get(tier, f"{side}_inclusive")
                            inclusive = True if flag is None else yaml.safe_load(flag.value) is True  # type: ignore[union-attr]
                            bounds.setdefault(ref.value, []).append((tier, f"{side}_inclusive", inclusive, label))
                for ref, flags in bounds.items():
                    doc.mutants.append(Mutant(
                        f"{year}:{rule_id}/tier@{ref}:flip",
                        f"tier bound {ref}: " + ", ".join(f"{label}.{key} {old} → {not old}" for _, key, old, label in flags),
                        doc.rel, [_set_bool(tier, key, not old) for tier, key, old, _ in flags], frozenset([rule_id])))
    return docs


# ------------------------------------------------------------------ running mutants


@dataclass
class Outcome:
    mutant: Mutant
    killed_by: str | None  # case id, or "loader" (RuleDataError)
    detail: str = ""


def _write_pack(target: Path, source: Path, docs: list[DocFile], replace: dict[Path, str] | None = None) -> None:
    """Copy the pack to ``target``, every rule document re-serialised from its node graph."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("*.pyc", "__pycache__"))
    for doc in docs:
        text = (replace or {}).get(doc.rel) or yaml.serialize(doc.root, Dumper=_Dumper, allow_unicode=True, width=10_000)
        (target / doc.rel).write_text(text, "utf-8")


def _same_rules(a: RulePack, b: RulePack) -> bool:
    return all(
        a.years[y].parameters == b.years[y].parameters and a.years[y].rules == b.years[y].rules for y in a.years
    ) and a.years.keys() == b.years.keys()


def _same_inputs(a: RulePack, b: RulePack) -> bool:
    return all(
        a.years[y].vocabulary == b.years[y].vocabulary
        and {rid: r.inputs for rid, r in a.years[y].rules.items()} == {rid: r.inputs for rid, r in b.years[y].rules.items()}
        for y in a.years
    )


@dataclass
class Report:
    outcomes: list[Outcome]
    cases: int
    broken_cases: list[str]  # cases that fail on the unmutated pack (they cannot kill anything)
    seconds: float

    @property
    def survivors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.killed_by is None]


def run_mutation(pack_dir: Path, workdir: Path, cases: list[Case]) -> Report:
    start = time.perf_counter()
    shipped = load_rules(pack_dir)
    docs = build_mutants(pack_dir, shipped)

    baseline_dir = workdir / "baseline"
    _write_pack(baseline_dir, pack_dir, docs)
    baseline = load_rules(baseline_dir)
    assert _same_rules(shipped, baseline), "re-serialising the rule files changed the pack: the harness is broken"

    parsed = {}
    broken = []
    for case in cases:
        try:
            parsed[case.id] = parse(case, shipped)
        except SubsidyError:
            parsed[case.id] = None  # parsed again on each mutant
        if run_case(case, shipped, parsed[case.id]):
            broken.append(case.id)
    killers = [c for c in cases if c.id not in broken]

    outcomes = []
    for n, mutant in enumerate(m for d in docs for m in d.mutants):
        doc = next(d for d in docs if d.rel == mutant.path)
        undos = [edit() for edit in mutant.edits]
        try:
            text = yaml.serialize(doc.root, Dumper=_Dumper, allow_unicode=True, width=10_000)
        finally:
            for undo in reversed(undos):
                undo()
        target = workdir / f"m{n:04d}"
        _write_pack(target, baseline_dir, [d for d in docs if d.rel == mutant.path], {mutant.path: text})  # the others as in the baseline
        try:
            mutated = load_rules(target)
        except RuleDataError as exc:
            outcomes.append(Outcome(mutant, "loader", str(exc).splitlines()[0]))
            continue
        assert not _same_rules(shipped, mutated), f"mutant {mutant.id} changed nothing: the harness is broken"
        assert _same_inputs(shipped, mutated), f"mutant {mutant.id} changed inputs or vocabulary"
        killed = None
        for case in killers:
            if case.claimed_rules & mutant.rules:
                diff = run_case(case, mutated, parsed[case.id])
                if diff:
                    killed = Outcome(mutant, case.id, diff[0])
                    break
        outcomes.append(killed or Outcome(mutant, None))
        shutil.rmtree(target, ignore_errors=True)
    return Report(outcomes, len(cases), broken, time.perf_counter() - start)


def read_allowlist(path: Path = ALLOWLIST) -> list[str]:
    if not path.exists():
        return []
    lines = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return [line for line in lines if line]


# ------------------------------------------------------------------ the test


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    return run_mutation(RULES, tmp_path_factory.mktemp("rule-mutants"), load_cases())


def test_mutants_exist_for_every_family(report: Report) -> None:
    ids = [o.mutant.id for o in report.outcomes]
    assert len(ids) == len(set(ids)), "mutant ids must be unique (they are used in the allowlist)"
    for family in ("*1.1", "+step", "-step", ":ge->gt", ":is_true->is_false", ":is_false->is_true", ":flip", "/basis:"):
        assert any(i.endswith(family) or family in i for i in ids), f"no mutant of family {family}"
    assert len(ids) >= 300


def test_every_rule_data_mutant_is_killed(report: Report) -> None:
    allowed = set(read_allowlist())
    ids = {o.mutant.id for o in report.outcomes}
    unknown = sorted((allowed - ids) | (set(EQUIVALENT) - {i.split(":", 1)[-1] for i in ids}))
    assert not unknown, f"allowlist/EQUIVALENT names mutants that no longer exist: {unknown}"
    survivors = [o for o in report.survivors if not _equivalent(o.mutant.id)]
    new = [o for o in survivors if o.mutant.id not in allowed]
    stale = sorted(allowed - {o.mutant.id for o in survivors})
    message = []
    if report.broken_cases:
        message.append(f"cases failing on the shipped rules (they kill nothing): {report.broken_cases}")
    if new:
        message.append(f"{len(new)} rule-data mutants survive: no case notices these edits; add a case at the moved value:")
        message += [f"  {o.mutant.id}  [{o.mutant.path.name}] {o.mutant.what}" for o in new]
    if stale:
        message.append(f"now killed, remove from {ALLOWLIST.name}: {stale}")
    assert not new and not stale, "\n".join(message)


def main() -> None:  # pragma: no cover - a report for people: python tests/test_rule_mutation.py
    with tempfile.TemporaryDirectory() as tmp:
        rep = run_mutation(RULES, Path(tmp), load_cases())
    families: dict[str, list[Outcome]] = {}
    for o in rep.outcomes:
        fam = next(f for f in ("*1.1", "+step", "-step", ":is_", "/basis:", "->", ":flip") if f in o.mutant.id)
        families.setdefault({"->": "threshold flip", ":is_": "yes/no negated", ":flip": "tier bound flip", "/basis:": "tier basis flipped"}.get(
            fam, "param " + fam), []).append(o)
    killed = sum(1 for o in rep.outcomes if o.killed_by)
    print(f"{rep.cases} cases, {len(rep.outcomes)} mutants, "
          f"{killed} killed ({sum(1 for o in rep.outcomes if o.killed_by == 'loader')} by the loader), "
          f"{len(rep.survivors)} survive ({sum(1 for o in rep.survivors if _equivalent(o.mutant.id))} equivalent); {rep.seconds:.1f} s")
    for fam, outs in families.items():
        print(f"  {fam}: {sum(1 for o in outs if o.killed_by)}/{len(outs)} killed")
    if rep.broken_cases:
        print("cases failing on the shipped pack:", rep.broken_cases)
    for o in rep.survivors:
        tag = " (equivalent)" if _equivalent(o.mutant.id) else ""
        print(f"SURVIVES {o.mutant.id}{tag}  [{o.mutant.path.name}] {o.mutant.what}")
    if "--prune-allowlist" in sys.argv and ALLOWLIST.exists():
        # only ever removes lines (mutants now killed); never adds a survivor
        alive = {o.mutant.id for o in rep.survivors}
        kept = [line for line in ALLOWLIST.read_text("utf-8").splitlines()
                if not line.split("#", 1)[0].strip() or line.split("#", 1)[0].strip() in alive]
        ALLOWLIST.write_text("\n".join(kept) + "\n", "utf-8")
        print(f"{ALLOWLIST.name}: {len(read_allowlist())} entries left")
    if "-v" in sys.argv:
        for o in rep.outcomes:
            if o.killed_by:
                print(f"killed   {o.mutant.id} by {o.killed_by}: {o.detail}")


if __name__ == "__main__":  # pragma: no cover
    main()
