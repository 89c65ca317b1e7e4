use super::*;

fn file(path: &str, text: &str) -> SourceFile {
    SourceFile {
        path: path.into(),
        bytes: text.as_bytes().to_vec(),
    }
}

const TENANT: &str = r##"slug = "testvik"
default_language = "nb"
municipality_numbers = ["9999"]
primary_colour = "#123456"

[nb]
name = "Testvik kommune"
model_name = "Samhandlingsmodellen"
intro = "Intro."

[nn]
name = "Testvik kommune"
model_name = "Samhandlingsmodellen"

[[priorities]]
key = "vold"
nb = "Forebygge vold"
nn = "Førebyggje vald"
"##;

const SERVICE: &str = r#"+++
levels = ["tjeneste"]
target_groups = ["0-5"]
status = "published"

[nb]
title = "Helsestasjon"
summary = "For alle."
opening_hours = "08–15"

[contact]
phone = "+47 99 99 99 99"
+++
<!-- nb -->
## Om oss

Vi er her.
"#;

const ROUTINE: &str = r#"+++
levels = ["tjeneste", "individ"]
prevention = ["universell"]
owner = "helsestasjon"
review_date = "2027-01-31"
status = "published"
priorities = ["vold"]

[nb]
title = "Rutine"

[nn]
title = "Rutine på nynorsk"

[[relations]]
type = "bruker"
to = "skjema"

[[attachments]]
file = "skjema.txt"
nb = "Skjemaet"
+++
<!-- nb -->
Bokmål.

<!-- nn -->
Nynorsk.
"#;

const TOOL: &str =
    "+++\nlevels = [\"individ\"]\nstatus = \"draft\"\n\n[nb]\ntitle = \"Skjema\"\n+++\n";

const GUIDE: &str = r#"+++
area = "generell"
owner = "helsestasjon"
status = "published"

[nb]
title = "Handlingsveileder"
summary = "Fra bekymring til handling."

[[levels]]
level = 0
nb = "Avklare"
steps = ["start", "vold"]

[[levels]]
level = 1
nb = "Egen tjeneste"
steps = ["tiltak"]

[[levels]]
level = 2
steps = []

[[levels]]
level = 3
steps = []
+++
<!-- nb -->
Innledning.
"#;

const STEP_START: &str = r#"+++
responsible_role = "ansatt"
deadline_days = 14
tools = ["skjema"]
relies_on = ["rutine-a"]

[nb]
title = "Gjør bekymringen konkret"
responsible = "Den som er bekymret"
deadline = "Innen 14 dager"
questions = ["Hva har du sett?", "Hvor lenge?"]

[[decisions]]
step = "vold"
nb = "Mistanke om vold"

[[decisions]]
level = 1
nb = "Tiltak i egen tjeneste"

[[decisions]]
outcome = "avslutt"
nb = "Avslutt"
+++
<!-- nb -->
Skriv ned hva du har sett.
"#;

const STEP_VIOLENCE: &str = r#"+++
responsible_role = "ansatt"
urgent = true

[nb]
title = "Mistanke om vold eller overgrep"

[[decisions]]
outcome = "politi"
nb = "Ring politiet"
+++
"#;

const STEP_MEASURES: &str =
    "+++\nresponsible_role = \"stafettholder\"\n\n[nb]\ntitle = \"Tiltak\"\n+++\n";

fn valid_folder() -> Vec<SourceFile> {
    vec![
        file("handlingsveileder/generell/veileder.md", GUIDE),
        file("handlingsveileder/generell/0-start.md", STEP_START),
        file("handlingsveileder/generell/0-vold.md", STEP_VIOLENCE),
        file("handlingsveileder/generell/1-tiltak.md", STEP_MEASURES),
        file("tenant.toml", TENANT),
        file(
            "om-modellen.md",
            "<!-- nb -->\nOm.\n\n<!-- nn -->\nOm nn.\n",
        ),
        file("innhold/tjeneste/helsestasjon.md", SERVICE),
        file("innhold/rutine/rutine-a.md", ROUTINE),
        file("innhold/verktoy/skjema.md", TOOL),
        file("filer/rutine-a/skjema.txt", "Ø æ å\n"),
        file(
            "tidslinje/start.md",
            "+++\ndate = \"2026-01-02\"\nstatus = \"published\"\n\n[nb]\ntitle = \"Start\"\n+++\n<!-- nb -->\nVi starter.\n",
        ),
        file("skjema/samtale.toml", FORM_WORDING),
    ]
}

