//! Names of region codes (GB/T 2260) and industry codes (GB/T 4754-2017) for people to read, the
//! province → prefecture → county lists a chooser walks, and search by name or code fragment.
//!
//! Every place a person reads a code (reports, the office summary, the dashboard, the terminal, the
//! web form) asks here: `330381` is 浙江省温州市瑞安市, `C3484` is C 制造业 / 34 通用设备制造业.
//! Names are Chinese in both languages (they are proper names); industry titles add the English.

use super::profile::normalise_industry;
use super::reference::reference;
use crate::text::Text;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// What a code that is not in the table is shown with.
pub const UNKNOWN_REGION: &str = "（已撤销或未知）";

/// The level of a region in GB/T 2260.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RegionLevel {
    Province,
    Prefecture,
    County,
}

/// One region: its six-digit code, its own name and its full name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Region {
    /// Six digits as GB/T 2260 writes them: `330000`, `330300`, `330381`.
    pub code: String,
    /// The division's own name: 瑞安市.
    pub name: String,
    /// From the province down: 浙江省温州市瑞安市.
    pub full_name: String,
    pub level: RegionLevel,
    /// Whether [`regions_under`] lists anything below it.
    pub has_children: bool,
}

struct RegionIndex {
    all: Vec<Region>,
    by_code: BTreeMap<String, usize>,
}

fn index() -> &'static RegionIndex {
    static CELL: OnceLock<RegionIndex> = OnceLock::new();
    CELL.get_or_init(|| {
        let t = &reference().regions;
        let rows = t
            .names
            .iter()
            .map(|(c, n)| (c, n, false))
            .chain(t.groups.iter().map(|(c, n)| (c, n, true)));
        let mut all: Vec<Region> = rows
            .map(|(code, name, group)| {
                let level = match (&code[2..4], &code[4..]) {
                    ("00", "00") => RegionLevel::Province,
                    (_, "00") => RegionLevel::Prefecture,
                    _ => RegionLevel::County,
                };
                let full_name = if group {
                    format!("{}{name}", province_name(&code[..2]).unwrap_or_default())
                } else {
                    full_name_of(code).unwrap_or_else(|| name.clone())
                };
                let has_children = match level {
                    RegionLevel::Province => has_below(&code[..2], code),
                    RegionLevel::Prefecture => has_below(&code[..4], code),
                    RegionLevel::County => false,
                };
                Region {
                    code: code.clone(),
                    name: name.clone(),
                    full_name,
                    level,
                    has_children,
                }
            })
            .collect();
        all.sort_by(|a, b| a.code.cmp(&b.code));
        let by_code = all
            .iter()
            .enumerate()
            .map(|(i, r)| (r.code.clone(), i))
            .collect();
        RegionIndex { all, by_code }
    })
}

fn province_name(two: &str) -> Option<&'static str> {
    reference().province(two)
}

/// Any row other than `itself` whose code starts with `prefix`.
fn has_below(prefix: &str, itself: &str) -> bool {
    reference()
        .regions
        .names
        .range(prefix.to_string()..)
        .take_while(|(c, _)| c.starts_with(prefix))
        .any(|(c, _)| c != itself)
}

/// The full name of a six-digit row of the table, built from the rows above it.
fn full_name_of(six: &str) -> Option<String> {
    let t = &reference().regions;
    let province = province_name(&six[..2])?;
    if &six[2..4] == "00" {
        return (&six[4..] == "00").then(|| province.to_string());
    }
    let prefecture_code = format!("{}00", &six[..4]);
    let prefecture = t.names.get(&prefecture_code);
    if &six[4..] == "00" {
        return prefecture.map(|p| format!("{province}{p}"));
    }
    let county = t.names.get(six)?;
    Some(match prefecture {
        Some(p) => format!("{province}{p}{county}"),
        // Counties of 北京, 天津, 上海, 重庆 and those a province governs directly.
        None => format!("{province}{county}"),
    })
}

/// The significant digits of a region code: `33`, `3303` or `330381`; `330300` gives `3303` and
/// `330000` gives `33`. `None` for anything but 2, 4 or 6 ASCII digits.
pub fn region_prefix(code: &str) -> Option<&str> {
    let code = code.trim();
    if !matches!(code.len(), 2 | 4 | 6) || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut p = code;
    while p.len() > 2 && p.ends_with("00") {
        p = &p[..p.len() - 2];
    }
    Some(p)
}

