"""`.ci/run`: a failure while setting up CI's services fails CI instead of skipping tests."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT

_MAKEFILE = """\
test:
\t@echo "make test ran with FAQBOT_REQUIRE_POSTGRES=$$FAQBOT_REQUIRE_POSTGRES"
"""


def _run_ci(tmp_path: Path, services: str) -> subprocess.CompletedProcess[str]:
    """Run a copy of .ci/run whose scripts/ci-services.sh is ``services`` and whose
    `make test` only reports the environment it got."""
    (tmp_path / ".ci").mkdir()
    shutil.copy(ROOT / ".ci" / "run", tmp_path / ".ci" / "run")
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "ci-services.sh").write_text(services, encoding="utf-8")
    (tmp_path / "Makefile").write_text(_MAKEFILE, encoding="utf-8")
    return subprocess.run(
        ["bash", str(tmp_path / ".ci" / "run")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_a_failed_service_setup_fails_ci_before_the_tests(tmp_path: Path) -> None:
    services = 'echo "export FAQBOT_REQUIRE_POSTGRES=1"\necho "apt-get failed" >&2\nexit 1\n'
    result = _run_ci(tmp_path, services)
    assert result.returncode != 0
    assert "make test ran" not in result.stdout


def test_the_services_environment_reaches_the_tests(tmp_path: Path) -> None:
    result = _run_ci(tmp_path, 'echo "export FAQBOT_REQUIRE_POSTGRES=1"\n')
    assert result.returncode == 0, result.stderr
    assert "make test ran with FAQBOT_REQUIRE_POSTGRES=1" in result.stdout
