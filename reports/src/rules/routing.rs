//! Routing: which organisation answers a report, and the reason everyone is shown.

use veche_core::id::DistrictId;

use crate::model::{Category, Profile, RouteBasis, Routing};

/// The organisation of the category's kind serving the district (of several, the one with the
/// smallest id, so that every server routes alike), and why.
pub fn route(
    category: &Category,
    district: &DistrictId,
    organisations: &[Profile],
) -> Option<Routing> {
    organisations
        .iter()
        .filter(|o| o.kind == category.organisation_kind && o.districts.contains(district))
        .min_by(|a, b| a.id.cmp(&b.id))
        .map(|o| Routing {
            organisation_id: o.id.clone(),
            basis: RouteBasis::Category,
            kind: category.organisation_kind,
            district_id: district.clone(),
            note: None,
        })
}

/// A routing someone chose (a moderator on acceptance, an official re-routing), with their
/// words.
pub fn chosen(
    organisation: &Profile,
    basis: RouteBasis,
    district: &DistrictId,
    note: Option<String>,
) -> Routing {
    Routing {
        organisation_id: organisation.id.clone(),
        basis,
        kind: organisation.kind,
        district_id: district.clone(),
        note,
    }
}

/// The catalog key of the reason shown for a routing ("sent to X because …"); its arguments
/// are `organisation`, `kind` (the `reports-kind-…` name), `district` and `note`.
pub fn reason_key(routing: &Routing) -> &'static str {
    match routing.basis {
        RouteBasis::Category => "reports-route-category",
        RouteBasis::Moderator => "reports-route-moderator",
        RouteBasis::Rerouted => "reports-route-rerouted",
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use veche_core::id::{DistrictId, OrganisationId};

    use super::*;
    use crate::model::{CategoryId, OrgKind};

    fn org(id: &str, kind: OrgKind, districts: &[&str]) -> Profile {
        Profile {
            id: OrganisationId::from_trusted(id.into()),
            kind,
            districts: districts
                .iter()
                .map(|d| DistrictId::from_trusted(d.to_string()))
                .collect::<BTreeSet<_>>(),
            head: None,
            version: 1,
        }
    }

    fn pothole() -> Category {
        Category {
            id: CategoryId::from_trusted("pothole".into()),
            parent: None,
            name_ru: "Яма".into(),
            name_en: "Pothole".into(),
            deadline_days: 8,
            photo_required: true,
            duplicate_radius_m: 50,
            organisation_kind: OrgKind::Roads,
            active: true,
            version: 1,
        }
    }

    #[test]
    fn the_kind_serving_the_district_gets_it() {
        let orgs = [
            org("council-a", OrgKind::DistrictCouncil, &["1", "2"]),
            org("roads-b", OrgKind::Roads, &["2"]),
            org("roads-a", OrgKind::Roads, &["1"]),
        ];
        let d1 = DistrictId::from_trusted("1".into());
        let routing = route(&pothole(), &d1, &orgs).unwrap();
        assert_eq!(routing.organisation_id.as_str(), "roads-a");
        assert_eq!(routing.basis, RouteBasis::Category);
        assert_eq!(routing.kind, OrgKind::Roads);
        assert_eq!(reason_key(&routing), "reports-route-category");
        // Nobody serves district 3.
        let d3 = DistrictId::from_trusted("3".into());
        assert!(route(&pothole(), &d3, &orgs).is_none());
    }

    #[test]
    fn of_two_serving_the_same_district_the_smallest_id_wins() {
        let orgs = [
            org("roads-z", OrgKind::Roads, &["1"]),
            org("roads-m", OrgKind::Roads, &["1"]),
        ];
        let d1 = DistrictId::from_trusted("1".into());
        assert_eq!(
            route(&pothole(), &d1, &orgs)
                .unwrap()
                .organisation_id
                .as_str(),
            "roads-m"
        );
        let chosen = chosen(&orgs[0], RouteBasis::Rerouted, &d1, Some("bridge".into()));
        assert_eq!(reason_key(&chosen), "reports-route-rerouted");
        assert_eq!(chosen.organisation_id.as_str(), "roads-z");
    }
}
