#!/usr/bin/env python3
"""Run the DuckDB queries of docs/analysis.md over a Parquet export and compare every figure with
the JSON summary `smedx aggregate` wrote for the same firms.

    python3 scripts/parquet-compare.py firms.parquet summary.json [docs/analysis.md]

Counts, level distributions, shares and quartiles must be equal exactly; a mean may differ by one
cent (the engine adds in another order). Prints each mismatch and a closing count; exit status 1
when any figure differs, 2 when something is missing.
"""

import json
import re
import sys
from pathlib import Path

import duckdb


def queries(doc: str) -> dict:
    """The SQL blocks of the page, by the name in the `<!-- query: NAME -->` line before each."""
    found = {}
    for m in re.finditer(r"<!-- query: (\w+) -->\s*```sql\n(.*?)```", doc, re.S):
        found[m.group(1)] = m.group(2)
    return found


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    parquet, summary_path = sys.argv[1], sys.argv[2]
    doc_path = Path(sys.argv[3]) if len(sys.argv) > 3 else Path(__file__).parent.parent / "docs" / "analysis.md"
    sql = queries(doc_path.read_text(encoding="utf-8"))
    for name in ["view", "levels", "headline", "by_province", "by_size", "measures", "constrained_short", "above_scale"]:
        if name not in sql:
            print(f"docs/analysis.md has no query {name}", file=sys.stderr)
            return 2
    summary = json.loads(Path(summary_path).read_text(encoding="utf-8"))
    con = duckdb.connect()
    literal = "'" + parquet.replace("'", "''") + "'"
    con.execute(sql["view"].replace("'firms.parquet'", literal))
    failed, passed = [], 0

    def check(what, ours, theirs, cent=False):
        nonlocal passed
        same = ours == theirs
        if cent and ours is not None and theirs is not None:
            same = abs(ours - theirs) <= 0.0100001
        if same:
            passed += 1
        else:
            failed.append(f"{what}: DuckDB {theirs!r}, smedx {ours!r}")

    def rows(name):
        cur = con.execute(sql[name])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    overall = summary["overall"]
    # Level distribution: smedx lists every level from 0 to the top, DuckDB only those with firms.
    by_level = {r["level"]: r["firms"] for r in rows("levels")}
    for level, n in enumerate(overall["levels"]):
        check(f"firms at level {level}", n, by_level.get(level, 0))
    check("levels beyond the model's", [], [lv for lv in by_level if lv >= len(overall["levels"])])

    head = rows("headline")[0]
    check("firms", summary["records"], head["firms"])
    check("share at level 2+", overall["share_level2_plus"], head["share_level2_plus"])
    score = overall["score"]
    check("mean score", score["mean"], head["mean"], cent=True)
    for q in ["q1", "median", "q3"]:
        check(f"score {q}", score[q], head[q])

    for by, name in [("province", "by_province"), ("size", "by_size")]:
        duck = {r["grp"]: r for r in rows(name)}
        groups = [b for b in summary["breakdowns"] if b["by"] == by]
        if not groups:
            failed.append(f"the summary has no breakdown by {by} (run aggregate with --by {by})")
            continue
        shown = [g for g in groups[0]["groups"] if not g["suppressed"]]
        if not shown:
            failed.append(f"no group by {by} is shown")
        for g in shown:
            d = duck.get(g["key"])
            if d is None:
                failed.append(f"{by} {g['key']}: not in DuckDB's result")
                continue
            check(f"{by} {g['key']} firms", g["n"], d["firms"])
            check(f"{by} {g['key']} share at level 2+", g["share_level2_plus"], d["share_level2_plus"])
            for q in ["q1", "median", "q3"]:
                check(f"{by} {g['key']} score {q}", g["score"][q], d[q])

    meta = dict(
        (k.decode(), v.decode())
        for k, v in con.execute(f"SELECT key, value FROM parquet_kv_metadata({literal})").fetchall()
    )
    if meta.get("smedx.schema_version") != "2":
        failed.append(f"schema version {meta.get('smedx.schema_version')!r}, expected '2'")
    column_of = {c["id"]: c["column"] for c in json.loads(meta["smedx.columns"])}
    measures = {r["measure"]: r for r in rows("measures")}
    listed = summary["dimensions"] + summary["indicators"]
    if not listed:
        failed.append("the summary lists no dimension or indicator")
    for m in listed:
        d = measures.get(column_of.get(m["id"]))
        if d is None:
            failed.append(f"{m['id']}: no column in the file")
            continue
        dist = m["distribution"]
        check(f"{m['id']} firms", dist["n"], d["firms"])
        check(f"{m['id']} mean", dist["mean"], d["mean"], cent=True)
        for q in ["q1", "median", "q3"]:
            check(f"{m['id']} {q}", dist[q], d[q])

    short = {r["scenario"]: r["firms"] for r in rows("constrained_short")}
    for s in summary["scenarios"]:
        check(f"{s['id']} short of the next level", s["short_of_next_level"], short.get(s["id"], 0))

    # The pilot headline's 规上 / 规下 figures over all SMEs (large firms apart); a suppressed figure
    # (fewer firms than the minimum group) has no count to compare.
    scale = {r["above_scale"]: r for r in rows("above_scale")}
    head_all = summary["headline"]["all"]
    for key, value in [("above_scale", True), ("below_scale", False)]:
        fig = head_all[key]
        d = scale.get(value, {"firms": 0, "at_target": 0, "share": None})
        if fig["suppressed"]:
            check(f"headline {key} suppressed under the minimum group", True, d["firms"] < summary["min_group"])
            continue
        check(f"headline {key} firms", fig["n"], d["firms"])
        check(f"headline {key} at the target level", fig["at_target"], d["at_target"])
        check(f"headline {key} share", fig["share"], d["share"])
    if head_all["unknown_scale"] is not None:
        check("headline SMEs of unknown scale", head_all["unknown_scale"], scale.get(None, {"firms": 0})["firms"])

    for line in failed:
        print("MISMATCH " + line)
    print(f"figures compared: {passed + len(failed)}; equal: {passed}; different: {len(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
