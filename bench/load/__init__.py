"""The load test (`python -m bench --only load`): locust against gunicorn; see bench/bench_load.py."""
