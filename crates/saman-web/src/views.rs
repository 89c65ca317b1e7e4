//! What every page shares: the frame around the content (header, language switch,
//! text size, navigation, footer), and small view helpers over the model.

use crate::i18n::Tr;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use saman_domain::{Contact, Item, Lang, Level, Tenant, rules};
use saman_store::TenantRecord;
use std::convert::Infallible;

/// The reader's chosen text size, kept in a cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TextSize {
    #[default]
    Normal,
    Large,
    Larger,
}

pub const TEXT_SIZE_COOKIE: &str = "saman_tekst";

impl TextSize {
    pub const ALL: [TextSize; 3] = [TextSize::Normal, TextSize::Large, TextSize::Larger];

    pub fn key(self) -> &'static str {
        match self {
            TextSize::Normal => "normal",
            TextSize::Large => "large",
            TextSize::Larger => "larger",
        }
    }

    pub fn from_key(key: &str) -> Option<TextSize> {
        TextSize::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn from_headers(headers: &HeaderMap) -> TextSize {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(name, _)| *name == TEXT_SIZE_COOKIE)
            .and_then(|(_, value)| TextSize::from_key(value))
            .unwrap_or_default()
    }
}

/// What a page request brings besides its path parameters: the reader's text size and
/// where the page is, for the language switch and the text size form.
pub struct Ctx {
    pub text_size: TextSize,
    pub path: String,
    pub query: Option<String>,
    /// The signed-in person, if any: shown in the header with a way to log out.
    pub user: Option<UserChrome>,
}

/// Who is signed in, as the frame shows it.
#[derive(Clone)]
pub struct UserChrome {
    pub name: String,
    /// The session's form token, for the logout button.
    pub csrf: String,
    /// Their account page, and where the logout button posts: at the tenant the session
    /// was opened at (on a tenant's pages, that tenant's).
    pub account_href: String,
    pub logout_href: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Ctx {
            text_size: TextSize::from_headers(&parts.headers),
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            user: parts.extensions.get::<crate::auth::SignedIn>().map(|s| {
                let lang = parts
                    .uri
                    .path()
                    .split('/')
                    .nth(1)
                    .and_then(|segment| segment.parse().ok())
                    .unwrap_or(Lang::Nb);
                let urls = crate::urls::TenantUrls::new(lang, &s.tenant_slug);
                UserChrome {
                    name: s.account.name.clone(),
                    csrf: s.session.csrf_token.clone(),
                    account_href: urls.account(),
                    logout_href: urls.at("/logg-ut"),
                }
            }),
        })
    }
}

/// The tenant as the frame shows it.
pub struct TenantChrome {
    pub slug: String,
    pub name: String,
    pub has_logo: bool,
    pub colour: Option<String>,
    pub contact_email: Option<Linked>,
    /// Whether the tenant publishes figures of its work ("how we work").
    pub publishes_figures: bool,
}

pub struct NavLink {
    pub href: String,
    pub label: String,
    pub current: bool,
}

pub struct SizeOption {
    pub key: &'static str,
    pub label: String,
    pub current: bool,
}

/// The frame around every page.
pub struct Chrome {
    pub tr: Tr,
    pub lang: Lang,
    pub title: String,
    pub text_size: TextSize,
    /// This page's path, for returning after the text size is changed.
    pub here: String,
    /// This page in the other language.
    pub switch_href: String,
    pub switch_lang: Lang,
    pub tenant: Option<TenantChrome>,
    pub nav: Vec<NavLink>,
    pub sizes: Vec<SizeOption>,
    /// The home of this site: the tenant's, or the platform's.
    pub home_href: String,
    /// Show the emergency numbers at the top of the page (pages for children and youth).
    pub emergency: bool,
    /// The signed-in person (on a tenant's pages).
    pub user: Option<UserChrome>,
}

