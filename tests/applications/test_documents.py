"""Supporting documents: private storage, checked by content, size limit, removable in draft."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from applications import services
from applications.models import Document
from tests import pdfs
from tests.applications.bids import bid_completed, bid_submitted

pytestmark = pytest.mark.django_db
PDF = pdfs.PDF


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


DOCX = zipped({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
XLSX = zipped({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
ODT = zipped({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})


@pytest.fixture
def draft(experts_call, council_a, applicant_a):
    return bid_completed(experts_call, council_a, applicant_a)


def upload(client, application, name: str, content: bytes):
    return client.post(
        f"/bids/{application.reference}/documents/",
        {"file": SimpleUploadedFile(name, content)},
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plan.pdf", PDF),
        ("plan.docx", DOCX),
        ("costs.xlsx", XLSX),
        ("plan.odt", ODT),
        ("costs.csv", b"year,amount\n2013/14,1000\n"),
    ],
)
def test_each_allowed_type_is_stored_privately_under_a_random_name(
    name, content, applicant_a_client, draft, settings
):
    response = upload(applicant_a_client, draft, name, content)
    assert response.status_code == 302
    document = Document.objects.get(application=draft)
    assert document.original_name == name
    assert name not in document.stored_name
    stored = settings.PRIVATE_STORAGE_ROOT / document.stored_name
    assert stored.read_bytes() == content
    assert not str(stored).startswith(str(settings.STATIC_ROOT))


def test_the_file_downloads_only_through_the_checked_view(applicant_a_client, draft):
    upload(applicant_a_client, draft, "plan.pdf", PDF)
    document = Document.objects.get()
    response = applicant_a_client.get(document.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"


def test_a_download_keeps_the_name_the_council_gave_it(applicant_a_client, draft):
    upload(applicant_a_client, draft, "Wyre Forest answers (draft) v2.pdf", PDF)
    response = applicant_a_client.get(Document.objects.get().get_absolute_url())
    disposition = response["Content-Disposition"]
    assert disposition == 'attachment; filename="Wyre Forest answers (draft) v2.pdf"'


def test_a_download_name_cannot_split_the_header_or_name_a_folder():
    from programmes.documents import safe_download_name

    assert safe_download_name('../plan"\r\nSet-Cookie: x.pdf') == "plan Set-Cookie x.pdf"
    assert safe_download_name(" .. ") == "document"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("renamed.pdf", DOCX, "is not a real PDF file"),
        ("renamed.docx", PDF, "is not a real Word (DOCX) file"),
        ("renamed.xlsx", DOCX, "is not a real Excel (XLSX) file"),
        ("renamed.csv", b"\x00\x01binary", "is not a real CSV file"),
        ("program.exe", b"MZ\x90\x00", "must be a PDF, DOCX, XLSX, ODT or CSV file"),
        ("empty.pdf", b"", "The selected file is empty"),
    ],
)
def test_refused_uploads_say_why_and_store_nothing(
    name, content, message, applicant_a_client, draft, settings
):
    response = upload(applicant_a_client, draft, name, content)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert message in page
    assert not Document.objects.exists()
    root = settings.PRIVATE_STORAGE_ROOT
    assert not root.exists() or not any(root.iterdir())


def test_a_file_over_the_size_limit_is_refused(applicant_a_client, draft, settings):
    settings.DOCUMENT_MAX_BYTES = 1024
    response = upload(applicant_a_client, draft, "big.pdf", PDF + b"0" * 1024)
    assert "The selected file must be smaller than" in response.content.decode()
    assert not Document.objects.exists()


def test_no_file_chosen_is_an_error(applicant_a_client, draft):
    response = applicant_a_client.post(f"/bids/{draft.reference}/documents/", {})
    assert "Select a file to upload" in response.content.decode()


def test_a_document_can_be_removed_while_the_bid_is_a_draft(
    applicant_a_client, draft, settings, django_capture_on_commit_callbacks
):
    upload(applicant_a_client, draft, "plan.pdf", PDF)
    document = Document.objects.get()
    stored = settings.PRIVATE_STORAGE_ROOT / document.stored_name
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant_a_client.post(
            f"/bids/{draft.reference}/documents/{document.pk}/remove/"
        )
    assert response.status_code == 302
    assert not Document.objects.exists()
    assert not stored.exists()


def test_documents_cannot_be_added_or_removed_once_sent(
    experts_call, council_a, applicant_a, applicant_a_client
):
    application = bid_completed(experts_call, council_a, applicant_a)
    document = services.document_add(
        application=application,
        actor=applicant_a,
        upload=SimpleUploadedFile("plan.pdf", PDF),
    )
    services.application_submit(application=application, actor=applicant_a)
    response = applicant_a_client.post(
        f"/bids/{application.reference}/documents/{document.pk}/remove/"
    )
    assert "cannot remove documents" in response.content.decode()
    assert Document.objects.filter(pk=document.pk).exists()
    with pytest.raises(Exception, match="cannot add documents"):
        services.document_add(
            application=application, actor=applicant_a, upload=SimpleUploadedFile("b.pdf", PDF)
        )


def test_submitted_bids_show_no_upload_form(
    experts_call, council_a, applicant_a, applicant_a_client
):
    application = bid_submitted(experts_call, council_a, applicant_a)
    response = applicant_a_client.get(f"/bids/{application.reference}/documents/")
    assert response.status_code == 302


def test_documents_sent_with_an_answer_are_marked_as_such(
    experts_call, council_a, applicant_a, officer, applicant_a_client
):
    from tests.applications.bids import bid_more_information

    application = bid_more_information(experts_call, council_a, applicant_a, officer)
    response = upload(applicant_a_client, application, "letters.pdf", PDF)
    assert response["Location"] == f"/bids/{application.reference}/respond/"
    document = Document.objects.get(application=application)
    assert document.purpose == "response"
    page = applicant_a_client.get(response["Location"]).content.decode()
    assert "letters.pdf" in page
