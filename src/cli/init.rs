//! `smedx init`: write a blank answer sheet for a model, every item with its options and help in
//! comments, or (`--example`) a filled sample sheet to try the other commands on.

use super::Outcome;
use crate::model::item::Input;
use crate::model::{self, Children, Model, Node};
use crate::text::{Lang, Text, tr};
use crate::yaml_value::format_number;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Write a blank answer sheet to fill in an editor.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write to this file (default: standard output).
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Model: a bundled id or a model file.
    #[arg(long, short, default_value = model::DEFAULT_MODEL_ID)]
    model: String,
    /// Write a filled sample sheet instead (a fictional auto-parts machining shop), ready for
    /// `smedx score`.
    #[arg(long, conflicts_with = "model")]
    example: bool,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    force: bool,
}

/// The filled sample sheet `--example` writes, compiled in so it works without the source tree.
const EXAMPLE: &str = include_str!("../../questionnaires/examples/auto-parts-machining.yaml");

pub fn run(args: Args) -> anyhow::Result<Outcome> {
    let Some(model) = super::resolve_model(&args.model) else {
        return Ok(Outcome::Invalid);
    };
    let inputs: Vec<&std::path::Path> = super::model_file(Some(&args.model)).into_iter().collect();
    let output = match super::checked_output(args.output.as_deref(), args.force, &inputs) {
        Ok(o) => o,
        Err(outcome) => return Ok(outcome),
    };
    let lang = Lang::ui();
    let text = if args.example {
        example_sheet(&model, lang)
    } else {
        blank_sheet(&model, lang)
    };
    output.write(text.as_bytes())?;
    if let Some(path) = &args.output {
        let path = path.display();
        let n = model.items.len();
        let id = &model.id;
        to_stderr!(
            "{}",
            match (lang, args.example) {
                (Lang::Zh, true) =>
                    format!("已写入示例答卷（虚构企业）：{path}；试一试：smedx score {path}"),
                (Lang::En, true) => format!(
                    "Wrote a sample answer sheet (a fictional firm) to {path}; try: smedx score {path}"
                ),
                (Lang::Zh, false) => format!(
                    "已写入空白答卷：{path}（模型 {id}，{n} 道题）；填好后：smedx score {path}"
                ),
                (Lang::En, false) => format!(
                    "Wrote a blank answer sheet ({id}, {n} questions) to {path}; once filled: smedx score {path}"
                ),
            }
        );
    }
    Ok(Outcome::Ok)
}

/// The sample sheet, its schema line pointing where `smedx schema` writes (not into the source tree).
pub fn example_sheet(model: &Model, lang: Lang) -> String {
    let body = EXAMPLE
        .split_once('\n')
        .filter(|(first, _)| first.starts_with("# yaml-language-server"))
        .map_or(EXAMPLE, |(_, rest)| rest);
    let mut out = String::new();
    schema_lines(&mut out, model, lang);
    comment(
        &mut out,
        "",
        tr(
            lang,
            "由 smedx init --example 写出。本企业的空白答卷：smedx init -o 答卷.yaml",
            "Written by smedx init --example. A blank sheet for your firm: smedx init -o answers.yaml",
        ),
    );
    out.push_str(body);
    out
}

/// The first lines of a sheet: the schema editors check it against, and how to write that schema.
fn schema_lines(out: &mut String, model: &Model, lang: Lang) {
    let _ = writeln!(out, "# yaml-language-server: $schema=./answers.schema.json");
    comment(
        out,
        "",
        &format!(
            "{} smedx schema answers --model {} -o answers.schema.json",
            tr(
                lang,
                "编辑器校验：先生成模式文件",
                "Editor checks: first write the schema with"
            ),
            model.id
        ),
    );
}

/// One comment line per text line, so multi-line help stays a comment.
fn comment(out: &mut String, indent: &str, text: &str) {
    for line in text.lines() {
        let _ = writeln!(out, "{indent}# {line}");
    }
}

/// The blank sheet text.
pub fn blank_sheet(model: &Model, lang: Lang) -> String {
    let mut out = String::new();
    let t = |x: &Text| x.get(lang).to_string();
    schema_lines(&mut out, model, lang);
    comment(
        &mut out,
        "",
        &format!(
            "{} — {}",
            t(&model.title),
            tr(lang, "答题表", "answer sheet")
        ),
    );
    comment(
        &mut out,
        "",
        tr(
            lang,
            "填写方法：每题冒号后填答案；多选题写成列表 [B, D]；不适用（允许时）写 na。",
            "How to fill: write the answer after each colon; multi-choice as a list [B, D]; na where allowed.",
        ),
    );
    comment(
        &mut out,
        "",
        tr(
            lang,
            "检查：smedx validate 本文件；评分：smedx score 本文件",
            "Check: smedx validate FILE; score: smedx score FILE",
        ),
    );
    let _ = writeln!(
        out,
        "model: {}\nmodel_version: \"{}\"\n",
        model.id, model.version
    );
    let _ = writeln!(out, "profile:");
    for f in crate::answers::profile_fields().iter().filter(|f| f.asked) {
        let how = format!("{}：{}", f.title(lang), f.how(lang));
        let _ = writeln!(out, "  {}:    # {how}", f.id);
    }
    let _ = writeln!(out, "\nanswers:");
    for d in &model.dimensions {
        node_block(&mut out, model, d, 0, lang);
    }
    out
}

