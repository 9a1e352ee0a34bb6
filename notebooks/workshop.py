"""Plumbing for the transfer-learning workshop: settings, files, images, plots.

The lesson itself (models, freezing, heads, compile, fit) lives in the notebooks;
this module only finds files, checks them, loads images and draws figures.
It must not import TensorFlow at import time: `setup()` sets KERAS_HOME first.
"""
import csv
import hashlib
import os
import random
import shutil
import socket
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# ----------------------------------------------------------------------------
# Paths and settings
# ----------------------------------------------------------------------------
_HERE = Path(__file__).resolve().parent
# In the repository this file sits in notebooks/; on Colab it sits beside the data.
ROOT = Path(os.environ.get("WORKSHOP_ROOT") or (_HERE.parent if _HERE.name == "notebooks" else _HERE))
DATA = ROOT / "data"
FIG = ROOT / "fig"
KERAS_HOME = Path(os.environ.get("WORKSHOP_KERAS_HOME") or ROOT / ".keras")
REGISTRY = DATA / "registry.tsv"
SEED = 42

PROFILES = {
    "full": "the lesson's models exactly as taught, ImageNet weights, the lesson's epochs",
    "offline": "MobileNet alpha=0.25 (real ImageNet weights) from a mirror folder stands in "
               "for the lesson's larger models; fewer epochs where useful",
    "structural": "TEST RUN: the lesson's real architectures with RANDOM weights (weights=None) "
                  "and minimal work; outputs are NOT predictions",
}


class WorkshopError(Exception):
    """An error whose message tells a learner what is wrong and what to do."""

    def _render_traceback_(self):  # IPython shows just the message, no deep traceback
        return [f"\033[1;31m{type(self).__name__}\033[0m: {self}"]


class ImageLoadError(WorkshopError, ValueError):
    """An image file that cannot be used, with the reason and the path."""


class MissingFilesError(WorkshopError, FileNotFoundError):
    """Weights or data that are neither cached, mirrored nor downloadable."""


@dataclass
class Settings:
    """What this run uses: the profile, the ImageNet weights switch, where files come from."""

    profile: str
    mirror: Path | None
    keras_home: Path
    models: list = field(default_factory=list)

    @property
    def weights(self):
        """`"imagenet"`, or `None` (random weights) in the structural test run."""
        return None if self.profile == "structural" else "imagenet"

    @property
    def offline(self):
        """True when the small offline stand-in model is used."""
        return self.profile == "offline"

    def epochs(self, full, offline=None):
        """The number of epochs for this profile (1 in the structural test run)."""
        return {"full": full, "offline": offline or full}.get(self.profile, 1)


def setup(models=(), data=(), profile=None, seed=SEED):
    """Choose the profile, set KERAS_HOME and seeds, fetch what the notebook needs; print a banner."""
    profile = profile or os.environ.get("WORKSHOP_PROFILE", "full")
    if profile not in PROFILES:
        raise WorkshopError(f"WORKSHOP_PROFILE={profile!r} is not a profile; choose one of {sorted(PROFILES)}.")
    _set_keras_home(KERAS_HOME)
    settings = Settings(profile, mirror_folder(), KERAS_HOME, list(models))
    files = sorted({f for m in models for f in model_files(m, profile)})
    print(f"Profile: {profile} -- {PROFILES[profile]}")
    for name in files:
        ensure_weights(name, settings.mirror)
    for name in data:
        dataset(name, settings.mirror)
    set_seeds(seed)
    print(f"Keras cache: {_short(KERAS_HOME)} | random seed: {seed}")
    return settings


def _short(path):
    """A path relative to the project when possible (stable notebook outputs)."""
    try:
        return str(Path(path).resolve().relative_to(ROOT.resolve())) or "."
    except ValueError:
        return str(path)


def _set_keras_home(path):
    """Point Keras at the project's own cache; refuse if Keras was imported with another one."""
    path.mkdir(parents=True, exist_ok=True)
    if "keras" in sys.modules and os.environ.get("KERAS_HOME") != str(path):
        raise WorkshopError("Keras was imported before workshop.setup(). Restart the kernel "
                            "and run the setup cell first, so Keras uses the workshop's weights cache.")
    os.environ["KERAS_HOME"] = str(path)


def set_seeds(seed=SEED):
    """Seed Python, NumPy and (once imported) Keras/TensorFlow so reruns agree."""
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    if "keras" in sys.modules or "tensorflow" in sys.modules:
        import keras
        keras.utils.set_random_seed(seed)


