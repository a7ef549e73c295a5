"""The result store: exact round trips, torn rows, new columns, concurrent writers."""

import multiprocessing
import warnings

import pandas as pd
import pytest

from ganbench import schema
from ganbench.errors import UsageError
from ganbench.store import ResultStore, TornRowWarning


def make_row(key, **extra):
    row = {column: "" for column in schema.REQUIRED_COLUMNS}
    row.update({
        schema.RUN_KEY: key, schema.SUITE: "s", schema.STATUS: "ok", schema.DATASET: "ring8",
        schema.MODEL: "dcgan", schema.METHOD: "random", schema.SPARSITY: 0.5,
        schema.TARGET: "generator", schema.SEED: 0, schema.FID: 0.1 + 1e-17,
    })
    row.update(extra)
    return row


def test_round_trip_keeps_float_bits(tmp_path):
    store = ResultStore(tmp_path / "r.csv")
    value = 0.1234567890123456789
    store.append(make_row("a", **{schema.FID: value}))
    frame = store.read()
    assert frame[schema.FID].iloc[0] == value
    assert store.recorded_keys() == {"a"}


def test_torn_last_row_is_ignored_then_repaired(tmp_path):
    path = tmp_path / "r.csv"
    store = ResultStore(path)
    store.append(make_row("a"))
    with open(path, "a") as handle:
        handle.write("b,s,ok,,ring8,dcg")  # a writer killed mid-row
    with pytest.warns(TornRowWarning):
        assert store.recorded_keys() == {"a"}
    with pytest.warns(TornRowWarning):
        store.append(make_row("c"))
    assert path.read_text().endswith("\n")
    frame = pd.read_csv(path)
    assert list(frame[schema.RUN_KEY]) == ["a", "c"]


def test_new_column_keeps_earlier_rows(tmp_path):
    store = ResultStore(tmp_path / "r.csv")
    store.append(make_row("a"))
    store.append(make_row("b", plugin_metric=3.5))
    frame = store.read()
    assert list(frame[schema.RUN_KEY]) == ["a", "b"]
    assert pd.isna(frame["plugin_metric"].iloc[0])
    assert frame["plugin_metric"].iloc[1] == 3.5
    assert frame[schema.FID].iloc[0] == pytest.approx(0.1)


def test_missing_required_column_raises(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("run_key,status\nabc,ok\n")
    with pytest.raises(UsageError, match="lacks required column"):
        ResultStore(path).read()


def _append_many(path, prefix, count):
    store = ResultStore(path)
    for index in range(count):
        store.append(make_row(f"{prefix}-{index}", **{schema.ERROR: "x" * 500}))


def test_concurrent_writers_do_not_interleave(tmp_path):
    path = tmp_path / "r.csv"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(path, f"w{i}", 40)) for i in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    frame = ResultStore(path).read()
    assert len(frame) == 160
    assert frame[schema.RUN_KEY].is_unique
    assert (frame[schema.ERROR] == "x" * 500).all()


def test_line_breaks_become_spaces(tmp_path):
    path = tmp_path / "r.csv"
    store = ResultStore(path)
    store.append(make_row("a", **{schema.ERROR: "first line\nsecond line\r\nthird"}))
    store.append(make_row("b"))
    assert path.read_text().count("\n") == 3
    assert store.read()[schema.ERROR].iloc[0] == "first line second line third"


def test_row_counts_count_rows_per_key(tmp_path):
    path = tmp_path / "r.csv"
    store = ResultStore(path)
    assert store.row_counts() == {}
    store.append(make_row("a"))
    store.append(make_row("a", **{schema.STATUS: "failed"}))
    store.append(make_row("b"))
    with open(path, "a") as handle:
        handle.write("c,s,ok")  # torn
    assert store.row_counts() == {"a": 2, "b": 1}


def test_rewrite_removes_stale_temporary_files(tmp_path):
    path = tmp_path / "r.csv"
    store = ResultStore(path)
    store.append(make_row("a"))
    stale = tmp_path / ".r.csv.abc123.tmp"
    stale.write_text("left by a killed writer")
    store.append(make_row("b", plugin_metric=1.0))  # a new column rewrites the file
    assert not stale.exists()
    assert list(store.read()[schema.RUN_KEY]) == ["a", "b"]


def _append_growing_columns(path, count):
    store = ResultStore(path)
    for index in range(count):
        # Every row brings a new column, so every append rewrites and replaces the file.
        store.append(make_row(f"k{index}", **{f"metric_{index}": float(index), schema.ERROR: "y" * 300}))


def test_reader_sees_whole_rows_during_rewrites(tmp_path):
    path = tmp_path / "r.csv"
    ResultStore(path).append(make_row("first"))
    context = multiprocessing.get_context("spawn")
    writer = context.Process(target=_append_growing_columns, args=(path, 60))
    writer.start()
    store = ResultStore(path)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("error", TornRowWarning)  # a half row would raise
        while True:
            finished = not writer.is_alive()
            frame = store.read()
            assert frame[schema.RUN_KEY].is_unique
            assert (frame[schema.ERROR].iloc[1:] == "y" * 300).all()
            seen.append(len(frame))
            if finished:
                break
    writer.join(60)
    assert writer.exitcode == 0
    assert seen == sorted(seen)
    assert seen[-1] == 61
