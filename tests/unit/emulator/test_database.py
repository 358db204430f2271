"""The SQLite plumbing: transactions, reusing a database file, removing the temporary one."""

import os

import pytest

from sms_emulator import Emulator
from sms_emulator.database import Database


def test_write_transaction_rolls_back_on_error(tmp_path):
    database = Database(str(tmp_path / "db.sqlite3"))
    with database.write() as conn:
        conn.execute("INSERT INTO meta VALUES ('a', '1')")
    with pytest.raises(RuntimeError):
        with database.write() as conn:
            conn.execute("INSERT INTO meta VALUES ('b', '2')")
            raise RuntimeError("boom")
    rows = database.conn().execute("SELECT key FROM meta ORDER BY key").fetchall()
    assert rows == [("a",)]
    database.close()
    assert os.path.exists(database.db_path)  # a given file is kept


def test_existing_database_is_reused_not_reseeded(tmp_path):
    path = str(tmp_path / "emu.sqlite3")
    with Emulator(sources=7, seed=1, db_path=path) as first:
        ids = [record["id"] for record in first.store.list_sources()]
    with Emulator(sources=50, seed=2, db_path=path) as second:
        assert [record["id"] for record in second.store.list_sources()] == ids


def test_temporary_database_is_removed_at_stop():
    emulator = Emulator(sources=3).start()
    path = emulator.store.db_path
    assert os.path.exists(path)
    emulator.stop()
    assert not any(os.path.exists(path + suffix) for suffix in ("", "-wal", "-shm"))