# ----------------------------------------------------------------------------
# The registry: every file the workshop uses, with its public source and hash
# ----------------------------------------------------------------------------
_KERAS_APPS = "https://storage.googleapis.com/tensorflow/keras-applications/"
# name -> (URL, hash). Keras' get_file verifies the hash (32 hex = md5, 64 = sha256).
WEIGHTS = {
    "imagenet_class_index.json": (
        "https://storage.googleapis.com/download.tensorflow.org/data/imagenet_class_index.json",
        "a1e7a966a1f601d39e4b43e119b3e7dd4a2ad3ea08cf69847cbaf021013767bc"),
    "vgg16_weights_tf_dim_ordering_tf_kernels.h5": (
        _KERAS_APPS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels.h5",
        "64373286793e3c8b2b4e3219cbf3544b"),
    "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5": (
        _KERAS_APPS + "vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "6d6bbae143d832006294945121d1f1fc"),
    "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5": (
        _KERAS_APPS + "inception_v3/inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "bcbd6486424b2319ff4ef7d526e38f63"),
    "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5": (
        _KERAS_APPS + "mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5",
        None),
    "mobilenet_2_5_224_tf.h5": (
        _KERAS_APPS + "mobilenet/mobilenet_2_5_224_tf.h5",
        "98d047950e59f478af63681720906940efc8ce8cecb95bce5c7b47394f8bd63d"),
    "mobilenet_2_5_224_tf_no_top.h5": (
        _KERAS_APPS + "mobilenet/mobilenet_2_5_224_tf_no_top.h5",
        "dbdb03ee2a22fd895301636cd328b234bb3a9952358f436d82f46b81e0d5b0bf"),
}
# Known, documented variants that are accepted besides the public hash.
ACCEPTED_VARIANTS = {
    "b49bed58e265eff51a88328b559bb90b7d001b2dc1fd1464c48d184fab66c22a":
        "mobilenet_2_5_224_tf.h5 rebuilt from the no-top file's leftover HDF5 data "
        "(same ImageNet weights; see the mirror's MANIFEST.md)",
}
# A model of the lesson -> its weight files in the full profile, and its offline stand-in.
MODELS = {
    "vgg16": ["vgg16_weights_tf_dim_ordering_tf_kernels.h5", "imagenet_class_index.json"],
    "vgg16_notop": ["vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5"],
    "inception_v3_notop": ["inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"],
    "mobilenet_v2_160_notop": ["mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5"],
    "mobilenet_025": ["mobilenet_2_5_224_tf.h5", "imagenet_class_index.json"],
    "mobilenet_025_notop": ["mobilenet_2_5_224_tf_no_top.h5"],
}
OFFLINE_STANDIN = {"vgg16": "mobilenet_025", "vgg16_notop": "mobilenet_025_notop",
                   "inception_v3_notop": "mobilenet_025_notop",
                   "mobilenet_v2_160_notop": "mobilenet_025_notop"}


def model_files(model, profile):
    """The weight files a lesson model needs in a profile (random weights need only the labels)."""
    if profile == "offline":
        model = OFFLINE_STANDIN.get(model, model)
    files = MODELS[model]
    if profile == "structural":
        files = [f for f in files if f.endswith(".json")]
    return files


def file_hash(path, algorithm="sha256"):
    """The hex digest of a file."""
    digest = hashlib.new(algorithm)
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_file(path, expected):
    """None if the file matches its expected hash (or a known variant), else the reason."""
    if expected is None:
        return None
    actual = file_hash(path, "md5" if len(expected) == 32 else "sha256")
    if actual == expected or file_hash(path) in ACCEPTED_VARIANTS:
        return None
    return f"checksum mismatch: expected {expected}, got {actual}"


def mirror_folder():
    """The offline mirror folder from WORKSHOP_MIRROR, or None."""
    value = os.environ.get("WORKSHOP_MIRROR")
    if not value:
        return None
    given = Path(value).expanduser()
    # A relative path is read from the project's root too: the kernel runs in notebooks/.
    for path in (given, ROOT / given):
        if path.is_dir():
            return path.resolve()
    raise WorkshopError(f"WORKSHOP_MIRROR={value} is not a folder (looked in {Path.cwd()} and in "
                        f"{ROOT}). Point it at the folder made by `python tools/prefetch.py` "
                        "(or at ../shared in CI), preferably as an absolute path.")


def online(host="storage.googleapis.com", timeout=3.0):
    """True if the download host answers quickly (so an offline room never hangs)."""
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _install_verified(source, target, expected):
    """Copy a file into place only if it passes its checksum; return the problem or None."""
    problem = check_file(source, expected)
    if problem is None:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return problem


def ensure_weights(name, mirror=None):
    """Put a registered weight file into the Keras cache: cached, mirrored or downloaded."""
    url, expected = WEIGHTS[name]
    target = KERAS_HOME / "models" / name
    problems = []
    if target.exists():
        problem = check_file(target, expected)
        if problem is None:
            return _report(name, target, "cache")
        problems.append(f"cached copy {target}: {problem} (not used)")
        target.unlink()
    if mirror is not None:
        for candidate in (mirror / "keras" / "models" / name, mirror / "models" / name):
            if candidate.exists():
                problem = _install_verified(candidate, target, expected)
                if problem is None:
                    return _report(name, target, f"mirror {candidate}")
                problems.append(f"mirror copy {candidate}: {problem} (not used)")
    if online():
        import keras
        try:
            keras.utils.get_file(name, url, file_hash=expected, cache_subdir="models")
            return _report(name, target, "download")
        except Exception as error:  # noqa: BLE001 -- turned into an actionable message below
            problems.append(f"download from {url} failed: {error}")
    else:
        problems.append(f"no network: could not reach {url}")
    raise MissingFilesError(_missing_message(name, problems))


def _report(name, path, source):
    """Print where a file came from (and any accepted variant), return its path."""
    note = ACCEPTED_VARIANTS.get(file_hash(path))
    # The source (cache, mirror, download) is not printed, so reruns give identical outputs.
    print(f"  weights {name}: verified" + (f" -- note: {note}" if note else ""))
    return path


def _missing_message(name, problems):
    """The two ways out when a file is missing."""
    lines = [f"The weights file {name} is not available.", *("  - " + p for p in problems),
             "Two ways out:",
             "  1. Online, fetch everything once:  python tools/prefetch.py --profile full",
             "  2. Offline, use the small stand-in model and a mirror folder:",
             "     WORKSHOP_PROFILE=offline WORKSHOP_MIRROR=/path/to/mirror  (then restart the kernel)"]
    return "\n".join(lines)


# ----------------------------------------------------------------------------
# Data: every image is listed in data/registry.tsv (path, sha256, public URL)
# ----------------------------------------------------------------------------
def data_registry():
    """Rows of data/registry.tsv as dicts with path, sha256 and url."""
    with open(REGISTRY, newline="") as stream:
        return list(csv.DictReader(stream, delimiter="\t"))


def dataset(name, mirror=None):
    """Make sure every registered file of data/<name> is present and verified; return its folder."""
    rows = [r for r in data_registry() if r["path"].startswith(f"data/{name}/")]
    if not rows:
        raise WorkshopError(f"No dataset called {name!r} in {REGISTRY}.")
    missing = []
    for row in rows:
        target = ROOT / row["path"]
        if target.exists() and check_file(target, row["sha256"]) is None:
            continue
        source = mirror / row["path"] if mirror else None
        if source is not None and source.exists() and _install_verified(source, target, row["sha256"]) is None:
            continue
        if not _download(row, target):
            missing.append(row["path"])
    if missing:
        raise MissingFilesError(
            f"{len(missing)} file(s) of data/{name} are missing or fail their checksum, e.g. {missing[0]}.\n"
            "Online, run `python tools/prefetch.py`; offline, set WORKSHOP_MIRROR to a mirror folder.")
    print(f"  data {name}: {len(rows)} files verified")
    return DATA / name


def _download(row, target):
    """Download one registered data file, keep it only if its sha256 matches."""
    if not online(host=row["url"].split("/")[2]):
        return False
    import urllib.request
    partial = target.with_suffix(target.suffix + ".part")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        urllib.request.urlretrieve(row["url"], partial)
    except OSError:
        return False
    if check_file(partial, row["sha256"]) is not None:
        partial.unlink()
        return False
    partial.replace(target)
    return True


# ----------------------------------------------------------------------------
# Images
# ----------------------------------------------------------------------------
MAX_PIXELS = 400_000_000  # well above any camera; Pillow's default bomb guard is 89 M


def load_image(path, target_size=None, interpolation="bilinear"):
    """Read any common image file as a float32 RGB array (H, W, 3) in 0..255, or explain why not."""
    from PIL import Image, ImageOps, UnidentifiedImageError
    path = Path(path)
    if not path.exists():
        raise ImageLoadError(f"{path}: no such file. Check the name and folder"
                             f"{_nearby(path)}.")
    if path.is_dir():
        raise ImageLoadError(f"{path}: this is a folder, not an image file. Pass one image inside it.")
    if path.stat().st_size == 0:
        raise ImageLoadError(f"{path}: the file is empty (0 bytes). Copy or download it again.")
    previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, MAX_PIXELS
    try:
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image)  # phone photos: honour the rotation tag
            rgb = _to_rgb(image)
    except UnidentifiedImageError:
        raise ImageLoadError(f"{path}: not an image Pillow can read ({_sniff(path)}). "
                             "Use a JPEG or PNG file.") from None
    except (OSError, SyntaxError) as error:
        raise ImageLoadError(f"{path}: the image is damaged or truncated ({error}). "
                             "Copy or download it again.") from None
    finally:
        Image.MAX_IMAGE_PIXELS = previous
    if target_size is not None:
        resample = {"bilinear": Image.BILINEAR, "nearest": Image.NEAREST}[interpolation]
        rgb = rgb.resize((target_size[1], target_size[0]), resample)
    return np.asarray(rgb, dtype="float32")


def _to_rgb(image):
    """Convert any Pillow mode (grey, palette, alpha, CMYK, 16-bit) to 8-bit RGB."""
    from PIL import Image
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        values = np.asarray(image, dtype="float64")
        top = 65535.0 if values.max() > 255 else 255.0
        grey = np.clip(values / top * 255.0, 0, 255).astype("uint8")
        return Image.fromarray(grey).convert("RGB")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))  # transparent -> white
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _sniff(path):
    """A hint of what a non-image file really is, from its first bytes."""
    head = path.read_bytes()[:64]
    if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
        return "it is an HTML page -- a failed download?"
    if head.startswith(b"PK"):
        return "it is a ZIP archive"
    printable = all(32 <= b < 127 or b in (9, 10, 13) for b in head)
    return "it is a text file" if printable else f"unknown format, starts with {head[:8]!r}"


