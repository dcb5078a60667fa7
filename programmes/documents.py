"""Uploaded documents: checked by content, stored privately under random names.

Shared by every app that accepts files (bids' supporting documents, savings
returns' evidence), so one allow-list and one content check apply everywhere.
Files never go under a public URL. They are written below `PRIVATE_STORAGE_ROOT`
(a storage built when used, so tests and deployments can point it elsewhere)
and handed out only by views that check access.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile
from pypdf import PdfReader

# Extension to a label for error messages. The content must match the
# extension: a renamed file is refused.
ALLOWED_KINDS = {
    "pdf": "PDF",
    "docx": "Word (DOCX)",
    "xlsx": "Excel (XLSX)",
    "odt": "OpenDocument text (ODT)",
    "csv": "CSV",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "csv": "text/csv",
}
ALLOWED_TEXT = "a PDF, DOCX, XLSX, ODT or CSV file"


def private_storage() -> FileSystemStorage:
    return FileSystemStorage(location=settings.PRIVATE_STORAGE_ROOT, base_url=None)


# The zip-bomb limits are settings (DOCUMENT_MAX_UNCOMPRESSED_BYTES,
# DOCUMENT_MAX_COMPRESSION_RATIO; README, Configuration). Office files are
# zipped XML: a real 10 MB upload unzips to well under 100 MB, and XML packs
# about 5 to 20 times, so a ratio past 100 is a bomb rather than a report.
# Pages in a PDF we accept; a count past this is a damaged or hostile file.
MAX_PDF_PAGES = 5000
ZIP_KINDS = {"docx", "xlsx", "odt"}
TOO_LARGE_UNZIPPED = (
    "The selected file is too large once unzipped. Save it again without embedded "
    "media, or split it into smaller files, and try again"
)


def _archive_check(archive: zipfile.ZipFile, packed_size: int) -> None:
    """Refuse a zip bomb from its directory, before any member is inflated.

    The declared sizes can lie (a member may inflate to more than its header
    says), so members are also only ever read through `_read_capped`.
    """
    members = archive.infolist()
    unpacked = sum(member.file_size for member in members)
    max_bytes = settings.DOCUMENT_MAX_UNCOMPRESSED_BYTES
    max_ratio = settings.DOCUMENT_MAX_COMPRESSION_RATIO
    if unpacked > max_bytes or unpacked > max_ratio * max(packed_size, 1):
        raise ValidationError(TOO_LARGE_UNZIPPED, code="too_large_unzipped")


def _read_capped(archive: zipfile.ZipFile, name: str, cap: int) -> bytes:
    """At most `cap` bytes of a member, however large it inflates."""
    with archive.open(name) as member:
        return member.read(cap)


def _zip_looks_like(kind: str, upload: UploadedFile) -> bool:
    upload.seek(0)
    if upload.read(4) != b"PK\x03\x04":
        return False
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            _archive_check(archive, upload.size or 0)
            names = set(archive.namelist())
            if kind == "docx":
                return "[Content_Types].xml" in names and any(n.startswith("word/") for n in names)
            if kind == "xlsx":
                return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
            if "mimetype" not in names:
                return False
            expected = CONTENT_TYPES["odt"].encode()
            # One byte past the expected text: enough to tell a longer member apart.
            mimetype = _read_capped(archive, "mimetype", len(expected) + 1)
            return mimetype.strip() == expected
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return False


def _pdf_pages(upload: UploadedFile) -> int:
    """Pages of a PDF that parses, or 0 when it does not open as a PDF."""
    upload.seek(0)
    try:
        # strict=False: real PDFs from office suites often carry small faults
        # readers forgive; pypdf's own limits bound the work on hostile ones.
        return len(PdfReader(upload, strict=False).pages)
    except Exception:  # pypdf raises many kinds (and plain ValueError/KeyError) on damage
        return 0


def _csv_looks_like(upload: UploadedFile) -> bool:
    upload.seek(0)
    raw = upload.read()
    if b"\x00" in raw:
        return False
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error:
        return False
    return bool(rows)


def document_check(upload: UploadedFile) -> str:
    """The kind (extension) of an acceptable upload; a ValidationError saying why not."""
    name = upload.name or ""
    kind = PurePath(name).suffix.lower().removeprefix(".")
    if not upload.size:
        raise ValidationError(f"The selected file is empty: {name}", code="empty")
    limit = settings.DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"The selected file must be smaller than {limit / (1024 * 1024):g} MB",
            code="too_large",
        )
    if kind not in ALLOWED_KINDS:
        raise ValidationError(f"The selected file must be {ALLOWED_TEXT}", code="wrong_type")
    if kind == "pdf":
        upload.seek(0)
        looks_right = upload.read(8).startswith(b"%PDF-")
        # A "%PDF-" header is five bytes anyone can type before HTML or a script:
        # the file must also open as a PDF with a sensible number of pages.
        if looks_right and not 1 <= _pdf_pages(upload) <= MAX_PDF_PAGES:
            raise ValidationError(
                "The selected file is not a valid PDF. Save it as a PDF again and try again",
                code="invalid_pdf",
            )
    elif kind == "csv":
        looks_right = _csv_looks_like(upload)
    else:
        looks_right = _zip_looks_like(kind, upload)
    if not looks_right:
        raise ValidationError(
            f"The selected file is not a real {ALLOWED_KINDS[kind]} file: its content does "
            f"not match its name. Save it as {ALLOWED_TEXT} and try again",
            code="content_mismatch",
        )
    upload.seek(0)
    return kind


def document_store(upload: UploadedFile, kind: str) -> str:
    """Write the file under a random name and return that name."""
    return private_storage().save(random_name(kind), upload)


def document_delete_file(stored_name: str) -> None:
    private_storage().delete(stored_name)


def document_open(stored_name: str):
    return private_storage().open(stored_name, "rb")


def random_name(kind: str) -> str:
    """A storage name that says nothing about the file or its owner."""
    return f"{secrets.token_hex(20)}.{kind}"


# What a download's name may not hold: control characters (a header split),
# quotes and backslashes (the header's quoting), path separators and the
# characters Windows refuses in a file name. Everything else is kept as the
# council wrote it: "Wyre Forest answers (draft) v2.pdf" came down as
# "Wyre Forest answers _ _draft_ v2.pdf" (issue 27). Django's FileResponse
# quotes the name and gives non-ASCII names as RFC 6266's filename*.
UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')


def safe_download_name(original: str) -> str:
    name = re.sub(r"\s+", " ", UNSAFE_IN_NAME.sub(" ", original))
    return name.strip(" .") or "document"
