//! `band`: a number (a percentage, a count) mapped to a fraction by declared intervals, with the raw
//! figures kept when they were given.

use super::{AnswerValue, Check, Word, Written, WrittenValue, resolve_choice};
use crate::diag::{Arg, Diagnostic, Pos};
use crate::model::ItemSpec;
use crate::model::lint::{EPS, what};
use crate::model::raw::RawItem;
use crate::text::{Text, format_number};
use std::collections::HashSet;

/// An interval of a band item.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub id: String,
    pub label: Option<Text>,
    pub range: Interval,
    pub fraction: f64,
}

/// A closed, open or half-open interval of numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub lo_closed: bool,
    pub hi: f64,
    pub hi_closed: bool,
}

impl Interval {
    pub fn contains(&self, x: f64) -> bool {
        let above = if self.lo_closed {
            x >= self.lo
        } else {
            x > self.lo
        };
        let below = if self.hi_closed {
            x <= self.hi
        } else {
            x < self.hi
        };
        above && below
    }

    /// Parse "[0, 10]", "(10, 20]", "(60,100]"; a `%` after numbers is allowed.
    pub fn parse(text: &str) -> Option<Interval> {
        let t = text.trim();
        let lo_closed = match t.chars().next()? {
            '[' => true,
            '(' => false,
            _ => return None,
        };
        let hi_closed = match t.chars().last()? {
            ']' => true,
            ')' => false,
            _ => return None,
        };
        let inner = &t[1..t.len() - 1];
        let (a, b) = inner.split_once(',')?;
        let num = |s: &str| -> Option<f64> {
            let s = s.trim().trim_end_matches('%').trim();
            match s {
                "-inf" | "-∞" => Some(f64::NEG_INFINITY),
                "inf" | "+inf" | "∞" | "+∞" => Some(f64::INFINITY),
                _ => s.parse::<f64>().ok().filter(|x| x.is_finite()),
            }
        };
        let (lo, hi) = (num(a)?, num(b)?);
        (lo <= hi).then_some(Interval {
            lo,
            lo_closed,
            hi,
            hi_closed,
        })
    }

    /// Do two intervals share a point?
    pub fn overlaps(&self, other: &Interval) -> bool {
        let (first, second) = if self.lo <= other.lo {
            (self, other)
        } else {
            (other, self)
        };
        if first.hi > second.lo {
            return true;
        }
        first.hi == second.lo && first.hi_closed && second.lo_closed
    }
}

impl Interval {
    /// The interval in plain words, for forms: `0–10%`, `超过 10%，不超过 20%` / `over 10%, at most 20%`.
    pub fn plain(&self, unit: &str) -> Text {
        let (zh_unit, en_unit) = match unit {
            "" | "%" => (unit.to_string(), unit.to_string()),
            u => (u.to_string(), format!(" {u}")),
        };
        let zh = |x: f64| format!("{}{zh_unit}", format_number(x));
        let en = |x: f64| format!("{}{en_unit}", format_number(x));
        let (lo, hi) = (self.lo.is_finite(), self.hi.is_finite());
        if lo && hi && self.lo_closed && self.hi_closed {
            return Text {
                zh: format!("{}–{}", format_number(self.lo), zh(self.hi)),
                en: format!("{}–{}", format_number(self.lo), en(self.hi)),
            };
        }
        let mut parts = (Vec::new(), Vec::new());
        if lo {
            let (z, e) = if self.lo_closed {
                ("不低于", "at least")
            } else {
                ("超过", "over")
            };
            parts.0.push(format!("{z} {}", zh(self.lo)));
            parts.1.push(format!("{e} {}", en(self.lo)));
        }
        if hi {
            let (z, e) = if self.hi_closed {
                ("不超过", "at most")
            } else {
                ("低于", "under")
            };
            parts.0.push(format!("{z} {}", zh(self.hi)));
            parts.1.push(format!("{e} {}", en(self.hi)));
        }
        if parts.0.is_empty() {
            return Text::new("任意数值", "any value");
        }
        Text {
            zh: parts.0.join("，"),
            en: parts.1.join(", "),
        }
    }
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::text::format_number as n;
        write!(
            f,
            "{}{}, {}{}",
            if self.lo_closed { '[' } else { '(' },
            n(self.lo),
            n(self.hi),
            if self.hi_closed { ']' } else { ')' }
        )
    }
}

/// Raw figures accepted by a band item.
#[derive(Debug, Clone)]
pub struct Ratio {
    pub numerator: Text,
    pub denominator: Text,
    pub scale: f64,
}