/// The region a 2-, 4- or 6-digit code names, or `None` when the table has no such division.
/// A 4-digit code of 北京, 天津, 上海 or 重庆 (`1101`, `5002`, the old 市辖区 and 县 rows) names the
/// city itself, so a breakdown by prefecture shows 北京市.
pub fn region(code: &str) -> Option<Region> {
    let p = region_prefix(code)?;
    let six = format!("{p:0<6}");
    let ix = index();
    if let Some(&i) = ix.by_code.get(&six) {
        return Some(ix.all[i].clone());
    }
    // A prefecture prefix with counties but no row of its own: a municipality's 01/02.
    if p.len() == 4 && has_below(p, "") {
        let province = ix.all[*ix.by_code.get(&format!("{}0000", &p[..2]))?].clone();
        return Some(Region {
            code: six,
            level: RegionLevel::Prefecture,
            ..province
        });
    }
    None
}

/// The full name of a region code (`330381` → 浙江省温州市瑞安市, `3303` → 浙江省温州市); a code that is
/// not in the table (revoked, mistyped, a development zone's statistical code) is shown as the code
/// with （已撤销或未知）.
pub fn region_name(code: &str) -> String {
    region(code).map_or_else(
        || format!("{}{UNKNOWN_REGION}", code.trim()),
        |r| r.full_name,
    )
}

/// The divisions directly below a code, for a chooser that walks province → prefecture → county.
/// `""` lists the provinces; `33` (or `330000`) the prefectures of 浙江省; `3303` the counties of
/// 温州市. 北京, 天津, 上海 and 重庆 have no prefecture rows: their counties come directly, as do the
/// groups of counties a province governs directly (`429000` 省直辖县级行政区划, whose counties are
/// listed under `4290`). Empty for a county, a prefecture without counties (东莞市) or an unknown code.
pub fn regions_under(code: &str) -> Vec<Region> {
    let ix = index();
    let p = match code.trim() {
        "" => {
            return ix
                .all
                .iter()
                .filter(|r| r.level == RegionLevel::Province)
                .cloned()
                .collect();
        }
        c => match region_prefix(c) {
            Some(p) => p,
            None => return Vec::new(),
        },
    };
    let six = format!("{p:0<6}");
    ix.all
        .iter()
        .filter(|r| r.code.starts_with(p) && r.code != six)
        .filter(|r| match p.len() {
            2 => {
                r.level == RegionLevel::Prefecture
                    || (r.level == RegionLevel::County
                        && !ix.by_code.contains_key(&format!("{}00", &r.code[..4])))
            }
            4 => r.level == RegionLevel::County,
            _ => false,
        })
        .cloned()
        .collect()
}

/// Regions matching a query, best first, at most `limit`. Digits match codes from the start
/// (`3303` → 温州市 and its counties); words match names (`瑞安` → 330381 浙江省温州市瑞安市;
/// `温州 瑞安` needs both). A division whose own name is the query comes first, then those whose
/// own name starts with it, then contains it, then those found only through a name above them.
pub fn search_regions(query: &str, limit: usize) -> Vec<Region> {
    let query = query.trim();
    if query.is_empty() || limit == 0 {
        return Vec::new();
    }
    let ix = index();
    if query.bytes().all(|b| b.is_ascii_digit()) {
        let p = region_prefix(query).unwrap_or(query);
        return ix
            .all
            .iter()
            .filter(|r| r.code.starts_with(p))
            .take(limit)
            .cloned()
            .collect();
    }
    let words: Vec<&str> = query
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '，' | '、' | '/'))
        .filter(|w| !w.is_empty())
        .collect();
    let last = words.last().copied().unwrap_or(query);
    let mut hits: Vec<(u8, &Region)> = ix
        .all
        .iter()
        .filter(|r| words.iter().all(|w| r.full_name.contains(w)))
        .map(|r| {
            let rank = if r.name == last || r.name.trim_end_matches(['市', '县', '区']) == last {
                0
            } else if r.name.starts_with(last) {
                1
            } else if r.name.contains(last) {
                2
            } else {
                3
            };
            (rank, r)
        })
        .collect();
    hits.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.code.cmp(&b.1.code)));
    hits.into_iter()
        .take(limit)
        .map(|(_, r)| r.clone())
        .collect()
}

/// An industry code with the names of its 门类 and 大类 (GB/T 4754-2017).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Industry {
    /// The code as normalised: `C`, `C34` or `C3484`.
    pub code: String,
    /// 门类 letter and title: `C`, 制造业.
    pub section: String,
    pub section_title: Text,
    /// 大类 digits and title: `34`, 通用设备制造业; `None` for a 门类 alone.
    pub division: Option<String>,
    pub division_title: Option<Text>,
}

impl Industry {
    /// `C 制造业 / 34 通用设备制造业`; in English the Chinese names stay, with the English after each.
    pub fn label(&self) -> Text {
        let section_zh = format!("{} {}", self.section, self.section_title.zh);
        let section_en = format!("{section_zh} ({})", self.section_title.en);
        match (&self.division, &self.division_title) {
            (Some(d), Some(t)) => Text::new(
                &format!("{section_zh} / {d} {}", t.zh),
                &format!("{section_en} / {d} {} ({})", t.zh, t.en),
            ),
            _ => Text::new(&section_zh, &section_en),
        }
    }
}

