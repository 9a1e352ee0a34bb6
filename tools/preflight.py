"""Check, without downloading anything, that this machine is ready for the workshop.

Usage: python tools/preflight.py [--profile full|offline]
Prints one screen (TensorFlow/Keras versions, GPU or CPU, weights and data for the
profile, and what to do about each missing piece); exits 1 when something is missing.
The mirror folder comes from WORKSHOP_MIRROR, the profile by default from WORKSHOP_PROFILE.
In a notebook: `import workshop; workshop.preflight("offline")`.
"""
import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "notebooks"))
import workshop  # noqa: E402


def main(argv=None):
    """Print the preflight screen; exit 0 when ready, 1 when something is missing."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=["full", "offline"],
                        default=os.environ.get("WORKSHOP_PROFILE", "full"))
    args = parser.parse_args(argv)
    try:
        ready = workshop.preflight(args.profile)
    except workshop.WorkshopError as error:
        sys.exit(f"preflight: {error}")
    sys.exit(0 if ready else 1)


if __name__ == "__main__":
    main()
