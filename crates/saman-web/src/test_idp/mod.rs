//! A test ID-porten: an OpenID provider with fictional persons, built in for the demo
//! (and run by the tests), so that a newcomer can try the family login without any
//! account anywhere. It signs real RS256 ID tokens with a key that is in this
//! repository: it must never be trusted outside the demo, and Saman mounts it only in
//! demo mode. The tests can make it misbehave (wrong issuer, audience, nonce, level,
//! signature, an expired token) to see that Saman refuses.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const DEMO_CLIENT_ID: &str = "saman-demo";
pub const DEMO_CLIENT_SECRET: &str = "demo-secret-not-for-production";
const KEY_ID: &str = "saman-demo-key";

/// A fictional person of the test provider (synthetic identity numbers).
#[derive(Debug, Clone, Copy)]
pub struct TestPerson {
    pub pid: &'static str,
    pub name: &'static str,
}

pub const PERSONS: [TestPerson; 4] = [
    TestPerson {
        pid: "15898512379",
        name: "Hanne Haugland",
    },
    TestPerson {
        pid: "17021356042",
        name: "Tobias Haugland",
    },
    TestPerson {
        pid: "22881178986",
        name: "Marit Lien",
    },
    TestPerson {
        pid: "25081157009",
        name: "Eirik Lien",
    },
];

/// Ways to misbehave, or to answer as another kind of provider (a municipality's own
/// directory, with e-mail addresses), for the tests.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Add `email` and `email_verified` to the ID token.
    pub email: Option<(String, bool)>,
    /// The `amr` claim (default `["TestID"]`).
    pub amr: Option<Vec<String>>,
    pub issuer: Option<String>,
    pub audience: Option<String>,
    pub nonce: Option<String>,
    pub expired: bool,
    /// Sign with this key (PEM) instead of the published one.
    pub signing_key_pem: Option<String>,
}

struct Grant {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    nonce: String,
    pid: String,
    acr: String,
}

pub struct TestIdp {
    issuer: String,
    codes: Mutex<HashMap<String, Grant>>,
    pub faults: Mutex<Faults>,
}

impl TestIdp {
    pub fn new(issuer: &str) -> Arc<TestIdp> {
        Arc::new(TestIdp {
            issuer: issuer.trim_end_matches('/').to_string(),
            codes: Mutex::new(HashMap::new()),
            faults: Mutex::new(Faults::default()),
        })
    }

    /// The provider's routes, relative to its issuer's path.
    pub fn router(self: &Arc<Self>) -> Router {
        Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/authorize", get(authorize_page).post(authorize))
            .route("/token", axum::routing::post(token))
            .route("/jwks", get(jwks))
            .with_state(self.clone())
    }
}

async fn discovery(State(idp): State<Arc<TestIdp>>) -> Json<serde_json::Value> {
    let i = &idp.issuer;
    Json(serde_json::json!({
        "issuer": i,
        "authorization_endpoint": format!("{i}/authorize"),
        "token_endpoint": format!("{i}/token"),
        "jwks_uri": format!("{i}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": ["idporten-loa-substantial", "idporten-loa-high"],
    }))
}

async fn jwks() -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "keys": [{
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": KEY_ID,
            "n": include_str!("demo-signing-key.n").trim(), "e": "AQAB",
        }]
    }))
}

#[derive(Deserialize, Serialize, Default)]
pub struct AuthorizeRequest {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    nonce: String,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
    #[serde(default)]
    ui_locales: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The login page: choose a fictional person and a level.
async fn authorize_page(Query(request): Query<AuthorizeRequest>) -> Response {
    if request.code_challenge_method != "S256" || request.code_challenge.is_empty() {
        return (StatusCode::BAD_REQUEST, "PKCE S256 is required").into_response();
    }
    let nn = request.ui_locales.starts_with("nn");
    let t = |nb: &'static str, nn_text: &'static str| if nn { nn_text } else { nb };
    let hidden: String = [
        ("client_id", &request.client_id),
        ("redirect_uri", &request.redirect_uri),
        ("state", &request.state),
        ("nonce", &request.nonce),
        ("code_challenge", &request.code_challenge),
        ("code_challenge_method", &request.code_challenge_method),
        ("ui_locales", &request.ui_locales),
    ]
    .iter()
    .map(|(k, v)| {
        format!(
            "<input type=\"hidden\" name=\"{k}\" value=\"{}\">",
            escape(v)
        )
    })
    .collect();
    let persons: String = PERSONS
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "<div class=\"choice\"><input class=\"ds-input\" type=\"radio\" name=\"pid\" id=\"person-{i}\" value=\"{}\"{}><label class=\"ds-label\" for=\"person-{i}\">{} ({})</label></div>",
                p.pid,
                if i == 0 { " checked" } else { "" },
                p.name,
                p.pid
            )
        })
        .collect();
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="{lang}" data-color-scheme="light" data-color="accent">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="icon" href="/assets/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/assets/designsystemet.css"><link rel="stylesheet" href="/assets/theme.css"><link rel="stylesheet" href="/assets/saman.css"></head>
<body><main id="main" class="container">
<h1 class="ds-heading" data-size="xl">{title}</h1>
<div class="ds-alert" data-color="warning"><p class="ds-paragraph">{warning}</p></div>
<form method="post" action="authorize">{hidden}
<fieldset class="ds-fieldset form-field"><legend class="ds-label">{who}</legend>{persons}</fieldset>
<fieldset class="ds-fieldset form-field"><legend class="ds-label">{level}</legend>
<div class="choice"><input class="ds-input" type="radio" name="acr" id="acr-high" value="idporten-loa-high" checked><label class="ds-label" for="acr-high">{high}</label></div>
<div class="choice"><input class="ds-input" type="radio" name="acr" id="acr-substantial" value="idporten-loa-substantial"><label class="ds-label" for="acr-substantial">{substantial}</label></div>
</fieldset>
<button class="ds-button" data-variant="primary" type="submit">{submit}</button>
</form></main></body></html>"#,
        lang = if nn { "nn" } else { "nb" },
        title = t("Test-ID-porten", "Test-ID-porten"),
        warning = t(
            "Dette er en testinnlogging for demoen, ikke den ekte ID-porten. Personene er oppdiktet.",
            "Dette er ei testinnlogging for demoen, ikkje den ekte ID-porten. Personane er oppdikta."
        ),
        who = t("Logg inn som", "Logg inn som"),
        level = t("Sikkerhetsnivå", "Tryggleiksnivå"),
        high = t("Høyt (som BankID)", "Høgt (som BankID)"),
        substantial = t("Betydelig (som MinID)", "Betydeleg (som MinID)"),
        submit = t("Logg inn", "Logg inn"),
    );
    Html(html).into_response()
}

