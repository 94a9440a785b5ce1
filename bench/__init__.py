"""Benchmark scripts: `bench/seed.py` fills a database at scale, `bench/run.py` loads a real server."""