impl Chrome {
    /// The frame of a platform page (or an error page).
    pub fn platform(
        lang: Lang,
        title: String,
        text_size: TextSize,
        path: &str,
        query: Option<&str>,
    ) -> Chrome {
        let tr = Tr::new(lang);
        let switch_href = match path.split('/').nth(1).map(|s| s.parse::<Lang>()) {
            Some(Ok(_)) => format!("/{}{}", lang.other(), &path[3..]),
            _ => format!("/{}", lang.other()),
        } + &query.map(|q| format!("?{q}")).unwrap_or_default();
        Chrome {
            tr,
            lang,
            title,
            text_size,
            here: match query {
                Some(q) => format!("{path}?{q}"),
                None => path.to_string(),
            },
            switch_href,
            switch_lang: lang.other(),
            tenant: None,
            nav: Vec::new(),
            sizes: TextSize::ALL
                .iter()
                .map(|s| SizeOption {
                    key: s.key(),
                    label: tr.t(&format!("text-size-{}", s.key())),
                    current: *s == text_size,
                })
                .collect(),
            home_href: crate::urls::platform_front(lang),
            emergency: false,
            user: None,
        }
    }

    /// The frame of one of a tenant's pages; `current` is the nav entry to mark.
    pub fn tenant(
        lang: Lang,
        title: String,
        ctx: &Ctx,
        record: &TenantRecord,
        current: &str,
    ) -> Chrome {
        let mut chrome =
            Chrome::platform(lang, title, ctx.text_size, &ctx.path, ctx.query.as_deref());
        let tenant = &record.tenant;
        let base = crate::urls::TenantUrls::new(lang, &tenant.slug).home();
        let tr = chrome.tr;
        chrome.nav = [
            ("", "nav-home"),
            ("/veileder", "nav-guide"),
            ("/tjenester", "nav-services"),
            ("/tidslinje", "nav-timeline"),
            ("/om", "nav-about"),
        ]
        .into_iter()
        .map(|(path, key)| NavLink {
            href: format!("{base}{path}"),
            label: tr.t(key),
            current: key == current,
        })
        .collect();
        chrome.tenant = Some(TenantChrome {
            slug: tenant.slug.clone(),
            name: tenant.name(lang).to_string(),
            has_logo: record.has_logo,
            colour: tenant.primary_colour.clone(),
            contact_email: tenant.contact_email.as_deref().map(Linked::email),
            publishes_figures: !tenant.evaluation.public_figures.is_empty(),
        });
        chrome.home_href = base;
        // On a tenant's pages, the account and logout of this tenant's site.
        chrome.user = ctx.user.clone().map(|user| UserChrome {
            account_href: chrome.href("/konto"),
            logout_href: chrome.href("/logg-ut"),
            ..user
        });
        chrome
    }

    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }

    /// A path within the current tenant's site (or the platform's).
    pub fn href(&self, rest: &str) -> String {
        format!("{}{rest}", self.home_href)
    }

    /// The name of the other language, in that language, for the switch.
    pub fn switch_label(&self) -> String {
        Tr::new(self.switch_lang).t(&format!("lang-{}", self.switch_lang))
    }

    pub fn logo_alt(&self) -> String {
        let name = self.tenant.as_ref().map_or("", |t| t.name.as_str());
        self.tr.t1("logo-alt", "name", name.to_string())
    }
}

/// A link to an item, with its title in the reader's language or the other one.
pub struct ItemLink {
    pub href: String,
    pub title: String,
    /// Set when the title is shown in the other language.
    pub lang: Option<&'static str>,
    pub kind: String,
    /// The fillable form behind a tool, if it has one.
    pub form_href: Option<String>,
}

pub fn item_href(lang: Lang, tenant: &Tenant, slug: &str) -> String {
    crate::urls::TenantUrls::new(lang, &tenant.slug).item(slug)
}

