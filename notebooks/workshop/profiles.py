"""The profiles, the setup cell's work and banner, seeds, Colab, and the offline stand-in in keras.applications."""
import functools
import importlib.util
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import files
from .backends import quiet_tensorflow
from .errors import WorkshopError

SEED = int(os.environ.get("WORKSHOP_SEED", 42))  # tests rerun the lesson with a second seed
PROFILES = {
    "full": "the lesson's models exactly as taught, ImageNet weights, the lesson's epochs",
    "offline": f"{files.STAND_IN} (real ImageNet weights) from a mirror folder stands in "
               "for the lesson's larger models; each notebook sets its own epochs for it",
    "structural": "TEST RUN: the lesson's real architectures with RANDOM weights (weights=None) "
                  "and minimal work; outputs are NOT predictions",
    "timing": "TIMING RUN: the full profile's exact work (image sizes, epochs, photos) with RANDOM "
              "weights (weights=None), to time the lesson; outputs are NOT predictions",
}
RANDOM_WEIGHTS = ("structural", "timing")  # profiles whose models have random weights
COLAB_PACKAGES = {"PIL": "pillow", **{name: name for name in  # module -> pip package, if Colab lacks it
                                      ("keras", "tensorflow", "scipy", "matplotlib", "h5py", "ipywidgets")}}
_replaced = {}  # (module, attribute) -> the keras.applications object setup() replaced in this kernel


@dataclass
class Settings:
    """What this run uses: the profile and where files come from. `pick` and `epochs` belong in a notebook's one
    settings cell, next to setup(): the lesson's code below it has one path in every profile."""
    profile: str
    mirror: Path | None
    keras_home: Path

    def __post_init__(self):
        self.offline = self.profile == "offline"  # the small stand-in model is used

    def epochs(self, full, offline=None):
        """The number of epochs for this profile (1 in the structural test run)."""
        return {"full": full, "timing": full, "offline": offline or full}.get(self.profile, 1)

    def pick(self, full, offline):
        """The value for this profile: `offline` with the stand-in, else `full` (also structural, timing)."""
        return offline if self.offline else full


def setup(models=(), data=(), profile=None, seed=None):
    """Choose the profile, set KERAS_HOME and seeds, fetch what the notebook needs; print a banner."""
    from .data import dataset
    profile = profile or files.profile()
    if profile not in PROFILES:
        raise WorkshopError(f"WORKSHOP_PROFILE={profile!r} is not a profile; choose one of {sorted(PROFILES)}.")
    if set(models) - set(files.MODELS):
        raise WorkshopError(f"setup(models={sorted(set(models) - set(files.MODELS))}): not a model of the "
                            f"lesson; choose from {sorted(files.MODELS)}.")
    os.environ["WORKSHOP_PROFILE"] = profile  # the one profile state: notebooks run from this one inherit it
    print(f"Profile: {profile} -- {PROFILES[profile]}")  # the first two lines: the episode build reads them
    print(f"Outputs below come from: {outputs_come_from(models, profile)}")
    prepare_colab()
    quiet_tensorflow()  # before Keras first imports TensorFlow
    _set_keras_home(files.KERAS_HOME)
    settings = Settings(profile, files.mirror_folder(), files.KERAS_HOME)
    for name in sorted({f for m in models for f in model_files(m, profile)}):
        entry = files.entry(name)
        files.fetch(entry, settings.mirror)
        print(f"  weights {name}: " + ("verified" if entry.hash else "NOT checked (no checksum is published for it)"))
    for name in data:
        dataset(name, settings.mirror)
    files.OUTPUT.mkdir(exist_ok=True)
    seed = SEED if seed is None else seed
    set_seeds(seed)
    cache = files.KERAS_HOME  # shown relative to the project: stable outputs, no machine paths
    print(f"Keras cache: {cache.relative_to(files.ROOT) if cache.is_relative_to(files.ROOT) else cache}"
          f" | random seed: {seed}")
    print(backend_line())
    for line in _use_profile_models(models, profile):
        print(line)
    return settings


def backend_line():
    """The banner's Keras line: its version and backend, and how photo folders load without TensorFlow."""
    import keras  # after _set_keras_home: Keras reads KERAS_HOME when it is first imported
    from .backends import has_tensorflow
    without_tf = "" if has_tensorflow() else (" (TensorFlow is not installed: photo folders load with "
                                               "the workshop's NumPy loader, see notebook 3)")
    return f"Keras {keras.__version__}, {keras.backend.backend()} backend{without_tf}"


def model_files(model, profile):
    """The weights files a lesson model needs in a profile (random weights need only the labels)."""
    names = files.MODELS[files.MODELS[model].stand_in or model if profile == "offline" else model].files
    return [n for n in names if n.endswith(".json")] if profile in RANDOM_WEIGHTS else list(names)