pub(super) fn check(c: &mut Check, w: &Written) -> Option<AnswerValue> {
    let ItemSpec::Band {
        unit, ratio, bands, ..
    } = &c.item.spec
    else {
        return None;
    };
    if let (WrittenValue::Ratio { .. }, Some(ratio)) = (&w.value, ratio) {
        return ratio_answer(c, w, ratio.scale);
    }
    if let WrittenValue::Text(s) = &w.value
        && let Some(b) = bands.iter().find(|b| b.id == *s)
    {
        return Some(AnswerValue::Band { band: b.id.clone() });
    }
    let Some(value) = w.as_number() else {
        let d = Diagnostic::error("wrong-type")
            .variant(if ratio.is_some() { "ratio" } else { "band" })
            .arg("found", w.describe())
            .arg("unit", unit.clone().unwrap_or_default())
            .arg("bands", Arg::list(bands.iter().map(|b| b.id.as_str())));
        c.push(d, w.at);
        return None;
    };
    in_bands(c, w.at, value)?;
    Some(AnswerValue::Number {
        value,
        numerator: None,
        denominator: None,
    })
}

fn ratio_answer(c: &mut Check, w: &Written, scale: f64) -> Option<AnswerValue> {
    let WrittenValue::Ratio {
        numerator: Some(num),
        denominator: Some(den),
    } = &w.value
    else {
        c.push(Diagnostic::error("missing-field").variant("ratio"), w.at);
        return None;
    };
    let (Some(n), Some(d)) = (num.as_number(), den.as_number()) else {
        c.push(Diagnostic::error("wrong-type").variant("figures"), w.at);
        return None;
    };
    if d <= 0.0 || n < 0.0 {
        let d = Diagnostic::error("out-of-range")
            .variant("figures")
            .arg("numerator", n)
            .arg("denominator", d);
        c.push(d, den.at);
        return None;
    }
    if n > d {
        let d = Diagnostic::error("out-of-range")
            .variant("part_above_whole")
            .arg("numerator", n)
            .arg("denominator", d);
        c.push(d, num.at);
        return None;
    }
    let value = n / d * scale;
    in_bands(c, w.at, value)?;
    Some(AnswerValue::Number {
        value,
        numerator: Some(n),
        denominator: Some(d),
    })
}

/// Within the item's `min`–`max`, and in some band.
fn in_bands(c: &mut Check, at: Pos, value: f64) -> Option<()> {
    let ItemSpec::Band {
        min, max, bands, ..
    } = &c.item.spec
    else {
        return None;
    };
    if min.is_some_and(|m| value < m) || max.is_some_and(|m| value > m) {
        let range = format!(
            "{}–{}",
            min.map_or("".into(), format_number),
            max.map_or("".into(), format_number)
        );
        let d = Diagnostic::error("out-of-range")
            .arg("value", value)
            .arg("range", range);
        c.push(d, at);
        return None;
    }
    if !bands.iter().any(|b| b.range.contains(value)) {
        let ranges: Vec<String> = bands.iter().map(|b| b.range.to_string()).collect();
        let d = Diagnostic::error("out-of-range")
            .variant("no_band")
            .arg("value", value)
            .arg("range", Arg::list(ranges.iter().map(String::as_str)));
        c.push(d, at);
        return None;
    }
    Some(())
}

