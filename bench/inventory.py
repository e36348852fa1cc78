"""Inventory import throughput: rows/s from CSV bytes to committed sites, observations, scans and jobs.

Run: .venv/bin/python bench/inventory.py [ROWS]   (SQLite in a temporary folder; no shared data needed)
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from sitewarden.settings import load_settings
from sitewarden.sources.inventory import import_inventory
from sitewarden.store import migrate
from sitewarden.store.db import Store
from sitewarden.work.api import Context


def main(rows: int) -> None:
    data = ("tenant,host,ip\n" + "".join(
        f"t{i % 200},site{i}.customer{i % 977}.example.com,198.51.100.{i % 250}\n" for i in range(rows)
    )).encode()
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(var_dir=Path(tmp))
        store = Store.from_settings(settings)
        migrate.upgrade(store)
        ctx = Context.from_settings(settings, store)
        start = time.perf_counter()
        result = import_inventory(ctx, io.BytesIO(data), "csv")
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = import_inventory(ctx, io.BytesIO(data), "csv")
        second = time.perf_counter() - start
    assert result.imported == rows and again.duplicates == rows
    print(f"inventory import, {rows} rows, SQLite:")
    print(f"  new sites:      {rows / first:10,.0f} rows/s  ({first:.2f} s; sites, observations, scans and jobs)")
    print(f"  re-import:      {rows / second:10,.0f} rows/s  ({second:.2f} s; all duplicates)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000)
