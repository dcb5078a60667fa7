"""The benchmark's CPU header (productivity/benchcpu.py): off by default, and
when on, each response says its request's CPU time in milliseconds."""

from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory

from productivity.benchcpu import HEADER, CPUTimeMiddleware


def test_it_is_off_unless_the_benchmark_turns_it_on():
    assert "productivity.benchcpu.CPUTimeMiddleware" not in settings.MIDDLEWARE


def test_each_response_carries_its_requests_cpu_time():
    def view(request):
        sum(range(10_000))
        return HttpResponse("ok")

    response = CPUTimeMiddleware(view)(RequestFactory().get("/"))
    assert float(response[HEADER]) >= 0
