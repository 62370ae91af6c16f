"""The store's writer child outlives a crawl killed alone (SIGKILL of the parent only):
it commits the batch in hand and exits quietly, without a BrokenPipeError traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from tests.conftest import ROOT, rows

PARENT = textwrap.dedent(
    """
    import os, signal, sys
    sys.path.insert(0, sys.argv[2])
    from tests.test_archive_store import item
    from civicnews.archive.writer_process import WriterProcess

    writer = WriterProcess(sys.argv[1])
    # A batch handed to the child, then the crawl process dies before the answer.
    writer._send(("write", [item(n) for n in range(1, 201)]))
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def test_writer_child_of_a_killed_crawl_exits_quietly(tmp_path):
    db = tmp_path / "a.db"
    # stderr is a pipe shared with the child: reading it to its end waits for the child too.
    proc = subprocess.run(
        [sys.executable, "-c", PARENT, str(db), str(ROOT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -9
    assert "Traceback" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr
    assert proc.stderr == ""
    assert rows(db, "SELECT count(*) FROM articles") == [(200,)]  # the batch in hand, committed
