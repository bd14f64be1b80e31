#!/usr/bin/env python3
"""Merge OpenAPI fragments (the files named, or docs/openapi/*.yaml: top-level
paths: and components:) into docs/openapi.yaml, then delete each merged
fragment.

A developer tool: capabilities are written in parallel, each describing its
endpoints in a fragment; docs/openapi.yaml is the one document clients read
(internal/console's TestOpenAPI_DocumentsEveryRoute holds it to the routes).
The merge is textual so that the hand-written layout of docs/openapi.yaml
stays as it is: fragment paths go at the end of `paths:`, each fragment
components section (schemas, responses, requestBodies, ...) at the top of
the same section of the document. A path or component that exists already
is an error, and nothing is written."""
import glob, os, re, sys

MAIN = "docs/openapi.yaml"


def sections(body):
    """Split the lines under components: into {name: text}."""
    out, cur = {}, None
    for line in body.split("\n"):
        m = re.match(r"^  (\w+):\s*$", line)
        if m:
            cur = m.group(1)
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return {k: "\n".join(v).rstrip("\n") for k, v in out.items()}


def merge(doc, frag, text):
    text = re.sub(r"\A(?:#.*\n|\s*\n)*", "", text)  # leading comments
    if not text.startswith("paths:\n"):
        sys.exit(f"{frag}: want top-level paths: first")
    paths, _, components = text[len("paths:\n"):].partition("\ncomponents:\n")
    head, tail = doc.split("\ncomponents:\n", 1)
    for p in re.findall(r"^  (/\S+):\s*$", paths, re.M):
        if re.search(rf"^  {re.escape(p)}:\s*$", head, re.M):
            sys.exit(f"{frag}: path {p} is already documented")
    for name, body in sections(components).items():
        key = f"\n  {name}:\n"
        for item in re.findall(r"^    (\w+):", body, re.M):
            m = re.search(rf"{key}((?:    .*\n|\n)*)", "\n" + tail)
            if m and re.search(rf"^    {item}:", m.group(1), re.M):
                sys.exit(f"{frag}: components.{name}.{item} exists already")
        if key in "\n" + tail:
            tail = ("\n" + tail).replace(key, key + body + "\n", 1)[1:]
        else:
            tail = f"  {name}:\n{body}\n" + tail
    return head.rstrip("\n") + "\n" + paths.rstrip("\n") + "\ncomponents:\n" + tail


doc = open(MAIN).read()
frags = sys.argv[1:] or sorted(glob.glob("docs/openapi/*.yaml"))
for frag in frags:
    doc = merge(doc, frag, open(frag).read())
open(MAIN, "w").write(doc)
for frag in frags:
    os.remove(frag)
    print("merged", frag)
