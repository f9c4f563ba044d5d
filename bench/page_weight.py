"""Page weight: bytes transferred to show a 20-question survey page on a phone.

Fetches the page and every file it references the way a browser does (gzip accepted,
nothing cached), counts response headers and bodies, and prints the total beside the
same page uncompressed (measured in this run) and beside Enketo's published figure of
about 2 MB of JavaScript for a form. Also counts requests to other hosts (must be 0).

    python -m bench page_weight
"""

from __future__ import annotations

import typing as t

if t.TYPE_CHECKING:
    from flask.testing import FlaskClient
    from werkzeug.test import TestResponse

import dataclasses
import datetime as dt
import re
import tempfile
from pathlib import Path

ENKETO_BYTES = 2_000_000
BUDGET_BYTES = 30 * 1024

SCALE = """
scales:
  agree5:
    options:
      - {value: 1, score: 1, label: {en: Strongly disagree, es: Muy en desacuerdo}}
      - {value: 2, score: 2, label: {en: Disagree, es: En desacuerdo}}
      - {value: 3, score: 3, label: {en: Neither, es: Ni de acuerdo ni en desacuerdo}}
      - {value: 4, score: 4, label: {en: Agree, es: De acuerdo}}
      - {value: 5, score: 5, label: {en: Strongly agree, es: Muy de acuerdo}}
      - {value: dk, excluded: true, label: {en: "Don't know", es: No sé}}
    favourable: [4, 5]
"""


def twenty_question_survey() -> str:
    """A one-page survey of 20 questions in the mix a family survey has."""
    kinds = ["likert"] * 8 + ["single_choice"] * 3 + ["multiple_choice"] * 2
    kinds += ["yes_no"] * 2 + ["rating", "number", "date", "short_text", "long_text"]
    lines = [
        "id: page-weight",
        "title: {en: Family survey on student support, es: Encuesta para familias}",
        "audiences: [family]",
        "languages: [en, es]",
        SCALE,
        "pages:",
        "  - id: only",
        "    title: {en: Your views, es: Sus opiniones}",
        "    questions:",
    ]
    options = (
        "        options:\n"
        "          - {value: a, label: {en: A text message, es: Un mensaje de texto}}\n"
        "          - {value: b, label: {en: An email, es: Un correo electrónico}}\n"
        "          - {value: c, label: {en: A phone call, es: Una llamada}}\n"
        "          - {value: d, label: {en: A flyer sent home, es: Un volante}}"
    )
    for n, kind in enumerate(kinds, 1):
        lines += [
            f"      - item: q{n}",
            f"        type: {kind}",
            f"        text: {{en: 'Question {n}: how clear is the way to get help for my "
            f"child at school', es: 'Pregunta {n}: qué tan claro es cómo conseguir ayuda "
            f"para mi hijo'}}",
            "        help: {en: Think about this school year., es: Piense en este año escolar.}",
        ]
        if kind == "likert":
            lines.append("        scale: agree5")
        if kind in {"single_choice", "multiple_choice"}:
            lines.append(options)
        if kind == "number":
            lines += ["        min: 0", "        max: 15"]
    return "\n".join(lines) + "\n"


@dataclasses.dataclass
class Weight:
    files: list[tuple[str, int, int]]  # (url, bytes transferred, bytes uncompressed)
    third_party: list[str]

    @property
    def total(self) -> int:
        return sum(f[1] for f in self.files)

    @property
    def uncompressed(self) -> int:
        return sum(f[2] for f in self.files)


def _transferred(response: TestResponse) -> tuple[int, int]:
    body = response.get_data()
    headers = f"HTTP/1.1 {response.status}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in response.headers.items()
    )
    raw = len(body)
    if response.headers.get("Content-Encoding") == "gzip":
        import gzip

        raw = len(gzip.decompress(body))
    return len(headers) + 2 + len(body), raw


def measure(client: FlaskClient, url: str) -> Weight:
    """Fetch ``url`` and its stylesheets, scripts and images with gzip accepted."""
    headers = {"Accept-Encoding": "gzip, deflate, br", "Accept-Language": "es"}
    page = client.get(url, headers=headers)
    html = page.get_data()
    if page.headers.get("Content-Encoding") == "gzip":
        import gzip

        html = gzip.decompress(html)
    text = html.decode()
    files = [(url, *_transferred(page))]
    refs = re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', text)
    third_party = [r for r in refs if re.match(r"^(https?:)?//", r)]
    for ref in refs:
        if ref in third_party:
            continue
        files.append((ref, *_transferred(client.get(ref, headers=headers))))
    return Weight(files, third_party)


def run() -> list[str]:
    from app import create_app
    from app.admin.services.links import create_link
    from app.definitions import load_text
    from app.definitions.sync import store_definition
    from app.extensions import alembic, db
    from app.models import Survey, Wave

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench",
                "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}",
                "RATELIMIT_ENABLED": False,
            }
        )
        with app.app_context():
            alembic.upgrade()
            store_definition(db.session, load_text(twenty_question_survey()), "page-weight.yaml")
            survey = db.session.query(Survey).one()
            today = dt.date.today()
            wave = Wave(name="bench", opens_on=today, closes_on=today + dt.timedelta(days=7))
            db.session.add(wave)
            link = create_link(db.session, survey, wave, "family")
            db.session.commit()
            token = link.token
            weight = measure(app.test_client(), f"/s/{token}")
            for engine in db.engines.values():
                engine.dispose()
    lines = [f"{'file':<40} {'transferred':>12} {'uncompressed':>13}"]
    for url, sent, raw in weight.files:
        lines.append(f"{url.split('?')[0]:<40} {sent:>12,} {raw:>13,}")
    lines += [
        f"20-question page, first visit: {weight.total / 1024:.1f} KB transferred "
        f"(budget {BUDGET_BYTES // 1024} KB; {weight.uncompressed / 1024:.1f} KB uncompressed, "
        f"x{weight.uncompressed / weight.total:.1f} smaller with gzip)",
        f"Enketo form: ~{ENKETO_BYTES / 1e6:.0f} MB of JavaScript -> this page is "
        f"1/{ENKETO_BYTES / weight.total:.0f} of that",
        f"requests to other hosts: {len(weight.third_party)}",
    ]
    return lines


if __name__ == "__main__":
    print("\n".join(run()))
