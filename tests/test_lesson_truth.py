"""The lesson tells the truth on the page: prose agrees with the stored outputs beneath it.

Two kinds of checks, both able to fail:
* sentences found false in an independent read (issue 9) must not come back;
* every number in the prose is a lesson constant, is printed by the notebook itself, or is
  labelled with the model or profile it belongs to (CONTRIBUTING.md, "Truth on the page").
"""
import re

import nbformat
import pytest
import workshop

NOTEBOOKS = workshop.NOTEBOOKS

# (notebook prefix, pattern in the prose, why it is false). Found by reading each sentence
# against the output beneath it; a pattern here fails the test if the sentence returns.
KNOWN_FALSE = [
    ("05", r"sigmoid unit gives the probability", "on JAX and PyTorch a sigmoid head with binary_crossentropy "
           "saturates (loss stuck at 8.06): the head outputs a logit"),
    ("01", r"look at the first and the last line", "sits above the stand-in's summary offline"),
    ("03", r"same result,? many times faster", "one augmented copy is not fresh augmentation"),
    ("04", r"lower, more confident validation loss", "the stored validation loss rose"),
    ("05", r"seventh mixed block", "mixed0..mixed10: mixed7 ends the eighth"),
    ("05", r"over 38 million parameters", "only InceptionV3's head has that; offline prints another count"),
    ("05", r"a random 20 ?%", "each value is dropped independently with probability 0.2"),
    ("05", r"reduce it with a Dropout layer", "offline the measured effect of dropout is mixed"),
    ("06", r"\b1281 numbers", "offline the head has 257"),
    ("06", r"5 ?x ?5 grid of 1280", "offline the base prints (7, 7, 256)"),
    ("06", r"features are weaker", "never measured"),
    ("06", r"numbers that mean nothing", "measured: accuracy 0.89 -> 0.81 at 100 px"),
    ("*", r"(?<!not )checks the file'?s hash(?! only)(?!.*(VGG16|InceptionV3))",
     "Keras checks no hash for MobileNet / MobileNetV2"),
    ("*", r"fewer epochs where useful", "notebook 4 trains more epochs offline"),
    # Issue 18: stories of one run of the stand-in, and verdicts the outputs do not support.
    ("01", r"shows a case where resizing changes the top", "VGG16 keeps tiger_cat on top with either resizing"),
    ("02", r"sends the cat wherever", "the group door lets NVIDIA's sleeping cat out: say so"),
    ("03", r"never look at the test split", "the recipe was chosen on the test split (compare_recipes)"),
    ("04", r"fine-tuning helped", "the validation loss chose the kept epoch: it cannot judge fine-tuning"),
    ("04", r"no training and no choice in notebooks 3 and 4", "the recipe was chosen on the test split"),
    ("04", r"under a minute on a laptop CPU", "measured seconds depend on the CPU (AVX-512 or not)"),
    ("03", r"about 10 s on a 2-core CPU", "measured seconds depend on the CPU (AVX-512 or not)"),
    ("03", r"20 times longer per photo", "never measured"),
    ("04", r"takes about half a minute", "30-35 s only on the AVX-512 benchmark machine"),
    ("04", r"keeps all but one dog and every cat", "one run of one model"),
    ("04", r"In the offline run it is a black, curly-coated dog", "one run's story; the code shows the dog"),
    ("04", r"stored run over all 800 strangers", "the stored outputs use 200 strangers"),
    ("04", r"puts back the weights of the best\s+epoch it saw", "gives away the restore_best_weights question"),
    ("04", r"make fine-tuning give up sooner", "answered by the patience explanation before the question"),
    ("03", r"Notebook 4 lets that decide when to stop", "notebook 4 early-stops fine-tuning, not the head"),
    ("04", r"several times slower", "docs/benchmark.md: two to three times without AVX-512"),
    ("05", r"learns? its training photos by heart", "asserted, not shown: validation above training early"),
    ("05", r"full profile: 3\s+copies", "every profile makes one augmented copy"),
    ("05", r"full profile trains for 20 epochs", "InceptionV3's head trains for 5 epochs"),
    ("06", r"at least with the TensorFlow\s+backend", "measured: only TensorFlow accepts the wrong size silently"),
    ("02", r"nearest-neighbour resizing puts `?lynx`? on top", "the stand-in's flip told as the lesson's story"),
    ("02", r"cannot fix a wrong prediction", "it can make one worse: the group door opened for a cat"),
    ("01", r"and its predictions go wrong", "never measured for VGG16 without preprocess_input"),
    ("02", r"no (decision )?rule (that only reads its probabilities )?can rescue", "a group sum can rescue a cat"),
    ("02", r"Which photo does a door get wrong", "assumes a mistake; VGG16 may make none"),
    ("02", r"shows where VGG16's doors go wrong", "assumes VGG16's doors go wrong"),
    ("02", r"to a cat is the lean toward", "only when the top category is not a dog breed"),
    ("02", r"a more\s+hesitant photo can still tip, as in the question", "the question shows no resizing flip"),
    ("05", r"original lesson'?s 20", "the original lesson states no epoch count"),
    ("05", r"enough to see where its head stops improving", "seed 2 offline: lowest validation loss at the last epoch"),
    ("05", r"more training stops helping on new photos", "gives away the overfitting question"),
    ("05", r"the gap shrinks", "measured: the training-photo loss jumps too"),
    ("05", r"at most a third of the validation loss", "not what the measured runs show (0.02-0.15 vs 0.22-0.48)"),
    ("06", r"drops the optimizer from a\s+later", "Keras 3.15.1: a .keras save after an .h5 save keeps the optimizer"),
    ("06", r"lands a little above, another a little below", "offline, 98 % of random heads span 0.305-0.68"),
]
# Numbers the prose may state without pointing at an output: facts of ImageNet, the data
# and the lesson's fixed settings, the same in every profile and run.
LESSON_CONSTANTS = {
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "16", "19", "20", "32",
    "100", "1000", "151", "268", "281", "285", "118", "150", "160", "224", "299", "255",
    "138", "139", "168", "30", "13", "25", "800", "400", "0.5", "0.2", "0.1", "1.2", "1e-5", "0.0",
    "2009", "2017", "3", "95", "50", "70", "90",
}
# A sentence that names what it is about may state that thing's own numbers.
LABEL = re.compile(r"VGG16|InceptionV3|Inception|MobileNetV2|MobileNet|stand-in|full profile|offline|"
                   r"original course|original lesson|Keras 2|ImageNet|tools/\w+\.py", re.IGNORECASE)
