//! The roster of firms an office expects to take part (`--roster firms.csv|xlsx`): coverage of
//! this round against it, by region and industry, and (office-only) the firms not yet assessed.

use crate::collect::cells::CellValue;
use crate::diag::{Diagnostic, Pos};
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;

/// One expected firm.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct RosterFirm {
    pub credit_code: String,
    pub name: String,
    pub region: Option<String>,
    pub industry: Option<String>,
    /// The roster's 规上 flag, when given.
    pub above_scale: Option<bool>,
}

/// The firms an office expects, by credit code.
#[derive(Debug, Clone)]
pub struct Roster {
    pub file: String,
    pub firms: Vec<RosterFirm>,
    index: HashMap<[u8; 18], usize>,
}

/// Header names accepted for each column (Chinese and English).
const COLUMNS: [(&str, &[&str]); 5] = [
    (
        "credit_code",
        &["统一社会信用代码", "信用代码", "credit_code", "credit code"],
    ),
    ("name", &["企业名称", "名称", "name", "firm"]),
    (
        "region",
        &["地区", "地区代码", "行政区划代码", "区县", "region"],
    ),
    ("industry", &["行业", "行业代码", "industry"]),
    (
        "above_scale",
        &["规上", "规模以上", "是否规上", "above_scale", "above scale"],
    ),
];

impl Roster {
    /// The position of a firm on the roster.
    pub fn position(&self, credit_code: &str) -> Option<usize> {
        let key: [u8; 18] = credit_code.as_bytes().try_into().ok()?;
        self.index.get(&key).copied()
    }

    /// Only the firms of a region and industry prefix (an office user's view); `""` keeps all.
    pub fn within(&self, region_prefix: &str, industry_prefix: &str) -> Roster {
        let starts = |v: &Option<String>, p: &str| {
            p.is_empty() || v.as_deref().is_some_and(|v| v.starts_with(p))
        };
        let firms: Vec<RosterFirm> = self
            .firms
            .iter()
            .filter(|f| starts(&f.region, region_prefix) && starts(&f.industry, industry_prefix))
            .cloned()
            .collect();
        Roster::of(self.file.clone(), firms)
    }

