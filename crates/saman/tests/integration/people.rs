//! People, logins and access: the login with two steps end to end, every private route
//! with every role in its own and another tenant, CSRF, deactivation, enumeration, and
//! the audit log's chain found broken when a row is edited in the database.

use crate::common::{
    Backend, PASSWORD, TestApp, TestDb, add_person, hidden, run_saman, session_cookie,
    signed_in_page,
};
use saman_domain::access::Role;
use saman_domain::auth::totp;
use saman_store::AuditContext;

crate::on_both_backends!(
    a_tenant_admin_logs_in_with_two_steps_and_it_is_all_audited,
    every_private_route_with_every_role_in_both_tenants,
    forged_and_cross_site_forms_are_refused,
    deactivation_ends_every_session_at_once,
    login_answers_do_not_tell_whether_an_account_exists,
    the_command_line_provisions_people_and_verifies_the_chain,
    guessing_is_slowed_per_account_and_per_address_whatever_the_headers_say,
    an_administrator_changes_roles_and_services_and_it_is_audited,
    sessions_end_at_their_idle_and_absolute_limits,
);

/// A browser: keeps cookies, follows no redirects.
struct Browser {
    client: reqwest::Client,
    base: String,
}

impl Browser {
    fn new(app: &TestApp) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: app.base.clone(),
        }
    }

    async fn get(&self, path: &str) -> (u16, String, reqwest::header::HeaderMap) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        (status, r.text().await.unwrap(), headers)
    }

    async fn post(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, String, reqwest::header::HeaderMap) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        let (status, headers) = (r.status().as_u16(), r.headers().clone());
        (status, r.text().await.unwrap(), headers)
    }

    /// Logs in with e-mail and password; returns where it leads.
    async fn login(&self, tenant: &str, email: &str, password: &str) -> (u16, String) {
        let (_, page, _) = self.get(&format!("/nb/{tenant}/logg-inn")).await;
        let csrf = hidden(&page, "csrf");
        let (status, body, headers) = self
            .post(
                &format!("/nb/{tenant}/logg-inn"),
                &[("csrf", &csrf), ("email", email), ("password", password)],
            )
            .await;
        let location = headers
            .get("location")
            .map(|l| l.to_str().unwrap().to_string())
            .unwrap_or(body);
        (status, location)
    }
}

fn location(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get("location")
        .map_or(String::new(), |l| l.to_str().unwrap().to_string())
}

fn code_now(secret: &str, offset_steps: i64) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp() as u64;
    let step = (totp::step_of(now) as i64 + offset_steps) as u64;
    totp::code_at(&totp::base32_decode(secret).unwrap(), step)
}

