"""The council journey (GOV.UK patterns): list, start, task list, question pages,
check answers, declaration, confirmation; documents; answering and withdrawing.

Only applicants use these pages (officers and board members get 403: they never
edit through the council journey); a bid of another council is 404.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from applications import extensions, services
from applications.forms import DeclarationForm, DocumentUploadForm, RespondForm, WithdrawForm
from applications.models import Application, ApplicationState, Call, DocumentPurpose
from applications.sections import (
    answer_rows,
    answers_by_section,
    section_form,
    section_get,
    section_statuses,
    sections_for,
    stored_form,
)
from applications.selectors import (
    application_get_for_user,
    applications_for_council,
    bid_strand_keys,
    calls_open,
)
from programmes import documents
from programmes.access import AuthenticatedRequest, applicant_council, role_required
from programmes.forms import posted
from programmes.pagination import paginate
from programmes.roles import APPLICANT, OFFICER

GET_POST = require_http_methods(["GET", "POST"])
# ASCII digits only: int() would also take " 1", "1_0" and other scripts' digits.
VERSION_RE = re.compile(r"[0-9]{1,9}")


def _bid(request: AuthenticatedRequest, reference: str) -> Application:
    return application_get_for_user(user=request.user, reference=reference)


def _messages_of(error: ValidationError) -> list[str]:
    return list(error.messages)


@role_required(APPLICANT)
def bid_list(request: AuthenticatedRequest) -> HttpResponse:
    """Your council's bids, a page at a time (programmes.pagination): the applicant's home."""
    bids = paginate(request, applications_for_council(user=request.user))
    context = {
        "council": request.user.council,
        "applications": bids.object_list,
        "pagination": bids,
        "calls": calls_open(),
        # What the layers above show a council at home, e.g. the savings
        # returns it owes (applications.extensions).
        **extensions.council_home(council=applicant_council(request)),
    }
    return render(request, "applications/bid_list.html", context)


@role_required(APPLICANT)
@GET_POST
def call_start(request: AuthenticatedRequest, call_id: int) -> HttpResponse:
    call = get_object_or_404(
        Call.objects.select_related("strand"), pk=call_id, strand__key__in=bid_strand_keys()
    )
    error = None
    council = applicant_council(request)
    if request.method == "POST":
        try:
            application = services.application_create(
                call=call, council=council, actor=request.user
            )
        except ValidationError as exc:
            error = " ".join(_messages_of(exc))
        else:
            if not application.created:
                messages.info(
                    request,
                    f"Your council already has a draft bid on this call, {application.reference}: "
                    "carry on with it here",
                )
            return redirect(application)
    status = 200 if error is None else 400
    now = timezone.now()
    context = {
        "call": call,
        "error": error,
        "is_open": call.is_open(now),
        "not_yet": now < call.opens_at,
        "abolished": council.abolished_by(timezone.localdate()),
        "council": council,
    }
    return render(request, "applications/call_start.html", context, status=status)


@role_required(APPLICANT)
def bid_detail(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """A draft's task list; afterwards, the bid's status and timeline."""
    application = _bid(request, reference)
    if application.is_draft:
        statuses = section_statuses(application)
        context = {
            "application": application,
            "statuses": statuses,
            "completed": sum(status.complete for status in statuses),
            "all_complete": all(status.complete for status in statuses),
        }
        return render(request, "applications/task_list.html", context)
    events = [event for event in application.events.all() if event.visible_to_applicant]
    context = {
        "application": application,
        "events": events,
        "answers": answers_by_section(application),
        "information_request": (
            application.information_request_event()
            if application.state == ApplicationState.MORE_INFORMATION
            else None
        ),
        "retention_years": settings.RETENTION_YEARS,
    }
    return render(request, "applications/bid_overview.html", context)


def _next_url(application: Application, slug: str, return_to: str) -> str:
    if return_to == "check":
        return reverse("applications:check_answers", args=[application.reference])
    slugs = [section.slug for section in sections_for(application)]
    index = slugs.index(slug)
    if index + 1 < len(slugs):
        return reverse("applications:question", args=[application.reference, slugs[index + 1]])
    return application.get_absolute_url()


@role_required(APPLICANT)
@GET_POST
def question(request: AuthenticatedRequest, reference: str, slug: str) -> HttpResponse:
    application = _bid(request, reference)
    if not application.is_draft:
        return redirect(application)
    section = section_get(application, slug)
    return_to = request.GET.get("return", "")
    saved_rows = None
    if request.method == "POST":
        later = "later" in request.POST
        form = section_form(application, section, request.POST, partial=later)
        if form.is_valid():
            try:
                services.application_section_save(
                    application=application,
                    actor=request.user,
                    section=slug,
                    answers=form.cleaned_data,
                    version=_version(request),
                )
            except ValidationError as exc:
                form.add_error(None, exc)
                # Keep the user's input; show what is saved now; let them save again.
                application = _bid(request, reference)
                saved_rows = answer_rows(stored_form(application, section))
            else:
                if later:
                    messages.success(
                        request,
                        f"Your answers are saved. You can come back to {application.reference} "
                        "at any time before the call closes",
                    )
                    return redirect("applications:bid_list")
                return redirect(_next_url(application, slug, return_to))
    else:
        form = section_form(application, section)
    context = {
        "application": application,
        "section": section,
        "form": form,
        "version": application.version,
        "saved_rows": saved_rows,
        "return_to": return_to,
    }
    return render(request, "applications/question.html", context, status=200)


def _version(request: HttpRequest) -> int | None:
    """The draft's version the page was opened at; None if missing or malformed,
    which the service treats as a stale edit."""
    value = request.POST.get("version", "")
    return int(value) if VERSION_RE.fullmatch(value) else None


@role_required(APPLICANT)
def check_answers(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    application = _bid(request, reference)
    if not application.is_draft:
        return redirect(application)
    rows = [
        (status, answer_rows(stored_form(application, status.section)))
        for status in section_statuses(application)
    ]
    context = {
        "application": application,
        "rows": rows,
        "all_complete": all(status.complete for status, _ in rows),
    }
    return render(request, "applications/check_answers.html", context)


@role_required(APPLICANT)
@GET_POST
def declaration(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    application = _bid(request, reference)
    if not application.is_draft:
        return redirect(application)
    form = DeclarationForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.application_submit(application=application, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("applications:confirmation", reference=application.reference)
    return render(
        request, "applications/declaration.html", {"application": application, "form": form}
    )


@role_required(APPLICANT)
def confirmation(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    application = _bid(request, reference)
    if application.state != ApplicationState.SUBMITTED:
        return redirect(application)
    return render(request, "applications/confirmation.html", {"application": application})


@role_required(APPLICANT)
@GET_POST
def document_list(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """Upload supporting documents to a draft, or documents with an answer."""
    application = _bid(request, reference)
    answering = application.state == ApplicationState.MORE_INFORMATION
    if not (application.is_draft or answering):
        return redirect(application)
    form = DocumentUploadForm(
        posted(request),
        request.FILES if request.method == "POST" else None,
        max_bytes=settings.DOCUMENT_MAX_BYTES,
    )
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_add(
                application=application,
                actor=request.user,
                upload=form.cleaned_data["file"],
                purpose=DocumentPurpose.RESPONSE if answering else DocumentPurpose.SUPPORTING,
            )
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, f"{document.original_name} has been uploaded")
            if answering:
                return redirect("applications:respond", reference=reference)
            return redirect("applications:document_list", reference=reference)
    context = {"application": application, "form": form, "answering": answering}
    return render(request, "applications/documents.html", context)


@role_required(APPLICANT, OFFICER)
def document_download(request: AuthenticatedRequest, reference: str, pk: int) -> FileResponse:
    application = _bid(request, reference)
    document = next((doc for doc in application.documents.all() if doc.pk == pk), None)
    if document is None:
        raise Http404("No such document")
    try:
        handle = documents.document_open(document.stored_name)
    except FileNotFoundError:
        raise Http404("The file is missing") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=documents.safe_download_name(document.original_name),
        content_type=documents.CONTENT_TYPES[document.kind],
    )
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(APPLICANT)
@GET_POST
def document_remove(request: AuthenticatedRequest, reference: str, pk: int) -> HttpResponse:
    application = _bid(request, reference)
    document = next((doc for doc in application.documents.all() if doc.pk == pk), None)
    if document is None:
        raise Http404("No such document")
    error = None
    if request.method == "POST":
        try:
            services.document_remove(document=document, actor=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, f"{document.original_name} has been removed")
            return redirect("applications:document_list", reference=reference)
    context = {"application": application, "document": document, "error": error}
    return render(request, "applications/document_remove.html", context)


@role_required(APPLICANT)
@GET_POST
def respond(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """Answer an officer's request for more information, with a note and documents.

    The documents are uploaded from the same form as the answer ("Upload
    file"), and the page comes back with the answer still in the box, so that
    nothing typed is lost on the way to "Send answer"."""
    application = _bid(request, reference)
    if application.state != ApplicationState.MORE_INFORMATION:
        return redirect(application)
    sending = "upload" not in request.POST
    form = RespondForm(
        posted(request),
        request.FILES if request.method == "POST" else None,
        sending=sending,
        max_bytes=settings.DOCUMENT_MAX_BYTES,
    )
    if request.method == "POST" and form.is_valid():
        note, upload = form.cleaned_data["note"], form.cleaned_data["file"]
        if upload and _respond_upload(request, application, form, upload) and not sending:
            # Uploaded: the page again, with the answer typed so far in the box.
            form = RespondForm(
                initial={"note": note}, sending=False, max_bytes=settings.DOCUMENT_MAX_BYTES
            )
            application = _bid(request, reference)
        elif sending and form.is_valid():
            try:
                services.application_information_provide(
                    application=application, actor=request.user, note=note
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Your answer has been sent to the programme team")
                return redirect(application)
    answers = [d for d in application.documents.all() if d.purpose == DocumentPurpose.RESPONSE]
    context = {
        "application": application,
        "form": form,
        "request_event": application.information_request_event(),
        "answer_documents": answers,
    }
    return render(request, "applications/respond.html", context)


def _respond_upload(request: AuthenticatedRequest, application: Application, form, upload) -> bool:
    try:
        document = services.document_add(
            application=application,
            actor=request.user,
            upload=upload,
            purpose=DocumentPurpose.RESPONSE,
        )
    except ValidationError as exc:
        form.add_error("file", exc)
        return False
    messages.success(request, f"{document.original_name} has been uploaded")
    return True


@role_required(APPLICANT)
@GET_POST
def withdraw(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    application = _bid(request, reference)
    if not application.is_open:
        return redirect(application)
    form = WithdrawForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.application_withdraw(
                application=application, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{application.reference} has been withdrawn")
            return redirect("applications:bid_list")
    return render(request, "applications/withdraw.html", {"application": application, "form": form})
