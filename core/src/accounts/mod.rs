//! Accounts: residents, moderators, officials, experts and admins; sessions and API tokens;
//! organisations; the admin's roles and blocks.

pub mod demo;
pub mod http;
pub mod mail;
pub mod model;
pub mod pages;
pub mod service;
pub mod views;
