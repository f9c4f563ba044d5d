"""Renderers: the PDF packet's sections, XLSX/CSV neutralising formula-like cells, HTML
and SVG escaping hostile free text, and charts with alt text and data tables."""

from __future__ import annotations

import csv
import io
import re

import pytest

from reports import (
    build_report,
    render_csv,
    render_html,
    render_html_fragment,
    render_pdf,
    render_xlsx,
)
from tests.reports.helpers import DATA, SELF_ASSESSMENT

WAVE = "2026 Fall review"
HOSTILE = [
    "<script>alert('x')</script>",
    '<svg onload="alert(1)"><circle/></svg>',
    '" onmouseover="alert(1)" data-x="',
    '=HYPERLINK("http://evil.example/","click")',
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "\tTabbed",
    "\rReturn",
    "Normal comment ñ, é",
]


@pytest.fixture
def packet_data(session, build, two_waves):
    before, now = two_waves
    survey = build.survey(DATA / "report-test.yaml")
    mirror = build.survey(DATA / "report-mirror.yaml")
    assessment = build.survey(SELF_ASSESSMENT)
    clinic = build.partner('Clinic <b onclick="x">Ünïcode</b>')
    codes = ["1"] * 10 + ["2"] * 10 + ["3"] * 10 + ["4"] * 15 + ["5"] * 15
    build.respond(
        survey,
        now,
        "family",
        {
            "comm.referral_process_clear": codes,
            "access.wait_too_long": codes[::-1],
            "contact": ["text"] * 30 + ["email"] * 30,
            "comments": HOSTILE + [f"Plain comment {k}" for k in range(5)],
        },
        clinic,
        n=60,
    )
    build.respond(survey, before, "family", {"comm.referral_process_clear": ["4"] * 20})
    build.respond(mirror, now, "partner", {"comm.referral_process_clear": ["5"] * 20})
    grid = [f"element{n}.leadership_team_exists" for n in (1,)]
    build.respond(assessment, now, "staff", {grid[0]: ["3"] * 12})
    build.respond(assessment, now, "partner", {grid[0]: ["2"] * 12})
    session.commit()
    return build_report(session, None, WAVE)


def test_pdf_packet_is_a_meeting_document(packet_data):
    from pypdf import PdfReader

    data = render_pdf(packet_data)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() for page in reader.pages]
    text = " ".join(" ".join(pages).split())
    assert "Partnership review packet" in pages[0] and WAVE in pages[0]
    # Contents with page numbers, then the summary first.
    assert "Contents" in pages[1]
    assert re.search(r"Summary for the meeting\s+3", pages[1])
    assert "Summary for the meeting" in pages[2]
    for heading in (
        "Questions for the meeting",
        "Perception gaps",
        "Families: Report test survey",
        "The Nine Elements",
        "Comments",
        "How figures are protected",
    ):
        assert heading in text, heading
    assert "Sé dónde pedir ayuda" in text  # Spanish characters survive
    assert "Normal comment ñ, é" in text
    assert text.index("Summary for the meeting") < text.index("The Nine Elements")
    assert text.index("The Nine Elements") < text.index("Comments")
    # A footer naming the report, wave and rule, and page numbers on every page.
    total = len(pages)
    for number, page in enumerate(pages[1:], start=2):
        assert f"Page {number} of {total}" in page
        assert "Groups of fewer than 10 people are not shown" in " ".join(page.split())


def test_pdf_is_tagged_for_screen_readers(packet_data):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(render_pdf(packet_data)))
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    tree = root["/StructTreeRoot"].get_object()
    kinds: list[str] = []

    def walk(element) -> None:  # type: ignore[no-untyped-def]
        element = element.get_object()
        if "/S" in element:
            kinds.append(element["/S"])
        kids = element.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
                walk(kid)

    walk(tree)
    for kind in ("/Document", "/H1", "/P", "/Table", "/TR", "/TH", "/TD", "/Figure", "/L", "/LI"):
        assert kind in kinds, kind


def test_pdf_paper_size(session, packet_data):
    from pypdf import PdfReader

    letter = PdfReader(io.BytesIO(render_pdf(packet_data))).pages[0].mediabox
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)
    from reports.pdf import packet

    a4 = PdfReader(io.BytesIO(packet(packet_data, paper="a4"))).pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)


