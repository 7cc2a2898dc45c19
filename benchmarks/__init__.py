"""Benchmarks against fixed anchors: one command per script, figures and ratios printed, results in RESULTS.md."""
