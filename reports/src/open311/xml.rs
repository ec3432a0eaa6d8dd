//! One answer, two formats. GeoReport v2 defines its XML and derives the JSON from it by the
//! Spark convention: a list element (`<services>`) is an array of its items (`<service>`), an
//! element of elements is an object, a text element a string, number or boolean. An answer is
//! built once as a [`Doc`] and written as either; the XML goes through quick-xml's writer, so
//! every text is escaped by the library, and characters XML 1.0 cannot carry at all (most
//! control characters) are dropped first.

use std::io::Cursor;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use serde_json::{Map, Value};

/// A value of an answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Doc {
    /// JSON `null`; an empty element in XML.
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    /// An array in JSON; in XML one element named by the first field per item.
    List(&'static str, Vec<Doc>),
    /// An object in JSON; in XML one child element per field, in order.
    Fields(Vec<(&'static str, Doc)>),
}

impl Doc {
    pub fn text(value: impl Into<String>) -> Doc {
        Doc::Text(value.into())
    }

    /// A text, or `null` when absent.
    pub fn opt(value: Option<impl Into<String>>) -> Doc {
        value.map_or(Doc::Null, |v| Doc::Text(v.into()))
    }

    /// The JSON form.
    pub fn to_json(&self) -> Value {
        match self {
            Doc::Null => Value::Null,
            Doc::Bool(b) => Value::Bool(*b),
            Doc::Int(n) => Value::from(*n),
            Doc::Float(x) => serde_json::Number::from_f64(*x).map_or(Value::Null, Value::Number),
            Doc::Text(s) => Value::String(s.clone()),
            Doc::List(_, items) => Value::Array(items.iter().map(Doc::to_json).collect()),
            Doc::Fields(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| ((*k).to_string(), v.to_json()))
                    .collect::<Map<_, _>>(),
            ),
        }
    }

    /// The XML document: the declaration (UTF-8), then `root` holding this value.
    pub fn to_xml(&self, root: &'static str) -> Vec<u8> {
        let mut writer = Writer::new(Cursor::new(Vec::new()));
        // Writing into memory cannot fail; an error would only truncate the body.
        let written = writer
            .write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))
            .and_then(|()| element(&mut writer, root, self));
        if let Err(e) = written {
            tracing::error!(error = %e, "writing an Open311 XML answer");
        }
        writer.into_inner().into_inner()
    }
}

/// `<name>value</name>` (`<name/>` when null or empty).
fn element(
    writer: &mut Writer<Cursor<Vec<u8>>>,
    name: &'static str,
    value: &Doc,
) -> std::io::Result<()> {
    let text = match value {
        Doc::Null => None,
        Doc::Bool(b) => Some(b.to_string()),
        Doc::Int(n) => Some(n.to_string()),
        Doc::Float(x) => Some(x.to_string()),
        Doc::Text(s) => Some(xml_chars(s)),
        Doc::List(item, items) => {
            writer.write_event(Event::Start(BytesStart::new(name)))?;
            for each in items {
                element(writer, item, each)?;
            }
            return writer.write_event(Event::End(BytesEnd::new(name)));
        }
        Doc::Fields(fields) => {
            writer.write_event(Event::Start(BytesStart::new(name)))?;
            for (field, each) in fields {
                element(writer, field, each)?;
            }
            return writer.write_event(Event::End(BytesEnd::new(name)));
        }
    };
    match text.filter(|t| !t.is_empty()) {
        None => writer.write_event(Event::Empty(BytesStart::new(name))),
        Some(text) => {
            writer.write_event(Event::Start(BytesStart::new(name)))?;
            writer.write_event(Event::Text(BytesText::new(&text)))?;
            writer.write_event(Event::End(BytesEnd::new(name)))
        }
    }
}

/// `text` without the characters XML 1.0 cannot hold even escaped (C0 controls other than
/// tab, line feed and carriage return; U+FFFE, U+FFFF).
fn xml_chars(text: &str) -> String {
    text.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_lists_are_repeated_elements() {
        let doc = Doc::List(
            "error",
            vec![Doc::Fields(vec![
                ("code", Doc::Int(400)),
                ("description", Doc::text("a <b> & \"c\" \u{1}d")),
                ("note", Doc::Null),
            ])],
        );
        let xml = String::from_utf8(doc.to_xml("errors")).unwrap_or_default();
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><errors><error><code>400</code>\
             <description>a &lt;b&gt; &amp; &quot;c&quot; d</description><note/></error></errors>"
        );
        assert_eq!(
            doc.to_json(),
            serde_json::json!([{"code": 400, "description": "a <b> & \"c\" \u{1}d", "note": null}])
        );
    }
}
