"""Runnable applications built on the ``ntt`` library (the Qt visualizer / desktop demo)."""
