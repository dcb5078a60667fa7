"""The council journey (GOV.UK patterns): list, start, task list, question pages,
check answers, declaration, confirmation; documents; answering and withdrawing;
a partner council's answer.

Only applicants use these pages (officers and board members get 403: they never
edit through the council journey); a bid of another council is 404.
Two pages only show a bid, `bid_detail` and `document_download`: they also
open to the councils that may read it (its lead's successors, its confirmed
partners: `application_get_for_user(read_only=True)`). Every other page of a
bid changes it, and is 404 to anyone but the lead council, read-only readers
included (docs/security.md, "Partners, successors and predecessors").
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from applications import extensions, services
from applications.forms import (
    DeclarationForm,
    DocumentUploadForm,
    PartnerAnswerForm,
    RespondForm,
    WithdrawForm,
)
from applications.models import (
    Application,
    ApplicationState,
    Call,
    DocumentPurpose,
    PartnerStatus,
)
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
    LEAD,
    PARTNER,
    application_get_for_user,
    applications_for_council,
    bid_strand_keys,
    calls_open,
    documents_visible,
    partner_confirmation_get_for_user,
    partner_requests_for_user,
    predecessor_bids_for_user,
)
from applications.workflow import partner_confirmations, partners_declined, partners_waiting
from programmes import documents
from programmes.access import AuthenticatedRequest, applicant_council, role_required
from programmes.forms import posted
from programmes.pagination import paginate
from programmes.roles import APPLICANT, OFFICER
from savings.selectors import award_for_application

GET_POST = require_http_methods(["GET", "POST"])
# ASCII digits only: int() would also take " 1", "1_0" and other scripts' digits.
VERSION_RE = re.compile(r"[0-9]{1,9}")


def _bid(request: AuthenticatedRequest, reference: str, *, listed: bool = True) -> Application:
    return application_get_for_user(user=request.user, reference=reference, listed=listed)


# The predecessors' bids listed on a successor's home page (newest first).
PREDECESSOR_BIDS = 50


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
        "partner_requests": partner_requests_for_user(user=request.user),
        "predecessor_bids": predecessor_bids_for_user(user=request.user)[:PREDECESSOR_BIDS],
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
    """A draft's task list; afterwards, the bid's status and timeline.
    Read-only (whatever the state) for a successor or a confirmed partner."""
    application = application_get_for_user(user=request.user, reference=reference, read_only=True)
    read_only = application.viewer != LEAD
    if application.is_draft and not read_only:
        statuses = section_statuses(application)
        context = {
            "application": application,
            "statuses": statuses,
            "completed": sum(status.complete for status in statuses),
            "all_complete": all(status.complete for status in statuses),
            **_partners_context(application),
        }
        return render(request, "applications/task_list.html", context)
    events = [event for event in application.events.all() if event.visible_to_applicant]
    partners = partner_confirmations(application)
    if application.viewer == PARTNER:
        # A partner reads the councils that took part, never another
        # council's pending answer or its reasons for declining.
        partners = [p for p in partners if p.status == PartnerStatus.CONFIRMED]
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
        "read_only": read_only,
        "documents": documents_visible(application),
        "partners": partners,
        "partners_can_share": bool(partners) and not read_only,
        "award": award_for_application(application_id=application.pk)
        if application.state == ApplicationState.APPROVED
        else None,
    }
    return render(request, "applications/bid_overview.html", context)


def _partners_context(application: Application) -> dict:
    """The partner councils' answers, and who is still to answer (the rule
    on sending: applications.workflow.PARTNERS_ANSWERED)."""
    partners = partner_confirmations(application)
    return {
        "partners": partners,
        "partners_waiting": partners_waiting(partners),
        "partners_declined": partners_declined(partners),
    }


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
    application = _bid(request, reference, listed=False)
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
                application = _bid(request, reference, listed=False)
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
        **_partners_context(application),
    }
    return render(request, "applications/check_answers.html", context)


@role_required(APPLICANT)
@GET_POST
def declaration(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    application = _bid(request, reference, listed=False)
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
    context = {
        "application": application,
        "form": form,
        "answering": answering,
        "partners_can_share": bool(application.partner_councils.all()),
    }
    return render(request, "applications/documents.html", context)


@role_required(APPLICANT, OFFICER)
def document_download(request: AuthenticatedRequest, reference: str, pk: int) -> FileResponse:
    """For the council, its successors, officers, and partner councils that
    confirmed if the lead shared the document (`documents_visible`)."""
    application = application_get_for_user(user=request.user, reference=reference, read_only=True)
    document = next((doc for doc in documents_visible(application) if doc.pk == pk), None)
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


@role_required(APPLICANT)
@GET_POST
def document_share(request: AuthenticatedRequest, reference: str, pk: int) -> HttpResponse:
    """The lead council shares a document with its confirmed partner
    councils, or stops sharing it (a button per document)."""
    application = _bid(request, reference)
    document = next((doc for doc in application.documents.all() if doc.pk == pk), None)
    if document is None:
        raise Http404("No such document")
    sharing = not document.shared_with_partners
    if request.method == "POST":
        services.document_share(document=document, actor=request.user, shared=sharing)
        if sharing:
            messages.success(request, f"{document.original_name} is shared with partner councils")
        else:
            messages.success(request, f"{document.original_name} is no longer shared")
        return redirect(application)
    context = {"application": application, "document": document, "sharing": sharing}
    return render(request, "applications/document_share.html", context)


@role_required(APPLICANT)
@GET_POST
def partner_answer(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """A bid that names the user's council as a partner: its summary, and for
    the council lead, confirm or decline. A successor of a partner council
    reads its predecessor's answer and never answers for it. 404 to every
    other council, and once the council has declined."""
    confirmation = partner_confirmation_get_for_user(user=request.user, reference=reference)
    application = confirmation.application
    successor = confirmation.council_id != request.user.council_id
    may_answer = (
        not successor
        and confirmation.is_pending
        and application.is_draft
        and request.user.is_council_lead
    )
    if request.method == "POST" and not may_answer:
        raise PermissionDenied(
            f"Only {confirmation.council.name}'s council lead can answer, while the bid is a draft"
        )
    form = PartnerAnswerForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_answer(
                confirmation=confirmation,
                actor=request.user,
                confirmed=form.cleaned_data["answer"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if form.cleaned_data["answer"]:
                messages.success(
                    request, f"You confirmed that your council is a partner on {reference}"
                )
                return redirect(application)
            messages.success(request, f"You declined to be a partner on {reference}")
            return redirect("applications:bid_list")
    context = {
        "confirmation": confirmation,
        "application": application,
        "form": form,
        "may_answer": may_answer,
        "successor": successor,
    }
    return render(request, "applications/partner_answer.html", context)
