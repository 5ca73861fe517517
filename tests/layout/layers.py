#!/usr/bin/env python3
"""The layering rule of core/, as a test (docs/design.md, "Layout").

Every quoted #include of a file under core/ must point to its own folder or to a
folder of a lower layer; folders of one layer never include each other; and the
file-pair include graph has no cycle. Plugins, bench and tests are not checked here
(plugins cannot see host headers at all: their include path is core/include and
core/kernels). Prints each violation as FILE:LINE: message; exits 1 if any.
Usage: layers.py SOURCE_ROOT"""
import os
import re
import sys

# Lowest first. Folders on one line form one layer.
LAYERS = [
    ["include"],
    ["kernels"],
    ["base"],
    ["registry"],
    ["recipe"],
    ["process"],
    ["measure"],
    ["results"],
    ["run"],
    ["report", "check", "new"],
    ["cli"],
]
LEVEL = {d: i for i, layer in enumerate(LAYERS) for d in layer}

root = sys.argv[1] if len(sys.argv) > 1 else "."
core = os.path.join(root, "core")
include = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
problems = []
edges = {}
files = []
for d, _, fs in os.walk(core):
    for f in fs:
        if f.endswith((".c", ".h", ".cpp")):
            files.append(os.path.relpath(os.path.join(d, f), core))

for rel in sorted(files):
    folder = rel.split(os.sep)[0]
    if folder not in LEVEL:
        problems.append(f"core/{rel}: folder '{folder}' is not in a layer (tests/layout/layers.py)")
        continue
    if folder == "new" and "templates" in rel.split(os.sep):
        continue  # plugin sources, compiled against basin/plugin.h alone
    for n, line in enumerate(open(os.path.join(core, rel), errors="replace"), 1):
        m = include.match(line)
        if not m:
            continue
        target = m.group(1)
        if target.startswith("basin/"):
            dest = "include/" + target
        elif "/" in target:
            dest = os.path.normpath(target)
        else:
            dest = os.path.join(folder, target)  # a sibling by its plain name
        if not os.path.exists(os.path.join(core, dest)):
            continue  # generated or not a core header
        dfolder = dest.split("/")[0]
        src_node = os.path.splitext(rel)[0]
        dst_node = os.path.splitext(dest)[0]
        if dst_node != src_node:
            edges.setdefault(src_node, set()).add(dst_node)
        if dfolder == folder:
            continue
        if LEVEL[dfolder] > LEVEL[folder]:
            problems.append(f"core/{rel}:{n}: includes {target}, a layer above ({folder} -> {dfolder})")
        elif LEVEL[dfolder] == LEVEL[folder]:
            problems.append(f"core/{rel}:{n}: includes {target}: {folder} and {dfolder} are one layer")

# Cycles between file pairs (x.c + x.h is one node): Tarjan's strong components.
index, low, on, stack, seen = {}, {}, set(), [], []
sys.setrecursionlimit(10000)


def strong(v):
    index[v] = low[v] = len(index)
    stack.append(v)
    on.add(v)
    for w in edges.get(v, ()):
        if w not in index:
            strong(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1:
            seen.append(sorted(comp))


for v in sorted({os.path.splitext(f)[0] for f in files}):
    if v not in index:
        strong(v)
for comp in seen:
    problems.append("include cycle: " + " -> ".join("core/" + c for c in comp))

for p in problems:
    print(p)
print(f"layers: {len(files)} files, {sum(len(e) for e in edges.values())} includes, "
      f"{len(problems)} problem(s)")
sys.exit(1 if problems else 0)
