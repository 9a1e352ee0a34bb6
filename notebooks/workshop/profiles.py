"""The three profiles, the setup cell's work and banner, seeds, Colab, and the offline stand-in model."""
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
from .errors import WorkshopError

SEED = int(os.environ.get("WORKSHOP_SEED", 42))  # tests rerun the lesson with a second seed
PROFILES = {
    "full": "the lesson's models exactly as taught, ImageNet weights, the lesson's epochs",
    "offline": "MobileNet alpha=0.25 (real ImageNet weights) from a mirror folder stands in "
               "for the lesson's larger models; each notebook sets its own epochs for it",
    "structural": "TEST RUN: the lesson's real architectures with RANDOM weights (weights=None) "
                  "and minimal work; outputs are NOT predictions",
    "timing": "TIMING RUN: the full profile's exact work (image sizes, epochs, photos) with RANDOM "
              "weights (weights=None), to time the lesson; outputs are NOT predictions",
}
RANDOM_WEIGHTS = ("structural", "timing")  # profiles whose models have random weights
LESSON_MODEL_NAMES = {"vgg16": "VGG16", "vgg16_notop": "VGG16", "inception_v3_notop": "InceptionV3",
                      "mobilenet_v2_160_notop": "MobileNetV2"}
COLAB_PACKAGES = {"PIL": "pillow", **{name: name for name in  # module -> pip package, if Colab lacks it
                                      ("keras", "tensorflow", "scipy", "matplotlib", "h5py", "ipywidgets")}}
_chosen = {"profile": None}  # the profile setup() chose in this kernel


@dataclass
class Settings:
    """What this run uses: the profile, the ImageNet weights switch, where files come from."""
    profile: str
    mirror: Path | None
    keras_home: Path

    def __post_init__(self):
        self.offline = self.profile == "offline"  # the small stand-in model is used
        self.weights = None if self.profile in RANDOM_WEIGHTS else "imagenet"  # None: random weights

    def epochs(self, full, offline=None):
        """The number of epochs for this profile (1 in the structural test run)."""
        return {"full": full, "timing": full, "offline": offline or full}.get(self.profile, 1)

    def pick(self, full, offline):
        """The value for this profile: `offline` with the stand-in, else `full` (also structural, timing)."""
        return offline if self.offline else full


def current_profile():
    """The profile chosen by setup() in this kernel, else WORKSHOP_PROFILE (default: full)."""
    return _chosen["profile"] or os.environ.get("WORKSHOP_PROFILE", "full")


def setup(models=(), data=(), profile=None, seed=None):
    """Choose the profile, set KERAS_HOME and seeds, fetch what the notebook needs; print a banner."""
    from .data import dataset
    profile = profile or os.environ.get("WORKSHOP_PROFILE", "full")
    if profile not in PROFILES:
        raise WorkshopError(f"WORKSHOP_PROFILE={profile!r} is not a profile; choose one of {sorted(PROFILES)}.")
    if set(models) - set(files.MODELS):
        raise WorkshopError(f"setup(models={sorted(set(models) - set(files.MODELS))}): not a model of the "
                            f"lesson; choose from {sorted(files.MODELS)}.")
    _chosen["profile"] = profile
    print(f"Profile: {profile} -- {PROFILES[profile]}")  # the first two lines: the episode build reads them
    print(f"Outputs below come from: {outputs_come_from(models, profile)}")
    prepare_colab()
    _set_keras_home(files.KERAS_HOME)
    settings = Settings(profile, files.mirror_folder(), files.KERAS_HOME)
    for name in sorted({f for m in models for f in model_files(m, profile)}):
        entry = files.entry(name)
        path = files.fetch(entry, settings.mirror)
        note = files.ACCEPTED_VARIANTS.get(files.file_hash(path))
        verdict = "verified" if entry.hash else "NOT checked (no checksum is published for it)"
        print(f"  weights {name}: {verdict}" + (f" -- note: {note}" if note else ""))
    for name in data:
        dataset(name, settings.mirror)
    files.OUTPUT.mkdir(exist_ok=True)
    seed = SEED if seed is None else seed
    set_seeds(seed)
    cache = files.KERAS_HOME  # shown relative to the project: stable outputs, no machine paths
    print(f"Keras cache: {cache.relative_to(files.ROOT) if cache.is_relative_to(files.ROOT) else cache}"
          f" | random seed: {seed}")
    print(backend_line())
    return settings


def backend_line():
    """The banner's last line: Keras' version and backend, and how photo folders load without TensorFlow."""
    import keras  # after _set_keras_home: Keras reads KERAS_HOME when it is first imported
    from .backends import has_tensorflow
    without_tf = "" if has_tensorflow() else (" (TensorFlow is not installed: photo folders load with "
                                               "the workshop's NumPy loader, see notebook 3)")
    return f"Keras {keras.__version__}, {keras.backend.backend()} backend{without_tf}"


def model_files(model, profile):
    """The weights files a lesson model needs in a profile (random weights need only the labels)."""
    names = files.MODELS[files.OFFLINE_STANDIN.get(model, model) if profile == "offline" else model]
    return [n for n in names if n.endswith(".json")] if profile in RANDOM_WEIGHTS else names


def outputs_come_from(models, profile):
    """The banner's second line: which model produced the outputs shown, and how they differ."""
    lesson = " and ".join(sorted({LESSON_MODEL_NAMES.get(m, m) for m in models})) or "no pretrained model"
    if profile == "full":
        return f"{lesson} with ImageNet weights, as taught (full profile)"
    if profile in RANDOM_WEIGHTS:
        return f"{lesson} with RANDOM weights ({profile} test run): not predictions"
    differ = "numbers and top categories" if "vgg16" in models else "numbers"
    return (f"MobileNet alpha=0.25 with real ImageNet weights, standing in for {lesson} "
            f"(offline profile); {lesson}'s own {differ} differ")


def stand_in(include_top=False, input_shape=(224, 224, 3)):
    """The offline profile's model, MobileNet alpha=0.25 with ImageNet weights, and its preprocess_input."""
    import keras
    from keras.applications.mobilenet import preprocess_input
    for name in model_files("mobilenet_025" if include_top else "mobilenet_025_notop", "offline"):
        files.fetch(files.entry(name), files.mirror_folder())
    model = keras.applications.MobileNet(alpha=0.25, include_top=include_top, weights="imagenet",
                                         input_shape=tuple(input_shape))
    return model, preprocess_input


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