def _nearby(path):
    """Up to five file names in the folder the learner pointed at."""
    folder = path.parent
    if not folder.is_dir():
        return f" (the folder {folder} does not exist either)"
    names = sorted(p.name for p in folder.iterdir())[:5]
    return f" (that folder holds: {', '.join(names) or 'nothing'})"


def show_image(path, title=None):
    """Display an image file and print its original shape."""
    import matplotlib.pyplot as plt
    image = load_image(path)
    print("Original image shape:", image.shape)
    plt.figure(figsize=(4, 4))
    plt.imshow(image.astype("uint8"))
    plt.title(title or Path(path).name)
    plt.axis("off")
    plt.show()
    return image.shape


def imagenet_labels():
    """The 1000 ImageNet class names, in index order, from the Keras cache."""
    import json
    path = KERAS_HOME / "models" / "imagenet_class_index.json"
    if not path.exists():
        path = ensure_weights(path.name, mirror_folder())
    index = json.loads(Path(path).read_text())
    return [index[str(i)][1] for i in range(1000)]



# ----------------------------------------------------------------------------
# Bo's door (issue 3): image folders for transfer learning
# ----------------------------------------------------------------------------
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif")  # what image_dataset_from_directory reads


def check_image_folder(folder, splits=("train", "valid")):
    """Check every photo of a split/class/ image folder before training; return the counts."""
    folder = Path(folder)
    if not folder.is_dir():
        raise WorkshopError(f"{folder}: no such folder. Run the setup cell (it fetches the data) "
                            "or check the path.")
    counts, problems = {}, []
    for split in splits:
        counts[split] = _check_split(folder / split, problems)
    names = {split: sorted(c) for split, c in counts.items()}
    if len({tuple(n) for n in names.values()}) > 1:
        problems.append("the splits have different class folders: "
                        + "; ".join(f"{s}: {', '.join(n) or 'none'}" for s, n in names.items()))
    if problems:
        raise WorkshopError(f"{folder} cannot be used for training ({len(problems)} problem(s)):\n"
                            + "\n".join("  - " + p for p in problems)
                            + "\nFix or remove these files/folders, then run this cell again.")
    for split, classes in counts.items():
        print(f"  {split}: " + ", ".join(f"{n} {c}" for c, n in classes.items()))
    return counts


