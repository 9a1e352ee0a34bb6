"""Downloads in a room: a local server on 127.0.0.1 that answers 429, 5xx, truncated and stalled bodies.

Every test goes through files.fetch, as setup() and dataset() do; waits are recorded, not slept.
"""
import hashlib
import http.server
import io
import random
import threading
import time
import types
import zipfile

import pytest

import workshop
from workshop import download, files

ONLINE = files.online  # the real check (the sandbox switches the network off)
CATS = [f"data/cats_and_dogs_filtered/train/cats/cat.{i}.jpg" for i in range(4)]


@pytest.fixture
def server(sandbox, monkeypatch):
    """A server of `content` by path; each path first plays its `script`: "429 1" (status, Retry-After),
    "truncated" (half the body, then closes), "slow" (half, then stalls past the timeout); then "ok"."""
    content, script, log = {}, {}, []

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            log.append((self.path, self.headers.get("Range")))
            act = script.get(self.path, ["ok"]).pop(0) if script.get(self.path) else "ok"
            if act[0].isdigit():
                self.send_response(int(act.split()[0]))
                self.send_header("Content-Length", "0")
                self.send_header("Retry-After", act.split()[1]) if " " in act else None
                return self.end_headers()
            start = int(self.headers["Range"][6:-1]) if self.headers.get("Range") else 0
            rest = content[self.path][start:]
            self.send_response(206 if start else 200)
            self.send_header("Content-Length", str(len(rest)))
            self.end_headers()
            self.wfile.write(rest if act == "ok" else rest[:len(rest) // 2])
            self.wfile.flush()
            time.sleep(1 if act == "slow" else 0)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    waits = []
    monkeypatch.setattr(files, "online", ONLINE)
    monkeypatch.setattr(download, "time", types.SimpleNamespace(sleep=waits.append, time=time.time))
    for name, value in [("BACKOFF", 0.01), ("TIMEOUT", 0.3), ("PROGRESS_FROM", 1), ("_archives", {})]:
        monkeypatch.setattr(download, name, value)
    yield types.SimpleNamespace(url=f"http://127.0.0.1:{httpd.server_port}", content=content, script=script,
                                log=log, waits=waits, registry=lambda rows: monkeypatch.setattr(
                                    files, "registry", lambda: {row.path: row for row in rows}))
    httpd.shutdown()
    httpd.server_close()


def test_a_flaky_server_still_delivers_the_verified_file(server, monkeypatch, capsys):
    body = random.Random(0).randbytes(300_000)
    server.content["/w.h5"] = body
    server.script["/w.h5"] = ["429 1", "503 2", "500", "truncated", "slow"]
    row = files.Entry("keras/models/w.h5", hashlib.sha256(body).hexdigest(), server.url + "/w.h5", "")
    server.registry([row])
    monkeypatch.setattr(download, "ATTEMPTS", 6)
    assert files.fetch(row).read_bytes() == body
    assert server.waits[:2] == [1.0, 2.0] and max(server.waits[2:]) < 1  # Retry-After, then the backoff
    ranges = [r for path, r in server.log]
    assert ranges[:4] == [None] * 4 and ranges[4] and ranges[5] and ranges[4] < ranges[5]  # resumed twice
    assert not list(files.ROOT.rglob("*.part"))
    out = capsys.readouterr().out
    assert out.count("trying again") == 5 and 0 < out.count("\r") <= 3 * 21  # one progress line per attempt


@pytest.mark.parametrize("answer, requests, says", [("503", 5, "failed 5 time(s) (last: HTTP 503"),
                                                    ("429 3600", 1, "the server asks to wait 3600 s"),
                                                    ("ok", 1, "checksum mismatch")])  # a wrong file, never used
def test_a_server_that_never_recovers_gets_the_two_ways_out(server, answer, requests, says):
    server.content["/w.h5"] = b"never sent"
    server.script["/w.h5"] = [answer] * 10
    row = files.Entry("keras/models/w.h5", "0" * 64, server.url + "/w.h5", "")
    with pytest.raises(workshop.MissingFilesError) as error:
        files.fetch(row)
    message = str(error.value)
    assert message.startswith("The file keras/models/w.h5 is not available.") and says in message
    assert "Two ways out" in message and "tools/prefetch.py" in message and "WORKSHOP_PROFILE=offline" in message
    assert len(server.log) == requests and not list(files.KERAS_HOME.rglob("w.h5*"))


@pytest.mark.parametrize("archive, per_file", [("ok", CATS[2:]), ("404", CATS)])
def test_a_dataset_comes_from_its_archive_each_photo_checked(shared, server, archive, per_file):
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as writer:
        for path in CATS[:3]:  # cat.2 altered, cat.3 left out: both come from their own URLs
            photo = (shared / path).read_bytes()
            writer.writestr(path.removeprefix("data/"), photo[::-1] if "cat.2" in path else photo)
    server.content["/cats.zip"] = zipped.getvalue()
    server.script["/cats.zip"] = [archive]
    rows = [files.entry(path)._replace(url=f"{server.url}/{path}") for path in CATS]
    server.content.update({f"/{path}": (shared / path).read_bytes() for path in CATS})
    server.registry([files.Entry("archives/cats_and_dogs_filtered.zip", "", server.url + "/cats.zip", ""), *rows])
    assert all(files.check_file(files.fetch(row), row.hash) is None for row in rows)
    assert [path for path, _ in server.log] == ["/cats.zip"] + [f"/{path}" for path in per_file]
    assert sorted(p.relative_to(files.ROOT).as_posix() for p in files.ROOT.rglob("*") if p.is_file()) == CATS


def test_every_archive_row_is_a_registered_dataset_from_its_publisher():
    archives = [row for path, row in files.registry().items() if path.startswith("archives/")]
    assert [(row.path, row.url) for row in archives] == [("archives/cats_and_dogs_filtered.zip",
                                                          "https://storage.googleapis.com/mledu-datasets/"
                                                          "cats_and_dogs_filtered.zip")]
    assert len(files.dataset_entries("cats_and_dogs_filtered")) == 800
