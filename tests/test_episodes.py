"""The lesson website never drifts from what ran: episodes and figures rebuilt from the notebooks."""
import filecmp
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import build_episodes  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
EPISODES = [ROOT / "_episodes" / f"{p.stem}.md" for p in NOTEBOOKS]  # one per notebook
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)]+)\)")


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    """Every episode and figure built afresh from the committed notebooks."""
    out = tmp_path_factory.mktemp("site")
    build_episodes.main([*map(str, NOTEBOOKS), "--out", str(out)])
    return out


@pytest.mark.parametrize("folder", ["_episodes", "fig"])
def test_committed_site_matches_the_notebooks(rebuilt, folder):
    fresh = {p.name for p in (rebuilt / folder).iterdir()}
    committed = {p.name for p in (ROOT / folder).iterdir()} if (ROOT / folder).is_dir() else set()
    if folder == "fig":  # figures made by hand or by other tools are not ours to check
        committed = {n for n in committed if re.fullmatch(r"\d\d-.+-\d+\.png", n)}
    assert fresh == committed, "rebuild the site: python tools/build_episodes.py"
    _, mismatch, errors = filecmp.cmpfiles(rebuilt / folder, ROOT / folder, sorted(fresh), shallow=False)
    assert mismatch == errors == [], "rebuild the site: python tools/build_episodes.py"


def test_one_episode_per_notebook():
    assert sorted((ROOT / "_episodes").glob("*.md")) == EPISODES


@pytest.mark.parametrize("path", EPISODES, ids=lambda p: p.stem)
def test_every_image_has_alt_text_and_exists(path):
    text = path.read_text()
    images = IMAGE.findall(text)
    assert text.count("![") == len(images)
    for alt, target in images:
        assert alt.strip(), f"{path.name}: image {target} has no alt text"
        if target.startswith("../fig/"):
            assert (ROOT / "fig" / target.removeprefix("../fig/")).is_file(), f"{path.name}: missing {target}"


@pytest.mark.parametrize("path", EPISODES, ids=lambda p: p.stem)
def test_front_matter_is_real(path):
    header = path.read_text().split("---\n")[1]
    assert "FIX" not in header
    for key in build_episodes.FRONT_MATTER:
        assert re.search(rf"^{key}:", header, re.MULTILINE), key


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_has_an_exercise_with_a_hidden_solution(path):
    cells = nbformat.read(path, as_version=4).cells
    tags = [c.metadata.get("tags", []) for c in cells]
    with_solution = [i for i, t in enumerate(tags[:-1]) if "challenge" in t and "solution" in tags[i + 1]]
    assert with_solution, "add a markdown cell tagged challenge followed by a code cell tagged solution"
    for i, t in enumerate(tags):
        if "solution" in t and cells[i].cell_type == "code":
            assert cells[i].metadata.get("jupyter", {}).get("source_hidden") is True
            assert cells[i].execution_count is not None, "the solution must run (and is tested by nbval)"


def test_the_build_refuses_placeholder_front_matter(tmp_path):
    notebook = nbformat.v4.new_notebook(metadata={"episode": {
        "title": "T", "teaching": 5, "exercises": 5, "questions": ["FIXME"],
        "objectives": ["o"], "keypoints": ["k"]}})
    nbformat.write(notebook, tmp_path / "09-x.ipynb")
    with pytest.raises(build_episodes.EpisodeError, match="FIX"):
        build_episodes.build(tmp_path / "09-x.ipynb", tmp_path)
    del notebook.metadata["episode"]["keypoints"]
    nbformat.write(notebook, tmp_path / "09-x.ipynb")
    with pytest.raises(build_episodes.EpisodeError, match="keypoints"):
        build_episodes.build(tmp_path / "09-x.ipynb", tmp_path)


def test_challenge_solution_callout_and_noise_are_rendered(tmp_path):
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    code = nbformat.v4.new_code_cell("plt.title('A red dot')", metadata={"tags": ["solution"]})
    code.outputs = [nbformat.v4.new_output("stream", name="stderr",
                                           text="I0000 00:00:17.1 1 port.cc:153] oneDNN custom operations\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="\x1b[1mdone\x1b[0m\n"),
                    nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]
    notebook = nbformat.v4.new_notebook(metadata={"episode": {
        "title": "T", "teaching": 5, "exercises": 5, "questions": ["q"], "objectives": ["o"],
        "keypoints": ["k"]}}, cells=[
        nbformat.v4.new_markdown_cell("### Challenge: draw\n\nDraw a dot.", metadata={"tags": ["challenge"]}),
        code,
        nbformat.v4.new_markdown_cell("### Note\n\nKeras 3.", metadata={"tags": ["callout"]})])
    nbformat.write(notebook, tmp_path / "09-x.ipynb")
    build_episodes.build(tmp_path / "09-x.ipynb", tmp_path)
    text = (tmp_path / "_episodes" / "09-x.md").read_text()
    assert "> ## Challenge: draw" in text and "{: .challenge}" in text
    assert "> > ## Solution" in text and "> {: .solution}" in text
    assert "> > ![A red dot](../fig/09-x-1.png)" in text
    assert "oneDNN" not in text and "\x1b" not in text and "> > done" in text
    assert "> ## Note" in text and "{: .callout}" in text
    assert (tmp_path / "fig" / "09-x-1.png").read_bytes().startswith(b"\x89PNG")


def _with_outputs_changed(path, old, new, tmp_path):
    """A copy of a committed notebook with one piece of its printed output replaced."""
    notebook = nbformat.read(path, as_version=4)
    changed = 0
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and re.search(old, output.text):
                output.text, n = re.subn(old, new, output.text)
                changed += n
    assert changed, f"{path.name} prints nothing matching {old!r}"
    tmp_path.mkdir(parents=True, exist_ok=True)
    copy = tmp_path / path.name
    nbformat.write(notebook, copy)
    return (tmp_path / "site", copy)


def test_timings_do_not_change_the_episode_but_results_do(tmp_path):
    path = ROOT / "notebooks" / "03-transfer-learning.ipynb"
    episode = Path("_episodes") / path.with_suffix(".md").name
    out, copy = _with_outputs_changed(path, r"\d+ms/step", "987ms/step", tmp_path)
    build_episodes.build(copy, out)
    assert (out / episode).read_text() == (ROOT / episode).read_text()
    out, copy = _with_outputs_changed(path, r"val_binary_accuracy: 1\.0000", "val_binary_accuracy: 0.5000",
                                      tmp_path / "results")
    build_episodes.build(copy, out)
    assert (out / episode).read_text() != (ROOT / episode).read_text()


@pytest.mark.parametrize("line, shown", [
    ("87/87 - 0s - 5ms/step - loss: 0.2059", "87/87 - loss: 0.2059"),
    ("19/19 - 3s - 173ms/step - val_loss: 0.52", "19/19 - val_loss: 0.52"),
    ("Features computed in 5.7 s", "Features computed in … s"),
    ("Trained in 26 s", "Trained in … s"),
    ("Output shape (None, 7, 7, 256) in 2 blocks", "Output shape (None, 7, 7, 256) in 2 blocks"),
])
def test_mask_timings(line, shown):
    assert build_episodes.mask_timings(line) == shown


@pytest.mark.parametrize("path", EPISODES, ids=lambda p: p.stem)
def test_episodes_hold_no_machine_specific_paths(path):
    text = path.read_text()
    for marker in ("site-packages", str(ROOT), "/home/", "/tmp/"):
        assert marker not in text, f"{path.name} shows {marker!r}: silence or fix that output in the notebook"
