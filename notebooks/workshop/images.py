"""Images: load any photo file safely, show it, the ImageNet labels, augmentations, input shapes."""
import json
from pathlib import Path

import numpy as np

from . import files
from .errors import ImageLoadError, WorkshopError

MAX_PIXELS = 400_000_000  # well above any camera; Pillow's default bomb guard is 89 M


def load_image(path, target_size=None, interpolation="bilinear"):
    """Read any common image file as a float32 RGB array (H, W, 3) in 0..255, or explain why not."""
    from PIL import Image, ImageOps, UnidentifiedImageError
    path = Path(path)
    if not path.exists():
        raise ImageLoadError(f"{path}: no such file. Check the name and folder{_nearby(path)}.")
    if path.is_dir():
        raise ImageLoadError(f"{path}: this is a folder, not an image file. Pass one image inside it.")
    if path.stat().st_size == 0:
        raise ImageLoadError(f"{path}: the file is empty (0 bytes). Copy or download it again.")
    previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, MAX_PIXELS
    try:
        with Image.open(path) as image:
            rgb = _to_rgb(ImageOps.exif_transpose(image))  # phone photos: honour the rotation tag
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
        grey = np.clip(values / (65535.0 if values.max() > 255 else 255.0) * 255.0, 0, 255)
        return Image.fromarray(grey.astype("uint8")).convert("RGB")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))  # transparent -> white
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")


def _sniff(path):
    """A hint of what a non-image file really is, from its first bytes."""
    head = path.read_bytes()[:64]
    html = head.lstrip().lower().startswith((b"<!doctype html", b"<html"))
    hints = [(html, "it is an HTML page -- a failed download?"),
             (head.startswith(b"PK"), "it is a ZIP archive"),
             (all(32 <= b < 127 or b in (9, 10, 13) for b in head), "it is a text file")]
    return next((hint for found, hint in hints if found), f"unknown format, starts with {head[:8]!r}")


def _nearby(path):
    """Up to five file names in the folder the learner pointed at."""
    if not path.parent.is_dir():
        return f" (the folder {path.parent} does not exist either)"
    names = sorted(p.name for p in path.parent.iterdir())[:5]
    return f" (that folder holds: {', '.join(names) or 'nothing'})"


def show_image(path, title=None):
    """Display an image file and print its original shape (nothing is returned, so nothing is echoed)."""
    import matplotlib.pyplot as plt
    image = load_image(path)
    print("Original image shape:", image.shape)
    plt.figure(figsize=(4, 4))
    plt.imshow(image.astype("uint8"))
    plt.title(title or Path(path).name)
    plt.axis("off")
    plt.show()


def imagenet_labels():
    """The 1000 ImageNet class names, in index order (the registered imagenet_class_index.json)."""
    path = files.fetch(files.entry("imagenet_class_index.json"), files.mirror_folder())
    index = json.loads(path.read_text())
    return [index[str(i)][1] for i in range(1000)]


def show_augmentations(image, augmentation, count=5):
    """Show one image next to `count` randomly augmented versions of it."""
    import keras
    import matplotlib.pyplot as plt
    to_numpy = keras.ops.convert_to_numpy  # any backend's tensor, also one on a GPU (np.asarray cannot)
    versions = [to_numpy(image)] + [to_numpy(augmentation(image[None], training=True))[0] for _ in range(count)]
    titles = ["original"] + [f"augmented {i + 1}" for i in range(count)]
    _, axes = plt.subplots(1, count + 1, figsize=(2 * count + 2, 2.2))
    for axis, version, title in zip(axes, versions, titles):
        axis.imshow(np.clip(version, 0, 255).astype("uint8"))
        axis.set_title(title, fontsize=9)
        axis.axis("off")
    plt.show()


def check_input_shape(model, batch):
    """Return `batch` if it has the (images, height, width, channels) shape the model expects, else explain."""
    expected, shape = tuple(model.inputs[0].shape[1:]), tuple(np.shape(batch))
    if len(shape) == len(expected) + 1 and all(e in (None, n) for e, n in zip(expected, shape[1:])):
        return batch  # None in the model's shape: any size fits
    if shape == expected:
        problem = "this is one image without the batch axis: use batch[None] (or np.expand_dims(image, 0))"
    elif len(shape) == 4 and shape[-1] == expected[-1]:
        problem = (f"the images are {shape[1]}x{shape[2]} pixels; resize them to {expected[0]}x{expected[1]}, "
                   f"e.g. workshop.load_image(path, target_size={expected[:2]})")
    else:
        problem = "check the height, width and number of colour channels"
    raise WorkshopError(f"Model {model.name!r} expects input of shape (number of images, "
                        f"{', '.join(str(n) for n in expected)}), got {shape}: {problem}.")