def _check_split(split_folder, problems):
    """Count the images of each class folder in one split; add every problem found to `problems`."""
    if not split_folder.is_dir():
        problems.append(f"{split_folder}: the split folder is missing")
        return {}
    classes = sorted(p for p in split_folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        problems.append(f"{split_folder}: no class folders inside (expected e.g. bo/ and not_bo/)")
    counts = {}
    for class_folder in classes:
        files = sorted(p for p in class_folder.iterdir() if not p.name.startswith("."))
        counts[class_folder.name] = sum(_image_problem(p, problems) for p in files)
        if not files:
            problems.append(f"{class_folder}: the class folder is empty")
    return counts


def _image_problem(path, problems):
    """1 if `path` is a usable image file, else 0 (and the reason is added to `problems`)."""
    if path.is_dir():
        problems.append(f"{path}: a folder inside a class folder (put images directly in it)")
        return 0
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        problems.append(f"{path}: not an image file name ({', '.join(IMAGE_SUFFIXES)}); "
                        "Keras would silently skip it")
        return 0
    try:
        load_image(path)
    except ImageLoadError as error:
        problems.append(str(error))
        return 0
    return 1


def show_augmentations(image, augmentation, count=5):
    """Show one image next to `count` randomly augmented versions of it."""
    import matplotlib.pyplot as plt
    versions = [np.asarray(image)] + [np.asarray(augmentation(image[None], training=True))[0]
                                      for _ in range(count)]
    fig, axes = plt.subplots(1, len(versions), figsize=(2 * len(versions), 2.2))
    for axis, version, title in zip(axes, versions, ["original"] + [f"augmented {i + 1}" for i in range(count)]):
        axis.imshow(np.clip(version, 0, 255).astype("uint8"))
        axis.set_title(title, fontsize=9)
        axis.axis("off")
    plt.show()


def features_of(model, dataset, preprocess, augmentation=None):
    """A model's outputs for every image of a dataset (augmented first if asked), and the labels."""
    outputs, labels = [], []
    for images, batch_labels in dataset:
        if augmentation is not None:
            images = augmentation(images, training=True)
        outputs.append(model.predict(preprocess(images), verbose=0))
        labels.append(np.asarray(batch_labels))
    return np.concatenate(outputs), np.concatenate(labels)


def plot_training_curves(*histories, labels=None):
    """Plot loss and accuracy per epoch, training vs validation, for one or more fit histories."""
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
    labels = labels or [""] * len(histories)
    start = 1
    for history, label in zip(histories, labels):
        logs = history.history
        epochs = range(start, start + len(logs["loss"]))
        for axis, key in ((left, "loss"), (right, "binary_accuracy")):
            axis.plot(epochs, logs[key], "o-", label=f"training {label}".strip())
            axis.plot(epochs, logs[f"val_{key}"], "s--", label=f"validation {label}".strip())
        start += len(logs["loss"])
    for axis, name in ((left, "loss"), (right, "accuracy")):
        axis.set_xlabel("epoch")
        axis.set_ylabel(name)
        axis.legend()
    plt.show()


def execute_notebook(path, timeout=1800):
    """Execute a notebook top to bottom in its own folder; return it with its outputs (file unchanged)."""
    import nbformat
    from nbclient import NotebookClient
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return notebook


def run_notebook(path, timeout=1800):
    """Execute another notebook of the workshop (outputs not saved), e.g. to make a file it writes."""
    print(f"Running {Path(path).name} in the {os.environ.get('WORKSHOP_PROFILE', 'full')!r} profile ...")
    execute_notebook(_HERE / path, timeout)
    print("  done")


# ----------------------------------------------------------------------------
# The lesson kit (issue 5): preflight, try your own photo, saliency maps
# ----------------------------------------------------------------------------
LESSON_MODELS = sorted(OFFLINE_STANDIN)  # every model the notebooks use, by its full-profile name


def profile_files(profile):
    """The weight files the whole lesson needs in a profile ("all": full and offline)."""
    profiles = ["full", "offline"] if profile == "all" else [profile]
    return sorted({f for p in profiles for m in LESSON_MODELS for f in model_files(m, p)})


def dataset_names():
    """The registered datasets: the folders data/<name>/ of data/registry.tsv."""
    return sorted({row["path"].split("/")[1] for row in data_registry()})


def _weights_status(name, mirror):
    """(ready, where) for one weight file in the Keras cache or the mirror, checksums verified."""
    expected = WEIGHTS[name][1]
    places = [("cached", KERAS_HOME / "models" / name)]
    if mirror is not None:
        places += [("in the mirror", mirror / "keras" / "models" / name)]
    for where, path in places:
        if path.exists():
            problem = check_file(path, expected)
            if problem is None:
                return True, where + ", verified" + ("" if expected else " (no published hash)")
            return False, f"{_short(path)}: {problem}"
    return False, "not cached" + ("" if mirror is None else " and not in the mirror")


def _data_status(name, mirror):
    """(ready, detail) for one dataset: every file verified in data/ or in the mirror."""
    rows = [r for r in data_registry() if r["path"].startswith(f"data/{name}/")]
    local = sum((ROOT / r["path"]).exists() and check_file(ROOT / r["path"], r["sha256"]) is None
                for r in rows)
    if local == len(rows):
        return True, f"{local}/{len(rows)} files present, verified"
    in_mirror = mirror is not None and all(
        (ROOT / r["path"]).exists() or (mirror / r["path"]).exists() and
        check_file(mirror / r["path"], r["sha256"]) is None for r in rows)
    if in_mirror:
        return True, f"{local}/{len(rows)} in data/, the rest verified in the mirror"
    return False, f"only {local}/{len(rows)} files present and verified"


def _versions():
    """TensorFlow and Keras versions, read without importing them (KERAS_HOME stays free)."""
    from importlib import metadata
    found = []
    for dist in ("tensorflow", "tensorflow-cpu", "tensorflow-macos", "keras"):
        try:
            found.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(found) or "TensorFlow and Keras are NOT installed (pip install -r requirements.txt)"


def gpu_name():
    """The first NVIDIA GPU's name from nvidia-smi, or None (TensorFlow is not imported)."""
    import subprocess
    if shutil.which("nvidia-smi") is None:
        return None
    done = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    return lines[0] if done.returncode == 0 and lines else None


def preflight(profile=None):
    """Print one screen: versions, GPU, weights and data for a profile, what to do; True if ready."""
    profile = profile or os.environ.get("WORKSHOP_PROFILE", "full")
    mirror = mirror_folder()
    gpu = gpu_name()
    print(f"Workshop preflight -- profile {profile!r}")
    versions = _versions()
    print(f"  Python {sys.version.split()[0]}; {versions}")
    print(f"  GPU: {gpu}" if gpu else "  GPU: none found -- CPU only (fine offline; the full profile is slow)")
    print(f"  Keras cache: {_short(KERAS_HOME)}; mirror: {mirror or 'none (WORKSHOP_MIRROR not set)'}")
    todo = ["TensorFlow/Keras"] if "NOT installed" in versions else []
    print("Weights:")
    for name in profile_files(profile):
        ready, where = _weights_status(name, mirror)
        print(f"  [{'ok' if ready else 'MISSING'}] {name}: {where}")
        todo += [] if ready else [name]
    print("Data:")
    for name in dataset_names():
        ready, detail = _data_status(name, mirror)
        print(f"  [{'ok' if ready else 'MISSING'}] {name}: {detail}")
        todo += [] if ready else [f"data/{name}"]
    if not todo:
        print("Ready: everything this profile needs is on this machine.")
        return True
    print(f"NOT READY: {len(todo)} missing piece(s). What to do:\n"
          f"  - online, once: python tools/prefetch.py --profile {profile} --dest ~/workshop-mirror\n"
          "    then set WORKSHOP_MIRROR=~/workshop-mirror (or just run the notebooks online: setup() downloads)\n"
          "  - offline: set WORKSHOP_MIRROR to your instructor's kit (USB stick, shared drive)\n"
          "  - no full-size weights at all: use WORKSHOP_PROFILE=offline")
    return False


# ---- Try your own photo -----------------------------------------------------
def photo_file(photo, name="uploaded_photo"):
    """A file path for a photo given as a path, or as the bytes of an uploaded file."""
    if isinstance(photo, (bytes, bytearray, memoryview)):
        import tempfile
        path = Path(tempfile.mkdtemp(prefix="photo-")) / Path(name).name
        path.write_bytes(bytes(photo))
        return path
    return Path(photo)


def door_report(photo, predict, door, top=3, name="uploaded_photo"):
    """The top ImageNet classes and the door's decision for a photo (a path or its bytes)."""
    path = photo_file(photo, name)
    load_image(path)  # a clear ImageLoadError for anything that is not a usable photo
    predictions = np.asarray(predict(path)).reshape(-1)
    labels = imagenet_labels()
    best = np.argsort(predictions)[::-1][:top]
    return {"photo": path, "top": [(labels[i], float(predictions[i])) for i in best],
            "decision": door(path)}


def try_photo(photo, predict, door, name="uploaded_photo"):
    """Show a photo with its top-3 classes and the door's decision; return the report."""
    import matplotlib.pyplot as plt
    report = door_report(photo, predict, door, name=name)
    plt.figure(figsize=(4, 4))
    plt.imshow(load_image(report["photo"]).astype("uint8"))
    plt.title(report["decision"])
    plt.axis("off")
    plt.show()
    for label, probability in report["top"]:
        print(f"  {label:30s} {probability:.3f}")
    print("Door:", report["decision"])
    return report


def door_widget(predict, door):
    """An upload button: each photo uploaded is shown with its top-3 classes and the decision."""
    import ipywidgets
    upload = ipywidgets.FileUpload(accept="image/*", multiple=False, description="Your photo")
    output = ipywidgets.Output()

    def on_upload(change):
        output.clear_output()
        with output:
            for item in change["new"]:
                try:
                    try_photo(item["content"], predict, door, name=item["name"])
                except WorkshopError as error:
                    print(error)

    upload.observe(on_upload, names="value")
    return ipywidgets.VBox([upload, output])


# ---- Why did the door open? Grad-CAM ----------------------------------------
def last_conv_layer(model):
    """The name of the last layer with an image-like (h, w > 1) output, also inside a nested base."""
    for layer in reversed(model.layers):
        if hasattr(layer, "layers"):  # a nested model (a base, or a head without feature maps)
            try:
                return last_conv_layer(layer)
            except WorkshopError:
                continue
        shape = layer.output.shape
        if len(shape) == 4 and (shape[1] or 2) > 1:  # a feature map, not a 1x1 head
            return layer.name
    raise WorkshopError(f"Model {model.name!r} has no convolutional layer for a saliency map.")


def find_layer(model, layer_name):
    """A layer by name, also inside a nested base model; a clear error otherwise."""
    for layer in model.layers:
        if layer.name == layer_name:
            return layer
        if hasattr(layer, "layers"):
            try:
                return find_layer(layer, layer_name)
            except WorkshopError:
                pass
    raise WorkshopError(f"No layer {layer_name!r} in model {model.name!r}. "
                        f"Try workshop.last_conv_layer(model) = {last_conv_layer(model)!r}.")


def _run_and_capture(model, layer, batch):
    """Run the model on a batch and keep `layer`'s output too (works through any nesting)."""
    captured, original, own = [], layer.call, "call" in vars(layer)

    def call_and_keep(*args, **kwargs):
        result = original(*args, **kwargs)
        captured.append(result)
        return result

    layer.call = call_and_keep  # on this layer object only, for this one call
    try:
        output = model(batch, training=False)
    finally:
        if own:
            layer.call = original
        else:
            del layer.call  # back to the class's method
    return captured[-1], output


def grad_cam(model, batch, layer_name=None, class_index=None):
    """Grad-CAM: a (h, w) map in 0..1 of where `layer_name`'s features raised the class score."""
    import tensorflow as tf
    layer_name = layer_name or last_conv_layer(model)
    layer = find_layer(model, layer_name)
    batch = tf.convert_to_tensor(np.asarray(batch, dtype="float32")[:1])
    with tf.GradientTape() as tape:
        tape.watch(batch)  # record every operation, also those of a frozen base
        features, output = _run_and_capture(model, layer, batch)
        if output.shape[-1] == 1:  # one unit (bo vs not_bo): evidence for class 1, or against it
            threshold = 0.5 if _ends_in_sigmoid(model) else 0.0
            index = int(float(output[0, 0]) > threshold) if class_index is None else class_index
            score = output[0, 0] if index == 1 else -output[0, 0]
        else:
            index = int(tf.argmax(output[0])) if class_index is None else class_index
            score = output[0, index]
    gradients = tape.gradient(score, features)
    weights = tf.reduce_mean(gradients, axis=(0, 1, 2))  # how much each feature map matters
    cam = tf.nn.relu(tf.reduce_sum(features[0] * weights, axis=-1)).numpy()
    return cam / cam.max() if cam.max() > 0 else cam


def _ends_in_sigmoid(model):
    """True if the model's last layer outputs probabilities (sigmoid) rather than logits."""
    activation = getattr(model.layers[-1], "activation", None)
    return getattr(activation, "__name__", "") == "sigmoid"


def show_saliency(photo_path, heatmap, title=None, opacity=0.45):
    """Show a photo beside the same photo with the Grad-CAM heatmap laid over it."""
    import matplotlib.pyplot as plt
    from PIL import Image
    photo = load_image(photo_path)
    height, width = photo.shape[:2]
    heat = Image.fromarray(np.uint8(255 * np.clip(heatmap, 0, 1))).resize((width, height), Image.BILINEAR)
    colours = plt.get_cmap("jet")(np.asarray(heat) / 255.0)[..., :3] * 255
    overlay = (1 - opacity) * photo + opacity * colours
    figure, axes = plt.subplots(1, 2, figsize=(8, 4))
    for axis, image, caption in zip(axes, [photo, overlay], ["photo", "Grad-CAM: where the evidence is"]):
        axis.imshow(image.astype("uint8"))
        axis.set_title(caption)
        axis.axis("off")
    figure.suptitle(title or Path(photo_path).name)
    figure.tight_layout()
    plt.show()


# ----------------------------------------------------------------------------
# Overfitting, dropout, saving and reloading (issue 4)
# ----------------------------------------------------------------------------
def cut_at(model, layer_name):
    """The layer called `layer_name` (where to cut the model), or a WorkshopError listing the names."""
    import difflib
    names = [layer.name for layer in model.layers]
    if layer_name in names:
        return model.get_layer(layer_name)
    close = difflib.get_close_matches(str(layer_name), names, n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(n) for n in close)}?" if close else ""
    raise WorkshopError(f"Model {model.name!r} has no layer called {layer_name!r}.{hint}\n"
                        f"Its {len(names)} layer names, from input to output, are:\n  "
                        + ", ".join(names))


