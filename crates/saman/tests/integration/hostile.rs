//! Hostile content must not reach readers: a model written as a hostile author would
//! write it is imported and every page is fetched, and each defect found from the
//! outside has its own test (links, images, PDF, size limits, round trip).

use crate::common::{Backend, TestApp, fixture, import_folder};
use saman_domain::files::{SourceFile, read_bundle, write_bundle};
use std::collections::{BTreeSet, VecDeque};

crate::on_both_backends!(
    every_page_of_a_hostile_model_is_inert,
    unsafe_links_never_reach_a_page,
    images_from_other_hosts_become_links,
    forms_of_a_tenant_with_the_longest_names_make_pdfs,
    a_name_past_the_limits_still_makes_pdfs,
    oversized_and_broken_files_are_refused_and_change_nothing,
    a_summary_that_would_break_the_front_matter_is_refused,
);

const TENANT: &str = "fiendtlig";

/// What no page may hold: markup that runs script, or asks another host for anything.
fn assert_inert(path: &str, html: &str) {
    let lower = html.to_lowercase();
    // Our own scripts are files under /assets/; no other script element may appear.
    for (i, _) in lower.match_indices("<script") {
        let tag = &lower[i..lower[i..].find('>').map_or(lower.len(), |e| i + e)];
        assert!(
            tag.contains("src=\"/assets/"),
            "{path}: a script element that is not ours: {tag}"
        );
    }
    // Our own one style element sets the tenant's colour in the head; no other may appear.
    let head_end = lower.find("</head>").unwrap_or(0);
    assert!(
        lower.matches("<style").count() <= 1 && lower.rfind("<style").is_none_or(|i| i < head_end),
        "{path}: a style element that is not ours"
    );
    let body = &lower[head_end..];
    for tag in body.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        let name = tag.split_whitespace().next().unwrap_or_default();
        if name.starts_with('/') || name.starts_with('!') {
            continue;
        }
        for bad in [
            "iframe",
            "style",
            "svg",
            "object",
            "embed",
            "base",
            "form action=\"http",
        ] {
            assert!(!tag.starts_with(bad), "{path}: <{tag}>");
        }
        // An attribute is an event handler when a space and on…= come before its value;
        // quoted attribute values are taken out first, so text in them does not count.
        let mut outside_quotes = String::new();
        let mut quote = None;
        for c in tag.chars() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, c) => outside_quotes.push(c),
                _ => {}
            }
        }
        for word in outside_quotes.split_whitespace().skip(1) {
            assert!(
                !(word.starts_with("on") && word.contains('=')),
                "{path}: event handler in <{tag}>"
            );
        }
        for attr in ["href=\"", "src=\"", "action=\""] {
            if let Some(start) = tag.find(&format!(" {attr}")) {
                let value = &tag[start + attr.len() + 1..];
                let value = value.split('"').next().unwrap_or_default();
                let value = value.trim();
                assert!(
                    !value.starts_with("javascript:")
                        && !value.starts_with("data:")
                        && !value.starts_with("vbscript:"),
                    "{path}: {attr}{value}"
                );
                if attr == "src=\"" {
                    assert!(
                        value.starts_with('/') && !value.starts_with("//"),
                        "{path}: a source on another host: {value}"
                    );
                }
            }
        }
    }
    assert!(!html.contains("window.__pwned='script'</script>"), "{path}");
}

