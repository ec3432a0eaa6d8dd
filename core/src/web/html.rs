//! Markup that a template made, and nothing else.
//!
//! Every page is an askama template, which escapes every value it prints. The only way to put
//! markup into a page unescaped is to print an [`Html`], and the only way to get an [`Html`] is
//! to render a template ([`Html::render`]). There is no constructor from a string, so text a
//! resident wrote cannot become markup by a slip: printing a `String` escapes it, and no
//! template uses `|safe` (a test in `core/tests/layers.rs` fails on any).

use std::fmt;

use askama::Template;

/// Rendered template output. Prints unescaped in other templates (askama's [`HtmlSafe`]).
///
/// [`HtmlSafe`]: askama::filters::HtmlSafe
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Html(String);

impl Html {
    /// Renders `template` (which escapes what it prints).
    pub fn render<T: Template + ?Sized>(template: &T) -> askama::Result<Html> {
        template.render().map(Html)
    }

    /// Several rendered fragments, one after the other.
    pub fn concat(parts: impl IntoIterator<Item = Html>) -> Html {
        Html(parts.into_iter().map(|h| h.0).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl askama::filters::HtmlSafe for Html {}

/// Read access to the markup (tests look into it); there is no way back from `str`.
impl std::ops::Deref for Html {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Template)]
    #[template(source = "<b>{{ text }}</b>", ext = "html")]
    struct Bold<'a> {
        text: &'a str,
    }

    #[derive(Template)]
    #[template(source = "<p>{{ inner }}</p>", ext = "html")]
    struct Wrap {
        inner: Html,
    }

    #[test]
    fn text_is_escaped_and_rendered_markup_is_not() {
        let inner = Html::render(&Bold {
            text: "<script>alert(1)</script>",
        })
        .unwrap();
        assert_eq!(
            inner.as_str(),
            "<b>&#60;script&#62;alert(1)&#60;/script&#62;</b>"
        );
        let outer = Html::render(&Wrap { inner }).unwrap();
        assert_eq!(
            outer.as_str(),
            "<p><b>&#60;script&#62;alert(1)&#60;/script&#62;</b></p>"
        );
    }
}
