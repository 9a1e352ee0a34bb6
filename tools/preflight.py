"""Check, without downloading anything, that this machine is ready for the workshop.

Usage: python tools/preflight.py [--profile full|offline|all]
A dry run of what workshop.setup() does in every notebook: each weights file and photo is looked
for in the same places, in the same order, with the same checks (workshop.files.locate: the
project's cache, then the mirror in WORKSHOP_MIRROR, laid out as keras/models/ or models/ and data/):
  [ok]        found and verified: setup() uses it
  [download]  not here, but its URL answers: setup() downloads it
  [MISSING]   setup() stops with the "two ways out" message
Also prints the machine (OS, processor), Python, the Keras backend the notebooks will use, the TensorFlow
package installed and the GPU; on a machine or Python the workshop does not support (an Intel Mac,
Python 3.14 or 3.10, ...) it says what to do instead. Exits 1 when anything is MISSING or unsupported.
"""
import argparse
import functools
import importlib.util
import json
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notebooks"))  # the helper, as notebooks import it
import workshop  # noqa: E402
from workshop import files  # noqa: E402
from prefetch import lesson_files  # noqa: E402  (tools/, beside this file)

ROOT = Path(__file__).resolve().parents[1]
# run.py (the setup launcher) holds the table of supported machines and Pythons and the advice for the others.
_spec = importlib.util.spec_from_file_location("workshop_run", ROOT / "run.py")
launcher = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(launcher)


@functools.cache
def reachable(host):
    """True if a download host answers (asked once per host)."""
    return files.online(host)


def verdict(rows, mirror):
    """('ok'|'download'|'MISSING', detail) for registered files, exactly as setup() would fetch them."""
    places, missing = {"in the cache": 0, "in the mirror": 0, "to download": 0}, []
    for row in rows:
        found, where, problems = files.locate(row, mirror)
        if found is not None:
            places[f"in the {where}"] += 1
        elif reachable(row.url.split("/")[2]):
            places["to download"] += 1
        else:
            missing.append("; ".join(problems) or "not cached, not in the mirror, no network")
    if missing:
        return "MISSING", missing[0] if len(rows) == 1 else f"{len(missing)} of {len(rows)} missing, e.g. {missing[0]}"
    state = "download" if places["to download"] else "ok"
    if len(rows) == 1:
        checked = "verified" if rows[0].hash else "NOT checked (no published checksum)"
        return state, next(f"{checked}, {where}" if where != "to download" else "setup() downloads it"
                           for where, n in places.items() if n)
    return state, f"{len(rows)} files: " + ", ".join(f"{n} {'verified ' * (where != 'to download')}{where}"
                                                     for where, n in places.items() if n)


def installed(dists):
    """'name version' of each of these distributions that is installed, read without importing them."""
    found = []
    for dist in dists:
        try:
            found.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    return found


def versions():
    """TensorFlow and Keras versions (KERAS_HOME stays free: nothing is imported)."""
    found = installed(("tensorflow", "tensorflow-cpu", "tensorflow-macos", "keras", "jax", "torch"))
    return ", ".join(found) or "TensorFlow and Keras are NOT installed (pip install -r requirements.txt)"


def keras_backend():
    """(backend, where it comes from) as the notebooks will see it, without importing Keras.

    KERAS_BACKEND wins; else keras.json in the Keras folder the notebooks use (setup() points KERAS_HOME at
    the project's .keras/, not ~/.keras); else Keras' default, tensorflow.
    """
    if os.environ.get("KERAS_BACKEND"):
        return os.environ["KERAS_BACKEND"], "KERAS_BACKEND"
    config = files.KERAS_HOME / "keras.json"
    try:
        return json.loads(config.read_text())["backend"], str(config)
    except (OSError, ValueError, KeyError, TypeError):
        return "tensorflow", "Keras' default"


def tensorflow_package():
    """'tensorflow-cpu 2.21.0', 'tensorflow 2.21.0' (or both), or 'none'."""
    return " and ".join(installed(("tensorflow-cpu", "tensorflow"))) or "none"


def machine(system=None, processor=None, version=None):
    """Lines describing this machine and Python, and the advice when the workshop cannot install here (or None)."""
    system, processor = system or platform.system(), (processor or platform.machine()).lower()
    shown = ".".join(map(str, version)) if version else platform.python_version()
    version = tuple(version or sys.version_info[:2])
    trouble = launcher.problem(system, processor, version)
    expected = launcher.MACHINES.get((system, processor))
    backend, source = keras_backend()
    lines = [f"Machine: {launcher.machine_name(system, processor)}; Python {shown} "
             + ("(supported)" if trouble is None else "(NOT supported)"),
             f"TensorFlow package: {tensorflow_package()}"
             + (f" (requirements.txt installs {expected} here)" if expected and trouble is None and
                backend == "tensorflow" else "")
             + (" (not needed on this backend: photo folders load with the workshop's NumPy loader)"
                if backend != "tensorflow" and tensorflow_package() == "none" else ""),
             f"Keras backend: {backend} (from {source})"]
    return lines, trouble


def preflight(profile):
    """Print one screen: versions, GPU, weights and data for a profile, what to do; True if ready."""
    mirror = files.mirror_folder()
    gpu = workshop.profiles.gpu_name()
    print(f"Workshop preflight -- profile {profile!r}")
    lines, trouble = machine()
    for line in lines:
        print(f"  {line}")
    if trouble:
        print(f"  What to do: {trouble}")
    print(f"  Installed: {versions()}")
    print(f"  GPU: {gpu}" if gpu else "  GPU: none found -- CPU only (fine offline; the full profile is slow)")
    print(f"  Keras cache: {files.KERAS_HOME}; mirror: {mirror or 'none (WORKSHOP_MIRROR not set)'}")
    todo = ["TensorFlow/Keras"] if "NOT installed" in versions() else []
    todo += ["a supported machine and Python"] if trouble else []
    print("Weights:")
    for row in lesson_files(profile):
        state, detail = verdict([row], mirror)
        print(f"  [{state}] {Path(row.path).name}: {detail}")
        todo += [row.path] if state == "MISSING" else []
    print("Data:")
    for name in sorted({path.split("/")[1] for path in files.registry() if path.startswith("data/")}):
        state, detail = verdict(files.dataset_entries(name), mirror)
        print(f"  [{state}] {name}: {detail}")
        todo += [f"data/{name}"] if state == "MISSING" else []
    if not todo:
        print("Ready: setup() finds or downloads everything this profile needs.")
        return True
    if todo == ["a supported machine and Python"]:
        print("NOT READY: this machine or this Python cannot run the workshop (see 'What to do' above).")
        return False
    print(f"NOT READY: {len(todo)} missing piece(s). What to do:\n"
          f"  - online, once: python tools/prefetch.py --profile {profile} --dest ~/workshop-mirror\n"
          "    then set WORKSHOP_MIRROR=~/workshop-mirror (or just run the notebooks online: setup() downloads)\n"
          "  - offline: set WORKSHOP_MIRROR to your instructor's kit (USB stick, shared drive)\n"
          "  - no full-size weights at all: use WORKSHOP_PROFILE=offline")
    return False


def main(argv=None):
    """Print the preflight screen; exit 0 when ready, 1 when something is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["full", "offline", "all"],
                        default=os.environ.get("WORKSHOP_PROFILE", "full"))
    args = parser.parse_args(argv)
    try:
        ready = preflight(args.profile)
    except workshop.WorkshopError as error:
        sys.exit(f"preflight: {error}")
    sys.exit(0 if ready else 1)


if __name__ == "__main__":
    main()
