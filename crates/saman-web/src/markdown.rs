//! Markdown to safe HTML: raw HTML in the source is shown as text, every link passes
//! the model's one link rule, images are shown only from the tenant's own attachments,
//! and the result is sanitised again, so no script, style or event handler can pass and
//! no page asks another host for anything.

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd, html};
use saman_domain::rules::{attachment_reference, is_image, safe_link};
use saman_domain::{Item, Lang};
use saman_store::Published;

/// Where a Markdown image may come from: the published attachments of one tenant.
pub struct Images<'a> {
    /// `/{lang}/{tenant}`
    pub base: &'a str,
    pub items: &'a [Item],
}

impl Images<'_> {
    /// No images at all: every image becomes a link.
    #[cfg(test)]
    pub const NONE: Images<'static> = Images {
        base: "",
        items: &[],
    };

    /// The address of an image that is one of the tenant's attachments.
    fn source(&self, dest: &str) -> Option<String> {
        let (item_slug, file) = attachment_reference(dest)?;
        let item = self.items.iter().find(|i| i.slug == item_slug)?;
        item.attachments
            .iter()
            .any(|a| a.file.file_name == file && is_image(file))
            .then(|| format!("{}/innhold/{item_slug}/filer/{file}", self.base))
    }
}

/// What a link or image in the source became, to close it the same way.
enum Opened {
    Kept,
    Dropped,
    ImageAsLink,
}

/// A text of a tenant's published model as HTML, with its images from that model.
pub fn model_html(markdown: &str, lang: Lang, published: &Published) -> String {
    let base = crate::urls::TenantUrls::new(lang, &published.record.tenant.slug).home();
    to_html(
        markdown,
        &Images {
            base: &base,
            items: &published.model.items,
        },
    )
}

pub fn to_html(markdown: &str, images: &Images) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut opened: Vec<Opened> = Vec::new();
    let events = Parser::new_ext(markdown, options).filter_map(|event| {
        Some(match event {
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
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => match safe_link(&dest_url) {
                Some(link) => {
                    opened.push(Opened::Kept);
                    Event::Start(Tag::Link {
                        link_type,
                        dest_url: CowStr::from(link.to_string()),
                        title,
                        id,
                    })
                }
                None => {
                    opened.push(Opened::Dropped);
                    return None;
                }
            },
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                if let Some(source) = images.source(&dest_url) {
                    opened.push(Opened::Kept);
                    Event::Start(Tag::Image {
                        link_type,
                        dest_url: source.into(),
                        title,
                        id,
                    })
                } else if let Some(link) = safe_link(&dest_url) {
                    // Another host's image would be a request to it: show a link instead.
                    opened.push(Opened::ImageAsLink);
                    Event::Start(Tag::Link {
                        link_type: LinkType::Inline,
                        dest_url: CowStr::from(link.to_string()),
                        title,
                        id,
                    })
                } else {
                    opened.push(Opened::Dropped);
                    return None;
                }
            }
            Event::End(end @ (TagEnd::Link | TagEnd::Image)) => match opened.pop() {
                Some(Opened::Kept) => Event::End(end),
                Some(Opened::ImageAsLink) => Event::End(TagEnd::Link),
                Some(Opened::Dropped) | None => return None,
            },
            other => other,
        })
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    sanitize(&out)
}

