"""The ASCE programme's public page: published position reports and events.

No sign-in: the reports are the programme's evidence for all councils
(para 11: "for the benefit of all local authorities"). A report that is not
published is not found, and neither is its document.
"""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from programmes.asce.selectors import asce_events, position_reports_published


def asce_page(request: HttpRequest) -> HttpResponse:
    context = {"reports": list(position_reports_published()), "events": list(asce_events())}
    return render(request, "asce/asce_page.html", context)


def report_document(request: HttpRequest, slug: str) -> FileResponse:
    report = get_object_or_404(position_reports_published(), slug=slug)
    if not report.document:
        raise Http404("This report has no document")
    try:
        handle = report.document.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    name = f"{report.slug}{PurePath(report.document.name).suffix}"
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
