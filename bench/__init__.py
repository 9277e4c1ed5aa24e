"""Benchmarks and scale tests (issue #7): `python -m bench.run --help`."""
