"""MediaPipe Face Mesh landmark indices: the one place they are written down.

Face Mesh with iris refinement gives 478 points: 468 on the face surface, then the right
iris (centre + 4 on its rim) and the left iris. "Right" and "left" are the person's: their
right eye is on the image left. Plain ints and tuples, importable without MediaPipe (the
simulator, the visualizer and the tests use them too).
"""

from __future__ import annotations

MESH_POINTS = 468
"""Face-surface points (0..467); the iris points follow."""
IRIS_POINTS = 10
NUM_LANDMARKS = MESH_POINTS + IRIS_POINTS  # 478

# Iris centres, and each iris's centre + 4 rim points.
IRIS_RIGHT, IRIS_LEFT = 468, 473
IRIS_RIGHT_POINTS = tuple(range(IRIS_RIGHT, IRIS_RIGHT + 5))
IRIS_LEFT_POINTS = tuple(range(IRIS_LEFT, IRIS_LEFT + 5))

# Eye corners and the lid midpoints (gaze, eye openness, the ROI's in-plane rotation).
EYE_RIGHT_OUTER, EYE_RIGHT_INNER = 33, 133
EYE_LEFT_INNER, EYE_LEFT_OUTER = 362, 263
LID_RIGHT_UPPER, LID_RIGHT_LOWER = 159, 145
LID_LEFT_UPPER, LID_LEFT_LOWER = 386, 374

# Contours: the eye openings, each lid's edge (corner to corner), the inner lips.
EYE_RIGHT_CONTOUR = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161,
                     246)
EYE_LEFT_CONTOUR = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388,
                    466)
LID_RIGHT_UPPER_CONTOUR = (246, 161, 160, 159, 158, 157, 173)
LID_RIGHT_LOWER_CONTOUR = (7, 163, 144, 145, 153, 154, 155)
LID_LEFT_UPPER_CONTOUR = (466, 388, 387, 386, 385, 384, 398)
LID_LEFT_LOWER_CONTOUR = (249, 390, 373, 374, 380, 381, 382)

# Inner lip midpoints (mouth opening), and the inner lip contour with its two halves.
LIP_INNER_UPPER, LIP_INNER_LOWER = 13, 14
LIPS_INNER_CONTOUR = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308, 415, 310, 311, 312, 13,
                      82, 81, 80, 191)
LIP_INNER_UPPER_CONTOUR = (191, 80, 81, 82, 13, 312, 311, 310, 415)
LIP_INNER_LOWER_CONTOUR = (95, 88, 178, 87, 14, 317, 402, 318, 324)

# The face outline, clockwise from the forehead, and single reference points.
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378,
             400, 377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54,
             103, 67, 109)
FOREHEAD = 10
CHIN = 152
NOSE_TIP = 1
CHEEKS = (50, 280)  # right, left: where the skin tone is sampled

# Points that move little with expression (forehead, temples, nose, eye corners,
# cheekbones), closed under left/right mirroring: head pose is solved on these. Mouth, jaw,
# eyebrows and lids are out.
RIGID_LANDMARKS = (
    10, 151, 9, 8, 168, 6, 197, 195, 5, 4, 1,
    33, 263, 133, 362,
    234, 454, 127, 356, 162, 389, 21, 251, 54, 284, 103, 332, 67, 297, 109, 338,
    116, 345, 123, 352, 50, 280, 98, 327, 129, 358,
)
