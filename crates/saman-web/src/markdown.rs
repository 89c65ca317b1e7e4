//! Markdown to safe HTML: raw HTML in the source is shown as text, and the result is
//! sanitised again, so no script, style or event handler can pass.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

pub fn to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        // The page's title is the only h1; a body's top headings become h2.
        Event::Start(Tag::Heading {
            level: HeadingLevel::H1,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: HeadingLevel::H2,
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(HeadingLevel::H1)) => {
            Event::End(TagEnd::Heading(HeadingLevel::H2))
        }
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto", "tel"].into())
        .link_rel(Some("noopener noreferrer"))
        .clean(&out)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn renders_markdown() {
        let html = to_html("## Tittel\n\n- en\n- to\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains("<h2>Tittel</h2>"));
        assert!(html.contains("<li>en</li>"));
        assert!(html.contains("<table>"));
    }

    #[test]
    fn no_raw_html_or_script_passes() {
        let html = to_html(
            "Hei <script>alert(1)</script> <b onclick=\"x()\">fet</b>\n\n<iframe src=x></iframe>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<b "), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        let link = to_html("[x](javascript:alert(1)) [y](data:text/html,hi)");
        assert!(
            !link.contains("javascript:") && !link.contains("data:"),
            "{link}"
        );
    }

    #[test]
    fn h1_becomes_h2() {
        assert!(to_html("# Topp").contains("<h2>Topp</h2>"));
    }
}
