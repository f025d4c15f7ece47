//! One row per firm as a Parquet file, for DuckDB on one machine or Spark and Trino on a cluster:
//! typed columns named from the model's ids, the schema version and the model in the file's
//! metadata, written a row group at a time so memory stays flat however many firms there are.
//!
//! Firm names and credit codes are written only when asked (`named`, the disclosure policy);
//! otherwise a firm is known by a salted hash of its credit code, so rounds exported with the
//! same salt can be joined and nobody without the salt can look a firm up.

use super::Record;
use super::pilot::Scale;
use crate::answers::names;
use crate::model::{Children, ItemSpec, Model};
use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int8Builder, Int32Builder, ListBuilder,
    StringBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use std::io::{Seek, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The version of the columns below; raised whenever a column changes meaning, name or type.
/// 2: `above_scale` is the office's 规上 classification (thresholds by industry and revenue), no
/// longer the declared tag alone.
pub const SCHEMA_VERSION: u32 = 2;

/// Rows turned into one Arrow batch at a time.
const BATCH_ROWS: usize = 8192;

/// Rows in one Parquet row group: large enough for good compression, small enough that the
/// encoded group held in memory stays a few tens of MB.
const ROW_GROUP_ROWS: usize = 65_536;

/// What goes into the file besides the scores.
#[derive(Debug, Clone, Default)]
pub struct ExportSettings {
    /// Firm names and credit codes (internal use only).
    pub named: bool,
    /// The salt of the firm key; without one there is no `firm_key` column.
    pub salt: Option<Vec<u8>>,
    /// The round label of every row; `None`: the year of each firm's `assessed_on`.
    pub round: Option<String>,
}

/// Receives each firm an aggregation counts (`aggregate::Options::export`).
pub trait FirmSink: Send + Sync + std::fmt::Debug {
    /// A pass over the current round begins; a second pass (after duplicates were found) replaces
    /// everything the first one gave.
    fn begin_pass(&self);
    /// A counted firm; `seq` is its position in the input (calls come from several threads).
    fn firm(&self, seq: u32, record: &Record);
    /// Every firm of one chunk of the input has been given.
    fn chunk_done(&self);
}

/// A column of the model's tree: its Parquet name and the id it comes from.
#[derive(Debug, Clone)]
struct ModelColumn {
    name: String,
    id: String,
}

/// The columns a model gives, and what each row needs from the model.
#[derive(Debug)]
struct Layout {
    dims: Vec<ModelColumn>,
    inds: Vec<ModelColumn>,
    scens: Vec<ModelColumn>,
    schema: SchemaRef,
    /// The file's key–value metadata, in a fixed order.
    metadata: Vec<(String, String)>,
}

/// A column name from a prefix and a model id: `-` and `.` become `_` so the name needs no quoting
/// in SQL; a name taken already gets `_2`, `_3`, ….
fn column_name(prefix: &str, id: &str, taken: &mut std::collections::HashSet<String>) -> String {
    let base: String = format!("{prefix}_{id}")
        .chars()
        .map(|c| if matches!(c, '-' | '.') { '_' } else { c })
        .collect();
    let mut name = base.clone();
    let mut n = 1;
    while !taken.insert(name.clone()) {
        n += 1;
        name = format!("{base}_{n}");
    }
    name
}

fn text_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

impl Layout {
    fn of(model: &Model, settings: &ExportSettings) -> Layout {
        let mut fields = vec![Field::new("round", DataType::Utf8, true)];
        if settings.salt.is_some() {
            fields.push(Field::new("firm_key", DataType::Utf8, true));
        }
        if settings.named {
            fields.push(Field::new("name", DataType::Utf8, true));
            fields.push(Field::new("credit_code", DataType::Utf8, true));
        }
        fields.push(Field::new("assessed_on", DataType::Date32, true));
        for f in [
            "region",
            "province",
            "city",
            "region_name",
            "industry",
            "industry_section",
            "industry_division",
            "industry_name",
            "size_class",
        ] {
            fields.push(Field::new(f, DataType::Utf8, true));
        }
        fields.push(Field::new("above_scale", DataType::Boolean, true));
        fields.push(Field::new("tags", text_list(), false));
        fields.push(Field::new("synthetic", DataType::Boolean, false));
        fields.push(Field::new("model_id", DataType::Utf8, false));
        fields.push(Field::new("model_version", DataType::Utf8, false));
        fields.push(Field::new("score", DataType::Float64, false));
        fields.push(Field::new("level", DataType::Int8, false));
        fields.push(Field::new("level_name", DataType::Utf8, false));
        fields.push(Field::new("next_level", DataType::Int8, true));
        fields.push(Field::new("points_short", DataType::Float64, true));
        fields.push(Field::new("scenarios_short", DataType::Int32, true));
        fields.push(Field::new("constrained_short", DataType::Int32, true));
        fields.push(Field::new("constrained_short_ids", text_list(), false));
        let mut taken: std::collections::HashSet<String> =
            fields.iter().map(|f| f.name().clone()).collect();
        let dims: Vec<ModelColumn> = model
            .dimensions
            .iter()
            .map(|d| ModelColumn {
                name: column_name("dim", &d.id, &mut taken),
                id: d.id.clone(),
            })
            .collect();
        let inds: Vec<ModelColumn> = model
            .dimensions
            .iter()
            .flat_map(|d| match &d.children {
                Children::Nodes(n) => n.iter().collect::<Vec<_>>(),
                Children::Items(_) => Vec::new(),
            })
            .map(|n| ModelColumn {
                name: column_name("ind", &n.id, &mut taken),
                id: n.id.clone(),
            })
            .collect();
        let scens: Vec<ModelColumn> = model
            .scenarios()
            .map(|s| ModelColumn {
                name: column_name("scn", &s.id, &mut taken),
                id: s.id.clone(),
            })
            .collect();
        for c in dims.iter().chain(&inds) {
            fields.push(Field::new(&c.name, DataType::Float64, true));
        }
        for c in &scens {
            fields.push(Field::new(&c.name, DataType::Int8, true));
        }
        let metadata = file_metadata(model, settings, &dims, &inds, &scens);
        Layout {
            dims,
            inds,
            scens,
            schema: Arc::new(Schema::new(fields)),
            metadata,
        }
    }
}

/// The file's key–value metadata: the schema version, the model, the disclosure and what each
/// model column is.
fn file_metadata(
    model: &Model,
    settings: &ExportSettings,
    dims: &[ModelColumn],
    inds: &[ModelColumn],
    scens: &[ModelColumn],
) -> Vec<(String, String)> {
    let column = |kind: &str, c: &ModelColumn, title: &crate::text::Text, max: Option<f64>| serde_json::json!({"column": c.name, "kind": kind, "id": c.id, "zh": title.zh, "en": title.en, "max": max});
    let mut columns = Vec::new();
    for (c, d) in dims.iter().zip(&model.dimensions) {
        columns.push(column("dimension", c, &d.title, Some(d.points)));
    }
    let indicators = model.dimensions.iter().flat_map(|d| match &d.children {
        Children::Nodes(n) => n.iter().collect::<Vec<_>>(),
        Children::Items(_) => Vec::new(),
    });
    for (c, n) in inds.iter().zip(indicators) {
        columns.push(column("indicator", c, &n.title, Some(n.points)));
    }
    for (c, s) in scens.iter().zip(model.scenarios()) {
        let constrained = matches!(
            s.spec,
            ItemSpec::Scenario {
                constrained: true,
                ..
            }
        );
        let mut v = column("scenario", c, &s.title, None);
        v["constrained"] = constrained.into();
        columns.push(v);
    }
    let levels: Vec<serde_json::Value> = model
        .levels
        .iter()
        .map(|r| serde_json::json!({"level": r.level, "zh": r.name.zh, "en": r.name.en, "min_score": r.min_score}))
        .collect();
    vec![
        ("smedx.schema_version".into(), SCHEMA_VERSION.to_string()),
        (
            "smedx.generator".into(),
            format!("smedx {}", env!("CARGO_PKG_VERSION")),
        ),
        ("smedx.model_id".into(), model.id.clone()),
        ("smedx.model_version".into(), model.version.clone()),
        ("smedx.score_points".into(), model.score_points.to_string()),
        ("smedx.named".into(), settings.named.to_string()),
        (
            "smedx.firm_key".into(),
            if settings.salt.is_some() {
                "hex of BLAKE2b-MAC-128 of the credit code, keyed with BLAKE2b-512 of the salt"
                    .into()
            } else {
                "none (no salt given)".into()
            },
        ),
        (
            "smedx.round".into(),
            settings
                .round
                .clone()
                .unwrap_or_else(|| "year of assessed_on".into()),
        ),
        (
            "smedx.levels".into(),
            serde_json::Value::from(levels).to_string(),
        ),
        (
            "smedx.columns".into(),
            serde_json::Value::from(columns).to_string(),
        ),
    ]
}

/// Check and score one answer sheet stored as JSON (as `smedx serve` keeps it), for an export
/// outside aggregation; `place` and `n` say where it came from in an error.
pub fn score_sheet(
    model: &Model,
    place: &str,
    n: u64,
    json: &str,
) -> Result<Record, super::RecordError> {
    super::input::parse(
        model,
        super::input::RawRecord::own(Arc::from(place), n.max(1), json.to_string()),
    )
}

/// Keys firms by their credit code: BLAKE2b-MAC-128 keyed with BLAKE2b-512 of the salt.
#[derive(Clone)]
pub struct FirmKeyer(blake2::Blake2bMac<blake2::digest::consts::U16>);

impl FirmKeyer {
    pub fn new(salt: &[u8]) -> FirmKeyer {
        use blake2::digest::{Digest, KeyInit};
        let key = blake2::Blake2b512::digest(salt);
        FirmKeyer(
            <blake2::Blake2bMac<blake2::digest::consts::U16> as KeyInit>::new_from_slice(
                key.as_slice(),
            )
            .expect("a 64-byte key is valid for BLAKE2b"),
        )
    }

    /// The firm key: 32 hex digits, the same for one credit code and salt in every round.
    pub fn key(&self, credit_code: &str) -> String {
        use blake2::digest::Mac;
        use std::fmt::Write;
        let mut mac = self.0.clone();
        mac.update(credit_code.trim().as_bytes());
        let mut out = String::with_capacity(32);
        for b in mac.finalize().into_bytes() {
            let _ = write!(out, "{b:02x}");
        }
        out
    }
}

/// The firm key of one credit code under `salt` (see [`FirmKeyer`]).
pub fn firm_key(salt: &[u8], credit_code: &str) -> String {
    FirmKeyer::new(salt).key(credit_code)
}

/// Days since 1970-01-01 of a date YYYYMMDD; `None` for 0 or a day no calendar has.
fn epoch_days(yyyymmdd: u32) -> Option<i32> {
    let (y, m, d) = (
        (yyyymmdd / 10_000) as i64,
        (yyyymmdd / 100 % 100) as i64,
        (yyyymmdd % 100) as i64,
    );
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in_month = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if y == 0 || !(1..=12).contains(&m) || d < 1 || d > days_in_month[(m - 1) as usize] {
        return None;
    }
    // Days from civil (H. Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    i32::try_from(era * 146_097 + doe - 719_468).ok()
}

/// One firm's row, built on the worker that scored it.
#[derive(Debug)]
struct FirmRow {
    round: Option<String>,
    firm_key: Option<String>,
    name: String,
    credit_code: Option<String>,
    assessed_on: Option<i32>,
    region: Option<String>,
    province: Option<String>,
    city: Option<String>,
    region_name: Option<String>,
    industry: Option<String>,
    industry_section: Option<String>,
    industry_division: Option<String>,
    industry_name: Option<String>,
    size_class: Option<&'static str>,
    above_scale: Option<bool>,
    tags: Vec<String>,
    synthetic: bool,
    score: f64,
    level: u8,
    next_level: Option<u8>,
    points_short: Option<f64>,
    scenarios_short: Option<u32>,
    constrained_short: Option<u32>,
    constrained_short_ids: Vec<String>,
    dims: Vec<Option<f64>>,
    inds: Vec<Option<f64>>,
    scens: Vec<Option<u8>>,
}

impl FirmRow {
    fn of(x: &ParquetExport, r: &Record) -> FirmRow {
        let (model, s) = (&x.model, &x.settings);
        let region = r.region.as_deref().map(str::trim).filter(|x| !x.is_empty());
        let six = region.filter(|x| x.len() == 6 && x.bytes().all(|b| b.is_ascii_digit()));
        let industry = r
            .industry
            .as_deref()
            .map(str::trim)
            .filter(|x| !x.is_empty());
        let found = industry.and_then(names::industry);
        let group = model.industry_group_of(industry);
        let next = r
            .scores
            .level
            .checked_add(1)
            .filter(|l| model.level_rule(*l).is_some());
        let short = next.and_then(|l| {
            crate::score::shortfall(model, l, group, r.scores.level_score, &r.scores.scenarios)
        });
        FirmRow {
            round: s.round.clone().or_else(|| {
                (r.assessed_on >= 10_000).then(|| (r.assessed_on / 10_000).to_string())
            }),
            firm_key: x.keyer.as_ref().and_then(|k| {
                r.credit_code
                    .as_deref()
                    .filter(|c| !c.trim().is_empty())
                    .map(|c| k.key(c))
            }),
            name: if s.named {
                r.name.clone()
            } else {
                String::new()
            },
            credit_code: if s.named { r.credit_code.clone() } else { None },
            assessed_on: epoch_days(r.assessed_on),
            region: region.map(str::to_string),
            province: six.map(|x| x[..2].to_string()),
            city: six.map(|x| x[..4].to_string()),
            region_name: region.map(names::region_name),
            industry: industry.map(str::to_string),
            industry_section: found.as_ref().map(|i| i.section.clone()),
            industry_division: found.as_ref().and_then(|i| i.division.clone()),
            industry_name: match &found {
                Some(i) => Some(i.label().zh),
                None => industry.map(str::to_string),
            },
            size_class: r.size.map(|x| x.label(crate::text::Lang::En)),
            // The office's classification, the one its 规上 headline counts.
            above_scale: match super::pilot::metrics().above_scale.classify(
                r.industry.as_deref(),
                r.revenue,
                &r.tags,
            ) {
                Scale::Above => Some(true),
                Scale::Below => Some(false),
                Scale::Unknown => None,
            },
            tags: r.tags.clone(),
            synthetic: r.synthetic,
            score: r.scores.level_score,
            level: r.scores.level,
            next_level: next,
            points_short: short.map(|x| x.points),
            scenarios_short: short.map(|x| x.short),
            constrained_short: short.map(|x| x.constrained_short),
            constrained_short_ids: r
                .constrained_short
                .iter()
                .filter_map(|i| x.layout.scens.get(*i).map(|c| c.id.clone()))
                .collect(),
            dims: r.scores.at(&x.at.dimensions).collect(),
            inds: r.scores.at(&x.at.indicators).collect(),
            scens: r.scores.scenarios.iter().map(|(_, g)| *g).collect(),
        }
    }
}

/// The Arrow builders of one batch.
struct Builders {
    text: Vec<StringBuilder>,
    assessed_on: Date32Builder,
    above_scale: BooleanBuilder,
    tags: ListBuilder<StringBuilder>,
    synthetic: BooleanBuilder,
    model_id: StringBuilder,
    model_version: StringBuilder,
    score: Float64Builder,
    level: Int8Builder,
    level_name: StringBuilder,
    next_level: Int8Builder,
    points_short: Float64Builder,
    scenarios_short: Int32Builder,
    constrained_short: Int32Builder,
    constrained_short_ids: ListBuilder<StringBuilder>,
    measures: Vec<Float64Builder>,
    grades: Vec<Int8Builder>,
    rows: usize,
}

/// Text columns before `assessed_on` and after it, in schema order.
const LEADING_TEXT: usize = 1;
const REGION_TEXT: usize = 9;

fn i8_of(x: u8) -> i8 {
    i8::try_from(x).unwrap_or(i8::MAX)
}

fn i32_of(x: u32) -> i32 {
    i32::try_from(x).unwrap_or(i32::MAX)
}

impl Builders {
    fn new(layout: &Layout, settings: &ExportSettings) -> Builders {
        let leading =
            LEADING_TEXT + usize::from(settings.salt.is_some()) + 2 * usize::from(settings.named);
        Builders {
            text: (0..leading + REGION_TEXT)
                .map(|_| StringBuilder::new())
                .collect(),
            assessed_on: Date32Builder::new(),
            above_scale: BooleanBuilder::new(),
            tags: ListBuilder::new(StringBuilder::new()),
            synthetic: BooleanBuilder::new(),
            model_id: StringBuilder::new(),
            model_version: StringBuilder::new(),
            score: Float64Builder::new(),
            level: Int8Builder::new(),
            level_name: StringBuilder::new(),
            next_level: Int8Builder::new(),
            points_short: Float64Builder::new(),
            scenarios_short: Int32Builder::new(),
            constrained_short: Int32Builder::new(),
            constrained_short_ids: ListBuilder::new(StringBuilder::new()),
            measures: (0..layout.dims.len() + layout.inds.len())
                .map(|_| Float64Builder::new())
                .collect(),
            grades: (0..layout.scens.len())
                .map(|_| Int8Builder::new())
                .collect(),
            rows: 0,
        }
    }

    fn push(&mut self, model: &Model, settings: &ExportSettings, row: FirmRow) {
        let mut text: Vec<Option<String>> = vec![row.round];
        if settings.salt.is_some() {
            text.push(row.firm_key);
        }
        if settings.named {
            text.push(Some(row.name));
            text.push(row.credit_code);
        }
        text.extend([
            row.region,
            row.province,
            row.city,
            row.region_name,
            row.industry,
            row.industry_section,
            row.industry_division,
            row.industry_name,
            row.size_class.map(str::to_string),
        ]);
        for (b, v) in self.text.iter_mut().zip(text) {
            b.append_option(v);
        }
        self.assessed_on.append_option(row.assessed_on);
        self.above_scale.append_option(row.above_scale);
        for t in &row.tags {
            self.tags.values().append_value(t);
        }
        self.tags.append(true);
        self.synthetic.append_value(row.synthetic);
        self.model_id.append_value(&model.id);
        self.model_version.append_value(&model.version);
        self.score.append_value(row.score);
        self.level.append_value(i8_of(row.level));
        let level_name = match model.level_rule(row.level) {
            Some(r) => r.name.zh.clone(),
            None if row.level == 0 => "未达一级".to_string(),
            None => format!("{} 级", row.level),
        };
        self.level_name.append_value(level_name);
        self.next_level.append_option(row.next_level.map(i8_of));
        self.points_short.append_option(row.points_short);
        self.scenarios_short
            .append_option(row.scenarios_short.map(i32_of));
        self.constrained_short
            .append_option(row.constrained_short.map(i32_of));
        for id in &row.constrained_short_ids {
            self.constrained_short_ids.values().append_value(id);
        }
        self.constrained_short_ids.append(true);
        for (b, v) in self
            .measures
            .iter_mut()
            .zip(row.dims.into_iter().chain(row.inds))
        {
            b.append_option(v);
        }
        for (b, v) in self.grades.iter_mut().zip(row.scens) {
            b.append_option(v.map(i8_of));
        }
        self.rows += 1;
    }

    /// The batch of the rows pushed so far, the builders emptied.
    fn finish(
        &mut self,
        schema: &SchemaRef,
        settings: &ExportSettings,
    ) -> anyhow::Result<RecordBatch> {
        let leading =
            LEADING_TEXT + usize::from(settings.salt.is_some()) + 2 * usize::from(settings.named);
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        for b in &mut self.text[..leading] {
            columns.push(Arc::new(b.finish()));
        }
        columns.push(Arc::new(self.assessed_on.finish()));
        for b in &mut self.text[leading..] {
            columns.push(Arc::new(b.finish()));
        }
        columns.push(Arc::new(self.above_scale.finish()));
        columns.push(Arc::new(self.tags.finish()));
        columns.push(Arc::new(self.synthetic.finish()));
        columns.push(Arc::new(self.model_id.finish()));
        columns.push(Arc::new(self.model_version.finish()));
        columns.push(Arc::new(self.score.finish()));
        columns.push(Arc::new(self.level.finish()));
        columns.push(Arc::new(self.level_name.finish()));
        columns.push(Arc::new(self.next_level.finish()));
        columns.push(Arc::new(self.points_short.finish()));
        columns.push(Arc::new(self.scenarios_short.finish()));
        columns.push(Arc::new(self.constrained_short.finish()));
        columns.push(Arc::new(self.constrained_short_ids.finish()));
        for b in &mut self.measures {
            columns.push(Arc::new(b.finish()));
        }
        for b in &mut self.grades {
            columns.push(Arc::new(b.finish()));
        }
        self.rows = 0;
        Ok(RecordBatch::try_new(schema.clone(), columns)?)
    }
}

/// The file being written: a temporary file, copied to its place when complete (so the output
/// policy of the command applies, and a second pass can start it again).
struct FileState {
    writer: ArrowWriter<std::fs::File>,
    builders: Builders,
    rows: u64,
}

/// A Parquet export of scored firms.
pub struct ParquetExport {
    model: Model,
    at: crate::score::engine::Positions,
    settings: ExportSettings,
    keyer: Option<FirmKeyer>,
    layout: Layout,
    /// Where the temporary file goes (beside the output, so no second disk fills).
    dir: std::path::PathBuf,
    /// Rows of the chunk being scored, with their input position.
    pending: Mutex<Vec<(u32, FirmRow)>>,
    state: Mutex<Result<FileState, String>>,
}

impl std::fmt::Debug for ParquetExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParquetExport")
            .field("model", &self.model.id)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl ParquetExport {
    /// Start an export of firms scored against `model`; the temporary file goes into `dir`.
    pub fn new(
        model: &Model,
        settings: ExportSettings,
        dir: &Path,
    ) -> anyhow::Result<ParquetExport> {
        let layout = Layout::of(model, &settings);
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".").to_path_buf()
        } else {
            dir.to_path_buf()
        };
        let state = Self::open(&layout, &settings, &dir)?;
        Ok(ParquetExport {
            model: model.clone(),
            at: crate::score::engine::Positions::of(model),
            keyer: settings.salt.as_deref().map(FirmKeyer::new),
            settings,
            layout,
            dir,
            pending: Mutex::new(Vec::new()),
            state: Mutex::new(Ok(state)),
        })
    }

    fn open(layout: &Layout, settings: &ExportSettings, dir: &Path) -> anyhow::Result<FileState> {
        let file = tempfile::tempfile_in(dir)?;
        let metadata: Vec<KeyValue> = layout
            .metadata
            .iter()
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
            .collect();
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .set_created_by(format!("smedx {}", env!("CARGO_PKG_VERSION")))
            .set_key_value_metadata(Some(metadata))
            .build();
        let writer = ArrowWriter::try_new(file, layout.schema.clone(), Some(props))?;
        Ok(FileState {
            writer,
            builders: Builders::new(layout, settings),
            rows: 0,
        })
    }

    /// The column names of the file, in order.
    pub fn columns(&self) -> Vec<String> {
        self.layout
            .schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    /// Add one firm directly (a single-threaded caller such as `smedx dump`).
    pub fn push(&self, record: &Record) {
        let row = FirmRow::of(self, record);
        self.write_rows(vec![(0, row)]);
    }

    fn write_rows(&self, rows: Vec<(u32, FirmRow)>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let Ok(file) = state.as_mut() else {
            return;
        };
        let mut failed = None;
        for (_, row) in rows {
            file.builders.push(&self.model, &self.settings, row);
            file.rows += 1;
            if file.builders.rows >= BATCH_ROWS
                && let Err(e) = Self::flush(file, &self.layout, &self.settings)
            {
                failed = Some(e);
                break;
            }
        }
        if let Some(e) = failed {
            *state = Err(format!("{e:#}"));
        }
    }

    fn flush(
        file: &mut FileState,
        layout: &Layout,
        settings: &ExportSettings,
    ) -> anyhow::Result<()> {
        if file.builders.rows > 0 {
            let batch = file.builders.finish(&layout.schema, settings)?;
            file.writer.write(&batch)?;
        }
        Ok(())
    }

    /// Finish the file and copy it to `out`; the number of rows written.
    pub fn finish(&self, out: &mut dyn Write) -> anyhow::Result<u64> {
        let taken = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::replace(&mut *state, Err("the export was finished already".into()))
        };
        let mut file = taken.map_err(|e| anyhow::anyhow!(e))?;
        Self::flush(&mut file, &self.layout, &self.settings)?;
        let rows = file.rows;
        let mut tmp = file.writer.into_inner()?;
        tmp.flush()?;
        tmp.rewind()?;
        std::io::copy(&mut tmp, out)?;
        Ok(rows)
    }
}