/// The 门类 and 大类 an industry code names (`C3484`, `3484`, `C34`, `34`, `C`), or `None` when it is
/// no GB/T 4754-2017 code.
pub fn industry(code: &str) -> Option<Industry> {
    let code = normalise_industry(code).ok()?;
    let r = reference();
    let section = r.section(&code[..1])?;
    let division = code
        .get(1..3)
        .and_then(|d| r.divisions.iter().find(|x| x.code == d));
    Some(Industry {
        section: section.letter.clone(),
        section_title: section.title.clone(),
        division: division.map(|d| d.code.clone()),
        division_title: division.map(|d| d.title.clone()),
        code,
    })
}

/// The name of an industry code (`C3484` → C 制造业 / 34 通用设备制造业); the code itself when it is no
/// GB/T 4754-2017 code.
pub fn industry_name(code: &str) -> Text {
    industry(code).map_or_else(|| Text::new(code.trim(), code.trim()), |i| i.label())
}

/// Every 门类 and 大类, in the standard's order (a 门类 before its 大类): the list a chooser offers.
pub fn industries() -> Vec<Industry> {
    let r = reference();
    let mut out = Vec::new();
    for s in &r.sections {
        out.extend(industry(&s.letter));
        out.extend(
            r.divisions
                .iter()
                .filter(|d| {
                    d.code
                        .parse::<u8>()
                        .is_ok_and(|n| (s.divisions[0]..=s.divisions[1]).contains(&n))
                })
                .filter_map(|d| industry(&format!("{}{}", s.letter, d.code))),
        );
    }
    out
}

/// 门类 and 大类 matching a query, best first, at most `limit`: a code fragment (`C`, `C3`, `34`,
/// `3484`) matches codes from the start, words match the Chinese or English titles (`通用设备`,
/// `furniture`). Own title equal to the query first, then starting with it, then containing it.
pub fn search_industries(query: &str, limit: usize) -> Vec<Industry> {
    let query = query.trim();
    if query.is_empty() || limit == 0 {
        return Vec::new();
    }
    let all = industries();
    let upper = query.to_ascii_uppercase();
    let is_code = upper.len() <= 5
        && upper
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || (i == 0 && c.is_ascii_uppercase()));
    if is_code {
        // `3484` or `C3484`: its 大类 (a 小类 has no name here); `3` or `C3`: every 大类 from 30.
        let digits = upper.trim_start_matches(|c: char| c.is_ascii_uppercase());
        let letter = upper.chars().next().filter(char::is_ascii_uppercase);
        let digits = &digits[..digits.len().min(2)];
        return all
            .into_iter()
            .filter(|i| letter.is_none_or(|l| i.section.starts_with(l)))
            .filter(|i| match &i.division {
                Some(d) => d.starts_with(digits),
                None => digits.is_empty(),
            })
            .take(limit)
            .collect();
    }
    let lower = query.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let own = |i: &Industry| -> (String, String) {
        let t = i.division_title.as_ref().unwrap_or(&i.section_title);
        (t.zh.clone(), t.en.to_lowercase())
    };
    let mut hits: Vec<(u8, Industry)> = all
        .into_iter()
        .filter_map(|i| {
            let (zh, en) = own(&i);
            let all_in = |s: &str| words.iter().all(|w| s.contains(w));
            if !(all_in(&zh) || all_in(&en)) {
                return None;
            }
            let rank = if zh == lower || en == lower {
                0
            } else if zh.starts_with(&lower) || en.starts_with(&lower) {
                1
            } else {
                2
            };
            Some((rank, i))
        })
        .collect();
    hits.sort_by_key(|(rank, _)| *rank);
    hits.into_iter().take(limit).map(|(_, i)| i).collect()
}

