"""The public "Productivity and commissioning" page (board paper paras 29-31). No sign-in.

It shows published initiatives, what each strand publishes (found through the
strand registry, e.g. the Experts' case studies) and calls open now; never a
draft, an unpublished initiative, or a call that is closed or not yet open.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from applications.selectors import calls_open
from programmes.public.selectors import initiatives_published
from programmes.strands import strands


def page(request: HttpRequest) -> HttpResponse:
    sections = [(spec.public, spec.public.items()) for spec in strands().values() if spec.public]
    context = {
        "initiatives": initiatives_published(),
        "sections": sections,
        "calls": calls_open(),
    }
    return render(request, "public/page.html", context)


def item(request: HttpRequest, section: str, slug: str) -> HttpResponse:
    """One published item of a strand's section, e.g. a case study; 404 otherwise."""
    block = next(
        (spec.public for spec in strands().values() if spec.public and spec.public.path == section),
        None,
    )
    if block is None:
        raise Http404("No such section")
    return render(request, block.item_template, {"item": block.item(slug=slug), "section": block})
