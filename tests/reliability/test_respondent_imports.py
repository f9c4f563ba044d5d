"""Answering a survey never loads the report stack (matplotlib, pandas, fpdf, openpyxl):
a family's phone should not wait for a process to import plotting libraries."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from tests.conftest import ROOT

HEAVY = ("matplotlib", "pandas", "numpy", "fpdf", "openpyxl", "reports")


def test_respondent_path_never_imports_the_report_stack(open_link, database_url):
    code = textwrap.dedent(
        f"""
        import json, re, sys, uuid
        from app import create_app
        app = create_app({{"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": {database_url!r},
                          "RATELIMIT_ENABLED": False}})
        client = app.test_client()
        page = client.get("/s/{open_link}")
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                 page.get_data(as_text=True)))
        body = {{**hidden, "_uuid": str(uuid.uuid4()), "nav": "submit",
                 **{{f"q{{i}}": "4" for i in range(20)}}}}
        posted = client.post("/s/{open_link}", data=body)
        thanks = client.get(posted.headers["Location"])
        print(json.dumps({{"statuses": [page.status_code, posted.status_code, thanks.status_code],
                          "loaded": [m for m in {HEAVY!r} if m in sys.modules]}}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["statuses"] == [200, 303, 200]
    assert outcome["loaded"] == []
