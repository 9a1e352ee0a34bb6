"""Build an instructors' kit: every weights file and photo a profile needs, verified.

Usage: python tools/prefetch.py --profile full|offline|all --dest DIR [--no-download]
DIR gets the mirror layout (DIR/keras/models/<file>, DIR/data/<dataset>/...), so it can be
copied to a USB stick or a shared drive and used with WORKSHOP_MIRROR=DIR. Each file is fetched
the way setup() fetches it (workshop.files.fetch): kept if already in DIR and verified, else copied
from the mirror in WORKSHOP_MIRROR, else downloaded from its public URL; every file is checked
against its hash in data/registry.tsv. Exits 1 if any file is missing.
"""
import argparse
import sys
from pathlib import Path

# The one tool that runs before any environment exists, on any Python with NumPy (an instructor's kit, the GPU
# workflow's first step): the helper from beside it, not from the editable install.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notebooks"))
from workshop import files, profiles  # noqa: E402


def lesson_files(profile):
    """The registered weights files every notebook needs in a profile ("all": full and offline)."""
    profiles_wanted = ["full", "offline"] if profile == "all" else [profile]
    names = {n for p in profiles_wanted for m in files.LESSON_MODELS for n in profiles.model_files(m, p)}
    return [files.entry(n) for n in sorted(names)]


def main(argv=None):
    """Fill the kit folder; print a summary and every missing file; exit 1 if any."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["full", "offline", "all"], default="all")
    parser.add_argument("--dest", type=Path, required=True, help="the kit folder to fill")
    parser.add_argument("--no-download", action="store_true", help="only copy from WORKSHOP_MIRROR")
    args = parser.parse_args(argv)
    source = files.mirror_folder()
    dest = args.dest.expanduser().resolve()
    rows = lesson_files(args.profile) + [r for p, r in files.registry().items() if p.startswith("data/")]
    print(f"Prefetch for the {args.profile!r} profile into {dest}: {len(rows)} files "
          f"(source: {source or 'no mirror'}{'' if args.no_download else ', downloads'})")
    missing = []
    for row in rows:
        try:
            files.fetch(row, source, into=dest, download=not args.no_download)
        except files.MissingFilesError as error:
            missing.append(row.path)
            print(f"  MISSING {row.path}: {'; '.join(error.problems)}")
    print(f"{len(rows) - len(missing)} of {len(rows)} files present and verified in {dest}")
    if missing:
        sys.exit(f"prefetch: {len(missing)} file(s) missing (listed above). Run again online, "
                 "or point WORKSHOP_MIRROR at a folder that has them.")
    print(f"Done. On each learner's machine: WORKSHOP_MIRROR={dest}")


if __name__ == "__main__":
    main()
