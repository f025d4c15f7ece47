//! One enterprise's answers as flat cells — the shape shared by a workbook's answer cells, a CSV row
//! and an ODK/Kobo submission — and the conversions both ways: cells → the value tree that
//! [`crate::answers::check_sheet`] checks, and a checked [`AnswerSheet`] → cells for the writers.

use super::cells::{CellValue, Place, Places};
pub use crate::answers::profile_fields::{join_list, split_list};
use crate::answers::{AnswerSheet, FieldKind, Profile, ProfileField, profile_fields};
use crate::diag::Diagnostic;
use crate::model::item::{Input, Words};
pub use crate::model::item::{is_na, na_word, option_label, resolve_choice, split_choices};
use crate::model::{Item, Model, Written, WrittenValue};
use crate::text::{Lang, tr};
use crate::yaml_value::{Key, Node, Value, format_number};

/// What a cell holds, in terms of the answer sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    Model,
    ModelVersion,
    /// A profile field, by index into [`profile_fields`].
    Profile(usize),
    /// The answer to an item (by index into the model's items).
    Answer(usize),
    /// A tick beside one option of a multi item (item, option index).
    Tick(usize, usize),
    /// Whether the item applies (XLSForm: `no` = answered `na`).
    Applicable(usize),
    Numerator(usize),
    Denominator(usize),
    Note(usize),
    /// A recorded figure (item, field index).
    Data(usize, usize),
}

impl Column {
    /// The item a column belongs to, if any.
    pub fn item(self) -> Option<usize> {
        match self {
            Column::Answer(i)
            | Column::Tick(i, _)
            | Column::Applicable(i)
            | Column::Numerator(i)
            | Column::Denominator(i)
            | Column::Note(i)
            | Column::Data(i, _) => Some(i),
            Column::Model | Column::ModelVersion | Column::Profile(_) => None,
        }
    }

    /// The column's name in smedx CSV files: `name`, `funding`, `funding.note`, `funding.data.digital-investment`.
    pub fn csv_name(self, model: &Model) -> String {
        let item = |i: usize| model.items[i].id.as_str();
        match self {
            Column::Model => "model".into(),
            Column::ModelVersion => "model_version".into(),
            Column::Profile(f) => profile_fields()[f].id.clone(),
            Column::Answer(i) => item(i).into(),
            Column::Tick(i, o) => format!("{}.{}", item(i), model.items[i].words()[o].id),
            Column::Applicable(i) => format!("{}.applicable", item(i)),
            Column::Numerator(i) => format!("{}.numerator", item(i)),
            Column::Denominator(i) => format!("{}.denominator", item(i)),
            Column::Note(i) => format!("{}.note", item(i)),
            Column::Data(i, f) => format!("{}.data.{}", item(i), model.items[i].fields[f].id),
        }
    }

    /// A title for people: the second header row of a CSV template.
    pub fn title(self, model: &Model, lang: Lang) -> String {
        match self {
            Column::Model => tr(lang, "模型", "Model").into(),
            Column::ModelVersion => tr(lang, "模型版本", "Model version").into(),
            Column::Profile(f) => profile_fields()[f].title(lang).into(),
            Column::Answer(i) => model.items[i].title.get(lang).into(),
            Column::Tick(i, o) => model.items[i].words()[o].label.get(lang).into(),
            Column::Applicable(_) => tr(lang, "是否适用", "Applies").into(),
            Column::Numerator(i) | Column::Denominator(i) => match model.items[i].input() {
                Input::Number { ratio: Some(r), .. } if matches!(self, Column::Numerator(_)) => {
                    r.numerator.get(lang).into()
                }
                Input::Number { ratio: Some(r), .. } => r.denominator.get(lang).into(),
                _ => String::new(),
            },
            Column::Note(_) => tr(lang, "备注", "Note").into(),
            Column::Data(i, f) => {
                let field = &model.items[i].fields[f];
                match &field.unit {
                    Some(u) => format!(
                        "{}{}",
                        field.label.get(lang),
                        super::xlsx::unit_suffix(u, lang)
                    ),
                    None => field.label.get(lang).into(),
                }
            }
        }
    }
}

/// A cell with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub value: CellValue,
    pub place: Place,
}