    fn of(file: String, firms: Vec<RosterFirm>) -> Roster {
        let index = firms
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((f.credit_code.as_bytes().try_into().ok()?, i)))
            .collect();
        Roster { file, firms, index }
    }

    /// Read a roster from a CSV file or the first sheet of a workbook; every bad row is reported.
    pub fn read(path: &Path) -> Result<Roster, Vec<Diagnostic>> {
        let file = path.display().to_string();
        let unreadable = |reason: String| {
            vec![
                Diagnostic::error("file-unreadable")
                    .arg("file", file.clone())
                    .arg("reason", reason)
                    .in_file(&file),
            ]
        };
        let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
        let is_xlsx = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        let rows: Vec<(u32, Vec<CellValue>)> = if is_xlsx {
            use calamine::Reader;
            let mut wb = calamine::Xlsx::new(std::io::Cursor::new(bytes))
                .map_err(|e| unreadable(e.to_string()))?;
            let range = wb
                .worksheet_range_at(0)
                .ok_or_else(|| unreadable("no sheet".into()))?
                .map_err(|e| unreadable(e.to_string()))?;
            let first = range.start().map_or(0, |(r, _)| r);
            range
                .rows()
                .enumerate()
                .map(|(i, row)| {
                    (
                        first + i as u32 + 1,
                        row.iter().map(crate::collect::xlsx::cell_value).collect(),
                    )
                })
                .collect()
        } else {
            let table = crate::collect::csv::read(&file, bytes).map_err(|d| vec![d])?;
            table.rows.into_iter().map(|r| (r.line, r.cells)).collect()
        };
        Self::from_rows(&file, &rows)
    }

    fn from_rows(file: &str, rows: &[(u32, Vec<CellValue>)]) -> Result<Roster, Vec<Diagnostic>> {
        let bad = |variant: &'static str, line: u32| {
            Diagnostic::error("roster-row")
                .variant(variant)
                .arg("file", file.to_string())
                .arg("line", line)
                .in_file(file)
                .at(Pos { line, column: 1 })
        };
        let Some((head_line, head)) = rows.first() else {
            return Err(vec![bad("no_code_column", 1)]);
        };
        let text = |c: &CellValue| match c {
            CellValue::Text(s) | CellValue::Date(s) => s.trim().to_string(),
            CellValue::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{n:.0}"),
            CellValue::Number(n) => n.to_string(),
            CellValue::Bool(b) => (if *b { "是" } else { "否" }).to_string(),
            CellValue::Empty | CellValue::Error(_) => String::new(),
        };
        let col: Vec<Option<usize>> = COLUMNS
            .iter()
            .map(|(_, names)| {
                head.iter().position(|c| {
                    let h = text(c).to_lowercase();
                    names.iter().any(|n| *n == h)
                })
            })
            .collect();
        let Some(code_col) = col[0] else {
            return Err(vec![bad("no_code_column", *head_line)]);
        };
        let mut problems = Vec::new();
        let mut firms: Vec<RosterFirm> = Vec::new();
        let mut seen: HashMap<String, u32> = HashMap::new();
        for (line, cells) in &rows[1..] {
            let get = |i: Option<usize>| i.and_then(|i| cells.get(i)).map(text).unwrap_or_default();
            if cells.iter().all(|c| text(c).is_empty()) {
                continue;
            }
            let raw_code = get(Some(code_col)).to_ascii_uppercase();
            let code = match crate::answers::credit_code::validate(&raw_code) {
                Ok(c) => c,
                Err(e) => {
                    problems.push(
                        bad(
                            if raw_code.is_empty() {
                                "no_code"
                            } else {
                                "bad_code"
                            },
                            *line,
                        )
                        .arg("code", raw_code.clone())
                        .arg("reason", e.text()),
                    );
                    continue;
                }
            };
            if let Some(first) = seen.get(&code) {
                problems.push(
                    bad("duplicate", *line)
                        .arg("code", code.clone())
                        .arg("first", *first),
                );
                continue;
            }
            seen.insert(code.clone(), *line);
            let region = get(col[2]);
            let region = if region.is_empty() {
                None
            } else if region.len() == 6 && region.bytes().all(|b| b.is_ascii_digit()) {
                Some(region)
            } else {
                problems.push(bad("bad_region", *line).arg("region", region));
                continue;
            };
            let industry = get(col[3]);
            let industry = if industry.is_empty() {
                None
            } else {
                match crate::answers::normalise_industry(&industry) {
                    Ok(i) => Some(i),
                    Err(why) => {
                        problems.push(
                            bad("bad_industry", *line)
                                .arg("industry", industry)
                                .arg("reason", why),
                        );
                        continue;
                    }
                }
            };
            let flag = get(col[4]);
            let above_scale = match flag.to_lowercase().as_str() {
                "" => None,
                "是" | "规上" | "y" | "yes" | "true" | "1" => Some(true),
                "否" | "规下" | "n" | "no" | "false" | "0" => Some(false),
                _ => {
                    problems.push(bad("bad_flag", *line).arg("value", flag));
                    continue;
                }
            };
            firms.push(RosterFirm {
                credit_code: code,
                name: get(col[1]),
                region,
                industry,
                above_scale,
            });
        }
        if problems.is_empty() {
            Ok(Roster::of(file.to_string(), firms))
        } else {
            Err(problems)
        }
    }
}

/// Expected and assessed firms of one group.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct CoverageGroup {
    pub key: String,
    pub title: crate::text::Text,
    pub expected: u64,
    pub assessed: u64,
    pub share: Option<f64>,
}

/// Coverage of a round against the roster.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Coverage {
    pub roster: String,
    pub expected: u64,
    pub assessed: u64,
    pub share: Option<f64>,
    /// Assessed firms not on the roster (or without a credit code).
    pub not_on_roster: u64,
    pub by_county: Vec<CoverageGroup>,
    pub by_industry: Vec<CoverageGroup>,
    /// By the roster's 规上 flag: 规上, 规下, not given.
    pub by_scale: Vec<CoverageGroup>,
    /// Firms not assessed yet (only with `--named`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_assessed: Option<Vec<RosterFirm>>,
}

fn share(a: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| (a as f64 / n as f64 * 10_000.0).round() / 10_000.0)
}

