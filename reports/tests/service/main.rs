//! The reports' use cases end to end on a real platform (accounts, audit log, notifications),
//! on SQLite and on MongoDB: every transition, every forbidden one (nothing changes), the
//! deadline warnings claimed once, the 15-day close, nearby duplicates and joining.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod background;
mod demo;
mod workflow;
mod world;
