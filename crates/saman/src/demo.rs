//! The demo models, built into the binary from `examples/` so that a first start needs
//! nothing but the binary.

use include_dir::{Dir, include_dir};
use saman_domain::Lang;
use saman_domain::access::Role;
use saman_domain::access::{Actor, Assurance};
use saman_domain::files::SourceFile;
use saman_relay::{Change, NewEntry, NewLog, Relay, Requester};
use saman_store::{AuditContext, NewUser, Store};

static EXAMPLES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../examples");

/// Each demo model's folder name and files.
pub fn bundles() -> Vec<(String, Vec<SourceFile>)> {
    EXAMPLES
        .dirs()
        .map(|dir| {
            let mut files = Vec::new();
            collect(dir, dir.path(), &mut files);
            (dir.path().display().to_string(), files)
        })
        .collect()
}

fn collect(dir: &Dir<'static>, root: &std::path::Path, out: &mut Vec<SourceFile>) {
    for file in dir.files() {
        let relative = file.path().strip_prefix(root).unwrap_or(file.path());
        out.push(SourceFile {
            path: relative.to_string_lossy().replace('\\', "/"),
            bytes: file.contents().to_vec(),
        });
    }
    for sub in dir.dirs() {
        collect(sub, root, out);
    }
}

/// The slugs of the demo's tenants.
pub fn slugs() -> Vec<String> {
    bundles()
        .into_iter()
        .filter_map(|(_, files)| saman_domain::files::read_bundle(&files).ok())
        .map(|bundle| bundle.tenant.slug)
        .collect()
}

/// Loads the demo models if the database has no tenants yet.
pub async fn load_demo_if_empty(store: &Store) -> anyhow::Result<()> {
    if !store.list_tenants().await?.is_empty() {
        return Ok(());
    }
    for (name, files) in bundles() {
        let bundle = saman_domain::files::read_bundle(&files)
            .map_err(|problems| anyhow::anyhow!("demo model {name} is invalid: {}", problems[0]))?;
        store
            .import_bundle(&bundle, &saman_store::AuditContext::command_line(None))
            .await?;
        tracing::info!(tenant = bundle.tenant.slug, "loaded demo model");
    }
    // Fjordvik offers its whole model, so that the other demo tenant can build on it.
    let fjordvik = store
        .tenant_by_slug("fjordvik")
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo tenant fjordvik is missing"))?;
    let sharing = saman_store::Sharing {
        model: true,
        guides: Default::default(),
    };
    store
        .set_sharing(&fjordvik.id, &sharing, &AuditContext::command_line(None))
        .await?;
    load_demo_people(store).await?;
    for slug in slugs() {
        open_demo_surveys(store, &slug).await?;
    }
    load_demo_relay_logs(store).await?;
    Ok(())
}

/// The password of every demo account; the README gives it. Demo only: a server started
/// without the demo has no such accounts.
pub const DEMO_PASSWORD: &str = "demo-passord-saman";

/// A demo person: tenant (none for the platform), e-mail, name, role, services.
type DemoPerson = (
    Option<&'static str>,
    &'static str,
    &'static str,
    Role,
    &'static [&'static str],
);

/// Fictional people for every staff role in both demo tenants, and a platform
/// administrator.
const DEMO_PEOPLE: &[DemoPerson] = &[
    (
        None,
        "plattform@saman.example",
        "Petter Plattform",
        Role::PlatformAdmin,
        &[],
    ),
    (
        Some("fjordvik"),
        "admin@fjordvik.example",
        "Astrid Aune",
        Role::TenantAdmin,
        &[],
    ),
    (
        Some("fjordvik"),
        "redaktor@fjordvik.example",
        "Rune Rasmussen",
        Role::Editor,
        &[],
    ),
    (
        Some("fjordvik"),
        "leder@fjordvik.example",
        "Liv Lunde",
        Role::ServiceLeader,
        &["helsestasjon"],
    ),
    (
        Some("fjordvik"),
        "ansatt@fjordvik.example",
        "Emil Eide",
        Role::Employee,
        &["skolene", "ppt"],
    ),
    (
        Some("lauvdal-strandheim"),
        "admin@lauvdal-strandheim.example",
        "Brita Berge",
        Role::TenantAdmin,
        &[],
    ),
    (
        Some("lauvdal-strandheim"),
        "redaktor@lauvdal-strandheim.example",
        "Nils Nesheim",
        Role::Editor,
        &[],
    ),
    (
        Some("lauvdal-strandheim"),
        "leiar@lauvdal-strandheim.example",
        "Kari Kvamme",
        Role::ServiceLeader,
        &["helsestasjon-lauvdal"],
    ),
    (
        Some("lauvdal-strandheim"),
        "tilsett@lauvdal-strandheim.example",
        "Olav Øvrebø",
        Role::Employee,
        &["lauvdal-skule"],
    ),
];

