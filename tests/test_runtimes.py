"""The schedule's run times come from one measurement (tools/time_lesson.py --record -> docs/runtimes.json).

The full profile's compute must fit a workshop on a laptop CPU: each notebook at most 5 minutes,
the whole lesson at most 10 (issue "full profile"). This checks the recorded measurement, and that
the instructor notes and the episodes' front matter show exactly those numbers.
"""
import json
import re
from pathlib import Path

import pytest
import yaml

import workshop
from workshop import ROOT

RUNTIMES = json.loads((ROOT / "docs" / "runtimes.json").read_text())
STEMS = [path.stem for path in workshop.NOTEBOOKS]


@pytest.mark.parametrize("key", ["full_cpu", "offline_cpu"])
def test_every_notebook_was_timed_with_its_machine_named(key):
    record = RUNTIMES[key]
    assert sorted(record["seconds"]) == STEMS, "time the whole lesson: python tools/time_lesson.py --record"
    assert re.search(r"\d+ cores (with|without) AVX-512", record["machine"]) and record["date"]


def test_the_full_profile_fits_a_laptop_cpu():
    seconds = RUNTIMES["full_cpu"]["seconds"]
    too_slow = {name: s for name, s in seconds.items() if s > 300}
    assert not too_slow, f"more than 5 minutes of compute: {too_slow}"
    assert sum(seconds.values()) <= 600, f"the whole lesson takes {sum(seconds.values())} s, more than 10 minutes"


def schedule_rows():
    """{notebook number: the row's cells} of the schedule table in docs/instructors.md."""
    text = (ROOT / "docs" / "instructors.md").read_text()
    section = text.split("## Schedule", 1)[1]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\|\s*(\d\d) ", line)
        if match:
            rows[match[1]] = [cell.strip() for cell in line.strip("|").split("|")]
    return rows


@pytest.mark.parametrize("stem", STEMS)
def test_the_instructor_notes_show_the_measured_times_and_the_front_matter_minutes(stem):
    row = schedule_rows()[stem[:2]]
    metadata = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text())["metadata"]["episode"]
    assert row[1] == str(metadata["teaching"]) and row[2] == str(metadata["exercises"])
    assert f"{RUNTIMES['offline_cpu']['seconds'][stem]} s" in row[3]
    assert f"{RUNTIMES['full_cpu']['seconds'][stem]} s" in row[4]


@pytest.mark.parametrize("stem", STEMS)
def test_the_episode_page_carries_the_measured_times(stem):
    text = (ROOT / "_episodes" / f"{stem}.md").read_text()
    front = yaml.safe_load(text.split("---")[1])
    assert front["runtime_full_cpu"] == RUNTIMES["full_cpu"]["seconds"][stem]
    assert front["runtime_offline_cpu"] == RUNTIMES["offline_cpu"]["seconds"][stem]
