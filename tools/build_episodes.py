"""Build the lesson website's episodes and figures from the executed notebooks.

Usage: python tools/build_episodes.py [notebooks/NN-name.ipynb ...] [--out DIR]
Writes DIR/_episodes/NN-name.md and DIR/fig/NN-name-<k>.png (DIR defaults to the
repository root). Everything comes from the notebook file as stored: the same
notebook always gives byte-identical episodes and figures.

Notebook conventions (see CONTRIBUTING.md):
* notebook metadata `episode`: title, teaching, exercises, questions, objectives, keypoints;
* the setup cell's output names the profile and the model behind the outputs
  (`Profile: <name> -- <description>` and `Outputs below come from: <text>`): they go into
  the front matter (`profile`, `outputs_from`), and the site shows them as a banner;
* the notebook's title heading (`# ...`) is left out (the page shows the title), and so are
  the "Open in Colab" badge cell (the page links to Colab from `_config.yml`'s `repository`)
  and a closing "## Key points" cell that is only a list (the page shows `keypoints`);
* markdown tagged `challenge` becomes a challenge block: an exercise, or a formative question
  when its title starts with "Question" (then also styled `.question`); the cells tagged
  `solution` right after it (code or markdown) become its solution, a `<details>` block that
  stays closed until clicked; `callout` becomes a callout;
* a code cell's metadata `alt` (a string, or one string per image) gives the images'
  alt text; otherwise it comes from the figure's title in the code, the photo's file
  name, or the preceding markdown cell.
"""
import argparse
import base64
import html
import json
import re
import sys
from pathlib import Path

import nbformat

from workshop import NOTEBOOKS, ROOT  # the one notebook list
RUNTIMES = ROOT / "docs" / "runtimes.json"  # each notebook's measured run time (tools/time_lesson.py --record)
FRONT_MATTER = ("title", "teaching", "exercises", "questions", "objectives", "keypoints")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# TensorFlow/absl/oneDNN/CUDA log lines that a notebook run writes to stderr.
LOG_NOISE = re.compile(
    r"^(WARNING: All log messages before absl|[IWEF]\d{4} \d\d:\d\d:\d\d|"
    r"To enable the following instructions|E0000 |W0000 |I0000 |"
    r".*(oneDNN|TF_ENABLE_ONEDNN_OPTS|cuda_|cuDNN|cuFFT|cuBLAS|TensorRT|computation placer))")
TITLE_IN_CODE = re.compile(r"""(?:\btitle\(|\btitle=|suptitle\()\s*f?["']([^"']+)["']""")
PHOTO_IN_CODE = re.compile(r"""["']([\w.-]+\.(?:jpe?g|png|gif|bmp))["']""", re.IGNORECASE)
# Alt text for the figures of workshop.py's plotting helpers (their titles are not in the cell).
HELPER_FIGURES = {
    "show_augmentations": "One training photo and several randomly augmented copies of it",
    "plot_training_curves": "Training and validation loss and accuracy, epoch by epoch",
    "plot_runs": "Training and validation curves of several runs compared",
    "show_saliency": "A photo beside the same photo with its Grad-CAM heatmap",
}
# Timings differ on every run and machine: the episode shows "…" instead, so a rebuild has no diff.
TIMINGS = [
    (re.compile(r"(\d+/\d+) - \d+s - \d+(?:\.\d+)?[mµu]?s/step"), r"\1"),  # Keras fit(verbose=2)
    (re.compile(r"\b(in|took) \d+(?:\.\d+)? (s|ms|seconds|min)\b"), r"\1 … \2"),  # "trained in 2.9 s"
]
SETUP_CELL_MARK = "colab-setup"  # metadata "workshop" of the synced Colab cell: plumbing, not lesson
BADGE_CELL_MARK = "colab-badge"  # metadata "workshop" of the badge cell: the page has its own links
# What setup() prints first: the profile, and (newer helper) the model behind the outputs.
PROFILE_LINE = re.compile(r"^Profile: (?P<name>[\w-]+) -- (?P<description>.+?)\s*$", re.MULTILINE)
OUTPUTS_LINE = re.compile(r"^Outputs below come from: (?P<text>.+?)\s*$", re.MULTILINE)
# The notebook's closing "## Key points" cell repeats the `keypoints` metadata, which the page shows.
KEY_POINTS_HEADING = re.compile(r"#{1,3}\s*Key points\s*", re.IGNORECASE)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


class EpisodeError(Exception):
    """A notebook that cannot become an episode, with what to fix."""


