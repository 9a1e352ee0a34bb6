"""Build an instructors' kit: every weight file and dataset a profile needs, verified.

Usage: python tools/prefetch.py --profile full|offline|all --dest DIR [--no-download]
DIR gets the mirror layout (DIR/keras/models/<file>, DIR/data/<dataset>/...), so it can
be copied to a USB stick or a shared drive and used with WORKSHOP_MIRROR=DIR.
Each file is taken from DIR if it is already there and verified, else copied from the
mirror in WORKSHOP_MIRROR, else downloaded from its pinned public URL; every file is
checked against its sha256/md5 (workshop.check_file). Exits 1 if any file is missing.
"""
import argparse
import os
import shutil
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notebooks"))
import workshop  # noqa: E402


def wanted(profile):
    """(relative path in the kit, URL, expected hash) for every file a profile needs."""
    files = [(f"keras/models/{name}", *workshop.WEIGHTS[name]) for name in workshop.profile_files(profile)]
    return files + [(row["path"], row["url"], row["sha256"]) for row in workshop.data_registry()]


def fetch(relative, url, expected, dest, source, download):
    """Put one verified file at dest/relative; return None or the reason it is missing."""
    target = dest / relative
    if target.exists() and workshop.check_file(target, expected) is None:
        return None
    problems = []
    if source is not None and (source / relative).exists():
        problem = workshop.check_file(source / relative, expected)
        if problem is None:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / relative, target)
            return None
        problems.append(f"mirror copy {source / relative}: {problem}")
    elif source is not None:
        problems.append(f"not in the mirror {source}")
    if download:
        partial = target.with_name(target.name + ".part")
        partial.parent.mkdir(parents=True, exist_ok=True)
        try:
            urllib.request.urlretrieve(url, partial)
            problem = workshop.check_file(partial, expected)
        except OSError as error:
            problem = f"download from {url} failed: {error}"
        if problem is None:
            partial.replace(target)
            return None
        partial.unlink(missing_ok=True)
        problems.append(problem)
    else:
        problems.append("downloads switched off (--no-download) or no network")
    return "; ".join(problems)


def main(argv=None):
    """Fill the kit folder; print a summary and every missing file; exit 1 if any."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["full", "offline", "all"], default="all")
    parser.add_argument("--dest", type=Path, required=True, help="the kit folder to fill")
    parser.add_argument("--no-download", action="store_true", help="only copy from WORKSHOP_MIRROR")
    args = parser.parse_args(argv)
    source = workshop.mirror_folder()
    dest = args.dest.expanduser().resolve()
    download = not args.no_download and workshop.online()
    files = wanted(args.profile)
    print(f"Prefetch for the {args.profile!r} profile into {dest}: {len(files)} files "
          f"(source: {source or 'no mirror'}{', downloads' if download else ''})")
    missing = []
    for relative, url, expected in files:
        problem = fetch(relative, url, expected, dest, source, download)
        if problem:
            missing.append(relative)
            print(f"  MISSING {relative}: {problem}")
    print(f"{len(files) - len(missing)} of {len(files)} files present and verified in {dest}")
    if missing:
        sys.exit(f"prefetch: {len(missing)} file(s) missing (listed above). Run again online, "
                 "or point WORKSHOP_MIRROR at a folder that has them.")
    print(f"Done. On each learner's machine: WORKSHOP_MIRROR={dest}")


if __name__ == "__main__":
    main()