def few_batches(dataset, settings, batches=2):
    """The whole dataset, or just its first few batches in the structural test run (speed)."""
    return dataset.take(batches) if settings.profile == "structural" else dataset


def plot_runs(histories, title=None, save_as=None):
    """One figure: accuracy and loss per epoch, training (solid) vs validation (dashed), per run."""
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    for (label, history), colour in zip(histories.items(), ["tab:red", "tab:blue", "tab:green"]):
        logs = history.history
        metric = next(k for k in logs if k != "loss" and not k.startswith("val_"))
        epochs = range(1, len(logs["loss"]) + 1)
        for axis, key in zip(axes, (metric, "loss")):
            axis.plot(epochs, logs[key], "-", color=colour, label=f"{label}: training")
            axis.plot(epochs, logs[f"val_{key}"], "--", color=colour, label=f"{label}: validation")
    for axis, name in zip(axes, ("accuracy", "loss")):
        axis.set_xlabel("epoch")
        axis.set_ylabel(name)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.suptitle(title or "Training and validation")
    figure.tight_layout()
    if save_as is not None:
        Path(save_as).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(save_as, dpi=100)
        print("Figure saved as", _short(save_as))
    plt.show()
    return figure


def load_saved_model(path):
    """keras.models.load_model, with a clear WorkshopError for a missing, wrong or damaged file."""
    path = Path(path)
    if not path.exists():
        raise WorkshopError(f"{path}: no saved model here. Run the cell that saves the model first "
                            f"(model.save(...)), or check the name{_nearby(path)}.")
    if path.is_dir() or path.suffix not in (".keras", ".h5"):
        raise WorkshopError(f"{path}: not a model file. keras.models.load_model reads a '.keras' file "
                            "(or a legacy '.h5' file) written by model.save(...).")
    import keras
    try:
        return keras.models.load_model(path)
    except Exception as error:  # noqa: BLE001 -- many formats of failure, one actionable message
        reason = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
        advice = ("Save the model again with model.save('name.keras')" if path.suffix == ".keras" else
                  "Legacy .h5 files cannot hold every Keras 3 model: save it as '.keras' instead")
        raise WorkshopError(f"{path}: cannot be loaded as a Keras model ({reason}). "
                            f"The file may be damaged or incomplete. {advice}.") from None


def check_input_shape(model, batch):
    """Return `batch` if it has the (images, height, width, channels) shape the model expects, else explain."""
    expected = tuple(model.inputs[0].shape[1:])
    shape = tuple(np.shape(batch))
    if len(shape) == len(expected) + 1 and all(e in (None, n) for e, n in zip(expected, shape[1:])):
        return batch  # None in the model's shape: any size fits
    wanted = f"(number of images, {', '.join(str(n) for n in expected)})"
    if shape == expected:
        problem = "this is one image without the batch axis: use batch[None] (or np.expand_dims(image, 0))"
    elif len(shape) == 4 and shape[-1] == expected[-1]:
        problem = (f"the images are {shape[1]}x{shape[2]} pixels; resize them to {expected[0]}x{expected[1]}, "
                   f"e.g. workshop.load_image(path, target_size={expected[:2]})")
    else:
        problem = "check the height, width and number of colour channels"
    raise WorkshopError(f"Model {model.name!r} expects input of shape {wanted}, got {shape}: {problem}.")
