use super::*;
use crate::model::Kind;

fn doc(key: &str, kind: DocKind, lang: Lang, title: &str, body: &str) -> Document {
    Document {
        key: key.into(),
        kind,
        levels: vec![Level::Service],
        target_groups: vec![],
        texts: vec![DocText {
            lang,
            title: title.into(),
            summary: String::new(),
            body: body.into(),
        }],
    }
}

fn index() -> Index {
    let docs = vec![
        doc(
            "helsestasjon",
            DocKind::Item(Kind::Service),
            Lang::Nb,
            "Helsestasjon og skolehelsetjenesten",
            "Helsesykepleier på skolen hver uke.",
        ),
        doc(
            "ppt",
            DocKind::Item(Kind::Service),
            Lang::Nn,
            "Pedagogisk-psykologisk teneste",
            "Tenesta hjelper barnehagar og skular.",
        ),
        doc(
            "rutine-bekymringsmelding",
            DocKind::Item(Kind::Routine),
            Lang::Nb,
            "Rutine for bekymringsmelding",
            "Slik sender du en melding til barneverntjenesten.",
        ),
        doc(
            "samtykke",
            DocKind::Form,
            Lang::Nb,
            "Samtykke til samarbeid",
            "Foresatte samtykker.",
        ),
    ];
    let synonyms = Synonyms::parse(
        "helsesykepleier, helsesøster, helsesjukepleiar\nPPT, pedagogisk-psykologisk tjeneste, pedagogisk-psykologisk teneste\nforesatte, føresette\n",
    );
    Index::build(docs, synonyms)
}

fn keys(found: &Found) -> Vec<String> {
    found.hits.iter().map(|h| h.doc.key.clone()).collect()
}

fn search(index: &Index, text: &str) -> Vec<String> {
    keys(&index.search(&Query {
        text,
        lang: Some(Lang::Nb),
        ..Query::default()
    }))
}

#[test]
fn finds_by_synonym_stem_compound_and_typo() {
    let index = index();
    assert_eq!(search(&index, "helsesjukepleiar"), ["helsestasjon"]);
    assert_eq!(search(&index, "helsesøster"), ["helsestasjon"]);
    assert_eq!(
        search(&index, "PPT"),
        ["ppt"],
        "an abbreviation finds the phrase"
    );
    assert_eq!(search(&index, "pedagogisk-psykologisk tjeneste")[0], "ppt");
    assert_eq!(search(&index, "barnehagen"), ["ppt"], "stem across forms");
    assert_eq!(
        search(&index, "helsetjeneste"),
        ["helsestasjon"],
        "part of a compound"
    );
    assert_eq!(
        search(&index, "bekymrigsmelding"),
        ["rutine-bekymringsmelding"]
    );
    assert_eq!(search(&index, "føresette"), ["samtykke"]);
    assert!(search(&index, "fotball").is_empty());
}

#[test]
fn exact_words_rank_above_parts_of_compounds() {
    let index = index();
    // "melding" is a word of the routine's body and part of its title's compound.
    let found = search(&index, "melding");
    assert_eq!(found[0], "rutine-bekymringsmelding");
    let found = index.search(&Query {
        text: "samtykke samarbeid",
        ..Query::default()
    });
    assert_eq!(
        keys(&found),
        ["samtykke"],
        "documents with every word first"
    );
}

#[test]
fn a_typo_suggests_the_word() {
    let index = index();
    let found = index.search(&Query {
        text: "Bekymrigsmelding",
        ..Query::default()
    });
    assert_eq!(found.did_you_mean.as_deref(), Some("bekymringsmelding"));
    let found = index.search(&Query {
        text: "melding",
        ..Query::default()
    });
    assert_eq!(found.did_you_mean, None);
}

#[test]
fn filters_keep_counts_of_the_others() {
    let index = index();
    let found = index.search(&Query {
        text: "tjeneste",
        kind: Some("skjema"),
        count_filters: true,
        ..Query::default()
    });
    assert!(found.hits.is_empty());
    assert!(found.kinds.iter().any(|(k, n)| *k == "tjeneste" && *n >= 1));
    let found = index.search(&Query {
        text: "tjeneste",
        audience: Some(Audience::Employees),
        ..Query::default()
    });
    assert!(!found.hits.is_empty());
    assert!(
        found
            .hits
            .iter()
            .all(|h| h.doc.audiences().contains(&Audience::Employees))
    );
}

#[test]
fn passages_mark_the_words_that_matched() {
    let matched: HashSet<String> = ["melding".to_string()].into();
    let runs = passage("Slik sender du en melding til barnevernet.", &matched, 200);
    assert_eq!(
        runs,
        [
            ("Slik sender du en ".to_string(), false),
            ("melding".to_string(), true),
            (" til barnevernet.".to_string(), false),
        ]
    );
    let long = format!("{} melding {}", "ord ".repeat(100), "ord ".repeat(100));
    let runs = passage(&long, &matched, 80);
    assert_eq!(runs.first().unwrap().0, "… ");
    assert!(runs.iter().any(|(t, m)| *m && t == "melding"));
    let len: usize = runs.iter().map(|(t, _)| t.chars().count()).sum();
    assert!(len <= 90, "{len}");
}