/// One enterprise's cells, ready to become an answer sheet.
#[derive(Debug, Clone)]
pub struct Record {
    pub cells: Vec<(Column, Cell)>,
    /// Where problems of the record as a whole are reported (the row, the workbook).
    pub anchor: Place,
    /// Items whose cells are not in the input at all (a deleted sheet, a missing column), with the
    /// place that stands for them. They are reported once by the reader, not item by item.
    pub absent: Vec<(usize, Place)>,
    /// Numbers may be written with a decimal comma (`12,5`), as in semicolon-separated files.
    pub decimal_comma: bool,
}

impl Record {
    pub fn new(anchor: Place) -> Record {
        Record {
            cells: Vec::new(),
            anchor,
            absent: Vec::new(),
            decimal_comma: false,
        }
    }

    pub fn push(&mut self, column: Column, value: CellValue, place: Place) {
        self.cells.push((column, Cell { value, place }));
    }

    /// The model the record names in a `model` cell.
    pub fn model_named(&self) -> Option<String> {
        self.cells
            .iter()
            .find(|(c, _)| *c == Column::Model)
            .and_then(|(_, cell)| cell.value.as_text())
    }

    /// Is every cell empty?
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|(_, c)| c.value.is_empty())
    }

    /// The firm's name, when the record has one.
    pub fn firm_name(&self) -> Option<String> {
        self.cells
            .iter()
            .find(|(c, _)| *c == Column::Profile(0))
            .and_then(|(_, cell)| cell.value.as_text())
    }
}

/// Words that tick an option, and words that leave it unticked.
pub fn tick_word(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "✓" | "✔" | "√" | "☑" | "x" | "是" | "对" | "选" | "选中" | "yes" | "y" | "1" | "true" => {
            Some(true)
        }
        "" | "否" | "不选" | "no" | "n" | "0" | "false" | "☐" => Some(false),
        _ => None,
    }
}

/// Builds value trees from records, giving every node a ticket to its cell.
struct Builder<'a> {
    places: &'a mut Places,
    diags: Vec<Diagnostic>,
    decimal_comma: bool,
}

