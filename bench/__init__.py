"""Benchmarks: `python -m bench [--only NAME] [--scale FLOAT]` (see bench/__main__.py)."""
