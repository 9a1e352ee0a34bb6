"""The photos: registered datasets, Bo's door splits, tiny copies for tests, checks before training."""
import functools
from pathlib import Path

from . import files
from .errors import ImageLoadError, WorkshopError
from .images import load_image

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".gif")  # what image_dataset_from_directory reads
_verified = set()  # the dataset folders already checked in this kernel


def dataset(name, mirror=None, quiet=False):
    """The folder data/<name> with every registered file verified (the structural run: a tiny copy)."""
    folder = files.DATA / name
    if folder not in _verified:
        rows, mirror = files.dataset_entries(name), files.mirror_folder() if mirror is None else mirror
        for row in rows:
            files.fetch(row, mirror)  # the first missing file stops here, with the two ways out
        if not quiet:
            print(f"  data {name}: {len(rows)} files verified")
        _verified.add(folder)
    return _for_this_profile(folder)


def _for_this_profile(folder, per_class=2):
    """The folder itself, or in the structural test run a copy with the first photos of each class."""
    if files.profile() != "structural":
        return folder
    tiny = files.DATA / "structural" / folder.name
    first = functools.cache(lambda d: sorted(p for p in d.iterdir() if not p.name.startswith("."))[:per_class])
    for path in sorted(folder.rglob("*")):
        if path.is_file() and (path.parent == folder or path in first(path.parent)):
            target = tiny / path.relative_to(folder)
            if not target.exists():
                files.copy(path, target)
    return tiny


# Bo's door: three splits made from the original course's train/ and valid/ photos.
#   test  = the original valid/ (10 bo, 20 not_bo): evaluated once, at the end of notebook 4;
#   valid = carved from the original train/: bo_15..bo_19 and not_bo 101..120 (25 photos);
#   train = the rest of the original train/ (13 bo, 100 not_bo).
def bo_door_split(original):
    """The new split of a photo from its original path, e.g. 'train/bo/bo_15.jpg' -> 'valid'."""
    split, label, name = Path(original).parts
    if split == "valid":
        return "test"
    number = int("".join(c for c in Path(name).stem if c.isdigit()))
    held_out = 15 <= number <= 19 if label == "bo" else 101 <= number <= 120
    return "valid" if held_out else "train"


def bo_door_splits():
    """The folder of Bo's door photos as train/, valid/ and test/, each with bo/ and not_bo/."""
    source = files.DATA / "presidential_doggy_door"
    dataset(source.name, quiet=True)  # every original photo present and verified
    folder = files.DATA / "bo_door_splits"
    for row in files.dataset_entries(source.name):
        original = (files.ROOT / row.path).relative_to(source)
        target = folder / bo_door_split(original) / original.parts[1] / original.name
        if not target.exists() or files.check_file(target, row.hash) is not None:  # copy once, keep verified
            files.copy(source / original, target)
    return _for_this_profile(folder)


def check_image_folder(folder, splits=("train", "valid")):
    """Check every photo of a split/class/ image folder before training; print and return the counts."""
    folder = Path(folder)
    if not folder.is_dir():
        raise WorkshopError(f"{folder}: no such folder. Run the setup cell (it fetches the data) "
                            "or check the path.")
    counts, problems = {}, []
    for split in splits:
        classes = sorted(p for p in (folder / split).glob("*") if p.is_dir() and not p.name.startswith("."))
        if not (folder / split).is_dir():
            problems.append(f"{folder / split}: the split folder is missing")
        elif not classes:
            problems.append(f"{folder / split}: no class folders inside (expected e.g. bo/ and not_bo/)")
        counts[split] = {}
        for class_folder in classes:
            found = [_image_problem(p) for p in sorted(class_folder.iterdir()) if not p.name.startswith(".")]
            problems += [p for p in found if p] if found else [f"{class_folder}: the class folder is empty"]
            counts[split][class_folder.name] = found.count(None)
    if len({tuple(classes) for classes in counts.values()}) > 1:
        problems.append("the splits have different class folders: "
                        + "; ".join(f"{s}: {', '.join(c) or 'none'}" for s, c in counts.items()))
    if problems:
        raise WorkshopError(f"{folder} cannot be used for training ({len(problems)} problem(s)):\n"
                            + "\n".join("  - " + p for p in problems)
                            + "\nFix or remove these files/folders, then run this cell again.")
    for split, classes in counts.items():
        print(f"  {split}: " + ", ".join(f"{n} {c}" for c, n in classes.items()))
    return counts


def _image_problem(path):
    """Why `path` is not a usable image file, or None."""
    if path.is_dir():
        return f"{path}: a folder inside a class folder (put images directly in it)"
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return f"{path}: not an image file name ({', '.join(IMAGE_SUFFIXES)}); Keras would silently skip it"
    try:
        load_image(path)
    except ImageLoadError as error:
        return str(error)
    return None
