//! The questionnaire workbook: written from the model (`smedx template --format xlsx`), read back
//! (`smedx import 问卷.xlsx`, `smedx score 问卷.xlsx`).
//!
//! Layout. A profile sheet, then one sheet per top-level dimension (the scenarios of the bundled
//! model are the dimension 数字化经营). Every row that holds an answer has its key in column A: a
//! profile key, an item id, or `item/B` (a tick beside option B of a multi item),
//! `item/numerator`, `item/denominator`, `item/data/field`. The answer is in column D, a note in
//! column E; the question, how to answer, the options with their points, the help and the evidence
//! are beside it. Reading goes by the keys, not by positions, so a workbook saved again by
//! LibreOffice or WPS (other styles, shared strings, dates as serials) reads the same.
//!
//! Answer cells are unlocked and yellow; everything else is locked (sheet protection without a
//! password) and the workbook structure is locked, so sheets cannot be deleted or renamed by
//! accident. Choices are drop-downs; a list longer than Excel's 255-character limit for inline
//! lists is taken from a range on the hidden sheet `_lists`. Number cells are limited to their
//! ranges. The hidden sheet `_smedx` records the model, its version and the sheets.

use super::cells::{CellValue, Place};
use super::flat::{self, CellStyle, Column, Record};
use super::{Collected, tabular};
use crate::answers::profile_fields;
use crate::diag::Diagnostic;
use crate::model::item::{Input, Words};
use crate::model::{Children, Model, Node};
use crate::text::{Lang, tr};
use crate::yaml_value::format_number;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationRule, Format, FormatAlign, FormatBorder, Formula,
    ProtectionOptions, Workbook, Worksheet, XlsxError,
};
use std::collections::HashMap;
use std::io::{Cursor, Read, Write};

/// The hidden sheet with the model id, version and the sheets of the workbook.
pub const META_SHEET: &str = "_smedx";
/// The hidden sheet with long drop-down lists.
pub const LISTS_SHEET: &str = "_lists";
const FORMAT_NAME: &str = "smedx-questionnaire";
const FORMAT_VERSION: u32 = 1;

const COL_KEY: u16 = 0;
const COL_QUESTION: u16 = 1;
const COL_HOW: u16 = 2;
const COL_ANSWER: u16 = 3;
const COL_NOTE: u16 = 4;
const COL_OPTIONS: u16 = 5;
const COL_HELP: u16 = 6;
const COL_EVIDENCE: u16 = 7;
const HEADER_ROW: u32 = 2;

/// How answers are written into a workbook.
pub fn cell_style(lang: Lang) -> CellStyle {
    CellStyle {
        ticks: true,
        labels: Some(lang),
        applicable_column: false,
    }
}

/// The tick that marks a chosen option.
pub const TICK: &str = "✓";

struct Formats {
    title: Format,
    note: Format,
    header: Format,
    heading: Format,
    key: Format,
    text: Format,
    sub: Format,
    answer: Format,
    answer_text: Format,
    locked_hint: Format,
}

impl Formats {
    fn new() -> Formats {
        let border = |f: Format| f.set_border(FormatBorder::Thin).set_border_color(0xBFBFBF);
        let wrap = Format::new()
            .set_text_wrap()
            .set_align(FormatAlign::Top)
            .set_font_size(10);
        let answer = border(
            Format::new()
                .set_unlocked()
                .set_background_color(Color::RGB(0xFFF2CC))
                .set_align(FormatAlign::Top)
                .set_text_wrap(),
        );
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            note: Format::new().set_italic().set_font_color(0x595959),
            header: border(
                Format::new()
                    .set_bold()
                    .set_background_color(Color::RGB(0xD9E1F2))
                    .set_text_wrap()
                    .set_align(FormatAlign::Top),
            ),
            heading: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xEDEDED)),
            key: Format::new()
                .set_font_color(0x808080)
                .set_font_size(9)
                .set_align(FormatAlign::Top),
            text: border(wrap.clone()),
            sub: border(wrap.set_indent(2)),
            answer_text: answer.clone().set_num_format("@"),
            answer,
            locked_hint: border(
                Format::new()
                    .set_italic()
                    .set_font_color(0x808080)
                    .set_text_wrap()
                    .set_align(FormatAlign::Top),
            ),
        }
    }
}

