use chrono::{DateTime, Utc};
use flexport_logistics_2024_04::types::{self, ReportStatus};

use super::{Writer, later};
use crate::engine::DomainError;
use crate::state::{Report, StateChange};

pub fn generate(
    w: &mut Writer<'_>,
    input: types::ReportGenerationRequest,
) -> Result<types::ReportGenerationResponse, DomainError> {
    if let (Some(start), Some(end)) = (input.start_date, input.end_date)
        && end < start
    {
        return Err(DomainError::invalid_field("endDate", "is before startDate"));
    }
    let reference = uuid::Uuid::new_v4().to_string();
    let report = Report {
        report_type: input.report_type,
        report: types::Report {
            error_message: None,
            status: ReportStatus::Pending,
            url: None,
            url_expiration: None,
        },
        ready_at: Some(later(w.now(), w.config().report_after)),
    };
    w.apply(StateChange::Report {
        reference: reference.clone(),
        report,
    });
    Ok(types::ReportGenerationResponse {
        report_reference: reference,
    })
}

/// Marks every report whose time has come as ready, with a download URL.
pub fn finish_due(w: &mut Writer<'_>, now: DateTime<Utc>) {
    let due: Vec<(String, Report)> = w
        .data()
        .reports
        .iter()
        .filter(|(_, report)| report.ready_at.is_some_and(|at| at <= now))
        .map(|(reference, report)| (reference.clone(), report.clone()))
        .collect();
    for (reference, mut report) in due {
        report.ready_at = None;
        report.report.status = ReportStatus::Success;
        report.report.url = Some(format!(
            "{}/sandbox/reports/{reference}.csv",
            w.store.base_url
        ));
        report.report.url_expiration = Some(later(now, std::time::Duration::from_secs(86_400)));
        w.apply(StateChange::Report { reference, report });
    }
}
