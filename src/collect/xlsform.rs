//! XLSForm for field teams: the model as a form that ODK Collect and KoboToolbox run (survey,
//! choices and settings sheets, Chinese and English labels), and the names that their exports
//! carry back ([`FormNames`]).
//!
//! Each item is a group shown on one screen (`field-list`): the question, the two counts of a
//! ratio, the recorded figures and a note. Items restricted to some industry groups are `relevant`
//! only for them: a calculation derives the firm's group from the industry code by the model's
//! prefixes (longest first), as smedx does. Size-class restrictions are not expressed (the 2011
//! thresholds are beyond a form expression); such answers are dropped on import with a warning.
//! Numbers carry their ranges as constraints; a multiple choice with a "none" option cannot
//! combine it with others. `na` is a choice of single, scenario and trend items that allow it, and
//! a yes/no question in front of number and multiple-choice items.

use super::flat::{CellStyle, Column};
use crate::answers::AnswerSheet;
use crate::answers::{FieldKind, profile_fields};
use crate::model::item::Input;
use crate::model::{Children, Model, Node};
use crate::text::format_number;
use crate::text::{Lang, Text};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use std::collections::HashSet;

/// Languages of the form's label columns.
const LANGS: [(Lang, &str); 2] = [(Lang::Zh, "中文 (zh)"), (Lang::En, "English (en)")];

/// Names of the form's calculations (not answers).
pub const CALCULATIONS: [&str; 2] = ["industry_code", "industry_group"];

/// The XLSForm names of a model's questions, choices and groups: XML names made from the ids
/// (`network-connectivity` → `network_connectivity`), unique in the form.
#[derive(Debug, Clone)]
pub struct FormNames {
    items: Vec<String>,
    groups: Vec<String>,
    choices: Vec<Vec<String>>,
    taken: HashSet<String>,
}

/// An XML name: letters, digits and `_`, not starting with a digit.
fn xml_name(id: &str) -> String {
    let mut s: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        s.insert_str(0, "q_");
    }
    s
}

impl FormNames {
    pub fn new(model: &Model) -> FormNames {
        let mut n = FormNames {
            items: Vec::new(),
            groups: Vec::new(),
            choices: Vec::new(),
            taken: HashSet::new(),
        };
        for f in profile_fields() {
            n.taken.insert(f.id.clone());
            n.taken.insert(format!("{}_other", f.id));
        }
        for reserved in ["profile", "meta"].iter().chain(CALCULATIONS.iter()) {
            n.taken.insert(reserved.to_string());
        }
        for d in &model.dimensions {
            let g = n.claim(&xml_name(&d.id));
            n.groups.push(g);
        }
        for item in &model.items {
            let base = n.claim(&xml_name(&item.id));
            for suffix in [
                "_grp",
                "__applicable",
                "__numerator",
                "__denominator",
                "__note",
            ] {
                n.taken.insert(format!("{base}{suffix}"));
            }
            for f in &item.fields {
                n.taken.insert(format!("{base}__data__{}", xml_name(&f.id)));
            }
            n.items.push(base);
            let mut seen = HashSet::new();
            let choices = item
                .words()
                .iter()
                .map(|w| {
                    let mut c: String =
                        w.id.chars()
                            .map(|c| {
                                if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                                    c
                                } else {
                                    '_'
                                }
                            })
                            .collect();
                    while !seen.insert(c.clone()) {
                        c.push('_');
                    }
                    c
                })
                .collect();
            n.choices.push(choices);
        }
        n
    }

    fn claim(&mut self, name: &str) -> String {
        let mut candidate = name.to_string();
        let mut k = 2;
        while self.taken.contains(&candidate) {
            candidate = format!("{name}_{k}");
            k += 1;
        }
        self.taken.insert(candidate.clone());
        candidate
    }

    /// The question name of a column.
    pub fn name(&self, model: &Model, column: Column) -> Option<String> {
        let base = |i: usize| self.items[i].as_str();
        Some(match column {
            Column::Model | Column::ModelVersion | Column::Tick(..) => return None,
            Column::Profile(f) => profile_fields()[f].id.clone(),
            Column::Answer(i) => base(i).to_string(),
            Column::Applicable(i) => format!("{}__applicable", base(i)),
            Column::Numerator(i) => format!("{}__numerator", base(i)),
            Column::Denominator(i) => format!("{}__denominator", base(i)),
            Column::Note(i) => format!("{}__note", base(i)),
            Column::Data(i, f) => format!(
                "{}__data__{}",
                base(i),
                xml_name(&model.items[i].fields[f].id)
            ),
        })
    }

    /// Every question name with its column.
    pub fn all(&self, model: &Model) -> Vec<(Column, String)> {
        Column::all(model)
            .into_iter()
            .filter_map(|c| self.name(model, c).map(|n| (c, n)))
            .collect()
    }

    /// The choice name of option `o` of item `i`.
    pub fn choice_name(&self, _model: &Model, i: usize, o: usize) -> Option<&str> {
        self.choices.get(i)?.get(o).map(String::as_str)
    }

    /// The group path of an item's questions: dimension group, then the item's own group.
    fn item_path(&self, model: &Model, i: usize) -> Vec<String> {
        let item = &model.items[i];
        let d = model
            .dimensions
            .iter()
            .position(|d| d.id == item.dimension)
            .unwrap_or(0);
        vec![
            self.groups.get(d).cloned().unwrap_or_default(),
            format!("{}_grp", self.items[i]),
        ]
    }
}