def test_xlsx_opens_and_neutralises_hostile_cells(packet_data):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(render_xlsx(packet_data)))
    assert workbook.sheetnames == [
        "About",
        "Responses",
        "Items",
        "Answers",
        "Trends",
        "Perception gaps",
        "Nine Elements",
        "Themes",
        "Comments",
    ]
    sheet = workbook["Comments"]
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    answer = header.index("Answer")
    comments = [row[answer] for row in sheet.iter_rows(min_row=2, values_only=True)]
    for original in HOSTILE:
        hostile = original.replace("\t", " ").replace("\r", " ").strip()
        if hostile[0] in "=+-@":
            assert "'" + hostile in comments, hostile
            assert hostile not in comments
        else:
            assert hostile in comments, hostile
    for row in sheet.iter_rows(min_row=2):
        assert row[answer].data_type in ("s", "n")  # text, never a formula
    for name in workbook.sheetnames[1:]:
        assert workbook[name].freeze_panes == "A2", name
    items = workbook["Items"]
    assert items.column_dimensions["E"].width >= 40  # the statement is readable
    answers = list(workbook["Answers"].iter_rows(min_row=2, values_only=True))
    assert any(r[5] == "Strongly agree" for r in answers)  # labels beside codes
    counts = [r[7] for r in answers if r[7] is not None]
    assert counts and all(isinstance(c, int) for c in counts)  # 245, not 245.0
    responses = [r[6] for r in workbook["Responses"].iter_rows(min_row=2, values_only=True)]
    assert 60 in responses


def test_csv_lists_every_figure_with_numbers_of_the_right_kind(packet_data):
    text = render_csv(packet_data)
    rows = list(csv.reader(io.StringIO(text)))
    header_at = next(k for k, row in enumerate(rows) if row and row[0] == "Table")
    header = rows[header_at]
    data = [dict(zip(header, row, strict=True)) for row in rows[header_at + 1 :]]
    assert {"responses", "item", "option", "gap", "element", "comments", "comment"} <= {
        r["Table"] for r in data
    }
    family = next(
        r
        for r in data
        if r["Table"] == "responses" and r["Audience code"] == "family" and not r["Partner"]
    )
    assert family["Count"] == "60"
    option = next(
        r
        for r in data
        if r["Table"] == "option"
        and r["Answer"] == "Strongly agree"
        and r["Audience code"] == "family"
    )
    assert option["Count"] == "15" and option["Percent"] == "25"
    flat = [cell for row in rows for cell in row]
    texts = [cell for cell in flat if not re.fullmatch(r"-?[0-9.]+", cell)]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in texts)
    assert '\'=HYPERLINK("http://evil.example/","click")' in flat


def test_a_control_character_in_a_comment_breaks_no_format(session, build, two_waves):
    """Control characters in a comment, or in the text a coordinator types to redact
    one, reach no format: not the stored redaction, not a PDF's text, not a cell."""
    import sqlalchemy as sa
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from app.admin.services.comments import redact
    from app.models import Answer, User

    survey = build.survey(DATA / "report-test.yaml")
    comments = [f"Bell \x07 and escape \x1b here {k}" for k in range(12)]
    comments[0] = "Mr Okafor said so"
    build.respond(survey, two_waves[1], "family", {"comments": comments})
    user = User(email="coordinator@example.org", password_hash="-", role="coordinator")
    session.add(user)
    named = session.scalar(sa.select(Answer).where(Answer.value_text == comments[0]))
    redaction = redact(session, named, "\x1b[2J[name]\x07 said \x00so\r\n", "a name", user)
    assert redaction.text == "[2J[name] said so"
    report = build_report(session, "report-test", WAVE)
    pdf, xlsx = render_pdf(report), render_xlsx(report)
    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    cells = [
        str(cell.value)
        for sheet in load_workbook(io.BytesIO(xlsx))  # it opens
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    for fmt, text in (
        ("pdf", pdf_text),
        ("xlsx", "\n".join(cells)),
        ("csv", render_csv(report)),
        ("html", render_html(report)),
    ):
        assert "Bell and escape here 1" in " ".join(text.split()), fmt  # they are there
        assert "[name] said so" in text and "Okafor" not in text, fmt
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text), fmt


