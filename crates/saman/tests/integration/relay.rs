//! The relay log over HTTP: opened by an employee, consented to by a guardian logged in
//! as a family, written in by a participant and by the youth, narrowed by withdrawal,
//! read in the access log; everyone else gets "not found"; every read is audited; and a
//! dump of the database holds none of the child's data.

use crate::common::*;
use crate::on_both_backends;
use saman_domain::access::Role;
use saman_store::{AuditContext, NewUser};

on_both_backends!(
    a_log_lives_by_consent_and_families_see_who_read_it,
    a_form_with_problems_comes_back_with_its_input,
    an_expired_or_withdrawn_consent_suspends_the_log_until_renewed,
    who_may_do_what_in_each_state_of_a_log,
    keys_rotate_seals_every_log_again,
    the_paper_path_prints_forms_and_logs,
    people_are_told_what_is_new_without_a_word_about_the_child,
    entries_written_at_once_each_take_their_own_place,
    a_service_leader_counts_the_services_logs_and_pages_those_it_reads
);

/// The child of these tests: fictional, with a synthetic identity number (14 years old
/// on 2026-11-26; Fjordvik's youth consent age is 16, so the guardian consents).
const CHILD_NAME: &str = "Ida Testesen";
const CHILD_PID: &str = "09831255029";
const CHILD_BIRTH: &str = "09.03.2012";
const GUARDIAN_PID: &str = "15898512379";
const CONCERN: &str = "Uro for skolefravær og søvnvansker hos Ida";
const GOAL: &str = "Ida skal trives og gå på skolen hver dag";
/// A service leader's overview of their services.
const OVERVIEW: &str = "/nb/fjordvik/stafettlogg/oversikt";

struct Actor {
    id: String,
    cookie: String,
}

/// A tenant of the demo, by its slug.
async fn tenant(app: &TestApp, slug: &str) -> saman_store::TenantRecord {
    app.store.tenant_by_slug(slug).await.unwrap().unwrap()
}

async fn staff(app: &TestApp, email: &str, role: Role, services: &[&str]) -> Actor {
    let record = tenant(app, "fjordvik").await;
    let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
    let id = app
        .store
        .add_user(
            &NewUser {
                email,
                name: &format!("Navn {email}"),
                language: saman_domain::Lang::Nb,
                password_hash: None,
                role,
                tenant: Some(&record.id),
                services: &services,
            },
            &AuditContext::command_line(Some(record.id.clone())),
        )
        .await
        .unwrap();
    let cookie = session_cookie(&app.store, &id, record.id.as_str()).await;
    Actor { id, cookie }
}

async fn family(app: &TestApp, pid: &str, name: &str, role: Role) -> Actor {
    let record = tenant(app, "fjordvik").await;
    let id = match app.store.account_by_pid(pid).await.unwrap() {
        Some(a) => a.id,
        None => app
            .store
            .create_pid_account(pid, name, saman_domain::Lang::Nb)
            .await
            .unwrap(),
    };
    app.store
        .grant_role(
            &id,
            &record.id,
            role,
            &AuditContext::command_line(Some(record.id.clone())),
        )
        .await
        .unwrap();
    let cookie = session_cookie(&app.store, &id, record.id.as_str()).await;
    Actor { id, cookie }
}

async fn get(app: &TestApp, who: &Actor, path: &str) -> (u16, String) {
    let response = app
        .client
        .get(format!("{}{path}", app.base))
        .header("cookie", &who.cookie)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// Posts a form as `who`, with their session's form token.
async fn post(
    app: &TestApp,
    who: &Actor,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let token = who.cookie.split('=').nth(1).unwrap();
    let csrf = app
        .store
        .session(token, Default::default())
        .await
        .unwrap()
        .unwrap()
        .csrf_token;
    let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf)];
    form.extend_from_slice(fields);
    let response = app
        .client
        .post(format!("{}{path}", app.base))
        .header("cookie", &who.cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

async fn count_audit(app: &TestApp, action: &str, actor: &str, log_id: &str) -> i64 {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = $1 AND actor_id = $2 AND target = $3",
    )
    .bind(action)
    .bind(actor)
    .bind(format!("relay:{log_id}"))
    .fetch_one(&mut conn)
    .await
    .unwrap()
}

