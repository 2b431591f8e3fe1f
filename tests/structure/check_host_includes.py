"""host/ depends one way: the folders of host/, linked by the includes of
their files, form no cycle. Prints TAP.

    check_host_includes.py HOST_DIR

An include counts when it names a file of another folder of HOST_DIR
("../train/trainer.h", or "cli/commands.h" from the top), resolved as the
compiler does: beside the including file, else from HOST_DIR (the host's
include directory). A cycle is reported with the include lines that make
it: the shortest one through each folder on one.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, finish  # noqa: E402

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_graph(host):
    """{folder: {included folder: first "file:line" that includes it}}."""
    top = os.path.basename(os.path.normpath(host))
    edges = {}
    for dirpath, _, names in os.walk(host):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            here = os.path.relpath(dirpath, host)
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = os.path.normpath(os.path.join(dirpath, m.group(1)))
                    if not os.path.isfile(target):
                        target = os.path.normpath(os.path.join(host, m.group(1)))
                    rel = os.path.relpath(target, host)
                    if rel.startswith("..") or not os.path.isfile(target):
                        continue
                    there = os.path.dirname(rel) or "."
                    if there == here:
                        continue
                    a = os.path.normpath(os.path.join(top, here))
                    b = os.path.normpath(os.path.join(top, there))
                    where = "%s:%d" % (os.path.join(a, name), number)
                    edges.setdefault(a, {}).setdefault(b, where)
    return edges


def shortest_cycle(edges, start):
    """The shortest cycle through @start, as folders from @start back to it, or None."""
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(edges.get(node, {})):
            if nxt == start:
                return paths[node] + [start]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return None


def find_cycles(edges):
    """The shortest cycle through each folder that is on one, each cycle once."""
    cycles = []
    seen = set()
    for node in sorted(edges):
        cycle = shortest_cycle(edges, node)
        if cycle and frozenset(zip(cycle, cycle[1:])) not in seen:
            seen.add(frozenset(zip(cycle, cycle[1:])))
            cycles.append(cycle)
    return cycles


def main():
    host = sys.argv[1]
    edges = folder_graph(host)
    check("includes between the folders of host/ are found", edges, "none found in %s" % host)
    cycles = find_cycles(edges)
    lines = []
    for cycle in cycles:
        lines.append("cycle: %s" % " -> ".join(cycle))
        lines += ["  %s includes %s" % (edges[a][b], b) for a, b in zip(cycle, cycle[1:])]
    check("the folder include graph of host/ has no cycle", not cycles, "\n".join(lines))
    for a in sorted(edges):
        print("# %s -> %s" % (a, ", ".join(sorted(edges[a]))))
    return finish()


if __name__ == "__main__":
    sys.exit(main())
