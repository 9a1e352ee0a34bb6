"""tools/preflight.py names the machine, the Python, the Keras backend and the TensorFlow package, and says
what to do where the workshop cannot be installed (an Intel Mac, Python 3.14, ...). No mirror or network needed."""
import json
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import preflight  # noqa: E402


@pytest.mark.parametrize("system, processor, package", [("Linux", "x86_64", "tensorflow-cpu"),
                                                        ("Linux", "aarch64", "tensorflow"),
                                                        ("Darwin", "arm64", "tensorflow"),
                                                        ("Windows", "AMD64", "tensorflow-cpu")])
@pytest.mark.parametrize("version", [(3, 11), (3, 12), (3, 13)])
def test_supported_machines(system, processor, package, version):
    lines, trouble = preflight.machine(system, processor, version)
    assert trouble is None
    assert f"Python {version[0]}.{version[1]} (supported)" in lines[0]
    assert f"requirements.txt installs {package} here" in lines[1]


def test_an_intel_mac_is_sent_to_colab():
    lines, trouble = preflight.machine("Darwin", "x86_64", (3, 12))
    assert lines[0].startswith("Machine: macOS x86_64; Python 3.12 (NOT supported)")
    assert "Intel" in trouble and "Colab" in trouble and "2.16" in trouble


@pytest.mark.parametrize("version, words", [((3, 14), "newer"), ((3, 10), "too old")])
def test_an_unsupported_python_is_named_with_what_to_do(version, words):
    lines, trouble = preflight.machine("Linux", "x86_64", version)
    shown = "Python %d.%d" % version
    assert f"{shown} (NOT supported)" in lines[0]
    assert shown in trouble and words in trouble and "3.13" in trouble and "PYTHON=" in trouble and "Colab" in trouble


def test_keras_backend(monkeypatch, tmp_path):
    monkeypatch.setattr(preflight.files, "KERAS_HOME", tmp_path)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    assert preflight.keras_backend() == ("tensorflow", "Keras' default")
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "torch", "floatx": "float32"}))
    assert preflight.keras_backend() == ("torch", str(tmp_path / "keras.json"))
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert preflight.keras_backend() == ("jax", "KERAS_BACKEND")


def test_tensorflow_package(monkeypatch):
    installed = {}

    def version(name):
        if name not in installed:
            raise metadata.PackageNotFoundError(name)
        return installed[name]
    monkeypatch.setattr(preflight.metadata, "version", version)
    assert preflight.tensorflow_package() == "none"
    installed["tensorflow"] = "2.21.0"
    assert preflight.tensorflow_package() == "tensorflow 2.21.0"


def test_the_screen_starts_with_the_machine(monkeypatch, capsys, sandbox):
    monkeypatch.setattr(preflight, "reachable", lambda host: False)
    monkeypatch.setattr(preflight.platform, "system", lambda: "Darwin")
    monkeypatch.setattr(preflight.platform, "machine", lambda: "x86_64")
    assert preflight.preflight("offline") is False
    screen = capsys.readouterr().out
    assert "Machine: macOS x86_64" in screen and "TensorFlow package:" in screen and "Keras backend:" in screen
    assert "What to do: macOS x86_64: TensorFlow 2.21 has no package for Intel Macs" in screen
    assert "NOT READY" in screen
