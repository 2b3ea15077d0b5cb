#!/usr/bin/env python3
"""Cross-check `ntcorr apply` outputs with pyarrow (the reader HiggsDNA/coffea users have), outside the test suite.

    python3 scripts/crosscheck-pyarrow.py INPUT.parquet OUTPUT.parquet [more pairs...]

For each pair: every column of INPUT must be in OUTPUT with the same pyarrow type (up to list field names)
and identical values (NaN == NaN, nulls in place), same row count and order. Prints the columns OUTPUT
adds and ntcorr's provenance. Exit 1 on any difference.
"""
import json
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq


def normalise(t: pa.DataType) -> pa.DataType:
    # DuckDB names list children "element" (parquet spec), pyarrow "item": same type for users.
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return pa.list_(normalise(t.value_type))
    return t


def same_values(a: pa.ChunkedArray, b: pa.ChunkedArray) -> bool:
    a, b = a.combine_chunks(), b.combine_chunks()
    if normalise(a.type) != normalise(b.type):
        return False
    if pa.types.is_list(a.type):
        b = b.cast(a.type)
    # equals() treats NaN as unequal; compare as Python objects for floats with NaN.
    if a.equals(b):
        return True
    return [x for x in a.to_pylist()] == [y for y in b.to_pylist()] or all(
        (x == y) or (x != x and y != y) for x, y in zip(a.to_pylist(), b.to_pylist())
    )


def check(inp: str, out: str) -> bool:
    ti, to = pq.read_table(inp), pq.read_table(out)
    ok = True
    if ti.num_rows != to.num_rows:
        print(f"{out}: {to.num_rows} rows, input has {ti.num_rows}")
        return False
    for name in ti.column_names:
        if name not in to.column_names:
            print(f"{out}: column {name} missing")
            ok = False
            continue
        a, b = ti.column(name), to.column(name)
        if normalise(a.type) != normalise(b.type):
            print(f"{out}: column {name} is {b.type}, input {a.type}")
            ok = False
        elif not same_values(a, b):
            print(f"{out}: column {name} values differ")
            ok = False
    added = [c for c in to.column_names if c not in ti.column_names]
    meta = pq.read_metadata(out).metadata or {}
    prov = json.loads(meta.get(b"ntcorr.provenance", b"[]"))
    print(f"{'OK  ' if ok else 'FAIL'} {out}: {ti.num_rows} rows, {len(ti.column_names)} original columns identical; added {added}; "
          f"{len(prov)} provenance record(s){': ' + prov[-1]['model'] if prov else ''}")
    return ok


if __name__ == "__main__":
    args = sys.argv[1:]
    if len(args) < 2 or len(args) % 2:
        sys.exit(__doc__)
    results = [check(args[i], args[i + 1]) for i in range(0, len(args), 2)]
    sys.exit(0 if all(results) else 1)
