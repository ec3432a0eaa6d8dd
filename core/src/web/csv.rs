//! CSV downloads that spreadsheets open as they should: UTF-8 with a byte-order mark (so that
//! Excel reads Cyrillic), cells quoted where needed, and text a spreadsheet would run as a
//! formula defused.

/// The UTF-8 byte-order mark a CSV download begins with.
pub const BOM: &str = "\u{feff}";

/// A text cell: quoted when it holds a comma, a quote or a line break; a cell a spreadsheet
/// would run as a formula (`=`, `+`, `-`, `@`, tab or CR first) is prefixed with `'`.
/// Numbers are written as they are, not through this.
pub fn cell(raw: &str) -> String {
    let guarded = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// One line of cells already made (by [`cell`] or numbers), ended by CRLF as RFC 4180 says.
pub fn line(cells: &[String]) -> String {
    format!("{}\r\n", cells.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("Хамовники"), "Хамовники");
        assert_eq!(cell("a, b"), "\"a, b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("+7 999"), "'+7 999");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell(""), "");
        assert_eq!(line(&["a".into(), "1".into()]), "a,1\r\n");
    }
}
