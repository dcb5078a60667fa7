"""The public "Productivity and commissioning" page (board paper paras 29-31). No sign-in.

It shows published initiatives, published case studies and calls open now;
never a draft, an unpublished initiative, or a call that is closed or not yet open.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from applications.selectors import calls_open
from programmes.experts.selectors import case_studies_published, case_study_get_public
from programmes.public.selectors import initiatives_published


def page(request: HttpRequest) -> HttpResponse:
    context = {
        "initiatives": initiatives_published(),
        "case_studies": case_studies_published(),
        "calls": calls_open(),
    }
    return render(request, "public/page.html", context)


def case_study(request: HttpRequest, slug: str) -> HttpResponse:
    return render(
        request, "public/case_study.html", {"case_study": case_study_get_public(slug=slug)}
    )
