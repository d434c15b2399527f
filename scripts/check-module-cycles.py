#!/usr/bin/env python3
"""Fails when modules of one crate import each other in a cycle.

The one shape (README, "Layout") has a direction: handler → collect / core / actions / report →
facts / aws / event / config / error. A cycle between two modules means a type sits in the wrong
place. For every crate under functions/ and shared/, each `crate::…` and `super::…` path in a
module's non-test code is an edge between the two sibling modules it joins (siblings under their
nearest common parent), so cycles are found at every level: between top-level modules and
between the files of one directory module. Test code (after the first `#[cfg(test)]`) is left
out: a test may reach anywhere.

Reads source text only (no build); run by `make lint`.
"""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
PATH = re.compile(r"\b(crate|super)((?:::[a-z_][a-z0-9_]*)+)")


def module_of(src: pathlib.Path, file: pathlib.Path) -> tuple:
    parts = list(file.relative_to(src).with_suffix("").parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts.pop()
    return tuple(parts)


def edges_of(src: pathlib.Path) -> dict:
    modules = {}
    for file in src.rglob("*.rs"):
        if "bin" in file.relative_to(src).parts:
            continue
        modules[module_of(src, file)] = file
    edges = {}
    for module, file in modules.items():
        text = file.read_text().split("#[cfg(test)]")[0]
        for line in text.splitlines():
            code = line.split("//")[0]
            for kind, rest in PATH.findall(code):
                names = tuple(n for n in rest.split("::") if n)
                if kind == "crate":
                    target = names
                else:
                    # `super` is the parent module, whatever the file layout.
                    base = module[:-1]
                    while names and names[0] == "super":
                        base, names = base[:-1], names[1:]
                    target = base + names
                # Trim to a module that exists (the rest names items inside it).
                while target and target not in modules:
                    target = target[:-1]
                common = 0
                while (
                    common < min(len(module), len(target))
                    and module[common] == target[common]
                ):
                    common += 1
                if common == len(module) or common == len(target):
                    continue  # one is inside the other: a parent and its child
                parent = module[:common]
                a, b = module[common], target[common]
                edges.setdefault(parent, {}).setdefault(a, set()).add(b)
    return edges


def cycles(graph: dict) -> list:
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def main() -> int:
    crates = sorted(ROOT.glob("functions/*/src")) + [ROOT / "shared/src"]
    problems = []
    for src in crates:
        for parent, graph in sorted(edges_of(src).items()):
            for component in cycles(graph):
                where = "::".join(("crate",) + parent)
                problems.append(
                    f"{src.parent.relative_to(ROOT)}: {where}: {' <-> '.join(component)}"
                )
    for p in problems:
        print(f"import cycle: {p}")
    if not problems:
        print(f"no import cycles in {len(crates)} crates")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