impl Coverage {
    /// Coverage from which roster firms were assessed (`seen`, parallel to `roster.firms`).
    pub fn of(roster: &Roster, seen: &[bool], not_on_roster: u64, named: bool) -> Coverage {
        use std::collections::BTreeMap;
        let mut county: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut industry: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut scale: BTreeMap<u8, (u64, u64)> = BTreeMap::new();
        for (f, s) in roster.firms.iter().zip(seen) {
            let s = u64::from(*s);
            let add = |e: &mut (u64, u64)| {
                e.0 += 1;
                e.1 += s;
            };
            add(county
                .entry(f.region.clone().unwrap_or_default())
                .or_default());
            let ind = f.industry.as_deref().map_or(String::new(), |c| {
                if c.starts_with('C') && c.len() >= 3 {
                    c[..3].to_string()
                } else {
                    c[..1].to_string()
                }
            });
            add(industry.entry(ind).or_default());
            add(scale
                .entry(match f.above_scale {
                    Some(true) => 0,
                    Some(false) => 1,
                    None => 2,
                })
                .or_default());
        }
        let unknown = crate::text::Text::new("未填", "not given");
        let group = |key: String, title: crate::text::Text, (n, a): (u64, u64)| CoverageGroup {
            key,
            title,
            expected: n,
            assessed: a,
            share: share(a, n),
        };
        let expected = roster.firms.len() as u64;
        let assessed = seen.iter().filter(|s| **s).count() as u64;
        Coverage {
            roster: roster.file.clone(),
            expected,
            assessed,
            share: share(assessed, expected),
            not_on_roster,
            by_county: county
                .into_iter()
                .map(|(k, v)| {
                    let title = if k.is_empty() {
                        unknown.clone()
                    } else {
                        let n = crate::answers::names::region_name(&k);
                        crate::text::Text::new(&n, &n)
                    };
                    group(k, title, v)
                })
                .collect(),
            by_industry: industry
                .into_iter()
                .map(|(k, v)| {
                    let title = if k.is_empty() {
                        unknown.clone()
                    } else {
                        crate::answers::names::industry_name(&k)
                    };
                    group(k, title, v)
                })
                .collect(),
            by_scale: scale
                .into_iter()
                .map(|(k, v)| {
                    let (key, title) = match k {
                        0 => ("above", crate::text::Text::new("规上", "above scale")),
                        1 => ("below", crate::text::Text::new("规下", "below scale")),
                        _ => ("unknown", unknown.clone()),
                    };
                    group(key.to_string(), title, v)
                })
                .collect(),
            not_assessed: named.then(|| {
                roster
                    .firms
                    .iter()
                    .zip(seen)
                    .filter(|(_, s)| !**s)
                    .map(|(f, _)| f.clone())
                    .collect()
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: u32, cells: &[&str]) -> (u32, Vec<CellValue>) {
        (line, cells.iter().map(|c| CellValue::text(c)).collect())
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line() {
        let code = crate::answers::credit_code::with_check_digit("91350200MA2Y00001").unwrap();
        let rows = vec![
            row(1, &["统一社会信用代码", "企业名称", "地区", "行业", "规上"]),
            row(2, &[&code, "甲", "350203", "C3971", "是"]),
            row(3, &["91350200MA2I00001X", "乙", "350203", "C3971", ""]),
            row(4, &[&code, "甲again", "350203", "", ""]),
            row(5, &["", "丙", "厦门", "", "也许"]),
        ];
        let problems = Roster::from_rows("名单.csv", &rows).unwrap_err();
        let got: Vec<(Option<&str>, u32)> =
            problems.iter().map(|d| (d.variant, d.line())).collect();
        assert_eq!(
            got,
            vec![
                (Some("bad_code"), 3),
                (Some("duplicate"), 4),
                (Some("no_code"), 5)
            ]
        );
        assert!(
            problems[1]
                .message_in(crate::text::Lang::Zh)
                .contains("第 2 行")
        );
    }

    #[test]
    fn coverage_counts_by_county_industry_and_scale() {
        let c1 = crate::answers::credit_code::with_check_digit("91350200MA2Y00001").unwrap();
        let c2 = crate::answers::credit_code::with_check_digit("91350200MA2Y00002").unwrap();
        let rows = vec![
            row(
                1,
                &["credit_code", "name", "region", "industry", "above_scale"],
            ),
            row(2, &[&c1, "甲", "350203", "3971", "yes"]),
            row(3, &[&c2, "乙", "350206", "C3824", "no"]),
        ];
        let roster = Roster::from_rows("r.csv", &rows).unwrap();
        assert_eq!(roster.position(&c2), Some(1));
        let cov = Coverage::of(&roster, &[true, false], 3, true);
        assert_eq!((cov.expected, cov.assessed, cov.share), (2, 1, Some(0.5)));
        assert_eq!(cov.by_county.len(), 2);
        assert_eq!(cov.by_industry[0].key, "C38");
        assert_eq!(cov.by_scale[0].assessed, 1);
        let missing = cov.not_assessed.unwrap();
        assert_eq!(missing.len(), 1);
        assert_eq!(missing[0].name, "乙");
        assert_eq!(roster.within("350206", "").firms.len(), 1);
        assert_eq!(roster.within("", "C39").firms.len(), 1);
    }
}