# ----------------------------------------------------------------------------
# Front matter
# ----------------------------------------------------------------------------
def front_matter(notebook, name):
    """The Carpentries YAML header from the notebook's `episode` metadata and its setup output;
    fail loudly if incomplete."""
    episode = notebook.metadata.get("episode")
    if not isinstance(episode, dict):
        raise EpisodeError(f"{name}: notebook metadata has no 'episode' entry ({', '.join(FRONT_MATTER)}).")
    missing = [key for key in FRONT_MATTER if not episode.get(key)]
    if missing:
        raise EpisodeError(f"{name}: episode metadata lacks {', '.join(missing)}.")
    if "FIX" in json.dumps(episode):
        raise EpisodeError(f"{name}: episode metadata still contains 'FIX'; write the real text.")
    for key in ("teaching", "exercises"):
        if not isinstance(episode[key], int):
            raise EpisodeError(f"{name}: episode '{key}' must be a whole number of minutes.")
    lines = ["---", f"title: {_quote(episode['title'])}",
             f"teaching: {episode['teaching']}", f"exercises: {episode['exercises']}"]
    for key in ("questions", "objectives", "keypoints"):
        lines.append(f"{key}:")
        lines += [f"- {_quote(item)}" for item in episode[key]]
    profile, outputs_from = outputs_source(notebook, name)
    lines += [f"notebook: {_quote('notebooks/' + name + '.ipynb')}",
              f"profile: {_quote(profile)}", f"outputs_from: {_quote(outputs_from)}"]
    runtimes = json.loads(RUNTIMES.read_text()) if RUNTIMES.exists() else {}
    for key in ("full_cpu", "offline_cpu", "full_gpu"):  # measured by tools/time_lesson.py --record
        seconds = runtimes.get(key, {}).get("seconds", {}).get(name)
        if seconds is not None:
            lines.append(f"runtime_{key}: {seconds}")
    return "\n".join(lines + ["---", ""])


def outputs_source(notebook, name):
    """(profile, the model behind the outputs) as the notebook's setup cell printed them.

    The helper prints `Profile: <name> -- <description>` and then `Outputs below come from: <text>`."""
    for cell in notebook.cells:
        text = "".join(output.get("text", "") for output in cell.get("outputs", [])
                       if output.get("output_type") == "stream" and output.get("name") == "stdout")
        profile = PROFILE_LINE.search(ANSI.sub("", text))
        outputs = OUTPUTS_LINE.search(ANSI.sub("", text))
        if cell.cell_type == "code" and profile and outputs:
            return profile["name"], outputs["text"]
    raise EpisodeError(f"{name}: no setup output 'Profile: ...' and 'Outputs below come from: ...' found: execute the notebook "
                       "(bash run.sh lesson) so that its outputs, and the model behind them, are known.")


def _quote(text):
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(text), ensure_ascii=False)


# ----------------------------------------------------------------------------
# Cells
# ----------------------------------------------------------------------------
def fenced(text, style):
    """A Carpentries code block: ~~~ fence and a kramdown style class."""
    fence = "~~~~" if "~~~" in text else "~~~"
    return f"{fence}\n{text.rstrip()}\n{fence}\n{{: .{style}}}\n"


def clean_stderr(text):
    """Stderr without TensorFlow's log noise."""
    return "".join(line for line in text.splitlines(keepends=True) if not LOG_NOISE.match(line))


def mask_timings(text):
    """Replace run-dependent timings ("in 2.9 s", "5ms/step") with a stable mark."""
    for pattern, replacement in TIMINGS:
        text = pattern.sub(replacement, text)
    return text


def output_texts_and_images(cell):
    """A cell's outputs as a list of ('text', str) and ('image', bytes) in order."""
    items = []
    for output in cell.get("outputs", []):
        kind = output.output_type
        if kind == "stream":
            text = output.text if output.name == "stdout" else clean_stderr(output.text)
            items.append(("text", mask_timings(ANSI.sub("", text))))
        elif kind in ("display_data", "execute_result"):
            data = output.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                items.append(("text", "(an interactive widget: open the notebook to use it)\n"))
            elif "image/png" in data:
                items.append(("image", base64.b64decode(data["image/png"])))
            elif "text/plain" in data:  # rich tables (model.summary) keep their text form
                items.append(("text", ANSI.sub("", data["text/plain"]).rstrip("\n") + "\n"))
        elif kind == "error":
            items.append(("text", f"{output.ename}: {ANSI.sub('', output.evalue)}\n"))
    return items


