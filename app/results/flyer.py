"""The results page's flyer as a one-page PDF: each language's title, first lines and
the page's address, with its QR code. Standard Helvetica when every text fits
Windows-1252 (English and Spanish do), DejaVu Sans embedded otherwise, as the packet."""

from __future__ import annotations

import io
import typing as t
from collections.abc import Sequence

PAGE_SIZES = {"letter": "Letter", "a4": "A4"}
MARGIN = 18.0
QR_MM = 70.0


def _lines(text: t.Mapping[str, t.Any]) -> list[str]:
    first = next((b["strong"][0] for b in text.get("audiences", []) if b.get("strong")), "")
    return [s for s in (text.get("intro", ""), first) if s]


def _scan(text: t.Mapping[str, t.Any]) -> str:
    return str(text.get("scan", ""))


def flyer_pdf(
    texts: Sequence[tuple[str, t.Mapping[str, t.Any]]], address: str, paper: str = "letter"
) -> bytes:
    """The flyer of ``texts`` ((language, page text) pairs) pointing at ``address``."""
    from fpdf import FPDF

    from app.admin.services.links import qr_png
    from reports.pdf import UNICODE_FONT, font_dir, plain

    words = [
        plain(s)
        for _code, text in texts
        for s in (text.get("title", ""), *_lines(text), _scan(text))
    ]
    pdf = FPDF(format=PAGE_SIZES.get(paper, "Letter"), unit="mm")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    try:
        for value in [*words, address]:
            value.encode("cp1252")
        family = "helvetica"
        pdf.core_fonts_encoding = "windows-1252"
    except UnicodeEncodeError:
        family = UNICODE_FONT
        pdf.add_font(UNICODE_FONT, "", str(font_dir() / "DejaVuSans.ttf"))
        pdf.add_font(UNICODE_FONT, "B", str(font_dir() / "DejaVuSans-Bold.ttf"))
    pdf.set_title(plain(texts[0][1].get("title", "")) if texts else "")
    pdf.set_lang(texts[0][0] if texts else "en")
    pdf.add_page()
    width = pdf.epw
    for k, (_code, text) in enumerate(texts):
        pdf.set_font(family, "B", 20 if k == 0 else 16)
        pdf.multi_cell(width, 9, plain(text.get("title", "")), align="C")
        pdf.set_font(family, "", 12)
        for line in _lines(text):
            pdf.ln(2)
            pdf.multi_cell(width, 6, plain(line), align="C")
        if _scan(text):
            pdf.ln(2)
            pdf.set_font(family, "B", 12)
            pdf.multi_cell(width, 6, plain(_scan(text)), align="C")
        if k == 0:
            pdf.ln(4)
            pdf.image(io.BytesIO(qr_png(address)), x=(pdf.w - QR_MM) / 2, w=QR_MM, h=QR_MM)
            pdf.set_font(family, "B", 13)
            pdf.multi_cell(width, 7, address, align="C")
        pdf.ln(6)
    return bytes(pdf.output())


__all__ = ["flyer_pdf"]