async fn open_log(app: &TestApp, holder: &Actor) -> String {
    let (status, location, body) = post(
        app,
        holder,
        "/nb/fjordvik/stafettlogg/ny",
        &[
            ("child_name", CHILD_NAME),
            ("child_birth", CHILD_BIRTH),
            ("child_pid", CHILD_PID),
            ("guardian_1_name", "Hanne Haugland"),
            ("guardian_1_pid", GUARDIAN_PID),
            ("concern", CONCERN),
            ("level", "2"),
            ("holder_service", "skolene"),
            ("service", "skolene"),
            ("service", "ppt"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    location.rsplit('/').next().unwrap().to_string()
}

async fn a_log_lives_by_consent_and_families_see_who_read_it(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let holder = staff(&app, "laerer@test.example", Role::Employee, &["skolene"]).await;
    let ppt = staff(&app, "ppt@test.example", Role::Employee, &["ppt"]).await;
    let nav = staff(&app, "nav@test.example", Role::Employee, &["nav"]).await;
    let leader = staff(
        &app,
        "leder@test.example",
        Role::ServiceLeader,
        &["skolene"],
    )
    .await;
    // PPT's leader: PPT does not hold the log, but the consent is to cover it.
    let ppt_leader = staff(
        &app,
        "ppt-leder@test.example",
        Role::ServiceLeader,
        &["ppt"],
    )
    .await;
    let admin = staff(&app, "admin@test.example", Role::TenantAdmin, &[]).await;
    let guardian = family(&app, GUARDIAN_PID, "Hanne Haugland", Role::Guardian).await;
    let other_guardian = family(&app, "22881178986", "Marit Lien", Role::Guardian).await;
    // The youth's own account bears the child's name: it is sealed too.
    let youth = family(&app, CHILD_PID, CHILD_NAME, Role::Youth).await;

    // Opened: a draft, which only the holder reads, with the consent requested.
    let id = open_log(&app, &holder).await;
    let log = format!("/nb/fjordvik/stafettlogg/{id}");
    let (status, page) = get(&app, &holder, &log).await;
    assert_eq!(status, 200);
    assert!(
        page.contains(CHILD_NAME) && page.contains(CONCERN),
        "{page}"
    );
    assert!(page.contains("Venter på samtykke"));
    for (who, actor) in [
        ("ppt before consent", &ppt),
        ("nav", &nav),
        ("admin", &admin),
        ("another family", &other_guardian),
    ] {
        assert_eq!(get(&app, actor, &log).await.0, 404, "{who}");
    }
    // The leader of the holder's service sees that it exists (counted), not the child.
    let (_, overview) = get(&app, &leader, OVERVIEW).await;
    assert!(
        overview.contains("Logger i tjenesten din") && !overview.contains(CHILD_NAME),
        "{overview}"
    );
    assert_eq!(get(&app, &leader, &log).await.0, 404);
    let (_, overview) = get(&app, &ppt_leader, OVERVIEW).await;
    assert!(
        !overview.contains(&id),
        "only asked to cover PPT: {overview}"
    );
    // Nobody writes in a draft.
    let (status, _, _) = post(
        &app,
        &holder,
        &format!("{log}/innslag"),
        &[("kind", "goal"), ("text", GOAL)],
    )
    .await;
    assert_eq!(status, 404);

    // The guardian, logged in as a family, sees the request and consents.
    let (status, page) = get(&app, &guardian, &log).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Samtykke venter på deg") && page.contains("PPT"),
        "{page}"
    );
    let version = hidden(&page, "version");
    let (status, _, _) = post(
        &app,
        &other_guardian,
        &format!("{log}/samtykke/svar"),
        &[("version", &version), ("answer", "give")],
    )
    .await;
    assert_eq!(status, 404, "another family cannot consent");
    let (status, location, _) = post(
        &app,
        &guardian,
        &format!("{log}/samtykke/svar"),
        &[("version", &version), ("answer", "give")],
    )
    .await;
    assert_eq!(status, 303);
    assert!(location.ends_with("?lagret=consent"));
    // Replaying the same answer changes nothing.
    let (status, _, _) = post(
        &app,
        &guardian,
        &format!("{log}/samtykke/svar"),
        &[("version", &version), ("answer", "decline")],
    )
    .await;
    assert_eq!(status, 409);
    // Now covered, PPT's leader finds the log among the service's.
    let (_, overview) = get(&app, &ppt_leader, OVERVIEW).await;
    assert!(overview.contains(&id), "{overview}");

    // The holder adds the PPT employee, who writes a goal, a measure and an evaluation.
    let (status, _, body) = post(
        &app,
        &holder,
        &format!("{log}/deltakere"),
        &[("email", "nav@test.example"), ("can_write", "on")],
    )
    .await;
    assert_eq!(status, 422, "NAV is not covered by the consent");
    assert!(body.contains("Personen jobber ikke i en tjeneste samtykket omfatter"));
    let (status, _, _) = post(
        &app,
        &holder,
        &format!("{log}/deltakere"),
        &[("email", "ppt@test.example"), ("can_write", "on")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, _, _) = post(
        &app,
        &ppt,
        &format!("{log}/innslag"),
        &[("kind", "goal"), ("text", GOAL)],
    )
    .await;
    assert_eq!(status, 303);
    // Service slugs are a tenant's own: a service leader in Fjordvik who leads PPT only
    // in another tenant does not lead Fjordvik's PPT, and sees nothing of the log.
    let leader_elsewhere = staff(
        &app,
        "leder-annensteds@test.example",
        Role::ServiceLeader,
        &[],
    )
    .await;
    let lauvdal = tenant(&app, "lauvdal-strandheim").await;
    sqlx::query(
        "INSERT INTO account_services (account_id, tenant_id, service_slug) VALUES ($1, $2, 'ppt')",
    )
    .bind(&leader_elsewhere.id)
    .bind(lauvdal.id.as_str())
    .execute(app.store.pool())
    .await
    .unwrap();
    assert_eq!(get(&app, &leader_elsewhere, &log).await.0, 404);
    let (_, page) = get(&app, &ppt, &log).await;
    let goal_id = page
        .split("id=\"goal-")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (status, _, body) = post(
        &app,
        &ppt,
        &format!("{log}/innslag"),
        &[
            ("kind", "measure"),
            ("parent", &goal_id),
            ("text", "Samtaler med helsesykepleier hver uke"),
            ("responsible", "PPT"),
            ("starts_on", "2026-11-01"),
            ("evaluate_on", "2026-11-20"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, page) = get(&app, &holder, "/nb/fjordvik/stafettlogg").await;
    assert!(
        page.contains("én evaluering er forfalt"),
        "the overdue evaluation comes first: {page}"
    );
    let (_, page) = get(&app, &ppt, &log).await;
    let measure_id = page
        .split("<option value=\"")
        .filter(|s| !s.starts_with(&goal_id))
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let (status, _, body) = post(
        &app,
        &ppt,
        &format!("{log}/innslag"),
        &[
            ("kind", "evaluation"),
            ("parent", &measure_id),
            ("achieved", "partly"),
            ("text", "Ida sover bedre, men fraværet er som før"),
            ("next_step", "Møte med fastlegen"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, page) = get(&app, &guardian, &log).await;
    assert!(
        page.contains("Delvis nådd") && page.contains("Ida sover bedre"),
        "{page}"
    );
    // An author's name is shown as it is, whatever it holds (the entries are read as
    // JSON on both databases: the name must be escaped there, the other values need not).
    let rename = |name: &'static str| {
        sqlx::query("UPDATE accounts SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(&ppt.id)
            .execute(app.store.pool())
    };
    rename("Per \"PPT\" \\ Pedersen\n").await.unwrap();
    let (status, page) = get(&app, &guardian, &log).await;
    assert_eq!(status, 200);
    assert!(page.contains("Per &#34;PPT&#34; \\ Pedersen"), "{page}");
    rename("Navn ppt@test.example").await.unwrap();

    // The youth (14) writes in "my voice", and reads only that.
    let (status, _, _) = post(
        &app,
        &youth,
        &format!("{log}/innslag"),
        &[("kind", "voice"), ("text", "Jeg vil ha fri fra gym")],
    )
    .await;
    assert_eq!(status, 303);
    let (status, page) = get(&app, &youth, &log).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Jeg vil ha fri fra gym") && !page.contains(CONCERN) && !page.contains(GOAL),
        "{page}"
    );
    let (_, page) = get(&app, &holder, &log).await;
    assert!(page.contains("Med egne ord") && page.contains("Jeg vil ha fri fra gym"));
    // Families cannot write what is the professionals' (they write notes and their own
    // goals).
    let (status, _, _) = post(
        &app,
        &guardian,
        &format!("{log}/innslag"),
        &[("kind", "evaluation"), ("text", "x")],
    )
    .await;
    assert_eq!(status, 404);
    let (status, _, _) = post(
        &app,
        &youth,
        &format!("{log}/samtykke/trekk"),
        &[("scope", "all")],
    )
    .await;
    assert_eq!(status, 404, "the 14-year-old does not consent here");

    // The guardian withdraws consent for PPT: PPT's next request is not found.
    let (status, _, _) = post(
        &app,
        &guardian,
        &format!("{log}/samtykke/trekk"),
        &[("scope", "some"), ("service", "ppt")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(get(&app, &ppt, &log).await.0, 404);
    let (status, _, _) = post(
        &app,
        &ppt,
        &format!("{log}/innslag"),
        &[("kind", "note"), ("text", "x")],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        get(&app, &holder, &log).await.0,
        200,
        "the school is still covered"
    );

    // The access log shows the guardian who read what, on which basis.
    let (status, access) = get(&app, &guardian, &format!("{log}/tilgangslogg")).await;
    assert_eq!(status, 200);
    assert!(
        access.contains("Navn ppt@test.example (Pedagogisk-psykologisk tjeneste (PPT))"),
        "{access}"
    );
    assert!(access.contains("leste loggen") && access.contains("samtykke versjon 1"));
    assert!(
        access.contains("forsøkte å åpne loggen") && access.contains("ingen rett"),
        "refusals show too"
    );
    assert!(access.contains("trakk tilbake samtykke"));
    assert_eq!(get(&app, &ppt, &format!("{log}/tilgangslogg")).await.0, 404);
    assert_eq!(
        get(&app, &holder, &format!("{log}/tilgangslogg")).await.0,
        404
    );

    // The baton: only to someone the consent covers, only by the holder, and the
    // holder keeps it until the successor accepts.
    let colleague = staff(&app, "kollega@test.example", Role::Employee, &["skolene"]).await;
    let (status, _, body) = post(
        &app,
        &holder,
        &format!("{log}/stafett"),
        &[("email", "nav@test.example")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("Be om nytt samtykke som omfatter tjenesten først"),
        "{body}"
    );
    let (status, _, _) = post(
        &app,
        &colleague,
        &format!("{log}/stafett"),
        &[("email", "kollega@test.example")],
    )
    .await;
    assert_eq!(status, 404, "only the holder hands the baton on");
    let (status, _, _) = post(
        &app,
        &holder,
        &format!("{log}/stafett"),
        &[("email", "kollega@test.example")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get(&app, &holder, &log).await;
    assert!(
        page.contains("Stafetten er sendt til Navn kollega@test.example"),
        "{page}"
    );
    let (_, list) = get(&app, &colleague, "/nb/fjordvik/stafettlogg").await;
    assert!(
        list.contains("stafetten venter på deg") && list.contains(CHILD_NAME),
        "{list}"
    );
    let (status, page) = get(&app, &colleague, &log).await;
    assert_eq!(status, 200);
    assert!(page.contains("Ta imot stafetten"));
    let (status, _, _) = post(
        &app,
        &colleague,
        &format!("{log}/innslag"),
        &[("kind", "note"), ("text", "x")],
    )
    .await;
    assert_eq!(
        status, 404,
        "the successor writes only once they hold the baton"
    );
    let (status, _, _) = post(
        &app,
        &colleague,
        &format!("{log}/stafett/svar"),
        &[("answer", "accept")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get(&app, &colleague, &log).await;
    assert!(
        page.contains("Navn laerer@test.example → Navn kollega@test.example"),
        "the holder's history is in the log: {page}"
    );
    let (status, _, _) = post(
        &app,
        &colleague,
        &format!("{log}/stafett/svar"),
        &[("answer", "accept")],
    )
    .await;
    assert_eq!(status, 404, "an answered handover cannot be answered again");
    assert_eq!(
        get(&app, &holder, &log).await.0,
        200,
        "the former holder takes part still"
    );
    let new_holder = colleague;

    // The move to an individual plan needs a consent that covers it.
    let coordinator = staff(
        &app,
        "koordinator@test.example",
        Role::Employee,
        &["koordinerende-enhet"],
    )
    .await;
    // The form is on a page of its own, which the log page links to; showing it (with
    // the child's name) is a read of the log, in the audit log like any other.
    let (_, page) = get(&app, &new_holder, &log).await;
    assert!(
        page.contains(&format!("href=\"{log}/individuell-plan\"")),
        "{page}"
    );
    let reads_before = count_audit(&app, "relay-read", &new_holder.id, &id).await;
    let (status, page) = get(&app, &new_holder, &format!("{log}/individuell-plan")).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"plan-email\""), "{page}");
    assert_eq!(
        count_audit(&app, "relay-read", &new_holder.id, &id).await,
        reads_before + 1
    );
    let revision = hidden(&page, "revision");
    // A level set on a log that changed since its page was shown: a conflict, on the
    // level's page, announced as a problem, with the choice kept.
    let stale = (revision.parse::<i64>().unwrap() - 1).to_string();
    let (status, _, body) = post(
        &app,
        &new_holder,
        &format!("{log}/niva"),
        &[("revision", &stale), ("level", "3")],
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        body.contains(
            "data-color=\"danger\" role=\"alert\"><p class=\"ds-paragraph\">Loggen ble endret av noen andre"
        ) && body.contains("value=\"3\" checked"),
        "{body}"
    );
    // Where a form comes back is the handler's to say, never the posted form's: an
    // entry posted with an action's name as its kind comes back on the log page.
    let (status, _, body) = post(
        &app,
        &new_holder,
        &format!("{log}/innslag"),
        &[("kind", "plan"), ("email", "koordinator@test.example")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body.contains(GOAL) && !body.contains("id=\"plan-email\""),
        "{body}"
    );
    let (status, _, body) = post(
        &app,
        &new_holder,
        &format!("{log}/individuell-plan"),
        &[
            ("revision", &revision),
            ("email", "koordinator@test.example"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("omfatter ikke individuell plan"), "{body}");
    let (status, _, _) = post(
        &app,
        &new_holder,
        &format!("{log}/samtykke"),
        &[
            ("service", "skolene"),
            ("service", "koordinerende-enhet"),
            ("covers", "Samarbeid om Ida, også i en individuell plan"),
            ("covers_plan", "on"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get(&app, &guardian, &log).await;
    let version = hidden(&page, "version");
    let (status, _, _) = post(
        &app,
        &guardian,
        &format!("{log}/samtykke/svar"),
        &[("version", &version), ("answer", "give")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get(&app, &new_holder, &format!("{log}/individuell-plan")).await;
    let revision = hidden(&page, "revision");
    let (status, _, body) = post(
        &app,
        &new_holder,
        &format!("{log}/individuell-plan"),
        &[
            ("revision", &revision),
            ("email", "koordinator@test.example"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    // Sent again (the back button): a plan is no longer moved to a plan, so its page is
    // gone, and the problem comes back on the log page.
    let (status, _, body) = post(
        &app,
        &new_holder,
        &format!("{log}/individuell-plan"),
        &[
            ("revision", &revision),
            ("email", "koordinator@test.example"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("Loggen er allerede en individuell plan") && body.contains(GOAL),
        "{body}"
    );
    // Its problem is the page's message, announced as one: the form's fields are not
    // there to link to.
    assert!(
        body.contains("data-color=\"danger\" role=\"alert\"") && !body.contains("href=\"#plan-"),
        "{body}"
    );
    assert_eq!(
        get(&app, &new_holder, &format!("{log}/individuell-plan"))
            .await
            .0,
        404
    );
    let (status, page) = get(&app, &coordinator, &log).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Individuell plan") && page.contains(GOAL),
        "the history carries over"
    );
    // The coordinator finds the plan among their own logs.
    let (_, list) = get(&app, &coordinator, "/nb/fjordvik/stafettlogg").await;
    assert!(list.contains(CHILD_NAME), "{list}");
    assert!(
        page.contains("Mangler:</strong> barnets og familiens egne mål"),
        "{page}"
    );
    // The coordinator manages the plan, but only the holder hands over the baton: the
    // refusal is audited like any other.
    let denied_before = count_audit(&app, "relay-denied", &coordinator.id, &id).await;
    let (status, _, _) = post(
        &app,
        &coordinator,
        &format!("{log}/stafett"),
        &[("email", "ppt@test.example")],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        count_audit(&app, "relay-denied", &coordinator.id, &id).await,
        denied_before + 1
    );
    let (status, _, _) = post(
        &app,
        &guardian,
        &format!("{log}/innslag"),
        &[("kind", "goal"), ("text", "At Ida har en venn på skolen")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get(&app, &coordinator, &log).await;
    assert!(page.contains("✓ barnets og familiens egne mål"));

    // Closing makes a PDF/A for the child's file, with its checksum in the metadata.
    let (status, _, body) = post(
        &app,
        &new_holder,
        &format!("{log}/avslutt"),
        &[("note", "Ida trives")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("Velg grunnen til at loggen avsluttes") && body.contains("Ida trives"));
    let (status, _, _) = post(
        &app,
        &new_holder,
        &format!("{log}/avslutt"),
        &[
            ("reason", "goal-reached"),
            ("note", "Ida trives og går på skolen"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let archive = app
        .client
        .get(format!("{}{log}/arkiv", app.base))
        .header("cookie", &new_holder.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(archive.status(), 200);
    assert_eq!(archive.headers()["content-type"], "application/pdf");
    let pdf = archive.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-") && String::from_utf8_lossy(&pdf).contains("pdfaid:part"));
    let (status, meta) = get(&app, &guardian, &format!("{log}/arkiv.json")).await;
    assert_eq!(status, 200);
    let meta: serde_json::Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(
        meta["document"]["sha256"],
        saman_domain::auth::secret::sha256_hex(&pdf)
    );
    assert_eq!(meta["child"]["name"], CHILD_NAME);
    assert_eq!(meta["close_reason"], "goal-reached");
    let (_, page) = get(&app, &guardian, &log).await;
    assert!(
        page.contains("Loggen ble avsluttet") && !page.contains("name=\"kind\""),
        "read only"
    );
    let (status, _, _) = post(
        &app,
        &new_holder,
        &format!("{log}/innslag"),
        &[("kind", "note"), ("text", "x")],
    )
    .await;
    assert_eq!(status, 404, "a closed log takes nothing more");
    assert_eq!(get(&app, &ppt, &format!("{log}/arkiv")).await.0, 404);
    assert_eq!(get(&app, &admin, &format!("{log}/arkiv.json")).await.0, 404);
    // Withdrawing the consent of a closed log ends the professionals' reading of it.
    assert_eq!(get(&app, &new_holder, &log).await.0, 200);
    let (status, _, _) = post(
        &app,
        &guardian,
        &format!("{log}/samtykke/trekk"),
        &[("scope", "all")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(get(&app, &new_holder, &format!("{log}/arkiv")).await.0, 404);
    assert_eq!(get(&app, &coordinator, &log).await.0, 404);
    assert_eq!(
        get(&app, &guardian, &format!("{log}/arkiv")).await.0,
        200,
        "the family keeps it"
    );

    // Every page view of the log is one audited read.
    let ppt_reads = count_audit(&app, "relay-read", &ppt.id, &id).await;
    assert_eq!(ppt_reads, 2, "PPT opened the log page twice while covered");
    assert!(count_audit(&app, "relay-denied", &nav.id, &id).await >= 1);
    assert_eq!(count_audit(&app, "relay-read", &admin.id, &id).await, 0);
    assert_eq!(app.store.verify_audit(None).await.unwrap(), None);

    // After the retention period, `saman purge` leaves no row of the log behind, and
    // records that it deleted it (by its id alone).
    {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
        sqlx::query("UPDATE relay_logs SET purge_after = '2000-01-01T00:00:00Z' WHERE id = $1")
            .bind(&id)
            .execute(&mut conn)
            .await
            .unwrap();
        // The log's sealed values open with the key still in use: none may be left in
        // the database's files either (SQLite's log file keeps old page images).
        let mut sealed: Vec<String> =
            sqlx::query_scalar("SELECT body FROM relay_entries WHERE log_id = $1")
                .bind(&id)
                .fetch_all(&mut conn)
                .await
                .unwrap();
        sealed.push(
            sqlx::query_scalar("SELECT child FROM relay_logs WHERE id = $1")
                .bind(&id)
                .fetch_one(&mut conn)
                .await
                .unwrap(),
        );
        assert!(sealed.len() > 3, "the log has entries");
        let purged = run_saman(&app.db, &["purge"], None);
        assert!(purged.status.success(), "{purged:?}");
        assert!(String::from_utf8_lossy(&purged.stdout).contains("Slettet 1"));
        let files = database_text(&app, backend).await;
        for value in &sealed {
            assert!(
                !files.contains(value.as_str()),
                "a sealed value of the purged log is left"
            );
        }
        // Every table that holds rows of a log, found by its `log_id` column, so that a
        // table added later is checked too.
        let by_log = tables_with_column(&mut conn, backend, "log_id").await;
        for table in ["relay_entries", "relay_consents", "relay_notifications"] {
            assert!(by_log.contains(&table.to_string()), "{table} in {by_log:?}");
        }
        for table in std::iter::once("relay_logs").chain(by_log.iter().map(String::as_str)) {
            let column = if table == "relay_logs" {
                "id"
            } else {
                "log_id"
            };
            let left: i64 =
                sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1"))
                    .bind(&id)
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            assert_eq!(left, 0, "{table}");
        }
        let purges: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'relay-purged' AND target = $1 AND details = ''",
        )
        .bind(format!("relay:{id}"))
        .fetch_one(&mut conn)
        .await
        .unwrap();
        assert_eq!(purges, 1);
    }
    assert_eq!(get(&app, &guardian, &log).await.0, 404);
    assert_eq!(app.store.verify_audit(None).await.unwrap(), None);

    // The database holds none of the child's data in the clear.
    let dump = database_text(&app, backend).await;
    for secret in [
        CHILD_NAME,
        CHILD_PID,
        GUARDIAN_PID,
        CONCERN,
        GOAL,
        "Jeg vil ha fri fra gym",
        "Ida sover bedre",
        "Ida trives og går på skolen",
        "At Ida har en venn på skolen",
    ] {
        assert!(
            !dump.contains(secret),
            "{secret} is in the database in the clear"
        );
    }
    assert!(dump.contains("relay:"), "the dump is real");
}

/// The tables with a column of that name.
async fn tables_with_column(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    column: &str,
) -> Vec<String> {
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c \
             WHERE m.type = 'table' AND c.name = $1 ORDER BY m.name"
        }
        Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND column_name = $1 ORDER BY table_name"
        }
    };
    sqlx::query_scalar(sql)
        .bind(column)
        .fetch_all(conn)
        .await
        .unwrap()
}

/// Everything the database holds, as text: the SQLite files' bytes (with the
/// write-ahead log), or every row of every table of the PostgreSQL database.
async fn database_text(app: &TestApp, backend: Backend) -> String {
    match backend {
        Backend::Sqlite => {
            let path = app.db.url.trim_start_matches("sqlite:").to_string();
            let mut bytes = std::fs::read(&path).unwrap();
            bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap();
            let mut out = String::new();
            for table in tables {
                let rows: Vec<String> =
                    sqlx::query_scalar(&format!("SELECT t::text FROM {table} t"))
                        .fetch_all(&mut conn)
                        .await
                        .unwrap();
                out.push_str(&rows.join("\n"));
            }
            out
        }
    }
}

async fn a_form_with_problems_comes_back_with_its_input(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let holder = staff(&app, "laerer@test.example", Role::Employee, &["skolene"]).await;
    let guardian_only = family(&app, GUARDIAN_PID, "Hanne Haugland", Role::Guardian).await;
    let (status, _, body) = post(
        &app,
        &holder,
        "/nb/fjordvik/stafettlogg/ny",
        &[
            ("child_name", "Ola Uklar"),
            ("child_birth", "30.02.2012"),
            ("child_pid", "12345678901"),
            ("concern", "Bekymring som skal stå igjen"),
            ("level", "7"),
            ("holder_service", "nav"),
            ("service", "finnes-ikke"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    for message in [
        "Skriv en gyldig dato",
        "Fødselsnummeret er ikke gyldig",
        "Velg nivå 1, 2 eller 3",
        "Velg en av tjenestene du jobber i",
        "Velg bare tjenester i kommunens modell",
    ] {
        assert!(body.contains(message), "{message}: {body}");
    }
    assert!(body.contains("value=\"Ola Uklar\"") && body.contains("Bekymring som skal stå igjen"));
    assert!(
        body.contains("href=\"#child-birth\""),
        "the summary links to the field"
    );
    // Only professionals open logs.
    assert_eq!(
        get(&app, &guardian_only, "/nb/fjordvik/stafettlogg/ny")
            .await
            .0,
        404
    );
    let (status, _, _) = post(
        &app,
        &guardian_only,
        "/nb/fjordvik/stafettlogg/ny",
        &[("child_name", "x")],
    )
    .await;
    assert_eq!(status, 404);

    // A measure with problems keeps what was typed, and saves nothing.
    let id = open_log(&app, &holder).await;
    let log = format!("/nb/fjordvik/stafettlogg/{id}");
    let (status, _, body) = post(
        &app,
        &holder,
        &format!("{log}/innslag"),
        &[("kind", "goal"), ("text", GOAL)],
    )
    .await;
    assert_eq!(status, 404, "a draft takes no entries: {body}");
    // A forged form (no token) is refused.
    let response = app
        .client
        .post(format!("{}{log}/innslag", app.base))
        .header("cookie", &holder.cookie)
        .form(&[("kind", "goal"), ("text", GOAL)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // An anonymous visitor is sent to the login page, from every relay address.
    for path in [
        "/nb/fjordvik/stafettlogg".to_string(),
        "/nn/fjordvik/stafettlogg/ny".to_string(),
        log.clone(),
        format!("{log}/tilgangslogg"),
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "{path}");
        assert!(
            response.headers()["location"]
                .to_str()
                .unwrap()
                .ends_with("/fjordvik/logg-inn")
        );
    }
    let response = app
        .client
        .post(format!("{}{log}/samtykke/svar", app.base))
        .form(&[("version", "1"), ("answer", "give")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        303,
        "an anonymous answer goes to the login page"
    );
    // Unknown and malformed ids are simply not there.
    assert_eq!(
        get(&app, &holder, "/nb/fjordvik/stafettlogg/finnes-ikke")
            .await
            .0,
        404
    );
    assert_eq!(
        get(
            &app,
            &holder,
            &format!("/nb/lauvdal-strandheim/stafettlogg/{id}")
        )
        .await
        .0,
        404
    );
}

async fn an_expired_or_withdrawn_consent_suspends_the_log_until_renewed(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let holder = staff(&app, "laerer@test.example", Role::Employee, &["skolene"]).await;
    let ppt = staff(&app, "ppt@test.example", Role::Employee, &["ppt"]).await;
    let guardian = family(&app, GUARDIAN_PID, "Hanne Haugland", Role::Guardian).await;
    let id = open_log(&app, &holder).await;
    let log = format!("/nb/fjordvik/stafettlogg/{id}");
    let give = |version: String| {
        let (app, guardian, log) = (&app, &guardian, log.clone());
        async move {
            let (status, _, _) = post(
                app,
                guardian,
                &format!("{log}/samtykke/svar"),
                &[("version", &version), ("answer", "give")],
            )
            .await;
            assert_eq!(status, 303);
        }
    };
    give("1".into()).await;
    post(
        &app,
        &holder,
        &format!("{log}/deltakere"),
        &[("email", "ppt@test.example")],
    )
    .await;
    post(
        &app,
        &holder,
        &format!("{log}/innslag"),
        &[("kind", "goal"), ("text", GOAL)],
    )
    .await;
    assert_eq!(get(&app, &ppt, &log).await.0, 200);

    // The consent ends: every service is suspended; the holder sees only whom to ask.
    {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
        sqlx::query("UPDATE relay_consents SET ends_on = '2020-01-01' WHERE log_id = $1")
            .bind(&id)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    assert_eq!(get(&app, &ppt, &log).await.0, 404);
    let (status, page) = get(&app, &holder, &log).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Tilgangen til innholdet er stengt") && page.contains("Utløpt"),
        "{page}"
    );
    assert!(
        !page.contains(GOAL) && !page.contains(CONCERN),
        "no content while suspended"
    );
    let (status, _, _) = post(
        &app,
        &holder,
        &format!("{log}/innslag"),
        &[("kind", "note"), ("text", "x")],
    )
    .await;
    assert_eq!(status, 404);
    // Renewed digitally: no paper again.
    let (status, _, _) = post(
        &app,
        &holder,
        &format!("{log}/samtykke"),
        &[
            ("service", "skolene"),
            ("service", "ppt"),
            ("covers", "Fornyet samarbeid"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    give("2".into()).await;
    let (_, page) = get(&app, &ppt, &log).await;
    assert!(page.contains(GOAL), "access is back for the services named");

    // Withdrawn in full: the same, until the holder closes the log.
    let (status, _, _) = post(
        &app,
        &guardian,
        &format!("{log}/samtykke/trekk"),
        &[("scope", "all")],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(get(&app, &ppt, &log).await.0, 404);
    let (_, page) = get(&app, &holder, &log).await;
    assert!(page.contains("Tilgangen til innholdet er stengt") && !page.contains(GOAL));
    let (status, _, _) = post(
        &app,
        &holder,
        &format!("{log}/avslutt"),
        &[
            ("reason", "consent-withdrawn"),
            ("note", "Familien trakk samtykket"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(
        get(&app, &holder, &format!("{log}/arkiv")).await.0,
        404,
        "the archive is for those who read the log"
    );
    assert_eq!(get(&app, &guardian, &format!("{log}/arkiv")).await.0, 200);
}

/// Every kind of person × every state a log can be in × what they try: the expected
/// answer for each cell. What someone may not do is "not found"; an anonymous visitor
/// is sent to the login page.
async fn who_may_do_what_in_each_state_of_a_log(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let fjordvik = tenant(&app, "fjordvik").await;
    let lauvdal = tenant(&app, "lauvdal-strandheim").await;
    let holder = staff(&app, "laerer@test.example", Role::Employee, &["skolene"]).await;
    let ppt = staff(&app, "ppt@test.example", Role::Employee, &["ppt"]).await;
    let school_leader = staff(
        &app,
        "rektor@test.example",
        Role::ServiceLeader,
        &["skolene"],
    )
    .await;
    let health_leader = staff(
        &app,
        "helse@test.example",
        Role::ServiceLeader,
        &["helsestasjon"],
    )
    .await;
    let admin = staff(&app, "admin@test.example", Role::TenantAdmin, &[]).await;
    let guardian = family(&app, GUARDIAN_PID, "Hanne Haugland", Role::Guardian).await;
    let other_guardian = family(&app, "22881178986", "Marit Lien", Role::Guardian).await;
    let youth = family(&app, CHILD_PID, "Ida T.", Role::Youth).await;
    let platform_id = add_person(
        &app.store,
        None,
        "plattform@test.example",
        Role::PlatformAdmin,
    )
    .await;
    let platform = Actor {
        cookie: session_cookie(&app.store, &platform_id, fjordvik.id.as_str()).await,
        id: platform_id,
    };
    let elsewhere_id = add_person(
        &app.store,
        Some("lauvdal-strandheim"),
        "annen@test.example",
        Role::Employee,
    )
    .await;
    let elsewhere = Actor {
        cookie: session_cookie(&app.store, &elsewhere_id, lauvdal.id.as_str()).await,
        id: elsewhere_id,
    };
    let anonymous = Actor {
        id: String::new(),
        cookie: String::new(),
    };

    let answer = |id: String, how: &'static str| {
        let (app, guardian) = (&app, &guardian);
        async move {
            let log = format!("/nb/fjordvik/stafettlogg/{id}");
            let (status, _, _) = post(
                app,
                guardian,
                &format!("{log}/samtykke/svar"),
                &[("version", "1"), ("answer", how)],
            )
            .await;
            assert_eq!(status, 303);
        }
    };
    let active = || async {
        let id = open_log(&app, &holder).await;
        answer(id.clone(), "give").await;
        let (status, _, _) = post(
            &app,
            &holder,
            &format!("/nb/fjordvik/stafettlogg/{id}/deltakere"),
            &[("email", "ppt@test.example"), ("can_write", "on")],
        )
        .await;
        assert_eq!(status, 303);
        id
    };
    let sql = |statement: &'static str, id: String| {
        let url = app.db.url.clone();
        async move {
            use sqlx::Connection;
            let mut conn = sqlx::AnyConnection::connect(&url).await.unwrap();
            sqlx::query(statement)
                .bind(id)
                .execute(&mut conn)
                .await
                .unwrap();
        }
    };
    let mut states: Vec<(&str, String)> = Vec::new();
    let draft = open_log(&app, &holder).await;
    answer(draft.clone(), "decline").await;
    states.push(("draft", draft));
    states.push(("awaiting", open_log(&app, &holder).await));
    states.push(("active", active().await));
    let expired = active().await;
    sql(
        "UPDATE relay_consents SET ends_on = '2020-01-01' WHERE log_id = $1",
        expired.clone(),
    )
    .await;
    states.push(("expired", expired));
    let narrowed = active().await;
    let (status, _, _) = post(
        &app,
        &guardian,
        &format!("/nb/fjordvik/stafettlogg/{narrowed}/samtykke/trekk"),
        &[("scope", "some"), ("service", "ppt")],
    )
    .await;
    assert_eq!(status, 303);
    states.push(("withdrawn-ppt", narrowed));
    let closed = active().await;
    let (status, _, _) = post(
        &app,
        &holder,
        &format!("/nb/fjordvik/stafettlogg/{closed}/avslutt"),
        &[("reason", "goal-reached"), ("note", "Ferdig")],
    )
    .await;
    assert_eq!(status, 303);
    states.push(("closed", closed));
    let purged = active().await;
    let (status, _, _) = post(
        &app,
        &holder,
        &format!("/nb/fjordvik/stafettlogg/{purged}/avslutt"),
        &[("reason", "moved-away"), ("note", "Flyttet")],
    )
    .await;
    assert_eq!(status, 303);
    sql(
        "UPDATE relay_logs SET purge_after = '2000-01-01T00:00:00Z' WHERE id = $1",
        purged.clone(),
    )
    .await;
    assert_eq!(
        saman_relay::Relay::new(app.store.clone())
            .purge_due()
            .await
            .unwrap(),
        1
    );
    states.push(("purged", purged));

    let actors: [(&str, &Actor); 12] = [
        ("holder", &holder),
        ("ppt", &ppt),
        ("school-leader", &school_leader),
        ("health-leader", &health_leader),
        ("guardian", &guardian),
        ("other-guardian", &other_guardian),
        ("youth", &youth),
        ("tenant-admin", &admin),
        ("platform-admin", &platform),
        ("other-tenant", &elsewhere),
        ("anonymous", &anonymous),
        ("ppt-nn", &ppt),
    ];
    for (state, id) in &states {
        for (who, actor) in actors {
            let lang = if who.ends_with("-nn") { "nn" } else { "nb" };
            let who = who.trim_end_matches("-nn");
            let log = format!("/{lang}/fjordvik/stafettlogg/{id}");
            for action in [
                "read",
                "access-log",
                "note",
                "archive",
                "consent-page",
                "level-page",
                "close-page",
                "handover-page",
                "plan-page",
            ] {
                let expected = expected(who, state, action);
                let status = if actor.cookie.is_empty() {
                    let request = if action == "note" {
                        app.client
                            .post(format!("{}{log}/innslag", app.base))
                            .form(&[("kind", "note"), ("text", "x")])
                    } else {
                        app.client
                            .get(format!("{}{log}{}", app.base, path_of(action)))
                    };
                    request.send().await.unwrap().status().as_u16()
                } else if action == "note" {
                    post(
                        &app,
                        actor,
                        &format!("{log}/innslag"),
                        &[("kind", "note"), ("text", "Et notat")],
                    )
                    .await
                    .0
                } else {
                    get(&app, actor, &format!("{log}{}", path_of(action)))
                        .await
                        .0
                };
                assert_eq!(status, expected, "{who} {action} on a log that is {state}");
            }
        }
    }
}

fn path_of(action: &str) -> &'static str {
    match action {
        "access-log" => "/tilgangslogg",
        "archive" => "/arkiv",
        // The pages of their own for what is done seldom.
        "consent-page" => "/samtykke",
        "level-page" => "/niva",
        "close-page" => "/avslutt",
        "handover-page" => "/stafett",
        "plan-page" => "/individuell-plan",
        _ => "",
    }
}

/// The expected answer in each cell: 200 (or 303 for a form that saved), 404, or 303
/// to the login page for an anonymous visitor.
fn expected(who: &str, state: &str, action: &str) -> u16 {
    const OK: u16 = 200;
    const SAVED: u16 = 303;
    const NO: u16 = 404;
    if who == "anonymous" {
        return 303;
    }
    if state == "purged" {
        return NO;
    }
    let active = matches!(state, "active" | "withdrawn-ppt");
    match (who, action) {
        ("holder", "read") => OK,
        ("holder", "note") if active => SAVED,
        ("holder", "archive") if state == "closed" => OK,
        // The holder asks for consent and closes whatever the consent says, until
        // closed; manages the log only while the consent covers the holder's service.
        ("holder", "consent-page" | "close-page") if state != "closed" => OK,
        ("holder", "level-page" | "handover-page" | "plan-page") if active => OK,
        ("ppt", "read") if matches!(state, "active" | "closed") => OK,
        ("ppt", "note") if state == "active" => SAVED,
        ("ppt", "archive") if state == "closed" => OK,
        // The consent names the school (the holder's service) whenever it holds.
        ("school-leader", "read") if active || state == "closed" => OK,
        ("school-leader", "archive") if state == "closed" => OK,
        ("guardian", "read" | "access-log") => OK,
        ("guardian", "note") if active || state == "expired" => SAVED,
        ("guardian", "archive") if state == "closed" => OK,
        ("guardian", "close-page") if state != "closed" => OK,
        // At 14 the youth finds the log to write in "my voice" while it is open.
        ("youth", "read") if active || state == "expired" => OK,
        _ => NO,
    }
}

/// `saman keys rotate` seals every log's data again under the new key: afterwards no
/// value sealed with the old key is left, and the new key alone opens the log.
async fn keys_rotate_seals_every_log_again(backend: Backend) {
    use saman_domain::auth::keys::Secrets;
    let app = TestApp::spawn(backend, true).await;
    let holder = staff(&app, "laerer@test.example", Role::Employee, &["skolene"]).await;
    let guardian = family(&app, GUARDIAN_PID, "Hanne Haugland", Role::Guardian).await;
    let id = open_log(&app, &holder).await;
    let log = format!("/nb/fjordvik/stafettlogg/{id}");
    post(
        &app,
        &guardian,
        &format!("{log}/samtykke/svar"),
        &[("version", "1"), ("answer", "give")],
    )
    .await;
    post(
        &app,
        &holder,
        &format!("{log}/innslag"),
        &[("kind", "goal"), ("text", GOAL)],
    )
    .await;
    app.store
        .enable_two_step(
            &holder.id,
            "JBSWY3DPEHPK3PXP",
            1,
            &[],
            &AuditContext::default(),
        )
        .await
        .unwrap();
    let old = test_secrets();
    let new_key = Secrets::generate_base64();
    let new = Secrets::from_base64(&new_key).unwrap();

    let rotate = std::process::Command::new(env!("CARGO_BIN_EXE_saman"))
        .args(["keys", "rotate"])
        .env("SAMAN_DATABASE_URL", &app.db.url)
        .env("SAMAN_SECRET_KEY", &new_key)
        .env("SAMAN_PREVIOUS_SECRET_KEYS", test_secret_key())
        .output()
        .unwrap();
    assert!(rotate.status.success(), "{rotate:?}");
    let said = String::from_utf8_lossy(&rotate.stdout);
    assert!(said.contains("verdi(er) i stafettlogger"), "{said}");
    // Every sealed column, as a dump of the rows shows it (the SQLite file keeps old
    // pages in its write-ahead log until a checkpoint).
    {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
        for (table, column) in [
            ("relay_logs", "child"),
            ("relay_logs", "concern"),
            ("relay_guardians", "person"),
            ("relay_consents", "covers"),
            ("relay_entries", "body"),
            ("accounts", "totp_secret"),
        ] {
            let statement = format!("SELECT COUNT(*) FROM {table} WHERE {column} LIKE $1");
            for (key, at_least) in [(old.key_id(), None), (new.key_id(), Some(1))] {
                let found: i64 = sqlx::query_scalar(&statement)
                    .bind(format!("_1.{key}.%"))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
                match at_least {
                    None => assert_eq!(found, 0, "{table}.{column} sealed with the old key"),
                    Some(n) => assert!(found >= n, "{table}.{column} sealed with the new key"),
                }
            }
        }
    }
    // Running it again finds nothing to do.
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_saman"))
        .args(["keys", "rotate"])
        .env("SAMAN_DATABASE_URL", &app.db.url)
        .env("SAMAN_SECRET_KEY", &new_key)
        .env("SAMAN_PREVIOUS_SECRET_KEYS", test_secret_key())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&again.stdout).contains(": 0 verdi(er) i kontoer, 0 verdi(er)")
    );

    // The new key alone opens the log (a store without the old key).
    let store = saman_store::Store::connect(&app.db.url, Secrets::from_base64(&new_key).unwrap())
        .await
        .unwrap();
    let fjordvik = store.tenant_by_slug("fjordvik").await.unwrap().unwrap();
    let actor = saman_domain::access::Actor {
        account_id: holder.id.clone(),
        grants: store.grants(&holder.id).await.unwrap(),
        assurance: saman_domain::access::Assurance::Strong,
    };
    let relay = saman_relay::Relay::new(store);
    let who = relay.requester(&actor, &fjordvik, "test").await.unwrap();
    let view = relay.log(&who, &id).await.unwrap().unwrap();
    assert_eq!(view.child.name, CHILD_NAME);
    assert_eq!(view.concern, CONCERN);
    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_saman"))
        .args(["keys", "rotate"])
        .env("SAMAN_DATABASE_URL", &app.db.url)
        .env("SAMAN_SECRET_KEY", &new_key)
        .output()
        .unwrap();
    assert!(
        !refused.status.success(),
        "rotate needs the keys it replaces"
    );
}

/// The paper path: the consent form in each of its languages, empty or filled from a
/// log, and the log printed, empty or as it stands; each only for those it is for.
async fn the_paper_path_prints_forms_and_logs(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let holder = staff(&app, "laerer@test.example", Role::Employee, &["skolene"]).await;
    let guardian = family(&app, GUARDIAN_PID, "Hanne Haugland", Role::Guardian).await;
    let youth = family(&app, CHILD_PID, "Ida T.", Role::Youth).await;
    let id = open_log(&app, &holder).await;
    let log = format!("/nb/fjordvik/stafettlogg/{id}");
    let pdf = |who: &'static str, actor: &Actor, path: String| {
        let (app, cookie) = (&app, actor.cookie.clone());
        async move {
            let response = app
                .client
                .get(format!("{}{path}", app.base))
                .header("cookie", cookie)
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let is_pdf = response
                .headers()
                .get("content-type")
                .is_some_and(|t| t == "application/pdf");
            let body = response.bytes().await.unwrap();
            assert!(
                status != 200 || (is_pdf && body.starts_with(b"%PDF-")),
                "{who} {path}"
            );
            status
        }
    };
    for lang in ["nb", "nn", "en"] {
        let empty = format!("/nb/fjordvik/stafettlogg/samtykkeskjema?sprak={lang}");
        assert_eq!(pdf("holder", &holder, empty.clone()).await, 200, "{lang}");
        assert_eq!(pdf("guardian", &guardian, empty).await, 404);
        let filled = format!("{log}/samtykkeskjema?sprak={lang}");
        assert_eq!(pdf("holder", &holder, filled.clone()).await, 200, "{lang}");
        assert_eq!(
            pdf("guardian", &guardian, filled).await,
            404,
            "families consent in Saman or sign"
        );
    }
    assert_eq!(
        pdf("holder", &holder, format!("{log}/samtykkeskjema?sprak=se")).await,
        404
    );
    assert_eq!(
        pdf(
            "holder",
            &holder,
            "/nn/fjordvik/stafettlogg/tom-utskrift".into()
        )
        .await,
        200
    );
    assert_eq!(
        pdf(
            "youth",
            &youth,
            "/nb/fjordvik/stafettlogg/tom-utskrift".into()
        )
        .await,
        404
    );
    assert_eq!(pdf("holder", &holder, format!("{log}/utskrift")).await, 200);
    assert_eq!(
        pdf("guardian", &guardian, format!("{log}/utskrift")).await,
        200
    );
    assert_eq!(pdf("youth", &youth, format!("{log}/utskrift")).await, 404);
    // The page links to each language of the form, marked with its language.
    let (_, page) = get(&app, &holder, &log).await;
    assert!(
        page.contains("samtykkeskjema?sprak=en\" hreflang=\"en\" lang=\"en\">English</a>"),
        "{page}"
    );
}

/// Notifications: on the start page until the log is opened, and by mail through the
/// outbox (a link, nothing about the child), at once or in a daily digest.
async fn people_are_told_what_is_new_without_a_word_about_the_child(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let holder = staff(&app, "laerer@test.example", Role::Employee, &["skolene"]).await;
    let ppt = staff(&app, "ppt@test.example", Role::Employee, &["ppt"]).await;
    let guardian = family(&app, GUARDIAN_PID, "Hanne Haugland", Role::Guardian).await;
    let id = open_log(&app, &holder).await;
    let log = format!("/nb/fjordvik/stafettlogg/{id}");
    let (_, start) = get(&app, &guardian, "/nb/fjordvik/start").await;
    assert!(
        start.contains("Et samtykke venter på svar fra deg") && start.contains(&log),
        "{start}"
    );
    post(
        &app,
        &guardian,
        &format!("{log}/samtykke/svar"),
        &[("version", "1"), ("answer", "give")],
    )
    .await;
    let (_, start) = get(&app, &guardian, "/nb/fjordvik/start").await;
    assert!(
        !start.contains("Et samtykke venter på svar fra deg"),
        "answered, so seen"
    );
    post(
        &app,
        &holder,
        &format!("{log}/deltakere"),
        &[("email", "ppt@test.example"), ("can_write", "on")],
    )
    .await;

    // PPT chooses a daily digest; the school gets mail at once.
    let token = ppt.cookie.split('=').nth(1).unwrap();
    let csrf = app
        .store
        .session(token, Default::default())
        .await
        .unwrap()
        .unwrap()
        .csrf_token;
    let response = app
        .client
        .post(format!("{}/nb/fjordvik/konto/varsler", app.base))
        .header("cookie", &ppt.cookie)
        .form(&[("csrf", csrf.as_str()), ("digest", "on")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Valget for varsler er lagret")
    );

    post(
        &app,
        &ppt,
        &format!("{log}/innslag"),
        &[("kind", "goal"), ("text", GOAL)],
    )
    .await;
    let (_, start) = get(&app, &holder, "/nb/fjordvik/start").await;
    assert!(start.contains("Nytt innslag i en stafettlogg du deltar i"));
    let relay = saman_relay::Relay::new(app.store.clone());
    let mail = |p: &saman_relay::storage::notifications::PendingMail| {
        saman_web::relay_notification_mail(p, &app.base, "Fjordvik kommune")
    };
    let mails_to = |to: &'static str| {
        let store = app.store.clone();
        async move {
            store
                .outbox(500)
                .await
                .unwrap()
                .into_iter()
                .filter(|m| m.mail.to == to && m.mail.subject.starts_with("Nytt i stafettlogger"))
                .collect::<Vec<_>>()
        }
    };
    relay.mail_notifications(mail).await.unwrap();
    assert_eq!(
        mails_to("laerer@test.example").await.len(),
        1,
        "the holder, at once"
    );
    assert_eq!(
        mails_to("ppt@test.example").await.len(),
        0,
        "nothing new for PPT yet"
    );
    post(
        &app,
        &holder,
        &format!("{log}/innslag"),
        &[("kind", "note"), ("text", "Et notat")],
    )
    .await;
    relay.mail_notifications(mail).await.unwrap();
    assert_eq!(
        mails_to("ppt@test.example").await.len(),
        1,
        "PPT's first digest"
    );
    post(
        &app,
        &holder,
        &format!("{log}/innslag"),
        &[("kind", "note"), ("text", "Et notat til")],
    )
    .await;
    relay.mail_notifications(mail).await.unwrap();
    assert_eq!(
        mails_to("ppt@test.example").await.len(),
        1,
        "PPT's next digest waits a day"
    );
    let mut sent = mails_to("laerer@test.example").await;
    sent.extend(mails_to("ppt@test.example").await);
    for m in sent {
        assert!(m.mail.text.contains("/nb/fjordvik/stafettlogg"));
        for secret in [CHILD_NAME, CONCERN, GOAL, "Ida", id.as_str()] {
            assert!(
                !m.mail.text.contains(secret) && !m.mail.subject.contains(secret),
                "{secret}"
            );
        }
    }

    // The baton, and the daily reminders.
    post(
        &app,
        &holder,
        &format!("{log}/stafett"),
        &[("email", "ppt@test.example")],
    )
    .await;
    let (_, start) = get(&app, &ppt, "/nb/fjordvik/start").await;
    assert!(start.contains("En stafett venter på at du tar imot den"));
    {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
        let soon =
            saman_relay::content::date_text(saman_store::clock::today() + time::Duration::days(10));
        sqlx::query("UPDATE relay_consents SET ends_on = $1 WHERE log_id = $2")
            .bind(soon)
            .bind(&id)
            .execute(&mut conn)
            .await
            .unwrap();
    }
    assert!(
        relay.daily_reminders().await.unwrap() >= 2,
        "the holder and the guardian"
    );
    let (_, start) = get(&app, &holder, "/nb/fjordvik/start").await;
    assert!(start.contains("Et samtykke går snart ut"));
    let (_, start) = get(&app, &guardian, "/nb/fjordvik/start").await;
    assert!(start.contains("Et samtykke går snart ut"));
}

/// Entries posted to one log at the same moment all land, each in a place of its own
/// (none answered with an error for a place taken meanwhile).
async fn entries_written_at_once_each_take_their_own_place(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let holder = staff(&app, "laerer@test.example", Role::Employee, &["skolene"]).await;
    let guardian = family(&app, GUARDIAN_PID, "Hanne Haugland", Role::Guardian).await;
    let id = open_log(&app, &holder).await;
    let log = format!("/nb/fjordvik/stafettlogg/{id}");
    let (status, _, _) = post(
        &app,
        &guardian,
        &format!("{log}/samtykke/svar"),
        &[("version", "1"), ("answer", "give")],
    )
    .await;
    assert_eq!(status, 303);
    let path = format!("{log}/innslag");
    let write = |n: usize| {
        let (app, holder, path) = (&app, &holder, path.clone());
        async move {
            let text = format!("Mål nummer {n} for Ida");
            post(app, holder, &path, &[("kind", "goal"), ("text", &text)])
                .await
                .0
        }
    };
    let statuses = tokio::join!(
        write(1),
        write(2),
        write(3),
        write(4),
        write(5),
        write(6),
        write(7),
        write(8)
    );
    let statuses = [
        statuses.0, statuses.1, statuses.2, statuses.3, statuses.4, statuses.5, statuses.6,
        statuses.7,
    ];
    assert!(statuses.iter().all(|s| *s == 303), "{statuses:?}");
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(&app.db.url).await.unwrap();
    let (places, entries): (i64, i64) =
        sqlx::query_as("SELECT COUNT(DISTINCT seq), COUNT(*) FROM relay_entries WHERE log_id = $1")
            .bind(&id)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert_eq!((places, entries), (8, 8));
}

/// The guardian gives the consent a log waits for.
async fn consent_to(app: &TestApp, guardian: &Actor, id: &str) {
    let log = format!("/nb/fjordvik/stafettlogg/{id}");
    let (_, page) = get(app, guardian, &log).await;
    let version = hidden(&page, "version");
    let (status, _, _) = post(
        app,
        guardian,
        &format!("{log}/samtykke/svar"),
        &[("version", &version), ("answer", "give")],
    )
    .await;
    assert_eq!(status, 303);
}

/// The numbers of a holder's row in an overview's table, in the order of its columns.
fn holder_counts(page: &str, holder: &str) -> Vec<u32> {
    let row = page
        .split(&format!("<th scope=\"row\">{holder}</th>"))
        .nth(1)
        .unwrap_or_else(|| panic!("no row for {holder}: {page}"))
        .split("</tr>")
        .next()
        .unwrap();
    row.split("<td>")
        .skip(1)
        .map(|cell| {
            let digits: String = cell.chars().filter(char::is_ascii_digit).collect();
            digits.parse().unwrap()
        })
        .collect()
}

/// The logs linked from a page, among `ids`.
fn linked<'a>(page: &str, ids: &'a [String]) -> Vec<&'a String> {
    ids.iter()
        .filter(|id| page.contains(&format!("/stafettlogg/{id}\"")))
        .collect()
}

async fn a_service_leader_counts_the_services_logs_and_pages_those_it_reads(backend: Backend) {
    let app = TestApp::spawn(backend, true).await;
    let holder = staff(&app, "laerer@test.example", Role::Employee, &["skolene"]).await;
    let school_leader = staff(
        &app,
        "leder@test.example",
        Role::ServiceLeader,
        &["skolene"],
    )
    .await;
    let ppt_leader = staff(
        &app,
        "ppt-leder@test.example",
        Role::ServiceLeader,
        &["ppt"],
    )
    .await;
    let nav_leader = staff(
        &app,
        "nav-leder@test.example",
        Role::ServiceLeader,
        &["nav"],
    )
    .await;
    let colleague = staff(&app, "kollega@test.example", Role::Employee, &["skolene"]).await;
    let admin = staff(&app, "admin@test.example", Role::TenantAdmin, &[]).await;
    let guardian = family(&app, GUARDIAN_PID, "Hanne Haugland", Role::Guardian).await;
    let holder_name = "Navn laerer@test.example";

    // Nobody but a service leader has an overview.
    for (who, actor) in [
        ("employee", &colleague),
        ("admin", &admin),
        ("guardian", &guardian),
    ] {
        assert_eq!(get(&app, actor, OVERVIEW).await.0, 404, "{who}");
    }
    // Nor has a service leader of another tenant, though their service has the same
    // slug; and an anonymous visitor is sent to the login page.
    let lauvdal = tenant(&app, "lauvdal-strandheim").await;
    let elsewhere_id = add_person(
        &app.store,
        Some("lauvdal-strandheim"),
        "leder-annensteds@test.example",
        Role::ServiceLeader,
    )
    .await;
    sqlx::query(
        "INSERT INTO account_services (account_id, tenant_id, service_slug) VALUES ($1, $2, 'skolene')",
    )
    .bind(&elsewhere_id)
    .bind(lauvdal.id.as_str())
    .execute(app.store.pool())
    .await
    .unwrap();
    let leader_elsewhere = Actor {
        cookie: session_cookie(&app.store, &elsewhere_id, lauvdal.id.as_str()).await,
        id: elsewhere_id,
    };
    assert_eq!(get(&app, &leader_elsewhere, OVERVIEW).await.0, 404);
    let anonymous = Actor {
        id: String::new(),
        cookie: String::new(),
    };
    let (status, _) = get(&app, &anonymous, OVERVIEW).await;
    assert_eq!(status, 303, "to the login page");
    let (_, mine) = get(&app, &colleague, "/nb/fjordvik/stafettlogg").await;
    assert!(!mine.contains("/stafettlogg/oversikt"), "{mine}");

    // A draft: counted as waiting for consent, and nothing of it is shown or audited.
    let first = open_log(&app, &holder).await;
    // In their own tenant, the other tenant's leader of "skolene" counts none of it.
    let (status, page) = get(
        &app,
        &leader_elsewhere,
        "/nb/lauvdal-strandheim/stafettlogg/oversikt",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        !page.contains(holder_name) && page.contains("Ingen åpne stafettlogger"),
        "{page}"
    );
    let (status, page) = get(&app, &school_leader, OVERVIEW).await;
    assert_eq!(status, 200);
    assert_eq!(holder_counts(&page, holder_name), [1, 1, 0, 0]);
    assert!(
        !page.contains(CHILD_NAME) && !page.contains(&first),
        "{page}"
    );
    assert_eq!(
        count_audit(&app, "relay-read", &school_leader.id, &first).await,
        0
    );
    // The view itself is audited once, naming the services, not a log.
    let views: Vec<(String, String)> = sqlx::query_as(
        "SELECT target, details FROM audit_log WHERE action = 'relay-overview-read' AND actor_id = $1",
    )
    .bind(&school_leader.id)
    .fetch_all(app.store.pool())
    .await
    .unwrap();
    assert_eq!(
        views,
        [("relay-overview:skolene".to_string(), "page=1".to_string())]
    );
    // Nor is it in the leader's own list, which links to the overview.
    let (_, mine) = get(&app, &school_leader, "/nb/fjordvik/stafettlogg").await;
    assert!(
        !mine.contains(&first) && mine.contains("/stafettlogg/oversikt"),
        "{mine}"
    );
    // PPT holds none of them.
    let (_, page) = get(&app, &ppt_leader, OVERVIEW).await;
    assert!(
        !page.contains(holder_name) && page.contains("Ingen åpne stafettlogger"),
        "{page}"
    );

    // Once consent names PPT, PPT's leader reads it: a line, audited.
    consent_to(&app, &guardian, &first).await;
    let (_, page) = get(&app, &ppt_leader, OVERVIEW).await;
    assert!(page.contains(&first) && page.contains(CHILD_NAME), "{page}");
    assert_eq!(
        count_audit(&app, "relay-read", &ppt_leader.id, &first).await,
        1
    );
    // NAV is not named: its leader sees nothing of it.
    let (_, page) = get(&app, &nav_leader, OVERVIEW).await;
    assert!(
        !page.contains(&first) && !page.contains(holder_name),
        "{page}"
    );

    // More logs than a page holds.
    let mut ids = vec![first.clone()];
    for _ in 0..saman_relay::storage::OVERVIEW_PAGE_SIZE {
        let id = open_log(&app, &holder).await;
        consent_to(&app, &guardian, &id).await;
        ids.push(id);
    }
    // Changed a second apart (the times are kept to the second), the first the longest
    // ago, all later than the demo's own logs PPT reads.
    for (i, id) in ids.iter().enumerate() {
        sqlx::query("UPDATE relay_logs SET updated_at = $1 WHERE id = $2")
            .bind(format!("2099-11-01T10:00:{i:02}Z"))
            .bind(id)
            .execute(app.store.pool())
            .await
            .unwrap();
    }
    let (_, first_page) = get(&app, &ppt_leader, OVERVIEW).await;
    let (status, second_page) = get(&app, &ppt_leader, &format!("{OVERVIEW}?side=2")).await;
    assert_eq!(status, 200);
    let (on_first, on_second) = (linked(&first_page, &ids), linked(&second_page, &ids));
    assert_eq!(on_first.len(), saman_relay::storage::OVERVIEW_PAGE_SIZE);
    assert_eq!(on_second, [&first], "newest change first");
    assert!(first_page.contains("?side=2\"") && !first_page.contains("rel=\"prev\""));
    assert!(second_page.contains("rel=\"prev\"") && !second_page.contains("rel=\"next\""));
    // A page asked for wrongly is the first; one past the end is empty, not an error.
    for query in [
        "?side=abc",
        "?side=0",
        "?side=-1",
        "?side=99999999999999999999999",
    ] {
        let (status, page) = get(&app, &ppt_leader, &format!("{OVERVIEW}{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(
            linked(&page, &ids).len(),
            saman_relay::storage::OVERVIEW_PAGE_SIZE
        );
    }
    let (status, page) = get(&app, &ppt_leader, &format!("{OVERVIEW}?side=3")).await;
    assert_eq!(status, 200);
    assert!(linked(&page, &ids).is_empty() && page.contains("Ingen flere logger"));

    // A consent run out closes the log to its services: no longer among those PPT
    // reads (and, what the leader may not read, not counted apart). A baton offered and
    // not answered is counted as waiting, and as waiting too long once it has.
    let expired = &ids[1];
    sqlx::query("UPDATE relay_consents SET ends_on = '2020-01-01' WHERE log_id = $1")
        .bind(expired)
        .execute(app.store.pool())
        .await
        .unwrap();
    let (status, _, _) = post(
        &app,
        &holder,
        &format!("/nb/fjordvik/stafettlogg/{first}/stafett"),
        &[("email", "kollega@test.example")],
    )
    .await;
    assert_eq!(status, 303);
    let (_, page) = get(&app, &school_leader, OVERVIEW).await;
    let open = ids.len() as u32;
    assert_eq!(holder_counts(&page, holder_name), [open, 0, 1, 0]);
    // The sum counts the demo's logs held in the schools too.
    let demo_holder = holder_counts(&page, "Emil Eide");
    let sum: Vec<u32> = demo_holder
        .iter()
        .zip([open, 0, 1, 0])
        .map(|(a, b)| a + b)
        .collect();
    assert_eq!(holder_counts(&page, "Sum"), sum);
    sqlx::query(
        "UPDATE relay_handovers SET requested_at = '2020-01-01T00:00:00Z' WHERE log_id = $1",
    )
    .bind(&first)
    .execute(app.store.pool())
    .await
    .unwrap();
    let (_, page) = get(&app, &school_leader, OVERVIEW).await;
    assert_eq!(holder_counts(&page, holder_name), [open, 0, 1, 1]);
    let mut all = String::new();
    for n in 1..=2 {
        all.push_str(
            &get(&app, &ppt_leader, &format!("{OVERVIEW}?side={n}"))
                .await
                .1,
        );
    }
    assert!(
        !linked(&all, &ids).contains(&expired),
        "expired: not readable"
    );
    assert_eq!(linked(&all, &ids).len(), ids.len() - 1);
    assert_eq!(
        get(
            &app,
            &ppt_leader,
            &format!("/nb/fjordvik/stafettlogg/{expired}")
        )
        .await
        .0,
        404
    );

    // The same in nynorsk.
    let (status, page) = get(&app, &school_leader, "/nn/fjordvik/stafettlogg/oversikt").await;
    assert_eq!(status, 200);
    assert!(page.contains("Loggar i tenesta di"), "{page}");
}