impl Builder<'_> {
    fn node(&mut self, place: &Place, value: Value) -> Node {
        Node {
            pos: self.places.pos(place.clone()),
            value,
        }
    }

    fn key(&mut self, place: &Place, name: &str) -> Key {
        Key {
            pos: self.places.pos(place.clone()),
            name: name.to_string(),
        }
    }

    /// A cell as a plain value: numbers stay numbers, text stays text.
    fn scalar(&mut self, cell: &Cell) -> Value {
        match &cell.value {
            CellValue::Empty => Value::Null,
            CellValue::Text(s) | CellValue::Date(s) => Value::String(s.clone()),
            CellValue::Number(n) => Value::Number(*n),
            CellValue::Bool(b) => Value::Bool(*b),
            CellValue::Error(e) => {
                let pos = self.places.pos(cell.place.clone());
                self.diags
                    .push(Diagnostic::error("cell-error").quoted("error", e).at(pos));
                Value::Null
            }
        }
    }

    /// A cell where a number is expected: `35`, `35%`, `12,5` in decimal-comma files.
    fn number(&mut self, cell: &Cell) -> Value {
        match &cell.value {
            CellValue::Text(s) => {
                let t = s.trim().trim_end_matches(['%', '％']).trim();
                let t = if self.decimal_comma && t.matches(',').count() == 1 && !t.contains('.') {
                    t.replace(',', ".")
                } else {
                    t.to_string()
                };
                match t.parse::<f64>() {
                    Ok(n) if n.is_finite() => Value::Number(n),
                    _ => Value::String(s.clone()),
                }
            }
            _ => self.scalar(cell),
        }
    }

    fn profile(&mut self, field: &ProfileField, cell: &Cell) -> Value {
        match field.kind {
            FieldKind::Text => self.scalar(cell),
            // A code typed into a number cell (330106) is still a code.
            FieldKind::Code => match &cell.value {
                CellValue::Number(n) => Value::String(format_number(*n)),
                _ => self.scalar(cell),
            },
            FieldKind::Number => self.number(cell),
            FieldKind::Date => match &cell.value {
                CellValue::Number(n) => match super::cells::date_from_serial(*n, false) {
                    Some(d) => Value::String(d),
                    None => Value::Number(*n),
                },
                // 2026/5/12 and 2026.5.12 are how people type dates.
                CellValue::Text(s) => Value::String(normalise_date(s)),
                _ => self.scalar(cell),
            },
            FieldKind::List => match &cell.value {
                // A lone entry that looks like a number (a system called "1688") is still an entry.
                CellValue::Text(_) | CellValue::Number(_) => {
                    let text = match &cell.value {
                        CellValue::Number(n) => format_number(*n),
                        CellValue::Text(s) => s.clone(),
                        _ => String::new(),
                    };
                    let pos = self.places.pos(cell.place.clone());
                    let entries = split_list(&text)
                        .into_iter()
                        .flat_map(|v| field.entries(&v));
                    Value::List(
                        entries
                            .map(|v| Node {
                                pos,
                                value: Value::String(v),
                            })
                            .collect(),
                    )
                }
                _ => self.scalar(cell),
            },
            FieldKind::Flag => match &cell.value {
                CellValue::Text(s) => match tick_word(s) {
                    Some(b) => Value::Bool(b),
                    None => Value::String(s.clone()),
                },
                CellValue::Number(n) => Value::Bool(*n != 0.0),
                _ => self.scalar(cell),
            },
        }
    }

    /// The answer value of one item from its cells.
    fn answer(&mut self, item: &Item, cells: &ItemCells) -> Node {
        let main_place = cells.main_place();
        if let Some(a) = &cells.applicable
            && let Some(text) = a.value.as_text()
        {
            let no = is_na(&text) || tick_word(&text) == Some(false);
            if no {
                return self.node(&a.place, Value::String("na".into()));
            }
            if tick_word(&text).is_none() && !matches!(text.as_str(), "适用") {
                let pos = self.places.pos(a.place.clone());
                self.diags.push(
                    Diagnostic::error("wrong-type")
                        .variant("applies")
                        .quoted("found", &text)
                        .arg("item", &item.id)
                        .arg("title", &item.title)
                        .at(pos),
                );
            }
        }
        let answer = cells.answer.as_ref().filter(|c| !c.value.is_empty());
        if let Some(cell) = answer
            && let Some(text) = cell.value.as_text()
            && is_na(&text)
        {
            return self.node(&cell.place, Value::String("na".into()));
        }
        let filled = |c: &Option<Cell>| c.clone().filter(|c| !c.value.is_empty());
        let (num, den) = (filled(&cells.numerator), filled(&cells.denominator));
        if num.is_some() || den.is_some() {
            let mut entries = Vec::new();
            for (name, cell) in [("numerator", num), ("denominator", den)] {
                if let Some(cell) = cell {
                    let key = self.key(&cell.place, name);
                    let value = self.number(&cell);
                    let node = self.node(&cell.place, value);
                    entries.push((key, node));
                }
            }
            let place = cells
                .numerator
                .as_ref()
                .or(cells.denominator.as_ref())
                .map_or(main_place, |c| c.place.clone());
            return self.node(&place, Value::Map(entries));
        }
        let Some(cell) = answer else {
            return self.ticks(item, cells, main_place);
        };
        let read = match &cell.value {
            CellValue::Text(s) => item.read_cell(s, false),
            CellValue::Number(n) => item.read_cell(&format_number(*n), true),
            _ => None,
        };
        let value = match read {
            Some(WrittenValue::Text(s)) => Value::String(s),
            Some(WrittenValue::Number(n)) => Value::Number(n),
            Some(WrittenValue::Ratio {
                numerator,
                denominator,
            }) => {
                let mut entries = Vec::new();
                for (name, w) in [("numerator", numerator), ("denominator", denominator)] {
                    if let Some(WrittenValue::Text(t)) = w.map(|w| w.value) {
                        let key = self.key(&cell.place, name);
                        entries.push((key, self.node(&cell.place, Value::String(t))));
                    }
                }
                Value::Map(entries)
            }
            Some(WrittenValue::List(ids)) => Value::List(
                ids.into_iter()
                    .filter_map(|w| match w.value {
                        WrittenValue::Text(id) => Some(self.node(&cell.place, Value::String(id))),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => self.number(cell),
        };
        self.node(&cell.place, value)
    }

    /// A multi item answered by ticks beside its options.
    fn ticks(&mut self, item: &Item, cells: &ItemCells, main_place: Place) -> Node {
        let words = item.words();
        let mut chosen = Vec::new();
        for (o, cell) in &cells.ticks {
            let Some(text) = cell.value.as_text() else {
                continue;
            };
            match tick_word(&text) {
                Some(true) => {
                    let id = words[*o].id.clone();
                    chosen.push(self.node(&cell.place, Value::String(id)));
                }
                Some(false) => {}
                None => {
                    let pos = self.places.pos(cell.place.clone());
                    self.diags.push(
                        Diagnostic::error("unknown-option")
                            .variant("tick")
                            .quoted("answer", &text)
                            .quoted("option", &words[*o].id)
                            .arg("item", &item.id)
                            .arg("title", &item.title)
                            .at(pos),
                    );
                }
            }
        }
        if chosen.is_empty() {
            self.node(&main_place, Value::Null)
        } else {
            self.node(&main_place, Value::List(chosen))
        }
    }
}

/// `2026/5/12` or `2026.5.12` → `2026-05-12`; anything else unchanged.
fn normalise_date(s: &str) -> String {
    let t = s.trim();
    let parts: Vec<&str> = t.split(['/', '.', '-']).collect();
    if parts.len() == 3
        && parts[0].len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit()))
        && parts[1].len() <= 2
        && parts[2].len() <= 2
    {
        format!("{}-{:0>2}-{:0>2}", parts[0], parts[1], parts[2])
    } else {
        t.to_string()
    }
}

