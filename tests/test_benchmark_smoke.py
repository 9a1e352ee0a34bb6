"""The Bo benchmark script runs end to end in its quick mode (not a timing test)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(not (ROOT / "data/presidential_doggy_door/train").is_dir()
                    and not os.environ.get("WORKSHOP_MIRROR"), reason="needs the photos or WORKSHOP_MIRROR")
def test_benchmark_quick_mode_prints_the_ratio():
    result = subprocess.run([sys.executable, "tools/benchmark_bo.py", "--quick"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Ratio (seed / notebooks):" in result.stdout
    for phase in ("seed: frozen base", "seed: fine-tuning", "notebooks: frozen base", "notebooks: fine-tuning"):
        assert phase in result.stdout
