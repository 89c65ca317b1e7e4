//! Live sessions kept in memory, on PostgreSQL: a page view then costs no round trip
//! to read its session (the largest part of a page's work after the page's own data).
//!
//! Kept only while this instance hears every change: a connection of its own listens
//! on `saman_sessions`, where the database's triggers (migration 0016) announce, at
//! commit, the account of every changed session, account, role, or service, and ''
//! when a tenant's slug changes. An announcement forgets that account's sessions (or
//! all). While the listening connection is down nothing is kept, and what was kept is
//! forgotten. A read that began before an announcement is not kept ([`Kept::keep`]
//! compares generations), so a change cannot be undone by a read that was under way.
//!
//! So another instance's change (a logout, a role taken away, an account deactivated)
//! reaches this one as fast as PostgreSQL delivers an announcement: milliseconds. What
//! is kept is also read again after [`KEPT_FOR`], in case a connection fails silently.
//! Only pages are served from here: a request that may change something reads its
//! session from the database (`Store::live_session`), and this instance forgets the
//! account's kept sessions once it is answered (web: `auth::session::load_session`),
//! so a person's own logout holds at once. SQLite serves one process and reads a
//! session in microseconds: nothing is kept there.

use crate::LiveSession;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use time::OffsetDateTime;

/// The channel of the announcements (migration 0016).
pub(crate) const CHANNEL: &str = "saman_sessions";
/// The listening connection's name in `pg_stat_activity`.
pub(crate) const LISTENER_NAME: &str = "saman-sessions";
/// A kept session is read again from the database at the latest after this.
pub const KEPT_FOR: Duration = Duration::from_secs(60);
/// At most this many sessions are kept; when full, all are forgotten and kept anew.
const MOST_KEPT: usize = 20_000;
/// The longest wait between attempts to listen again.
const MOST_BETWEEN_ATTEMPTS: Duration = Duration::from_secs(30);

/// A session as kept: the session, when it ends at the latest, and when it was read.
#[derive(Clone)]
pub(crate) struct KeptSession {
    pub live: LiveSession,
    pub expires_at: OffsetDateTime,
    read_at: Instant,
}

/// The kept sessions, by the hash of their token.
#[derive(Default)]
pub(crate) struct Kept {
    state: Mutex<State>,
    /// Dropped with the store: ends the listening task.
    stop: Mutex<Option<tokio::sync::watch::Sender<()>>>,
}

#[derive(Default)]
struct State {
    /// Whether the listening connection is up: nothing is kept while it is not.
    listening: bool,
    /// Raised by every announcement and every change of `listening`.
    generation: u64,
    sessions: HashMap<String, KeptSession>,
}

impl Kept {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The session kept for a token's hash, if kept and read within [`KEPT_FOR`].
    pub fn get(&self, hash: &str) -> Option<KeptSession> {
        let state = self.state();
        if !state.listening {
            return None;
        }
        state
            .sessions
            .get(hash)
            .filter(|k| k.read_at.elapsed() < KEPT_FOR)
            .cloned()
    }

    /// What to pass to [`Kept::keep`] after a read that begins now; `None` when nothing
    /// may be kept.
    pub fn generation(&self) -> Option<u64> {
        let state = self.state();
        state.listening.then_some(state.generation)
    }

    /// Keeps a session read from the database, unless anything was announced (or the
    /// listening stopped) since the read began at `generation`.
    pub fn keep(
        &self,
        generation: u64,
        hash: String,
        live: LiveSession,
        expires_at: OffsetDateTime,
    ) {
        let mut state = self.state();
        if !state.listening || state.generation != generation {
            return;
        }
        if state.sessions.len() >= MOST_KEPT && !state.sessions.contains_key(&hash) {
            state.sessions.clear();
        }
        let read_at = Instant::now();
        state.sessions.insert(
            hash,
            KeptSession {
                live,
                expires_at,
                read_at,
            },
        );
    }

    /// Forgets the sessions of an account, or all for "".
    pub fn forget(&self, account_id: &str) {
        let mut state = self.state();
        state.generation += 1;
        if account_id.is_empty() {
            state.sessions.clear();
        } else {
            state
                .sessions
                .retain(|_, k| k.live.session.account_id != account_id);
        }
    }

    fn set_listening(&self, listening: bool) {
        let mut state = self.state();
        state.generation += 1;
        state.listening = listening;
        state.sessions.clear();
    }

    pub fn listening(&self) -> bool {
        self.state().listening
    }

    pub fn len(&self) -> usize {
        self.state().sessions.len()
    }
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kept sessions")
    }
}