/// Fictional families: tenant, synthetic identity number (as in the test ID-porten),
/// name, role.
const DEMO_FAMILIES: &[(&str, &str, &str, Role)] = &[
    ("fjordvik", "15898512379", "Hanne Haugland", Role::Guardian),
    ("fjordvik", "17021356042", "Tobias Haugland", Role::Youth),
    (
        "lauvdal-strandheim",
        "22881178986",
        "Marit Lien",
        Role::Guardian,
    ),
    (
        "lauvdal-strandheim",
        "25081157009",
        "Eirik Lien",
        Role::Youth,
    ),
];

async fn load_demo_people(store: &Store) -> anyhow::Result<()> {
    let hash = saman_domain::auth::password::hash(DEMO_PASSWORD);
    for (tenant, email, name, role, services) in DEMO_PEOPLE {
        let record = match tenant {
            Some(slug) => Some(
                store
                    .tenant_by_slug(slug)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("demo tenant {slug} is missing"))?,
            ),
            None => None,
        };
        let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
        store
            .add_user(
                &NewUser {
                    email,
                    name,
                    language: record.as_ref().map_or(Lang::Nb, |r| r.tenant.default_lang),
                    password_hash: Some(hash.clone()),
                    role: *role,
                    tenant: record.as_ref().map(|r| &r.id),
                    services: &services,
                },
                &AuditContext::command_line(record.as_ref().map(|r| r.id.clone())),
            )
            .await?;
    }
    // Families, who log in with the demo's test ID-porten as these fictional persons.
    for (slug, pid, name, role) in DEMO_FAMILIES {
        let record = store
            .tenant_by_slug(slug)
            .await?
            .ok_or_else(|| anyhow::anyhow!("demo tenant {slug} is missing"))?;
        let id = store
            .create_pid_account(pid, name, record.tenant.default_lang)
            .await?;
        store
            .grant_role(
                &id,
                &record.id,
                *role,
                &AuditContext::command_line(Some(record.id.clone())),
            )
            .await?;
    }
    tracing::info!("loaded demo people");
    Ok(())
}

/// A demo person as the relay log sees them, found by e-mail or identity number.
async fn demo_requester(
    relay: &Relay,
    store: &Store,
    tenant: &saman_store::TenantRecord,
    email_or_pid: &str,
) -> anyhow::Result<Requester> {
    let account = if email_or_pid.contains('@') {
        store.account_by_email(email_or_pid).await?
    } else {
        store.account_by_pid(email_or_pid).await?
    }
    .ok_or_else(|| anyhow::anyhow!("demo person {email_or_pid} is missing"))?;
    let actor = Actor {
        grants: store.grants(&account.id).await?,
        account_id: account.id,
        assurance: Assurance::Strong,
    };
    Ok(relay.requester(&actor, tenant, "demo").await?)
}