pub fn item_link(tr: Tr, tenant: &Tenant, item: &Item) -> ItemLink {
    let picked = item.text.pick(tr.lang);
    ItemLink {
        href: item_href(tr.lang, tenant, &item.slug),
        title: picked.map_or_else(|| item.slug.clone(), |p| p.value.title.clone()),
        lang: picked
            .filter(|p| p.is_fallback(tr.lang))
            .map(|p| p.lang.code()),
        kind: tr.t(&format!("kind-{}", item.kind.key())),
        form_href: item
            .form
            .as_ref()
            .map(|f| crate::urls::TenantUrls::new(tr.lang, &tenant.slug).form(f)),
    }
}

/// A level's name: the tenant's own, or the standard one.
pub fn level_name(tr: Tr, tenant: &Tenant, level: Level) -> String {
    tenant
        .text
        .pick(tr.lang)
        .and_then(|p| p.value.levels.as_ref())
        .map_or_else(
            || tr.t(&level_key(level)),
            |names| names.get(level).to_string(),
        )
}

pub fn level_key(level: Level) -> String {
    let name = match level {
        Level::Municipality => "municipality",
        Level::Service => "service",
        Level::Individual => "individual",
    };
    format!("level-{name}")
}

/// Sorts Norwegian text the Norwegian way: æ, ø and å after z, in that order.
pub fn norwegian_sort_key(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| match c {
            'æ' | 'ä' => '{',
            'ø' | 'ö' => '|',
            'å' => '}',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwegian_order() {
        let mut words = vec!["Åpen", "Ørsta", "Ærlig", "Zebra", "alfa"];
        words.sort_by_key(|w| norwegian_sort_key(w));
        assert_eq!(words, ["alfa", "Zebra", "Ærlig", "Ørsta", "Åpen"]);
    }

    #[test]
    fn text_size_from_cookie() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=b; saman_tekst=larger".parse().unwrap());
        assert_eq!(TextSize::from_headers(&headers), TextSize::Larger);
        headers.insert(header::COOKIE, "saman_tekst=huge".parse().unwrap());
        assert_eq!(TextSize::from_headers(&headers), TextSize::Normal);
    }

    #[test]
    fn language_switch_keeps_the_page() {
        let chrome = Chrome::platform(
            Lang::Nb,
            String::new(),
            TextSize::Normal,
            "/nb/x/niva/kommune",
            Some("malgruppe=0-5"),
        );
        assert_eq!(chrome.switch_href, "/nn/x/niva/kommune?malgruppe=0-5");
        let root = Chrome::platform(Lang::Nn, String::new(), TextSize::Normal, "/ukjent", None);
        assert_eq!(root.switch_href, "/nb");
    }
}

/// A text that is a link when the model's link rule allows it, and plain text otherwise.
pub struct Linked {
    pub text: String,
    pub href: Option<String>,
}

impl Linked {
    pub fn email(email: &str) -> Linked {
        Linked {
            text: email.to_string(),
            href: rules::mailto_href(email),
        }
    }

    pub fn phone(phone: &str) -> Linked {
        Linked {
            text: phone.to_string(),
            href: rules::tel_href(phone),
        }
    }

    pub fn web(web: &str) -> Linked {
        Linked {
            text: web.to_string(),
            href: rules::web_href(web).map(str::to_string),
        }
    }
}

/// A service's contact details, with every link built by the model's link rule.
#[derive(Default)]
pub struct ContactView {
    pub phone: Option<Linked>,
    pub email: Option<Linked>,
    pub address: Option<String>,
    pub web: Option<Linked>,
}

impl ContactView {
    pub fn of(contact: Option<&Contact>) -> ContactView {
        let Some(c) = contact else {
            return ContactView::default();
        };
        ContactView {
            phone: c.phone.as_deref().map(Linked::phone),
            email: c.email.as_deref().map(Linked::email),
            address: c.address.clone(),
            web: c.web.as_deref().map(Linked::web),
        }
    }
}
