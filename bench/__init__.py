"""Benchmarks and scale tests: `python -m bench.run --help`."""