/// Fetches every page of the hostile tenant that its pages link to, in both languages.
async fn every_page_of_a_hostile_model_is_inert(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    import_folder(&app.store, &fixture("hostile")).await;
    let mut queue: VecDeque<String> = [format!("/nb/{TENANT}"), format!("/nn/{TENANT}")].into();
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let mut pages = 0;
    while let Some(path) = queue.pop_front() {
        let response = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        assert!(status < 500, "{path} answered {status}");
        let is_html = response
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"));
        let body = response.text().await.unwrap_or_default();
        if !is_html {
            continue;
        }
        pages += 1;
        assert_inert(&path, &body);
        for link in body.split("href=\"").skip(1) {
            let href = link
                .split('"')
                .next()
                .unwrap_or_default()
                .replace("&amp;", "&");
            let href = href.split('#').next().unwrap_or_default().to_string();
            let ours = href.starts_with(&format!("/nb/{TENANT}"))
                || href.starts_with(&format!("/nn/{TENANT}"));
            if ours && seen.insert(href.clone()) {
                queue.push_back(href);
            }
        }
    }
    assert!(pages >= 30, "only {pages} pages crawled");
    // The tenant's forms, filled in, make PDFs from the hostile names.
    for lang in ["nb", "nn"] {
        let response = app
            .client
            .post(format!("{}/{lang}/{TENANT}/skjema/observasjon", app.base))
            .form(&[
                ("barn", "<script>x</script>"),
                ("observert", "e\u{301} שלום 👩‍👩‍👧 中文"),
                ("observator", "'\"><svg onload=x>"),
                ("dato", "01.02.2027"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{lang}");
        assert!(response.bytes().await.unwrap().starts_with(b"%PDF-"));
    }
}

/// Stores a model directly, past the file reader's rules, to show that rendering applies
/// the link rule again.
async fn unsafe_links_never_reach_a_page(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let mut bundle = app.store.export_bundle(&record).await.unwrap();
    let service = bundle
        .items
        .iter_mut()
        .find(|i| i.slug == "helsestasjon")
        .unwrap();
    let contact = service.contact.get_or_insert_with(Default::default);
    contact.web = Some(" JaVaScRiPt:window.__pwned=1".into());
    contact.email = Some("a@b.no\" onclick=\"x".into());
    contact.phone = Some("javascript:alert(1)".into());
    service.text.nb.as_mut().unwrap().body =
        "[a](javascript:alert(1)) [b]( data:text/html,x) [c](vbscript:x) [d](https://ok.example/)"
            .into();
    app.store
        .import_bundle(&bundle, &saman_store::AuditContext::command_line(None))
        .await
        .unwrap();
    let html = app.page("/nb/testvik/innhold/helsestasjon").await;
    assert_inert("/nb/testvik/innhold/helsestasjon", &html);
    let lower = html.to_lowercase();
    assert!(!lower.contains("href=\" javascript") && !lower.contains("href=\"javascript"));
    assert!(
        html.contains("href=\"https://ok.example/\""),
        "the good link stays"
    );
    assert!(
        html.contains("JaVaScRiPt:window.__pwned=1"),
        "the text is shown, unlinked"
    );
    let services = app.page("/nb/testvik/tjenester").await;
    assert_inert("/nb/testvik/tjenester", &services);

    // And the same links are refused at import, with the file and line.
    let files = write_bundle(&bundle);
    let problems = read_bundle(&files).unwrap_err();
    let at = |needle: &str| {
        problems
            .iter()
            .find(|p| p.message.contains(needle))
            .unwrap_or_else(|| panic!("no problem about {needle}: {problems:#?}"))
    };
    let web = at("web:");
    assert_eq!(web.file, "innhold/tjeneste/helsestasjon.md");
    assert!(web.line > 1);
    assert!(
        at("«javascript:alert(1)»")
            .file
            .ends_with("helsestasjon.md")
    );
    at("«data:text/html,x»");
    at("«vbscript:x»");
}

async fn images_from_other_hosts_become_links(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    import_folder(&app.store, &fixture("hostile")).await;
    let path = format!("/nb/{TENANT}/innhold/fiendtlig-tjeneste");
    let html = app.page(&path).await;
    assert_inert(&path, &html);
    assert!(
        !html.contains("<img src=\"https://tracker.example"),
        "{html}"
    );
    assert!(
        html.contains("<a href=\"https://tracker.example/pixel.png\""),
        "shown as a link instead"
    );
    // The tenant's own image attachment is shown, from this site.
    let own = format!("<img src=\"/nb/{TENANT}/innhold/fiendtlig-tjeneste/filer/kart.png\"");
    assert!(html.contains(&own), "{html}");
    let (status, _) = app
        .get(&format!(
            "/nb/{TENANT}/innhold/fiendtlig-tjeneste/filer/kart.png"
        ))
        .await;
    assert_eq!(status, 200);
}

/// The longest text a form field takes, made of `pattern` over and over.
fn longest(max: usize, pattern: &str) -> String {
    pattern.chars().cycle().take(max).collect()
}

async fn forms_of_a_tenant_with_the_longest_names_make_pdfs(backend: Backend) {
    use saman_domain::forms::{MAX_LINE, MAX_TEXT};
    let app = TestApp::spawn(backend, false).await;
    import_folder(&app.store, &fixture("hostile")).await;
    let record = app.store.tenant_by_slug(TENANT).await.unwrap().unwrap();
    assert_eq!(
        record.tenant.name(saman_domain::Lang::Nb).chars().count(),
        saman_domain::rules::limits::NAME,
        "the fixture's name is as long as allowed"
    );
    for form in saman_domain::forms::FORMS {
        for lang in ["nb", "nn"] {
            let fields: Vec<(&str, String)> = form
                .fields
                .iter()
                .map(|f| {
                    let value = match f.kind {
                        saman_domain::forms::FieldKind::Date => "01.02.2027".to_string(),
                        saman_domain::forms::FieldKind::Choice(options) => options[0].to_string(),
                        saman_domain::forms::FieldKind::Confirm => "ja".to_string(),
                        saman_domain::forms::FieldKind::Line => longest(MAX_LINE, "ع👩‍👩‍👧e\u{301}中"),
                        saman_domain::forms::FieldKind::Text => {
                            longest(MAX_TEXT, "שלום 🇳🇴 中文 e\u{301}\n")
                        }
                    };
                    (f.key, value)
                })
                .collect();
            let response = app
                .client
                .post(format!("{}/{lang}/{TENANT}/skjema/{}", app.base, form.key))
                .form(&fields)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let body = response.bytes().await.unwrap();
            assert_eq!(
                status,
                200,
                "{} in {lang}: {}",
                form.key,
                String::from_utf8_lossy(&body)
            );
            assert!(body.starts_with(b"%PDF-"));
        }
    }
}

fn folder(name: &str) -> Vec<SourceFile> {
    saman::folder::read(&fixture(name)).unwrap()
}

async fn oversized_and_broken_files_are_refused_and_change_nothing(backend: Backend) {
    use saman_domain::rules::limits;
    let app = TestApp::spawn(backend, false).await;
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let before = app.store.export_bundle(&record).await.unwrap();

    // A 52 MB item file, read from disk as `saman import` reads it.
    let dir = tempfile::tempdir().unwrap();
    for file in folder("testvik") {
        let path = dir.path().join(&file.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, file.bytes).unwrap();
    }
    let big = dir.path().join("innhold/plan/stor.md");
    let mut text = String::from(
        "+++\nlevels = [\"kommune\"]\nstatus = \"published\"\n\n[nb]\ntitle = \"Stor\"\n+++\n<!-- nb -->\n",
    );
    text.push_str(&"Lang tekst. ".repeat(52 * 1024 * 1024 / 12));
    std::fs::write(&big, text).unwrap();
    let files = saman::folder::read(dir.path()).unwrap();
    let read_size = files
        .iter()
        .find(|f| f.path == "innhold/plan/stor.md")
        .unwrap()
        .bytes
        .len();
    assert!(
        read_size <= limits::ANY_FILE_BYTES + 1,
        "the reader stops at the limit"
    );
    let problems = read_bundle(&files).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.file == "innhold/plan/stor.md" && p.message.contains("for stor")),
        "{problems:#?}"
    );

    // A body over its limit, a NUL in a title, a control character in a body, an
    // attachment whose content is not what its name says, and an HTML attachment.
    let mut files = folder("testvik");
    let edit = |files: &mut Vec<SourceFile>, path: &str, f: &dyn Fn(String) -> String| {
        let file = files.iter_mut().find(|x| x.path == path).unwrap();
        file.bytes = f(String::from_utf8(file.bytes.clone()).unwrap()).into_bytes();
    };
    edit(&mut files, "innhold/plan/oppvekstplan.md", &|t| {
        t.replace("Alle born skal ha det bra.", &"x".repeat(limits::BODY + 1))
    });
    edit(&mut files, "innhold/rutine/samtalerutine.md", &|t| {
        t.replacen("title = \"", "title = \"\\u0000", 1)
    });
    edit(&mut files, "tidslinje/start.md", &|t| {
        t.replace("Vi er i gang.", "Vi er\u{7} i gang.")
    });
    let attachment = files
        .iter_mut()
        .find(|f| f.path.ends_with("skjema.txt"))
        .unwrap();
    attachment.bytes = vec![0xff, 0xfe, 0x00, 0x01];
    let problems = read_bundle(&files).unwrap_err();
    let find = |file: &str, needle: &str| {
        problems
            .iter()
            .find(|p| p.file == file && p.message.contains(needle))
            .unwrap_or_else(|| panic!("no problem in {file} about {needle}: {problems:#?}"))
    };
    find("innhold/plan/oppvekstplan.md", "for lang");
    assert_eq!(find("innhold/rutine/samtalerutine.md", "U+0000").line, 10);
    assert!(find("tidslinje/start.md", "U+0007").line > 5);
    find("innhold/verktoy/skjema.md", "tekst i UTF-8");

    // Nothing of it reached the store.
    assert_eq!(app.store.export_bundle(&record).await.unwrap(), before);
}

async fn a_summary_that_would_break_the_front_matter_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let mut files = folder("testvik");
    let file = files
        .iter_mut()
        .find(|f| f.path == "innhold/plan/oppvekstplan.md")
        .unwrap();
    let text = String::from_utf8(file.bytes.clone()).unwrap().replace(
        r#"summary = "Planen for oppvekst.""#,
        r#"summary = "Første linje\n+++\nlevels = []""#,
    );
    file.bytes = text.into_bytes();
    let problems = read_bundle(&files).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.file == "innhold/plan/oppvekstplan.md"
                && p.line == 10
                && p.message.contains("linjeskift")),
        "{problems:#?}"
    );
    // Every model that is stored exports and reads back: the demo models included.
    saman::demo::load_demo_if_empty(&app.store).await.ok();
    for slug in ["testvik"] {
        let record = app.store.tenant_by_slug(slug).await.unwrap().unwrap();
        let bundle = app.store.export_bundle(&record).await.unwrap();
        let written = write_bundle(&bundle);
        let read = read_bundle(&written).expect("an exported model imports");
        assert_eq!(write_bundle(&read), written);
    }
}

/// Defect 3: a tenant name long enough (here 80 kB in one word, stored past the rules)
/// made the PDF library panic on every form, and the request answered 500.
async fn a_name_past_the_limits_still_makes_pdfs(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let mut bundle = app.store.export_bundle(&record).await.unwrap();
    let name = "Æ".repeat(40_000);
    bundle.tenant.text.nb.as_mut().unwrap().name = name.clone();
    bundle.tenant.text.nn.as_mut().unwrap().name = name;
    // The rules refuse such a name at import…
    let problems = read_bundle(&write_bundle(&bundle)).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.file == "tenant.toml" && p.message.contains("name: er for lang")),
        "{problems:#?}"
    );
    // …and a form still becomes a PDF if one is stored anyway.
    app.store
        .import_bundle(&bundle, &saman_store::AuditContext::command_line(None))
        .await
        .unwrap();
    for lang in ["nb", "nn"] {
        let response = app
            .client
            .post(format!("{}/{lang}/testvik/skjema/observasjon", app.base))
            .form(&[
                ("barn", "Åse"),
                ("observert", "Trist"),
                ("observator", "Kari"),
                ("dato", "01.02.2027"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{lang}");
        assert!(response.bytes().await.unwrap().starts_with(b"%PDF-"));
    }
}
