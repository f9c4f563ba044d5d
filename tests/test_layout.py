"""The layout's promises: services load without the pages, and a survey definition
does not depend on the loader that builds it."""

import ast
import subprocess
import sys
from pathlib import Path

import app.definitions.survey


def test_importing_a_service_does_not_import_the_views():
    code = (
        "import sys\n"
        "import app.admin.services.links, app.admin.services.waves\n"
        "print(sorted(m for m in sys.modules if m.startswith('app.admin.views')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_survey_module_does_not_import_the_loader():
    tree = ast.parse(Path(app.definitions.survey.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert "app.definitions.loader" not in imported
    assert not hasattr(app.definitions.survey.SurveyDefinition, "from_stored")
