"""Benchmarks of the portal: throughput, latency and page weight. Run with `python -m bench`."""