const FORM_WORDING: &str = r#"status = "published"

[nb]
barn = "Elevens navn"
intro = """
Skriv ned samtalen.
Les den opp for eleven."""
title = "Elevsamtale"

[nn]
barn = "Namnet til eleven"
"#;

fn problems_of(files: &[SourceFile]) -> Vec<String> {
    read_bundle(files)
        .expect_err("the folder should have problems")
        .iter()
        .map(|p| p.to_string())
        .collect()
}

#[test]
fn reads_a_valid_folder() {
    let bundle = read_bundle(&valid_folder()).unwrap();
    assert_eq!(bundle.tenant.slug, "testvik");
    assert_eq!(bundle.tenant.about.nn.as_deref(), Some("Om nn."));
    assert_eq!(bundle.items.len(), 3);
    let routine = bundle.items.iter().find(|i| i.slug == "rutine-a").unwrap();
    assert_eq!(routine.kind, Kind::Routine);
    assert_eq!(routine.levels, vec![Level::Service, Level::Individual]);
    assert_eq!(routine.text.nn.as_ref().unwrap().body, "Nynorsk.");
    assert_eq!(routine.attachments[0].file.bytes, "Ø æ å\n".as_bytes());
    let service = bundle
        .items
        .iter()
        .find(|i| i.slug == "helsestasjon")
        .unwrap();
    assert_eq!(
        service.text.nb.as_ref().unwrap().body,
        "## Om oss\n\nVi er her."
    );
    assert!(service.text.nn.is_none());
    assert_eq!(
        bundle.timeline[0].text.nb.as_ref().unwrap().body,
        "Vi starter."
    );
}

#[test]
fn write_then_read_is_lossless_and_stable() {
    let bundle = read_bundle(&valid_folder()).unwrap();
    let written = write_bundle(&bundle);
    let again = read_bundle(&written).unwrap();
    assert_eq!(again, bundle);
    assert_eq!(write_bundle(&again), written);
}

