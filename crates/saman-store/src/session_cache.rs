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
//! session from the database (`Store::live_session`), and is not answered before this
//! instance has heard every change committed so far ([`Kept::hear_so_far`]; web:
//! `auth::session::load_session`). So a change made through an instance holds there at
//! once for everyone it touches: a person's own logout, and an account an
//! administrator deactivates. SQLite serves one process and reads a session in
//! microseconds: nothing is kept there.

use crate::{Account, LiveSession};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// The number of the last mark announced by [`Kept::hear_so_far`].
    marks_sent: AtomicU64,
    /// Wakes those waiting in [`Kept::hear_so_far`] when a mark is heard.
    mark_heard: tokio::sync::Notify,
}

#[derive(Default)]
struct State {
    /// Whether the listening connection is up: nothing is kept while it is not.
    listening: bool,
    /// Raised by every announcement and every change of `listening`.
    generation: u64,
    sessions: HashMap<String, KeptSession>,
    /// The highest of this instance's marks heard.
    mark_heard: u64,
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
        mut live: LiveSession,
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
        live.account = without_secrets(live.account);
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

    /// Whether this instance has heard every announcement committed before the call,
    /// within `wait`: it announces a mark of its own and waits to hear it, since a
    /// listener hears announcements in the order they were committed. False when it
    /// does not listen (for tests and checks: a change made just before may otherwise
    /// still be on its way).
    pub async fn hear_so_far(
        &self,
        pool: &sqlx::AnyPool,
        instance: &str,
        wait: Duration,
    ) -> sqlx::Result<bool> {
        if !self.listening() {
            return Ok(false);
        }
        let mark = self.marks_sent.fetch_add(1, Ordering::Relaxed) + 1;
        // Announcing the mark is within the wait too: a busy pool waits no longer.
        let heard = tokio::time::timeout(wait, async {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(format!("{}{MARK}{mark}", own_prefix(instance)))
                .execute(pool)
                .await?;
            loop {
                // Registered before the check, so a mark heard in between still wakes it.
                let woken = self.mark_heard.notified();
                tokio::pin!(woken);
                woken.as_mut().enable();
                if self.state().mark_heard >= mark {
                    return Ok(());
                }
                woken.await;
            }
        });
        match heard.await {
            Ok(sent) => sent.map(|()| true),
            Err(_) => Ok(false),
        }
    }
}

/// An account as kept: without its password hash and two-step secret, which only
/// requests that may change something use (and they read the database). One that is
/// there is kept as an empty marker, so that pages still show there is one; nothing
/// can be verified against it.
fn without_secrets(mut account: Account) -> Account {
    account.password_hash = account.password_hash.map(|_| String::new());
    account.totp_secret = account.totp_secret.map(|_| String::new());
    account
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Kept sessions")
    }
}

/// Listens for the announcements until `kept` is dropped, connecting again (at growing
/// intervals) whenever the connection fails or goes deaf. `options` are the store's own;
/// `pool` is the store's, for the heartbeats; `instance` names this instance's.
pub(crate) fn listen(
    kept: &Arc<Kept>,
    options: sqlx::postgres::PgConnectOptions,
    pool: sqlx::AnyPool,
    instance: &str,
) {
    let (stop, mut stopped) = tokio::sync::watch::channel(());
    {
        let mut running = kept.stop.lock().unwrap_or_else(|p| p.into_inner());
        if running.is_some() {
            return;
        }
        *running = Some(stop);
    }
    let kept: Weak<Kept> = Arc::downgrade(kept);
    let options = options.application_name(LISTENER_NAME);
    let heartbeat = own_prefix(instance);
    tokio::spawn(async move {
        let mut wait = Duration::from_millis(250);
        loop {
            let listened = tokio::select! {
                listened = listen_once(&kept, &options, &pool, &heartbeat) => listened,
                _ = stopped.changed() => return,
            };
            match listened {
                // It had been up: try again soon.
                Ok(()) => {
                    tracing::warn!("lost the connection that hears sessions' changes");
                    wait = Duration::from_millis(250);
                }
                Err(e) => tracing::warn!(error = %e, "could not listen for sessions' changes"),
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stopped.changed() => return,
            }
            wait = (wait * 2).min(MOST_BETWEEN_ATTEMPTS);
        }
    });
}

