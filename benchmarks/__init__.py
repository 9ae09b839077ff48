"""Quarterdeck's performance harness: `make bench` (python -m benchmarks) writes benchmarks/results.md."""
