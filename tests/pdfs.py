"""Real, tiny PDFs for upload tests: uploads are parsed, so a bare "%PDF-" is refused."""

import io

from pypdf import PdfWriter


def minimal_pdf(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)  # A4 in points
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF = minimal_pdf()
