//! Which stage of a project its participants are yet to hear of.

use time::OffsetDateTime;

use crate::model::{Project, Stage};

/// The stage that has begun and was not announced yet: discussion (support the approved
/// ideas), review (the experts are at work) or results. Only the current stage is announced:
/// a stage that passed while no server ran is not announced late.
pub fn stage_to_announce(project: &Project, now: OffsetDateTime) -> Option<Stage> {
    let stage = project.stage(now);
    let worth_telling = matches!(stage, Stage::Discussion | Stage::Review | Stage::Results);
    (worth_telling && project.announced.is_none_or(|told| told < stage)).then_some(stage)
}

/// The project once its participants were told of `stage`.
pub fn announced(project: &Project, stage: Stage, now: OffsetDateTime) -> Project {
    Project {
        announced: Some(stage),
        updated_at: now,
        version: project.version + 1,
        ..project.clone()
    }
}