impl FirmSink for ParquetExport {
    fn begin_pass(&self) {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(&*state, Ok(f) if f.rows == 0) {
            return;
        }
        // Start again: the old temporary file goes with its writer.
        *state = Self::open(&self.layout, &self.settings, &self.dir).map_err(|e| format!("{e:#}"));
    }

    fn firm(&self, seq: u32, record: &Record) {
        let row = FirmRow::of(self, record);
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((seq, row));
    }

    fn chunk_done(&self) {
        let mut rows = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        // Rows in input order, whichever worker scored them.
        rows.sort_unstable_by_key(|(seq, _)| *seq);
        self.write_rows(rows);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_count_days_from_1970() {
        assert_eq!(epoch_days(19700101), Some(0));
        assert_eq!(epoch_days(20000301), Some(11_017));
        assert_eq!(epoch_days(20260512), Some(20_585));
        assert_eq!(epoch_days(20240229), Some(19_782));
        assert_eq!(epoch_days(20230229), None);
        assert_eq!(epoch_days(20261300), None);
        assert_eq!(epoch_days(0), None);
    }

    #[test]
    fn firm_keys_depend_on_the_salt_and_not_on_spaces() {
        let a = firm_key(b"salt of this office", "91330381MA2H8C3NXF");
        assert_eq!(a.len(), 32);
        assert_eq!(a, firm_key(b"salt of this office", " 91330381MA2H8C3NXF "));
        assert_ne!(a, firm_key(b"another salt", "91330381MA2H8C3NXF"));
        assert_ne!(a, firm_key(b"salt of this office", "91330381MA2H8C3NXG"));
    }

    #[test]
    fn column_names_need_no_quoting_and_never_repeat() {
        let mut taken = std::collections::HashSet::new();
        assert_eq!(
            column_name("ind", "equipment-systems", &mut taken),
            "ind_equipment_systems"
        );
        assert_eq!(
            column_name("ind", "equipment.systems", &mut taken),
            "ind_equipment_systems_2"
        );
        assert_eq!(
            column_name("dim", "数字化基础", &mut taken),
            "dim_数字化基础"
        );
    }
}