def outputs_come_from(models, profile):
    """The banner's second line: which model produced the outputs shown, and how they differ."""
    lesson = " and ".join(sorted({files.MODELS[m].constructor for m in models})) or "no pretrained model"
    if profile == "full":
        return f"{lesson} with ImageNet weights, as taught (full profile)"
    if profile in RANDOM_WEIGHTS:
        return f"{lesson} with RANDOM weights ({profile} test run): not predictions"
    differ = "numbers and top categories" if "vgg16" in models else "numbers"
    return (f"{files.STAND_IN} with real ImageNet weights, standing in for {lesson} "
            f"(offline profile); {lesson}'s own {differ} differ")


def _use_profile_models(models, profile):
    """Make `keras.applications.<Model>(weights="imagenet")` build what this profile runs, so that the notebooks'
    code is the lesson's in every profile: unchanged in the full profile; the stand-in (and its preprocess_input)
    offline; random weights in the test runs. Return the banner lines that say what was replaced."""
    import keras
    restore_keras_applications()  # a second setup() in the same kernel starts afresh
    if profile == "full":
        return []
    lines = set()
    for key in models:
        model = files.MODELS[key]
        if model.stand_in is None:
            continue
        module = getattr(keras.applications, model.module)
        build = _builder(getattr(keras.applications, model.constructor), key, profile)
        for where in (keras.applications, module):
            _replace(where, model.constructor, build)
        if profile == "offline":
            _replace(module, "preprocess_input", keras.applications.mobilenet.preprocess_input)
            lines.add(f"Here keras.applications.{model.constructor}(weights=\"imagenet\") builds the stand-in, "
                      f"{files.STAND_IN}, and keras.applications.{model.module}.preprocess_input is MobileNet's.")
        else:
            lines.add(f"Here keras.applications.{model.constructor}(weights=\"imagenet\") builds "
                      f"{model.constructor} with RANDOM weights.")
    return sorted(lines)


def restore_keras_applications():
    """Undo what setup() replaced in keras.applications."""
    for (module, name), original in _replaced.items():
        setattr(module, name, original)
    _replaced.clear()


def _replace(where, name, value):
    _replaced.setdefault((where, name), getattr(where, name))
    setattr(where, name, value)


def _builder(original, key, profile):
    """What a keras.applications constructor builds in the offline and the random-weights profiles."""
    import keras

    @functools.wraps(original)
    def build(*args, weights="imagenet", **options):
        if weights != "imagenet":  # weights=None or a file: the lesson's own architecture, as asked
            return original(*args, weights=weights, **options)
        if profile in RANDOM_WEIGHTS:
            return original(*args, weights=None, **options)
        paths = [files.fetch(files.entry(name), files.mirror_folder()) for name in model_files(key, "offline")]
        shape = options.get("input_shape") or (224, 224, 3)  # the stand-in's weights are for 224 x 224
        return keras.applications.MobileNet(alpha=0.25, include_top=options.get("include_top", True),
                                            weights=str(next(p for p in paths if p.suffix == ".h5")),
                                            input_shape=tuple(shape), pooling=options.get("pooling"))
    return build


def prepare_colab():
    """On Colab only: install what it lacks, warn when no GPU runtime is selected."""
    if "google.colab" not in sys.modules:
        return
    missing = [pip for module, pip in COLAB_PACKAGES.items() if importlib.util.find_spec(module) is None]
    if missing:
        print("Colab: installing", ", ".join(missing))
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)
    if gpu_name() is None:
        print("WARNING: no GPU. The full profile will be very slow. Choose Runtime > Change runtime type"
              " > T4 GPU, then Runtime > Restart session and run the notebook again.")


def gpu_name():
    """The first NVIDIA GPU's name from nvidia-smi, or None (TensorFlow is not imported)."""
    done = shutil.which("nvidia-smi") and subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
    return done.stdout.strip().splitlines()[0] if done and done.returncode == 0 and done.stdout.strip() else None


def _set_keras_home(path):
    """Point Keras at the project's own cache; refuse if Keras was imported with another one."""
    path.mkdir(parents=True, exist_ok=True)
    if "keras" in sys.modules and os.environ.get("KERAS_HOME") != str(path):
        raise WorkshopError("Keras was imported before workshop.setup(). Restart the kernel "
                            "and run the setup cell first, so Keras uses the workshop's weights cache.")
    os.environ["KERAS_HOME"] = str(path)


def set_seeds(seed=None):
    """Seed Python, NumPy and (once imported) Keras/TensorFlow so reruns agree."""
    seed = SEED if seed is None else seed
    random.seed(seed)
    np.random.seed(seed)
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras
        keras.utils.set_random_seed(seed)


def filled_in(*answers):
    """True when an exercise's answers are written; else say what is missing (no error, no wrong result)."""
    if any(answer is Ellipsis for answer in answers):
        print("Not done yet: replace each ... in this cell with your code, then run the cell again.")
        return False
    return True
