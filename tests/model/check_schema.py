#!/usr/bin/env python3
"""The content schema is a valid JSON Schema (draft 2020-12), the default
bundle validates against it, and typical mistakes are rejected."""
import copy
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
bundle = json.load(open(sys.argv[2], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
errors = list(v.iter_errors(bundle))
for e in errors:
    print("default bundle:", "/".join(str(p) for p in e.absolute_path), e.message)
failed = bool(errors)


def broken(name, mutate):
    global failed
    b = copy.deepcopy(bundle)
    mutate(b)
    if v.is_valid(b):
        print("schema accepts a broken bundle:", name)
        failed = True


broken("grid as string", lambda b: b["towers"][0].__setitem__("grid", "1"))
broken("grid 4", lambda b: b["towers"][0].__setitem__("grid", 4))
broken("unknown key", lambda b: b["towers"][0].__setitem__("flors", 3))
broken("text without zh", lambda b: b["services"][0].__setitem__("name", {"en": "x"}))
broken("blank zh", lambda b: b["services"][0].__setitem__("summary", {"zh": "  "}))
broken("bad id", lambda b: b["services"][0].__setitem__("id", "S 1"))
broken("bad date", lambda b: b["notices"][0].__setitem__("start", "2026-11-25"))
broken("unknown org type", lambda b: b["orgs"][0].__setitem__("type", "club"))
broken("no services", lambda b: b.pop("services"))
broken("sample without notice", lambda b: b.pop("sample_notice"))
broken("image outside", lambda b: b["notices"][1].__setitem__("image", "../x.png"))
broken("floor 0", lambda b: b["services"][0]["place"].__setitem__("floor", 0))
broken("phone letters", lambda b: b["services"][0].__setitem__("phone", "call me"))
broken("string over 8 KB", lambda b: b["services"][0].__setitem__("summary", {"zh": "长" * 8193}))
def texts(node, path="$"):
    if isinstance(node, dict):
        if "zh" in node and set(node) <= {"zh", "en"}:
            yield path, node
        for k, val in node.items():
            yield from texts(val, path + "." + k)
    elif isinstance(node, list):
        for i, val in enumerate(node):
            yield from texts(val, "%s[%d]" % (path, i))


# The default bundle is bilingual: every text has an English version.
n_texts = 0
for path, t in texts(bundle):
    n_texts += 1
    if not t.get("en"):
        print("default bundle: no English at", path)
        failed = True
print("default bundle: %d texts, all with zh and en" % n_texts if not failed else "")
print("schema: default bundle valid, %s" % ("FAILED" if failed else "broken bundles rejected"))
sys.exit(1 if failed else 0)
