"""Benchmark of the batch against its floor and a naive baseline (not part of the tests)."""
