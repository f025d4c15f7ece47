//! The one front door from an answer sheet to a report: check → score → plan → render. The CLI's
//! `report` and the server's report page both go through it.

use crate::answers::AnswerSheet;
use crate::diag::Diagnostic;
use crate::model::Model;
use crate::report::{self, ReportContext, ReportFormat};
use crate::roadmap::{self, Catalog, PlanRequest, Policies, Policy, Roadmap, Tuning};
use crate::score::Assessment;
use crate::source_file::SourceFile;
use crate::text::Lang;
use std::path::Path;

/// What a report is made from: the model, the solution catalog, the policies files, the planner's
/// tuning and (optionally) a folder of templates that replace the bundled ones file by file.
#[derive(Debug, Clone, Copy)]
pub struct Pipeline<'a> {
    pub model: &'a Model,
    pub catalog: &'a Catalog,
    pub policies: &'a [Policy],
    pub tuning: &'a Tuning,
    pub templates: Option<&'a Path>,
}

/// Load and check a YAML or JSON answer sheet against `model` (the first stage, which needs no catalog).
pub fn check(model: &Model, source: &SourceFile) -> (Option<AnswerSheet>, Vec<Diagnostic>) {
    match crate::answers::load_sheet(source) {
        Ok(node) => {
            let checked = crate::answers::check_sheet(model, &node, source);
            (checked.sheet, checked.diagnostics)
        }
        Err(d) => (None, vec![d]),
    }
}

impl Pipeline<'_> {
    /// Load and check a YAML or JSON answer sheet: the sheet when it has no error, and every diagnostic.
    pub fn check(&self, source: &SourceFile) -> (Option<AnswerSheet>, Vec<Diagnostic>) {
        check(self.model, source)
    }

    /// Score a checked sheet.
    pub fn score(&self, sheet: &AnswerSheet) -> Assessment {
        crate::score::score(self.model, sheet)
    }

    /// Plan the roadmap with the policies of the firm's region valid on the request's date.
    pub fn plan(
        &self,
        sheet: &AnswerSheet,
        assessment: &Assessment,
        options: &PlanRequest,
    ) -> Roadmap {
        let as_of = options
            .as_of
            .clone()
            .unwrap_or_else(crate::collect::cells::today);
        let policies = Policies::for_region(self.policies, sheet.profile.region.as_deref(), &as_of);
        roadmap::plan_with(
            self.model,
            sheet,
            assessment,
            self.catalog,
            &policies,
            options,
            self.tuning,
        )
    }

    /// Score, plan and build the report context of a checked sheet.
    pub fn context(&self, sheet: &AnswerSheet, options: &PlanRequest, lang: Lang) -> ReportContext {
        let assessment = self.score(sheet);
        let plan = self.plan(sheet, &assessment, options);
        report::build_context(self.model, &assessment, &plan, lang)
    }

    /// Render a context with the pipeline's templates.
    pub fn render(
        &self,
        ctx: &ReportContext,
        format: ReportFormat,
        lang: Lang,
    ) -> Result<String, minijinja::Error> {
        report::render(ctx, format, self.templates, lang)
    }

    /// Render a context as the bytes of a file in any format; PDF and Word need `fonts` (an error
    /// without them).
    pub fn document(
        &self,
        ctx: &ReportContext,
        format: ReportFormat,
        lang: Lang,
        fonts: Option<&report::pdf::Fonts>,
    ) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
        match (format, fonts) {
            (ReportFormat::Pdf, Some(fonts)) => {
                Ok(report::pdf::render(ctx, self.templates, lang, fonts)?)
            }
            (ReportFormat::Docx, Some(fonts)) => {
                Ok(report::docx::render(ctx, self.templates, lang, fonts)?)
            }
            _ => Ok(self.render(ctx, format, lang)?.into_bytes()),
        }
    }

    /// The whole way from a checked sheet to the report text.
    pub fn report(
        &self,
        sheet: &AnswerSheet,
        options: &PlanRequest,
        format: ReportFormat,
        lang: Lang,
    ) -> Result<String, minijinja::Error> {
        self.render(&self.context(sheet, options, lang), format, lang)
    }
}
