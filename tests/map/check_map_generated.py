#!/usr/bin/env python3
"""map_default_is_generated: the committed assets/content/map.geojson is what
assets/tools/make_map.py writes from the committed content.json."""
import os
import subprocess
import sys
import tempfile

root = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "map.geojson")
    subprocess.run([sys.executable, os.path.join(root, "assets/tools/make_map.py"),
                    os.path.join(root, "assets/content/content.json"), out], check=True,
                   stdout=subprocess.DEVNULL)
    with open(out, "rb") as f:
        made = f.read()
with open(os.path.join(root, "assets/content/map.geojson"), "rb") as f:
    committed = f.read()
if made != committed:
    print("assets/content/map.geojson differs from make_map.py's output: run python3 assets/tools/make_map.py")
    sys.exit(1)
print("map.geojson is generated (%d bytes)" % len(made))
