"""Rebuild the photo rows of data/registry.tsv (path, hash, public URL, licence) from a mirror's MANIFEST.tsv.

Usage: python tools/make_registry.py ../shared/MANIFEST.tsv
The weights rows (keras/models/...) are kept as they are: their URLs and hashes are Keras' own; so are the
archive rows (archives/<dataset>.zip: one download for a whole dataset, see notebooks/workshop/download.py).
Only metadata is written; the images themselves are never committed.
"""
import csv
import sys

from workshop.files import REGISTRY

RAW = "https://raw.githubusercontent.com/{source_repo}/{source_commit}/{source_path}"


def main(manifest):
    """Keep the weights and archive rows; write one row per data/ file of the manifest, with its pinned URL."""
    with open(REGISTRY, newline="") as stream:
        kept = [r for r in csv.DictReader(stream, delimiter="\t") if not r["path"].startswith("data/")]
    with open(manifest, newline="") as stream:
        rows = [r for r in csv.DictReader(stream, delimiter="\t") if r["path_in_shared"].startswith("data/")]
    with open(REGISTRY, "w", newline="") as stream:
        writer = csv.writer(stream, delimiter="\t", lineterminator="\n")
        writer.writerow(["path", "hash", "url", "licence"])
        writer.writerows([r["path"], r["hash"], r["url"], r["licence"]] for r in kept)
        for r in sorted(rows, key=lambda r: r["path_in_shared"]):
            writer.writerow([r["path_in_shared"], r["sha256"], RAW.format(**r), r["licence_attribution"]])
    print(f"wrote {len(kept)} weights and archive rows and {len(rows)} data rows to {REGISTRY}")


if __name__ == "__main__":
    main(sys.argv[1])
