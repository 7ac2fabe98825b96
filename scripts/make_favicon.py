"""Draw jobgraph's favicon (three linked nodes, a tiny job graph) and write it as a 32x32 and
16x16 .ico of PNG images, with the standard library only: `python scripts/make_favicon.py`."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src" / "jobgraph" / "static" / "favicon.ico"
BACKGROUND = (30, 27, 75)  # indigo
INK = (250, 204, 21)  # amber
NODES = [(0.28, 0.30), (0.72, 0.30), (0.50, 0.74)]
EDGES = [(0, 1), (0, 2), (1, 2)]


def _inside(x: float, y: float) -> tuple[bool, bool]:
    """(in the rounded square, on the ink) for a point of the unit square."""
    radius = 0.2
    cx, cy = min(max(x, radius), 1 - radius), min(max(y, radius), 1 - radius)
    square = (x - cx) ** 2 + (y - cy) ** 2 <= radius**2
    ink = any((x - nx) ** 2 + (y - ny) ** 2 <= 0.11**2 for nx, ny in NODES)
    for a, b in EDGES:
        (ax, ay), (bx, by) = NODES[a], NODES[b]
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        ink = ink or (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= 0.035**2
    return square, ink


def _pixels(size: int, samples: int = 4) -> bytes:
    rows = bytearray()
    for row in range(size):
        rows.append(0)  # PNG filter: none
        for column in range(size):
            covered = inked = 0
            for sy in range(samples):
                for sx in range(samples):
                    x = (column + (sx + 0.5) / samples) / size
                    y = (row + (sy + 0.5) / samples) / size
                    square, ink = _inside(x, y)
                    covered += square
                    inked += square and ink
            total = samples * samples
            share = inked / covered if covered else 0.0
            color = [round(b + (i - b) * share) for b, i in zip(BACKGROUND, INK, strict=True)]
            rows += bytes([*color, round(255 * covered / total)])
    return bytes(rows)


def _png(size: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(_pixels(size), 9))
        + chunk(b"IEND", b"")
    )


def ico(sizes: tuple[int, ...] = (32, 16)) -> bytes:
    images = [_png(size) for size in sizes]
    offset = 6 + 16 * len(images)
    entries = b""
    for size, image in zip(sizes, images, strict=True):
        entries += struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return struct.pack("<HHH", 0, 1, len(images)) + entries + b"".join(images)


if __name__ == "__main__":
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(ico())
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
