"""Live updates: a store hears other processes' writes within a second (both backends).

Two Readers in two kernels are two processes with two Store objects; here a
child process writes and the parent's ``Store.subscribe`` listener must hear
it: with ids on PostgreSQL (LISTEN/NOTIFY), as an "external" reload on
SQLite (a ``PRAGMA data_version`` poll).
"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time

from annotator.annotation import make_annotation
from annotator.store import Store

CHILD = r"""
import sys
from annotator.annotation import make_annotation
from annotator.store import Store

text = sys.argv[2]
with Store(sys.argv[1]) as store:
    last = None
    print("ready", flush=True)
    for line in sys.stdin:
        cmd = line.split()
        if cmd[0] == "add":
            last = store.add(make_annotation(text, "one-dance", 10, 40, creator="bo", tropes=["matchmaker"]))
        elif cmd[0] == "many":
            batch = [make_annotation(text, "one-dance", i, i + 5, creator="bo", tropes=["matchmaker"])
                     for i in range(int(cmd[1]))]
            store.add_many(batch)
        elif cmd[0] == "update":
            last = store.update(last.with_changes(note="edited elsewhere"))
        elif cmd[0] == "delete":
            store.delete(last.id)
        print("done", last.id if last else "-", flush=True)
"""


class Child:
    """Another program writing to the same store, one command at a time."""

    def __init__(self, url: str, text: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, url, text],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout.readline().strip() == "ready"

    def do(self, command: str) -> tuple[str, float]:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "done", line
        return line[1], time.monotonic()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        self.proc.stdout.close()


def wait_for(heard: queue.Queue, match, within: float = 1.0) -> dict:
    deadline = time.monotonic() + within
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"nothing matching heard within {within} s")
        try:
            change = heard.get(timeout=left)
        except queue.Empty:
            continue
        if match(change):
            return change


def test_another_process_writes_are_heard_within_a_second(store_url, text):
    with Store(store_url) as store:
        heard: queue.Queue = queue.Queue()
        store.subscribe(heard.put)
        child = Child(store_url, text)
        try:
            postgres = store.backend == "postgresql"
            for command, kind in (("add", "add"), ("update", "update"), ("delete", "delete")):
                ident, _ = child.do(command)
                if postgres:
                    change = wait_for(
                        heard, lambda c, k=kind, i=ident: c["kind"] == k and i in c["ids"]
                    )
                    assert change["story"] == "one-dance"
                else:
                    change = wait_for(heard, lambda c: c["kind"] == "external")
                    assert change == {"kind": "external", "ids": [], "story": None}
                # The change is visible once it is announced.
                if kind == "delete":
                    assert store.count() == 0
                else:
                    assert store.get(ident).note == ("edited elsewhere" if kind == "update" else "")
        finally:
            child.close()


def test_a_big_batch_is_announced_in_full(postgres_url, text):
    with Store(postgres_url) as store:
        ids: list[str] = []
        done = threading.Event()

        def listen(change):
            ids.extend(change["ids"])
            if len(ids) >= 600:
                done.set()

        store.subscribe(listen)
        child = Child(postgres_url, text)
        try:
            child.do("many 600")  # more ids than one NOTIFY payload holds
            assert done.wait(5), len(ids)
            assert len(ids) == len(set(ids)) == 600 == store.count()
        finally:
            child.close()


def test_own_process_writes_are_heard_once(store_url, text):
    with Store(store_url) as one, Store(store_url) as two:
        heard = []
        two.subscribe(heard.append)
        a = one.add(
            make_annotation(text, "one-dance", 10, 40, creator="ada", tropes=["matchmaker"])
        )
        time.sleep(0.6)  # let the listener or poller run: it must not echo the write with ids
        assert [h for h in heard if h["kind"] != "external"] == [
            {"kind": "add", "ids": [a.id], "story": "one-dance"}
        ]


def test_closing_stops_the_watcher_thread(store_url):
    def watchers():
        return [
            t
            for t in threading.enumerate()
            if t.name.startswith(("annotator-pg-listen", "annotator-sqlite-poll"))
        ]

    before = len(watchers())
    store = Store(store_url)
    store.subscribe(lambda change: None)
    assert len(watchers()) == before + 1
    store.close()
    assert len(watchers()) == before


def test_a_listener_may_close_its_store(store_url, text):
    with Store(store_url) as one:
        two = Store(store_url)
        closed = threading.Event()

        def close_on_first(change):
            two.close()
            closed.set()

        two.subscribe(close_on_first)
        one.add(make_annotation(text, "one-dance", 10, 40, creator="ada", tropes=["matchmaker"]))
        assert closed.wait(2)
