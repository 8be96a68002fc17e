"""The Lambda code is typed: mypy must stay clean on app.py and chalicelib."""
import subprocess
import sys

from support import ROOT


def test_mypy_is_clean_on_the_lambda_code() -> None:
    done = subprocess.run([sys.executable, "-m", "mypy", "app.py", "chalicelib"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
