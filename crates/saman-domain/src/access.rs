//! Who may do what: the one policy every handler asks. Roles are held per tenant (or on
//! the platform); a role that sees children's data counts only once the second login
//! step is done. Anything not allowed here is not allowed anywhere: pages answer it as
//! "not found", so nobody learns that a thing exists.

use std::fmt;

/// A person's role in a tenant, or on the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    PlatformAdmin,
    TenantAdmin,
    Editor,
    ServiceLeader,
    Employee,
    Guardian,
    Youth,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::PlatformAdmin,
        Role::TenantAdmin,
        Role::Editor,
        Role::ServiceLeader,
        Role::Employee,
        Role::Guardian,
        Role::Youth,
    ];

    /// The key used on the command line, in the database and in texts' ids.
    pub fn key(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform-admin",
            Role::TenantAdmin => "tenant-admin",
            Role::Editor => "editor",
            Role::ServiceLeader => "service-leader",
            Role::Employee => "employee",
            Role::Guardian => "guardian",
            Role::Youth => "youth",
        }
    }

    pub fn from_key(key: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == key)
    }

    pub fn keys() -> String {
        Role::ALL.map(Role::key).join(", ")
    }

    /// Roles that will see relay logs, or administer those who do, must use two-step
    /// login; editors may.
    pub fn requires_two_step(self) -> bool {
        matches!(
            self,
            Role::PlatformAdmin | Role::TenantAdmin | Role::ServiceLeader | Role::Employee
        )
    }

    /// Families log in with ID-porten, everyone else as staff.
    pub fn is_family(self) -> bool {
        matches!(self, Role::Guardian | Role::Youth)
    }

    /// The platform administrator's role is held on the platform, not in a tenant.
    pub fn is_platform(self) -> bool {
        self == Role::PlatformAdmin
    }

    /// Employees and service leaders belong to services.
    pub fn has_services(self) -> bool {
        matches!(self, Role::ServiceLeader | Role::Employee)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A role held in one tenant (by id), or on the platform (`tenant_id` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub tenant_id: Option<String>,
    pub role: Role,
}

/// How the person proved who they are in this session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assurance {
    /// A password only.
    Password,
    /// A password and a second step (TOTP or a recovery code), or a login the
    /// municipality's directory or ID-porten vouched for at a high level.
    Strong,
}

/// A signed-in person, as their session established them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account_id: String,
    pub grants: Vec<Grant>,
    pub assurance: Assurance,
}

/// What an actor may ask to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See their own start page in a tenant.
    EnterTenant,
    /// Invite people, give and take roles and services, deactivate accounts.
    ManageUsers,
    /// Read the tenant's audit log.
    ViewAudit,
    /// Edit the tenant's model.
    EditContent,
    /// See the model's items due for review and confirm them still correct (service
    /// leaders: the items their services own, see [`may_review_item`]).
    ReviewContent,
    /// Offer the tenant's model or guides to other tenants, and copy theirs in.
    ShareModel,
    /// See the figures of the work (aggregates only, small counts protected), export
    /// them, and see the surveys' results.
    ViewEvaluation,
    /// Administer the platform and read its audit log.
    ManagePlatform,
}

impl Actor {
    /// The roles that count in a tenant (or on the platform for `None`): those held
    /// there, less those that need a second step the session has not done.
    pub fn roles_in<'a>(&'a self, tenant_id: Option<&'a str>) -> impl Iterator<Item = Role> + 'a {
        self.grants
            .iter()
            .filter(move |g| g.tenant_id.as_deref() == tenant_id)
            .map(|g| g.role)
            .filter(|r| !r.requires_two_step() || self.assurance == Assurance::Strong)
    }

    fn has(&self, tenant_id: Option<&str>, roles: &[Role]) -> bool {
        self.roles_in(tenant_id).any(|r| roles.contains(&r))
    }

    /// Whether any role this person holds needs a second step that is not done.
    pub fn needs_second_step(&self) -> bool {
        self.assurance == Assurance::Password
            && self.grants.iter().any(|g| g.role.requires_two_step())
    }
}

/// The policy: whether `actor` may do `action` in the tenant `tenant_id` (`None` for
/// the platform).
pub fn may(actor: &Actor, action: Action, tenant_id: Option<&str>) -> bool {
    use Role::*;
    let platform_admin = actor.has(None, &[PlatformAdmin]);
    match (action, tenant_id) {
        (Action::ManagePlatform, None) => platform_admin,
        (Action::ManagePlatform, Some(_)) => false,
        (_, None) => false,
        (Action::EnterTenant, Some(t)) => actor.roles_in(Some(t)).next().is_some(),
        (Action::ManageUsers, Some(t)) => actor.has(Some(t), &[TenantAdmin]) || platform_admin,
        (Action::ViewAudit, Some(t)) => actor.has(Some(t), &[TenantAdmin]),
        (Action::EditContent, Some(t)) => actor.has(Some(t), &[TenantAdmin, Editor]),
        (Action::ShareModel, Some(t)) => actor.has(Some(t), &[TenantAdmin]),
        (Action::ViewEvaluation, Some(t)) => actor.has(Some(t), &[TenantAdmin, ServiceLeader]),
        (Action::ReviewContent, Some(t)) => {
            actor.has(Some(t), &[TenantAdmin, Editor, ServiceLeader])
        }
    }
}

