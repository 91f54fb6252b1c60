#!/usr/bin/env python3
"""The committed default bundle, schema and images are exactly what the
committed generators produce (so nobody edits the JSON by hand and forgets
the generator, or the other way round)."""
import filecmp
import os
import subprocess
import sys
import tempfile

root = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    os.mkdir(os.path.join(tmp, "images"))
    tools = os.path.join(root, "assets", "tools")
    subprocess.run([sys.executable, os.path.join(tools, "make_content.py"), os.path.join(tmp, "content.json")],
                   check=True, cwd=root, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, os.path.join(tools, "make_schema.py"), os.path.join(tmp, "schema.json")],
                   check=True, cwd=root, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, os.path.join(tools, "make_images.py"), os.path.join(tmp, "images")],
                   check=True, cwd=root)
    pairs = [(os.path.join(tmp, "content.json"), os.path.join(root, "assets", "content", "content.json")),
             (os.path.join(tmp, "schema.json"), os.path.join(root, "assets", "content.schema.json"))]
    for f in sorted(os.listdir(os.path.join(tmp, "images"))):
        pairs.append((os.path.join(tmp, "images", f), os.path.join(root, "assets", "content", "images", f)))
    bad = [b for a, b in pairs if not os.path.exists(b) or not filecmp.cmp(a, b, shallow=False)]
    for b in bad:
        print("differs from its generator:", b)
    print("%d generated files checked" % len(pairs))
    sys.exit(1 if bad else 0)