class Episode:
    """The Markdown and figures of one notebook, built cell by cell."""

    def __init__(self, notebook, stem):
        self.notebook, self.stem = notebook, stem
        self.figures = {}  # file name -> PNG bytes
        self.last_markdown = ""
        self.title_seen = False  # the first `# ` heading is the page title

    def markdown(self):
        """The whole episode: front matter, then every cell in order."""
        parts, cells, i = [front_matter(self.notebook, self.stem)], self.notebook.cells, 0
        while i < len(cells):
            cell, tags = cells[i], cells[i].metadata.get("tags", [])
            if cell.metadata.get("workshop") == BADGE_CELL_MARK:
                pass  # the page links to the notebook and to Colab itself
            elif cell.cell_type == "markdown" and is_key_points_list(cell.source):
                pass  # the page shows the front matter's keypoints (the same list) in its own box
            elif cell.cell_type == "markdown" and "challenge" in tags:
                skeletons, solutions = [], []  # the learner's prepared cell(s), then the hidden answer
                while i + 1 < len(cells) and "skeleton" in cells[i + 1].metadata.get("tags", []):
                    i += 1
                    skeletons.append(cells[i])
                while i + 1 < len(cells) and "solution" in cells[i + 1].metadata.get("tags", []):
                    i += 1
                    solutions.append(cells[i])
                parts.append(self.challenge(cell, skeletons, solutions))
            elif cell.cell_type == "markdown" and "callout" in tags:
                parts.append(self.boxed(cell.source, "callout", "Callout"))
            elif cell.cell_type == "markdown":
                parts.append(self.prose(cell.source))
            elif cell.cell_type == "code" and cell.metadata.get("workshop") != SETUP_CELL_MARK:
                parts.append(self.code(cell))
            if cell.cell_type == "markdown":
                self.last_markdown = cell.source
            i += 1
        return "\n".join(part for part in parts if part.strip())

    def prose(self, source):
        """A markdown cell as it stands, less the notebook's title: the first `# ` heading is the
        page's title (shown by the layout), any later one becomes `## ` so headings stay in order."""
        lines, in_fence = source.rstrip().splitlines(), None
        for n, line in enumerate(lines):
            fence = re.match(r"^\s*(`{3,}|~{3,})", line)
            if fence and (in_fence is None or fence[1].startswith(in_fence)):
                in_fence = None if in_fence else fence[1]
            elif in_fence is None and line.startswith("# "):
                lines[n] = None if not self.title_seen else "#" + line
                self.title_seen = True
        return "\n".join(line for line in lines if line is not None).strip("\n") + "\n"

    def code(self, cell):
        """A code cell's source block, then its outputs (text blocks and figures)."""
        blocks = [fenced(cell.source, "language-python")] if cell.source.strip() else []
        items = output_texts_and_images(cell)
        images = sum(kind == "image" for kind, _ in items)
        pending, k = "", 0
        for kind, value in items + [("end", None)]:
            if kind == "text":
                pending += value
                continue
            if pending.strip():
                blocks.append(fenced(pending, "output"))
            pending = ""
            if kind == "image":
                k += 1
                blocks.append(self.figure(cell, value, k, images))
        return "\n".join(blocks)

    def figure(self, cell, png, k, count):
        """Write a figure under a stable name and return its Markdown image with alt text."""
        name = f"{self.stem}-{len(self.figures) + 1}.png"
        self.figures[name] = png
        alt = alt_text(cell, k, count, self.last_markdown) or f"Figure {len(self.figures)} of {self.stem}"
        return f"![{alt}](../fig/{name})\n"

    def challenge(self, cell, skeletons, solutions):
        """A challenge block (an exercise or a formative question): the task, the code skeleton the
        learner fills in, and the solution as a `<details>` block, closed until the reader clicks it."""
        inner = cell.source.rstrip() + "\n"
        for skeleton in skeletons:
            inner += "\n" + fenced(skeleton.source, "language-python")
        if solutions:
            inner += "\n" + self.solution(solutions)
        heading = HEADING.match(inner.splitlines()[0])
        question = heading and re.match(r"question\b", heading[2], re.IGNORECASE)
        return self.boxed(inner, "challenge question" if question else "challenge", "Challenge")

    def solution(self, cells):
        """The solution cells (code with outputs, or markdown) in a closed `<details>` block.
        A markdown solution's first heading becomes the summary ("Solution: ...")."""
        summary, parts = "Solution", []
        for cell in cells:
            if cell.cell_type == "code":
                parts.append(self.code(cell))
                continue
            lines = cell.source.strip().splitlines()
            heading = HEADING.match(lines[0]) if lines else None
            if heading and not parts and summary == "Solution":
                summary, lines = heading[2], lines[1:]
            parts.append("\n".join(lines).strip("\n") + "\n")
            self.last_markdown = cell.source
        summary = summary if summary.lower().startswith("solution") else f"Solution: {summary}"
        body = "\n".join(part for part in parts if part.strip())
        return (f'<details class="solution" markdown="1">\n<summary>{html.escape(summary)}</summary>\n\n'
                f"{body.rstrip()}\n\n</details>\n")

    @staticmethod
    def boxed(text, style, default_title):
        """Quote a block for a Carpentries style; its first heading becomes the `## ` title."""
        lines = text.rstrip().splitlines()
        if lines and lines[0].startswith("#"):
            lines[0] = "## " + lines[0].lstrip("#").strip()
        else:
            lines = [f"## {default_title}", ""] + lines
        quoted = [("> " + line) if line else ">" for line in lines]
        classes = " ".join("." + name for name in style.split())
        return "\n".join(quoted + [f"{{: {classes}}}", ""])


