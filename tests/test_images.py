"""workshop.load_image: clear errors for bad files, correct RGB for unusual but valid ones."""
import numpy as np
import pytest
from PIL import Image

import workshop


def save(tmp_path, name, image, **options):
    """Save a Pillow image into tmp_path and return its path."""
    path = tmp_path / name
    image.save(path, **options)
    return path


def test_plain_jpeg_is_float_rgb(tmp_path):
    path = save(tmp_path, "red.jpg", Image.new("RGB", (40, 30), (200, 10, 10)))
    image = workshop.load_image(path)
    assert image.shape == (30, 40, 3) and image.dtype == np.float32
    assert abs(image[..., 0].mean() - 200) < 3 and image[..., 1].mean() < 15


def test_target_size_is_height_width(tmp_path):
    path = save(tmp_path, "wide.png", Image.new("RGB", (300, 100), (0, 128, 255)))
    assert workshop.load_image(path, target_size=(224, 160)).shape == (224, 160, 3)


def test_missing_file_names_the_file_and_the_folder(tmp_path):
    save(tmp_path, "cat.jpg", Image.new("RGB", (8, 8)))
    with pytest.raises(workshop.ImageLoadError, match=r"dog\.jpg: no such file.*cat\.jpg"):
        workshop.load_image(tmp_path / "dog.jpg")


def test_directory_is_refused(tmp_path):
    with pytest.raises(workshop.ImageLoadError, match="is a folder"):
        workshop.load_image(tmp_path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.jpg"
    path.write_bytes(b"")
    with pytest.raises(workshop.ImageLoadError, match=r"empty\.jpg: the file is empty"):
        workshop.load_image(path)


def test_truncated_jpeg(tmp_path):
    noise = np.random.default_rng(0).integers(0, 255, (200, 200, 3), dtype=np.uint8)
    path = save(tmp_path, "photo.jpg", Image.fromarray(noise), quality=95)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(workshop.ImageLoadError, match=r"photo\.jpg: the image is damaged or truncated"):
        workshop.load_image(path)


@pytest.mark.parametrize("content, hint", [
    (b"<!DOCTYPE html><html><body>Not found</body></html>", "HTML page"),
    (b"just some notes about my dog\n", "text file"),
    (b"\x00\x01\x02\x03binary junk" * 10, "unknown format"),
])
def test_not_an_image(tmp_path, content, hint):
    path = tmp_path / "fake.jpg"
    path.write_bytes(content)
    with pytest.raises(workshop.ImageLoadError, match=rf"fake\.jpg: not an image.*{hint}"):
        workshop.load_image(path)


def test_grayscale_becomes_three_equal_channels(tmp_path):
    path = save(tmp_path, "grey.png", Image.new("L", (10, 10), 77))
    image = workshop.load_image(path)
    assert image.shape == (10, 10, 3) and np.all(image == 77)


def test_rgba_transparent_pixels_become_white(tmp_path):
    rgba = Image.new("RGBA", (10, 10), (255, 0, 0, 255))
    rgba.putpixel((0, 0), (0, 0, 0, 0))  # fully transparent (black underneath)
    image = workshop.load_image(save(tmp_path, "logo.png", rgba))
    assert image.shape == (10, 10, 3)
    assert tuple(image[0, 0]) == (255, 255, 255) and tuple(image[5, 5]) == (255, 0, 0)


def test_palette_png(tmp_path):
    path = save(tmp_path, "palette.png", Image.new("RGB", (10, 10), (0, 0, 255)).convert("P"))
    assert tuple(workshop.load_image(path)[3, 3]) == (0, 0, 255)


def test_cmyk_jpeg_is_converted(tmp_path):
    path = save(tmp_path, "print.jpg", Image.new("CMYK", (16, 16), (0, 255, 255, 0)))  # pure red ink
    image = workshop.load_image(path)
    assert image.shape == (16, 16, 3)
    assert image[..., 0].mean() > 200 and image[..., 1].mean() < 50


def test_16_bit_grayscale_is_scaled_not_clipped(tmp_path):
    values = np.full((8, 8), 32768, dtype=np.uint16)  # half of the 16-bit range
    path = save(tmp_path, "deep.png", Image.fromarray(values))
    image = workshop.load_image(path)
    assert image.shape == (8, 8, 3)
    assert 120 <= image.mean() <= 135  # half brightness, not saturated white


def test_exif_rotation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = save(tmp_path, "phone.jpg", Image.new("RGB", (60, 20), (10, 200, 10)), exif=exif)
    assert workshop.load_image(path).shape == (60, 20, 3)


@pytest.mark.slow
def test_very_large_image_loads(tmp_path):
    # 100 megapixels: above Pillow's default decompression-bomb warning threshold
    path = save(tmp_path, "huge.png", Image.new("RGB", (12500, 8000), (5, 6, 7)), compress_level=1)
    image = workshop.load_image(path, target_size=(224, 224))
    assert image.shape == (224, 224, 3) and tuple(image[100, 100]) == (5, 6, 7)


def test_nearest_and_bilinear_differ_on_detail(tmp_path):
    stripes = np.zeros((100, 100, 3), dtype=np.uint8)
    stripes[:, ::2] = 255
    path = save(tmp_path, "stripes.png", Image.fromarray(stripes))
    nearest = workshop.load_image(path, (10, 10), interpolation="nearest")
    bilinear = workshop.load_image(path, (10, 10), interpolation="bilinear")
    assert set(np.unique(nearest)) <= {0.0, 255.0}
    assert 100 < bilinear.mean() < 155 and len(np.unique(bilinear)) <= 3
