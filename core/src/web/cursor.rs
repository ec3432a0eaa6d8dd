//! Pagination for every list the API and the pages show: `limit` from the query, opaque
//! cursors (base64 of the last key of the previous page), and the split of a fetched
//! `limit + 1` rows into a page and the cursor of the next.

use std::collections::HashMap;

use base64::Engine;

use crate::web::problem::Problem;

/// The default page size, and the largest a client may ask for.
pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;

/// `limit` (default 20, 1..=100) from a query.
pub fn parse_limit(query: &HashMap<String, String>) -> Result<usize, Problem> {
    match query.get("limit") {
        None => Ok(DEFAULT_LIMIT),
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(Problem::bad_request("invalid_limit").with("field", "limit")),
        },
    }
}

/// Cursors are opaque to clients: base64 of the last key of the previous page.
pub fn encode_cursor(key: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
}

/// The key inside a cursor; `invalid_cursor` when it is not one of ours.
pub fn decode_cursor(raw: &str) -> Result<String, Problem> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(invalid_cursor)
}

fn invalid_cursor() -> Problem {
    Problem::bad_request("invalid_cursor").with("field", "cursor")
}

/// Where a list resumes: the key in the query's `cursor`, read by `parse` (absent or empty:
/// from the start); `invalid_cursor` when it is not one of ours.
pub fn after<T>(
    query: &HashMap<String, String>,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, Problem> {
    match query.get("cursor").filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(raw) => parse(&decode_cursor(raw)?)
            .map(Some)
            .ok_or_else(invalid_cursor),
    }
}

/// Rows fetched with `limit + 1` become a page of at most `limit` and, when there was more,
/// the cursor of the next page (made from the page's last row by `key`).
pub fn split_page<T>(
    mut rows: Vec<T>,
    limit: usize,
    key: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(|r| encode_cursor(&key(r)));
        (rows, next)
    } else {
        (rows, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_garbage() {
        assert_eq!(decode_cursor(&encode_cursor("01JABC")).unwrap(), "01JABC");
        assert_eq!(decode_cursor("%%%").unwrap_err().code, "invalid_cursor");
    }

    #[test]
    fn a_page_has_a_next_cursor_only_when_more_rows_were_found() {
        let (page, next) = split_page(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(page, vec![1, 2]);
        assert_eq!(
            next.as_deref().map(|c| decode_cursor(c).unwrap()),
            Some("2".into())
        );
        let (page, next) = split_page(vec![1, 2], 2, |n| n.to_string());
        assert_eq!((page, next), (vec![1, 2], None));
    }

    #[test]
    fn limits_outside_the_range_are_refused() {
        let q = |v: &str| HashMap::from([("limit".to_string(), v.to_string())]);
        assert_eq!(parse_limit(&HashMap::new()).unwrap(), 20);
        assert_eq!(parse_limit(&q("100")).unwrap(), 100);
        assert_eq!(parse_limit(&q("0")).unwrap_err().code, "invalid_limit");
        assert_eq!(parse_limit(&q("101")).unwrap_err().code, "invalid_limit");
    }
}