def is_key_points_list(markdown):
    """True for a cell that is only a "Key points" heading and a bulleted list."""
    lines = [line for line in markdown.strip().splitlines() if line.strip()]
    return bool(lines) and KEY_POINTS_HEADING.fullmatch(lines[0].strip()) is not None and all(
        re.match(r"([*-] |\s+\S)", line) for line in lines[1:])


def alt_text(cell, k, count, previous_markdown):
    """Alt text for the k-th of `count` images of a cell; never empty."""
    alt = cell.metadata.get("alt")
    if isinstance(alt, list) and alt:
        alt = alt[min(k, len(alt)) - 1]
    if not alt:
        titles = [t for t in TITLE_IN_CODE.findall(cell.source) if "{" not in t]  # an f-string's is not the title shown
        photos = PHOTO_IN_CODE.findall(cell.source)
        helpers = [text for name, text in HELPER_FIGURES.items() if f"{name}(" in cell.source]
        if titles:
            alt = titles[min(k, len(titles)) - 1]
        elif helpers:
            alt = helpers[0]
        elif photos:
            alt = f"The photo {photos[min(k, len(photos)) - 1]}"
        else:
            alt = _first_sentence(previous_markdown)
        if count > 1 and not (titles and len(titles) >= count) and not (photos and len(photos) >= count):
            alt += f" (image {k} of {count})"
    return re.sub(r"[\[\]\n]+", " ", str(alt)).strip()


def _first_sentence(markdown):
    """A markdown cell's heading and first sentence, without markup."""
    lines = [line.strip() for line in markdown.splitlines() if line.strip()]
    heading = lines.pop(0).strip("# ") if lines and lines[0].startswith("#") else ""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", " ".join(lines))
    text = re.sub(r"[`*]|(?<!\w)_|_(?!\w)", "", text)
    sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0][:150].rstrip(":")
    return ": ".join(part for part in (heading, sentence) if part)


# ----------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------
def build(path, out=ROOT):
    """Write one notebook's episode and figures under `out`; return the paths written."""
    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    episode = Episode(notebook, path.stem)
    text = episode.markdown()
    episodes, figs = Path(out) / "_episodes", Path(out) / "fig"
    episodes.mkdir(parents=True, exist_ok=True)
    figs.mkdir(parents=True, exist_ok=True)
    for old in figs.glob(f"{path.stem}-*.png"):  # figures of an earlier run of this notebook
        if re.fullmatch(rf"{re.escape(path.stem)}-\d+\.png", old.name) and old.name not in episode.figures:
            old.unlink()
    written = [episodes / f"{path.stem}.md"]
    written[0].write_text(text, encoding="utf-8")
    for name, png in episode.figures.items():
        (figs / name).write_bytes(png)
        written.append(figs / name)
    return written


def main(argv=None):
    """Build the episodes of the given notebooks (default: all)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT, help="folder for _episodes/ and fig/")
    args = parser.parse_args(argv)
    paths = args.notebooks or NOTEBOOKS
    try:
        for path in paths:
            written = build(path, args.out)
            print(f"  episode {written[0].name}: {len(written) - 1} figure(s)")
    except EpisodeError as error:
        sys.exit(f"build_episodes: {error}")


if __name__ == "__main__":
    main()
