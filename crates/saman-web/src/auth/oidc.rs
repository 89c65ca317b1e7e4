//! The relying party of OpenID Connect: ID-porten for families (and, next, each
//! municipality's own directory for staff). Authorization code flow with PKCE S256;
//! `state` is taken once from the database, and the ID token's signature (from the
//! provider's published keys), issuer, audience, expiry, nonce and `acr` are all
//! checked here, by us.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The level of assurance ID-porten calls high (BankID, Buypass, Commfides).
pub const IDPORTEN_HIGH: &str = "idporten-loa-high";

/// A provider Saman logs people in with.
#[derive(Debug, Clone)]
pub struct ProviderConfig {
    /// The provider's issuer, as its discovery document names it.
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// The level of assurance the login must have (ID-porten: `idporten-loa-high`).
    pub required_acr: Option<String>,
}

/// What the provider's discovery document says.
#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

/// Why a login through a provider failed. Only `LevelTooLow` is told to the person in
/// particular; the rest are "the login failed", with the detail in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    #[error("the provider could not be reached: {0}")]
    Unreachable(String),
    #[error("unknown or used state")]
    State,
    #[error("the provider refused the code: {0}")]
    TokenRefused(String),
    #[error("the ID token is invalid: {0}")]
    InvalidToken(String),
    #[error("the nonce does not match")]
    Nonce,
    #[error("the level of assurance was {0:?}")]
    LevelTooLow(Option<String>),
    #[error("the ID token names no person")]
    NoPerson,
    #[error("the person has no account here")]
    UnknownPerson,
}

/// An HTTP client that follows no redirects: a provider's answers are taken as they are.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .expect("a client with fixed settings builds")
}

pub async fn discover(http: &reqwest::Client, issuer: &str) -> Result<Discovery, OidcError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let discovery: Discovery = fetch_json(http.get(url)).await?;
    if discovery.issuer != issuer {
        return Err(OidcError::Unreachable(
            "the discovery document names another issuer".into(),
        ));
    }
    Ok(discovery)
}

async fn fetch_json<T: for<'de> Deserialize<'de>>(
    request: reqwest::RequestBuilder,
) -> Result<T, OidcError> {
    let response = request
        .send()
        .await
        .map_err(|e| OidcError::Unreachable(e.to_string()))?;
    if !response.status().is_success() {
        return Err(OidcError::Unreachable(format!(
            "HTTP {}",
            response.status()
        )));
    }
    response
        .json()
        .await
        .map_err(|e| OidcError::Unreachable(e.to_string()))
}

/// The S256 challenge of a PKCE verifier.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// Where to send the person: the provider's login with everything it needs.
pub fn authorize_url(
    discovery: &Discovery,
    provider: &ProviderConfig,
    redirect_uri: &str,
    state: &str,
    nonce: &str,
    verifier: &str,
    ui_locale: &str,
) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query
        .append_pair("response_type", "code")
        .append_pair("client_id", &provider.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", "openid profile")
        .append_pair("state", state)
        .append_pair("nonce", nonce)
        .append_pair("code_challenge", &pkce_challenge(verifier))
        .append_pair("code_challenge_method", "S256")
        .append_pair("ui_locales", ui_locale);
    if let Some(acr) = &provider.required_acr {
        query.append_pair("acr_values", acr);
    }
    let separator = if discovery.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    format!(
        "{}{separator}{}",
        discovery.authorization_endpoint,
        query.finish()
    )
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: String,
}

/// Exchanges the code (with the PKCE verifier) for the ID token.
pub async fn exchange_code(
    http: &reqwest::Client,
    discovery: &Discovery,
    provider: &ProviderConfig,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
) -> Result<String, OidcError> {
    let response = http
        .post(&discovery.token_endpoint)
        .basic_auth(&provider.client_id, Some(&provider.client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier),
        ])
        .send()
        .await
        .map_err(|e| OidcError::Unreachable(e.to_string()))?;
    if !response.status().is_success() {
        let body = response.text().await.unwrap_or_default();
        return Err(OidcError::TokenRefused(body.chars().take(200).collect()));
    }
    let token: TokenResponse = response
        .json()
        .await
        .map_err(|e| OidcError::TokenRefused(e.to_string()))?;
    Ok(token.id_token)
}

#[derive(Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: String,
    n: Option<String>,
    e: Option<String>,
}

/// The claims Saman uses from an ID token.
#[derive(Debug, Clone, Deserialize)]
pub struct IdClaims {
    pub sub: String,
    pub nonce: Option<String>,
    pub acr: Option<String>,
    /// ID-porten: the national identity number.
    pub pid: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    /// How the person authenticated; `mfa` means more than one factor.
    #[serde(default)]
    pub amr: Vec<String>,
}

/// Checks an ID token: signature by one of the provider's keys (RS256), issuer,
/// audience, expiry (one minute's leeway), nonce, and the required level.
pub async fn verify_id_token(
    http: &reqwest::Client,
    discovery: &Discovery,
    provider: &ProviderConfig,
    id_token: &str,
    nonce: &str,
) -> Result<IdClaims, OidcError> {
    let header = decode_header(id_token).map_err(|e| OidcError::InvalidToken(e.to_string()))?;
    if header.alg != Algorithm::RS256 {
        return Err(OidcError::InvalidToken(format!(
            "algorithm {:?}",
            header.alg
        )));
    }
    let jwks: Jwks = fetch_json(http.get(&discovery.jwks_uri)).await?;
    let key = jwks
        .keys
        .iter()
        .filter(|k| k.kty == "RSA")
        .find(|k| header.kid.is_none() || k.kid == header.kid)
        .ok_or_else(|| OidcError::InvalidToken("no key for the token".into()))?;
    let (Some(n), Some(e)) = (&key.n, &key.e) else {
        return Err(OidcError::InvalidToken("a key without n and e".into()));
    };
    let decoding = DecodingKey::from_rsa_components(n, e)
        .map_err(|e| OidcError::InvalidToken(e.to_string()))?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&discovery.issuer]);
    validation.set_audience(&[&provider.client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = 60;
    let claims = decode::<IdClaims>(id_token, &decoding, &validation)
        .map_err(|e| OidcError::InvalidToken(e.to_string()))?
        .claims;
    let nonce_ok = claims.nonce.as_deref().is_some_and(|n| {
        saman_domain::auth::secret::constant_time_eq(n.as_bytes(), nonce.as_bytes())
    });
    if !nonce_ok {
        return Err(OidcError::Nonce);
    }
    if let Some(required) = &provider.required_acr
        && claims.acr.as_deref() != Some(required.as_str())
    {
        return Err(OidcError::LevelTooLow(claims.acr.clone()));
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7636, appendix B.
    #[test]
    fn pkce_s256() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }
}