/// The cells of one item in a record.
#[derive(Default)]
struct ItemCells {
    answer: Option<Cell>,
    ticks: Vec<(usize, Cell)>,
    applicable: Option<Cell>,
    numerator: Option<Cell>,
    denominator: Option<Cell>,
    note: Option<Cell>,
    data: Vec<(usize, Cell)>,
    absent: Option<Place>,
}

impl ItemCells {
    /// Where the item as a whole is: its answer cell, else its first cell.
    fn main_place(&self) -> Place {
        self.answer
            .as_ref()
            .map(|c| c.place.clone())
            .or_else(|| self.ticks.first().map(|(_, c)| c.place.clone()))
            .or_else(|| self.applicable.as_ref().map(|c| c.place.clone()))
            .or_else(|| self.denominator.as_ref().map(|c| c.place.clone()))
            .or_else(|| self.numerator.as_ref().map(|c| c.place.clone()))
            .or_else(|| self.absent.clone())
            .unwrap_or(Place::File)
    }

    fn is_present(&self) -> bool {
        self.answer.is_some()
            || !self.ticks.is_empty()
            || self.applicable.is_some()
            || self.numerator.is_some()
            || self.denominator.is_some()
            || self.note.is_some()
            || !self.data.is_empty()
            || self.absent.is_some()
    }
}

