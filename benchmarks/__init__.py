"""Benchmarks: `./dev bench` (python -m benchmarks) writes benchmarks/RESULTS.md."""