def test_neutralise_covers_every_formula_prefix():
    from reports.tables import neutralise

    for value in ("=1", "+1", "-1", "@A", "\tA", "\rA"):
        assert neutralise(value) == "'" + value
    assert neutralise("Fine") == "Fine" and neutralise(5) == 5


def test_html_escapes_hostile_free_text(session, packet_data):
    partner = 'Clinic <b onclick="x">Ünïcode</b>'
    html = render_html(packet_data) + render_html(build_report(session, None, WAVE, partner))
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<svg onload" not in html and "&lt;svg onload=" in html
    assert 'onmouseover="alert(1)"' not in html
    assert "<b onclick" not in html and "&lt;b onclick=" in html
    # No inline script or event handler anywhere (CSP: script-src 'self').
    assert "<script" not in html.lower()
    assert not re.search(r"\son[a-z]+\s*=", html.replace("&#34;", "").split("<style>")[0])


def test_fragment_has_no_inline_styles_and_charts_have_descriptions(packet_data):
    fragment = str(render_html_fragment(packet_data))
    assert "<html" not in fragment and "<style" not in fragment
    assert "style=" not in fragment
    svgs = re.findall(r"<svg.*?</svg>", fragment, flags=re.S)
    assert svgs, "charts are inline SVG"
    for svg in svgs:
        assert 'role="img"' in svg and "<title>" in svg
        assert "<script" not in svg and " onload" not in svg
    assert fragment.count("Chart description:") == len(svgs)
    # Every chart has a data table beside it; the trend is a table in the appendix.
    assert fragment.count("<table") >= len(svgs)
    assert "percent favourable by review" in fragment


def test_chart_text_is_escaped_in_svg():
    from reports import charts
    from reports.model import Cell, ItemSummary, OptionCount

    options = [
        OptionCount(str(k), f"Opt {k}", Cell(10), Cell(20.0), neutral=k == 3) for k in range(1, 6)
    ]
    item = ItemSummary("x", '<script>alert(1)</script> & "quotes"', "scored", n=Cell(50))
    item.options = options
    svg = charts.diverging([item], "<svg onload=alert(1)>").svg()
    assert "<script" not in svg and "<svg onload" not in svg
    assert "&lt;script&gt;" in svg
    assert "style=" not in svg and "<style" not in svg


def test_empty_wave_report_says_so_in_every_format(session, build, two_waves):
    build.survey(DATA / "report-test.yaml")
    report = build_report(session, "report-test", WAVE)
    assert "No responses were received for 2026 Fall review" in render_html(report)
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(render_pdf(report))).pages
    assert any("No responses were received" in p.extract_text() for p in pages)
    assert render_xlsx(report)[:2] == b"PK"
    assert "Report test survey" in render_csv(report)


def test_the_appendix_lists_comments_up_to_its_cap_and_counts_the_rest(session, build, two_waves):
    """The body lists the 8 most written comments, the appendix the next 25
    (APPENDIX_COMMENTS); the rest are counted there and all are in the spreadsheets."""
    from pypdf import PdfReader

    from reports.document import APPENDIX_COMMENTS

    survey = build.survey(DATA / "report-test.yaml")
    written = 8 + APPENDIX_COMMENTS + 7
    comments = [f"Distinct comment number {k:02d}" for k in range(written)]
    build.respond(survey, two_waves[1], "family", {"comments": comments})
    report = build_report(session, "report-test", WAVE)
    html = render_html(report)
    body, appendix = html.split("Appendix B: more comments")[-2:]
    assert f"{written - 8} more in the appendix and the spreadsheet." in body
    assert "7 more in the spreadsheet (XLSX or CSV)." in appendix
    listed = re.findall(r"Distinct comment number (\d\d)", html)
    assert len(listed) == 8 + APPENDIX_COMMENTS and len(set(listed)) == len(listed)
    assert set(re.findall(r"Distinct comment number (\d\d)", appendix)) == {
        f"{k:02d}" for k in range(8, 8 + APPENDIX_COMMENTS)
    }
    assert len(set(re.findall(r"Distinct comment number (\d\d)", render_csv(report)))) == written
    pages = PdfReader(io.BytesIO(render_pdf(report))).pages
    pdf_text = " ".join(page.extract_text() for page in pages)
    assert "7 more in the spreadsheet (XLSX or CSV)." in " ".join(pdf_text.split())
