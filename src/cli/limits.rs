//! The limits on what smedx reads and shows, as flags every command takes (README: "Limits").

use crate::source_file::Limits;

/// Limits on input and diagnostics. The defaults suit every real file; raise one only for a file
/// you trust.
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "Limits (限制)")]
pub struct LimitArgs {
    /// Largest file read whole, in MiB: a model, answer sheet, workbook or CSV batch [default: 16].
    #[arg(long, global = true, value_name = "MIB")]
    max_file_mib: Option<u64>,
    /// Longest record of a JSON Lines file, in KiB [default: 1024].
    #[arg(long, global = true, value_name = "KIB")]
    max_record_kib: Option<u64>,
    /// Most bytes all parts of a workbook may unpack to, in MiB [default: 64].
    #[arg(long, global = true, value_name = "MIB")]
    max_unpacked_mib: Option<u64>,
    /// Most bytes one part of a workbook may unpack to, in MiB [default: 32].
    #[arg(long, global = true, value_name = "MIB")]
    max_part_mib: Option<u64>,
    /// Most filled cells read from a workbook [default: 2000000].
    #[arg(long, global = true, value_name = "N")]
    max_cells: Option<u64>,
    /// Most rows read from a CSV batch or a workbook table [default: 100000].
    #[arg(long, global = true, value_name = "N")]
    max_rows: Option<u64>,
    /// Most columns read from a CSV batch or a workbook table [default: 10000].
    #[arg(long, global = true, value_name = "N")]
    max_columns: Option<u64>,
    /// Most values (mappings, lists, scalars) of a YAML or JSON file [default: 250000].
    #[arg(long, global = true, value_name = "N")]
    max_yaml_nodes: Option<u64>,
    /// Diagnostics shown per file, then how many more (0: all) [default: 200].
    #[arg(long, global = true, value_name = "N")]
    max_diagnostics: Option<usize>,
}

impl LimitArgs {
    /// The limits these flags give, the defaults where a flag is absent.
    pub fn limits(&self) -> Limits {
        let d = Limits::DEFAULT;
        let mib = |v: Option<u64>, default: u64| v.map_or(default, |v| v.saturating_mul(1 << 20));
        Limits {
            file_bytes: mib(self.max_file_mib, d.file_bytes),
            record_bytes: self
                .max_record_kib
                .map_or(d.record_bytes, |v| v.saturating_mul(1 << 10)),
            unpacked_bytes: mib(self.max_unpacked_mib, d.unpacked_bytes),
            part_bytes: mib(self.max_part_mib, d.part_bytes),
            cells: self.max_cells.unwrap_or(d.cells),
            rows: self.max_rows.unwrap_or(d.rows),
            columns: self.max_columns.unwrap_or(d.columns),
            yaml_nodes: self.max_yaml_nodes.unwrap_or(d.yaml_nodes),
        }
    }

    /// Put the limits in force for this process.
    pub fn apply(&self) {
        self.limits().set();
        crate::diag::set_max_per_file(
            self.max_diagnostics
                .unwrap_or(crate::diag::DEFAULT_MAX_PER_FILE),
        );
    }
}
