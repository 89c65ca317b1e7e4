//! Action guides as files: `handlingsveileder/<guide>/veileder.md` and one
//! `<level>-<step>.md` per step (see `docs/model-files.md`).

use super::{
    FileProblems, Problem, SourceFile, bodies_match_texts, read_markdown, review_date, status,
    with_front_matter,
};
use crate::lang::{ByLang, Lang};
use crate::model::*;
use crate::slug;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

pub const GUIDES_DIR: &str = "handlingsveileder";
const GUIDE_FILE: &str = "veileder.md";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GuideFile {
    area: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    review_date: Option<String>,
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nb: Option<TitleSummaryFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nn: Option<TitleSummaryFile>,
    levels: Vec<GuideLevelFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TitleSummaryFile {
    title: String,
    #[serde(default)]
    summary: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GuideLevelFile {
    level: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nb: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nn: Option<String>,
    steps: Vec<String>,
}

fn is_false(b: &bool) -> bool {
    !b
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    responsible_role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deadline_days: Option<u32>,
    #[serde(default, skip_serializing_if = "is_false")]
    urgent: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tools: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    relies_on: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nb: Option<StepTextFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nn: Option<StepTextFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    decisions: Vec<DecisionFile>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepTextFile {
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    responsible: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deadline: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    questions: Vec<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    level: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nb: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nn: Option<String>,
}

/// A file of a guide folder: its full path, its name, and its bytes.
type GuideFileEntry<'a> = (&'a str, &'a str, &'a [u8]);

/// Reads every guide under `handlingsveileder/`; `files` are the paths and bytes found there.
pub(super) fn read_guides(files: &[(&str, &[u8])], problems: &mut Vec<Problem>) -> Vec<Guide> {
    let mut by_guide: BTreeMap<&str, Vec<GuideFileEntry>> = BTreeMap::new();
    for (path, bytes) in files {
        let rest = &path[GUIDES_DIR.len() + 1..];
        match rest.split_once('/') {
            Some((guide, file)) if !file.contains('/') => by_guide.entry(guide).or_default().push((path, file, bytes)),
            _ => problems.push(Problem {
                file: path.to_string(),
                line: 1,
                message: "en handlingsveileder er en mappe: handlingsveileder/<veileder>/veileder.md og ett steg per fil".into(),
            }),
        }
    }
    by_guide
        .into_iter()
        .filter_map(|(slug, files)| read_guide(slug, &files, problems))
        .collect()
}

fn read_guide(
    guide_slug: &str,
    files: &[(&str, &str, &[u8])],
    problems: &mut Vec<Problem>,
) -> Option<Guide> {
    let guide_path = format!("{GUIDES_DIR}/{guide_slug}/{GUIDE_FILE}");
    if !slug::is_valid(guide_slug) {
        problems.push(Problem {
            file: guide_path.clone(),
            line: 1,
            message: format!("mappenavnet «{guide_slug}» må være en slug: a–z, 0–9 og bindestrek"),
        });
    }
    let mut steps = Vec::new();
    let mut guide_file = None;
    for (path, file_name, bytes) in files {
        if *file_name == GUIDE_FILE {
            guide_file = Some((*path, *bytes));
        } else if let Some(step) = read_step(path, file_name, bytes, problems) {
            steps.push(step);
        }
    }
    let Some((path, bytes)) = guide_file else {
        problems.push(Problem {
            file: guide_path,
            line: 1,
            message: "mangler: hver handlingsveileder må ha en veileder.md".into(),
        });
        return None;
    };
    let (file, bodies, front): (GuideFile, _, _) = read_markdown(path, bytes, problems)?;
    let mut p = FileProblems {
        file: path,
        front,
        front_line: 2,
        problems,
    };
    let area = GuideArea::from_key(&file.area).unwrap_or_else(|| {
        p.near(
            "area",
            format!(
                "area: ukjent verdi «{}»; gyldige verdier er {}",
                file.area,
                GuideArea::keys()
            ),
        );
        GuideArea::Other
    });
    let review_date = review_date(&mut p, file.review_date.as_deref());
    let status = status(&mut p, &file.status);
    let texts = ByLang {
        nb: file.nb,
        nn: file.nn,
    };
    bodies_match_texts(&mut p, &texts, &bodies);

    let levels_in_order: Vec<u8> = file.levels.iter().map(|l| l.level).collect();
    if levels_in_order != GUIDE_LEVELS {
        p.near(
            "[[levels]]",
            "veilederen må ha fire [[levels]], med level = 0, 1, 2 og 3 i den rekkefølgen",
        );
    }
    let mut listed = BTreeSet::new();
    for level in &file.levels {
        for step in &level.steps {
            let needle = format!("\"{step}\"");
            match steps.iter().find(|s: &&Step| &s.slug == step) {
                None => p.near(
                    &needle,
                    format!(
                        "steget «{step}» finnes ikke: ingen fil {}-{step}.md",
                        level.level
                    ),
                ),
                Some(s) if s.level != level.level => p.near(
                    &needle,
                    format!(
                        "steget «{step}» er på nivå {} (filnavnet), men står under level = {}",
                        s.level, level.level
                    ),
                ),
                Some(_) => {}
            }
            if !listed.insert(step.as_str()) {
                p.near(&needle, format!("steget «{step}» står to ganger"));
            }
        }
    }
    for step in &steps {
        if !listed.contains(step.slug.as_str()) {
            p.at_line(
                1,
                format!("steget «{}» er ikke med i noen [[levels]] steps", step.slug),
            );
        }
    }
    steps.sort_by(|a, b| a.slug.cmp(&b.slug));
    let text_of = |t: Option<TitleSummaryFile>, lang| {
        t.map(|t| GuideText {
            title: t.title,
            summary: t.summary,
            body: bodies.get(lang).cloned().unwrap_or_default(),
        })
    };
    Some(Guide {
        slug: guide_slug.to_string(),
        area,
        owner: file.owner,
        review_date,
        status,
        text: ByLang {
            nb: text_of(texts.nb, Lang::Nb),
            nn: text_of(texts.nn, Lang::Nn),
        },
        levels: file
            .levels
            .into_iter()
            .map(|l| GuideLevel {
                level: l.level,
                name: ByLang { nb: l.nb, nn: l.nn },
                steps: l.steps,
            })
            .collect(),
        steps,
    })
}

fn read_step(
    path: &str,
    file_name: &str,
    bytes: &[u8],
    problems: &mut Vec<Problem>,
) -> Option<Step> {
    let parsed = file_name
        .strip_suffix(".md")
        .and_then(|stem| stem.split_once('-'))
        .and_then(|(level, slug)| Some((level.parse::<u8>().ok().filter(|l| *l <= 3)?, slug)))
        .filter(|(_, slug)| slug::is_valid(slug));
    let Some((level, step_slug)) = parsed else {
        problems.push(Problem {
            file: path.into(),
            line: 1,
            message:
                "et steg heter <nivå>-<slug>.md, med nivå 0–3, f.eks. 0-gjor-bekymringen-konkret.md"
                    .into(),
        });
        return None;
    };
    let (file, bodies, front): (StepFile, _, _) = read_markdown(path, bytes, problems)?;
    let mut p = FileProblems {
        file: path,
        front,
        front_line: 2,
        problems,
    };
    let responsible_role = Role::from_key(&file.responsible_role).unwrap_or_else(|| {
        p.near(
            "responsible_role",
            format!(
                "responsible_role: ukjent verdi «{}»; gyldige verdier er {}",
                file.responsible_role,
                Role::keys()
            ),
        );
        Role::Employee
    });
    let texts = ByLang {
        nb: file.nb,
        nn: file.nn,
    };
    bodies_match_texts(&mut p, &texts, &bodies);
    let decisions = file
        .decisions
        .into_iter()
        .filter_map(|d| {
            let label = ByLang { nb: d.nb, nn: d.nn };
            let target = match (d.step, d.level, d.outcome) {
                (Some(step), None, None) => Some(DecisionTarget::Step(step)),
                (None, Some(level), None) if level <= 3 => Some(DecisionTarget::Level(level)),
                (None, Some(level), None) => {
                    p.near("level", format!("level = {level}: nivået må være 0–3"));
                    None
                }
                (None, None, Some(outcome)) => match Outcome::from_key(&outcome) {
                    Some(o) => Some(DecisionTarget::Outcome(o)),
                    None => {
                        p.near(
                            &outcome,
                            format!(
                                "outcome: ukjent verdi «{outcome}»; gyldige verdier er {}",
                                Outcome::keys()
                            ),
                        );
                        None
                    }
                },
                _ => {
                    p.near(
                        "[[decisions]]",
                        "en beslutning må ha nøyaktig én av step, level og outcome",
                    );
                    None
                }
            };
            target.map(|target| Decision { target, label })
        })
        .collect();
    let text_of = |t: Option<StepTextFile>, lang| {
        t.map(|t| StepText {
            title: t.title,
            summary: t.summary,
            responsible: t.responsible,
            deadline: t.deadline,
            questions: t.questions,
            body: bodies.get(lang).cloned().unwrap_or_default(),
        })
    };
    Some(Step {
        slug: step_slug.to_string(),
        level,
        responsible_role,
        deadline_days: file.deadline_days,
        urgent: file.urgent,
        tools: file.tools,
        relies_on: file.relies_on,
        text: ByLang {
            nb: text_of(texts.nb, Lang::Nb),
            nn: text_of(texts.nn, Lang::Nn),
        },
        decisions,
    })
}

pub fn guide_path(guide: &Guide) -> String {
    format!("{GUIDES_DIR}/{}/{GUIDE_FILE}", guide.slug)
}

pub fn step_path(guide_slug: &str, step: &Step) -> String {
    format!("{GUIDES_DIR}/{guide_slug}/{}-{}.md", step.level, step.slug)
}

pub(super) fn write_guides(guides: &[Guide], out: &mut Vec<SourceFile>) {
    for guide in guides {
        let text_file = |t: &GuideText| TitleSummaryFile {
            title: t.title.clone(),
            summary: t.summary.clone(),
        };
        let file = GuideFile {
            area: guide.area.key().into(),
            owner: guide.owner.clone(),
            review_date: guide.review_date.map(format_iso_date),
            status: guide.status.key().into(),
            nb: guide.text.nb.as_ref().map(text_file),
            nn: guide.text.nn.as_ref().map(text_file),
            levels: guide
                .levels
                .iter()
                .map(|l| GuideLevelFile {
                    level: l.level,
                    nb: l.name.nb.clone(),
                    nn: l.name.nn.clone(),
                    steps: l.steps.clone(),
                })
                .collect(),
        };
        out.push(SourceFile {
            path: guide_path(guide),
            bytes: with_front_matter(&file, &super::body_map(&guide.text, |t| &t.body))
                .into_bytes(),
        });
        for step in &guide.steps {
            let text_file = |t: &StepText| StepTextFile {
                title: t.title.clone(),
                summary: t.summary.clone(),
                responsible: t.responsible.clone(),
                deadline: t.deadline.clone(),
                questions: t.questions.clone(),
            };
            let file = StepFile {
                responsible_role: step.responsible_role.key().into(),
                deadline_days: step.deadline_days,
                urgent: step.urgent,
                tools: step.tools.clone(),
                relies_on: step.relies_on.clone(),
                nb: step.text.nb.as_ref().map(text_file),
                nn: step.text.nn.as_ref().map(text_file),
                decisions: step
                    .decisions
                    .iter()
                    .map(|d| {
                        let (step, level, outcome) = match &d.target {
                            DecisionTarget::Step(s) => (Some(s.clone()), None, None),
                            DecisionTarget::Level(l) => (None, Some(*l), None),
                            DecisionTarget::Outcome(o) => (None, None, Some(o.key().to_string())),
                        };
                        DecisionFile {
                            step,
                            level,
                            outcome,
                            nb: d.label.nb.clone(),
                            nn: d.label.nn.clone(),
                        }
                    })
                    .collect(),
            };
            out.push(SourceFile {
                path: step_path(&guide.slug, step),
                bytes: with_front_matter(&file, &super::body_map(&step.text, |t| &t.body))
                    .into_bytes(),
            });
        }
    }
}
