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
import secrets
import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import UploadedFile

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


def _zip_names(head: bytes, upload: UploadedFile) -> set[str] | None:
    if not head.startswith(b"PK\x03\x04"):
        return None
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError):
        return None


def _looks_like(kind: str, upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(8192)
    if kind == "pdf":
        return head.startswith(b"%PDF-")
    if kind == "csv":
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
    names = _zip_names(head, upload)
    if names is None:
        return False
    if kind == "docx":
        return "[Content_Types].xml" in names and any(n.startswith("word/") for n in names)
    if kind == "xlsx":
        return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
    if kind == "odt":
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            try:
                mimetype = archive.read("mimetype")
            except KeyError:
                return False
        return mimetype.strip() == CONTENT_TYPES["odt"].encode()
    return False


def document_check(upload: UploadedFile) -> str:
    """The kind (extension) of an acceptable upload; a ValidationError saying why not."""
    name = upload.name or ""
    kind = PurePath(name).suffix.lower().removeprefix(".")
    if upload.size == 0:
        raise ValidationError(f"The selected file is empty: {name}", code="empty")
    limit = settings.DOCUMENT_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            f"The selected file must be smaller than {limit / (1024 * 1024):g} MB",
            code="too_large",
        )
    if kind not in ALLOWED_KINDS:
        raise ValidationError(f"The selected file must be {ALLOWED_TEXT}", code="wrong_type")
    if not _looks_like(kind, upload):
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


def safe_download_name(original: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "-_. " else "_" for ch in original)
    return keep.strip() or "document"