/// The value tree of a record (the same shape the YAML loader produces), and the problems found
/// in cells the checker never sees (spreadsheet errors, unreadable ticks).
pub fn record_to_node(
    model: &Model,
    record: &Record,
    places: &mut Places,
) -> (Node, Vec<Diagnostic>) {
    let mut b = Builder {
        places,
        diags: Vec::new(),
        decimal_comma: record.decimal_comma,
    };
    let anchor = record.anchor.clone();
    let mut top: Vec<(Key, Node)> = Vec::new();
    let mut profile: Vec<(Key, Node)> = Vec::new();
    let mut items: Vec<ItemCells> = (0..model.items.len())
        .map(|_| ItemCells::default())
        .collect();
    for (column, cell) in &record.cells {
        match *column {
            Column::Model | Column::ModelVersion => {
                if cell.value.is_empty() {
                    continue;
                }
                let name = if *column == Column::Model {
                    "model"
                } else {
                    "model_version"
                };
                let key = b.key(&cell.place, name);
                let value = match cell.value.as_text() {
                    Some(t) => Value::String(t),
                    None => Value::Null,
                };
                let node = b.node(&cell.place, value);
                top.push((key, node));
            }
            Column::Profile(f) => {
                if cell.value.is_empty() {
                    continue;
                }
                let field = &profile_fields()[f];
                let key = b.key(&cell.place, &field.id);
                let value = b.profile(field, cell);
                let node = b.node(&cell.place, value);
                profile.push((key, node));
            }
            Column::Answer(i) => items[i].answer = Some(cell.clone()),
            Column::Tick(i, o) => items[i].ticks.push((o, cell.clone())),
            Column::Applicable(i) => items[i].applicable = Some(cell.clone()),
            Column::Numerator(i) => items[i].numerator = Some(cell.clone()),
            Column::Denominator(i) => items[i].denominator = Some(cell.clone()),
            Column::Note(i) => items[i].note = Some(cell.clone()),
            Column::Data(i, f) => items[i].data.push((f, cell.clone())),
        }
    }
    for (i, place) in &record.absent {
        items[*i].absent = Some(place.clone());
    }
    let mut answers: Vec<(Key, Node)> = Vec::new();
    for (item, cells) in model.items.iter().zip(&items) {
        if !cells.is_present() {
            continue;
        }
        let main = cells.main_place();
        let key = b.key(&main, &item.id);
        let value = b.answer(item, cells);
        let note = cells.note.as_ref().filter(|c| !c.value.is_empty()).cloned();
        let data: Vec<(usize, Cell)> = cells
            .data
            .iter()
            .filter(|(_, c)| !c.value.is_empty())
            .cloned()
            .collect();
        if note.is_none() && data.is_empty() {
            answers.push((key, value));
            continue;
        }
        // Long form: {answer: …, note: …, data: {…}}.
        let mut entries = Vec::new();
        if value.value != Value::Null {
            let k = Key {
                pos: value.pos,
                name: "answer".into(),
            };
            entries.push((k, value));
        }
        if let Some(cell) = note {
            let k = b.key(&cell.place, "note");
            let text = cell.value.as_text().unwrap_or_default();
            let v = b.node(&cell.place, Value::String(text));
            entries.push((k, v));
        }
        if !data.is_empty() {
            let mut figures = Vec::new();
            for (f, cell) in &data {
                let k = b.key(&cell.place, &item.fields[*f].id);
                let value = b.number(cell);
                let v = b.node(&cell.place, value);
                figures.push((k, v));
            }
            let place = data[0].1.place.clone();
            let k = b.key(&place, "data");
            let v = b.node(&place, Value::Map(figures));
            entries.push((k, v));
        }
        let node = b.node(&main, Value::Map(entries));
        answers.push((key, node));
    }
    let profile_place = record
        .cells
        .iter()
        .find(|(c, _)| *c == Column::Profile(0))
        .map_or(anchor.clone(), |(_, c)| c.place.clone());
    let k = b.key(&profile_place, "profile");
    let v = b.node(&profile_place, Value::Map(profile));
    top.push((k, v));
    let k = b.key(&anchor, "answers");
    let v = b.node(&anchor, Value::Map(answers));
    top.push((k, v));
    let root = b.node(&anchor, Value::Map(top));
    (root, b.diags)
}

/// How a writer puts answers into cells.
#[derive(Debug, Clone, Copy)]
pub struct CellStyle {
    /// Multi items as one tick per option (workbooks), else ids in one cell (`B C`).
    pub ticks: bool,
    /// Labels for people in this language (`B. 车间已建成…`, `改善`, `不适用`), else bare ids.
    pub labels: Option<Lang>,
    /// `na` of band and multi items as `Applicable = no` (XLSForm), else in the answer cell.
    pub applicable_column: bool,
}