/// The second net: whatever the renderer produced, only plain markup, links with an
/// allowed scheme and images from this site remain.
fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .url_schemes(saman_domain::rules::LINK_SCHEMES.into())
        .link_rel(Some("noopener noreferrer"))
        .attribute_filter(|element, attribute, value| {
            let own_path = value.starts_with('/') && !value.starts_with("//");
            if element == "img" && attribute == "src" && !own_path {
                None
            } else {
                Some(value.into())
            }
        })
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::{Images, to_html};
    use saman_domain::*;

    fn html(markdown: &str) -> String {
        to_html(markdown, &Images::NONE)
    }

    #[test]
    fn renders_markdown() {
        let html = html("## Tittel\n\n- en\n- to\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains("<h2>Tittel</h2>"));
        assert!(html.contains("<li>en</li>"));
        assert!(html.contains("<table>"));
    }

    #[test]
    fn no_raw_html_or_script_passes() {
        let out = html(
            "Hei <script>alert(1)</script> <b onclick=\"x()\">fet</b>\n\n<iframe src=x></iframe>",
        );
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("<b "), "{out}");
        assert!(!out.contains("<iframe"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "{out}");
        let link = html(
            "[x](javascript:alert(1)) [y](data:text/html,hi) [z]( JaVaScRiPt:alert(1)) <javascript:alert(1)>",
        );
        let lower = link.to_lowercase();
        assert!(!lower.contains("href=\"javascript"), "{link}");
        assert!(!lower.contains("href=\" javascript"), "{link}");
        assert!(!lower.contains("href=\"data:"), "{link}");
        assert!(
            link.contains('x') && link.contains('y'),
            "the text stays: {link}"
        );
    }

    #[test]
    fn h1_becomes_h2() {
        assert!(html("# Topp").contains("<h2>Topp</h2>"));
    }

    #[test]
    fn images_from_other_hosts_become_links() {
        let out = html("![Kart](https://tracker.example/p.png)");
        assert!(!out.contains("<img"), "{out}");
        assert!(
            out.contains("<a href=\"https://tracker.example/p.png\"") && out.contains(">Kart</a>"),
            "{out}"
        );
        let out = html("![Kart](//tracker.example/p.png) ![x](p.png)");
        assert!(!out.contains("<img"), "{out}");
    }

    #[test]
    fn images_from_the_tenants_attachments_are_shown() {
        let mut item = Item {
            slug: "plan".into(),
            kind: Kind::Plan,
            levels: vec![Level::Municipality],
            target_groups: vec![],
            prevention: vec![],
            owner: None,
            review_date: None,
            status: Status::Published,
            priorities: vec![],
            text: ByLang::default(),
            contact: None,
            relations: vec![],
            attachments: vec![],
            form: None,
        };
        item.attachments.push(Attachment {
            file: FileContent {
                file_name: "kart.png".into(),
                bytes: b"\x89PNG\r\n\x1a\n".to_vec(),
            },
            title: ByLang::default(),
        });
        let items = [item];
        let images = Images {
            base: "/nb/fjordvik",
            items: &items,
        };
        let out = to_html(
            "![Kart](filer/plan/kart.png) ![Nei](filer/plan/annet.png)",
            &images,
        );
        assert!(
            out.contains("<img src=\"/nb/fjordvik/innhold/plan/filer/kart.png\" alt=\"Kart\""),
            "{out}"
        );
        assert_eq!(out.matches("<img").count(), 1, "{out}");
    }

    /// The tags of well-formed HTML (as the sanitiser writes it): name and attributes.
    fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
        let mut out = Vec::new();
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            rest = &rest[start + 1..];
            if rest.starts_with('/') || rest.starts_with('!') {
                continue;
            }
            // The tag ends at the first '>' outside a quoted value.
            let mut in_quote = false;
            let end = rest
                .char_indices()
                .find(|(_, c)| {
                    if *c == '"' {
                        in_quote = !in_quote;
                    }
                    *c == '>' && !in_quote
                })
                .map_or(rest.len(), |(i, _)| i);
            let tag = &rest[..end];
            rest = &rest[end..];
            let (name, mut attrs_text) = tag.split_once(' ').unwrap_or((tag, ""));
            let mut attrs = Vec::new();
            while let Some(eq) = attrs_text.find("=\"") {
                let attr = attrs_text[..eq].trim().to_lowercase();
                let value_start = eq + 2;
                let value_end = attrs_text[value_start..]
                    .find('"')
                    .map_or(attrs_text.len(), |i| value_start + i);
                attrs.push((attr, attrs_text[value_start..value_end].to_string()));
                attrs_text = attrs_text.get(value_end + 1..).unwrap_or("");
            }
            out.push((name.to_lowercase(), attrs));
        }
        out
    }

    fn fragment() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            3 => any::<String>(),
            1 => "[ -~]{0,20}",
            1 => prop::sample::select(vec![
                "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\"><svg onload=x>",
                "[a](javascript:alert(1))", "[a]( JAVASCRIPT:x)", "[a](java\tscript:x)",
                "[a](data:text/html,x)", "![i](https://evil.example/p.png)", "![i](//evil.example/p)",
                "![i](filer/plan/kart.png)", "![i](filer/plan/../../x.png)", "<javascript:alert(1)>",
                "[r]: javascript:alert(1)\n\n[x][r]", "![i][r]", "<a href=\"javascript:x\">a</a>",
                "&#106;avascript:", "[a](&#106;avascript:alert(1))", "`code`", "\n\n", "| a |\n|---|\n| b |",
                "<style>x</style>", "<iframe src=x>", "<form action=x>", "\u{0}", "\u{202e}",
                "[a](https://ok.example/\"onclick=\"x)", "![a](https://ok.example/x.png \"t\\\" onerror=x\")",
            ].into_iter().map(String::from).collect::<Vec<_>>()),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// No input, however hostile, gives a script, an event handler, a dangerous link
        /// or a source on another host.
        #[test]
        fn no_markup_that_runs_or_asks_another_host(parts in proptest::collection::vec(fragment(), 0..12)) {
            let markdown = parts.concat();
            let mut item = saman_domain::Item {
                slug: "plan".into(),
                kind: Kind::Plan,
                levels: vec![],
                target_groups: vec![],
                prevention: vec![],
                owner: None,
                review_date: None,
                status: Status::Published,
                priorities: vec![],
                text: ByLang::default(),
                contact: None,
                relations: vec![],
                attachments: vec![],
                form: None,
            };
            item.attachments.push(Attachment {
                file: FileContent { file_name: "kart.png".into(), bytes: vec![] },
                title: ByLang::default(),
            });
            let items = [item];
            let html = to_html(&markdown, &Images { base: "/nb/t", items: &items });
            for (name, attrs) in tags(&html) {
                proptest::prop_assert!(
                    !matches!(name.as_str(), "script" | "iframe" | "style" | "svg" | "form" | "object" | "embed"),
                    "<{name}> in {html}"
                );
                for (attr, value) in attrs {
                    proptest::prop_assert!(!attr.starts_with("on"), "{attr} in {html}");
                    let value = value.trim().to_lowercase();
                    if attr == "href" {
                        proptest::prop_assert!(
                            !value.starts_with("javascript") && !value.starts_with("data") && !value.starts_with("vbscript"),
                            "href {value} in {html}"
                        );
                    }
                    if attr == "src" {
                        proptest::prop_assert!(value.starts_with("/nb/t/innhold/plan/filer/"), "src {value} in {html}");
                    }
                }
            }
        }
    }
}
