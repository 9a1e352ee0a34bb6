"""Every path, hash, mirror, registry and download rule of the workshop, in one place.

`fetch` takes a file from the cache (.keras/models/ for weights, data/ for photos), else from the
WORKSHOP_MIRROR folder, else from its public URL, and uses it only if its hash matches
data/registry.tsv. `locate` is the same search, changing nothing (run.py's check).
"""
import collections
import csv
import functools
import hashlib
import os
import shutil
import socket
from pathlib import Path

from .errors import MissingFilesError, WorkshopError

ROOT = Path(__file__).resolve().parents[2]  # the repository (this file is notebooks/workshop/files.py)
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))  # the lesson, in order
DATA = ROOT / "data"
# what the notebooks save (weights, models, figures); git-ignored. Tests that run the lesson on another backend
# at the same time as the TensorFlow runs give it a folder of its own (WORKSHOP_OUTPUT).
OUTPUT = Path(os.environ.get("WORKSHOP_OUTPUT") or ROOT / "output")
KERAS_HOME = Path(os.environ.get("WORKSHOP_KERAS_HOME") or ROOT / ".keras")
REGISTRY = DATA / "registry.tsv"

# The one model table: a model of the lesson -> its keras.applications constructor and module, the registered
# files it needs with ImageNet weights, and the model that stands in for it in the offline profile.
Model = collections.namedtuple("Model", "constructor module files stand_in")
MODELS = {
    "vgg16": Model("VGG16", "vgg16", ("vgg16_weights_tf_dim_ordering_tf_kernels.h5", "imagenet_class_index.json"),
                   "mobilenet_025"),
    "vgg16_notop": Model("VGG16", "vgg16", ("vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",), "mobilenet_025_notop"),
    "inception_v3_notop": Model("InceptionV3", "inception_v3",
                                ("inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5",), "mobilenet_025_notop"),
    "mobilenet_v2_160_notop": Model("MobileNetV2", "mobilenet_v2",
                                    ("mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5",),
                                    "mobilenet_025_notop"),
    "mobilenet_025": Model("MobileNet", "mobilenet", ("mobilenet_2_5_224_tf.h5", "imagenet_class_index.json"), None),
    "mobilenet_025_notop": Model("MobileNet", "mobilenet", ("mobilenet_2_5_224_tf_no_top.h5",), None),
}
LESSON_MODELS = sorted(name for name, model in MODELS.items() if model.stand_in)  # what notebooks ask for
STAND_IN = "MobileNet alpha=0.25"  # what the offline profile's stand-ins are, as the banner names them


def profile():
    """The profile of this kernel: WORKSHOP_PROFILE (setup() sets it, so notebooks it runs inherit it), else full."""
    return os.environ.get("WORKSHOP_PROFILE") or "full"


# One registry row: the path (also in a mirror), the hash (md5 or sha256), the public URL, the licence.
Entry = collections.namedtuple("Entry", "path hash url licence")


@functools.cache
def registry():
    """Every registered file by its path: keras/models/<weights file> or data/<dataset>/...."""
    with open(REGISTRY, newline="") as stream:
        return {row["path"]: Entry(**row) for row in csv.DictReader(stream, delimiter="\t")}


def entry(name):
    """The registry row of a weights file name or of a registered path."""
    found = registry().get(name) or registry().get(f"keras/models/{name}")
    if found is None:
        raise WorkshopError(f"{name!r} is not in {REGISTRY}.")
    return found


def dataset_entries(name):
    """The registry rows of data/<name>/."""
    rows = [row for path, row in registry().items() if path.startswith(f"data/{name}/")]
    if not rows:
        raise WorkshopError(f"No dataset called {name!r} in {REGISTRY}.")
    return rows


def file_hash(path, algorithm="sha256"):
    """The hex digest of a file."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, algorithm).hexdigest()


def check_file(path, expected):
    """None if the file matches one of its registered hashes, else the reason."""
    if not expected:
        return None  # no published hash (MobileNetV2's weights): Keras checks none either
    accepted = expected.split()  # the public hash, then any documented variant (data/README.md says which)
    actual = file_hash(path, "md5" if len(accepted[0]) == 32 else "sha256")
    if actual in accepted:
        return None
    return f"checksum mismatch: expected {accepted[0]}, got {actual}"


def mirror_folder():
    """The offline mirror folder from WORKSHOP_MIRROR (relative to here or to the project), or None."""
    value = os.environ.get("WORKSHOP_MIRROR")
    if not value:
        return None
    for path in (Path(value).expanduser(), ROOT / value):
        if path.is_dir():
            return path.resolve()
    raise WorkshopError(f"WORKSHOP_MIRROR={value} is not a folder (looked in {Path.cwd()} and in "
                        f"{ROOT}). Point it at the folder made by `python tools/prefetch.py` "
                        "(or at ../shared in CI), preferably as an absolute path.")


def online(host="storage.googleapis.com", timeout=3.0):
    """True if the download host (name or name:port) answers quickly (so an offline room never hangs)."""
    name, _, port = host.partition(":")
    try:
        socket.create_connection((name, int(port or 443)), timeout=timeout).close()
        return True
    except OSError:
        return False


def local_path(row, into=None):
    """Where a file is kept: into/<path> (a kit), else the Keras cache or the project's data/."""
    if into is not None:
        return Path(into) / row.path
    if row.path.startswith("keras/models/"):
        return KERAS_HOME / "models" / Path(row.path).name
    return ROOT / row.path


def locate(row, mirror=None, into=None):
    """(verified copy or None, 'cache'/'mirror', problems): the search `fetch` does, changing nothing."""
    places = [("cache", local_path(row, into))]
    if mirror is not None:
        places.append(("mirror", Path(mirror) / row.path))
        if row.path.startswith("keras/models/"):  # a mirror may also hold weights in models/
            places.append(("mirror", Path(mirror) / "models" / Path(row.path).name))
    problems = []
    for where, path in places:
        if path.exists():
            problem = check_file(path, row.hash)
            if problem is None:
                return path, where, problems
            problems.append(f"{where} copy {path}: {problem} (not used)")
    return None, None, problems


def copy(source, target):
    """Copy a file without ever showing it half-written (another kernel or test may read it at the same time):
    into a hidden temporary name beside the target, then renamed, which is atomic."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    shutil.copyfile(source, temporary)
    os.replace(temporary, target)


def fetch(row, mirror=None, into=None, download=True):
    """Put one verified file in place (cache, else mirror, else its URL); return its path."""
    target = local_path(row, into)
    found, where, problems = locate(row, mirror, into)
    if where == "mirror":
        copy(found, target)
    if found is not None:
        return target
    target.unlink(missing_ok=True)  # a copy that failed its check
    problems.append(_download(row, target) if download else "downloads switched off")
    if problems[-1] is None:
        return target
    error = MissingFilesError("\n".join([
        f"The file {row.path} is not available.", *("  - " + p for p in problems), "Two ways out:",
        "  1. Online, fetch everything once:  python tools/prefetch.py --profile full",
        "  2. Offline, use the small stand-in model and a mirror folder:",
        "     WORKSHOP_PROFILE=offline WORKSHOP_MIRROR=/path/to/mirror  (then restart the kernel)"]))
    error.problems = problems  # what tools/prefetch.py reports
    raise error


def _download(row, target):
    """Download one file (from its dataset's archive, if it has one); None or the reason it failed."""
    from .download import download  # download.py uses this module: imported when first needed
    return download(row, target)