async fn a_tenant_admin_logs_in_with_two_steps_and_it_is_all_audited(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    add_person(
        &app.store,
        Some("testvik"),
        "admin@testvik.example",
        Role::TenantAdmin,
    )
    .await;
    let browser = Browser::new(&app);

    // The wrong password, then the right one: a second step is asked for.
    let (status, body) = browser
        .login("testvik", "admin@testvik.example", "feil passord her")
        .await;
    assert_eq!(status, 422);
    assert!(body.contains("E-postadressen eller passordet er feil"));
    let (status, to) = browser
        .login("testvik", "Admin@Testvik.example ", PASSWORD)
        .await;
    assert_eq!((status, to.as_str()), (303, "/nb/testvik/logg-inn/totrinn"));
    // Until it is done, nothing private opens.
    let (status, _, headers) = browser.get("/nb/testvik/start").await;
    assert_eq!(
        (status, location(&headers).as_str()),
        (303, "/nb/testvik/logg-inn/totrinn")
    );
    let (status, _, headers) = browser.get("/nb/testvik/admin/brukere").await;
    assert_eq!(
        (status, location(&headers).as_str()),
        (303, "/nb/testvik/logg-inn/totrinn"),
        "the role does not count before the second step"
    );

    // Setting up two-step login: the QR code and the secret as text.
    let (status, page, headers) = browser.get("/nb/testvik/logg-inn/totrinn").await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    assert!(page.contains("<svg"), "a QR code");
    let secret = page
        .split("<code class=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let csrf = hidden(&page, "csrf");
    let (status, _, _) = browser
        .post(
            "/nb/testvik/logg-inn/totrinn",
            &[("csrf", &csrf), ("code", "000000")],
        )
        .await;
    assert_eq!(status, 422);
    let (status, page, _) = browser
        .post(
            "/nb/testvik/logg-inn/totrinn",
            &[("csrf", &csrf), ("code", &code_now(&secret, 0))],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let codes: Vec<String> = page
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);

    let (status, page, headers) = browser.get("/nb/testvik/start").await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
    assert!(page.contains("Test tenant-admin") && page.contains("Logg ut"));
    assert_eq!(browser.get("/nb/testvik/admin/brukere").await.0, 200);
    let (status, audit, _) = browser.get("/nb/testvik/admin/revisjon").await;
    assert_eq!(status, 200);
    for event in [
        "innlogging",
        "mislykket innlogging",
        "totrinn slått på",
        "rolle gitt",
    ] {
        assert!(audit.contains(event), "{event} in the audit log");
    }

    // Log out; then the session is gone.
    let (_, page, _) = browser.get("/nb/testvik/konto").await;
    let csrf = hidden(&page, "csrf");
    let (status, _, headers) = browser
        .post("/nb/testvik/logg-ut", &[("csrf", &csrf)])
        .await;
    assert_eq!((status, location(&headers).as_str()), (303, "/nb/testvik"));
    let (status, _, headers) = browser.get("/nb/testvik/start").await;
    assert_eq!(
        (status, location(&headers).as_str()),
        (303, "/nb/testvik/logg-inn")
    );

    // Log in again with a recovery code; it works once.
    browser
        .login("testvik", "admin@testvik.example", PASSWORD)
        .await;
    let (_, page, _) = browser.get("/nb/testvik/logg-inn/totrinn").await;
    assert!(!page.contains("totp-secret"), "no new secret once set up");
    let csrf = hidden(&page, "csrf");
    let (status, _, headers) = browser
        .post(
            "/nb/testvik/logg-inn/totrinn",
            &[("csrf", &csrf), ("code", &codes[0].to_lowercase())],
        )
        .await;
    assert_eq!(
        (status, location(&headers).as_str()),
        (303, "/nb/testvik/start")
    );
    let other = Browser::new(&app);
    other
        .login("testvik", "admin@testvik.example", PASSWORD)
        .await;
    let (_, page, _) = other.get("/nb/testvik/logg-inn/totrinn").await;
    let csrf = hidden(&page, "csrf");
    let (status, _, _) = other
        .post(
            "/nb/testvik/logg-inn/totrinn",
            &[("csrf", &csrf), ("code", &codes[0])],
        )
        .await;
    assert_eq!(status, 422, "a recovery code is used once");
    // At rest, the two-step secret is sealed and the recovery codes are keyed hashes.
    {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
        let stored: String = sqlx::query_scalar(
            "SELECT totp_secret FROM accounts WHERE email = 'admin@testvik.example'",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert!(
            stored.starts_with("v1.") && !stored.contains(&secret),
            "sealed: {stored}"
        );
        let hashes: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM recovery_codes")
            .fetch_all(&mut conn)
            .await
            .unwrap();
        let unkeyed = saman_domain::auth::secret::sha256_hex(codes[1].as_bytes());
        assert!(!hashes.is_empty() && !hashes.contains(&unkeyed));
    }

    // The chain holds; an edited row is found.
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    assert_eq!(
        app.store.verify_audit(Some(&record.id)).await.unwrap(),
        None
    );
    tamper(&app.db, backend, record.id.as_str()).await;
    let broken = app
        .store
        .verify_audit(Some(&record.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(broken.seq, 3);
    assert_eq!(broken.chain.as_deref(), Some("testvik"));
}

/// Edits the third row of a chain as someone with direct database access would: the
/// append-only trigger refuses, so they take it away first.
async fn tamper(db: &TestDb, backend: Backend, chain: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db.url).await.unwrap();
    let edit = format!(
        "UPDATE audit_log SET outcome = 'success', address = '10.9.9.9' WHERE tenant_id = '{chain}' AND seq = 3"
    );
    assert!(
        sqlx::raw_sql(&edit).execute(&mut conn).await.is_err(),
        "the audit log refuses an update"
    );
    let drop = match backend {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        Backend::Postgres => "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
    };
    sqlx::raw_sql(drop).execute(&mut conn).await.unwrap();
    sqlx::raw_sql(&edit).execute(&mut conn).await.unwrap();
}

async fn every_private_route_with_every_role_in_both_tenants(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let own = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let victim = add_person(
        &app.store,
        Some("testvik"),
        "offer@testvik.example",
        Role::Employee,
    )
    .await;
    let other_victim = add_person(
        &app.store,
        Some("fjordvik"),
        "offer@fjordvik.example",
        Role::Employee,
    )
    .await;
    // An item of each tenant, for the editor's routes.
    let mut items = std::collections::HashMap::new();
    let mut guides = std::collections::HashMap::new();
    let mut settings_ids = std::collections::HashMap::new();
    let mut form_ids = std::collections::HashMap::new();
    let mut survey_ids = std::collections::HashMap::new();
    for slug in ["testvik", "fjordvik"] {
        let record = app.store.tenant_by_slug(slug).await.unwrap().unwrap();
        // An open staff survey: nobody outside the tenant's staff may answer it.
        let survey = saman_domain::evaluation::survey::Survey::default_staff();
        let ctx = saman_store::AuditContext::command_line(Some(record.id.clone()));
        let survey_id = app
            .store
            .create_survey(&record.id, &survey, &ctx)
            .await
            .unwrap();
        app.store
            .save_survey(
                &record.id,
                &survey_id,
                &survey,
                saman_store::SurveyState::Open,
                &ctx,
            )
            .await
            .unwrap();
        survey_ids.insert(slug, survey_id);
        let first = app.store.editable_items(&record.id).await.unwrap()[0]
            .id
            .clone();
        items.insert(slug, first);
        let guide = app
            .store
            .editable::<saman_domain::Guide>(&record.id)
            .await
            .unwrap()[0]
            .clone();
        guides.insert(slug, (guide.id, guide.object.steps[0].slug.clone()));
        settings_ids.insert(slug, record.id.as_str().to_string());
        let wording = app
            .store
            .editable::<saman_domain::FormWording>(&record.id)
            .await
            .unwrap()[0]
            .id
            .clone();
        form_ids.insert(slug, wording);
    }
    let mut actors: Vec<(String, Option<String>)> = vec![("anonymous".into(), None)];
    for role in Role::ALL {
        let tenant = (!role.is_platform()).then_some("testvik");
        let id = add_person(
            &app.store,
            tenant,
            &format!("{}@test.example", role.key()),
            role,
        )
        .await;
        actors.push((
            role.key().to_string(),
            Some(session_cookie(&app.store, &id, own.id.as_str()).await),
        ));
    }
    // Who may: (route, method, roles allowed in their own tenant).
    let ok_all: &[&str] = &[
        "tenant-admin",
        "editor",
        "service-leader",
        "employee",
        "guardian",
        "youth",
    ];
    let routes: Vec<(&str, &str, Vec<&str>)> = vec![
        ("GET", "/nb/{t}/start", ok_all.to_vec()),
        ("GET", "/nn/{t}/start", ok_all.to_vec()),
        (
            "GET",
            "/nb/{t}/admin/brukere",
            vec!["tenant-admin", "platform-admin"],
        ),
        ("GET", "/nn/{t}/admin/revisjon", vec!["tenant-admin"]),
        (
            "POST",
            "/nb/{t}/admin/brukere/{victim}/deaktiver",
            vec!["tenant-admin", "platform-admin"],
        ),
        (
            "GET",
            "/nn/{t}/admin/brukere/{victim}",
            vec!["tenant-admin", "platform-admin"],
        ),
        (
            "POST",
            "/nb/{t}/admin/brukere/{victim}/aktiver",
            vec!["tenant-admin", "platform-admin"],
        ),
        ("GET", "/nb/{t}/rediger", vec!["tenant-admin", "editor"]),
        ("GET", "/nn/{t}/rediger/sok", vec!["tenant-admin", "editor"]),
        (
            "GET",
            "/nb/{t}/evaluering",
            vec!["tenant-admin", "service-leader"],
        ),
        (
            "GET",
            "/nn/{t}/evaluering.csv",
            vec!["tenant-admin", "service-leader"],
        ),
        (
            "GET",
            "/nb/{t}/evaluering/arsrapport.pdf",
            vec!["tenant-admin", "service-leader"],
        ),
        (
            "GET",
            "/nb/{t}/rediger/undersokelser",
            vec!["tenant-admin", "editor"],
        ),
        (
            "GET",
            "/nn/{t}/rediger/undersokelser/{survey}",
            vec!["tenant-admin", "editor"],
        ),
        // The staff survey: for employees and service leaders of the tenant.
        (
            "GET",
            "/nb/{t}/undersokelse/{survey}",
            vec!["service-leader", "employee"],
        ),
        (
            "GET",
            "/nn/{t}/gjennomgang",
            vec!["tenant-admin", "editor", "service-leader"],
        ),
        ("GET", "/nn/{t}/rediger/ny", vec!["tenant-admin", "editor"]),
        (
            "GET",
            "/nb/{t}/rediger/innhold/{item}",
            vec!["tenant-admin", "editor"],
        ),
        (
            "GET",
            "/nn/{t}/rediger/innhold/{item}/historikk",
            vec!["tenant-admin", "editor"],
        ),
        (
            "GET",
            "/nb/{t}/rediger/innhold/{item}/forhandsvisning",
            vec!["tenant-admin", "editor"],
        ),
        (
            "POST",
            "/nb/{t}/rediger/innhold/{item}/publiser",
            vec!["tenant-admin", "editor"],
        ),
        ("GET", "/nb/{t}/rediger/deling", vec!["tenant-admin"]),
        (
            "GET",
            "/nb/{t}/rediger/innstillinger/{settings}",
            vec!["tenant-admin", "editor"],
        ),
        (
            "GET",
            "/nn/{t}/rediger/innstillinger/{settings}/historikk",
            vec!["tenant-admin", "editor"],
        ),
        (
            "GET",
            "/nn/{t}/rediger/tidslinje/ny",
            vec!["tenant-admin", "editor"],
        ),
        ("GET", "/nn/{t}/rediger/deling", vec!["tenant-admin"]),
        (
            "GET",
            "/nb/{t}/rediger/veileder/{guide}",
            vec!["tenant-admin", "editor"],
        ),
        (
            "GET",
            "/nn/{t}/rediger/veileder/{guide}/steg/{step}",
            vec!["tenant-admin", "editor"],
        ),
        (
            "GET",
            "/nb/{t}/rediger/veileder/{guide}/historikk",
            vec!["tenant-admin", "editor"],
        ),
        (
            "POST",
            "/nb/{t}/rediger/veileder/{guide}/publiser",
            vec!["tenant-admin", "editor"],
        ),
        (
            "GET",
            "/nb/{t}/rediger/skjema/ny?skjema=samtale",
            vec!["tenant-admin", "editor"],
        ),
        (
            "GET",
            "/nn/{t}/rediger/skjema/{form}",
            vec!["tenant-admin", "editor"],
        ),
        (
            "GET",
            "/nb/{t}/rediger/skjema/{form}/forhandsvisning",
            vec!["tenant-admin", "editor"],
        ),
        (
            "GET",
            "/nb/{t}/rediger/skjema/{form}/historikk",
            vec!["tenant-admin", "editor"],
        ),
        (
            "POST",
            "/nb/{t}/rediger/skjema/{form}/publiser",
            vec!["tenant-admin", "editor"],
        ),
    ];
    for (who, cookie) in &actors {
        for tenant in ["testvik", "fjordvik"] {
            for (method, template, allowed) in &routes {
                let victim_id = if tenant == "testvik" {
                    &victim
                } else {
                    &other_victim
                };
                let path = template
                    .replace("{t}", tenant)
                    .replace("{victim}", victim_id)
                    .replace("{item}", &items[tenant])
                    .replace("{guide}", &guides[tenant].0)
                    .replace("{settings}", &settings_ids[tenant])
                    .replace("{form}", &form_ids[tenant])
                    .replace("{survey}", &survey_ids[tenant])
                    .replace("{step}", &guides[tenant].1);
                let client = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap();
                let mut request = if *method == "GET" {
                    client.get(format!("{}{path}", app.base))
                } else {
                    // A form token that is right for this session, so the policy decides.
                    let csrf = match cookie {
                        Some(c) => {
                            let token = c.split('=').nth(1).unwrap();
                            app.store
                                .session(token, Default::default())
                                .await
                                .unwrap()
                                .map(|s| s.csrf_token)
                                .unwrap_or_default()
                        }
                        None => String::new(),
                    };
                    client
                        .post(format!("{}{path}", app.base))
                        // `version`: the version an editor saw, for publishing.
                        .form(&[("csrf", csrf.as_str()), ("version", "1")])
                };
                if let Some(c) = cookie {
                    request = request.header("cookie", c);
                }
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let to = location(response.headers());
                // The platform administrator manages users in every tenant.
                let may = match who.as_str() {
                    "anonymous" => false,
                    "platform-admin" => allowed.contains(&"platform-admin"),
                    role => tenant == "testvik" && allowed.contains(&role),
                };
                let expected = if may {
                    if *method == "POST" { 303 } else { 200 }
                } else if cookie.is_none() {
                    303
                } else {
                    404
                };
                assert_eq!(status, expected, "{who} {method} {path}");
                if cookie.is_none() {
                    assert!(
                        to.ends_with(&format!("/{tenant}/logg-inn")),
                        "{who} {path} → {to}"
                    );
                }
                if *method == "POST" && may {
                    // Undo, so the next actor finds the account active: reactivate directly.
                    reactivate(&app, victim_id).await;
                }
            }
        }
    }
    // The platform's administration: only the platform administrator; an anonymous
    // visitor is sent to the front page, where each municipality has its login.
    for (who, cookie) in &actors {
        let mut request = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
            .get(format!("{}/nb/plattform", app.base));
        if let Some(c) = cookie {
            request = request.header("cookie", c);
        }
        let response = request.send().await.unwrap();
        let expected = match who.as_str() {
            "anonymous" => 303,
            "platform-admin" => 200,
            _ => 404,
        };
        assert_eq!(response.status(), expected, "{who} /nb/plattform");
        if expected == 200 {
            let page = response.text().await.unwrap();
            assert!(page.contains("/nb/fjordvik/admin/brukere") && page.contains("rolle gitt"));
            assert!(
                page.contains("Innlogget som"),
                "who is signed in shows on platform pages too"
            );
        }
    }
    // The account page opens for every signed-in person, in any tenant's frame.
    for (who, cookie) in actors.iter().skip(1) {
        let response = reqwest::Client::new()
            .get(format!("{}/nb/fjordvik/konto", app.base))
            .header("cookie", cookie.as_ref().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{who}");
        assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
    }
}

async fn reactivate(app: &TestApp, account: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
    sqlx::query("UPDATE accounts SET active = 1 WHERE id = $1")
        .bind(account)
        .execute(&mut conn)
        .await
        .unwrap();
}

async fn forged_and_cross_site_forms_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    add_person(
        &app.store,
        Some("testvik"),
        "redaktor@testvik.example",
        Role::Editor,
    )
    .await;
    let browser = Browser::new(&app);
    // A login form without the cookie's token.
    let (status, _, _) = browser
        .post(
            "/nb/testvik/logg-inn",
            &[
                ("csrf", "forfalsket"),
                ("email", "redaktor@testvik.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 403);
    // Editors need no second step.
    let (status, to) = browser
        .login("testvik", "redaktor@testvik.example", PASSWORD)
        .await;
    assert_eq!((status, to.as_str()), (303, "/nb/testvik/start"));
    let (_, page, _) = browser.get("/nb/testvik/konto").await;
    let csrf = hidden(&page, "csrf");
    // A wrong token, no token, and the right token from another site.
    for form in [vec![("csrf", "feil")], vec![]] {
        let (status, _, _) = browser
            .post("/nb/testvik/konto/logg-ut-overalt", &form)
            .await;
        assert_eq!(status, 403);
    }
    let response = browser
        .client
        .post(format!("{}/nb/testvik/konto/logg-ut-overalt", app.base))
        .header("sec-fetch-site", "cross-site")
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let response = browser
        .client
        .post(format!("{}/nb/testvik/konto/logg-ut-overalt", app.base))
        .header("origin", "https://evil.example")
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // Still signed in; the real form logs out everywhere.
    assert_eq!(browser.get("/nb/testvik/start").await.0, 200);
    let (status, _, _) = browser
        .post("/nb/testvik/konto/logg-ut-overalt", &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 303);
    assert_eq!(browser.get("/nb/testvik/start").await.0, 303);
}

async fn deactivation_ends_every_session_at_once(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let admin = add_person(
        &app.store,
        Some("testvik"),
        "admin@testvik.example",
        Role::TenantAdmin,
    )
    .await;
    let editor = add_person(
        &app.store,
        Some("testvik"),
        "red@testvik.example",
        Role::Editor,
    )
    .await;
    let editor_browser = Browser::new(&app);
    editor_browser
        .login("testvik", "red@testvik.example", PASSWORD)
        .await;
    let second = Browser::new(&app);
    second
        .login("testvik", "red@testvik.example", PASSWORD)
        .await;
    assert_eq!(editor_browser.get("/nb/testvik/start").await.0, 200);

    let admin_cookie = session_cookie(&app.store, &admin, record.id.as_str()).await;
    let page = reqwest::Client::new()
        .get(format!("{}/nb/testvik/admin/brukere", app.base))
        .header("cookie", &admin_cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("red@testvik.example"));
    let csrf = hidden(&page, "csrf");
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!(
            "{}/nb/testvik/admin/brukere/{editor}/deaktiver",
            app.base
        ))
        .header("cookie", &admin_cookie)
        .form(&[("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    for browser in [&editor_browser, &second] {
        let (status, _, headers) = browser.get("/nb/testvik/start").await;
        assert_eq!(
            (status, location(&headers).as_str()),
            (303, "/nb/testvik/logg-inn")
        );
    }
    // And a deactivated account cannot log in again.
    let (status, _) = editor_browser
        .login("testvik", "red@testvik.example", PASSWORD)
        .await;
    assert_eq!(status, 422);
}

async fn login_answers_do_not_tell_whether_an_account_exists(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    add_person(
        &app.store,
        Some("testvik"),
        "finnes@testvik.example",
        Role::Editor,
    )
    .await;
    let browser = Browser::new(&app);
    let (status_known, body_known) = browser
        .login("testvik", "finnes@testvik.example", "feil passord igjen")
        .await;
    let (status_unknown, body_unknown) = browser
        .login(
            "testvik",
            "finnes-ikke@testvik.example",
            "feil passord igjen",
        )
        .await;
    assert_eq!(status_known, status_unknown);
    let message = |body: &str| {
        body.split("role=\"alert\"")
            .nth(1)
            .and_then(|s| s.split("</div>").next())
            .unwrap_or_default()
            .to_string()
    };
    assert!(!message(&body_known).is_empty());
    assert_eq!(message(&body_known), message(&body_unknown));
    assert!(
        !body_unknown.contains("finnes-ikke@testvik.example\" ")
            || body_unknown.contains("value=\"finnes-ikke@testvik.example\"")
    );
}

async fn the_command_line_provisions_people_and_verifies_the_chain(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let db = &app.db;
    let out = run_saman(
        db,
        &[
            "user",
            "add",
            "--tenant",
            "testvik",
            "--email",
            "Kari@Testvik.example",
            "--name",
            "Kari Nordmann",
            "--role",
            "employee",
            "--service",
            "helsestasjon",
            "--password-stdin",
        ],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Refusals: a weak password, an unknown role, a service that is not one, no tenant.
    for (args, stdin) in [
        (
            vec![
                "user",
                "add",
                "--tenant",
                "testvik",
                "--email",
                "a@b.no",
                "--name",
                "A",
                "--role",
                "editor",
                "--password-stdin",
            ],
            Some("passord123\n"),
        ),
        (
            vec![
                "user", "add", "--tenant", "testvik", "--email", "a@b.no", "--name", "A", "--role",
                "sjef",
            ],
            None,
        ),
        (
            vec![
                "user",
                "add",
                "--tenant",
                "testvik",
                "--email",
                "a@b.no",
                "--name",
                "A",
                "--role",
                "employee",
                "--service",
                "oppvekstplan",
            ],
            None,
        ),
        (
            vec![
                "user", "add", "--email", "a@b.no", "--name", "A", "--role", "editor",
            ],
            None,
        ),
    ] {
        let out = run_saman(db, &args, stdin);
        assert!(!out.status.success(), "{args:?} should fail");
    }
    let out = run_saman(
        db,
        &[
            "user",
            "add",
            "--email",
            "plattform@saman.example",
            "--name",
            "P",
            "--role",
            "platform-admin",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list =
        String::from_utf8(run_saman(db, &["user", "list", "--tenant", "testvik"], None).stdout)
            .unwrap();
    assert!(
        list.contains(
            "kari@testvik.example\tKari Nordmann\ttestvik\temployee\thelsestasjon\taktiv"
        ),
        "{list}"
    );
    assert!(!list.contains("plattform@"), "{list}");

    // She logs in; the second step is required for employees.
    let browser = Browser::new(&app);
    let (_, to) = browser
        .login("testvik", "kari@testvik.example", PASSWORD)
        .await;
    assert!(to.ends_with("/logg-inn/totrinn"));
    assert!(
        run_saman(
            db,
            &["user", "reset-two-step", "--email", "kari@testvik.example"],
            None
        )
        .status
        .success()
    );
    assert!(
        run_saman(
            db,
            &["user", "deactivate", "--email", "kari@testvik.example"],
            None
        )
        .status
        .success()
    );
    assert_eq!(
        browser.get("/nb/testvik/start").await.0,
        303,
        "deactivation ends the session"
    );
    let list = String::from_utf8(run_saman(db, &["user", "list"], None).stdout).unwrap();
    assert!(list.contains("deaktivert"), "{list}");

    // Families by identity number (checked), for the login with ID-porten.
    let family = |email: &str, role: &str, pid: &str| {
        run_saman(
            db,
            &[
                "user", "add", "--tenant", "testvik", "--email", email, "--name", "Mor", "--role",
                role, "--pid", pid,
            ],
            None,
        )
    };
    assert!(
        family("mor@testvik.example", "guardian", "15898512379")
            .status
            .success()
    );
    assert!(
        !family("far@testvik.example", "guardian", "15898512378")
            .status
            .success(),
        "check digits"
    );
    assert!(
        !family("far@testvik.example", "editor", "17021356042")
            .status
            .success(),
        "staff have no pid"
    );
    assert!(
        !family("far@testvik.example", "guardian", "15898512379")
            .status
            .success(),
        "one person, one account"
    );
    let mother = app
        .store
        .account_by_pid("15898512379")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(mother.email.as_deref(), Some("mor@testvik.example"));
    let list =
        String::from_utf8(run_saman(db, &["user", "list", "--tenant", "testvik"], None).stdout)
            .unwrap();
    assert!(
        !list.contains("15898512379"),
        "the identity number is never printed"
    );

    let out = run_saman(db, &["audit", "verify"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    tamper(db, backend, record.id.as_str()).await;
    let out = run_saman(db, &["audit", "verify", "--tenant", "testvik"], None);
    assert_eq!(out.status.code(), Some(1));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.contains("testvik") && message.contains("rad 3"),
        "{message}"
    );
}

async fn guessing_is_slowed_per_account_and_per_address_whatever_the_headers_say(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    add_person(
        &app.store,
        Some("testvik"),
        "maal@testvik.example",
        Role::Editor,
    )
    .await;
    let browser = Browser::new(&app);
    let (_, page, _) = browser.get("/nb/testvik/logg-inn").await;
    let csrf = hidden(&page, "csrf");
    let attempt = |email: &'static str, password: &'static str, forwarded: String| {
        let csrf = csrf.clone();
        let client = browser.client.clone();
        let url = format!("{}/nb/testvik/logg-inn", app.base);
        async move {
            client
                .post(url)
                .header("x-forwarded-for", forwarded)
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("email", email),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Ten attempts for one account, each claiming another address.
    for i in 0..10 {
        assert_eq!(
            attempt(
                "maal@testvik.example",
                "feil passord her",
                format!("198.51.100.{i}")
            )
            .await,
            422,
            "attempt {i}"
        );
    }
    // Now even the right password waits; the page says so in Norwegian.
    assert_eq!(
        attempt("maal@testvik.example", PASSWORD, "203.0.113.9".into()).await,
        429
    );
    let (status, page, _) = browser.get("/nb/testvik/logg-inn").await;
    assert_eq!(status, 200, "the login page itself still opens");
    assert!(!page.contains("For mange"));
    // Per address: the forwarded header from an untrusted peer changes nothing, so
    // fifty attempts against different accounts stop the next one from this address.
    for i in 0..39 {
        let email: &'static str = Box::leak(format!("ukjent{i}@testvik.example").into_boxed_str());
        assert_eq!(
            attempt(email, "feil passord her", format!("192.0.2.{i}")).await,
            422,
            "attempt {i}"
        );
    }
    let status = attempt(
        "en.annen@testvik.example",
        "feil passord her",
        "192.0.2.200".into(),
    )
    .await;
    assert_eq!(status, 429);
    let response = browser
        .client
        .post(format!("{}/nb/testvik/logg-inn", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "x@testvik.example"),
            ("password", "y"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.text().await.unwrap().contains("For mange forsøk"));

    // Attempts sent at the same moment cannot slip under the limit together.
    add_person(
        &app.store,
        Some("testvik"),
        "samtidig@testvik.example",
        Role::Editor,
    )
    .await;
    let other = Browser::new(&app);
    let (_, page, _) = other.get("/nb/testvik/logg-inn").await;
    let csrf2 = hidden(&page, "csrf");
    let handles: Vec<_> = (0..20)
        .map(|_| {
            tokio::spawn(
                other
                    .client
                    .post(format!("{}/nb/testvik/logg-inn", app.base))
                    .form(&[
                        ("csrf", csrf2.as_str()),
                        ("email", "samtidig@testvik.example"),
                        ("password", "feil"),
                    ])
                    .send(),
            )
        })
        .collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.unwrap().unwrap().status().as_u16());
    }
    assert!(
        statuses.iter().filter(|s| **s != 429).count() <= 10,
        "{statuses:?}"
    );

    // The PDF forms: thirty a minute from one address.
    let client = reqwest::Client::new();
    let mut statuses = Vec::new();
    for _ in 0..31 {
        let response = client
            .post(format!("{}/nb/testvik/skjema/observasjon", app.base))
            .header("x-forwarded-for", "10.1.2.3")
            .form(&[("barn", "")])
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
    }
    assert!(statuses[..30].iter().all(|s| *s == 422), "{statuses:?}");
    assert_eq!(statuses[30], 429);
}

async fn an_administrator_changes_roles_and_services_and_it_is_audited(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let admin = add_person(
        &app.store,
        Some("testvik"),
        "admin@testvik.example",
        Role::TenantAdmin,
    )
    .await;
    let person = add_person(
        &app.store,
        Some("testvik"),
        "person@testvik.example",
        Role::Employee,
    )
    .await;
    let cookie = session_cookie(&app.store, &admin, record.id.as_str()).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = signed_in_page(
        &app,
        &format!("/nb/testvik/admin/brukere/{person}"),
        &cookie,
    )
    .await;
    let csrf = hidden(&page, "csrf");
    let save = |form: Vec<(&'static str, String)>| {
        client
            .post(format!("{}/nb/testvik/admin/brukere/{person}", app.base))
            .header("cookie", &cookie)
            .form(&form)
            .send()
    };
    // Employee → service leader of the health station, and editor; a made-up service and
    // a family role in the form are ignored.
    let response = save(vec![
        ("csrf", csrf.clone()),
        ("role", "service-leader".into()),
        ("role", "editor".into()),
        ("role", "guardian".into()),
        ("service", "helsestasjon".into()),
        ("service", "finnes-ikke".into()),
    ])
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let mut roles: Vec<Role> = app
        .store
        .grants(&person)
        .await
        .unwrap()
        .iter()
        .map(|g| g.role)
        .collect();
    roles.sort();
    assert_eq!(roles, vec![Role::Editor, Role::ServiceLeader]);
    assert_eq!(
        app.store.services_of(&person, &record.id).await.unwrap(),
        vec!["helsestasjon".to_string()]
    );
    // A form without its token changes nothing.
    let response = save(vec![("role", "tenant-admin".into())]).await.unwrap();
    assert_eq!(response.status(), 403);
    // Someone who also works in another tenant is not this administrator's to manage:
    // deactivating them would lock them out there too.
    let fjordvik = app.store.tenant_by_slug("fjordvik").await.unwrap();
    if let Some(fjordvik) = fjordvik {
        let shared = add_person(
            &app.store,
            Some("testvik"),
            "delt@testvik.example",
            Role::Employee,
        )
        .await;
        app.store
            .grant_role(
                &shared,
                &fjordvik.id,
                Role::Employee,
                &AuditContext::command_line(Some(fjordvik.id.clone())),
            )
            .await
            .unwrap();
        let response = client
            .get(format!("{}/nb/testvik/admin/brukere/{shared}", app.base))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        let response = client
            .post(format!(
                "{}/nb/testvik/admin/brukere/{shared}/deaktiver",
                app.base
            ))
            .header("cookie", &cookie)
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
        assert!(app.store.account(&shared).await.unwrap().unwrap().active);
    }
    // Administrators do not edit themselves here (no locking themselves out).
    let response = client
        .get(format!("{}/nb/testvik/admin/brukere/{admin}", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let entries = app
        .store
        .audit_entries(Some(&record.id), &Default::default())
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.action.as_str(), e.details.as_str()))
        .collect();
    for expected in [
        ("role-revoked", "employee"),
        ("role-granted", "service-leader"),
        ("role-granted", "editor"),
        ("services-changed", "helsestasjon"),
    ] {
        assert!(actions.contains(&expected), "{expected:?} in {actions:?}");
    }
}

async fn sessions_end_at_their_idle_and_absolute_limits(backend: Backend) {
    use saman_store::SessionLimits;
    use time::Duration;
    let app = TestApp::spawn(backend, false).await;
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let id = add_person(
        &app.store,
        Some("testvik"),
        "tid@testvik.example",
        Role::Editor,
    )
    .await;
    let normal = SessionLimits::default();
    // Idle: a session not used within the idle limit is over, and removed.
    let idle = app
        .store
        .open_session(&id, record.id.as_str(), false, "password", "t", normal)
        .await
        .unwrap();
    let no_idle = SessionLimits {
        idle: Duration::ZERO,
        ..normal
    };
    assert!(
        app.store
            .session(&idle.token, no_idle)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        app.store
            .session(&idle.token, normal)
            .await
            .unwrap()
            .is_none(),
        "removed"
    );
    // Absolute: however busy, a session ends at its lifetime.
    let past = SessionLimits {
        absolute: Duration::seconds(-1),
        ..normal
    };
    let old = app
        .store
        .open_session(&id, record.id.as_str(), false, "password", "t", past)
        .await
        .unwrap();
    assert!(
        app.store
            .session(&old.token, normal)
            .await
            .unwrap()
            .is_none()
    );
    // And the site sends the holder of an ended session to the login page.
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/nb/testvik/start", app.base))
        .header("cookie", format!("saman_session={}", old.token))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/nb/testvik/logg-inn");
    // A live one still works.
    let live = app
        .store
        .open_session(&id, record.id.as_str(), false, "password", "t", normal)
        .await
        .unwrap();
    assert!(
        app.store
            .session(&live.token, normal)
            .await
            .unwrap()
            .is_some()
    );
}