/// One row of the survey sheet.
#[derive(Default)]
struct SurveyRow {
    kind: String,
    name: String,
    label: Option<Text>,
    hint: Option<Text>,
    required: String,
    relevant: String,
    constraint: String,
    constraint_message: Option<Text>,
    calculation: String,
    appearance: String,
}

const SURVEY_COLUMNS: &[&str] = &[
    "type",
    "name",
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "appearance",
];

/// An XPath string literal.
fn lit(s: &str) -> String {
    if s.contains('\'') {
        format!("\"{s}\"")
    } else {
        format!("'{s}'")
    }
}

/// The model as an XLSForm workbook.
pub fn write(model: &Model, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let names = FormNames::new(model);
    let mut survey: Vec<SurveyRow> = Vec::new();
    let mut choices: Vec<(String, String, Text)> = Vec::new();
    let t = |zh: &str, en: &str| Text::new(zh, en);

    // Shared lists.
    choices.push(("yes_no".into(), "yes".into(), t("适用", "Applies")));
    choices.push(("yes_no".into(), "no".into(), t("不适用", "Does not apply")));

    // Profile.
    survey.push(SurveyRow {
        kind: "begin_group".into(),
        name: "profile".into(),
        label: Some(t("企业信息", "Enterprise profile")),
        ..SurveyRow::default()
    });
    for f in profile_fields().iter().filter(|f| f.asked) {
        let (kind, constraint, message) = match (f.id.as_str(), f.kind) {
            ("industry", _) => (
                "text".into(),
                "regex(., '^[A-Ta-t]([0-9]{2}|[0-9]{3}|[0-9]{4})?$')".into(),
                Some(f.help.clone()),
            ),
            (_, FieldKind::Number) => (
                if f.whole { "integer" } else { "decimal" }.into(),
                f.min.map_or(String::new(), |m| format!(". >= {m}")),
                Some(t("不能为负", "Not negative")),
            ),
            (_, FieldKind::Date) => ("date".into(), String::new(), None),
            (_, FieldKind::List) if !f.choices().is_empty() => {
                let list = format!("profile_{}", f.id);
                for w in f.choices() {
                    choices.push((list.clone(), w.id.clone(), w.title.clone()));
                }
                (format!("select_multiple {list}"), String::new(), None)
            }
            _ => match &f.pattern {
                Some(p) => (
                    "text".into(),
                    format!("regex(., '{p}')"),
                    Some(f.help.clone()),
                ),
                None => ("text".into(), String::new(), None),
            },
        };
        let free = kind.starts_with("select_multiple");
        survey.push(SurveyRow {
            kind,
            name: f.id.clone(),
            label: Some(f.title.clone()),
            hint: Some(f.help.clone()),
            required: if f.required || f.id == "industry" {
                "yes".into()
            } else {
                String::new()
            },
            constraint,
            constraint_message: message,
            ..SurveyRow::default()
        });
        if free {
            // Free text beside the offered words; read back into the same field.
            survey.push(SurveyRow {
                kind: "text".into(),
                name: format!("{}_other", f.id),
                label: Some(t(
                    &format!("其他{}", f.title.zh),
                    &format!("Other: {}", f.title.en),
                )),
                ..SurveyRow::default()
            });
        }
    }
    survey.push(SurveyRow {
        kind: "end_group".into(),
        ..SurveyRow::default()
    });
    // The industry group, as smedx derives it: the longest matching code prefix, else the default.
    let mut prefixes: Vec<(&str, &str)> = model
        .industry_groups
        .iter()
        .flat_map(|g| g.codes.iter().map(move |c| (c.as_str(), g.id.as_str())))
        .collect();
    prefixes.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    let mut expr = lit(model.industry_group_of(None));
    for (prefix, group) in prefixes.iter().rev() {
        expr = format!(
            "if(starts-with(${{industry_code}}, {}), {}, {expr})",
            lit(prefix),
            lit(group)
        );
    }
    survey.push(SurveyRow {
        kind: "calculate".into(),
        name: "industry_code".into(),
        calculation: "translate(${industry}, 'abcdefghijklmnopqrst', 'ABCDEFGHIJKLMNOPQRST')"
            .into(),
        ..SurveyRow::default()
    });
    survey.push(SurveyRow {
        kind: "calculate".into(),
        name: "industry_group".into(),
        calculation: expr,
        ..SurveyRow::default()
    });

    for (d, dim) in model.dimensions.iter().enumerate() {
        survey.push(SurveyRow {
            kind: "begin_group".into(),
            name: names.groups[d].clone(),
            label: Some(dim.title.clone()),
            ..SurveyRow::default()
        });
        node_rows(
            model,
            &names,
            dim,
            &mut Vec::new(),
            &mut survey,
            &mut choices,
        );
        survey.push(SurveyRow {
            kind: "end_group".into(),
            ..SurveyRow::default()
        });
    }

    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    {
        let ws = wb.add_worksheet().set_name("survey")?;
        let mut c = 0u16;
        let mut header: Vec<(&str, Option<Lang>)> = Vec::new();
        for col in SURVEY_COLUMNS {
            if matches!(
                *col,
                "label" | "hint" | "required_message" | "constraint_message"
            ) {
                for (l, name) in LANGS {
                    ws.write_string_with_format(0, c, format!("{col}::{name}"), &bold)?;
                    header.push((col, Some(l)));
                    c += 1;
                }
            } else {
                ws.write_string_with_format(0, c, *col, &bold)?;
                header.push((col, None));
                c += 1;
            }
        }
        for (r, row) in survey.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, (col, l)) in header.iter().enumerate() {
                let text = |x: &Option<Text>| {
                    x.as_ref().map_or(String::new(), |x| match l {
                        Some(Lang::En) => x.en.clone(),
                        _ => x.zh.clone(),
                    })
                };
                let required_message =
                    (row.required == "yes").then(|| Text::new("必答", "Required"));
                let value = match *col {
                    "type" => row.kind.clone(),
                    "name" => row.name.clone(),
                    "label" => text(&row.label),
                    "hint" => text(&row.hint),
                    "required" => row.required.clone(),
                    "required_message" => text(&required_message),
                    "relevant" => row.relevant.clone(),
                    "constraint" => row.constraint.clone(),
                    "constraint_message" => text(&row.constraint_message),
                    "calculation" => row.calculation.clone(),
                    "appearance" => row.appearance.clone(),
                    _ => String::new(),
                };
                if !value.is_empty() {
                    ws.write_string(r, c as u16, value)?;
                }
            }
        }
        ws.set_freeze_panes(1, 0)?;
    }
    {
        let ws = wb.add_worksheet().set_name("choices")?;
        ws.write_string_with_format(0, 0, "list_name", &bold)?;
        ws.write_string_with_format(0, 1, "name", &bold)?;
        for (k, (_, name)) in LANGS.iter().enumerate() {
            ws.write_string_with_format(0, 2 + k as u16, format!("label::{name}"), &bold)?;
        }
        for (r, (list, name, label)) in choices.iter().enumerate() {
            let r = r as u32 + 1;
            ws.write_string(r, 0, list)?;
            ws.write_string(r, 1, name)?;
            ws.write_string(r, 2, &label.zh)?;
            ws.write_string(
                r,
                3,
                if label.en.is_empty() {
                    &label.zh
                } else {
                    &label.en
                },
            )?;
        }
    }
    {
        let ws = wb.add_worksheet().set_name("settings")?;
        let default = LANGS
            .iter()
            .find(|(l, _)| *l == lang)
            .map_or(LANGS[0].1, |(_, n)| n);
        let rows = [
            ("form_title", model.title.get(lang).to_string()),
            ("form_id", xml_name(&model.id)),
            ("version", model.version.clone()),
            ("default_language", default.to_string()),
            (
                "instance_name",
                "concat(${name}, ' ', ${assessed_on})".to_string(),
            ),
        ];
        for (c, (k, v)) in rows.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *k, &bold)?;
            ws.write_string(1, c as u16, v)?;
        }
    }
    wb.save_to_buffer()
}

