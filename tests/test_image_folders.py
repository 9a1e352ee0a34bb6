"""workshop.check_image_folder: bad training data is named before any training starts."""
import pytest
from PIL import Image

import workshop


def make_folder(root, layout):
    """Build split/class/ folders of tiny JPEGs: layout = {split: {class: n_images}}."""
    for split, classes in layout.items():
        for name, n in classes.items():
            folder = root / split / name
            folder.mkdir(parents=True)
            for i in range(n):
                Image.new("RGB", (8, 8), (40 * i % 255, 90, 160)).save(folder / f"{name}_{i}.jpg")
    return root


@pytest.fixture
def photos(tmp_path):
    """A small, valid copy of the doggy door layout."""
    return make_folder(tmp_path / "door", {"train": {"bo": 3, "not_bo": 4}, "valid": {"bo": 1, "not_bo": 2}})


def test_a_good_folder_gives_the_counts(photos, capsys):
    counts = workshop.check_image_folder(photos)
    assert counts == {"train": {"bo": 3, "not_bo": 4}, "valid": {"bo": 1, "not_bo": 2}}
    assert "train: 3 bo, 4 not_bo" in capsys.readouterr().out


def test_hidden_files_are_ignored(photos):
    (photos / "train" / "bo" / ".DS_Store").write_bytes(b"\0\1\2")
    assert workshop.check_image_folder(photos)["train"]["bo"] == 3


def test_a_truncated_jpeg_is_named(photos):
    bad = photos / "train" / "bo" / "bo_1.jpg"
    bad.write_bytes(bad.read_bytes()[:40])
    with pytest.raises(workshop.WorkshopError, match="bo_1.jpg") as error:
        workshop.check_image_folder(photos)
    assert "damaged or truncated" in str(error.value) or "not an image" in str(error.value)


def test_a_web_page_saved_as_jpg_is_named(photos):
    (photos / "valid" / "not_bo" / "page.jpg").write_text("<!DOCTYPE html><html>404</html>")
    with pytest.raises(workshop.WorkshopError, match=r"page\.jpg.*HTML"):
        workshop.check_image_folder(photos)


def test_a_text_file_in_a_class_folder_is_named(photos):
    (photos / "train" / "not_bo" / "notes.txt").write_text("remember to feed Bo")
    with pytest.raises(workshop.WorkshopError, match=r"notes\.txt.*not an image file name"):
        workshop.check_image_folder(photos)


def test_an_empty_class_folder_is_named(tmp_path):
    photos = make_folder(tmp_path / "door", {"train": {"bo": 0, "not_bo": 2}, "valid": {"bo": 1, "not_bo": 1}})
    with pytest.raises(workshop.WorkshopError, match=r"train/bo: the class folder is empty"):
        workshop.check_image_folder(photos)


def test_a_missing_split_is_named(tmp_path):
    photos = make_folder(tmp_path / "door", {"train": {"bo": 1, "not_bo": 1}})
    with pytest.raises(workshop.WorkshopError, match=r"door/valid: the split folder is missing"):
        workshop.check_image_folder(photos)


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(workshop.WorkshopError, match="nowhere: no such folder"):
        workshop.check_image_folder(tmp_path / "nowhere")


def test_splits_with_different_classes_are_reported(tmp_path):
    photos = make_folder(tmp_path / "door", {"train": {"bo": 1, "not_bo": 1}, "valid": {"bo": 1, "cats": 1}})
    with pytest.raises(workshop.WorkshopError, match="different class folders"):
        workshop.check_image_folder(photos)


def test_every_problem_is_reported_at_once(photos):
    (photos / "train" / "bo" / "bo_0.jpg").write_bytes(b"")
    (photos / "valid" / "bo" / "bo_0.jpg").write_bytes(b"\xff\xd8\xff garbage")
    with pytest.raises(workshop.WorkshopError) as error:
        workshop.check_image_folder(photos)
    message = str(error.value)
    assert "2 problem(s)" in message
    assert "train/bo/bo_0.jpg" in message and "valid/bo/bo_0.jpg" in message
