"""Benchmarks: `./run bench` (or `uv run python -m benchmarks`) prints every figure."""
