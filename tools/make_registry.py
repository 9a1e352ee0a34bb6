"""Write data/registry.tsv (path, sha256, public URL, licence) from a mirror's MANIFEST.tsv.

Usage: python tools/make_registry.py ../shared/MANIFEST.tsv
Only metadata is written; the images themselves are never committed.
"""
import csv
import sys
from pathlib import Path

RAW = "https://raw.githubusercontent.com/{source_repo}/{source_commit}/{source_path}"


def main(manifest):
    """Keep the data/ rows of the manifest and give each its pinned public URL."""
    with open(manifest, newline="") as stream:
        rows = [r for r in csv.DictReader(stream, delimiter="\t") if r["path_in_shared"].startswith("data/")]
    out = Path(__file__).resolve().parent.parent / "data" / "registry.tsv"
    with open(out, "w", newline="") as stream:
        writer = csv.writer(stream, delimiter="\t", lineterminator="\n")
        writer.writerow(["path", "sha256", "url", "licence"])
        for r in sorted(rows, key=lambda r: r["path_in_shared"]):
            writer.writerow([r["path_in_shared"], r["sha256"], RAW.format(**r), r["licence_attribution"]])
    print(f"wrote {len(rows)} rows to {out}")


if __name__ == "__main__":
    main(sys.argv[1])