#[test]
fn reports_every_problem_with_file_and_line() {
    let mut files = valid_folder();
    files[7] = file(
        "innhold/rutine/rutine-a.md",
        &ROUTINE
            .replace("\"individ\"]", "\"fylke\"]")
            .replace("2027-01-31", "31.01.2027")
            .replace("to = \"skjema\"", "to = \"finnes-ikke\""),
    );
    files.push(file("innhold/plan/Dårlig.md", "+++\n+++\n"));
    files.push(file(
        "innhold/plan/ok-plan.md",
        "+++\nlevels = [\"kommune\"]\nstatus = \"published\"\n[nb]\ntitle = 5\n+++\n",
    ));
    files.push(file("ekstra.txt", "?"));
    let problems = problems_of(&files);
    let expect = [
        "ekstra.txt:1: filen hører ikke til modellen",
        "innhold/plan/Dårlig.md:1: filnavnet må være en slug",
        "innhold/plan/ok-plan.md:5: ugyldig TOML",
        "innhold/rutine/rutine-a.md:2: levels: ukjent verdi «fylke»",
        "innhold/rutine/rutine-a.md:5: review_date «31.01.2027»",
        "innhold/rutine/rutine-a.md:17: relations: «finnes-ikke» finnes ikke",
    ];
    for e in expect {
        assert!(
            problems.iter().any(|p| p.starts_with(e)),
            "missing {e:?} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");
}

#[test]
fn default_language_must_be_complete_and_owners_must_be_services() {
    let mut files = valid_folder();
    files[8] = file("innhold/verktoy/skjema.md", &TOOL.replace("[nb]", "[nn]"));
    files[7] = file(
        "innhold/rutine/rutine-a.md",
        &ROUTINE.replace("owner = \"helsestasjon\"", "owner = \"skjema\""),
    );
    let problems = problems_of(&files);
    assert!(
        problems
            .iter()
            .any(|p| p
                .starts_with("innhold/verktoy/skjema.md:1: mangler tekst på standardspråket nb")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p
                .starts_with("innhold/rutine/rutine-a.md:4: owner: «skjema» er ikke en tjeneste")),
        "{problems:#?}"
    );
}

#[test]
fn language_markers_and_front_matter_are_checked() {
    let mut files = valid_folder();
    files[6] = file(
        "innhold/tjeneste/helsestasjon.md",
        &SERVICE.replace("<!-- nb -->\n## Om oss", "## Om oss"),
    );
    files[8] = file("innhold/verktoy/skjema.md", "levels = []\n");
    let problems = problems_of(&files);
    assert!(
        problems
            .iter()
            .any(|p| p
                .starts_with("innhold/tjeneste/helsestasjon.md:14: tekst før første språkmerke")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p
                .starts_with("innhold/verktoy/skjema.md:1: filen må begynne med en linje med +++")),
        "{problems:#?}"
    );
}

#[test]
fn guides_are_checked() {
    let mut files = valid_folder();
    files[0] = file(
        "handlingsveileder/generell/veileder.md",
        &GUIDE.replace("steps = [\"tiltak\"]", "steps = []"),
    );
    files[1] = file(
        "handlingsveileder/generell/0-start.md",
        &STEP_START
            .replace("step = \"vold\"", "step = \"finnes-ikke\"")
            .replace("\"skjema\"", "\"ukjent-verktoy\""),
    );
    files[2] = file(
        "handlingsveileder/generell/0-vold.md",
        &STEP_VIOLENCE.replace("urgent = true", "urgent = false"),
    );
    files.push(file("handlingsveileder/generell/7-feil.md", STEP_MEASURES));
    let problems = problems_of(&files);
    let expect = [
        "handlingsveileder/generell/0-start.md:14: decisions: «finnes-ikke» finnes ikke",
        "handlingsveileder/generell/0-start.md:4: tools: «ukjent-verktoy» finnes ikke",
        "handlingsveileder/generell/7-feil.md:1: et steg heter <nivå>-<slug>.md",
        "handlingsveileder/generell/veileder.md:1: steget «tiltak» er ikke med",
        "handlingsveileder/generell/veileder.md:13: steps: veilederen mangler stegen for mistanke om vold",
    ];
    for e in expect {
        assert!(
            problems.iter().any(|p| p.starts_with(e)),
            "missing {e:?} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");
}

#[test]
fn form_wordings_are_read_and_checked() {
    let bundle = read_bundle(&valid_folder()).unwrap();
    let wording = &bundle.forms[0];
    assert_eq!(wording.form, "samtale");
    assert_eq!(wording.status, Status::Published);
    let nb = wording.text.nb.as_ref().unwrap();
    assert_eq!(nb["title"], "Elevsamtale");
    assert_eq!(nb["intro"], "Skriv ned samtalen.\nLes den opp for eleven.");
    assert_eq!(
        wording.text.nn.as_ref().unwrap()["barn"],
        "Namnet til eleven"
    );

    let mut files = valid_folder();
    files.retain(|f| !f.path.starts_with("skjema/"));
    files.push(file(
        "skjema/samtale.toml",
        &FORM_WORDING
            .replace("barn = \"Namnet til eleven\"", "elev = \"Namnet\"")
            .replace("title = \"Elevsamtale\"", "title = \"Elev\\nsamtale\""),
    ));
    files.push(file("skjema/finnes-ikke.toml", "status = \"draft\"\n"));
    let problems = problems_of(&files);
    let expect = [
        "skjema/finnes-ikke.toml:1: filnavnet må være et skjema Saman har",
        "skjema/samtale.toml:8: [nb] title: må være én linje",
        "skjema/samtale.toml:11: [nn] text: skjemaet har ingen tekst «elev»",
    ];
    for e in expect {
        assert!(
            problems.iter().any(|p| p.starts_with(e)),
            "missing {e:?} in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");
}

#[test]
fn missing_tenant_file_is_a_problem() {
    let without_tenant: Vec<_> = valid_folder()
        .into_iter()
        .filter(|f| f.path != "tenant.toml")
        .collect();
    let problems = problems_of(&without_tenant);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("tenant.toml:1: mangler"))
    );
}
