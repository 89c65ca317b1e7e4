//! ID-porten end to end against an OpenID provider the test runs over real HTTP, with
//! real RS256 tokens: a guardian logs in at level high; a lower level, a bad nonce, a
//! forged state, an expired token, a wrong issuer or audience, a bad signature and a
//! replayed code are all refused, and audited.

use crate::common::{Backend, TestApp, cookie_client, fixture};
use saman_domain::access::Role;
use saman_store::AuditContext;
use saman_web::auth::oidc::{IDPORTEN_HIGH, ProviderConfig};
use saman_web::test_idp::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, Faults, TestIdp};
use std::sync::Arc;

crate::on_both_backends!(
    a_guardian_logs_in_at_level_high_and_every_bad_answer_is_refused,
    the_demo_has_its_test_id_porten_on_the_same_site,
    staff_log_in_with_their_municipalitys_directory_and_get_only_given_roles,
);

const GUARDIAN_PID: &str = "15898512379";

async fn start_provider() -> (Arc<TestIdp>, String) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let idp = TestIdp::new(&issuer);
    let router = idp.router();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (idp, issuer)
}

/// What the login's last step answered.
struct Outcome {
    status: u16,
    location: String,
    body: String,
    callback: String,
}

/// Starts a login at Saman, chooses the person and level at the provider, and follows
/// the answer back to Saman.
async fn login(app: &TestApp, browser: &reqwest::Client, pid: &str, acr: &str) -> Outcome {
    let response = browser
        .get(format!("{}/nb/testvik/logg-inn/idporten", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let authorize = response.headers()["location"].to_str().unwrap().to_string();
    let url = reqwest::Url::parse(&authorize).unwrap();
    let params: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    assert_eq!(get("code_challenge_method"), "S256");
    assert_eq!(get("acr_values"), IDPORTEN_HIGH);
    assert!(!get("state").is_empty() && !get("nonce").is_empty());
    let mut form = params.clone();
    form.push(("pid".into(), pid.into()));
    form.push(("acr".into(), acr.into()));
    let action = format!(
        "{}://{}{}",
        url.scheme(),
        url.host_str().unwrap(),
        url.port().map(|p| format!(":{p}")).unwrap_or_default()
    ) + url.path();
    let answer = browser.post(action).form(&form).send().await.unwrap();
    assert_eq!(answer.status(), 303);
    let callback = answer.headers()["location"].to_str().unwrap().to_string();
    assert!(callback.starts_with(&format!("{}/idporten/svar?", app.base)));
    follow(browser, &callback).await
}

async fn follow(browser: &reqwest::Client, callback: &str) -> Outcome {
    let response = browser.get(callback).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    Outcome {
        status,
        location,
        body: response.text().await.unwrap(),
        callback: callback.to_string(),
    }
}

fn refused(outcome: &Outcome, what: &str) {
    assert_eq!(outcome.status, 401, "{what}: {}", outcome.body);
    assert!(outcome.body.contains("Innloggingen mislyktes"), "{what}");
}

async fn a_guardian_logs_in_at_level_high_and_every_bad_answer_is_refused(backend: Backend) {
    let (idp, issuer) = start_provider().await;
    let app = TestApp::spawn_with(
        backend,
        false,
        Some(ProviderConfig {
            issuer,
            client_id: DEMO_CLIENT_ID.into(),
            client_secret: DEMO_CLIENT_SECRET.into(),
            required_acr: Some(IDPORTEN_HIGH.into()),
        }),
    )
    .await;
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let id = app
        .store
        .create_pid_account(GUARDIAN_PID, "Hanne Haugland", saman_domain::Lang::Nb)
        .await
        .unwrap();
    app.store
        .grant_role(
            &id,
            &record.id,
            Role::Guardian,
            &AuditContext::command_line(Some(record.id.clone())),
        )
        .await
        .unwrap();

    // Level high: in, to the (empty) start page.
    let browser = cookie_client();
    let ok = login(&app, &browser, GUARDIAN_PID, IDPORTEN_HIGH).await;
    assert_eq!(
        (ok.status, ok.location.as_str()),
        (303, "/nb/testvik/start"),
        "{}",
        ok.body
    );
    let start = browser
        .get(format!("{}/nb/testvik/start", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 200);
    let page = start.text().await.unwrap();
    assert!(page.contains("Hanne Haugland") && page.contains("/nb/testvik/stafettlogg"));
    assert!(
        !page.contains(GUARDIAN_PID),
        "the identity number is never shown"
    );

    // The same answer again: the state is spent.
    refused(
        &follow(&cookie_client(), &ok.callback).await,
        "a replayed answer",
    );
    // The same code with a fresh state: the provider refuses a used code.
    let fresh = cookie_client();
    let response = fresh
        .get(format!("{}/nb/testvik/logg-inn/idporten", app.base))
        .send()
        .await
        .unwrap();
    let authorize = reqwest::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let state = authorize
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .to_string();
    let old_code = reqwest::Url::parse(&ok.callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let replay = format!("{}/idporten/svar?code={old_code}&state={state}", app.base);
    refused(&follow(&fresh, &replay).await, "a replayed code");

    // An answer handed to another browser (one that did not start the login) is refused.
    let starter = cookie_client();
    let response = starter
        .get(format!("{}/nb/testvik/logg-inn/idporten", app.base))
        .send()
        .await
        .unwrap();
    let authorize = reqwest::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let mut form: Vec<(String, String)> = authorize.query_pairs().into_owned().collect();
    form.push(("pid".into(), GUARDIAN_PID.into()));
    form.push(("acr".into(), IDPORTEN_HIGH.into()));
    let action = format!(
        "{}://{}:{}{}",
        authorize.scheme(),
        authorize.host_str().unwrap(),
        authorize.port().unwrap(),
        authorize.path()
    );
    let answer = starter.post(action).form(&form).send().await.unwrap();
    let handed = answer.headers()["location"].to_str().unwrap().to_string();
    refused(
        &follow(&cookie_client(), &handed).await,
        "an answer handed to another browser",
    );

    // A forged state.
    refused(
        &follow(
            &cookie_client(),
            &format!("{}/idporten/svar?code=x&state=forfalsket", app.base),
        )
        .await,
        "a forged state",
    );

    // Level substantial: refused with a message saying why, in the person's language.
    let low = login(
        &app,
        &cookie_client(),
        GUARDIAN_PID,
        "idporten-loa-substantial",
    )
    .await;
    assert_eq!(low.status, 401);
    assert!(
        low.body.contains("høyt sikkerhetsnivå") && low.body.contains("BankID"),
        "{}",
        low.body
    );

    let cases: Vec<(&str, Faults)> = vec![
        (
            "a bad nonce",
            Faults {
                nonce: Some("en annen".into()),
                ..Default::default()
            },
        ),
        (
            "an expired token",
            Faults {
                expired: true,
                ..Default::default()
            },
        ),
        (
            "a wrong issuer",
            Faults {
                issuer: Some("https://falsk.example".into()),
                ..Default::default()
            },
        ),
        (
            "a wrong audience",
            Faults {
                audience: Some("en-annen-klient".into()),
                ..Default::default()
            },
        ),
        (
            "a bad signature",
            Faults {
                signing_key_pem: Some(
                    std::fs::read_to_string(fixture("keys/other-signing-key.pem")).unwrap(),
                ),
                ..Default::default()
            },
        ),
    ];
    for (what, faults) in cases {
        *idp.faults.lock().unwrap() = faults;
        let browser = cookie_client();
        refused(
            &login(&app, &browser, GUARDIAN_PID, IDPORTEN_HIGH).await,
            what,
        );
        let start = browser
            .get(format!("{}/nb/testvik/start", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(start.status(), 303, "{what}: no session");
    }
    *idp.faults.lock().unwrap() = Faults::default();

    // Every refusal is in the audit log, with its reason for the administrators.
    let entries = app
        .store
        .audit_entries(
            Some(&record.id),
            &saman_store::AuditFilter {
                action: Some("login-failed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let reasons: Vec<&str> = entries.iter().map(|e| e.details.as_str()).collect();
    for reason in [
        "level of assurance",
        "nonce",
        "ID token is invalid",
        "refused the code",
    ] {
        assert!(
            reasons.iter().any(|r| r.contains(reason)),
            "{reason} in {reasons:?}"
        );
    }
    assert!(reasons.iter().all(|r| !r.contains(GUARDIAN_PID)));
}

/// In demo mode the test ID-porten is on Saman's own site, so the browser asks no
/// other host; a person it knows nothing of gets no account, only a clear answer.
async fn the_demo_has_its_test_id_porten_on_the_same_site(backend: Backend) {
    let app = TestApp::spawn(backend, false).await;
    let browser = cookie_client();
    let outcome = login(&app, &browser, "25081157009", IDPORTEN_HIGH).await;
    assert_eq!(outcome.status, 401, "{}", outcome.body);
    assert!(outcome.body.contains("Vi finner deg ikke her"));
    assert!(
        app.store
            .account_by_pid("25081157009")
            .await
            .unwrap()
            .is_none(),
        "nothing stored"
    );
    let page = cookie_client()
        .get(format!("{}/nb/testvik/logg-inn", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("test-ID-porten (demo)"));
    // And it knows only its fictional persons.
    let response = cookie_client()
        .post(format!("{}/test-idporten/authorize", app.base))
        .form(&[
            ("client_id", "saman-demo"),
            ("redirect_uri", "http://x/"),
            ("pid", "01010112345"),
            ("acr", IDPORTEN_HIGH),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

/// Logs in at the tenant's directory as the person with `pid` (the test provider makes
/// the subject from it); returns the status and where Saman sends the person.
async fn directory_login(
    app: &TestApp,
    browser: &reqwest::Client,
    pid: &str,
) -> (u16, String, String) {
    let response = browser
        .get(format!("{}/nb/testvik/logg-inn/kommune", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let url = reqwest::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let mut form: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert!(
        form.iter().all(|(k, _)| k != "acr_values"),
        "no level asked of a directory"
    );
    form.push(("pid".into(), pid.into()));
    form.push(("acr".into(), "directory".into()));
    let action = format!(
        "{}://{}:{}{}",
        url.scheme(),
        url.host_str().unwrap(),
        url.port().unwrap(),
        url.path()
    );
    let answer = browser.post(action).form(&form).send().await.unwrap();
    let callback = answer.headers()["location"].to_str().unwrap().to_string();
    assert!(callback.starts_with(&format!("{}/oidc/svar?", app.base)));
    let outcome = follow(browser, &callback).await;
    (outcome.status, outcome.location, outcome.body)
}

async fn staff_log_in_with_their_municipalitys_directory_and_get_only_given_roles(
    backend: Backend,
) {
    let (idp, issuer) = start_provider().await;
    let app = TestApp::spawn_configured(backend, true, |config| {
        config.tenant_oidc.insert(
            "testvik".into(),
            saman_web::TenantDirectory {
                provider: ProviderConfig {
                    issuer,
                    client_id: DEMO_CLIENT_ID.into(),
                    client_secret: DEMO_CLIENT_SECRET.into(),
                    required_acr: None,
                },
                label: "Testvik kommune (Entra ID)".into(),
                trust_mfa: true,
            },
        );
    })
    .await;
    let page = cookie_client()
        .get(format!("{}/nb/testvik/logg-inn", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Logg inn med Testvik kommune (Entra ID)"));
    let record = app.store.tenant_by_slug("testvik").await.unwrap().unwrap();
    let fjordvik = app.store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    let add = |email: &'static str, role: Role, tenant: saman_store::TenantId| {
        let store = app.store.clone();
        async move {
            store
                .add_user(
                    &saman_store::NewUser {
                        email,
                        name: "Rita",
                        language: saman_domain::Lang::Nb,
                        password_hash: None,
                        role,
                        tenant: Some(&tenant),
                        services: &[],
                    },
                    &AuditContext::command_line(Some(tenant.clone())),
                )
                .await
                .unwrap()
        }
    };
    add("rita@testvik.example", Role::Editor, record.id.clone()).await;
    add("emil@testvik.example", Role::Employee, record.id.clone()).await;
    add(
        "fjordvik@fjordvik.example",
        Role::Editor,
        fjordvik.id.clone(),
    )
    .await;
    let set = |email: Option<(&str, bool)>, amr: Option<Vec<&str>>| {
        *idp.faults.lock().unwrap() = Faults {
            email: email.map(|(e, v)| (e.to_string(), v)),
            amr: amr.map(|a| a.into_iter().map(String::from).collect()),
            ..Default::default()
        };
    };

    // A verified e-mail address that an administrator gave a role: in, and linked.
    set(Some(("Rita@Testvik.example", true)), None);
    let browser = cookie_client();
    let (status, to, body) = directory_login(&app, &browser, "15898512379").await;
    assert_eq!((status, to.as_str()), (303, "/nb/testvik/start"), "{body}");
    // Next time by the subject alone, whatever the e-mail says.
    set(None, None);
    let (status, to, _) = directory_login(&app, &cookie_client(), "15898512379").await;
    assert_eq!((status, to.as_str()), (303, "/nb/testvik/start"));

    // Refused: an unverified address, an address with no account, a role only elsewhere.
    for (email, verified) in [
        ("emil@testvik.example", false),
        ("ukjent@testvik.example", true),
        ("fjordvik@fjordvik.example", true),
    ] {
        set(Some((email, verified)), None);
        let (status, _, body) = directory_login(&app, &cookie_client(), "17021356042").await;
        assert_eq!(status, 401, "{email}: {body}");
    }

    // An employee needs two steps: the directory's own second factor counts…
    set(
        Some(("emil@testvik.example", true)),
        Some(vec!["pwd", "mfa"]),
    );
    let (status, to, _) = directory_login(&app, &cookie_client(), "22881178986").await;
    assert_eq!((status, to.as_str()), (303, "/nb/testvik/start"));
    // …a password alone at the directory sends them to Saman's second step.
    set(None, Some(vec!["pwd"]));
    let (status, to, _) = directory_login(&app, &cookie_client(), "22881178986").await;
    assert_eq!((status, to.as_str()), (303, "/nb/testvik/logg-inn/totrinn"));
}