/// Writes fictional relay log history into the demo tenant `slug` (see
/// `saman_relay::demo_history`). Refuses a tenant that is not the demo's: its slug must
/// be a demo model's, and it must have the demo's employee.
pub async fn history(
    store: &Store,
    slug: &str,
    logs: usize,
    years: i64,
    seed: u64,
) -> anyhow::Result<saman_relay::demo_history::History> {
    let refuse =
        || anyhow::anyhow!("«{slug}» er ikke en demokommune; fiktiv historikk lages bare i demoen");
    if !slugs().iter().any(|s| s == slug) {
        return Err(refuse());
    }
    let tenant = store.tenant_by_slug(slug).await?.ok_or_else(refuse)?;
    let (_, email, _, _, services) = DEMO_PEOPLE
        .iter()
        .find(|(t, _, _, role, _)| *t == Some(slug) && *role == Role::Employee)
        .ok_or_else(refuse)?;
    let account = store.account_by_email(email).await?.ok_or_else(refuse)?;
    if !store
        .grants(&account.id)
        .await?
        .iter()
        .any(|g| g.tenant_id.as_deref() == Some(tenant.id.as_str()))
    {
        return Err(refuse());
    }
    let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
    let relay = Relay::new(store.clone());
    let answers = demo_survey_answers(store, slug, years, seed).await?;
    tracing::info!(answers, "wrote fictional survey answers");
    Ok(saman_relay::demo_history::generate(
        &relay,
        store,
        &tenant.id,
        &account.id,
        &services,
        logs,
        years,
        tenant.tenant.relay.retention_days,
        seed,
    )
    .await?)
}

