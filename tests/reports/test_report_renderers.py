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


def test_pdf_packet_has_the_expected_sections(packet_data):
    from pypdf import PdfReader

    data = render_pdf(packet_data)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    pages = [page.extract_text() for page in reader.pages]
    text = " ".join(" ".join(pages).split())
    assert "Partnership review packet" in pages[0]
    assert WAVE in pages[0] and "Response counts" in pages[0]
    for heading in (
        "Executive summary",
        "Perception gaps",
        "Families: Report test survey",
        "The Nine Elements",
        "Comments",
    ):
        assert heading in text, heading
    assert "Sé dónde pedir ayuda" in text  # Spanish characters survive
    assert "Normal comment ñ, é" in text
    assert (
        text.index("Executive summary") < text.index("The Nine Elements") < text.index("Comments")
    )


def test_xlsx_opens_and_neutralises_hostile_cells(packet_data):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(render_xlsx(packet_data)))
    assert workbook.sheetnames == [
        "About",
        "Responses",
        "Items",
        "Perception gaps",
        "Nine Elements",
        "Comments",
    ]
    comments = [row[3] for row in workbook["Comments"].iter_rows(min_row=2, values_only=True)]
    for original in HOSTILE:
        hostile = original.replace("\r", "\n")  # XML reads a carriage return as a newline
        if original[0] in "=+-@\t\r":
            assert "'" + hostile in comments
            assert hostile not in comments
        else:
            assert hostile in comments
    for row in workbook["Comments"].iter_rows(min_row=2):
        assert row[3].data_type == "s"  # text, never a formula
    items = list(workbook["Items"].iter_rows(min_row=2, values_only=True))
    assert ("Report test survey", "Families") in {r[:2] for r in items}
    assert any(r[4] == "Strongly agree" for r in items)  # labels, not codes
    assert not any(r[4] == "5" for r in items)


def test_csv_uses_labels_and_neutralises_formulas(packet_data):
    rows = list(csv.reader(io.StringIO(render_csv(packet_data))))
    flat = [cell for row in rows for cell in row]
    assert "Strongly disagree" in flat
    texts = [cell for cell in flat if not re.fullmatch(r"-?[0-9.]+", cell)]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in texts)
    assert "'=HYPERLINK" not in flat  # comments are not in the CSV items table


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
    # Every chart has a data table beside it, the trend included.
    assert fragment.count("<table") >= len(svgs)
    assert "Percent favourable by review" in fragment


def test_chart_text_is_escaped_in_svg():
    from reports import charts
    from reports.model import Cell, ItemSummary, OptionCount, Question

    options = [
        OptionCount(str(k), f"Opt {k}", Cell(10), Cell(20.0), neutral=k == 3) for k in range(1, 6)
    ]
    item = ItemSummary("x", '<script>alert(1)</script> & "quotes"', "scored", n=Cell(50))
    item.options = options
    question = Question("q", "<svg onload=alert(1)>", "scored", [item])
    fig, alt = charts.diverging(question, 10)
    svg = charts.svg(fig, alt)
    assert "<script" not in svg and "<svg onload" not in svg
    assert "&lt;script&gt;" in svg
    assert "style=" not in svg and "<style" not in svg


def test_empty_wave_report_says_so_in_every_format(session, build, two_waves):
    build.survey(DATA / "report-test.yaml")
    report = build_report(session, "report-test", WAVE)
    assert "No responses were received for 2026 Fall review" in render_html(report)
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(render_pdf(report))).pages[0].extract_text()
    assert "No responses were received" in text
    assert render_xlsx(report)[:2] == b"PK"
    assert "Report test survey" in render_csv(report)
