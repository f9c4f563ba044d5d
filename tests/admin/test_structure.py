"""The workspace's layout: services load without the pages."""

import subprocess
import sys


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
