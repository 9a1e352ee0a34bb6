"""The lesson website never drifts from what ran: episodes and figures rebuilt from the notebooks."""
import filecmp
import re
from pathlib import Path

import nbformat
import pytest

from tools import build_episodes
from workshop import NOTEBOOKS, ROOT  # the one notebook list
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
    for key in build_episodes.FRONT_MATTER + ("notebook", "profile", "outputs_from"):
        assert re.search(rf"^{key}:", header, re.MULTILINE), key
    assert f'notebook: "notebooks/{path.stem}.ipynb"' in header


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_has_an_exercise_with_a_hidden_solution(path):
    """A code-writing challenge (task, skeleton with `...`, hidden solution that runs) and a
    formative question (a challenge titled "Question", its answer hidden) in every notebook."""
    cells = nbformat.read(path, as_version=4).cells
    tags = [c.metadata.get("tags", []) for c in cells]
    writing, questions = [], []
    for i, t in enumerate(tags[:-2]):
        if "challenge" not in t:
            continue
        if re.match(r"#+\s*Question", cells[i].source.strip()) and "solution" in tags[i + 1]:
            questions.append(i)
        skeleton = cells[i + 1]
        if ("skeleton" in tags[i + 1] and "..." in skeleton.source
                and "solution" in tags[i + 2] and cells[i + 2].cell_type == "code"):
            writing.append(i)
    assert writing, "add a challenge, a skeleton cell with `...` (tag skeleton), a solution"
    assert questions, "add a formative question: a challenge titled 'Question: ...' and its hidden answer"
    for i, t in enumerate(tags):
        if "solution" in t:  # code or markdown: the answer starts collapsed in Jupyter
            assert cells[i].metadata.get("jupyter", {}).get("source_hidden") is True, f"cell {i}: hide the solution"
            if cells[i].cell_type == "code":
                assert cells[i].execution_count is not None, "the solution must run (and is tested by nbval)"
                assert cells[i].metadata["jupyter"].get("outputs_hidden") is True, f"cell {i}: hide its output too"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercise_minutes_follow_the_rule(path):
    """The front matter's `exercises`: 5 minutes a question, 7-12 minutes a code challenge (docs/instructors.md)."""
    notebook = nbformat.read(path, as_version=4)
    challenges = [c.source for c in notebook.cells if "challenge" in c.metadata.get("tags", [])]
    questions = sum(bool(re.match(r"#+\s*Question", source.strip())) for source in challenges)
    code = len(challenges) - questions
    minutes = notebook.metadata["episode"]["exercises"]
    assert 5 * questions + 7 * code <= minutes <= 5 * questions + 12 * code, (
        f"{questions} question(s) and {code} code challenge(s) need {5 * questions + 7 * code}-"
        f"{5 * questions + 12 * code} minutes, the front matter says {minutes}")


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


EPISODE_META = {"title": "T", "teaching": 5, "exercises": 5, "questions": ["q"], "objectives": ["o"],
                "keypoints": ["k"]}
OLD_SETUP_OUTPUT = "Profile: offline -- MobileNet alpha=0.25 (real ImageNet weights) stands in\nKeras cache: .keras\n"
NEW_SETUP_OUTPUT = ("Profile: offline -- a small stand-in model\n"
                    "Outputs below come from: MobileNet alpha=0.25 with real ImageNet weights, standing in for "
                    "VGG16 (offline profile); VGG16's own numbers differ\nKeras cache: .keras\n")