fn node_rows(
    model: &Model,
    names: &FormNames,
    node: &Node,
    path: &mut Vec<Text>,
    survey: &mut Vec<SurveyRow>,
    choices: &mut Vec<(String, String, Text)>,
) {
    match &node.children {
        Children::Nodes(children) => {
            for c in children {
                path.push(c.title.clone());
                node_rows(model, names, c, path, survey, choices);
                path.pop();
            }
        }
        Children::Items(items) => {
            for &i in items {
                item_rows(model, names, i, path, survey, choices);
            }
        }
    }
}

fn item_rows(
    model: &Model,
    names: &FormNames,
    i: usize,
    path: &[Text],
    survey: &mut Vec<SurveyRow>,
    choices: &mut Vec<(String, String, Text)>,
) {
    let item = &model.items[i];
    let base = names.items[i].clone();
    let name = |c: Column| names.name(model, c).unwrap_or_default();
    let join = |sep: &str, f: &dyn Fn(&Text) -> String| -> String {
        path.iter().map(f).collect::<Vec<_>>().join(sep)
    };
    let group_label = Text::new(
        &join(" › ", &|t| t.zh.clone()),
        &join(" › ", &|t| t.get(Lang::En).to_string()),
    );
    let relevant = item
        .applies_to
        .industry_groups
        .as_ref()
        .map(|groups| {
            groups
                .iter()
                .map(|g| format!("${{industry_group}} = {}", lit(g)))
                .collect::<Vec<_>>()
                .join(" or ")
        })
        .unwrap_or_default();
    survey.push(SurveyRow {
        kind: "begin_group".into(),
        name: format!("{base}_grp"),
        label: (!path.is_empty()).then_some(group_label),
        relevant,
        appearance: "field-list".into(),
        ..SurveyRow::default()
    });
    let points = |l: Lang| {
        if item.points > 0.0 {
            match l {
                Lang::Zh => format!("（{} 分）", format_number(item.points)),
                Lang::En => format!(" ({} points)", format_number(item.points)),
            }
        } else {
            String::new()
        }
    };
    let title = Text::new(
        &format!("{}{}", item.title.zh, points(Lang::Zh)),
        &format!("{}{}", item.title.get(Lang::En), points(Lang::En)),
    );
    let evidence = |l: Lang| {
        let list: Vec<&str> = item.evidence.iter().map(|e| e.get(l)).collect();
        if list.is_empty() {
            String::new()
        } else {
            match l {
                Lang::Zh => format!("\n佐证材料：{}", list.join("；")),
                Lang::En => format!("\nEvidence: {}", list.join("; ")),
            }
        }
    };
    let hint = Text::new(
        format!(
            "{}{}",
            item.help.as_ref().map_or("", |h| h.zh.as_str()),
            evidence(Lang::Zh)
        )
        .trim(),
        format!(
            "{}{}",
            item.help.as_ref().map_or("", |h| h.get(Lang::En)),
            evidence(Lang::En)
        )
        .trim(),
    );
    let hint = (!hint.zh.is_empty()).then_some(hint);
    let required = if item.required { "yes" } else { "" }.to_string();
    // Band and multi items that allow N/A ask first whether the item applies.
    let asks_applies = item.allow_na && item.na_apart();
    let applies = if asks_applies {
        let n = name(Column::Applicable(i));
        survey.push(SurveyRow {
            kind: "select_one yes_no".into(),
            name: n.clone(),
            label: Some(Text::new(
                &format!("{}：本题是否适用？", item.title.zh),
                &format!("{}: does this apply?", item.title.get(Lang::En)),
            )),
            required: required.clone(),
            ..SurveyRow::default()
        });
        format!("${{{n}}} != 'no'")
    } else {
        String::new()
    };
    let and = |a: &str, b: &str| match (a.is_empty(), b.is_empty()) {
        (true, _) => b.to_string(),
        (_, true) => a.to_string(),
        _ => format!("{a} and ({b})"),
    };
    let na_choice = |list: &str, choices: &mut Vec<(String, String, Text)>| {
        if item.allow_na {
            choices.push((
                list.into(),
                "na".into(),
                Text::new("不适用", "Not applicable"),
            ));
        }
    };
    let words = item.words();
    let star = if item.constrained() { "★ " } else { "" };
    let title = Text::new(
        &format!("{star}{}", title.zh),
        &format!("{star}{}", title.en),
    );
    let hint = match (item.remark(), hint) {
        (Some(r), Some(h)) => Some(Text::new(
            &format!("{}\n{}", r.zh, h.zh),
            &format!("{}\n{}", r.en, h.en),
        )),
        (r, h) => r.or(h),
    };
    match item.input() {
        input @ (Input::One | Input::Many) => {
            let multi = matches!(input, Input::Many);
            for (o, w) in words.iter().enumerate() {
                let c = names.choice_name(model, i, o).unwrap_or(&w.id).to_string();
                choices.push((base.clone(), c, item.labelled(w)));
            }
            if !multi {
                na_choice(&base, choices);
            }
            let constraint = words
                .iter()
                .enumerate()
                .filter(|(_, w)| multi && w.exclusive)
                .map(|(o, _)| {
                    format!(
                        "(not(selected(., {})) or count-selected(.) = 1)",
                        lit(names.choice_name(model, i, o).unwrap_or(""))
                    )
                })
                .collect::<Vec<_>>()
                .join(" and ");
            let message = (!constraint.is_empty()).then(|| {
                Text::new(
                    "“无”不能与其他选项同选",
                    "\"None\" cannot be combined with other options",
                )
            });
            let kind = if multi {
                "select_multiple"
            } else {
                "select_one"
            };
            survey.push(SurveyRow {
                kind: format!("{kind} {base}"),
                name: base.clone(),
                label: Some(title),
                hint,
                required,
                relevant: applies.clone(),
                constraint,
                constraint_message: message,
                ..SurveyRow::default()
            });
        }
        Input::Number {
            min, max, ratio, ..
        } => {
            let mut range = Vec::new();
            if let Some(a) = min {
                range.push(format!(". >= {}", format_number(a)));
            }
            if let Some(b) = max {
                range.push(format!(". <= {}", format_number(b)));
            }
            let range_text = format!(
                "{}–{}",
                min.map_or(String::new(), format_number),
                max.map_or(String::new(), format_number)
            );
            let mut value_relevant = applies.clone();
            if let Some(r) = ratio {
                let (num, den) = (name(Column::Numerator(i)), name(Column::Denominator(i)));
                survey.push(SurveyRow {
                    kind: "decimal".into(),
                    name: den.clone(),
                    label: Some(r.denominator.clone()),
                    relevant: applies.clone(),
                    constraint: ". > 0".into(),
                    constraint_message: Some(Text::new("须大于 0", "Must be above 0")),
                    ..SurveyRow::default()
                });
                survey.push(SurveyRow {
                    kind: "decimal".into(),
                    name: num.clone(),
                    label: Some(r.numerator.clone()),
                    relevant: applies.clone(),
                    constraint: format!(
                        ". >= 0 and (string-length(${{{den}}}) = 0 or . <= ${{{den}}})"
                    ),
                    constraint_message: Some(Text::new("不能大于总数", "Cannot exceed the total")),
                    ..SurveyRow::default()
                });
                value_relevant = and(
                    &applies,
                    &format!("string-length(${{{num}}}) = 0 or string-length(${{{den}}}) = 0"),
                );
            }
            let (zh, en) = match ratio {
                Some(_) => (
                    "；已填上面两个数量时不用填",
                    "; not needed when both counts above are given",
                ),
                None => ("", ""),
            };
            let how = item.how();
            let how = Text::new(&format!("{}{zh}", how.zh), &format!("{}{en}", how.en));
            let hint = match hint {
                Some(h) => Text::new(
                    &format!("{}\n{}", how.zh, h.zh),
                    &format!("{}\n{}", how.en, h.en),
                ),
                None => how,
            };
            survey.push(SurveyRow {
                kind: "decimal".into(),
                name: base.clone(),
                label: Some(title),
                hint: Some(hint),
                required,
                relevant: value_relevant,
                constraint: range.join(" and "),
                constraint_message: (!range.is_empty()).then(|| {
                    Text::new(
                        &format!("范围 {range_text}"),
                        &format!("Range {range_text}"),
                    )
                }),
                ..SurveyRow::default()
            });
        }
    }
    for (f, field) in item.fields.iter().enumerate() {
        let unit = field
            .unit
            .as_deref()
            .map(|u| format!("（{u}）"))
            .unwrap_or_default();
        survey.push(SurveyRow {
            kind: "decimal".into(),
            name: name(Column::Data(i, f)),
            label: Some(Text::new(
                &format!("{}{unit}", field.label.zh),
                &format!("{}{unit}", field.label.get(Lang::En)),
            )),
            relevant: applies.clone(),
            ..SurveyRow::default()
        });
    }
    survey.push(SurveyRow {
        kind: "text".into(),
        name: name(Column::Note(i)),
        label: Some(Text::new("备注（可选）", "Note (optional)")),
        ..SurveyRow::default()
    });
    survey.push(SurveyRow {
        kind: "end_group".into(),
        ..SurveyRow::default()
    });
}