/// A checked sheet as cells (the inverse of [`record_to_node`] for what a writer needs).
pub fn sheet_cells(
    model: &Model,
    sheet: &AnswerSheet,
    style: CellStyle,
) -> Vec<(Column, CellValue)> {
    let mut out = profile_cells(&sheet.profile);
    for (i, item) in model.items.iter().enumerate() {
        let Some(answer) = sheet.answers.get(&item.id) else {
            continue;
        };
        let words = style.labels.map_or(Words::Ids, Words::Labels);
        let apart = style.applicable_column && item.na_apart();
        let written = item.written(&answer.value, words);
        if apart && item.allow_na {
            let applies = if written == WrittenValue::NotApplicable {
                "no"
            } else {
                "yes"
            };
            out.push((Column::Applicable(i), CellValue::text(applies)));
        }
        let number = |w: Option<Box<Written>>| match w.map(|w| w.value) {
            Some(WrittenValue::Number(n)) => CellValue::Number(n),
            _ => CellValue::Empty,
        };
        match written {
            WrittenValue::NotApplicable if apart && item.allow_na => {}
            WrittenValue::NotApplicable => {
                out.push((Column::Answer(i), CellValue::text(na_word(words))));
            }
            WrittenValue::Text(s) => out.push((Column::Answer(i), CellValue::Text(s))),
            WrittenValue::Number(n) => out.push((Column::Answer(i), CellValue::Number(n))),
            list @ WrittenValue::List(_) if !style.ticks => {
                out.push((Column::Answer(i), CellValue::Text(list.to_string())));
            }
            WrittenValue::List(chosen) => {
                for (o, word) in item.words().iter().enumerate() {
                    if chosen
                        .iter()
                        .any(|w| w.value == WrittenValue::Text(word.id.clone()))
                    {
                        out.push((Column::Tick(i, o), CellValue::text("✓")));
                    }
                }
            }
            WrittenValue::Ratio {
                numerator,
                denominator,
            } => {
                out.push((Column::Numerator(i), number(numerator)));
                out.push((Column::Denominator(i), number(denominator)));
            }
            WrittenValue::Other(_) => {}
        }
        if let Some(note) = &answer.note {
            out.push((Column::Note(i), CellValue::Text(note.clone())));
        }
        for (f, field) in item.fields.iter().enumerate() {
            if let Some(v) = answer.data.get(&field.id) {
                out.push((Column::Data(i, f), CellValue::Number(*v)));
            }
        }
    }
    out
}

/// The profile as cells.
pub fn profile_cells(p: &Profile) -> Vec<(Column, CellValue)> {
    let mut out = Vec::new();
    let unverified = p
        .credit_code
        .as_deref()
        .is_some_and(|c| crate::answers::credit_code::validate(c).is_err());
    for (f, field) in profile_fields().iter().enumerate() {
        let value = match p.get(&field.id) {
            _ if field.id == "credit_code_verified" && unverified => CellValue::Text("yes".into()),
            serde_json::Value::String(s) if !s.is_empty() => CellValue::Text(s),
            serde_json::Value::Number(n) => n.as_f64().map_or(CellValue::Empty, CellValue::Number),
            serde_json::Value::Bool(true) => CellValue::Text("yes".into()),
            serde_json::Value::Array(l) if !l.is_empty() => {
                let l: Vec<String> = l
                    .iter()
                    .filter_map(|v| v.as_str().map(Into::into))
                    .collect();
                CellValue::Text(join_list(&l))
            }
            _ => CellValue::Empty,
        };
        if !value.is_empty() {
            out.push((Column::Profile(f), value));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_lists_split_and_join() {
        assert_eq!(
            split_list("用友U8（财务、存货核算）、钉钉"),
            ["用友U8（财务、存货核算）", "钉钉"]
        );
        let odd = vec!["a、b".to_string(), "c".to_string()];
        assert_eq!(split_list(&join_list(&odd)), odd);
    }

    #[test]
    fn dates_typed_by_people() {
        assert_eq!(normalise_date("2026/5/12"), "2026-05-12");
        assert_eq!(normalise_date("2026.05.12"), "2026-05-12");
        assert_eq!(normalise_date("12/5/2026"), "12/5/2026");
    }

    #[test]
    fn profile_fields_are_profile_keys_of_the_checker() {
        use crate::source_file::SourceFile;
        let m = crate::model::bundled("sme-dx-2024").unwrap();
        let mut text = String::from("profile:\n  name: x\n");
        for f in profile_fields().iter().skip(1) {
            text.push_str(&format!("  {}: \n", f.id));
        }
        text.push_str("answers: {}\n");
        let src = SourceFile::from_text("t.yaml", &text);
        let node = crate::answers::load_sheet(&src).unwrap();
        let checked = crate::answers::check_sheet(m, &node, &src);
        assert!(
            !checked
                .diagnostics
                .iter()
                .any(|d| d.code == "unknown-field"),
            "{:?}",
            checked.diagnostics
        );
    }
}
