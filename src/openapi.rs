//! The OpenAPI document served at `/api/v1/openapi.json`, generated from the handlers'
//! annotations in every crate.

use std::sync::Arc;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};

use veche_core::feature::Running;

pub fn document(features: &[Arc<dyn Running>]) -> utoipa::openapi::OpenApi {
    let mut doc = utoipa::openapi::OpenApiBuilder::new().build();
    for part in features.iter().filter_map(|f| f.openapi()) {
        doc.merge(part);
    }
    doc.info.title = "Veche API".into();
    doc.info.version = env!("CARGO_PKG_VERSION").into();
    doc.info.description = Some(
        "Veche: polls, ideas and problem reports for a city. Errors are RFC 9457 problem \
         documents (`application/problem+json`) with a stable `code`. Browsers authenticate \
         with the `veche_session` cookie and send `X-CSRF-Token` on state-changing requests; \
         programs send `Authorization: Bearer <token>`."
            .into(),
    );
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("veche_session"))),
    );
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    // What an operation asks unless it says otherwise: a session or a token. Public
    // operations say `security(())` (anyone), or `security((), …)` (anyone, more when signed
    // in); `tests/api.rs` checks each against what an anonymous request is answered.
    let none: [&str; 0] = [];
    doc.security = Some(vec![
        SecurityRequirement::new("session", none),
        SecurityRequirement::new("bearer", none),
    ]);
    doc
}