/// Saman's user and staff surveys, open, in a demo tenant (unless it has surveys).
async fn open_demo_surveys(
    store: &Store,
    slug: &str,
) -> anyhow::Result<Vec<saman_store::SurveyRecord>> {
    use saman_domain::evaluation::survey::Survey;
    let tenant = store
        .tenant_by_slug(slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo tenant {slug} is missing"))?;
    let ctx = AuditContext::command_line(Some(tenant.id.clone()));
    if store.surveys(&tenant.id).await?.is_empty() {
        for survey in [Survey::default_user(), Survey::default_staff()] {
            let id = store.create_survey(&tenant.id, &survey, &ctx).await?;
            store
                .save_survey(
                    &tenant.id,
                    &id,
                    &survey,
                    saman_store::SurveyState::Open,
                    &ctx,
                )
                .await?;
        }
    }
    Ok(store.surveys(&tenant.id).await?)
}

/// Fictional survey answers for the demo's history: families after closed logs, each
/// term, and staff each year (a little more confident year by year).
async fn demo_survey_answers(
    store: &Store,
    slug: &str,
    years: i64,
    seed: u64,
) -> anyhow::Result<usize> {
    use saman_domain::evaluation::survey::{Answer, QuestionKind, Respondent, SurveyKind};
    use saman_store::SurveyAnswerer;
    let tenant = store
        .tenant_by_slug(slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo tenant {slug} is missing"))?;
    let mut rng = saman_relay::bench_data::Rng::new(seed.wrapping_add(7));
    let today = saman_store::clock::today();
    let texts = [
        "(Fiktivt svar.) Det hjalp å ha én person å spørre.",
        "(Fiktivt svar.) Møtene kunne vært på ettermiddagen.",
        "(Fiktivt svar.) Mer om hvordan vi snakker med barn om vold.",
        "(Fiktivt svar.) Raskere svar fra PPT.",
    ];
    let mut answered = 0;
    for record in open_demo_surveys(store, slug).await? {
        let survey = &record.survey;
        let (count, respondents): (i64, &[Respondent]) = match survey.kind {
            SurveyKind::User => (
                years * 2 * 14,
                &[
                    Respondent::Guardian,
                    Respondent::Guardian,
                    Respondent::Youth,
                ],
            ),
            SurveyKind::Staff => (years * 30, &[Respondent::Staff]),
        };
        for n in 0..count {
            let day = match survey.kind {
                SurveyKind::User => {
                    today - time::Duration::days(rng.below((years * 365) as u64) as i64)
                }
                // A year's answers in its spring.
                SurveyKind::Staff => {
                    let year = today.year() - (n % years) as i32;
                    time::Date::from_calendar_date(
                        year,
                        time::Month::March,
                        1 + rng.below(28) as u8,
                    )?
                    .min(today)
                }
            };
            let lift = (years - i64::from(today.year() - day.year())).max(0) as u64;
            let mut answer = Answer::default();
            for q in &survey.questions {
                match q.kind {
                    QuestionKind::Scale => {
                        let value = (2 + rng.below(3) + u64::from(rng.below(4) < lift)).min(5);
                        answer.choices.push((q.key.clone(), value.to_string()));
                    }
                    QuestionKind::YesNo => answer.choices.push((
                        q.key.clone(),
                        if rng.below(4) > 0 { "ja" } else { "nei" }.into(),
                    )),
                    QuestionKind::Choice => answer.choices.push((
                        q.key.clone(),
                        (1 + rng.below(q.options.len().max(1) as u64)).to_string(),
                    )),
                    QuestionKind::Text if rng.below(3) == 0 => answer.texts.push((
                        q.key.clone(),
                        texts[rng.below(texts.len() as u64) as usize].into(),
                    )),
                    QuestionKind::Text => {}
                }
            }
            let someone = uuid::Uuid::new_v4().to_string();
            let answerer = match survey.kind {
                SurveyKind::Staff => SurveyAnswerer::Staff {
                    account_id: &someone,
                },
                SurveyKind::User => {
                    let respondent = respondents[rng.below(respondents.len() as u64) as usize];
                    let mut conn = store.pool().acquire().await?;
                    saman_store::offer_user_survey(
                        &mut conn,
                        tenant.id.as_str(),
                        &[(someone.clone(), respondent)],
                        day,
                    )
                    .await?;
                    SurveyAnswerer::Family { pid_key: &someone }
                }
            };
            if store
                .record_answer(&tenant.id, &record.id, answerer, &answer, day)
                .await?
            {
                answered += 1;
            }
        }
    }
    Ok(answered)
}

/// Checks that a demo change went through.
fn done(change: Change, what: &str) -> anyhow::Result<()> {
    match change {
        Change::Done => Ok(()),
        other => anyhow::bail!("demo relay log: {what}: {other:?}"),
    }
}

fn entry(kind: &str, text: &str) -> NewEntry {
    NewEntry {
        kind: kind.into(),
        text: text.into(),
        ..Default::default()
    }
}

/// Fictional children's relay logs, made as the demo's people would make them: in
/// Fjordvik an active log (the guardian consented; goals, measures, a meeting, the
/// child's own words) and one waiting for a paper consent; in Lauvdal og Strandheim a
/// log the 15-year-old consented to himself (the municipality's age is 15).
async fn load_demo_relay_logs(store: &Store) -> anyhow::Result<()> {
    let relay = Relay::new(store.clone());
    let fjordvik = store
        .tenant_by_slug("fjordvik")
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo tenant fjordvik is missing"))?;
    let holder = demo_requester(&relay, store, &fjordvik, "ansatt@fjordvik.example").await?;
    let fjordvik_services = ["skolene", "ppt", "helsestasjon"]
        .map(String::from)
        .to_vec();
    let opened = relay
        .open(
            &holder,
            &NewLog {
                child_name: "Tobias Haugland".into(),
                child_birth: "17.02.2013".into(),
                child_pid: "17021356042".into(),
                guardians: vec![("Hanne Haugland".into(), "15898512379".into())],
                concern: "(Fiktivt eksempel.) Tobias har vært mye borte fra skolen dette \
                          høsthalvåret, sover dårlig og trekker seg unna venner."
                    .into(),
                level: "2".into(),
                holder_service: "skolene".into(),
                services: fjordvik_services.clone(),
                ..Default::default()
            },
            &fjordvik_services,
        )
        .await?
        .map_err(|problems| anyhow::anyhow!("demo relay log: {problems:?}"))?;
    let guardian = demo_requester(&relay, store, &fjordvik, "15898512379").await?;
    done(
        relay.answer_consent(&guardian, &opened, 1, true).await?,
        "consent",
    )?;
    done(
        relay
            .add_entry(
                &holder,
                &opened,
                &entry(
                    "goal",
                    "Tobias er på skolen hver dag og har noen å være sammen med i friminuttene.",
                ),
            )
            .await?,
        "goal",
    )?;
    let view = relay
        .log(&holder, &opened)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo relay log is not readable"))?;
    let goal = view.entries[0].id.clone();
    let today = saman_store::clock::today();
    let date = |days: i64| saman_relay::content::date_text(today + time::Duration::days(days));
    done(
        relay
            .add_entry(
                &holder,
                &opened,
                &NewEntry {
                    kind: "measure".into(),
                    parent_id: goal.clone(),
                    text: "Fast samtale med kontaktlærer hver mandag.".into(),
                    responsible: "Kontaktlærer, Fjordvik skole".into(),
                    starts_on: date(-40),
                    evaluate_on: date(-5),
                    ..Default::default()
                },
            )
            .await?,
        "measure",
    )?;
    done(
        relay
            .add_entry(
                &holder,
                &opened,
                &NewEntry {
                    kind: "measure".into(),
                    parent_id: goal,
                    text: "Samtaler om søvn hos helsesykepleier.".into(),
                    responsible: "Helsestasjon for ungdom".into(),
                    starts_on: date(-30),
                    evaluate_on: date(30),
                    ..Default::default()
                },
            )
            .await?,
        "measure",
    )?;
    done(
        relay
            .add_entry(
                &holder,
                &opened,
                &NewEntry {
                    kind: "meeting".into(),
                    held_on: date(-35),
                    present: "Hanne Haugland (mor), Tobias, kontaktlærer, helsesykepleier".into(),
                    text: "Vi snakket om fraværet og søvnen. Tobias sier det er lettere når han vet hva som skjer i timene.".into(),
                    decisions: "Fast samtale hver mandag. Helsesykepleier tar samtaler om søvn. Ny vurdering om seks uker.".into(),
                    ..Default::default()
                },
            )
            .await?,
        "meeting",
    )?;
    let youth = demo_requester(&relay, store, &fjordvik, "17021356042").await?;
    done(
        relay
            .add_entry(&youth, &opened, &entry("voice", "Det hjelper å vite hva vi skal gjøre på skolen. Jeg vil ikke snakke om det foran klassen."))
            .await?,
        "voice",
    )?;

    // A log waiting for the family's signed paper form.
    relay
        .open(
            &holder,
            &NewLog {
                child_name: "Sara Nilsen".into(),
                child_birth: "02.05.2018".into(),
                guardians: vec![("Per Nilsen".into(), String::new())],
                concern: "(Fiktivt eksempel.) Sara er ofte lei seg i barnehagen og på SFO, og \
                          familien ønsker hjelp til å forstå hvorfor."
                    .into(),
                level: "1".into(),
                holder_service: "skolene".into(),
                services: vec!["skolene".into(), "ppt".into()],
                ..Default::default()
            },
            &fjordvik_services,
        )
        .await?
        .map_err(|problems| anyhow::anyhow!("demo relay log: {problems:?}"))?;

    // Lauvdal og Strandheim: the youth is 15 and consents himself.
    let lauvdal = store
        .tenant_by_slug("lauvdal-strandheim")
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo tenant lauvdal-strandheim is missing"))?;
    let holder = demo_requester(
        &relay,
        store,
        &lauvdal,
        "tilsett@lauvdal-strandheim.example",
    )
    .await?;
    let lauvdal_services = ["lauvdal-skule", "helsestasjon-lauvdal"]
        .map(String::from)
        .to_vec();
    let opened = relay
        .open(
            &holder,
            &NewLog {
                child_name: "Eirik Lien".into(),
                child_birth: "25.08.2011".into(),
                child_pid: "25081157009".into(),
                guardians: vec![("Marit Lien".into(), "22881178986".into())],
                concern: "(Fiktivt døme.) Eirik har mista motivasjonen for skulen og seier \
                          sjølv at han treng nokon å snakke med."
                    .into(),
                level: "2".into(),
                holder_service: "lauvdal-skule".into(),
                services: lauvdal_services.clone(),
                ..Default::default()
            },
            &lauvdal_services,
        )
        .await?
        .map_err(|problems| anyhow::anyhow!("demo relay log: {problems:?}"))?;
    let eirik = demo_requester(&relay, store, &lauvdal, "25081157009").await?;
    done(
        relay.answer_consent(&eirik, &opened, 1, true).await?,
        "consent",
    )?;
    done(
        relay
            .add_entry(
                &holder,
                &opened,
                &entry(
                    "goal",
                    "Eirik finn att motivasjonen og fullfører 10. trinn.",
                ),
            )
            .await?,
        "goal",
    )?;
    tracing::info!("loaded demo relay logs");
    Ok(())
}
