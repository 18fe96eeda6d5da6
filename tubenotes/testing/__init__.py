"""Fakes that speak real protocols, shipped for tests, benchmarks and dry runs."""
