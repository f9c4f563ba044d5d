"""An interview survey's codebook is checked like the rest of the definition."""

from __future__ import annotations

import pytest

from app.definitions import DefinitionError, load_file, load_text
from tests.conftest import ROOT

INTERVIEW_HEADER = """\
id: t
title: {en: Title, es: Título}
audiences: [student]
languages: [en, es]
mode: interview
codebook:
  - code: cost
    label: {en: Cost, es: Costo}
CODEBOOK
pages:
  - id: p1
    questions:
      - item: consent.ok
        type: consent
        text: {en: Agreed?, es: ¿Aceptó?}
        agree_label: {en: "Yes", es: Sí}
      - item: notes
        type: long_text
        text: {en: Notes, es: Notas}
"""


def problems(codebook: str, header: str = INTERVIEW_HEADER) -> list[str]:
    with pytest.raises(DefinitionError) as info:
        load_text(header.replace("CODEBOOK\n", codebook), "s.yaml")
    return [str(p) for p in info.value.problems]


def test_the_interview_survey_declares_its_themes_in_both_languages():
    survey = load_file(ROOT / "surveys" / "community-interview.yaml")
    codes = [theme.code for theme in survey.header.codebook]
    assert {"transport", "cost", "stigma", "language_access", "waiting_times"} <= set(codes)
    assert all(set(theme.label) == {"en", "es"} for theme in survey.header.codebook)


def test_a_theme_listed_twice_names_its_line():
    (problem,) = problems("  - code: Cost\n    label: {en: Money, es: Dinero}\n")
    assert problem == "s.yaml:9: codebook: theme 'Cost' is listed twice"


def test_a_theme_label_needs_every_language():
    (problem,) = problems("  - code: transport\n    label: {en: Transport}\n")
    assert problem.startswith("s.yaml:10:") and "missing 'es' translation" in problem


def test_a_theme_code_is_a_code():
    (problem,) = problems("  - code: two words\n    label: {en: A, es: B}\n")
    assert problem.startswith("s.yaml:9:") and "codebook" in problem


def test_a_codebook_is_for_interview_surveys_only():
    header = INTERVIEW_HEADER.replace("mode: interview\n", "").replace(
        "audiences: [student]", "audiences: [family]"
    )
    reported = problems("", header)
    assert any(
        "a codebook is for interview surveys" in p and p.startswith("s.yaml:6:") for p in reported
    )
