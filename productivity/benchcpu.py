"""CPU time per request, for the load benchmark only (benchmarks/load.py).

Off unless `BENCH_CPU_HEADER` is true (settings.py then puts this middleware
first): each response carries `X-Bench-CPU-ms`, the process's CPU time
(`time.process_time`, user + system) spent between the request entering
Django and the response leaving the middleware stack, so the benchmark reads
each request's CPU from the response it already has. In a gunicorn sync
worker one request runs at a time, so that is the request's own CPU: Django,
templates and the database driver, not PostgreSQL's or Redis's processes.
"""

from __future__ import annotations

import time

HEADER = "X-Bench-CPU-ms"


class CPUTimeMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        started = time.process_time()
        response = self.get_response(request)
        response[HEADER] = f"{(time.process_time() - started) * 1000:.2f}"
        return response