/// How an export names its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportStyle {
    /// KoboToolbox: `group/question`, plus one 1/0 column per choice of a multiple choice.
    Kobo,
    /// ODK Central: `group-question`.
    OdkCentral,
}

/// The columns an ODK Central or KoboToolbox export has for one submission of this sheet: what a
/// field team sends back. Used by tests and to make demo exports.
pub fn submission_row(
    model: &Model,
    sheet: &AnswerSheet,
    style: ExportStyle,
) -> Vec<(String, String)> {
    let names = FormNames::new(model);
    let sep = match style {
        ExportStyle::Kobo => "/",
        ExportStyle::OdkCentral => "-",
    };
    let mut out: Vec<(String, String)> = match style {
        ExportStyle::Kobo => vec![
            ("start".into(), "2026-05-12T09:00:00.000+08:00".into()),
            ("end".into(), "2026-05-12T09:40:00.000+08:00".into()),
        ],
        ExportStyle::OdkCentral => {
            vec![("SubmissionDate".into(), "2026-05-12T01:40:00.000Z".into())]
        }
    };
    let style_cells = CellStyle {
        ticks: false,
        labels: None,
        applicable_column: true,
    };
    let values: std::collections::HashMap<Column, String> =
        super::flat::sheet_cells(model, sheet, style_cells)
            .into_iter()
            .map(|(c, v)| (c, v.as_text().unwrap_or_default()))
            .collect();
    let value = |c: Column| values.get(&c).cloned().unwrap_or_default();
    // Every question of the form, in its order, as the exports have them (empty when not relevant).
    for (f, field) in profile_fields().iter().enumerate().filter(|(_, f)| f.asked) {
        out.push((
            format!("profile{sep}{}", field.id),
            value(Column::Profile(f)),
        ));
    }
    let industry = sheet.profile.industry.clone().unwrap_or_default();
    out.push(("industry_code".into(), industry));
    out.push((
        "industry_group".into(),
        sheet.profile.industry_group.clone(),
    ));
    for (i, item) in model.items.iter().enumerate() {
        let path = names.item_path(model, i).join(sep);
        let mut columns = Vec::new();
        if item.allow_na && item.na_apart() {
            columns.push(Column::Applicable(i));
        }
        if let Input::Number { ratio: Some(_), .. } = item.input() {
            columns.extend([Column::Denominator(i), Column::Numerator(i)]);
        }
        columns.push(Column::Answer(i));
        columns.extend((0..item.fields.len()).map(|f| Column::Data(i, f)));
        columns.push(Column::Note(i));
        for column in columns {
            let Some(name) = names.name(model, column) else {
                continue;
            };
            let header = format!("{path}{sep}{name}");
            let text = value(column);
            if style == ExportStyle::Kobo
                && let Column::Answer(i) = column
                && let Input::Many = model.items[i].input()
            {
                let chosen: Vec<&str> = text.split(' ').collect();
                for (o, opt) in model.items[i].words().iter().enumerate() {
                    let c = names.choice_name(model, i, o).unwrap_or(&opt.id);
                    let tick = match (text.is_empty(), chosen.contains(&opt.id.as_str())) {
                        (true, _) => "",
                        (false, true) => "1",
                        (false, false) => "0",
                    };
                    out.push((format!("{header}/{c}"), tick.into()));
                }
            }
            out.push((header, text));
        }
    }
    match style {
        ExportStyle::Kobo => {
            out.push(("_id".into(), "101".into()));
            out.push((
                "_uuid".into(),
                "6d1f0a7e-1111-4a5b-9c3d-2e4f5a6b7c8d".into(),
            ));
            out.push(("__version__".into(), "vabc".into()));
        }
        ExportStyle::OdkCentral => {
            out.push((
                "meta-instanceID".into(),
                "uuid:6d1f0a7e-1111-4a5b-9c3d-2e4f5a6b7c8d".into(),
            ));
            out.push((
                "KEY".into(),
                "uuid:6d1f0a7e-1111-4a5b-9c3d-2e4f5a6b7c8d".into(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_xml_names_and_unique() {
        assert_eq!(xml_name("network-connectivity"), "network_connectivity");
        assert_eq!(xml_name("3d-printing"), "q_3d_printing");
        let m = crate::model::bundled("sme-dx-2024").unwrap();
        let names = FormNames::new(m);
        let all = names.all(m);
        let unique: HashSet<&String> = all.iter().map(|(_, n)| n).collect();
        assert_eq!(unique.len(), all.len());
        assert!(
            all.iter()
                .all(|(_, n)| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        );
    }
}