def _notebook(cells, setup_output=NEW_SETUP_OUTPUT):
    """A small executed notebook: title, the setup cell with its output, then `cells`."""
    setup = nbformat.v4.new_code_cell("import workshop\nsettings = workshop.setup()")
    if setup_output is not None:
        setup.outputs = [nbformat.v4.new_output("stream", name="stdout", text=setup_output)]
    badge = nbformat.v4.new_markdown_cell("[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                                          "(https://colab.research.google.com/github/x/y/blob/main/09-x.ipynb)",
                                          metadata={"workshop": "colab-badge"})
    title = nbformat.v4.new_markdown_cell("# T\n\nWhat this is about.\n\n```python\n# a comment, not a heading\n```")
    return nbformat.v4.new_notebook(metadata={"episode": dict(EPISODE_META)}, cells=[badge, title, setup, *cells])


def _build(tmp_path, notebook):
    nbformat.write(notebook, tmp_path / "09-x.ipynb")
    build_episodes.build(tmp_path / "09-x.ipynb", tmp_path)
    return (tmp_path / "_episodes" / "09-x.md").read_text()


def test_challenge_solution_callout_and_noise_are_rendered(tmp_path):
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    code = nbformat.v4.new_code_cell("plt.title('A red dot')", metadata={"tags": ["solution"]})
    code.outputs = [nbformat.v4.new_output("stream", name="stderr",
                                           text="I0000 00:00:17.1 1 port.cc:153] oneDNN custom operations\n"),
                    nbformat.v4.new_output("stream", name="stdout", text="\x1b[1mdone\x1b[0m\n"),
                    nbformat.v4.new_output("display_data", data={"image/png": png, "text/plain": "<Figure>"})]
    text = _build(tmp_path, _notebook([
        nbformat.v4.new_markdown_cell("### Challenge: draw\n\nDraw a dot.", metadata={"tags": ["challenge"]}),
        code,
        nbformat.v4.new_markdown_cell("### Note\n\nKeras 3.", metadata={"tags": ["callout"]})]))
    assert "> ## Challenge: draw" in text and "{: .challenge}" in text
    assert '> <details class="solution" markdown="1">\n> <summary>Solution</summary>' in text
    assert "> </details>\n{: .challenge}" in text  # the solution sits inside the challenge box
    assert "> ![A red dot](../fig/09-x-1.png)" in text
    assert "oneDNN" not in text and "\x1b" not in text and "> done" in text
    assert "> ## Note" in text and "{: .callout}" in text
    assert (tmp_path / "fig" / "09-x-1.png").read_bytes().startswith(b"\x89PNG")


def test_a_question_with_a_markdown_solution(tmp_path):
    """Formative questions: a markdown challenge titled "Question..." and a markdown solution."""
    text = _build(tmp_path, _notebook([
        nbformat.v4.new_markdown_cell("### Question: which line?\n\nA, B or C?", metadata={"tags": ["challenge"]}),
        nbformat.v4.new_markdown_cell("### Answer\n\nB, because *reasons*.", metadata={"tags": ["solution"]}),
        nbformat.v4.new_markdown_cell("Next part.")]))
    assert "> ## Question: which line?" in text and "{: .challenge .question}" in text
    assert "> <summary>Solution: Answer</summary>\n>\n> B, because *reasons*.\n>\n> </details>" in text
    assert text.rstrip().endswith("Next part.")


def test_the_banner_names_the_model_behind_the_outputs(tmp_path):
    header = _build(tmp_path, _notebook([])).split("---\n")[1]
    assert 'profile: "offline"' in header
    assert ('outputs_from: "MobileNet alpha=0.25 with real ImageNet weights, standing in for VGG16 '
            '(offline profile); VGG16\'s own numbers differ"') in header
    for setup_output in (None, OLD_SETUP_OUTPUT):  # no setup output, or one that does not name the model
        with pytest.raises(build_episodes.EpisodeError, match="execute the notebook"):
            _build(tmp_path, _notebook([], setup_output))


def test_the_title_and_the_badge_are_left_to_the_page(tmp_path):
    text = _build(tmp_path, _notebook([nbformat.v4.new_markdown_cell("# A second top heading\n\nText.")]))
    body = text.split("---\n", 2)[2]
    assert "colab-badge" not in body and not re.search("^# T$", body, re.MULTILINE)
    assert body.lstrip().startswith("What this is about.")
    assert "# a comment, not a heading" in body  # code in markdown is left alone
    assert "## A second top heading" in body and "\n# A second" not in body


def test_the_closing_key_points_list_is_left_to_the_page(tmp_path):
    """The page shows the `keypoints` metadata in its own box; the notebook's copy would repeat it."""
    text = _build(tmp_path, _notebook([nbformat.v4.new_markdown_cell("## Key points\n\n* k\n* more\n  words")]))
    assert "## Key points" not in text
    text = _build(tmp_path, _notebook([nbformat.v4.new_markdown_cell("## Key points\n\n* k\n\nAnd a remark.")]))
    assert "## Key points" in text and "And a remark." in text  # prose is never dropped


def _with_outputs_changed(path, old, new, tmp_path):
    """A copy of a notebook with one piece of its printed output replaced."""
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
    fit = nbformat.v4.new_code_cell("history = model.fit(train, epochs=1, verbose=2)")
    fit.outputs = [nbformat.v4.new_output("stream", name="stdout", text=(
        "Epoch 1/1\n87/87 - 2s - 23ms/step - loss: 0.2059 - val_binary_accuracy: 1.0000\n"
        "Features computed in 5.7 s\n"))]
    nbformat.write(_notebook([fit]), tmp_path / "09-x.ipynb")
    build_episodes.build(tmp_path / "09-x.ipynb", tmp_path / "first")
    episode = Path("_episodes") / "09-x.md"
    assert "87/87 - loss: 0.2059" in (tmp_path / "first" / episode).read_text()
    out, copy = _with_outputs_changed(tmp_path / "09-x.ipynb", r"\d+ms/step", "987ms/step", tmp_path / "timing")
    build_episodes.build(copy, out)
    assert (out / episode).read_text() == (tmp_path / "first" / episode).read_text()
    out, copy = _with_outputs_changed(tmp_path / "09-x.ipynb", r"val_binary_accuracy: 1\.0000",
                                      "val_binary_accuracy: 0.5000", tmp_path / "results")
    build_episodes.build(copy, out)
    assert (out / episode).read_text() != (tmp_path / "first" / episode).read_text()


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
