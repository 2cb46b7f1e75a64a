"""Procedural living-room backgrounds: wall, floor, window, sofa, shelf, picture, lamp —
enough structure and texture that a face detector sees a real-looking scene, varied per
seed, with lighting set per session."""

from __future__ import annotations

import cv2
import numpy as np

WALL_COLOURS = ((200, 210, 220), (170, 190, 205), (215, 205, 190), (190, 200, 185),
                (160, 170, 190), (225, 225, 220))
SOFA_COLOURS = ((80, 70, 60), (60, 60, 110), (90, 110, 70), (120, 100, 90), (50, 50, 50))
WOOD_COLOURS = ((40, 70, 110), (60, 95, 140), (35, 50, 70))


def _texture(rng: np.random.Generator, h: int, w: int, amount: float) -> np.ndarray:
    noise = rng.normal(0, 1, (h // 8 + 1, w // 8 + 1)).astype(np.float32)
    noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    fine = rng.normal(0, 0.4, (h, w)).astype(np.float32)
    return (noise + fine) * amount


def draw_room(width: int, height: int, rng: np.random.Generator,
              brightness: float = 1.0) -> np.ndarray:
    """A BGR living-room image seen from a device on a shelf."""
    img = np.zeros((height, width, 3), dtype=np.float32)
    wall = np.array(WALL_COLOURS[rng.integers(len(WALL_COLOURS))], dtype=np.float32)
    floor_y = int(height * rng.uniform(0.62, 0.75))
    img[:floor_y] = wall
    # Light falls off across the wall from a window side.
    grad = np.linspace(1.08, 0.85, width, dtype=np.float32)
    if rng.random() < 0.5:
        grad = grad[::-1]
    img[:floor_y] *= grad[None, :, None]
    wood = np.array(WOOD_COLOURS[rng.integers(len(WOOD_COLOURS))], dtype=np.float32)
    img[floor_y:] = wood
    for x in range(0, width, int(rng.integers(40, 80))):  # floor boards
        cv2.line(img, (x, floor_y), (int(x + (x - width / 2) * 0.6), height),
                 (wood * 0.8).tolist(), 1)
    cv2.line(img, (0, floor_y), (width, floor_y), (wall * 0.6).tolist(), 3)
    # Window with daylight.
    wx = int(rng.uniform(0.05, 0.7) * width)
    ww, wh = int(width * rng.uniform(0.15, 0.25)), int(height * rng.uniform(0.25, 0.35))
    wy = int(height * rng.uniform(0.08, 0.18))
    cv2.rectangle(img, (wx, wy), (wx + ww, wy + wh), (235, 225, 210), -1)
    cv2.rectangle(img, (wx, wy), (wx + ww, wy + wh), (250, 250, 250), 4)
    cv2.line(img, (wx + ww // 2, wy), (wx + ww // 2, wy + wh), (250, 250, 250), 3)
    # Picture frame.
    px, py = int(rng.uniform(0.1, 0.8) * width), int(height * rng.uniform(0.1, 0.2))
    pw, ph = int(width * 0.1), int(height * 0.12)
    cv2.rectangle(img, (px, py), (px + pw, py + ph), (30, 30, 30), 3)
    art = rng.uniform(40, 220, 3)
    cv2.rectangle(img, (px + 4, py + 4), (px + pw - 4, py + ph - 4), art.tolist(), -1)
    cv2.circle(img, (px + pw // 2, py + ph // 2), ph // 4, (art[::-1]).tolist(), -1)
    # Shelf with books.
    sx, sy = int(rng.uniform(0.55, 0.85) * width), int(height * 0.3)
    sw = int(width * 0.12)
    cv2.rectangle(img, (sx, sy), (sx + sw, floor_y), (wood * 0.7).tolist(), -1)
    for shelf in range(sy + 10, floor_y - 10, 35):
        bx = sx + 4
        while bx < sx + sw - 8:
            bw = int(rng.integers(4, 9))
            cv2.rectangle(img, (bx, shelf), (bx + bw, shelf + int(rng.integers(18, 30))),
                          rng.uniform(30, 200, 3).tolist(), -1)
            bx += bw + 1
    # Sofa across the lower part.
    sofa = np.array(SOFA_COLOURS[rng.integers(len(SOFA_COLOURS))], dtype=np.float32)
    top = int(height * rng.uniform(0.55, 0.62))
    x0, x1 = int(width * rng.uniform(0.0, 0.15)), int(width * rng.uniform(0.75, 1.0))
    cv2.rectangle(img, (x0, top), (x1, floor_y + 40), sofa.tolist(), -1)
    cv2.rectangle(img, (x0, top + 30), (x1, floor_y + 40), (sofa * 1.15).tolist(), -1)
    for cx in np.linspace(x0, x1, 4)[1:-1]:
        cv2.line(img, (int(cx), top + 30), (int(cx), floor_y + 40), (sofa * 0.7).tolist(), 2)
    # Lamp glow.
    lx = int(rng.uniform(0.05, 0.95) * width)
    glow = np.zeros((height, width), np.float32)
    cv2.circle(glow, (lx, int(height * 0.2)), int(width * 0.15), 1.0, -1)
    glow = cv2.GaussianBlur(glow, (0, 0), width * 0.08)
    img += glow[:, :, None] * 40
    img += _texture(rng, height, width, 6.0)[:, :, None]
    return np.clip(img * brightness, 0, 255).astype(np.uint8)
