#!/usr/bin/python3
"""The layering rules of docs/architecture.md, checked on the sources.

Usage: scripts/layering.py [SRC_DIR [DOC]]

Reads the layer table between the "layering" markers of DOC, then for every
C file under SRC_DIR: an include of another room must be of a room in the
same or a lower layer; every room (folder) must be in the table; and outside
SRC_DIR/hypervisor/ nothing names QEMU: no qemu_* or QEMU_* identifier, no
"hypervisor/qemu/" include, no struct qmp. Comments and string literals are
not code. Prints each violation as FILE:LINE: what; exits 1 when there is
one."""
import os
import re
import sys

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(top, "src")
doc = sys.argv[2] if len(sys.argv) > 2 else os.path.join(top, "docs", "architecture.md")


def layers(path):
    text = open(path, encoding="utf-8").read()
    m = re.search(r"<!-- layering:.*?-->(.*?)<!-- /layering -->", text, re.S)
    if not m:
        sys.exit("%s: no layering table" % path)
    rooms = {}
    for row in m.group(1).splitlines():
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0].isdigit():
            for room in cells[2].split():
                rooms[room] = int(cells[0])
    return rooms


def code_only(text):
    """The text with comments and string and character literals blanked
    (newlines kept, so line numbers hold)."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (min(j, n) - i - 1) + (c if j < n else ""))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z0-9_]+)/', re.M)
QEMU = re.compile(r"\b(qemu_\w+|QEMU_\w+|struct\s+qmp\b)")


def check(src, rooms):
    bad = []
    for d, _, files in sorted(os.walk(src)):
        for f in sorted(files):
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(d, f)
            rel = os.path.relpath(path, src)
            room = rel.split(os.sep)[0] if os.sep in rel else os.path.splitext(rel)[0]
            if room not in rooms:
                bad.append("%s:1: room %s is not in the layering table" % (path, room))
                continue
            text = open(path, encoding="utf-8", errors="replace").read()
            for m in INCLUDE.finditer(text):
                inc, line = m.group(1), text.count("\n", 0, m.start()) + 1
                if inc not in rooms:
                    bad.append("%s:%d: includes %s/, which is not in the layering table" %
                               (path, line, inc))
                elif rooms[inc] > rooms[room]:
                    bad.append("%s:%d: %s (layer %d) includes %s/ (layer %d)" %
                               (path, line, room, rooms[room], inc, rooms[inc]))
                if inc == "hypervisor" and room != "hypervisor" and \
                        text[m.end():].startswith("qemu/"):
                    bad.append("%s:%d: includes hypervisor/qemu/ outside hypervisor/" %
                               (path, line))
            if room == "hypervisor":
                continue
            code = code_only(text)
            for m in QEMU.finditer(code):
                line = code.count("\n", 0, m.start()) + 1
                bad.append("%s:%d: %s outside hypervisor/" % (path, line, m.group(1)))
    return bad


def main():
    rooms = layers(doc)
    bad = check(src, rooms)
    for b in bad:
        print(b)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