/// The start of a heartbeat's payload (an account's id is a UUID: never this), and of
/// a mark's; other instances ignore both.
const HEARTBEAT: &str = "heartbeat:";
/// After `heartbeat:<instance>:`, what makes it a mark ([`Kept::hear_so_far`]).
const MARK: &str = "mark:";

/// The start of the payloads only this instance reads: its heartbeats and its marks.
fn own_prefix(instance: &str) -> String {
    format!("{HEARTBEAT}{instance}:")
}
/// How often the listening connection is shown to work: a heartbeat is announced from
/// the store's pool, and must be heard before the next is due.
const BEAT_EVERY: Duration = Duration::from_secs(5);

/// While alive, sessions may be kept; dropped however listening ends (a lost or deaf
/// connection, the task cancelled), it forgets them all and keeps nothing.
struct Listening(Weak<Kept>);

impl Drop for Listening {
    fn drop(&mut self) {
        if let Some(kept) = self.0.upgrade() {
            kept.set_listening(false);
        }
    }
}

/// Connects, listens, and forgets what each announcement names, until the connection
/// fails or a heartbeat goes unheard (a connection dropped silently on the way, a pooler
/// that does not pass announcements on): `Ok` if it was listening, an error if it never
/// got that far.
async fn listen_once(
    kept: &Weak<Kept>,
    options: &sqlx::postgres::PgConnectOptions,
    pool: &sqlx::AnyPool,
    heartbeat: &str,
) -> sqlx::Result<()> {
    let own = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options.clone())
        .await?;
    let mut listener = sqlx::postgres::PgListener::connect_with(&own).await?;
    // A lost connection ends this attempt; the caller connects again.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    // From here every change is heard: sessions may be kept.
    let Some(listening) = kept.upgrade().map(|kept| {
        kept.set_listening(true);
        Listening(Arc::downgrade(&kept))
    }) else {
        return Ok(());
    };
    let mut beats = tokio::time::interval(BEAT_EVERY);
    beats.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let (mut sent, mut heard) = (0u64, 0u64);
    loop {
        tokio::select! {
            // Cancel-safe: a message is taken from the connection's buffer only whole.
            received = listener.try_recv() => {
                let Ok(Some(announcement)) = received else { break };
                let payload = announcement.payload();
                if let Some(beat) = payload.strip_prefix(heartbeat) {
                    match beat.strip_prefix(MARK) {
                        Some(mark) => {
                            let Some(kept) = listening.0.upgrade() else { break };
                            {
                                let mut state = kept.state();
                                state.mark_heard =
                                    state.mark_heard.max(mark.parse().unwrap_or(0));
                            }
                            kept.mark_heard.notify_waiters();
                        }
                        None => heard = heard.max(beat.parse().unwrap_or(0)),
                    }
                } else if !payload.starts_with(HEARTBEAT) {
                    let Some(kept) = listening.0.upgrade() else { break };
                    kept.forget(payload);
                }
            }
            _ = beats.tick() => {
                if heard < sent {
                    tracing::warn!("the connection that hears sessions' changes went deaf");
                    break;
                }
                sent += 1;
                let beat = sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(format!("{heartbeat}{sent}"))
                    .execute(pool);
                if !matches!(tokio::time::timeout(BEAT_EVERY, beat).await, Ok(Ok(_))) {
                    break;
                }
            }
        }
    }
    drop(listening);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Session;

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
    fn secrets_are_not_kept() {
        let kept = Kept::default();
        kept.set_listening(true);
        let mut session = live("a");
        session.account.password_hash = Some("$argon2id$v=19$...".into());
        session.account.totp_secret = Some("JBSWY3DPEHPK3PXP".into());
        let generation = kept.generation().unwrap();
        kept.keep(
            generation,
            "token-a".into(),
            session,
            OffsetDateTime::now_utc(),
        );
        let account = kept.get("token-a").unwrap().live.account;
        assert_eq!(account.password_hash.as_deref(), Some(""));
        assert_eq!(account.totp_secret.as_deref(), Some(""));
        assert!(account.has_two_step());
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
