"""Render a real face photo as a textured 3D mesh at any head pose, gaze, blink and mouth
opening — with OpenCV and numpy only.

The mesh is lifted from MediaPipe Face Mesh's own 3D landmarks on the photo (x, y in pixels,
z relative depth on the x scale), extended by two rings around the face oval so forehead,
hair, ears and neck come along, and triangulated (Delaunay on the frontal 2D layout).
Rendering rasterises the front-facing triangles in one vectorised pass: every pixel centre
inside a triangle's bounding box is tested by its barycentric coordinates, and where
triangles overlap the nearest by mean depth wins (the painter's order, back faces culled);
every covered pixel is mapped back into the photo through its triangle's affine map and
the photo is sampled once with ``cv2.remap``. Eye openings are re-textured from a
sclera/iris model so gaze can be moved; the mouth opening is a dark cavity.

Lids follow a downward look. The upper lid rides on the eyeball and, in steady fixation,
takes the eye's own vertical position (Becker & Fuchs, "Lid-eye coordination during
vertical gaze changes in man and monkey", J. Neurophysiol. 60, 1988: equal average
positions, and downward lid saccades of the eye saccade's amplitude), so the renderer
turns the upper lid's margin about the eyeball's centre by the eye's downward pitch (gain
1, fading to the corners, which are anchored). The lower lid comes down too, by what keeps
the vertical aperture on Read et al.'s measurement (Optom. Vis. Sci. 83, 2006, 76 young
adults: 9.7 mm in primary gaze, 6.4 mm at 40° downgaze, i.e. 34% narrower, taken linear in
the angle). Looking up leaves the lids where they are (the levator lifts the lid with the
eye, but an upward look is not what the vision front-end's lid term is for).

Pose convention (camera frame, same as ``ntt.vision``): yaw > 0 turns the person to their left (nose
towards image right), pitch > 0 looks up, roll > 0 tilts the head clockwise in the image.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay

from ntt.vision.mesh_indices import (
    CHEEKS,
    CHIN,
    EYE_LEFT_CONTOUR,
    EYE_RIGHT_CONTOUR,
    FACE_OVAL,
    FOREHEAD,
    IRIS_LEFT_POINTS,
    IRIS_RIGHT_POINTS,
    LID_LEFT_LOWER_CONTOUR,
    LID_LEFT_UPPER_CONTOUR,
    LID_RIGHT_LOWER_CONTOUR,
    LID_RIGHT_UPPER_CONTOUR,
    LIP_INNER_LOWER_CONTOUR,
    LIP_INNER_UPPER_CONTOUR,
    LIPS_INNER_CONTOUR,
    MESH_POINTS,
    NOSE_TIP,
    NUM_LANDMARKS,
)

RING_SCALES = (1.22, 1.45)  # outer rings around the face oval, as multiples of its radius
MOUTH_CAVITY_BGR = (30, 25, 60)
HEAD_PIVOT_DEPTH = 0.55  # pivot behind the nose tip, in face heights
FACE_HEIGHT_MM = 200.0  # forehead (landmark 10) to chin (152) of an adult
DEFAULT_HFOV_DEG = 65.0
EYEBALL_TO_IRIS = 2.0  # a 12 mm eyeball radius against a 6 mm iris radius
SCLERA_BGR = (215, 220, 225)
LID_GAZE_GAIN = 1.0  # upper-lid rotation per degree of downward eye pitch (Becker & Fuchs)
# Vertical aperture lost per degree of downgaze, as a share of the rest aperture: Read et
# al. 2006, (9.7 - 6.4) / 9.7 over 40°.
APERTURE_LOSS_PER_DEG = (9.7 - 6.4) / 9.7 / 40.0
MAX_LID_CLOSURE = 0.9  # a blink (or the lowest look) leaves this share of the gap closed


@dataclass(frozen=True)
class FacePose:
    """Everything that changes from frame to frame for one rendered face."""

    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    gaze_yaw_deg: float = 0.0  # eye-in-head, same signs as head yaw/pitch
    gaze_pitch_deg: float = 0.0
    eye_open: float = 1.0  # 0 = closed (blink)
    mouth_open: float = 0.0  # 0..1, fraction of a wide-open jaw
    light: tuple[float, float, float] = (0.0, 0.0, -1.0)  # direction towards the light


def rotation(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """Rotation in image axes (x right, y down, z away from the camera)."""
    y, p, r = (math.radians(a) for a in (yaw_deg, pitch_deg, roll_deg))
    # Nose (z < 0) must move to +x for positive yaw, up (-y) for positive pitch.
    ry = np.array([[math.cos(y), 0, -math.sin(y)], [0, 1, 0], [math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), math.sin(p)], [0, -math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return rz @ ry @ rx


class TexturedFace:
    """A textured face mesh built from one photo, rendered at any pose."""

    def __init__(self, photo_bgr: np.ndarray, landmarks: np.ndarray, width_scale: float = 1.0,
                 depth_scale: float = 1.0):
        """``landmarks``: (478, 3) Face Mesh output on ``photo_bgr`` in pixels; the scales
        reshape the 3D head (identity jitter) without touching the texture."""
        self.photo = photo_bgr
        pts = landmarks.astype(np.float64)
        self.height_px = float(pts[CHIN, 1] - pts[FOREHEAD, 1])
        # Heads turn about the neck, well behind the nose: pivot there.
        centre = pts[NOSE_TIP].copy() + np.array([0.0, 0.0, HEAD_PIVOT_DEPTH * self.height_px])
        oval = pts[list(FACE_OVAL)]
        oval_c = oval[:, :2].mean(axis=0)
        rings = []
        for k, scale in enumerate(RING_SCALES):
            ring = np.empty_like(oval)
            ring[:, :2] = oval_c + (oval[:, :2] - oval_c) * scale
            ring[:, 2] = oval[:, 2] + (k + 1) * 0.15 * np.ptp(oval[:, 0])  # further back
            rings.append(ring)
        mesh = np.vstack([pts[:MESH_POINTS]] + rings)
        self.n_rings = len(oval)
        self.src_xy = mesh[:, :2].astype(np.float32)
        shape = np.array([width_scale, 1.0, depth_scale])
        self.model_xyz = (mesh - centre) * shape  # head-centred, image axes, z away
        self.iris = (pts[MESH_POINTS:NUM_LANDMARKS] - centre) * shape
        tri = Delaunay(self.src_xy).simplices
        self.triangles = tri.astype(np.int32)
        eye_r, eye_l, lips = set(EYE_RIGHT_CONTOUR), set(EYE_LEFT_CONTOUR), set(LIPS_INNER_CONTOUR)
        self.kind = np.zeros(len(tri), dtype=np.int8)  # 0 skin, 1 eye, 2 mouth, 3 outer
        for i, t in enumerate(tri):
            s = set(t.tolist())
            if s <= eye_r or s <= eye_l:
                self.kind[i] = 1
            elif s <= lips:
                self.kind[i] = 2
            elif min(t) >= MESH_POINTS + self.n_rings:
                self.kind[i] = 3
        # The outermost ring fades into the background.
        self.alpha_vertex = np.ones(len(mesh), dtype=np.float32)
        self.alpha_vertex[MESH_POINTS + self.n_rings:] = 0.0
        a = self.src_xy[self.triangles]
        self.src_sign = np.sign(_cross(a))
        self._eye_texture = self._build_eye_textures()
        self._lids = self._build_lids()
        cheek = pts[list(CHEEKS), :2].astype(int)  # both cheeks: the photo's skin tone
        patches = [photo_bgr[max(y - 3, 0):y + 4, max(x - 3, 0):x + 4].reshape(-1, 3)
                   for x, y in cheek]
        self.skin_bgr = tuple(float(c) * 0.85 for c in np.vstack(patches).mean(axis=0))

    # --- deformation -------------------------------------------------------------------

    def _build_lids(self) -> tuple:
        """Per eye: upper- and lower-lid vertex ids, the eyeball's centre (model px), how
        much of the eye's movement each upper-lid vertex takes (1 mid-lid, less towards the
        anchored corners) and the eyeball's radius."""
        out = []
        for name, upper, lower in (("right", LID_RIGHT_UPPER_CONTOUR, LID_RIGHT_LOWER_CONTOUR),
                                   ("left", LID_LEFT_UPPER_CONTOUR, LID_LEFT_LOWER_CONTOUR)):
            centre, radius = self._eye_texture[name]
            ball = centre + np.array([0.0, 0.0, radius * EYEBALL_TO_IRIS])
            up, lo = np.array(upper), np.array(lower)
            xs = self.model_xyz[up, 0]
            half = max(float(np.ptp(xs)) / 2 * 1.15, 1e-6)  # the corners lie just beyond
            share = np.clip(1.0 - ((xs - xs.mean()) / half) ** 2, 0.0, 1.0)
            out.append((up, lo, ball, share, radius * EYEBALL_TO_IRIS))
        return tuple(out)

    def _lids_down(self, v: np.ndarray, down_deg: float) -> None:
        """Upper lids turned about the eyeball by the downward look, lower lids lowered to
        keep Read et al.'s aperture (in place on ``v``). The lid rides on the globe, so its
        margin turns at the eyeball's radius (Face Mesh's depth of the lid is too rough
        for that radius)."""
        a = math.radians(LID_GAZE_GAIN * down_deg)
        for up, lo, ball, share, radius in self._lids:
            rel_y = v[up, 1] - ball[1]
            elevation = np.arcsin(np.clip(rel_y / radius, -1.0, 1.0))  # < 0: above centre
            turned = elevation + a * share
            new_y = ball[1] + radius * np.sin(turned)
            v[up, 2] += radius * (np.cos(elevation) - np.cos(turned))  # over the cornea
            gap = v[lo, 1] - v[up, 1]
            keep = gap * max(1.0 - APERTURE_LOSS_PER_DEG * down_deg, 1.0 - MAX_LID_CLOSURE)
            v[lo, 1] += np.maximum(new_y + keep - v[lo, 1], 0.0) * share
            v[up, 1] = np.minimum(new_y, v[lo, 1] - gap * (1.0 - MAX_LID_CLOSURE))

    def _deformed(self, pose: FacePose) -> np.ndarray:
        v = self.model_xyz.copy()
        if pose.gaze_pitch_deg < 0:
            self._lids_down(v, -pose.gaze_pitch_deg)
        closed = 1.0 - float(np.clip(pose.eye_open, 0.0, 1.0))
        if closed > 0:
            for up, lo, *_ in self._lids:
                v[up, 1] += closed * (v[lo, 1] - v[up, 1]) * MAX_LID_CLOSURE
        jaw = float(np.clip(pose.mouth_open, 0.0, 1.0)) * 0.09 * self.height_px
        if jaw > 0:
            mouth_y = v[list(LIP_INNER_UPPER_CONTOUR), 1].mean()
            chin_y = v[CHIN, 1]
            below = v[:, 1] > mouth_y
            weight = np.clip((v[:, 1] - mouth_y) / max(chin_y - mouth_y, 1e-6), 0, 1)
            weight = np.where(below, np.sqrt(weight), 0.0)
            width = np.ptp(v[list(FACE_OVAL), 0]) * 0.5
            weight *= np.clip(1.2 - np.abs(v[:, 0]) / width, 0, 1)
            v[:, 1] += jaw * weight
            v[list(LIP_INNER_LOWER_CONTOUR), 1] += jaw * 0.35
        return v

    # --- eyes --------------------------------------------------------------------------

    def _build_eye_textures(self) -> dict:
        """Per eye: the iris patch cut from the photo, its radius and centre (model px)."""
        out = {}
        for name, iris_idx in (("right", IRIS_RIGHT_POINTS), ("left", IRIS_LEFT_POINTS)):
            pts = self.iris[[i - MESH_POINTS for i in iris_idx]]
            centre = pts[0]
            radius = float(np.mean(np.linalg.norm(pts[1:, :2] - centre[:2], axis=1)))
            out[name] = (centre, max(radius, 1.0))
        return out

    # --- rendering ---------------------------------------------------------------------

    def render(self, canvas: np.ndarray, centre_xy: tuple[float, float], face_height_px: float,
               pose: FacePose, brightness: float = 1.0, focal_px: float | None = None
               ) -> np.ndarray:
        """Draw the face onto ``canvas`` (BGR, modified in place) with a pinhole camera of
        ``focal_px`` (default: 65° horizontal field of view) and the principal point at the
        image centre. The head's pivot projects to ``centre_xy``; at that point the face is
        ``face_height_px`` tall. The pose is in the camera frame. Returns the 2D landmarks
        (478×2, Face Mesh order, iris included) where they landed."""
        h, w = canvas.shape[:2]
        landmarks, dst, v, iris_xy = self._place((w, h), centre_xy, face_height_px, pose,
                                                 focal_px)
        self._rasterise(canvas, dst, v[:, 2], v, pose, iris_xy, brightness)
        return landmarks

    def landmarks(self, size_wh: tuple[int, int], centre_xy: tuple[float, float],
                  face_height_px: float, pose: FacePose, focal_px: float | None = None
                  ) -> np.ndarray:
        """Where ``render`` would put the 478 landmarks in a ``size_wh`` image, without
        drawing (sessions rendered without video still get their faces' truth)."""
        return self._place(size_wh, centre_xy, face_height_px, pose, focal_px)[0]

    def _place(self, size_wh, centre_xy, face_height_px, pose, focal_px) -> tuple:
        """Landmarks, projected mesh vertices, camera-frame vertices (mm) and the irises'
        image centres and radii."""
        w, h = size_wh
        if focal_px is None:
            focal_px = (w / 2) / math.tan(math.radians(DEFAULT_HFOV_DEG) / 2)
        principal = np.array([w / 2, h / 2])
        mm = FACE_HEIGHT_MM / self.height_px  # model pixels → millimetres
        distance_mm = focal_px * FACE_HEIGHT_MM / face_height_px
        origin = np.array([*(np.asarray(centre_xy) - principal) * distance_mm / focal_px,
                           distance_mm])

        def project(points_mm: np.ndarray) -> np.ndarray:
            cam = points_mm + origin
            return focal_px * cam[:, :2] / cam[:, 2:3] + principal

        rot = rotation(pose.yaw_deg, pose.pitch_deg, pose.roll_deg)
        v = self._deformed(pose) @ rot.T * mm
        dst = project(v)
        landmarks = np.zeros((NUM_LANDMARKS, 2), dtype=np.float32)
        landmarks[:MESH_POINTS] = dst[:MESH_POINTS]
        gaze = rotation(pose.yaw_deg + pose.gaze_yaw_deg, pose.pitch_deg + pose.gaze_pitch_deg,
                        pose.roll_deg)
        iris_xy = {}
        for name, iris_idx in (("right", IRIS_RIGHT_POINTS), ("left", IRIS_LEFT_POINTS)):
            centre, radius = self._eye_texture[name]
            ball_r = radius * EYEBALL_TO_IRIS  # eyeball radius from the iris radius
            ball_c = rot @ (centre + np.array([0, 0, ball_r]))
            iris_c = ball_c + gaze @ np.array([0, 0, -ball_r])
            offsets = self.iris[[i - MESH_POINTS for i in iris_idx]] - centre
            offsets[:, 2] = 0
            ring = (iris_c + offsets @ gaze.T) * mm
            pts = project(ring)
            landmarks[iris_idx[0]:iris_idx[0] + 5] = pts
            iris_xy[name] = (pts[0], radius * mm * focal_px / (distance_mm + iris_c[2] * mm))
        return landmarks, dst, v, iris_xy

    def _rasterise(self, canvas, dst, depth, v, pose, iris_xy, brightness) -> None:
        h, w = canvas.shape[:2]
        tri = self.triangles
        d = dst[tri].astype(np.float32)
        sign = np.sign(_cross(d))
        visible = (sign == self.src_sign) & (sign != 0)
        order = np.argsort(-depth[tri].mean(axis=1))
        order = order[visible[order]]
        x0, y0 = np.floor(dst.min(axis=0)).astype(int)
        x1, y1 = np.ceil(dst.max(axis=0)).astype(int) + 1
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 <= x0 or y1 <= y0 or len(order) == 0:
            return
        shape = (y1 - y0, x1 - x0)
        covered = _cover(d[order] - np.array([x0, y0], dtype=np.float32), shape)
        if covered is None:
            return
        xs, ys, which, l0, l1, l2 = covered
        t_ids = order[which]
        s = self.src_xy[tri[t_ids]]
        src = s[:, 0] * l0[:, None] + s[:, 1] * l1[:, None] + s[:, 2] * l2[:, None]
        map_x = np.full(shape, -1, dtype=np.float32)
        map_y = np.full(shape, -1, dtype=np.float32)
        map_x[ys, xs] = src[:, 0]
        map_y[ys, xs] = src[:, 1]
        patch = cv2.remap(self.photo, map_x, map_y, cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
        # Lambert shading per triangle from its rotated normal.
        vt = v[tri]
        normals = np.cross(vt[:, 1] - vt[:, 0], vt[:, 2] - vt[:, 0])
        normals /= np.linalg.norm(normals, axis=1, keepdims=True) + 1e-9
        normals *= -self.src_sign[:, None]  # make them point towards the camera (-z)
        light = np.asarray(pose.light, dtype=np.float64)
        light /= np.linalg.norm(light) + 1e-9
        shade = 0.55 + 0.45 * np.clip(normals @ light, 0, 1)
        factor = np.zeros(shape, dtype=np.float32)
        factor[ys, xs] = shade[t_ids] * brightness
        patch *= factor[:, :, None]
        kind = self.kind[t_ids]
        mouth = kind == 2
        if pose.mouth_open > 0:
            k = float(np.clip(pose.mouth_open * 1.5, 0, 1))
            my, mx = ys[mouth], xs[mouth]
            patch[my, mx] = patch[my, mx] * (1 - k) + np.asarray(MOUTH_CAVITY_BGR) * k
        eye = kind == 1
        if eye.any():
            self._paint_eyes(patch, xs[eye], ys[eye], x0, y0, iris_xy, brightness)
        alpha_v = self.alpha_vertex[tri[t_ids]]
        alpha = alpha_v[:, 0] * l0 + alpha_v[:, 1] * l1 + alpha_v[:, 2] * l2
        alpha_img = np.zeros(shape, dtype=np.float32)
        alpha_img[ys, xs] = np.clip(alpha * 1.6, 0, 1)
        region = canvas[y0:y1, x0:x1].astype(np.float32)
        out = region * (1 - alpha_img[:, :, None]) + patch * alpha_img[:, :, None]
        canvas[y0:y1, x0:x1] = np.clip(out, 0, 255).astype(np.uint8)

    def _paint_eyes(self, patch, xs, ys, x0, y0, iris_xy, brightness) -> None:
        px = np.stack([xs + x0, ys + y0], axis=1).astype(np.float32)
        colour = np.empty((len(xs), 3), dtype=np.float32)
        colour[:] = SCLERA_BGR
        for name in ("right", "left"):
            centre, radius = iris_xy[name]
            dist = np.linalg.norm(px - centre, axis=1)
            iris = dist < radius
            pupil = dist < radius * 0.45
            colour[iris] = (70, 85, 110)
            colour[pupil] = (20, 20, 25)
        patch[ys, xs] = colour * brightness


def _cover(tri_xy: np.ndarray, shape: tuple[int, int]) -> tuple | None:
    """Which triangle covers each pixel centre of a (height, width) patch: ``tri_xy`` is
    (T, 3, 2) in patch pixels, in painter's order (a later triangle hides an earlier one).
    Returns the covered pixels' x, y, the triangle's index in ``tri_xy`` and the pixel's
    barycentric coordinates in it; None when nothing is covered."""
    h, w = shape
    lo = np.clip(np.ceil(tri_xy.min(axis=1)), 0, [w, h]).astype(np.int64)
    hi = np.clip(np.floor(tri_xy.max(axis=1)), -1, [w - 1, h - 1]).astype(np.int64)
    nx, ny = np.maximum(hi[:, 0] - lo[:, 0] + 1, 0), np.maximum(hi[:, 1] - lo[:, 1] + 1, 0)
    count = nx * ny
    total = int(count.sum())
    if total == 0:
        return None
    # Barycentric coordinates are affine in the pixel position: l = A x + B y + C.
    t = tri_xy.astype(np.float64)
    (ax, ay), (v0x, v0y), (v1x, v1y) = t[:, 0].T, (t[:, 1] - t[:, 0]).T, (t[:, 2] - t[:, 0]).T
    den = v0x * v1y - v1x * v0y
    den = np.where(np.abs(den) < 1e-9, 1e-9, den)
    coef = (np.stack([v1y, -v1x, v1x * ay - ax * v1y, -v0y, v0x, ax * v0y - v0x * ay], axis=1)
            / den[:, None]).astype(np.float32)
    which = np.repeat(np.arange(len(tri_xy)), count)
    k = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
    nxw = nx[which]
    px = (lo[which, 0] + k % nxw).astype(np.float32)
    py = (lo[which, 1] + k // nxw).astype(np.float32)
    c = coef[which]
    l1 = c[:, 0] * px + c[:, 1] * py + c[:, 2]
    l2 = c[:, 3] * px + c[:, 4] * py + c[:, 5]
    l0 = 1.0 - l1 - l2
    eps = -1e-5
    inside = np.nonzero((l0 >= eps) & (l1 >= eps) & (l2 >= eps))[0]
    if len(inside) == 0:
        return None
    flat = py[inside].astype(np.int64) * w + px[inside].astype(np.int64)
    top = np.full(h * w, -1, dtype=np.int64)
    np.maximum.at(top, flat, which[inside])  # the nearest (latest) triangle per pixel
    win = inside[top[flat] == which[inside]]
    xs, ys = px[win].astype(np.int64), py[win].astype(np.int64)
    return xs, ys, which[win], l0[win], l1[win], l2[win]


def _cross(tri_xy: np.ndarray) -> np.ndarray:
    """z of (b - a) × (c - a) for each triangle (signed doubled area)."""
    a, b, c = tri_xy[:, 0], tri_xy[:, 1], tri_xy[:, 2]
    return (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (c[:, 0] - a[:, 0])
