"""The NTT visualizer and desktop demo: replay a recorded session or run live from the
camera and microphone, with every cue the pipeline sees drawn over the video and on
timelines. ``ntt gui`` starts it; ``apps.visualizer.app.run_gui`` is the entry point.

The Qt-free parts (``store``, ``derive``, ``annotations``, ``recorder``) import without Qt, so
they can be tested and reused headless.
"""
