//! What every feature's input checks share: free text, trimmed and bounded; query parameters.

use crate::web::problem::{Invalid, Problem};

/// Trims a text, bounds its length in characters (`required` when empty and `min` > 0,
/// `too_short`, `too_long`), and refuses control characters (`invalid_characters`), except
/// line breaks and tabs where the text may have several lines. Line breaks come out as `\n`.
pub fn clean_text(
    raw: &str,
    field: &'static str,
    min: usize,
    max: usize,
    multiline: bool,
) -> Result<String, Invalid> {
    let text = raw.trim();
    let len = text.chars().count();
    if len < min {
        let code = if len == 0 { "required" } else { "too_short" };
        return Err(Invalid::new(field, code));
    }
    if len > max {
        return Err(Invalid::new(field, "too_long"));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        return Err(Invalid::new(field, "invalid_characters"));
    }
    Ok(text.replace("\r\n", "\n"))
}

/// The query parameter `name` read by `parse` (absent or empty: `None`); a 400 `code` naming
/// the field when it does not read.
pub fn query_param<T>(
    query: &std::collections::HashMap<String, String>,
    name: &'static str,
    parse: impl FnOnce(&str) -> Option<T>,
    code: &'static str,
) -> Result<Option<T>, Problem> {
    match query.get(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(raw) => parse(raw)
            .map(Some)
            .ok_or_else(|| Problem::bad_request(code).with("field", name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_bounded_in_characters_and_free_of_controls() {
        assert_eq!(
            clean_text("  Парк \r\n", "t", 1, 4, false),
            Ok("Парк".into())
        );
        let refused = [
            ("  ", 1, "required"),
            ("П", 2, "too_short"),
            ("Парки", 1, "too_long"),
            ("a\nb", 1, "invalid_characters"),
        ];
        for (raw, min, code) in refused {
            assert_eq!(
                clean_text(raw, "t", min, 4, false),
                Err(Invalid::new("t", code))
            );
        }
        assert_eq!(clean_text("a\r\nb", "t", 1, 4, true), Ok("a\nb".into()));
        assert_eq!(clean_text("", "t", 0, 4, true), Ok(String::new()));
    }
}