/// Whether `actor` may confirm an item of tenant `tenant_id`, owned by the service
/// `owner`, still correct: the tenant's editors and administrators any item; a service
/// leader the items owned by a service they belong to (`services`).
pub fn may_review_item(
    actor: &Actor,
    tenant_id: &str,
    owner: Option<&str>,
    services: &[String],
) -> bool {
    if may(actor, Action::EditContent, Some(tenant_id)) {
        return true;
    }
    may(actor, Action::ReviewContent, Some(tenant_id))
        && owner.is_some_and(|o| services.iter().any(|s| s == o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(grants: &[(Option<&str>, Role)], assurance: Assurance) -> Actor {
        Actor {
            account_id: "a".into(),
            grants: grants
                .iter()
                .map(|(t, r)| Grant {
                    tenant_id: t.map(String::from),
                    role: *r,
                })
                .collect(),
            assurance,
        }
    }

    #[test]
    fn service_leaders_review_only_their_services_items() {
        let leader = actor(&[(Some("t1"), Role::ServiceLeader)], Assurance::Strong);
        let ppt = ["ppt".to_string()];
        assert!(may_review_item(&leader, "t1", Some("ppt"), &ppt));
        assert!(!may_review_item(&leader, "t1", Some("bup"), &ppt));
        assert!(!may_review_item(&leader, "t1", None, &ppt));
        assert!(!may_review_item(&leader, "t2", Some("ppt"), &ppt));
        let editor = actor(&[(Some("t1"), Role::Editor)], Assurance::Password);
        assert!(may_review_item(&editor, "t1", None, &[]));
        let employee = actor(&[(Some("t1"), Role::Employee)], Assurance::Strong);
        assert!(!may_review_item(&employee, "t1", Some("ppt"), &ppt));
        let unfinished = actor(&[(Some("t1"), Role::ServiceLeader)], Assurance::Password);
        assert!(!may_review_item(&unfinished, "t1", Some("ppt"), &ppt));
    }

    #[test]
    fn roles_count_only_in_their_own_tenant() {
        let admin = actor(&[(Some("t1"), Role::TenantAdmin)], Assurance::Strong);
        assert!(may(&admin, Action::ManageUsers, Some("t1")));
        assert!(!may(&admin, Action::ManageUsers, Some("t2")));
        assert!(!may(&admin, Action::ViewAudit, Some("t2")));
        assert!(!may(&admin, Action::ManagePlatform, None));
    }

    #[test]
    fn two_step_roles_count_only_after_the_second_step() {
        let admin = actor(&[(Some("t1"), Role::TenantAdmin)], Assurance::Password);
        assert!(admin.needs_second_step());
        assert!(!may(&admin, Action::ManageUsers, Some("t1")));
        assert!(!may(&admin, Action::EnterTenant, Some("t1")));
        let editor = actor(&[(Some("t1"), Role::Editor)], Assurance::Password);
        assert!(!editor.needs_second_step());
        assert!(may(&editor, Action::EditContent, Some("t1")));
        assert!(!may(&editor, Action::ManageUsers, Some("t1")));
    }

    #[test]
    fn families_and_employees_administer_nothing() {
        for role in [
            Role::Guardian,
            Role::Youth,
            Role::Employee,
            Role::ServiceLeader,
        ] {
            let a = actor(&[(Some("t1"), role)], Assurance::Strong);
            assert!(may(&a, Action::EnterTenant, Some("t1")));
            for action in [Action::ManageUsers, Action::ViewAudit, Action::EditContent] {
                assert!(!may(&a, action, Some("t1")), "{role} {action:?}");
            }
        }
    }

    #[test]
    fn the_platform_admin_manages_the_platform_and_users_but_reads_no_tenant_audit() {
        let p = actor(&[(None, Role::PlatformAdmin)], Assurance::Strong);
        assert!(may(&p, Action::ManagePlatform, None));
        assert!(may(&p, Action::ManageUsers, Some("t1")));
        assert!(!may(&p, Action::ViewAudit, Some("t1")));
        assert!(!may(&p, Action::EditContent, Some("t1")));
    }

    #[test]
    fn role_keys_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_key(role.key()), Some(role));
        }
        assert_eq!(Role::from_key("admin"), None);
    }
}
