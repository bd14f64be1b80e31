#!/usr/bin/env python3
"""Merge OpenAPI fragments (docs/openapi/*.yaml: paths + components.schemas)
into docs/openapi.yaml, then delete each merged fragment. A developer tool:
capabilities are written in parallel, each describing its endpoints in a
fragment; docs/openapi.yaml is the one document clients read.

The merge is textual so that the hand-written layout of docs/openapi.yaml
stays as it is: fragment paths go before `components:`, fragment schemas at
the top of `components.schemas`. A path or schema that exists already is an
error."""
import glob, os, re, sys

main = "docs/openapi.yaml"
doc = open(main).read()
for frag in sorted(glob.glob("docs/openapi/*.yaml")):
    text = open(frag).read()
    m = re.match(r"paths:\n(.*?)(?:^components:\n  schemas:\n(.*))?\Z", text, re.S | re.M)
    if not m:
        sys.exit(f"{frag}: want top-level paths: and optionally components: schemas:")
    paths, schemas = m.group(1), m.group(2) or ""
    for p in re.findall(r"^  (/\S+):$", paths, re.M):
        if re.search(rf"^  {re.escape(p)}:$", doc, re.M):
            sys.exit(f"{frag}: path {p} is already documented")
    for s in re.findall(r"^    (\w+):$", schemas, re.M):
        if re.search(rf"^    {s}:$", doc.split("\ncomponents:\n", 1)[1], re.M):
            sys.exit(f"{frag}: schema {s} exists already")
    head, tail = doc.split("\ncomponents:\n", 1)
    doc = head.rstrip("\n") + "\n" + paths.rstrip("\n") + "\ncomponents:\n" + tail
    if schemas:
        doc = doc.replace("\n  schemas:\n", "\n  schemas:\n" + schemas.rstrip("\n") + "\n", 1)
    os.remove(frag)
    print("merged", frag)
open(main, "w").write(doc)
