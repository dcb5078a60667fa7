"""Uploads that would exhaust the worker, or only pretend to be PDFs, are refused."""

import io
import struct
import tracemalloc
import zipfile
from functools import cache

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from applications.models import Document
from programmes.documents import document_check
from tests import pdfs
from tests.applications.bids import bid_completed

MB = 1024 * 1024
ODT_TYPE = b"application/vnd.oasis.opendocument.text"
DOCX_PARTS = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}


@cache
def zeros(member: str, size: int) -> bytes:
    """A zip whose `member` inflates to `size` zero bytes, written in 1 MB chunks
    so building it never holds the inflated member in memory. Built once per test run."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open(member, "w") as handle,
    ):
        chunk = bytes(MB)
        for _ in range(size // MB):
            handle.write(chunk)
    return buffer.getvalue()


def bomb(member: str, size: int, others: dict[str, bytes] | None = None) -> bytes:
    """`zeros` with small members added after it."""
    buffer = io.BytesIO(zeros(member, size))
    with zipfile.ZipFile(buffer, "a") as archive:
        for name, content in (others or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def declared_size_lie(data: bytes, member: str, claimed: int) -> bytes:
    """The archive with `member`'s sizes rewritten (local and central headers)."""
    data = bytearray(data)
    name = member.encode()
    local = data.index(b"PK\x03\x04")
    assert data[local + 30 : local + 30 + len(name)] == name
    struct.pack_into("<I", data, local + 22, claimed)
    central = data.index(b"PK\x01\x02")
    assert data[central + 46 : central + 46 + len(name)] == name
    struct.pack_into("<I", data, central + 24, claimed)
    return bytes(data)


def check(name: str, content: bytes) -> str:
    return document_check(SimpleUploadedFile(name, content))


def peak_memory_of(name: str, content: bytes) -> tuple[int, ValidationError | None]:
    tracemalloc.start()
    try:
        check(name, content)
        error = None
    except ValidationError as refused:
        error = refused
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak, error


def test_an_odt_whose_mimetype_inflates_to_200_mb_is_refused_without_inflating_it():
    content = bomb("mimetype", 200 * MB, {"content.xml": b"<x/>"})
    assert len(content) < 400 * 1024
    peak, error = peak_memory_of("plan.odt", content)
    assert error is not None and error.code == "too_large_unzipped"
    assert "The selected file is too large once unzipped" in error.messages[0]
    assert peak < 10 * MB


def test_a_docx_with_a_200_mb_member_is_refused():
    with pytest.raises(ValidationError, match="too large once unzipped"):
        check("plan.docx", bomb("word/big.xml", 200 * MB, DOCX_PARTS))


def test_a_small_archive_that_packs_too_tightly_is_refused(settings):
    settings.DOCUMENT_MAX_UNCOMPRESSED_BYTES = 1000 * MB
    settings.DOCUMENT_MAX_COMPRESSION_RATIO = 100
    # 20 MB of zeros packs about a thousandfold: no real report does.
    with pytest.raises(ValidationError, match="too large once unzipped"):
        check("plan.docx", bomb("word/document.xml", 20 * MB, {"[Content_Types].xml": b"<T/>"}))


def test_the_limits_come_from_settings(settings):
    content = bomb("word/document.xml", 2 * MB, {"[Content_Types].xml": b"<T/>"})
    settings.DOCUMENT_MAX_COMPRESSION_RATIO = 10_000
    assert check("plan.docx", content) == "docx"
    settings.DOCUMENT_MAX_UNCOMPRESSED_BYTES = 1 * MB
    with pytest.raises(ValidationError, match="too large once unzipped"):
        check("plan.docx", content)


def test_a_member_that_inflates_past_its_declared_size_is_read_only_a_little():
    # The header claims the 39-byte ODT type; the member inflates to 200 MB.
    content = declared_size_lie(
        bomb("mimetype", 200 * MB, {"content.xml": b"<x/>"}), "mimetype", len(ODT_TYPE)
    )
    peak, error = peak_memory_of("plan.odt", content)
    assert error is not None and error.code == "content_mismatch"
    assert peak < 10 * MB


@pytest.mark.django_db
def test_a_zip_bomb_uploaded_to_a_bid_is_not_stored(
    applicant_a_client, experts_call, council_a, applicant_a
):
    draft = bid_completed(experts_call, council_a, applicant_a)
    response = applicant_a_client.post(
        f"/bids/{draft.reference}/documents/",
        {"file": SimpleUploadedFile("plan.docx", bomb("word/big.xml", 200 * MB, DOCX_PARTS))},
    )
    assert response.status_code == 200
    assert "The selected file is too large once unzipped" in response.content.decode()
    assert not Document.objects.exists()


def test_html_behind_a_pdf_header_is_not_a_valid_pdf():
    fake = b"%PDF-1.7\n<html><body><script>alert(1)</script></body></html>\n"
    with pytest.raises(ValidationError, match="The selected file is not a valid PDF") as refused:
        check("report.pdf", fake)
    assert refused.value.code == "invalid_pdf"


def test_a_pdf_with_no_pages_is_not_a_valid_pdf():
    with pytest.raises(ValidationError, match="not a valid PDF"):
        check("report.pdf", pdfs.minimal_pdf(pages=0))


def test_a_real_pdf_is_accepted():
    assert check("report.pdf", pdfs.minimal_pdf(pages=3)) == "pdf"


def test_a_file_without_a_pdf_header_is_still_a_renamed_file():
    with pytest.raises(ValidationError, match="is not a real PDF file"):
        check("report.pdf", b"<html></html>")
