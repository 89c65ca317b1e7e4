//! Every address of the site, built in one place: a tenant's pages in one language,
//! and the platform's. Handlers and views ask here rather than writing paths.

use saman_domain::Lang;

/// The platform's front page in a language.
pub fn platform_front(lang: Lang) -> String {
    format!("/{lang}")
}

/// The platform administrator's page.
pub fn platform_admin(lang: Lang) -> String {
    format!("/{lang}/plattform")
}

/// The addresses of one tenant's site in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantUrls {
    base: String,
}

impl TenantUrls {
    pub fn new(lang: Lang, tenant_slug: &str) -> TenantUrls {
        TenantUrls {
            base: format!("/{lang}/{tenant_slug}"),
        }
    }

    /// The tenant's home page.
    pub fn home(&self) -> String {
        self.base.clone()
    }

    /// A path below the tenant's home, e.g. `at("/tjenester")`.
    pub fn at(&self, rest: &str) -> String {
        format!("{}{rest}", self.base)
    }

    pub fn item(&self, item: &str) -> String {
        self.at(&format!("/innhold/{item}"))
    }

    pub fn attachment(&self, item: &str, file: &str) -> String {
        self.at(&format!("/innhold/{item}/filer/{file}"))
    }

    pub fn level(&self, level_key: &str) -> String {
        self.at(&format!("/niva/{level_key}"))
    }

    pub fn guide(&self, guide: &str) -> String {
        self.at(&format!("/veileder/{guide}"))
    }

    pub fn form(&self, key: &str) -> String {
        self.at(&format!("/skjema/{key}"))
    }

    pub fn audience(&self, key: &str) -> String {
        self.at(&format!("/for/{key}"))
    }

    pub fn worry(&self) -> String {
        self.at("/bekymret")
    }

    pub fn services(&self) -> String {
        self.at("/tjenester")
    }

    pub fn login(&self) -> String {
        self.at("/logg-inn")
    }

    pub fn second_step(&self) -> String {
        self.at("/logg-inn/totrinn")
    }

    pub fn forgot_password(&self) -> String {
        self.at("/glemt-passord")
    }

    pub fn start(&self) -> String {
        self.at("/start")
    }

    pub fn account(&self) -> String {
        self.at("/konto")
    }

    pub fn admin_users(&self) -> String {
        self.at("/admin/brukere")
    }

    pub fn admin_user(&self, account_id: &str) -> String {
        self.at(&format!("/admin/brukere/{account_id}"))
    }

    /// "My logs": the relay logs a person takes part in.
    pub fn relay_list(&self) -> String {
        self.at("/stafettlogg")
    }

    /// A service leader's overview of their services, at `page` of its readable logs.
    pub fn relay_overview(&self, page: usize) -> String {
        match page {
            1 => self.at("/stafettlogg/oversikt"),
            n => self.at(&format!("/stafettlogg/oversikt?side={n}")),
        }
    }

    pub fn relay_new(&self) -> String {
        self.at("/stafettlogg/ny")
    }

    /// A relay log's page. The id is random and says nothing about the child.
    pub fn relay_log(&self, log_id: &str) -> String {
        self.at(&format!("/stafettlogg/{log_id}"))
    }

    pub fn relay_file(&self, log_id: &str, file_id: &str) -> String {
        self.at(&format!("/stafettlogg/{log_id}/filer/{file_id}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        let urls = TenantUrls::new(Lang::Nn, "lauvdal-strandheim");
        assert_eq!(urls.home(), "/nn/lauvdal-strandheim");
        assert_eq!(urls.item("ppt"), "/nn/lauvdal-strandheim/innhold/ppt");
        assert_eq!(
            urls.second_step(),
            "/nn/lauvdal-strandheim/logg-inn/totrinn"
        );
        assert_eq!(platform_admin(Lang::Nb), "/nb/plattform");
    }
}