#[derive(Deserialize)]
struct AuthorizeForm {
    #[serde(flatten)]
    request: AuthorizeRequest,
    pid: String,
    acr: String,
}

async fn authorize(State(idp): State<Arc<TestIdp>>, Form(form): Form<AuthorizeForm>) -> Response {
    let r = form.request;
    if r.client_id != DEMO_CLIENT_ID || !r.redirect_uri.starts_with("http") {
        return (StatusCode::BAD_REQUEST, "unknown client").into_response();
    }
    // Only the fictional persons: never a real identity number, not even in a demo.
    if !PERSONS.iter().any(|p| p.pid == form.pid) {
        return (StatusCode::BAD_REQUEST, "unknown person").into_response();
    }
    let code = saman_domain::auth::secret::new_token();
    idp.codes.lock().expect("the lock is not poisoned").insert(
        code.clone(),
        Grant {
            client_id: r.client_id,
            redirect_uri: r.redirect_uri.clone(),
            challenge: r.code_challenge,
            nonce: r.nonce,
            pid: form.pid,
            acr: form.acr,
        },
    );
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("code", &code)
        .append_pair("state", &r.state);
    let separator = if r.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    Redirect::to(&format!("{}{separator}{}", r.redirect_uri, query.finish())).into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    code_verifier: String,
}

#[derive(Serialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: String,
    pid: String,
    acr: String,
    amr: Vec<String>,
    nonce: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
    iat: i64,
    exp: i64,
}

fn token_error(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({ "error": "invalid_grant", "error_description": message })),
    )
        .into_response()
}

async fn token(
    State(idp): State<Arc<TestIdp>>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{DEMO_CLIENT_ID}:{DEMO_CLIENT_SECRET}"))
    );
    if headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        != Some(expected.as_str())
    {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({ "error": "invalid_client" })),
        )
            .into_response();
    }
    // A code is used once: it is removed as it is taken.
    let Some(grant) = idp
        .codes
        .lock()
        .expect("the lock is not poisoned")
        .remove(&form.code)
    else {
        return token_error("unknown or used code");
    };
    let challenge = URL_SAFE_NO_PAD.encode(<sha2::Sha256 as sha2::Digest>::digest(
        form.code_verifier.as_bytes(),
    ));
    if challenge != grant.challenge {
        return token_error("PKCE verifier does not match");
    }
    if form.redirect_uri != grant.redirect_uri {
        return token_error("redirect_uri does not match");
    }
    let faults = idp.faults.lock().expect("the lock is not poisoned").clone();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = Claims {
        iss: faults.issuer.unwrap_or_else(|| idp.issuer.clone()),
        aud: faults.audience.unwrap_or(grant.client_id),
        sub: saman_domain::auth::secret::sha256_hex(grant.pid.as_bytes())[..32].to_string(),
        pid: grant.pid,
        acr: grant.acr,
        amr: faults.amr.clone().unwrap_or_else(|| vec!["TestID".into()]),
        email: faults.email.as_ref().map(|(e, _)| e.clone()),
        email_verified: faults.email.as_ref().map(|(_, v)| *v),
        nonce: faults.nonce.unwrap_or(grant.nonce),
        iat: now,
        exp: if faults.expired { now - 600 } else { now + 120 },
    };
    let pem = faults
        .signing_key_pem
        .unwrap_or_else(|| include_str!("demo-signing-key.pem").to_string());
    let key = match EncodingKey::from_rsa_pem(pem.as_bytes()) {
        Ok(key) => key,
        Err(e) => return (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    };
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KEY_ID.into());
    match encode(&header, &claims, &key) {
        Ok(id_token) => Json(serde_json::json!({
            "id_token": id_token, "access_token": "test", "token_type": "Bearer", "expires_in": 120,
        }))
        .into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}
