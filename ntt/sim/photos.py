"""Faces for the simulator: the real frontal photos installed packages ship
(``ntt.vision.samples``), lifted to textured meshes, with identity jitter (mirroring, skin
tone, face shape) so a handful of photos gives many different-looking people."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ntt.sim.face_render import TexturedFace

# Frontal portraits usable as textures (the cameraman is three-quarter and grayscale).
PHOTOS = ("astronaut", "grace_hopper")


@dataclass(frozen=True)
class Identity:
    """One simulated person's look: which photo, mirrored or not, colour and shape jitter."""

    photo: str
    mirrored: bool = False
    tone_bgr: tuple[float, float, float] = (1.0, 1.0, 1.0)  # per-channel gain on the photo
    width_scale: float = 1.0
    depth_scale: float = 1.0

    @classmethod
    def random(cls, rng: np.random.Generator) -> Identity:
        base = float(rng.uniform(0.8, 1.15))
        tone = (base * float(rng.uniform(0.9, 1.1)), base * float(rng.uniform(0.93, 1.07)),
                base * float(rng.uniform(0.9, 1.12)))
        return cls(photo=PHOTOS[int(rng.integers(len(PHOTOS)))], mirrored=bool(rng.random()
                                                                                < 0.5),
                   tone_bgr=tone, width_scale=float(rng.uniform(0.9, 1.1)),
                   depth_scale=float(rng.uniform(0.85, 1.15)))


def _photo(name: str) -> np.ndarray:
    from ntt.vision import samples

    return getattr(samples, name)().image_bgr


@cache
def _landmarks(name: str, mirrored: bool) -> np.ndarray:
    """Face Mesh on a posed close-up portrait: MediaPipe's own selfie-range solution is made
    for exactly this, so it is used directly rather than the far-field front-end."""
    import mediapipe as mp

    photo = _photo(name)
    if mirrored:
        photo = photo[:, ::-1]
    h, w = photo.shape[:2]
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, max_num_faces=1,
                                         refine_landmarks=True) as mesh:
        result = mesh.process(np.ascontiguousarray(photo[:, :, ::-1]))
    if not result.multi_face_landmarks:
        raise RuntimeError(f"no face found in the bundled photo {name!r}")
    return np.array([(p.x * w, p.y * h, p.z * w)
                     for p in result.multi_face_landmarks[0].landmark], dtype=np.float32)


@cache
def textured_face(identity: Identity) -> TexturedFace:
    photo = _photo(identity.photo)
    if identity.mirrored:
        photo = np.ascontiguousarray(photo[:, ::-1])
    toned = np.clip(photo.astype(np.float32) * np.asarray(identity.tone_bgr, np.float32), 0,
                    255).astype(np.uint8)
    pts = _landmarks(identity.photo, identity.mirrored).copy()
    return TexturedFace(toned, pts, width_scale=identity.width_scale,
                     depth_scale=identity.depth_scale)
