//! What the audit log records: who, acting as what, did what, to what, from where,
//! with which outcome. The store chains the rows with hashes; this is the vocabulary.

/// An event in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    Login,
    LoginFailed,
    Logout,
    LogoutEverywhere,
    SessionExpired,
    TwoStepEnabled,
    TwoStepReset,
    RecoveryCodeUsed,
    RecoveryCodesRenewed,
    PasswordChanged,
    PasswordResetRequested,
    AccountCreated,
    RoleGranted,
    RoleRevoked,
    ServicesChanged,
    Invited,
    InviteAccepted,
    AccountDeactivated,
    AccountReactivated,
    SettingsChanged,
    RelayOpened,
    RelayRead,
    RelayEntryAdded,
    RelayConsentRequested,
    RelayConsentGiven,
    RelayConsentDeclined,
    RelayConsentWithdrawn,
    RelayParticipantAdded,
    RelayParticipantRemoved,
    RelayLevelChanged,
    RelayHandoverRequested,
    RelayHandoverAnswered,
    RelayMovedToPlan,
    RelayClosed,
    RelayFileRead,
    RelayAccessLogRead,
    /// A service leader's overview of their services' logs was read (counts, no log).
    RelayOverviewRead,
    RelayPurged,
    RelayDenied,
    /// Fictional relay log history was written into a demo tenant.
    DemoHistoryGenerated,
    /// A survey's content or state changed (never an answer: answers are anonymous).
    SurveySaved,
    /// The figures of the work were read: the dashboard, its CSV or the yearly report.
    FiguresRead,
    ContentSaved,
    ContentRestored,
    ContentPublished,
    ContentUnpublished,
    ContentDeleted,
    ModelImported,
    ContentReviewed,
    /// A model or guide was offered to, or withdrawn from, other tenants.
    SharingChanged,
    /// Objects were copied from another tenant's shared model.
    ContentCopied,
}

impl AuditAction {
    pub const ALL: [AuditAction; 51] = [
        AuditAction::Login,
        AuditAction::LoginFailed,
        AuditAction::Logout,
        AuditAction::LogoutEverywhere,
        AuditAction::SessionExpired,
        AuditAction::TwoStepEnabled,
        AuditAction::TwoStepReset,
        AuditAction::RecoveryCodeUsed,
        AuditAction::RecoveryCodesRenewed,
        AuditAction::PasswordChanged,
        AuditAction::PasswordResetRequested,
        AuditAction::AccountCreated,
        AuditAction::RoleGranted,
        AuditAction::RoleRevoked,
        AuditAction::ServicesChanged,
        AuditAction::Invited,
        AuditAction::InviteAccepted,
        AuditAction::AccountDeactivated,
        AuditAction::AccountReactivated,
        AuditAction::SettingsChanged,
        AuditAction::RelayOpened,
        AuditAction::RelayRead,
        AuditAction::RelayEntryAdded,
        AuditAction::RelayConsentRequested,
        AuditAction::RelayConsentGiven,
        AuditAction::RelayConsentDeclined,
        AuditAction::RelayConsentWithdrawn,
        AuditAction::RelayParticipantAdded,
        AuditAction::RelayParticipantRemoved,
        AuditAction::RelayLevelChanged,
        AuditAction::RelayHandoverRequested,
        AuditAction::RelayHandoverAnswered,
        AuditAction::RelayMovedToPlan,
        AuditAction::RelayClosed,
        AuditAction::RelayFileRead,
        AuditAction::RelayAccessLogRead,
        AuditAction::RelayOverviewRead,
        AuditAction::RelayPurged,
        AuditAction::RelayDenied,
        AuditAction::DemoHistoryGenerated,
        AuditAction::SurveySaved,
        AuditAction::FiguresRead,
        AuditAction::ContentSaved,
        AuditAction::ContentRestored,
        AuditAction::ContentPublished,
        AuditAction::ContentUnpublished,
        AuditAction::ContentDeleted,
        AuditAction::ModelImported,
        AuditAction::ContentReviewed,
        AuditAction::SharingChanged,
        AuditAction::ContentCopied,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AuditAction::Login => "login",
            AuditAction::LoginFailed => "login-failed",
            AuditAction::Logout => "logout",
            AuditAction::LogoutEverywhere => "logout-everywhere",
            AuditAction::SessionExpired => "session-expired",
            AuditAction::TwoStepEnabled => "two-step-enabled",
            AuditAction::TwoStepReset => "two-step-reset",
            AuditAction::RecoveryCodeUsed => "recovery-code-used",
            AuditAction::RecoveryCodesRenewed => "recovery-codes-renewed",
            AuditAction::PasswordChanged => "password-changed",
            AuditAction::PasswordResetRequested => "password-reset-requested",
            AuditAction::AccountCreated => "account-created",
            AuditAction::RoleGranted => "role-granted",
            AuditAction::RoleRevoked => "role-revoked",
            AuditAction::ServicesChanged => "services-changed",
            AuditAction::Invited => "invited",
            AuditAction::InviteAccepted => "invite-accepted",
            AuditAction::AccountDeactivated => "account-deactivated",
            AuditAction::AccountReactivated => "account-reactivated",
            AuditAction::SettingsChanged => "settings-changed",
            AuditAction::RelayOpened => "relay-opened",
            AuditAction::RelayRead => "relay-read",
            AuditAction::RelayEntryAdded => "relay-entry-added",
            AuditAction::RelayConsentRequested => "relay-consent-requested",
            AuditAction::RelayConsentGiven => "relay-consent-given",
            AuditAction::RelayConsentDeclined => "relay-consent-declined",
            AuditAction::RelayConsentWithdrawn => "relay-consent-withdrawn",
            AuditAction::RelayParticipantAdded => "relay-participant-added",
            AuditAction::RelayParticipantRemoved => "relay-participant-removed",
            AuditAction::RelayLevelChanged => "relay-level-changed",
            AuditAction::RelayHandoverRequested => "relay-handover-requested",
            AuditAction::RelayHandoverAnswered => "relay-handover-answered",
            AuditAction::RelayMovedToPlan => "relay-moved-to-plan",
            AuditAction::RelayClosed => "relay-closed",
            AuditAction::RelayFileRead => "relay-file-read",
            AuditAction::RelayAccessLogRead => "relay-access-log-read",
            AuditAction::RelayOverviewRead => "relay-overview-read",
            AuditAction::RelayPurged => "relay-purged",
            AuditAction::RelayDenied => "relay-denied",
            AuditAction::DemoHistoryGenerated => "demo-history-generated",
            AuditAction::SurveySaved => "survey-saved",
            AuditAction::FiguresRead => "figures-read",
            AuditAction::ContentSaved => "content-saved",
            AuditAction::ContentRestored => "content-restored",
            AuditAction::ContentPublished => "content-published",
            AuditAction::ContentUnpublished => "content-unpublished",
            AuditAction::ContentDeleted => "content-deleted",
            AuditAction::ModelImported => "model-imported",
            AuditAction::ContentReviewed => "content-reviewed",
            AuditAction::SharingChanged => "sharing-changed",
            AuditAction::ContentCopied => "content-copied",
        }
    }

    pub fn from_key(key: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.key() == key)
    }
}

/// How an audited attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }

    pub fn from_key(key: &str) -> Option<Outcome> {
        [Outcome::Success, Outcome::Failure]
            .into_iter()
            .find(|o| o.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::from_key(action.key()), Some(action));
        }
    }
}
