"""The lesson on a second Keras backend: JAX without TensorFlow, as on GPU machines that have only JAX or PyTorch.

The whole lesson on JAX takes about 10 minutes on a 2-core CPU (XLA's CPU convolutions are slower than
TensorFlow's), more than CI's budget allows, so CI runs the parts that differ most between backends:
  - notebook 3 (offline profile, real weights): photo folders read without TensorFlow, the frozen base's
    features, training the head and the model, and the checked accuracy claims;
  - notebook 6 (structural profile): the head trained on cached features, the whole model evaluated on photos,
    saving and reloading a .keras file with its optimizer, and the backend-specific check of what predict does
    with photos of the wrong size;
  - Grad-CAM's backend switch: tests/test_saliency.py compares its map on JAX with TensorFlow's.
The whole lesson: KERAS_BACKEND=jax bash run.sh test notebooks (docs/gpu-ci.md has the measured runs). The runs
here save into their own output folder (WORKSHOP_OUTPUT): the TensorFlow runs of the same notebooks may run at the
same time in the other pytest-xdist worker.
"""
import os
import subprocess

import pytest

import workshop

pytestmark = pytest.mark.slow  # an environment build and notebook kernels
CHECKS = [("03-transfer-learning", "offline"), ("06-mobilenetv2", "structural")]


def test_the_jax_environment_has_no_tensorflow(jax_python):
    """What the runs below prove holds on a machine without TensorFlow: .venv-jax has none."""
    done = subprocess.run([str(jax_python), "-c", "import importlib.util, keras; "
                           "print(keras.backend.backend(), importlib.util.find_spec('tensorflow') is None)"],
                          env={**os.environ, "KERAS_BACKEND": "jax"}, capture_output=True, text=True, timeout=300)
    assert done.stdout.split() == ["jax", "True"], done.stdout + done.stderr


@pytest.mark.parametrize("notebook, profile", CHECKS, ids=[name for name, _ in CHECKS])
def test_notebook_passes_nbval_on_jax_without_tensorflow(jax_python, nbval, notebook, profile, tmp_path):
    nbval(workshop.ROOT / "notebooks" / f"{notebook}.ipynb", profile, python=jax_python, backend="jax", timeout=1200,
          env={**os.environ, "WORKSHOP_OUTPUT": str(tmp_path)})