fn node_block(out: &mut String, model: &Model, node: &Node, depth: usize, lang: Lang) {
    let bar = if depth == 0 { "=" } else { "-" };
    let points = if node.points > 0.0 {
        format!(
            " ({} {})",
            format_number(node.points),
            tr(lang, "分", "points")
        )
    } else {
        String::new()
    };
    let extra = if depth == 0 && !node.counts_toward_level {
        tr(
            lang,
            "（单独计分，不影响等级）",
            " (scored separately; does not change the level)",
        )
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "\n  # {} {}{points}{extra} {}",
        bar.repeat(3),
        node.title.get(lang),
        bar.repeat(3)
    );
    match &node.children {
        Children::Nodes(nodes) => nodes
            .iter()
            .for_each(|n| node_block(out, model, n, depth + 1, lang)),
        Children::Items(items) => items
            .iter()
            .for_each(|&i| item_block(out, &model.items[i], lang)),
    }
}

fn item_block(out: &mut String, item: &crate::model::Item, lang: Lang) {
    let t = |x: &Text| x.get(lang).to_string();
    let _ = writeln!(out);
    let points = if item.points > 0.0 {
        format!(
            "（{} {}）",
            format_number(item.points),
            tr(lang, "分", "points")
        )
    } else {
        String::new()
    };
    comment(out, "  ", &format!("{}{points}", t(&item.title)));
    if let Some(h) = &item.help {
        comment(
            out,
            "  ",
            &format!("{} {}", tr(lang, "说明：", "Help:"), t(h)),
        );
    }
    if let Some(groups) = &item.applies_to.industry_groups {
        comment(
            out,
            "  ",
            &format!(
                "{} {}",
                tr(lang, "适用行业组：", "Applies to:"),
                groups.join(", ")
            ),
        );
    }
    let remark = item
        .remark()
        .map(|r| format!("{}{}", t(&r), tr(lang, "。", ". ")));
    let syntax = match item.input() {
        Input::One => tr(lang, "，填一个：", ", one of:"),
        Input::Many => tr(lang, "，写成列表，如 [B, C]：", ", as a list, e.g. [B, C]:"),
        Input::Number { .. } => tr(lang, "；或区间代号：", "; or a band id:"),
    };
    let how = format!("{}{}{syntax}", remark.unwrap_or_default(), t(&item.how()));
    comment(out, "  ", &how);
    for w in item.words() {
        let alone = if w.exclusive {
            tr(lang, "（只能单独选）", " (alone only)")
        } else {
            ""
        };
        let label = t(&w.label);
        let label = if label == w.id {
            String::new()
        } else {
            format!(" = {label}")
        };
        let line = format!("  {}{label}{alone}{}", w.id, item.word_points(&w));
        comment(out, "  ", &line);
    }
    if let Input::Number { ratio: Some(r), .. } = item.input() {
        let figures = format!(
            "{} {{numerator: {}, denominator: {}}}",
            tr(lang, "或原始数据：", "or raw figures:"),
            t(&r.numerator),
            t(&r.denominator)
        );
        comment(out, "  ", &figures);
    }
    if !item.evidence.is_empty() {
        let ev: Vec<String> = item.evidence.iter().map(t).collect();
        comment(
            out,
            "  ",
            &format!("{} {}", tr(lang, "佐证材料：", "Evidence:"), ev.join("；")),
        );
    }
    if item.allow_na {
        comment(
            out,
            "  ",
            tr(lang, "不适用时填 na", "answer na if it does not apply"),
        );
    }
    if !item.fields.is_empty() {
        let f: Vec<String> = item
            .fields
            .iter()
            .map(|f| {
                format!(
                    "{} ({}{})",
                    f.id,
                    t(&f.label),
                    f.unit
                        .as_deref()
                        .map(|u| format!(", {u}"))
                        .unwrap_or_default()
                )
            })
            .collect();
        comment(
            out,
            "  ",
            &format!(
                "{} {{answer: ..., data: {{{}}}}}",
                tr(lang, "可记录数据：", "figures to record:"),
                f.join(", ")
            ),
        );
    }
    let _ = writeln!(out, "  {}:", item.id);
}
