//! # veche-reports
//!
//! Problem reports («Наш город»): a resident reports a problem at a place; a moderator accepts
//! it and it goes to the organisation that answers for its category in its district, which must
//! answer within a deadline in working days; the resident confirms or disputes the answer.
//!
//! - [`model`]: categories, organisations and their officials, calendar entries, reports with
//!   their history.
//! - [`rules`]: the calendar and deadlines, the workflow table, routing, proximity, what each
//!   step does (pure functions).

pub mod model;
pub mod rules;
