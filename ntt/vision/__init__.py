"""Vision front-end: faces, tracks, head pose, gaze, eyes, mouth, attending."""
