"""The committed notebooks: executed for real, in order, in the offline profile, claims stored."""
import re

import nbformat
import pytest

import workshop
from tools import run_notebooks
from tools.build_episodes import LOG_NOISE  # the filter run_notebooks applies

NOTEBOOKS = workshop.NOTEBOOKS
MACHINE_PATH = re.compile(r"/work/|/root/|/home/|/tmp/|\.venv\b|site-packages")


def code_cells(path):
    """The code cells of a notebook file (exercise skeletons included: "Run All" runs them too)."""
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


NOT_DONE = "Not done yet: replace each ... in this cell with your code, then run the cell again.\n"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_unfilled_exercise_skeletons_run_and_only_say_what_is_missing(path):
    """'Run All' goes through every skeleton: no error, no result printed from the unfilled `...`."""
    cells = nbformat.read(path, as_version=4).cells
    skeletons = [c for c in cells if "skeleton" in c.metadata.get("tags", [])]
    assert skeletons, "every notebook has a code challenge with a skeleton"
    for cell in skeletons:
        assert "..." in cell.source and "skip-execution" not in cell.metadata["tags"]
        texts = [o.get("text", "") for o in cell.outputs]
        assert texts == [NOT_DONE], f"a skeleton must only print what is missing, it printed {texts}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_solutions_stay_hidden_until_opened(path):
    """In JupyterLab a solution's code and output are collapsed (and on the website in a closed <details>)."""
    cells = nbformat.read(path, as_version=4).cells
    solutions = [c for c in cells if "solution" in c.metadata.get("tags", [])]
    assert solutions
    for cell in solutions:
        hidden = cell.metadata.get("jupyter", {})
        assert hidden.get("source_hidden") is True, cell.source[:60]
        if cell.cell_type == "code":
            assert hidden.get("outputs_hidden") is True, cell.source[:60]


def test_the_exercise_helper_says_what_is_missing(capsys):
    assert workshop.filled_in(1, "two") is True and capsys.readouterr().out == ""
    assert workshop.filled_in(1, ...) is False and capsys.readouterr().out == NOT_DONE


def test_the_six_lessons_are_there():
    assert len(NOTEBOOKS) >= 2
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(1, len(NOTEBOOKS) + 1)]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_come_from_one_real_run_in_order(path):
    counts = [c.execution_count for c in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), "run the notebook top to bottom: bash run.sh lesson"
    errors = [o for c in code_cells(path) for o in c.outputs if o.output_type == "error"]
    assert errors == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_first_output_says_which_profile_and_model_ran(path):
    texts = ["".join(o.get("text", "") for o in c.outputs) for c in code_cells(path)[:2]]
    banner = next((t.splitlines() for t in texts if t.startswith("Profile: offline")), None)
    assert banner, texts
    assert banner[1].startswith("Outputs below come from: MobileNet alpha=0.25 with real ImageNet weights")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_checked_cell_has_a_stored_output(path):
    checked = [c for c in code_cells(path) if "nbval-check-output" in c.metadata.get("tags", [])]
    assert len(checked) >= 2, "each notebook checks at least two of the lesson's claims"
    assert all(c.outputs for c in checked)


def output_texts(path):
    """Every text a notebook's stored outputs show: streams, text results, error tracebacks."""
    for cell in code_cells(path):
        for output in cell.outputs:
            yield output.get("text", "")
            yield output.get("data", {}).get("text/plain", "")
            yield "\n".join(output.get("traceback", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_outputs_hold_no_log_noise_or_machine_paths(path):
    lines = [line for text in output_texts(path) for line in text.splitlines()]
    noise = [line for line in lines if LOG_NOISE.match(line)]
    assert noise == [], f"TensorFlow log lines (execute with tools/run_notebooks.py): {noise[:2]}"
    paths = [line for line in lines if MACHINE_PATH.search(line)]
    assert paths == [], f"machine paths in the outputs: {paths[:2]}"


def test_the_log_filter_keeps_the_lesson_and_drops_the_noise():
    noise = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
             "I0000 00:00:1795565051.702435   11696 cpu_feature_guard.cc:227] This TensorFlow binary is optimized\n"
             "To enable the following instructions: AVX2 FMA, in other operations, rebuild TensorFlow with the "
             "appropriate compiler flags.\n")
    cells = [nbformat.v4.new_code_cell("import keras"), nbformat.v4.new_code_cell("model.fit()")]
    cells[0].outputs = [nbformat.v4.new_output("stream", name="stderr", text=noise)]
    cells[1].outputs = [nbformat.v4.new_output("stream", name="stderr", text=noise + "UserWarning: a real one\n"),
                        nbformat.v4.new_output("stream", name="stdout", text="Epoch 1/1\n")]
    cleaned = run_notebooks.without_log_lines(nbformat.v4.new_notebook(cells=cells))
    assert cleaned.cells[0].outputs == []
    assert [o.text for o in cleaned.cells[1].outputs] == ["UserWarning: a real one\n", "Epoch 1/1\n"]


SAVED_IN_HELPER = re.compile(r"# saved in the helper as workshop\.(\w+)\n")


def test_functions_taught_in_a_notebook_are_the_helpers_code():
    import inspect
    taught = {match[1]: cell.source[match.end():].strip() for path in NOTEBOOKS for cell in code_cells(path)
              for match in [SAVED_IN_HELPER.search(cell.source)] if match}
    assert "extract_features" in taught, "notebook 3 teaches extract_features"
    for name, source in taught.items():
        helper = inspect.getsource(getattr(workshop, name)).strip()
        assert source == helper, f"workshop.{name} is not the code its notebook teaches"


@pytest.mark.slow
def test_a_workshop_error_stops_the_run_with_its_message_only(notebook_file, capsys):
    path = notebook_file("09-stops.ipynb", "import workshop\n"
                         "raise workshop.MissingFilesError('The file x.h5 is not available.\\nTwo ways out: ...')")
    with pytest.raises(SystemExit) as stop:
        run_notebooks.main([path])
    message = str(stop.value)
    assert message.startswith("09-stops.ipynb stopped (MissingFilesError, the notebook was not saved):")
    assert message.endswith("The file x.h5 is not available.\nTwo ways out: ...")
    assert "Traceback" not in message + capsys.readouterr().out
    assert nbformat.read(path, as_version=4).cells[0].outputs == []  # not saved


def test_the_notebooks_share_one_worker_the_jax_runs_another_and_each_test_file_has_one():
    from conftest import worker_group
    assert {worker_group(nodeid) for nodeid in ["notebooks/03-transfer-learning.ipynb::Cell 5",
                                                 "notebooks/04-fine-tuning.ipynb::Cell 1"]} == {"notebooks"}
    assert {worker_group(nodeid) for nodeid in [
        "tests/test_jax_backend.py::test_notebook_passes_nbval_on_jax_without_tensorflow[03-transfer-learning]",
        "tests/test_saliency.py::test_grad_cam_gives_the_same_map_on_every_backend[jax]"]} == {"jax"}
    assert worker_group("tests/test_site.py::test_page_shows[index.html]") == "tests/test_site.py"
    assert worker_group("tests/test_saliency.py::test_grad_cam_on_the_dog_photo") == "tests/test_saliency.py"