/// Listens for the announcements until `kept` is dropped, connecting again (at growing
/// intervals) whenever the connection fails. `options` are the store's own.
pub(crate) fn listen(kept: &Arc<Kept>, options: sqlx::postgres::PgConnectOptions) {
    let (stop, mut stopped) = tokio::sync::watch::channel(());
    *kept.stop.lock().unwrap_or_else(|p| p.into_inner()) = Some(stop);
    let kept: Weak<Kept> = Arc::downgrade(kept);
    let options = options.application_name(LISTENER_NAME);
    tokio::spawn(async move {
        let mut wait = Duration::from_millis(250);
        loop {
            let listened = tokio::select! {
                listened = listen_once(&kept, &options) => listened,
                _ = stopped.changed() => return,
            };
            let Some(kept) = kept.upgrade() else { return };
            kept.set_listening(false);
            match listened {
                // It had been up: try again soon.
                Ok(()) => {
                    tracing::warn!("lost the connection that hears sessions' changes");
                    wait = Duration::from_millis(250);
                }
                Err(e) => tracing::warn!(error = %e, "could not listen for sessions' changes"),
            }
            drop(kept);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stopped.changed() => return,
            }
            wait = (wait * 2).min(MOST_BETWEEN_ATTEMPTS);
        }
    });
}

/// Connects, listens, and forgets what each announcement names, until the connection
/// fails: `Ok` if it was listening, an error if it never got that far.
async fn listen_once(
    kept: &Weak<Kept>,
    options: &sqlx::postgres::PgConnectOptions,
) -> sqlx::Result<()> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options.clone())
        .await?;
    let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
    // A lost connection ends this attempt; the caller connects again.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    // From here every change is heard: sessions may be kept.
    match kept.upgrade() {
        Some(kept) => kept.set_listening(true),
        None => return Ok(()),
    }
    while let Ok(Some(announcement)) = listener.try_recv().await {
        let Some(kept) = kept.upgrade() else {
            return Ok(());
        };
        kept.forget(announcement.payload());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Account, Session};

    fn live(account_id: &str) -> LiveSession {
        LiveSession {
            session: Session {
                id_hash: format!("hash-of-{account_id}"),
                account_id: account_id.into(),
                tenant_id: String::new(),
                complete: true,
                method: "password".into(),
                csrf_token: String::new(),
                created_at: String::new(),
                last_seen_at: String::new(),
                user_agent: String::new(),
            },
            account: Account {
                id: account_id.into(),
                email: None,
                name: "Test".into(),
                password_hash: None,
                language: saman_domain::Lang::Nb,
                totp_secret: None,
                totp_last_step: None,
                active: true,
            },
            grants: Vec::new(),
            tenant_slug: String::new(),
            pid_key: None,
            services: Vec::new(),
        }
    }

    fn keep(kept: &Kept, generation: u64, account_id: &str) {
        kept.keep(
            generation,
            format!("token-{account_id}"),
            live(account_id),
            OffsetDateTime::now_utc(),
        );
    }

    #[test]
    fn nothing_is_kept_unless_listening() {
        let kept = Kept::default();
        assert_eq!(kept.generation(), None);
        keep(&kept, 0, "a");
        assert_eq!(kept.len(), 0);
        kept.set_listening(true);
        let generation = kept.generation().unwrap();
        keep(&kept, generation, "a");
        assert!(kept.get("token-a").is_some());
        // Deaf again: all is forgotten, and nothing is given or kept.
        kept.set_listening(false);
        assert_eq!(kept.len(), 0);
        keep(&kept, generation, "a");
        assert!(kept.get("token-a").is_none());
    }

    #[test]
    fn a_read_under_way_at_an_announcement_is_not_kept() {
        let kept = Kept::default();
        kept.set_listening(true);
        let before = kept.generation().unwrap();
        // Announced while the read was under way, even of another account.
        kept.forget("b");
        keep(&kept, before, "a");
        assert_eq!(kept.len(), 0);
        keep(&kept, kept.generation().unwrap(), "a");
        assert_eq!(kept.len(), 1);
    }

    #[test]
    fn an_announcement_forgets_its_account_and_the_empty_one_all() {
        let kept = Kept::default();
        kept.set_listening(true);
        for account in ["a", "b", "c"] {
            keep(&kept, kept.generation().unwrap(), account);
        }
        kept.forget("b");
        assert!(kept.get("token-a").is_some());
        assert!(kept.get("token-b").is_none());
        assert!(kept.get("token-c").is_some());
        kept.forget("");
        assert_eq!(kept.len(), 0);
    }
}