/// Write the questionnaire workbook, with `filled` answers already in their cells (none for a blank
/// template).
pub fn write(
    model: &Model,
    lang: Lang,
    filled: &[(Column, CellValue)],
) -> Result<Vec<u8>, XlsxError> {
    let mut w = Writer {
        model,
        lang,
        fmt: Formats::new(),
        filled: filled.iter().cloned().collect(),
        lists: Vec::new(),
    };
    let mut sheets: Vec<(Worksheet, String, String)> = Vec::new();
    let mut used: Vec<String> = vec![META_SHEET.into(), LISTS_SHEET.into()];
    let profile_name = unique_sheet_name(tr(lang, "企业信息", "Profile"), &mut used);
    sheets.push((
        w.profile_sheet(&profile_name)?,
        profile_name,
        "profile".into(),
    ));
    for d in &model.dimensions {
        let name = unique_sheet_name(d.title.get(lang), &mut used);
        sheets.push((w.dimension_sheet(d, &name)?, name, d.id.clone()));
    }
    let mut wb = Workbook::new();
    let mut meta = Worksheet::new();
    meta.set_name(META_SHEET)?;
    let rows: [(&str, String); 5] = [
        ("format", FORMAT_NAME.into()),
        ("format_version", FORMAT_VERSION.to_string()),
        ("model", model.id.clone()),
        ("model_version", model.version.clone()),
        (
            "lang",
            match lang {
                Lang::Zh => "zh".into(),
                Lang::En => "en".into(),
            },
        ),
    ];
    for (r, (k, v)) in rows.iter().enumerate() {
        meta.write_string(r as u32, 0, *k)?;
        meta.write_string(r as u32, 1, v)?;
    }
    for (r, (_, name, role)) in sheets.iter().enumerate() {
        let r = (rows.len() + r) as u32;
        meta.write_string(r, 0, "sheet")?;
        meta.write_string(r, 1, name)?;
        meta.write_string(r, 2, role)?;
    }
    meta.set_hidden(true);
    meta.protect();
    let mut lists = Worksheet::new();
    lists.set_name(LISTS_SHEET)?;
    for (c, list) in w.lists.iter().enumerate() {
        for (r, v) in list.iter().enumerate() {
            lists.write_string(r as u32, c as u16, v)?;
        }
    }
    lists.set_hidden(true);
    lists.protect();
    for (ws, _, _) in sheets {
        wb.push_worksheet(ws);
    }
    wb.push_worksheet(lists);
    wb.push_worksheet(meta);
    let bytes = wb.save_to_buffer()?;
    Ok(lock_structure(&bytes).unwrap_or(bytes))
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`, unique ignoring case.
fn unique_sheet_name(title: &str, used: &mut Vec<String>) -> String {
    let clean: String = title
        .chars()
        .map(|c| {
            if matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\') {
                '-'
            } else {
                c
            }
        })
        .collect::<String>()
        .trim_matches('\'')
        .trim()
        .chars()
        .take(31)
        .collect();
    let clean = if clean.is_empty() {
        "Sheet".to_string()
    } else {
        clean
    };
    let mut name = clean.clone();
    let mut n = 2;
    while used.iter().any(|u| u.eq_ignore_ascii_case(&name)) || name.eq_ignore_ascii_case("history")
    {
        let suffix = format!(" {n}");
        let keep = 31 - suffix.chars().count();
        name = clean.chars().take(keep).collect::<String>() + &suffix;
        n += 1;
    }
    used.push(name.clone());
    name
}

/// Lock the workbook structure (no deleting, renaming or unhiding sheets): rust_xlsxwriter protects
/// sheets but not the structure, so the element is added to `xl/workbook.xml`.
fn lock_structure(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).ok()?;
        let name = file.name().ok()?.to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data).ok()?;
        if name == "xl/workbook.xml" {
            let text = String::from_utf8(data).ok()?;
            let at = text.find("<bookViews")?;
            data = format!(
                "{}<workbookProtection lockStructure=\"1\"/>{}",
                &text[..at],
                &text[at..]
            )
            .into_bytes();
        }
        out.start_file(name, options).ok()?;
        out.write_all(&data).ok()?;
    }
    Some(out.finish().ok()?.into_inner())
}

struct Writer<'a> {
    model: &'a Model,
    lang: Lang,
    fmt: Formats,
    filled: HashMap<Column, CellValue>,
    /// Columns of the hidden `_lists` sheet.
    lists: Vec<Vec<String>>,
}

impl Writer<'_> {
    fn t<'t>(&self, zh: &'t str, en: &'t str) -> &'t str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn new_sheet(&self, name: &str, title: &str, headers: &[&str]) -> Result<Worksheet, XlsxError> {
        let mut ws = Worksheet::new();
        ws.set_name(name)?;
        ws.write_string_with_format(0, COL_QUESTION, title, &self.fmt.title)?;
        let how = self.t(
            "黄色单元格为填写区，其余单元格已锁定。填好后：smedx import 本文件 -o answers.yaml，或直接 smedx score 本文件。",
            "Fill in the yellow cells; the rest is locked. Then: smedx import THIS-FILE -o answers.yaml, or smedx score THIS-FILE.",
        );
        ws.write_string_with_format(1, COL_QUESTION, how, &self.fmt.note)?;
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(HEADER_ROW, c as u16, *h, &self.fmt.header)?;
        }
        for (c, w) in WIDTHS.iter().take(headers.len()).enumerate() {
            ws.set_column_width(c as u16, *w)?;
        }
        ws.set_freeze_panes(HEADER_ROW + 1, 0)?;
        // Printed on site: landscape, all columns on one page width, the header on every page.
        ws.set_landscape();
        ws.set_paper_size(9);
        ws.set_print_fit_to_pages(1, 0);
        ws.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
        ws.protect_with_options(&ProtectionOptions {
            format_columns: true,
            format_rows: true,
            ..ProtectionOptions::default()
        });
        Ok(ws)
    }

    /// Write an answer cell with its prefilled value, if any.
    fn answer_cell(
        &self,
        ws: &mut Worksheet,
        row: u32,
        col: u16,
        column: Column,
        text_format: bool,
    ) -> Result<(), XlsxError> {
        let f = if text_format {
            &self.fmt.answer_text
        } else {
            &self.fmt.answer
        };
        match self.filled.get(&column) {
            Some(CellValue::Number(n)) if !text_format => {
                ws.write_number_with_format(row, col, *n, f)?;
            }
            Some(CellValue::Bool(b)) => {
                ws.write_boolean_with_format(row, col, *b, f)?;
            }
            Some(v) => match v.as_text() {
                Some(t) => {
                    ws.write_string_with_format(row, col, t, f)?;
                }
                None => {
                    ws.write_blank(row, col, f)?;
                }
            },
            None => {
                ws.write_blank(row, col, f)?;
            }
        }
        Ok(())
    }

    /// A drop-down of `entries`: inline when short enough, else from a range on `_lists`.
    fn list_validation(&mut self, entries: &[String]) -> Result<DataValidation, XlsxError> {
        let joined: usize = entries
            .iter()
            .map(|e| e.encode_utf16().count() + 1)
            .sum::<usize>();
        let v = if joined <= 255 && !entries.iter().any(|e| e.contains(',')) {
            DataValidation::new().allow_list_strings(entries)?
        } else {
            let col = self.lists.len() as u16;
            self.lists.push(entries.to_vec());
            let range = format!(
                "='{LISTS_SHEET}'!${}$1:${}${}",
                super::cells::column_letters(u32::from(col)),
                super::cells::column_letters(u32::from(col)),
                entries.len()
            );
            DataValidation::new().allow_list_formula(Formula::new(range))
        };
        v.set_error_title(self.t("答案无效", "Invalid answer"))?
            .set_error_message(self.t(
                "请从下拉列表中选择一项。",
                "Choose an entry from the drop-down list.",
            ))
    }

    fn number_validation(
        &self,
        min: Option<f64>,
        max: Option<f64>,
        na: bool,
        cell: &str,
    ) -> Result<DataValidation, XlsxError> {
        let range_text = match (min, max) {
            (Some(a), Some(b)) => format!("{}–{}", format_number(a), format_number(b)),
            (Some(a), None) => format!("≥ {}", format_number(a)),
            (None, Some(b)) => format!("≤ {}", format_number(b)),
            (None, None) => self.t("任意数", "any number").to_string(),
        };
        let v = if na {
            let mut conds = vec![format!("ISNUMBER({cell})")];
            if let Some(a) = min {
                conds.push(format!("{cell}>={}", format_number(a)));
            }
            if let Some(b) = max {
                conds.push(format!("{cell}<={}", format_number(b)));
            }
            let na_word = flat::na_word(Words::Labels(self.lang));
            DataValidation::new().allow_custom(Formula::new(format!(
                "=OR({cell}=\"{na_word}\",AND({}))",
                conds.join(",")
            )))
        } else {
            let rule = match (min, max) {
                (Some(a), Some(b)) => DataValidationRule::Between(a, b),
                (Some(a), None) => DataValidationRule::GreaterThanOrEqualTo(a),
                (None, Some(b)) => DataValidationRule::LessThanOrEqualTo(b),
                (None, None) => DataValidationRule::Between(-1e15, 1e15),
            };
            DataValidation::new().allow_decimal_number(rule)
        };
        let msg = match self.lang {
            Lang::Zh => format!(
                "请填写数字，范围 {range_text}{}。",
                if na { "，或“不适用”" } else { "" }
            ),
            Lang::En => format!(
                "Enter a number, {range_text}{}.",
                if na { ", or n/a" } else { "" }
            ),
        };
        v.set_error_title(self.t("数值无效", "Invalid number"))?
            .set_error_message(msg)
    }

    fn profile_sheet(&mut self, name: &str) -> Result<Worksheet, XlsxError> {
        let title = format!(
            "{} — {} {}",
            self.t("企业信息", "Enterprise profile"),
            self.model.title.get(self.lang),
            self.model.version
        );
        let headers = [
            self.t("编号", "Key"),
            self.t("项目", "Field"),
            self.t("说明", "How to fill"),
            self.t("填写", "Value"),
        ];
        let mut ws = self.new_sheet(name, &title, &headers)?;
        ws.set_column_width(COL_ANSWER, 36.0)?;
        for (f, field) in profile_fields().iter().enumerate() {
            let row = HEADER_ROW + 1 + f as u32;
            ws.write_string_with_format(row, COL_KEY, &field.id, &self.fmt.key)?;
            ws.write_string_with_format(row, COL_QUESTION, field.title(self.lang), &self.fmt.text)?;
            let how = field.how(self.lang);
            ws.write_string_with_format(row, COL_HOW, &how, &self.fmt.text)?;
            fit_height(
                &mut ws,
                row,
                &[(&how, COL_HOW), (field.title(self.lang), COL_QUESTION)],
            )?;
            let column = Column::Profile(f);
            let cell = cell_a1(row, COL_ANSWER);
            use crate::answers::FieldKind;
            match field.kind {
                FieldKind::Number => {
                    self.answer_cell(&mut ws, row, COL_ANSWER, column, false)?;
                    let v = self.number_validation(Some(0.0), None, false, &cell)?;
                    ws.add_data_validation(row, COL_ANSWER, row, COL_ANSWER, &v)?;
                }
                FieldKind::Flag => {
                    self.answer_cell(&mut ws, row, COL_ANSWER, column, true)?;
                    let words = [
                        self.t("是", "yes").to_string(),
                        self.t("否", "no").to_string(),
                    ];
                    let v = self.list_validation(&words)?;
                    ws.add_data_validation(row, COL_ANSWER, row, COL_ANSWER, &v)?;
                }
                _ => self.answer_cell(&mut ws, row, COL_ANSWER, column, true)?,
            }
        }
        Ok(ws)
    }

    fn dimension_sheet(&mut self, d: &Node, name: &str) -> Result<Worksheet, XlsxError> {
        let points = points_suffix(d.points, self.lang);
        let separate = if d.counts_toward_level {
            ""
        } else {
            self.t(
                "（单独计分，不影响等级）",
                " (scored separately; does not change the level)",
            )
        };
        let title = format!("{}{points}{separate}", d.title.get(self.lang));
        let headers = [
            self.t("编号", "Key"),
            self.t("题目", "Question"),
            self.t("填写方法", "How to answer"),
            self.t("答案", "Answer"),
            self.t("备注", "Note"),
            self.t("选项与分值", "Options and points"),
            self.t("说明", "Help"),
            self.t("佐证材料", "Evidence"),
        ];
        let mut ws = self.new_sheet(name, &title, &headers)?;
        let mut row = HEADER_ROW + 1;
        self.node_rows(&mut ws, d, &mut Vec::new(), &mut row)?;
        Ok(ws)
    }

    fn node_rows(
        &mut self,
        ws: &mut Worksheet,
        node: &Node,
        path: &mut Vec<String>,
        row: &mut u32,
    ) -> Result<(), XlsxError> {
        match &node.children {
            Children::Nodes(children) => {
                for c in children {
                    path.push(c.title.get(self.lang).to_string());
                    self.node_rows(ws, c, path, row)?;
                    path.pop();
                }
            }
            Children::Items(items) => {
                if !path.is_empty() {
                    let heading = format!(
                        "{}{}",
                        path.join(" › "),
                        points_suffix(node.points, self.lang)
                    );
                    for c in COL_KEY..=COL_EVIDENCE {
                        ws.write_blank(*row, c, &self.fmt.heading)?;
                    }
                    ws.write_string_with_format(*row, COL_QUESTION, heading, &self.fmt.heading)?;
                    *row += 1;
                }
                for &i in items {
                    self.item_rows(ws, i, row)?;
                }
            }
        }
        Ok(())
    }

    fn item_rows(&mut self, ws: &mut Worksheet, i: usize, row: &mut u32) -> Result<(), XlsxError> {
        let model = self.model;
        let item = &model.items[i];
        let lang = self.lang;
        let r = *row;
        let points = points_suffix(item.points, lang);
        ws.write_string_with_format(r, COL_KEY, &item.id, &self.fmt.key)?;
        ws.write_string_with_format(
            r,
            COL_QUESTION,
            format!("{}{points}", item.title.get(lang)),
            &self.fmt.text,
        )?;
        let help = item.help.as_ref().map_or("", |h| h.get(lang));
        let mut help = help.to_string();
        if let Some(groups) = &item.applies_to.industry_groups {
            let names: Vec<&str> = groups
                .iter()
                .map(|g| {
                    model
                        .industry_group(g)
                        .map_or(g.as_str(), |x| x.title.get(lang))
                })
                .collect();
            let line = format!(
                "{}{}",
                self.t("适用行业：", "Applies to: "),
                names.join(self.t("、", ", "))
            );
            help = if help.is_empty() {
                line
            } else {
                format!("{help}\n{line}")
            };
        }
        let help_text = help.clone();
        ws.write_string_with_format(r, COL_HELP, help, &self.fmt.text)?;
        let evidence: Vec<String> = item
            .evidence
            .iter()
            .map(|e| format!("• {}", e.get(lang)))
            .collect();
        ws.write_string_with_format(r, COL_EVIDENCE, evidence.join("\n"), &self.fmt.text)?;
        self.answer_cell(ws, r, COL_NOTE, Column::Note(i), true)?;
        let na_word = flat::na_word(Words::Labels(lang)).to_string();
        let na_hint = if item.allow_na {
            match lang {
                Lang::Zh => format!("；不适用时选“{na_word}”"),
                Lang::En => format!("; {na_word} if it does not apply"),
            }
        } else {
            String::new()
        };
        let answer = cell_a1(r, COL_ANSWER);
        let mut sub_rows: Vec<(String, String, Column, Option<DataValidation>)> = Vec::new();
        let words = item.words();
        let remark = item.remark().map_or(String::new(), |r| {
            format!("{}{}", r.get(lang), self.t("。", ". "))
        });
        let lines: Vec<String> = words
            .iter()
            .map(|w| {
                let alone = if w.exclusive {
                    self.t("（只能单独选）", " (alone only)")
                } else {
                    ""
                };
                let label = item.labelled(w);
                format!("{}{alone}{}", label.get(lang), item.word_points(w))
            })
            .collect();
        let kind_how = item.how();
        let (how, options) = match item.input() {
            Input::One => {
                let entries: Vec<String> = words
                    .iter()
                    .map(|w| item.entry(w, lang))
                    .chain(item.allow_na.then(|| na_word.clone()))
                    .collect();
                let numeric = entries
                    .iter()
                    .all(|e| e == &na_word || e.parse::<f64>().is_ok());
                self.answer_cell(ws, r, COL_ANSWER, Column::Answer(i), !numeric)?;
                let v = self.list_validation(&entries)?;
                ws.add_data_validation(r, COL_ANSWER, r, COL_ANSWER, &v)?;
                let pick = self.t("：从下拉列表选择", ": choose from the list");
                (
                    format!("{remark}{}{pick}{na_hint}", kind_how.get(lang)),
                    lines.join("\n"),
                )
            }
            Input::Many => {
                if item.allow_na {
                    self.answer_cell(ws, r, COL_ANSWER, Column::Answer(i), true)?;
                    let v = self.list_validation(std::slice::from_ref(&na_word))?;
                    ws.add_data_validation(r, COL_ANSWER, r, COL_ANSWER, &v)?;
                } else {
                    // Locked and empty: the answer is the ticks below (a hint here would be read as one).
                    ws.write_blank(r, COL_ANSWER, &self.fmt.locked_hint)?;
                }
                for (o, (w, line)) in words.iter().zip(lines).enumerate() {
                    let tick = self.list_validation(&[TICK.to_string()])?;
                    sub_rows.push((
                        format!("{}/{}", item.id, w.id),
                        line,
                        Column::Tick(i, o),
                        Some(tick),
                    ));
                }
                // The options are the rows below, each with its points.
                let tick = self.t(
                    "：在下列选中的选项右侧打 ✓",
                    ": tick (✓) every option below that applies",
                );
                (
                    format!("{}{tick}{na_hint}", kind_how.get(lang)),
                    String::new(),
                )
            }
            Input::Number {
                min, max, ratio, ..
            } => {
                self.answer_cell(ws, r, COL_ANSWER, Column::Answer(i), false)?;
                let v = self.number_validation(min, max, item.allow_na, &answer)?;
                ws.add_data_validation(r, COL_ANSWER, r, COL_ANSWER, &v)?;
                let mut how = kind_how.get(lang).to_string();
                if let Some(ratio) = ratio {
                    how.push_str(self.t(
                        "；或在下面两行填数量，由系统计算",
                        "; or the two counts below, and smedx computes it",
                    ));
                    for (label, column, key) in [
                        (&ratio.numerator, Column::Numerator(i), "numerator"),
                        (&ratio.denominator, Column::Denominator(i), "denominator"),
                    ] {
                        let cell = cell_a1(*row + 1 + sub_rows.len() as u32, COL_ANSWER);
                        let v = self.number_validation(Some(0.0), None, false, &cell)?;
                        sub_rows.push((
                            format!("{}/{key}", item.id),
                            label.get(lang).to_string(),
                            column,
                            Some(v),
                        ));
                    }
                }
                how.push_str(&na_hint);
                (how, lines.join("\n"))
            }
        };
        let title = format!("{}{points}", item.title.get(lang));
        let evidence_text: Vec<String> = item
            .evidence
            .iter()
            .map(|e| format!("• {}", e.get(lang)))
            .collect();
        fit_height(
            ws,
            r,
            &[
                (&title, COL_QUESTION),
                (&how, COL_HOW),
                (&options, COL_OPTIONS),
                (&help_text, COL_HELP),
                (&evidence_text.join("\n"), COL_EVIDENCE),
            ],
        )?;
        ws.write_string_with_format(r, COL_HOW, how, &self.fmt.text)?;
        ws.write_string_with_format(r, COL_OPTIONS, options, &self.fmt.text)?;
        for (f, field) in item.fields.iter().enumerate() {
            let cell = cell_a1(*row + 1 + sub_rows.len() as u32, COL_ANSWER);
            let v = self.number_validation(None, None, false, &cell)?;
            let label = match &field.unit {
                Some(u) => format!("{}{}", field.label.get(lang), unit_suffix(u, lang)),
                None => field.label.get(lang).to_string(),
            };
            sub_rows.push((
                format!("{}/data/{}", item.id, field.id),
                format!("{}{label}", self.t("记录：", "Record: ")),
                Column::Data(i, f),
                Some(v),
            ));
        }
        *row += 1;
        for (key, label, column, validation) in sub_rows {
            ws.write_string_with_format(*row, COL_KEY, key, &self.fmt.key)?;
            fit_height(ws, *row, &[(&label, COL_QUESTION)])?;
            ws.write_string_with_format(*row, COL_QUESTION, label, &self.fmt.sub)?;
            let text = matches!(column, Column::Tick(..));
            self.answer_cell(ws, *row, COL_ANSWER, column, text)?;
            if let Some(v) = validation {
                ws.add_data_validation(*row, COL_ANSWER, *row, COL_ANSWER, &v)?;
            }
            *row += 1;
        }
        Ok(())
    }
}

/// `（7.5 分）` or ` (7.5 points)`; nothing for an item without points.
fn points_suffix(points: f64, lang: Lang) -> String {
    match (points > 0.0, lang) {
        (false, _) => String::new(),
        (true, Lang::Zh) => format!("（{} 分）", format_number(points)),
        (true, Lang::En) => format!(" ({} points)", format_number(points)),
    }
}

/// `（万元）` or ` (10k CNY)`-style unit after a label.
pub(crate) fn unit_suffix(unit: &str, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!("（{unit}）"),
        Lang::En => format!(" ({unit})"),
    }
}

/// Column widths (in characters of the default font).
const WIDTHS: [f64; 8] = [24.0, 48.0, 22.0, 22.0, 20.0, 48.0, 44.0, 36.0];

/// Rows tall enough for their wrapped text: spreadsheet programs do not grow rows on opening a file.
fn fit_height(ws: &mut Worksheet, row: u32, texts: &[(&str, u16)]) -> Result<(), XlsxError> {
    let lines = texts
        .iter()
        .map(|(text, col)| {
            let width = WIDTHS.get(usize::from(*col)).copied().unwrap_or(20.0);
            text.lines()
                .map(|line| {
                    let cells: usize = line
                        .chars()
                        .map(|c| if (c as u32) >= 0x2E80 { 2 } else { 1 })
                        .sum();
                    (cells as f64 / (width * 1.05)).ceil().max(1.0)
                })
                .sum::<f64>()
        })
        .fold(1.0_f64, f64::max);
    if lines > 1.0 {
        ws.set_row_height(row, (lines * 13.0 + 2.0).min(409.0))?;
    }
    Ok(())
}

/// `D7` for row 6, column 3.
fn cell_a1(row: u32, col: u16) -> String {
    format!(
        "{}{}",
        super::cells::column_letters(u32::from(col)),
        row + 1
    )
}

/// A row with a key in column A.
#[derive(Debug, Clone)]
struct KeyRow {
    sheet: String,
    row: u32,
    key: String,
    answer: CellValue,
    note: CellValue,
}

/// A questionnaire workbook as read, before it is matched with a model.
#[derive(Debug, Clone)]
pub struct Questionnaire {
    pub file: String,
    /// The model id recorded in the workbook.
    pub model_named: Option<String>,
    model_version: Option<String>,
    /// Sheets the workbook was written with: (name, `profile` or a dimension id).
    expected: Vec<(String, String)>,
    present: Vec<String>,
    rows: Vec<KeyRow>,
    has_meta: bool,
}

impl Questionnaire {
    fn place(&self, sheet: &str, row: u32, col: u16) -> Place {
        Place::Cell {
            sheet: sheet.to_string(),
            row,
            col: u32::from(col),
        }
    }

    fn profile_sheet(&self) -> Option<&str> {
        self.expected
            .iter()
            .find(|(_, role)| role == "profile")
            .map(|(n, _)| n.as_str())
            .or_else(|| self.present.first().map(String::as_str))
    }

    /// The workbook's cells as a record for `model`, and the problems of the workbook as a whole
    /// (missing sheets, rows of another model).
    pub fn record(&self, model: &Model) -> (Record, Vec<Diagnostic>) {
        let mut record = Record::new(Place::File);
        let mut diags = Vec::new();
        let file = &self.file;
        let meta = META_SHEET;
        if let Some(id) = &self.model_named {
            record.push(
                Column::Model,
                CellValue::Text(id.clone()),
                self.place(meta, 2, 1),
            );
        }
        if let Some(v) = &self.model_version {
            record.push(
                Column::ModelVersion,
                CellValue::Text(v.clone()),
                self.place(meta, 3, 1),
            );
        }
        let profile_sheet = self.profile_sheet().map(str::to_string);
        let mut found = vec![false; model.items.len()];
        for r in &self.rows {
            let answer_place = self.place(&r.sheet, r.row, COL_ANSWER);
            if Some(&r.sheet) == profile_sheet.as_ref()
                && let Some(f) = profile_fields().iter().position(|f| f.id == r.key)
            {
                record.push(Column::Profile(f), r.answer.clone(), answer_place);
                continue;
            }
            match item_key(model, &r.key) {
                Some((i, rest)) => {
                    found[i] = true;
                    let item = &model.items[i];
                    let column = match rest {
                        None => {
                            record.push(
                                Column::Note(i),
                                r.note.clone(),
                                self.place(&r.sheet, r.row, COL_NOTE),
                            );
                            Some(Column::Answer(i))
                        }
                        Some("numerator") => Some(Column::Numerator(i)),
                        Some("denominator") => Some(Column::Denominator(i)),
                        Some(rest) => match rest.strip_prefix("data/") {
                            Some(field) => item
                                .fields
                                .iter()
                                .position(|f| f.id == field)
                                .map(|f| Column::Data(i, f)),
                            None if matches!(item.input(), Input::Many) => item
                                .words()
                                .iter()
                                .position(|o| o.id == rest)
                                .map(|o| Column::Tick(i, o)),
                            None => None,
                        },
                    };
                    match column {
                        Some(c) => record.push(c, r.answer.clone(), answer_place),
                        None => diags.push(self.unknown_row(r, model)),
                    }
                }
                None if self.has_meta && !r.key.is_empty() => {
                    diags.push(self.unknown_row(r, model));
                }
                None => {}
            }
        }
        // Sheets the workbook was written with and no longer has.
        for (name, role) in &self.expected {
            if self.present.iter().any(|p| p == name) {
                continue;
            }
            let place = Place::Sheet(name.clone());
            let d = Diagnostic::error("missing-sheet").quoted("sheet", name);
            let d = if role == "profile" {
                d.variant("profile")
            } else {
                let n = model
                    .items
                    .iter()
                    .enumerate()
                    .filter(|(i, it)| it.dimension == *role && !found[*i])
                    .count();
                d.arg("count", n)
            };
            diags.push(d.in_file(file));
            for (i, item) in model.items.iter().enumerate() {
                if item.dimension == *role && !found[i] {
                    record.absent.push((i, place.clone()));
                    found[i] = true;
                }
            }
        }
        // Rows deleted from a sheet that is still there: the item is reported unanswered at the sheet.
        for (i, item) in model.items.iter().enumerate() {
            if found[i] {
                continue;
            }
            if let Some((name, _)) = self
                .expected
                .iter()
                .find(|(_, role)| *role == item.dimension)
            {
                record.push(
                    Column::Answer(i),
                    CellValue::Empty,
                    Place::Sheet(name.clone()),
                );
            }
        }
        (record, diags)
    }

    fn unknown_row(&self, r: &KeyRow, model: &Model) -> Diagnostic {
        Diagnostic::warning("unknown-item")
            .variant("row")
            .quoted("item", &r.key)
            .quoted("model", &model.id)
            .located(
                Place::Cell {
                    sheet: r.sheet.clone(),
                    row: r.row,
                    col: u32::from(COL_KEY),
                }
                .location(&self.file),
            )
    }
}

/// The item a key names and what follows it: `funding` → (funding, None), `funding/data/x` →
/// (funding, Some("data/x")). The longest item id wins, so ids may contain `/`.
fn item_key<'k>(model: &Model, key: &'k str) -> Option<(usize, Option<&'k str>)> {
    if let Some(i) = model.item_index(key) {
        return Some((i, None));
    }
    key.char_indices()
        .rev()
        .filter(|(_, c)| *c == '/')
        .find_map(|(at, _)| {
            model
                .item_index(&key[..at])
                .map(|i| (i, Some(&key[at + 1..])))
        })
}

/// A spreadsheet cell as a [`CellValue`].
pub fn cell_value(d: &calamine::Data) -> CellValue {
    use calamine::Data;
    match d {
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Float(f) => CellValue::Number(*f),
        Data::String(s) => CellValue::text(s),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            CellValue::Date(format!("{y:04}-{m:02}-{d:02}"))
        }
        Data::DateTime(dt) => CellValue::Number(dt.as_f64()),
        Data::DateTimeIso(s) => CellValue::Date(s.chars().take(10).collect()),
        Data::DurationIso(s) => CellValue::text(s),
        Data::Error(e) => CellValue::Error(e.to_string()),
        Data::Empty => CellValue::Empty,
    }
}

/// Every sheet's cells: name, visible, and (row, col, value) of the non-empty cells.
type Sheets = Vec<SheetCells>;

/// A sheet's name, whether it is visible, and its non-empty cells (row, col 0-based).
type SheetCells = (String, bool, Vec<(u32, u32, CellValue)>);

/// Parts a workbook may have: a questionnaire has a few dozen.
const MAX_PARTS: usize = 10_000;

/// Inflate every part of a workbook (a zip archive), counting the bytes each actually gives: a
/// part over the per-part limit, or parts over the total limit, are refused before the workbook is
/// read. Sizes the archive declares are not trusted, and real workbooks compress well, so no ratio
/// is judged. A file that is no zip archive (`.xls`) passes; the workbook reader judges it.
fn check_unpacked(bytes: &[u8]) -> Result<(), String> {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    if archive.len() > MAX_PARTS {
        return Err(format!(
            "it has {} parts; a workbook has at most {MAX_PARTS}",
            archive.len()
        ));
    }
    let limits = crate::source_file::Limits::get();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let Ok(mut part) = archive.by_index(i) else {
            continue;
        };
        let name = part.name().map(|n| n.to_string()).unwrap_or_default();
        let room = limits.part_bytes.min(limits.unpacked_bytes - total);
        let mut limited = (&mut part).take(room.saturating_add(1));
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        loop {
            match limited.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => size += n as u64,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                // A damaged part: what it gave counts; the workbook reader says what is wrong.
                Err(_) => break,
            }
        }
        if size > limits.part_bytes {
            return Err(format!(
                "its part `{name}` unpacks to more than {} bytes, the limit for one part (--max-part-mib)",
                limits.part_bytes
            ));
        }
        total = total.saturating_add(size);
        if total > limits.unpacked_bytes {
            return Err(format!(
                "its parts unpack to more than {} bytes, the limit for a workbook (--max-unpacked-mib)",
                limits.unpacked_bytes
            ));
        }
    }
    Ok(())
}

fn load_sheets(bytes: &[u8]) -> Result<Sheets, String> {
    use calamine::Reader;
    let max_cells = usize::try_from(crate::source_file::Limits::get().cells).unwrap_or(usize::MAX);
    let too_many = || format!("it has more than {max_cells} filled cells (--max-cells)");
    let visible = |s: &calamine::Sheet| s.visible == calamine::SheetVisible::Visible;
    // .xlsx is read cell by cell: a lone cell at XFD1048576 must not make a dense grid of 17
    // billion cells, as a whole-sheet range would.
    if let Ok(mut wb) = calamine::Xlsx::new(Cursor::new(bytes.to_vec())) {
        let metas: Vec<(String, bool)> = wb
            .sheets_metadata()
            .iter()
            .filter(|s| s.typ == calamine::SheetType::WorkSheet)
            .map(|s| (s.name.clone(), visible(s)))
            .collect();
        let mut out = Vec::new();
        let mut total = 0usize;
        for (name, shown) in metas {
            let mut reader = wb
                .worksheet_cells_reader(&name)
                .map_err(|e| format!("sheet `{name}`: {e}"))?;
            let mut cells = Vec::new();
            while let Some(cell) = reader
                .next_cell()
                .map_err(|e| format!("sheet `{name}`: {e}"))?
            {
                let (r, c) = cell.get_position();
                let value = cell_value(&calamine::Data::from(cell.get_value().clone()));
                if value.is_empty() {
                    continue;
                }
                total += 1;
                if total > max_cells {
                    return Err(too_many());
                }
                cells.push((r, c, value));
            }
            out.push((name, shown, cells));
        }
        return Ok(out);
    }
    // .ods, .xls: whole-sheet ranges, within calamine's own limits on repeated rows and cells.
    let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec()))
        .map_err(|e| e.to_string())?;
    let metas: Vec<(String, bool)> = wb
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == calamine::SheetType::WorkSheet)
        .map(|s| (s.name.clone(), visible(s)))
        .collect();
    let mut out = Vec::new();
    let mut total = 0usize;
    for (name, shown) in metas {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| format!("sheet `{name}`: {e}"))?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let cells: Vec<(u32, u32, CellValue)> = range
            .used_cells()
            .map(|(r, c, d)| (r0 + r as u32, c0 + c as u32, cell_value(d)))
            .filter(|(_, _, v)| !v.is_empty())
            .collect();
        total += cells.len();
        if total > max_cells {
            return Err(too_many());
        }
        out.push((name, shown, cells));
    }
    Ok(out)
}

/// Read a workbook: a questionnaire written by smedx, or a table of one enterprise per row (an
/// ODK/KoboToolbox export, a batch kept in Excel).
pub fn read(file: &str, bytes: &[u8]) -> Result<Collected, Diagnostic> {
    // A reader panic on a malformed file must not take the program down.
    let unpacked = std::panic::catch_unwind(|| check_unpacked(bytes))
        .unwrap_or_else(|_| Err("the file is malformed".into()));
    unpacked.map_err(|e| {
        Diagnostic::error("unpacked-too-large")
            .arg("file", file)
            .arg("reason", e)
            .in_file(file)
    })?;
    let loaded = std::panic::catch_unwind(|| load_sheets(bytes))
        .unwrap_or_else(|_| Err("the file is malformed".into()));
    let sheets = loaded.map_err(|e| {
        Diagnostic::error("workbook-unreadable")
            .arg("file", file)
            .arg("reason", e.to_string())
            .in_file(file)
    })?;
    let index: HashMap<(&str, u32, u32), &CellValue> = sheets
        .iter()
        .flat_map(|(n, _, cells)| cells.iter().map(move |(r, c, v)| ((n.as_str(), *r, *c), v)))
        .collect();
    let get = |sheet: &str, r: u32, c: u32| -> CellValue {
        index
            .get(&(sheet, r, c))
            .map_or(CellValue::Empty, |v| (*v).clone())
    };
    let meta = sheets.iter().find(|(n, _, _)| n == META_SHEET);
    let mut q = Questionnaire {
        file: file.to_string(),
        model_named: None,
        model_version: None,
        expected: Vec::new(),
        present: Vec::new(),
        rows: Vec::new(),
        has_meta: meta.is_some(),
    };
    if let Some((_, _, cells)) = meta {
        let mut rows: Vec<u32> = cells.iter().map(|(r, _, _)| *r).collect();
        rows.dedup();
        for r in rows {
            let key = get(META_SHEET, r, 0).as_text().unwrap_or_default();
            let value = get(META_SHEET, r, 1).as_text();
            match key.as_str() {
                "model" => q.model_named = value,
                "model_version" => q.model_version = value,
                "sheet" => {
                    if let (Some(name), Some(role)) = (value, get(META_SHEET, r, 2).as_text()) {
                        q.expected.push((name, role));
                    }
                }
                _ => {}
            }
        }
    }
    let data_sheets: Vec<&SheetCells> = sheets
        .iter()
        .filter(|(n, _, _)| n != META_SHEET && n != LISTS_SHEET)
        .collect();
    if meta.is_none() {
        // Without smedx's hidden sheet: a questionnaire has the profile keys down column A, below
        // its title rows; anything else is a table whose first row is the header.
        let looks_like_form = data_sheets.first().is_some_and(|(_, _, cells)| {
            cells
                .iter()
                .any(|(r, c, v)| *r > 0 && *c == 0 && v.as_text().as_deref() == Some("name"))
        });
        if !looks_like_form {
            let Some((name, _, cells)) = data_sheets.iter().find(|(_, visible, _)| *visible) else {
                return Err(Diagnostic::error("workbook-empty")
                    .arg("file", file)
                    .in_file(file));
            };
            return tabular::Table::from_cells(file, name, cells).map(Collected::Table);
        }
    }
    for (name, _, cells) in data_sheets {
        q.present.push(name.clone());
        for (r, c, v) in cells {
            if *c != u32::from(COL_KEY) || *r <= HEADER_ROW && q.has_meta {
                continue;
            }
            let Some(key) = v.as_text() else { continue };
            q.rows.push(KeyRow {
                sheet: name.clone(),
                row: *r,
                key: key.trim().to_string(),
                answer: get(name, *r, u32::from(COL_ANSWER)),
                note: get(name, *r, u32::from(COL_NOTE)),
            });
        }
    }
    Ok(Collected::Questionnaire(q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_excel_safe_and_unique() {
        let mut used = vec![];
        assert_eq!(unique_sheet_name("设备系统", &mut used), "设备系统");
        assert_eq!(unique_sheet_name("设备系统", &mut used), "设备系统 2");
        assert_eq!(unique_sheet_name("a/b:c", &mut used), "a-b-c");
        let long = unique_sheet_name(&"x".repeat(40), &mut used);
        assert_eq!(long.chars().count(), 31);
        assert_eq!(unique_sheet_name("History", &mut used), "History 2");
    }

    #[test]
    fn long_lists_come_from_the_hidden_sheet() {
        let long = "很长的选项说明，".repeat(12);
        let mut text = String::from(
            "id: long\nversion: \"1\"\ntitle: {zh: 长选项, en: Long options}\ndimensions:\n  - id: d\n    title: {zh: 维度, en: Dimension}\n    points: 4\n    items:\n      - id: q\n        kind: single\n        points: 4\n        title: {zh: 问题, en: Question}\n        options:\n",
        );
        for (k, id) in ["A", "B", "C", "D"].iter().enumerate() {
            text.push_str(&format!(
                "          - {{id: {id}, label: {{zh: \"{id}{long}\", en: \"{id} long, with a comma\"}}, fraction: {}}}\n",
                k as f64 / 3.0
            ));
        }
        text.push_str(
            "levels:\n  - level: 1\n    name: {zh: 一级, en: Level 1}\n    min_score: 1\n",
        );
        let loaded = crate::model::load_model(&crate::source_file::SourceFile::from_text(
            "long.yaml",
            &text,
        ));
        let m = loaded
            .model
            .unwrap_or_else(|| panic!("{:?}", loaded.diagnostics));
        for lang in [Lang::Zh, Lang::En] {
            let crate::model::ItemSpec::Single { options } = &m.items[0].spec else {
                panic!("a single item")
            };
            let label = crate::model::item::option_label("C", &options[2].label, lang);
            let filled = vec![
                (Column::Profile(0), CellValue::Text("x".into())),
                (Column::Answer(0), CellValue::Text(label)),
            ];
            let bytes = write(&m, lang, &filled).unwrap();
            let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
            let mut sheet = String::new();
            archive
                .by_name("xl/worksheets/sheet2.xml")
                .unwrap()
                .read_to_string(&mut sheet)
                .unwrap();
            assert!(
                sheet.contains("<formula1>'_lists'!$A$1:$A$4</formula1>"),
                "{sheet}"
            );
            let Ok(Collected::Questionnaire(q)) = read("long.xlsx", &bytes) else {
                panic!("not read back")
            };
            let (record, _) = q.record(&m);
            let checked = super::super::check_record(&m, &record, "long.xlsx");
            let sheet = checked
                .sheet
                .unwrap_or_else(|| panic!("{:?}", checked.diagnostics));
            assert_eq!(
                sheet.answers["q"].value,
                crate::answers::AnswerValue::Choice { option: "C".into() }
            );
        }
    }

    #[test]
    fn item_keys_split_at_the_longest_item_id() {
        let m = crate::model::bundled("sme-dx-2024").unwrap();
        let i = m.item_index("funding").unwrap();
        assert_eq!(item_key(m, "funding"), Some((i, None)));
        assert_eq!(
            item_key(m, "funding/data/digital-investment"),
            Some((i, Some("data/digital-investment")))
        );
        assert_eq!(item_key(m, "nothing/B"), None);
    }
}
