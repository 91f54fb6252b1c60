#!/usr/bin/env python3
"""Draws the default bundle's notice images as small PNGs (pure Python, zlib).

The pictures are the project's own: flat shapes (towers, a sun, a book, a
heart...) on a soft gradient, 480x270. Run from the repository root:
    python3 assets/tools/make_images.py assets/content/images
Deterministic: the same script gives byte-identical files.
"""
import math
import struct
import sys
import zlib

W, H = 480, 270


def png(path, px):
    raw = bytearray()
    for y in range(H):
        raw.append(0)
        raw.extend(px[y * W * 3:(y + 1) * W * 3])

    def chunk(tag, data):
        c = struct.pack(">I", len(data)) + tag + data
        return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, 8, 2, 0, 0, 0))
    data += chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    with open(path, "wb") as f:
        f.write(data)


class Canvas:
    def __init__(self, top, bottom):
        self.px = bytearray(W * H * 3)
        for y in range(H):
            t = y / (H - 1)
            c = [int(top[i] + (bottom[i] - top[i]) * t) for i in range(3)]
            for x in range(W):
                self.px[(y * W + x) * 3:(y * W + x) * 3 + 3] = bytes(c)

    def put(self, x, y, c):
        if 0 <= x < W and 0 <= y < H:
            self.px[(y * W + x) * 3:(y * W + x) * 3 + 3] = bytes(c)

    def rect(self, x0, y0, x1, y1, c):
        for y in range(max(0, y0), min(H, y1)):
            for x in range(max(0, x0), min(W, x1)):
                self.put(x, y, c)

    def circle(self, cx, cy, r, c):
        for y in range(cy - r, cy + r + 1):
            for x in range(cx - r, cx + r + 1):
                if (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
                    self.put(x, y, c)

    def towers(self, base, colours):
        # a skyline of simple towers with window rows
        x = 20
        heights = [120, 170, 140, 200, 110, 160, 130]
        for i, h in enumerate(heights):
            w = 52
            c = colours[i % len(colours)]
            self.rect(x, base - h, x + w, base, c)
            for wy in range(base - h + 12, base - 8, 16):
                for wx in range(x + 8, x + w - 8, 12):
                    self.rect(wx, wy, wx + 6, wy + 8, (250, 246, 220))
            x += w + 12


def forum(path):
    c = Canvas((30, 64, 120), (90, 140, 200))
    c.circle(400, 60, 30, (255, 214, 110))
    c.towers(250, [(20, 40, 80), (40, 60, 110), (28, 50, 96)])
    # a lectern
    c.rect(200, 180, 280, 250, (170, 40, 40))
    c.rect(190, 172, 290, 184, (200, 60, 50))
    png(path, c.px)


def nursing(path):
    c = Canvas((252, 228, 236), (248, 200, 214))
    c.circle(240, 120, 70, (255, 255, 255))
    # a heart from two circles and a triangle
    for y in range(0, 60):
        half = 60 - y
        c.rect(240 - half, 120 + y - 10, 240 + half, 120 + y - 9, (220, 70, 110))
    c.circle(212, 104, 30, (220, 70, 110))
    c.circle(268, 104, 30, (220, 70, 110))
    c.rect(0, 240, W, H, (230, 160, 180))
    png(path, c.px)


def jobs(path):
    c = Canvas((232, 244, 236), (190, 226, 200))
    c.towers(260, [(40, 110, 80), (60, 140, 100), (30, 90, 70)])
    # a briefcase
    c.rect(170, 120, 310, 210, (120, 72, 40))
    c.rect(215, 100, 265, 122, (90, 52, 30))
    c.rect(222, 108, 258, 122, (232, 244, 236))
    c.rect(170, 150, 310, 156, (90, 52, 30))
    png(path, c.px)


def legal(path):
    c = Canvas((236, 232, 222), (210, 200, 180))
    # balance scale
    c.rect(236, 60, 244, 220, (90, 70, 40))
    c.rect(150, 80, 330, 88, (90, 70, 40))
    c.rect(190, 220, 290, 232, (90, 70, 40))
    for cx in (160, 320):
        for y in range(0, 24):
            half = int(math.sqrt(max(0, 40 * 40 - (y - 24) ** 2))) if y < 24 else 0
            c.rect(cx - half, 130 + y, cx + half, 131 + y, (180, 140, 60))
        c.rect(cx - 1, 88, cx + 1, 130, (90, 70, 40))
    png(path, c.px)


def lights(path):
    c = Canvas((12, 16, 40), (30, 30, 70))
    c.towers(260, [(50, 50, 90), (60, 60, 110), (40, 40, 80)])
    for i in range(40):
        x = (i * 97) % W
        y = (i * 53) % 120
        c.circle(x, y, 2, (255, 230, 150))
    png(path, c.px)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "assets/content/images"
    forum(out + "/forum.png")
    nursing(out + "/nursing.png")
    jobs(out + "/jobs.png")
    legal(out + "/legal.png")
    lights(out + "/lights.png")


if __name__ == "__main__":
    main()
