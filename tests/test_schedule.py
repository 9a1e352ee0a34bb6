"""The schedule comes from the text: each episode's minutes are computed from its notebook, and the core fits a day.

The formula (docs/instructors.md, "How the minutes are computed"): prose read at 130 words a minute, 20 seconds for
every line of code typed and explained (not an exercise's skeleton or solution: the exercise minutes cover
those; nor the Colab bootstrap cell, which learners are given), plus the cells' run time on a laptop CPU (docs/runtimes.json, full
profile); exercises 5 minutes for a question, 10 for a code challenge. Notebooks 1-4 are the core day; 5 and 6 are
the second half-day. Run `python tests/test_schedule.py` to write the computed minutes into the notebooks'
metadata (the episode pages and the website's schedule read them there).
"""
import json
import math
import re
import sys
from pathlib import Path

import nbformat
import pytest

from workshop import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
CORE = [path for path in NOTEBOOKS if path.name[:2] in ("01", "02", "03", "04")]
# The core day: 09:00 to 15:00 (6 hours), of which a welcome and machine check (15 min), two breaks (15 min each),
# lunch (45 min) and the closing questions (10 min) are not episodes.
DAY, NOT_EPISODES = 6 * 60, 15 + 15 + 45 + 15 + 10
HALF_DAY, HALF_DAY_BREAKS = 4 * 60, 15 + 15  # the second half-day: notebooks 5 and 6, one break, a closing


def typed_in_exercises_or_given(cell):
    """An exercise's skeleton or hidden solution (its minutes are the exercise's), or the Colab bootstrap cell."""
    return bool({"skeleton", "solution"} & set(cell.metadata.get("tags", []))) or \
        cell.metadata.get("workshop") == "colab-setup"


def minutes(path):
    """(teaching, exercises) minutes of a notebook, by the formula above."""
    cells = nbformat.read(path, as_version=4).cells
    words = sum(len(re.findall(r"\S+", c.source)) for c in cells if c.cell_type == "markdown")
    code_lines = sum(1 for c in cells if c.cell_type == "code" and not typed_in_exercises_or_given(c)
                     for line in c.source.splitlines() if line.strip())
    runtime = json.loads((ROOT / "docs" / "runtimes.json").read_text())["full_cpu"]["seconds"][path.stem]
    challenges = [c.source for c in cells if "challenge" in c.metadata.get("tags", [])]
    exercises = sum(5 if re.match(r"#+\s*Question", source) else 10 for source in challenges)
    return math.ceil(words / 130 + code_lines * 20 / 60 + runtime / 60), exercises


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_the_episode_minutes_are_the_formulas(path):
    episode = nbformat.read(path, as_version=4).metadata["episode"]
    assert (episode["teaching"], episode["exercises"]) == minutes(path), "python tests/test_schedule.py writes them"


def test_the_core_fits_a_six_hour_day_with_its_breaks():
    core = sum(sum(minutes(path)) for path in CORE)
    assert core <= DAY - NOT_EPISODES, f"notebooks 1-4 need {core} min; the day has {DAY - NOT_EPISODES}"


def test_the_rest_fits_a_half_day_and_says_it_is_the_second_half():
    rest = [path for path in NOTEBOOKS if path not in CORE]
    assert sum(sum(minutes(path)) for path in rest) <= HALF_DAY - HALF_DAY_BREAKS
    for path in rest:
        assert "second half-day" in nbformat.read(path, as_version=4).cells[1].source.lower(), path.name


def test_the_formula_counts_what_it_says(tmp_path):
    """260 words, 6 code lines, one question and one code challenge: 2 + 2 min (+ run time), 15 min."""
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell(" ".join(["word"] * 260)),
        nbformat.v4.new_code_cell("a = 1\n\nb = 2\nc = 3\nd = 4\ne = 5\nf = 6"),
        nbformat.v4.new_code_cell("g = 7", metadata={"tags": ["solution"]}),  # exercise time, not teaching
        nbformat.v4.new_markdown_cell("### Question: why?", metadata={"tags": ["challenge"]}),
        nbformat.v4.new_markdown_cell("### Challenge: do it", metadata={"tags": ["challenge"]})])
    path = tmp_path / f"{NOTEBOOKS[0].stem}.ipynb"  # a name with a recorded run time
    nbformat.write(notebook, path)
    runtime = json.loads((ROOT / "docs" / "runtimes.json").read_text())["full_cpu"]["seconds"][path.stem]
    assert minutes(path) == (math.ceil(2 + 2 + runtime / 60), 15)


def timetable(heading):
    """[(minutes since midnight, what, minutes)] of a timetable in docs/instructors.md, and its end time."""
    section = (ROOT / "docs" / "instructors.md").read_text().split(heading, 1)[1].split("\n### ", 1)[0]
    rows = re.findall(r"^\| (\d\d):(\d\d) \| (.*?) \|$", section, re.M)
    slots = [(int(h) * 60 + int(m), what) for h, m, what in rows]
    return [(start, what, int(re.search(r"\((\d+) min", what)[1])) for start, what in slots[:-1]], slots[-1][0]


@pytest.mark.parametrize("heading, paths, end", [("### The core day", CORE, 15 * 60),
                                                 ("### The second half-day", NOTEBOOKS[4:], 13 * 60)])
def test_the_timetables_add_up_to_the_formulas_minutes(heading, paths, end):
    slots, finish = timetable(heading)
    for (start, what, length), following in zip(slots, [s[0] for s in slots[1:]] + [finish]):
        assert start + length == following, f"{what}: its next row should start at {start + length}"
    episodes = {what[:2]: length for _, what, length in slots if what[:2].isdigit()}
    assert episodes == {path.name[:2]: sum(minutes(path)) for path in paths}
    assert finish <= end


if __name__ == "__main__":
    for path in [Path(p) for p in sys.argv[1:]] or NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        notebook.metadata["episode"]["teaching"], notebook.metadata["episode"]["exercises"] = minutes(path)
        nbformat.write(notebook, path)
        print(path.name, *minutes(path))