NUMBER = re.compile(r"(?<![\w.\-/#`])\d[\d,]*(?:\.\d+)?(?![\w/]|\.\w)")
CODE = re.compile(r"`[^`]*`|\$[^$]*\$|\([^()]*\.(?:png|jpe?g|ipynb|md)\)|https?://\S+")


def markdown_cells(path):
    """(index, source) of every markdown cell of a notebook file."""
    notebook = nbformat.read(path, as_version=4)
    return [(i, c.source) for i, c in enumerate(notebook.cells) if c.cell_type == "markdown"]


def printed_text(path):
    """Everything the notebook's code cells printed or returned, as one string."""
    notebook = nbformat.read(path, as_version=4)
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def sentences(markdown):
    """Sentences of prose, with code spans, formulas, links to files and addresses removed."""
    text = CODE.sub(" ", markdown)
    return [s for s in re.split(r"(?<=[.!?:])\s+|\n\s*[*|-]", text) if s.strip()]


@pytest.mark.parametrize("prefix, pattern, why", KNOWN_FALSE, ids=lambda v: str(v)[:30])
def test_known_false_sentences_do_not_return(prefix, pattern, why):
    found = [f"{path.name} cell {i}" for path in NOTEBOOKS if prefix in ("*", path.name[:2])
             for i, source in markdown_cells(path) if re.search(pattern, source, re.IGNORECASE)]
    assert not found, f"{why}: {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_number_in_the_prose_is_printed_constant_or_labelled(path):
    printed = printed_text(path).replace(",", "")
    unsupported = []
    for index, source in markdown_cells(path):
        for sentence in sentences(source):
            if LABEL.search(sentence):
                continue
            for number in NUMBER.findall(sentence):
                plain = number.rstrip(",").replace(",", "")
                if plain in LESSON_CONSTANTS or plain in printed:
                    continue
                unsupported.append(f"cell {index}: {number!r} in {sentence.strip()[:90]!r}")
    assert not unsupported, ("numbers in the prose that no output prints and no label explains "
                             "(print them, point at the output, or label the profile/model):\n"
                             + "\n".join(unsupported))


def test_the_number_check_can_fail(tmp_path):
    """A made-up count in unlabelled prose is caught."""
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("The door let in 37 strangers."),
        nbformat.v4.new_code_cell("print(12)", outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="12\n")]),
    ])
    path = tmp_path / "99-made-up.ipynb"
    nbformat.write(notebook, path)
    with pytest.raises(AssertionError, match="37"):
        test_every_number_in_the_prose_is_printed_constant_or_labelled(path)


def code_cells(path):
    """The code cells of a notebook file."""
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_checked_cells_print_sentences_not_test_scaffolding(path):
    """What a learner reads under a checked claim is a sentence, never a bare `...: True`."""
    scaffolding = re.compile(r"(^|[:=]\s*)(True|False)\s*$", re.MULTILINE)
    found = [c.source.splitlines()[0] for c in code_cells(path)
             if "nbval-check-output" in c.metadata.get("tags", [])
             for o in c.get("outputs", []) if scaffolding.search(o.get("text", ""))]
    assert not found, f"print a sentence about the lesson instead of True/False: {found}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_path_in_every_learner_cell(path):
    """The lesson's own code in every cell (`keras.applications.VGG16(weights="imagenet")`): what a profile changes
    is chosen in one visible place, the setup cell (settings.pick / settings.epochs), and no cell branches on it."""
    sources = [c.source for c in code_cells(path)]
    setup_cells = [s for s in sources if "workshop.setup(" in s]
    assert len(setup_cells) == 1, "one setup cell"
    choices = [s.splitlines()[0] for s in sources if re.search(r"settings\.(pick|epochs)\(", s) and s not in setup_cells]
    assert not choices, f"settings.pick/epochs only in the setup cell: {choices}"
    branches = [line.strip() for s in sources for line in s.splitlines()
                if re.search(r"\b(if|elif|else)\b.*settings\.|settings\.(offline|weights)\b|workshop\.stand_in", line)]
    assert not branches, f"a learner cell branches on the profile: {branches}"
    assert any('weights="imagenet"' in s for s in sources if "keras.applications." in s), "the lesson's model call"