/// `填数值（%，0–100）`.
pub(super) fn how(input: super::Input) -> Text {
    let super::Input::Number { unit, min, max, .. } = input else {
        return Text::default();
    };
    let range = match (min, max) {
        (None, None) => String::new(),
        _ => format!(
            "{}–{}",
            min.map_or(String::new(), format_number),
            max.map_or(String::new(), format_number)
        ),
    };
    let inside = [unit, range.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>();
    if inside.is_empty() {
        Text::new("填数值", "A number")
    } else {
        Text::new(
            &format!("填数值（{}）", inside.join("，")),
            &format!("A number ({})", inside.join(", ")),
        )
    }
}

pub(super) fn fraction(bands: &[Band], v: &AnswerValue) -> Option<f64> {
    let band = match v {
        AnswerValue::Number { value, .. } => bands.iter().find(|b| b.range.contains(*value)),
        AnswerValue::Band { band } => bands.iter().find(|b| &b.id == band),
        _ => None,
    };
    Some(band?.fraction)
}

pub(super) fn display(unit: &Option<String>, bands: &[Band], v: &AnswerValue) -> Option<Text> {
    match v {
        AnswerValue::Number {
            value,
            numerator,
            denominator,
        } => {
            let unit = unit.as_deref().unwrap_or("");
            let n = format_number(((value * 100.0).round() / 100.0 * 1e6).round() / 1e6);
            let raw = match (numerator, denominator) {
                (Some(a), Some(b)) => format!(" ({}/{})", format_number(*a), format_number(*b)),
                _ => String::new(),
            };
            let s = format!("{n}{unit}{raw}");
            Some(Text::new(&s, &s))
        }
        AnswerValue::Band { band } => bands.iter().find(|b| &b.id == band).map(|b| {
            let s = format!("{} {}", b.id, b.range);
            Text::new(&s, &s)
        }),
        _ => None,
    }
}

/// The bands, labelled by their range when the model gives no label.
pub(super) fn words(bands: &[Band]) -> Vec<Word> {
    bands
        .iter()
        .map(|b| Word {
            id: b.id.clone(),
            label: b.label.clone().unwrap_or_else(|| {
                let r = b.range.to_string();
                Text::new(&r, &r)
            }),
            fraction: b.fraction,
            exclusive: false,
            help: None,
        })
        .collect()
}

/// A band's id or label typed into a cell, or raw figures as `36/62`.
pub(super) fn read_cell(bands: &[Band], ratio: bool, text: &str) -> Option<WrittenValue> {
    let labels = bands.iter().map(|b| (b.id.as_str(), b.label.as_ref()));
    if let Some(id) = resolve_choice(labels, text) {
        return Some(WrittenValue::Text(id.to_string()));
    }
    let (n, d) = text.split_once('/').filter(|_| ratio)?;
    let figure = |s: &str| {
        let w = Written::new(Pos::UNKNOWN, WrittenValue::Text(s.trim().into()));
        Some(Box::new(w))
    };
    Some(WrittenValue::Ratio {
        numerator: figure(n),
        denominator: figure(d),
    })
}

/// Lint of a raw band item into its spec.
impl crate::model::lint::Linter<'_> {
    pub(in crate::model) fn band_spec(&mut self, raw: &RawItem, id: &str, pos: Pos) -> ItemSpec {
        let min = raw.min.as_ref().map(|s| s.value);
        let max = raw.max.as_ref().map(|s| s.value);
        if let (Some(lo), Some(hi)) = (min, max)
            && lo > hi
        {
            let d = Diagnostic::error("bad-range").quoted("id", id);
            self.push(d.arg("min", lo).arg("max", hi), pos);
        }
        let mut bands: Vec<(Band, Pos)> = Vec::new();
        let mut seen = HashSet::new();
        let list = raw.bands.as_deref().unwrap_or_default();
        if list.is_empty() {
            self.push(Diagnostic::error("missing-bands").quoted("id", id), pos);
        }
        for b in list {
            let bpos = Pos::of(b.id.referenced);
            if !seen.insert(b.id.value.clone()) {
                let d = Diagnostic::error("duplicate-option").variant("band");
                self.push(d.quoted("option", &b.id.value).quoted("id", id), bpos);
            }
            let band = &b.id.value;
            if let Some(l) = &b.label {
                self.check_text(
                    l,
                    bpos,
                    what(
                        format!("档位“{band}”的文字"),
                        format!("label of band `{band}`"),
                    ),
                );
            }
            let part = what(
                format!("“{id}”的档位“{band}”"),
                format!("band `{band}` of `{id}`"),
            );
            let fraction = self.check_fraction(&b.fraction, part);
            let Some(range) = Interval::parse(&b.range.value) else {
                let d = Diagnostic::error("bad-range").variant("interval");
                self.push(
                    d.quoted("range", &b.range.value),
                    Pos::of(b.range.referenced),
                );
                continue;
            };
            if min.is_some_and(|m| range.lo < m) || max.is_some_and(|m| range.hi > m) {
                let d = Diagnostic::warning("band-outside-range")
                    .arg("band", range.to_string())
                    .quoted("id", id);
                self.push(d, Pos::of(b.range.referenced));
            }
            bands.push((
                Band {
                    id: b.id.value.clone(),
                    label: b.label.clone(),
                    range,
                    fraction,
                },
                Pos::of(b.range.referenced),
            ));
        }
        for pair in bands.windows(2) {
            let ((a, _), (b, bpos)) = (&pair[0], &pair[1]);
            if a.range.overlaps(&b.range) {
                let d = Diagnostic::error("bands-overlap")
                    .arg("band", b.range.to_string())
                    .quoted("id", id)
                    .arg("other", a.range.to_string());
                self.push(d, *bpos);
            } else if b.range.lo < a.range.lo {
                let d = Diagnostic::error("bands-not-ascending")
                    .arg("band", b.range.to_string())
                    .quoted("id", id)
                    .arg("other", a.range.to_string());
                self.push(d, *bpos);
            } else {
                if a.range.hi < b.range.lo
                    || (a.range.hi == b.range.lo && !a.range.hi_closed && !b.range.lo_closed)
                {
                    let d = Diagnostic::warning("bands-gap")
                        .quoted("id", id)
                        .arg("band", a.range.to_string())
                        .arg("other", b.range.to_string());
                    self.push(d, *bpos);
                }
                let rising = b.fraction + EPS >= a.fraction;
                let falling = b.fraction <= a.fraction + EPS;
                if (raw.descending && !falling) || (!raw.descending && !rising) {
                    let d = Diagnostic::error("bands-not-monotonic")
                        .variant(if raw.descending {
                            "descending"
                        } else {
                            "ascending"
                        })
                        .arg("band", b.range.to_string())
                        .quoted("id", id)
                        .arg("fraction", b.fraction)
                        .arg("other", a.range.to_string())
                        .arg("other_fraction", a.fraction);
                    self.push(d, *bpos);
                }
            }
        }
        let ratio = raw.ratio.as_ref().map(|r| {
            let part = what(
                format!("“{id}”的分子名称"),
                format!("ratio numerator of `{id}`"),
            );
            self.check_text(&r.numerator, pos, part);
            let part = what(
                format!("“{id}”的分母名称"),
                format!("ratio denominator of `{id}`"),
            );
            self.check_text(&r.denominator, pos, part);
            Ratio {
                numerator: r.numerator.clone(),
                denominator: r.denominator.clone(),
                scale: r.scale.unwrap_or(100.0),
            }
        });
        ItemSpec::Band {
            unit: raw.unit.clone(),
            min,
            max,
            ratio,
            descending: raw.descending,
            bands: bands.into_iter().map(|(b, _)| b).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{check, item_of};
    use super::*;

    #[test]
    fn intervals_parse_and_contain() {
        let i = Interval::parse("(10%, 20%]").unwrap();
        assert!(!i.contains(10.0) && i.contains(10.0001) && i.contains(20.0) && !i.contains(20.1));
        let j = Interval::parse("[0,10]").unwrap();
        assert!(j.contains(0.0) && j.contains(10.0));
        assert!(
            !i.overlaps(&j),
            "(10,20] and [0,10] touch but do not overlap"
        );
        assert!(
            Interval::parse("[0, 10]")
                .unwrap()
                .overlaps(&Interval::parse("[10, 20]").unwrap())
        );
        assert!(Interval::parse("[20, 10]").is_none());
        assert!(Interval::parse("0-10").is_none());
        assert_eq!(i.to_string(), "(10, 20]");
        assert_eq!(j.plain("%"), Text::new("0–10%", "0–10%"));
        assert_eq!(
            i.plain("%"),
            Text::new("超过 10%，不超过 20%", "over 10%, at most 20%")
        );
        let open_top = Interval::parse("[5, inf)").unwrap();
        assert_eq!(
            open_top.plain("台"),
            Text::new("不低于 5台", "at least 5 台")
        );
    }

    #[test]
    fn answers_checks_fractions_and_words() {
        let item = item_of(crate::model::ItemKind::Band);
        let ItemSpec::Band {
            bands,
            ratio: Some(ratio),
            max: Some(top),
            ..
        } = &item.spec
        else {
            panic!("a band item with raw figures and a maximum")
        };
        let num = |value: f64, n: Option<f64>, d: Option<f64>| AnswerValue::Number {
            value,
            numerator: n,
            denominator: d,
        };
        let a = AnswerValue::Band {
            band: bands[0].id.clone(),
        };
        let cases = [
            (format_number(*top), Ok(num(*top, None, None))),
            (bands[0].id.clone(), Ok(a.clone())),
            ("lots".into(), Err("wrong-type")),
            (format_number(top + 1.0), Err("out-of-range")),
            (
                "1/4".into(),
                Ok(num(0.25 * ratio.scale, Some(1.0), Some(4.0))),
            ),
            ("5/4".into(), Err("out-of-range")),
            ("1/0".into(), Err("out-of-range")),
            ("/3".into(), Err("missing-field")),
        ];
        for (written, want) in cases {
            assert_eq!(check(item, &written), want, "{written}");
        }
        assert_eq!(
            item.fraction(&num(*top, None, None)),
            Some(bands.last().unwrap().fraction)
        );
        assert_eq!(item.fraction(&a), Some(bands[0].fraction));
        let shown = item.display(Some(&num(58.064516, Some(36.0), Some(62.0))));
        assert!(
            shown.zh.starts_with("58.06") && shown.zh.ends_with(" (36/62)"),
            "{shown:?}"
        );
        assert_eq!(item.words().len(), bands.len());
        assert_eq!(
            item.read_cell("12", true),
            None,
            "a typed number stays a number"
        );
        let typed = item.read_cell("36/62", false).unwrap();
        let checked = item.check(&Written::new(Pos::UNKNOWN, typed), &mut Vec::new());
        assert!(matches!(
            checked,
            Some(AnswerValue::Number {
                numerator: Some(36.0),
                ..
            })
        ));
    }
}
