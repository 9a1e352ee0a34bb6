"""Downloads that survive a room's network: retries honouring Retry-After, timeouts, progress, archives.

`files.fetch` calls `download(row, target)` when neither the cache nor a mirror has a verified copy.
A dataset with a registry row `archives/<dataset>.zip` comes from that one archive (once per kernel),
each registered member checked against its own hash; a member missing or failing comes from its own URL.
Every download goes to <file>.part, resumes from there, and is renamed only once it passes its check.
Standard library only: CONTRIBUTING.md ("Downloads") says why not pooch or keras.utils.get_file.
"""
import email.utils
import http.client
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from . import files

ATTEMPTS, BACKOFF, MAX_WAIT = 5, 2.0, 120.0  # tries per file; first wait, then doubled; longest wait (s)
TIMEOUT = 30.0  # seconds without a byte before an attempt is given up
PROGRESS_FROM = 5_000_000  # bytes: a bigger download shows one progress line, rewritten in place
_archives = {}  # (archive URL, folder) -> None, or why it could not be used


def download(row, target):
    """Put the registered file `row` at target (its dataset's archive first); None or why it failed."""
    problems = []
    archive = files.registry().get(f"archives/{row.path.split('/')[1]}.zip")
    if archive is not None and row.path.startswith("data/"):
        key = (archive.url, target.parents[row.path.count("/")])  # target is <folder>/<row.path>
        if key not in _archives:
            _archives[key] = _unpack(archive, key[1])
        if target.exists():
            return None
        problems.append(_archives[key] or f"{archive.url}: its copy is missing or failed its check")
    problem = get(row.url, target, row.hash)
    return None if problem is None else "; then ".join(problems + [problem])


def _unpack(archive, folder):
    """Download an archive, extract each registered member of its dataset not yet verified in folder."""
    dataset = Path(archive.path).stem
    zipped = folder / "data" / f"{dataset}.zip"
    problem = get(archive.url, zipped, archive.hash)
    if problem is not None:
        return problem
    try:
        with zipfile.ZipFile(zipped) as source:
            for row in files.dataset_entries(dataset):
                target, member = folder / row.path, row.path.removeprefix("data/")
                if member in source.NameToInfo and (not target.exists() or files.check_file(target, row.hash)):
                    part = target.with_name(target.name + ".part")
                    part.parent.mkdir(parents=True, exist_ok=True)
                    part.write_bytes(source.read(member))
                    part.replace(target) if files.check_file(part, row.hash) is None else part.unlink()
    except zipfile.BadZipFile as error:
        return f"{archive.url}: {error}"
    finally:
        zipped.unlink(missing_ok=True)
    return None


def get(url, target, expected):
    """Download url to target through target.part (resumed on a retry), renamed once it passes its check."""
    if not files.online(url.split("/")[2]):
        return f"no network: could not reach {url}"
    part = target.with_name(target.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, ATTEMPTS + 1):
        wait = None
        try:
            resumed = _attempt(url, part)
            problem = files.check_file(part, expected)
            if problem is None:
                part.replace(target)
                return None
            part.unlink()
            if not resumed:  # the source itself differs: trying again would not help
                return f"download from {url}: {problem}"
        except urllib.error.HTTPError as error:
            problem, wait = f"HTTP {error.code} {error.reason}", _seconds(error.headers.get("Retry-After"))
            if error.code == 416:  # the partial file is longer than the file: start again
                part.unlink(missing_ok=True)
            elif error.code != 429 and error.code < 500:
                return f"download from {url} failed: {problem}"
        except (OSError, http.client.HTTPException) as error:  # timeouts, cut, refused or reset connections
            problem = str(error) or type(error).__name__
        wait = BACKOFF * 2 ** (attempt - 1) if wait is None else wait
        if attempt == ATTEMPTS or wait > MAX_WAIT:
            break
        print(f"  {target.name}: {problem}; trying again in {wait:.0f} s", flush=True)
        time.sleep(wait)
    asks = f"; the server asks to wait {wait:.0f} s" if wait > MAX_WAIT else ""
    return f"download from {url} failed {attempt} time(s) (last: {problem}{asks}); running it again resumes it"


def _attempt(url, part):
    """One request: append to part from where it stops (HTTP Range); True if it resumed a partial file."""
    start = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={start}-"} if start else {})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response, open(part, "ab") as stream:
        start = start if response.status == 206 else stream.truncate(0)  # 200: the whole file again
        length = response.headers.get("Content-Length")
        done, total, shown = start, start + int(length) if length else None, -1
        while chunk := response.read(1 << 16):
            stream.write(chunk)
            done += len(chunk)
            if total and total >= PROGRESS_FROM and done * 20 // total > shown:  # every 5%: one line
                shown = done * 20 // total
                print(f"\r  {part.stem}: {done / 1e6:.0f} of {total / 1e6:.0f} MB", end="", flush=True)
    if shown >= 0:
        print()  # end the progress line
    if total and done < total:
        raise ConnectionError(f"the connection closed after {done:,} of {total:,} bytes")
    return start > 0


def _seconds(retry_after):
    """The wait a Retry-After header asks for (seconds or an HTTP date), or None."""
    if retry_after and retry_after.strip().isdigit():
        return float(retry_after)
    try:
        return max(0.0, email.utils.parsedate_to_datetime(retry_after).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
