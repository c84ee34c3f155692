"""The assessment store on the real engines: SQLite always, PostgreSQL when a server can be started."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from atmp_pathways import Rulebook, evaluate
from atmp_pathways.__main__ import main
from atmp_pathways.store import (
    AccessDenied,
    NotFound,
    StoreError,
    default_url,
    head_revision,
    open_store,
)
from atmp_pathways.store._db import connect, migrate

ANSWERS = {"uses_widgets": True, "widget_count_large": True, "widget_colour": "red", "ship_to": ["NO", "SE"]}
AS_OF = date(2026, 6, 1)
ALICE, BOB, CAROL = "alice@example.org", "bob@example.org", "carol@example.org"


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_store_create_get_and_list_round_trip(store_url: str, toy_book: Rulebook) -> None:
    store = open_store(store_url)
    a = store.create("  Widget  line ", "W-1", ALICE, ANSWERS, AS_OF, toy_book)
    got = store.get(a.id, ALICE)
    assert got.name == "Widget line"
    assert got.answers == ANSWERS
    assert got.as_of == AS_OF
    assert got.latest.rulebook_digest == toy_book.digest
    assert got.latest.rulebook_version == toy_book.meta.version
    assert got.latest.saved_by == ALICE
    assert got.created_at.tzinfo is not None
    expected = evaluate(toy_book, ANSWERS, AS_OF)
    summary = got.latest.outcome
    assert {o["id"] for o in summary["obligations"] if o["state"] == "applies"} == {f.id for f in expected.applicable}
    register = next(o for o in summary["obligations"] if o["id"] == "register_widgets")
    assert register["status"] == "binding_law" and register["citations"] == ["Widget Act Art 4"]
    assert summary["pending_questions"] == list(expected.pending_questions)
    [row] = store.list_for(ALICE)
    assert (row.id, row.revision, row.rulebook_version, row.last_saved_by) == (a.id, 1, toy_book.meta.version, ALICE)
    store.close()


def test_store_revisions_are_appended_never_overwritten(store_url: str, toy_book: Rulebook) -> None:
    store = open_store(store_url)
    a = store.create("A", "", None, ANSWERS, AS_OF, toy_book)
    store.save_revision(a.id, None, {"uses_widgets": False}, AS_OF, toy_book, expected_revision=1)
    store.save_revision(a.id, None, {"uses_widgets": True}, date(2027, 2, 1), toy_book, expected_revision=2)
    history = store.revisions(a.id, None)
    assert [r.number for r in history] == [1, 2, 3]
    assert history[0].answers == ANSWERS
    assert history[1].answers == {"uses_widgets": False}
    assert history[2].as_of == date(2027, 2, 1)
    assert not any(r.concurrent for r in history)
    assert store.get(a.id, None).latest.number == 3
    store.close()


def test_store_concurrent_saves_lose_nothing(store_url: str, toy_book: Rulebook) -> None:
    """Several writers start from revision 1 at once: every save is kept; all but the first are flagged."""
    store = open_store(store_url)
    a = store.create("A", "", ALICE, ANSWERS, AS_OF, toy_book)
    writers = 6
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def save(i: int) -> None:
        try:
            barrier.wait()
            answers = {**ANSWERS, "widget_colour": ["red", "blue", "green"][i % 3]}
            store.save_revision(
                a.id, ALICE, answers, AS_OF, toy_book, expected_revision=1, acknowledged_changes=[f"w{i}"]
            )
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    history = store.revisions(a.id, ALICE)
    assert [r.number for r in history] == list(range(1, writers + 2))
    assert sorted(r.acknowledged[0] for r in history[1:]) == sorted(f"w{i}" for i in range(writers))
    assert [r.concurrent for r in history[1:]] == [False] + [True] * (writers - 1)
    assert all(r.based_on == 1 for r in history[1:])
    store.close()


def test_store_users_see_only_their_own_and_shared(store_url: str, toy_book: Rulebook) -> None:
    store = open_store(store_url)
    mine = store.create("Alice's", "", ALICE, ANSWERS, AS_OF, toy_book)
    store.create("Bob's", "", BOB, {}, AS_OF, toy_book)
    assert [a.name for a in store.list_for(ALICE)] == ["Alice's"]
    assert [a.name for a in store.list_for(BOB)] == ["Bob's"]
    with pytest.raises(NotFound) as guessed:
        store.get(mine.id, BOB)
    with pytest.raises(NotFound) as missing:
        store.get(9999, BOB)
    assert str(guessed.value) == str(missing.value).replace("9999", str(mine.id))
    for call in (store.revisions, store.events):
        with pytest.raises(NotFound):
            call(mine.id, BOB)
    with pytest.raises(NotFound):
        store.save_revision(mine.id, BOB, {}, AS_OF, toy_book)
    assert len(store.revisions(mine.id, ALICE)) == 1  # Bob's attempt wrote nothing

    store.share(mine.id, ALICE, "Bob@Example.org ")
    assert [a.name for a in store.list_for(BOB)] == ["Bob's", "Alice's"] or {a.name for a in store.list_for(BOB)} == {
        "Bob's",
        "Alice's",
    }
    assert [a.name for a in store.list_for(BOB, include_shared=False)] == ["Bob's"]
    assert store.get(mine.id, BOB).shared_with == (BOB,)
    with pytest.raises(AccessDenied, match="only the owner"):
        store.save_revision(mine.id, BOB, {}, AS_OF, toy_book)
    with pytest.raises(AccessDenied):
        store.delete(mine.id, BOB, confirm=True)
    with pytest.raises(NotFound):
        store.get(mine.id, CAROL)
    store.share(mine.id, ALICE, "*")
    assert store.get(mine.id, CAROL).name == "Alice's"
    store.unshare(mine.id, ALICE, "*")
    store.unshare(mine.id, ALICE, BOB)
    with pytest.raises(NotFound):
        store.get(mine.id, BOB)
    assert [e.kind for e in store.events(mine.id, ALICE)] == ["created", "shared", "shared", "unshared", "unshared"]
    assert len(store.list_for(None)) == 2  # local mode sees everything
    with pytest.raises(StoreError, match="not an e-mail"):
        store.share(mine.id, ALICE, "bob")
    store.close()


def test_store_delete_is_confirmed_recorded_and_keeps_history(store_url: str, toy_book: Rulebook) -> None:
    store = open_store(store_url)
    a = store.create("Doomed", "", ALICE, ANSWERS, AS_OF, toy_book)
    store.rename(a.id, ALICE, "Renamed", product="P-2")
    assert store.get(a.id, ALICE).product == "P-2"
    with pytest.raises(StoreError, match="confirmation"):
        store.delete(a.id, ALICE, confirm=False)
    assert store.get(a.id, ALICE).name == "Renamed"
    store.delete(a.id, ALICE, confirm=True)
    assert store.list_for(ALICE) == []
    with pytest.raises(NotFound):
        store.get(a.id, ALICE)
    assert _rows(store_url, f"SELECT count(*) FROM revisions WHERE assessment_id = {a.id}") == [(1,)]
    [(kind, actor)] = _rows(
        store_url, f"SELECT kind, actor FROM events WHERE kind = 'deleted' AND assessment_id = {a.id}"
    )
    assert (kind, actor) == ("deleted", ALICE)
    assert _rows(store_url, "SELECT kind FROM events ORDER BY id") == [("created",), ("renamed",), ("deleted",)]
    store.close()


def test_store_rulebook_snapshot_is_stored_once_and_reloads(store_url: str, toy_book: Rulebook) -> None:
    store = open_store(store_url)
    for _ in range(3):
        store.create("A", "", None, ANSWERS, AS_OF, toy_book)
    assert _rows(store_url, "SELECT count(*) FROM rulebooks") == [(1,)]
    store.close()
    fresh = open_store(store_url)  # a new process would have no cache
    book = fresh.rulebook_snapshot(toy_book.digest)
    assert book == toy_book
    assert evaluate(book, ANSWERS, AS_OF) == evaluate(toy_book, ANSWERS, AS_OF)
    assert fresh.rulebook_snapshot("0" * 16) is None
    fresh.close()


def test_store_missing_snapshot_is_a_clear_error(store_url: str, toy_book: Rulebook) -> None:
    store = open_store(store_url)
    a = store.create("A", "", None, ANSWERS, AS_OF, toy_book)
    store.close()
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM rulebooks"))
    engine.dispose()
    store = open_store(store_url)
    rev = store.get(a.id, None).latest
    with pytest.raises(StoreError) as err:
        store.revision_rulebook(rev)
    assert "snapshot is not in the database" in str(err.value)
    assert toy_book.digest in str(err.value)
    assert rev.answers == ANSWERS  # nothing lost
    store.close()


def test_migrations_upgrade_an_empty_database(store_url: str) -> None:
    store = open_store(store_url)
    assert _rows(store_url, "SELECT version_num FROM alembic_version") == [(head_revision(),)]
    tables = {"assessments", "revisions", "rulebooks", "shares", "events"}
    if store.dialect == "sqlite":
        found = {r[0] for r in _rows(store_url, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    else:
        found = {r[0] for r in _rows(store_url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert tables <= found
    store.close()
    open_store(store_url).close()  # opening again at head changes nothing


def test_migrations_upgrade_from_the_previous_schema_keeps_data(store_url: str, toy_book: Rulebook) -> None:
    engine, shown = connect(store_url)
    migrate(engine, shown, target="0001")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO assessments (name, product, owner, created_at, updated_at, latest_revision) "
                "VALUES ('Old', 'P', 'alice@example.org', :t, :t, 1)"
            ),
            {"t": "2026-01-01 10:00:00"},
        )
        conn.execute(
            text(
                "INSERT INTO revisions (assessment_id, number, answers, as_of, rulebook_version, rulebook_digest, "
                "outcome, saved_by, saved_at, based_on, concurrent) VALUES (1, 1, :a, :d, '1.2.3', :g, :o, "
                "'alice@example.org', :t, NULL, :f)"
            ),
            {
                "a": '{"uses_widgets": true}',
                "d": "2026-01-01",
                "g": toy_book.digest,
                "o": '{"obligations": [], "pending_questions": []}',
                "t": "2026-01-01 10:00:00",
                "f": False,
            },
        )
    engine.dispose()
    store = open_store(store_url)
    got = store.get(1, ALICE)
    assert (got.name, got.answers, got.latest.acknowledged) == ("Old", {"uses_widgets": True}, ())
    store.share(1, ALICE, BOB)  # the new tables work on the upgraded database
    assert store.get(1, BOB).name == "Old"
    rev = store.save_revision(1, ALICE, {"uses_widgets": False}, AS_OF, toy_book, acknowledged_changes=["x"])
    assert (rev.number, rev.acknowledged) == (2, ("x",))
    store.close()


def test_store_refuses_a_non_database_file_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "assessments.db"
    junk = b"this is a text file, not SQLite\n" * 200
    path.write_bytes(junk)
    with pytest.raises(StoreError) as err:
        open_store(f"sqlite:///{path}")
    assert "not an ATMP Pathways database or is damaged" in str(err.value)
    assert str(path) in str(err.value)
    assert "Traceback" not in str(err.value) and "\n" not in str(err.value)
    assert path.read_bytes() == junk


def test_store_refuses_a_damaged_database_and_changes_nothing(tmp_path: Path, toy_book: Rulebook) -> None:
    path = tmp_path / "assessments.db"
    store = open_store(f"sqlite:///{path}")
    store.create("A", "", None, ANSWERS, AS_OF, toy_book)
    store.close()
    raw = bytearray(path.read_bytes())
    raw[100:] = b"\xff" * (len(raw) - 100)  # keep the header, damage every page
    path.write_bytes(bytes(raw))
    with pytest.raises(StoreError) as err:
        open_store(f"sqlite:///{path}").list_for(None)
    assert "damaged" in str(err.value) or "not an ATMP Pathways database" in str(err.value)
    assert path.read_bytes() == bytes(raw)


def test_store_refuses_a_foreign_database(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)"))
        conn.execute(text("INSERT INTO invoices (total) VALUES (12.5)"))
    engine.dispose()
    with pytest.raises(StoreError, match="holds tables that are not an ATMP Pathways store \\(invoices\\)"):
        open_store(f"sqlite:///{path}")
    assert _rows(f"sqlite:///{path}", "SELECT total FROM invoices") == [(12.5,)]


def test_store_refuses_a_schema_from_a_newer_version(store_url: str) -> None:
    open_store(store_url).close()
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer version of ATMP Pathways"):
        open_store(store_url)


def test_store_unreachable_postgresql_is_one_line_without_the_password() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(StoreError) as err:
        open_store(f"postgresql://atmp:s3cret-pw@127.0.0.1:{port}/atmp")
    message = str(err.value)
    assert message.startswith("cannot reach the database at postgresql+psycopg://atmp:***@127.0.0.1")
    assert "s3cret-pw" not in message and "\n" not in message


@pytest.mark.parametrize(
    ("url", "words"),
    [("nonsense", "not understood"), ("mysql://u@h/db", "unsupported database 'mysql'")],
)
def test_store_bad_urls_are_explained(url: str, words: str) -> None:
    with pytest.raises(StoreError, match=words):
        open_store(url)


def test_store_default_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ATMP_DATABASE_URL", raising=False)
    monkeypatch.delenv("ATMP_DATA_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_url() == f"sqlite:///{tmp_path / 'xdg' / 'atmp-pathways' / 'assessments.db'}"
    monkeypatch.setenv("ATMP_DATA_DIR", str(tmp_path / "data"))
    assert default_url() == f"sqlite:///{tmp_path / 'data' / 'assessments.db'}"
    open_store().close()  # created on first use, folder included
    assert (tmp_path / "data" / "assessments.db").is_file()
    monkeypatch.setenv("ATMP_DATABASE_URL", "sqlite:///" + str(tmp_path / "elsewhere.db"))
    assert default_url().endswith("elsewhere.db")


def test_cli_store_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(b"not a database at all" * 100)
    assert main(["impact", "--database", f"sqlite:///{path}"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "Traceback" not in err
