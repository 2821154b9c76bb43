"""Starting the handoff service loads no analysis library it only needs on some pages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_app_imports_no_heavy_library() -> None:
    # scikit-learn (the insights clustering) and statsforecast (the staffing forecast) cost
    # the service ~150 MB and a second at start-up; they are imported where they are used
    code = (
        "import sys, handoff.app; "
        "heavy = sorted({m.split('.')[0] for m in sys.modules} "
        "& {'sklearn', 'scipy', 'pandas', 'statsforecast', 'torch'}); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