/// The region code inside a 统一社会信用代码: characters 3–8 are the registering authority's
/// 行政区划码. `None` when the code is too short or those characters are not digits.
pub fn region_of_credit_code(credit_code: &str) -> Option<&str> {
    let c = credit_code.trim();
    let six = c.get(2..8)?;
    six.bytes().all(|b| b.is_ascii_digit()).then_some(six)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_codes_name_every_level() {
        assert_eq!(region_name("330381"), "浙江省温州市瑞安市");
        assert_eq!(region_name("3303"), "浙江省温州市");
        assert_eq!(region_name("330300"), "浙江省温州市");
        assert_eq!(region_name("33"), "浙江省");
        assert_eq!(region_name("320200"), "江苏省无锡市");
        // Counties of a municipality and of a province's own group hang on the province.
        assert_eq!(region_name("110108"), "北京市海淀区");
        assert_eq!(region_name("1101"), "北京市");
        assert_eq!(region_name("429004"), "湖北省仙桃市");
        assert_eq!(region_name("4290"), "湖北省省直辖县级行政区划");
        assert_eq!(region_name("441900"), "广东省东莞市");
        assert_eq!(region("330381").map(|r| r.level), Some(RegionLevel::County));
    }

    #[test]
    fn unknown_and_revoked_codes_say_so() {
        assert_eq!(region_name("330399"), "330399（已撤销或未知）");
        assert_eq!(region_name("990106"), "990106（已撤销或未知）");
        // A development zone's statistical code is no GB/T 2260 code.
        assert_eq!(region_name("130171"), "130171（已撤销或未知）");
        assert_eq!(region_name("33038"), "33038（已撤销或未知）");
        assert!(region("3399").is_none());
    }

    #[test]
    fn regions_under_walks_province_prefecture_county() {
        let provinces = regions_under("");
        assert_eq!(provinces.len(), 34);
        assert!(provinces.iter().all(|r| r.level == RegionLevel::Province));
        let zj = regions_under("33");
        assert_eq!(zj.len(), 11, "浙江省 has 11 prefectures");
        assert!(zj.iter().any(|r| r.code == "330300" && r.name == "温州市"));
        assert_eq!(regions_under("330000"), zj);
        let wz = regions_under("3303");
        assert!(
            wz.iter()
                .any(|r| r.code == "330381" && r.full_name == "浙江省温州市瑞安市")
        );
        assert!(wz.iter().all(|r| !r.has_children));
        // 北京市: counties directly; 湖北省: prefectures and the group of directly governed counties.
        assert!(
            regions_under("11")
                .iter()
                .all(|r| r.level == RegionLevel::County)
        );
        let hb = regions_under("42");
        let group = hb.iter().find(|r| r.code == "429000").unwrap();
        assert!(group.has_children);
        assert!(regions_under("4290").iter().any(|r| r.name == "仙桃市"));
        assert!(regions_under("4419").is_empty(), "东莞市 has no counties");
        assert!(regions_under("330381").is_empty());
        assert!(regions_under("x").is_empty());
    }

    #[test]
    fn search_regions_by_name_and_code() {
        let hit = &search_regions("瑞安", 5)[0];
        assert_eq!(
            (hit.code.as_str(), hit.full_name.as_str()),
            ("330381", "浙江省温州市瑞安市")
        );
        assert_eq!(search_regions("瑞安市", 5)[0].code, "330381");
        let wz = search_regions("温州", 20);
        assert_eq!(wz[0].code, "330300", "the city before its counties");
        assert!(wz.iter().any(|r| r.code == "330381"));
        assert_eq!(search_regions("温州 瑞安", 5)[0].code, "330381");
        assert_eq!(search_regions("3303", 3)[0].code, "330300");
        assert_eq!(search_regions("330381", 3)[0].code, "330381");
        assert!(search_regions("火星", 5).is_empty());
        assert_eq!(search_regions("区", 7).len(), 7);
    }

    #[test]
    fn industry_codes_name_section_and_division() {
        assert_eq!(industry_name("C3484").zh, "C 制造业 / 34 通用设备制造业");
        assert_eq!(industry_name("34").zh, "C 制造业 / 34 通用设备制造业");
        assert_eq!(industry_name("C").zh, "C 制造业");
        let en = industry_name("C3484").en;
        assert!(
            en.contains("通用设备制造业") && en.contains("Manufacturing"),
            "{en}"
        );
        assert_eq!(industry_name("五金").zh, "五金");
        assert_eq!(industries().len(), 20 + 97);
    }

    #[test]
    fn search_industries_by_name_and_code() {
        assert_eq!(search_industries("通用设备", 5)[0].code, "C34");
        assert_eq!(search_industries("34", 5)[0].code, "C34");
        assert_eq!(search_industries("C3484", 5)[0].code, "C34");
        assert_eq!(
            search_industries("制造业", 5)[0].code,
            "C",
            "exact title first"
        );
        assert!(
            search_industries("c3", 20)
                .iter()
                .all(|i| i.code.starts_with("C3"))
        );
        assert_eq!(search_industries("furniture", 5)[0].code, "C21");
        assert!(search_industries("火星", 5).is_empty());
    }

    #[test]
    fn credit_code_carries_the_region() {
        assert_eq!(region_of_credit_code("91330381MA2L1XX7X0"), Some("330381"));
        assert_eq!(region_of_credit_code("91"), None);
        assert_eq!(region_of_credit_code("91ab0381MA2L1XX7X0"), None);
    }
}
