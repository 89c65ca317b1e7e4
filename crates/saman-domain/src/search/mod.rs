//! Search over a tenant's published model, in Norwegian: both written forms, inflected
//! forms (a stemmer), synonyms and abbreviations (a list), parts of compound words, and
//! typos. The index is built in memory from the documents the site shows; a query is
//! answered from it with no I/O.
//!
//! Ranking: each query word is matched exactly, by its stem, by a synonym, as part of a
//! compound, or with a typo, in that order of weight; a match in a title weighs more
//! than one in a summary, and that more than one in a body; rarer words weigh more.
//! Documents that match every query word come before those that match only some.

mod synonyms;
pub mod text;

pub use synonyms::{SAMAN_SYNONYMS, Synonyms, synonyms_as_lines, synonyms_from_lines};

use crate::Lang;
use crate::model::{Level, TargetGroup};
use std::collections::{HashMap, HashSet};
use text::{distance, is_stopword, stem, words};

/// What kind of page a document is, for filtering and for the result's label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    Item(crate::model::Kind),
    Guide,
    Step,
    Form,
    Timeline,
}

impl DocKind {
    const OTHERS: [DocKind; 4] = [
        DocKind::Guide,
        DocKind::Step,
        DocKind::Form,
        DocKind::Timeline,
    ];

    pub fn key(self) -> &'static str {
        match self {
            DocKind::Item(kind) => kind.key(),
            DocKind::Guide => "veileder",
            DocKind::Step => "steg",
            DocKind::Form => "skjema",
            DocKind::Timeline => "tidslinje",
        }
    }

    pub fn from_key(key: &str) -> Option<DocKind> {
        crate::model::Kind::from_key(key)
            .map(DocKind::Item)
            .or_else(|| DocKind::OTHERS.into_iter().find(|k| k.key() == key))
    }
}

/// Whom a page is for, as the site's entry pages divide its readers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// The professionals who follow the model: guides, routines, tools, forms, plans.
    Employees,
    ChildrenAndYouth,
    Guardians,
}

impl Audience {
    pub const ALL: [Audience; 3] = [
        Audience::Employees,
        Audience::ChildrenAndYouth,
        Audience::Guardians,
    ];

    /// As the entry pages' addresses name them (`/for/ansatte`).
    pub fn key(self) -> &'static str {
        match self {
            Audience::Employees => "ansatte",
            Audience::ChildrenAndYouth => "barn-og-unge",
            Audience::Guardians => "foresatte",
        }
    }

    pub fn from_key(key: &str) -> Option<Audience> {
        Audience::ALL.into_iter().find(|a| a.key() == key)
    }
}

impl Document {
    /// Whom the document is for: services and measures by their target groups, the
    /// rest of the model for employees; news is for everyone.
    pub fn audiences(&self) -> &'static [Audience] {
        use crate::model::Kind::*;
        match self.kind {
            DocKind::Item(Service | Measure) => {
                let any =
                    |groups: &[TargetGroup]| self.target_groups.iter().any(|t| groups.contains(t));
                let young = any(&[
                    TargetGroup::Age6To12,
                    TargetGroup::Age13To18,
                    TargetGroup::Age19To23,
                ]);
                let families = any(&[
                    TargetGroup::Guardians,
                    TargetGroup::Pregnant,
                    TargetGroup::Age0To5,
                ]);
                match (young, families) {
                    (true, true) => &[Audience::ChildrenAndYouth, Audience::Guardians],
                    (true, false) => &[Audience::ChildrenAndYouth],
                    (false, true) => &[Audience::Guardians],
                    (false, false) => &[],
                }
            }
            DocKind::Timeline => &[],
            _ => &[Audience::Employees],
        }
    }
}

/// A page the search can find, with its texts per language.
#[derive(Debug, Clone)]
pub struct Document {
    /// What the caller knows it by (e.g. an item's slug, `steg:<guide>/<step>`).
    pub key: String,
    pub kind: DocKind,
    pub levels: Vec<Level>,
    pub target_groups: Vec<TargetGroup>,
    pub texts: Vec<DocText>,
}

/// A document's text in one language, as plain text.
#[derive(Debug, Clone)]
pub struct DocText {
    pub lang: Lang,
    pub title: String,
    pub summary: String,
    pub body: String,
}

/// The parts of a text, by how much a match in them weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    Title,
    Summary,
    Body,
}

impl Part {
    const ALL: [Part; 3] = [Part::Title, Part::Summary, Part::Body];

    fn weight(self) -> f32 {
        match self {
            Part::Title => 6.0,
            Part::Summary => 3.0,
            Part::Body => 1.0,
        }
    }

    fn of(self, text: &DocText) -> &str {
        match self {
            Part::Title => &text.title,
            Part::Summary => &text.summary,
            Part::Body => &text.body,
        }
    }
}

/// How a word of the document matched a word of the query, by weight.
const EXACT: f32 = 1.0;
const SAME_STEM: f32 = 0.8;
const SYNONYM: f32 = 0.7;
const COMPOUND: f32 = 0.5;
const TYPO: f32 = 0.4;
/// A match in the other written form than the reader's weighs a little less.
const OTHER_LANGUAGE: f32 = 0.9;

#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    text: u8,
    part: Part,
    count: u16,
}

/// A tenant's documents, indexed.
#[derive(Debug)]
pub struct Index {
    docs: Vec<Document>,
    synonyms: Synonyms,
    /// Every word, by id.
    vocabulary: Vec<String>,
    word_ids: HashMap<String, u32>,
    /// Each word's stem, by word id.
    word_stems: Vec<String>,
    /// Each word's letters, for typos.
    word_chars: Vec<Vec<char>>,
    /// Stem → the words with it.
    stems: HashMap<String, Vec<u32>>,
    /// Word id → where it occurs.
    postings: Vec<Vec<Posting>>,
}

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct Query<'a> {
    pub text: &'a str,
    /// The reader's language: matches in it weigh a little more.
    pub lang: Option<Lang>,
    pub kind: Option<&'a str>,
    pub level: Option<Level>,
    pub target_group: Option<TargetGroup>,
    pub audience: Option<Audience>,
    /// Whether to count, per filter value, the results it would leave (for a results
    /// page; suggestions need none).
    pub count_filters: bool,
    /// How many of the best hits to return, in order (`None`: all); the rest are only
    /// counted.
    pub limit: Option<usize>,
}

/// A document found.
#[derive(Debug, Clone)]
pub struct Hit<'a> {
    pub doc: &'a Document,
    pub score: f32,
    /// The language of the text in which the best match was found.
    pub lang: Lang,
}

/// What a query found.
#[derive(Debug, Clone, Default)]
pub struct Found<'a> {
    /// Best first; at most the query's limit.
    pub hits: Vec<Hit<'a>>,
    /// How many documents the query found with its filters.
    pub total: usize,
    /// Per filter value, how many hits it would leave (with the other filters kept).
    pub kinds: Vec<(&'static str, usize)>,
    pub levels: Vec<(Level, usize)>,
    pub target_groups: Vec<(TargetGroup, usize)>,
    pub audiences: Vec<(Audience, usize)>,
    /// The query with its misspelled words replaced by the likeliest word, if any was.
    pub did_you_mean: Option<String>,
    /// Every word (normalized) that counts as a match of the query, to mark in passages.
    pub words: HashSet<String>,
}

/// One word of a query, as the documents' words it matches and with what weight.
struct Term {
    /// Word id → weight.
    words: HashMap<u32, f32>,
    /// Phrases that mean the same (each word a set of word ids), with their weight.
    phrases: Vec<(Vec<HashMap<u32, f32>>, f32)>,
    /// The likeliest word, if the query word is not in the index but close to one.
    correction: Option<(String, String)>,
}

impl Index {
    pub fn build(docs: Vec<Document>, synonyms: Synonyms) -> Index {
        let mut index = Index {
            docs: Vec::new(),
            synonyms,
            vocabulary: Vec::new(),
            word_ids: HashMap::new(),
            word_stems: Vec::new(),
            word_chars: Vec::new(),
            stems: HashMap::new(),
            postings: Vec::new(),
        };
        for (d, doc) in docs.iter().enumerate() {
            for (t, text) in doc.texts.iter().enumerate() {
                for part in Part::ALL {
                    let mut counts: HashMap<u32, u16> = HashMap::new();
                    for (word, _) in words(part.of(text)) {
                        if is_stopword(&word) {
                            continue;
                        }
                        let id = index.word_id(word);
                        *counts.entry(id).or_default() += 1;
                    }
                    for (id, count) in counts {
                        index.postings[id as usize].push(Posting {
                            doc: d as u32,
                            text: t as u8,
                            part,
                            count,
                        });
                    }
                }
            }
        }
        index.docs = docs;
        index
    }

    fn word_id(&mut self, word: String) -> u32 {
        if let Some(id) = self.word_ids.get(&word) {
            return *id;
        }
        let id = self.vocabulary.len() as u32;
        let s = stem(&word);
        self.stems.entry(s.clone()).or_default().push(id);
        self.word_stems.push(s);
        self.word_chars.push(word.chars().collect());
        self.word_ids.insert(word.clone(), id);
        self.vocabulary.push(word);
        self.postings.push(Vec::new());
        id
    }

    pub fn len(&self) -> usize {
        self.docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// How many different words the index holds.
    pub fn vocabulary_size(&self) -> usize {
        self.vocabulary.len()
    }

    /// About how many bytes of memory the index holds, its documents' texts included
    /// (what the allocator adds on top is not counted).
    pub fn approximate_bytes(&self) -> usize {
        use std::mem::size_of;
        let words: usize = self
            .vocabulary
            .iter()
            .map(|w| w.len() * 2 + 48)
            .sum::<usize>()
            + self.word_stems.iter().map(|s| s.len() + 24).sum::<usize>()
            + self
                .word_chars
                .iter()
                .map(|c| c.len() * 4 + 24)
                .sum::<usize>();
        let stems: usize = self
            .stems
            .iter()
            .map(|(s, ids)| s.len() + 48 + ids.len() * 4)
            .sum();
        let postings: usize = self
            .postings
            .iter()
            .map(|p| p.len() * size_of::<Posting>() + 24)
            .sum();
        let docs: usize = self
            .docs
            .iter()
            .flat_map(|d| &d.texts)
            .map(|t| t.title.len() + t.summary.len() + t.body.len() + size_of::<DocText>())
            .sum();
        words + stems + postings + docs
    }

    /// Everything `query` finds, best first, with the counts per filter value.
    pub fn search(&self, query: &Query) -> Found<'_> {
        let terms = self.terms(query.text);
        if terms.is_empty() {
            return Found::default();
        }
        let scored = self.score(&terms, query.lang);
        let keep = |doc: &Document, skip: Filter| {
            (skip == Filter::Kind || query.kind.is_none_or(|k| doc.kind.key() == k))
                && (skip == Filter::Level || query.level.is_none_or(|l| doc.levels.contains(&l)))
                && (skip == Filter::TargetGroup
                    || query
                        .target_group
                        .is_none_or(|t| doc.target_groups.contains(&t)))
                && (skip == Filter::Audience
                    || query.audience.is_none_or(|a| doc.audiences().contains(&a)))
        };
        let mut found = Found::default();
        let mut kinds: HashMap<&'static str, usize> = HashMap::new();
        let mut levels: HashMap<Level, usize> = HashMap::new();
        let mut groups: HashMap<TargetGroup, usize> = HashMap::new();
        let mut audiences: HashMap<Audience, usize> = HashMap::new();
        for (doc, _, _) in scored.iter().filter(|_| query.count_filters) {
            let doc = &self.docs[*doc as usize];
            if keep(doc, Filter::Kind) {
                *kinds.entry(doc.kind.key()).or_default() += 1;
            }
            if keep(doc, Filter::Level) {
                for level in &doc.levels {
                    *levels.entry(*level).or_default() += 1;
                }
            }
            if keep(doc, Filter::TargetGroup) {
                for group in &doc.target_groups {
                    *groups.entry(*group).or_default() += 1;
                }
            }
            if keep(doc, Filter::Audience) {
                for audience in doc.audiences().iter().copied() {
                    *audiences.entry(audience).or_default() += 1;
                }
            }
        }
        found.kinds = sorted_counts(kinds);
        found.levels = sorted_counts(levels);
        found.target_groups = sorted_counts(groups);
        found.audiences = sorted_counts(audiences);
        let mut kept: Vec<(u32, f32, u8)> = scored
            .into_iter()
            .filter(|(doc, _, _)| keep(&self.docs[*doc as usize], Filter::None))
            .collect();
        found.total = kept.len();
        // Only the hits asked for are put in order.
        let order = |a: &(u32, f32, u8), b: &(u32, f32, u8)| {
            b.1.total_cmp(&a.1).then_with(|| {
                self.docs[a.0 as usize]
                    .key
                    .cmp(&self.docs[b.0 as usize].key)
            })
        };
        if let Some(limit) = query.limit.filter(|l| *l > 0 && *l < kept.len()) {
            kept.select_nth_unstable_by(limit - 1, order);
            kept.truncate(limit);
        }
        kept.sort_unstable_by(order);
        found.hits = kept
            .into_iter()
            .map(|(doc, score, text)| {
                let d = &self.docs[doc as usize];
                Hit {
                    doc: d,
                    score,
                    lang: d.texts[text as usize].lang,
                }
            })
            .collect();
        found.words = terms
            .iter()
            .flat_map(|t| {
                t.words.keys().chain(
                    t.phrases
                        .iter()
                        .flat_map(|(p, _)| p.iter().flat_map(|w| w.keys())),
                )
            })
            .map(|id| self.vocabulary[*id as usize].clone())
            .collect();
        let corrected: Vec<&(String, String)> =
            terms.iter().filter_map(|t| t.correction.as_ref()).collect();
        if !corrected.is_empty() {
            let mut text = query.text.to_lowercase();
            for (typed, likely) in corrected {
                text = text.replace(typed.as_str(), likely);
            }
            found.did_you_mean = Some(text);
        }
        found
    }

    /// The query's words, each with the documents' words it matches.
    fn terms(&self, text: &str) -> Vec<Term> {
        let typed: Vec<String> = words(text)
            .into_iter()
            .map(|(w, _)| w)
            .filter(|w| !is_stopword(w))
            .take(12)
            .collect();
        let stems: Vec<String> = typed.iter().map(|w| stem(w)).collect();
        let mut terms = Vec::new();
        let mut i = 0;
        while i < typed.len() {
            // A phrase of the synonym list ("pedagogisk-psykologisk tjeneste") is one term.
            if let Some((len, group)) = self.synonyms.phrase_at(&stems[i..]) {
                terms.push(self.group_term(&[group], None));
                i += len;
                continue;
            }
            terms.push(self.word_term(&typed[i], &stems[i]));
            i += 1;
        }
        terms
    }

    fn word_term(&self, word: &str, word_stem: &str) -> Term {
        let mut term = self.group_term(self.synonyms.groups_of(word_stem), Some(word_stem));
        let mut add = |id: u32, weight: f32| {
            let w = term.words.entry(id).or_insert(0.0);
            *w = w.max(weight);
        };
        if let Some(id) = self.word_ids.get(word) {
            add(*id, EXACT);
        }
        for id in self.stems.get(word_stem).into_iter().flatten() {
            add(*id, SAME_STEM);
        }
        // Parts of compounds: "melding" in "bekymringsmelding", "helsetjeneste" in
        // "skolehelsetjenesten". Short stems would match by chance.
        if word_stem.chars().count() >= 5 {
            for (id, s) in self.word_stems.iter().enumerate() {
                if s.len() > word_stem.len() && s.contains(word_stem) {
                    add(id as u32, COMPOUND);
                }
            }
        }
        if term.words.is_empty() && term.phrases.is_empty() {
            self.typo_term(word, &mut term);
        }
        term
    }

    /// The terms of synonym groups, as word ids; `own` is the query word's stem, which
    /// the caller matches itself.
    fn group_term(&self, groups: &[usize], own: Option<&str>) -> Term {
        let mut term = Term {
            words: HashMap::new(),
            phrases: Vec::new(),
            correction: None,
        };
        for group in groups {
            for phrase in self.synonyms.group(*group) {
                if phrase.len() == 1 {
                    if Some(phrase[0].as_str()) == own {
                        continue;
                    }
                    for id in self.stems.get(&phrase[0]).into_iter().flatten() {
                        let w = term.words.entry(*id).or_insert(0.0);
                        *w = w.max(SYNONYM);
                    }
                } else {
                    let words: Vec<HashMap<u32, f32>> = phrase
                        .iter()
                        .map(|s| {
                            self.stems
                                .get(s)
                                .into_iter()
                                .flatten()
                                .map(|id| (*id, 1.0))
                                .collect()
                        })
                        .collect();
                    if words.iter().all(|w| !w.is_empty()) {
                        term.phrases.push((words, SYNONYM));
                    }
                }
            }
        }
        term
    }

    /// Words one typo away (two for long words), when the word itself is nowhere.
    fn typo_term(&self, word: &str, term: &mut Term) {
        let typed: Vec<char> = word.chars().collect();
        let max = match typed.len() {
            0..=3 => return,
            4..=7 => 1,
            _ => 2,
        };
        let mut best: Option<(usize, usize, u32)> = None;
        for (id, chars) in self.word_chars.iter().enumerate() {
            if let Some(d) = distance(&typed, chars, max) {
                let weight = TYPO / d as f32;
                let w = term.words.entry(id as u32).or_insert(0.0);
                *w = w.max(weight);
                let df = self.postings[id].len();
                if best.is_none_or(|(bd, bdf, _)| {
                    (d, std::cmp::Reverse(df)) < (bd, std::cmp::Reverse(bdf))
                }) {
                    best = Some((d, df, id as u32));
                }
            }
        }
        if let Some((_, _, id)) = best {
            term.correction = Some((word.to_string(), self.vocabulary[id as usize].clone()));
        }
    }

    /// Scores each document by one word of the index, with `weight` (the term's, times
    /// its rarity), into `scores`, keeping each document's best and the text it is in.
    fn score_word(&self, id: u32, weight: f32, lang: Option<Lang>, into: &mut TermScores) {
        for p in &self.postings[id as usize] {
            let doc = p.doc as usize;
            let text_lang = self.docs[doc].texts[p.text as usize].lang;
            let in_lang = if lang.is_none_or(|l| l == text_lang) {
                1.0
            } else {
                OTHER_LANGUAGE
            };
            let score = weight * p.part.weight() * (1.0 + f32::from(p.count).ln()) * in_lang;
            if score > into.score[doc] {
                into.score[doc] = score;
                into.text[doc] = p.text;
            }
        }
    }

    /// How well each document matches a term: its best word, or a phrase of which it
    /// has every word (scored by the phrase's weakest word); times the term's rarity
    /// (fewer documents with any of its words weigh more), taken for the term and not
    /// per word, so that a rare synonym does not beat the word typed.
    fn term_scores(&self, term: &Term, lang: Option<Lang>) -> TermScores {
        let n = self.docs.len();
        let mut best = TermScores::new(n);
        for (id, weight) in &term.words {
            self.score_word(*id, *weight, lang, &mut best);
        }
        for (phrase, weight) in &term.phrases {
            let per_word: Vec<TermScores> = phrase
                .iter()
                .map(|ids| {
                    let mut any = TermScores::new(n);
                    for (id, w) in ids {
                        self.score_word(*id, weight * w, lang, &mut any);
                    }
                    any
                })
                .collect();
            for doc in 0..n {
                let weakest = per_word
                    .iter()
                    .map(|w| w.score[doc])
                    .fold(f32::INFINITY, f32::min);
                if weakest.is_finite() && weakest > best.score[doc] {
                    best.score[doc] = weakest;
                    best.text[doc] = per_word[0].text[doc];
                }
            }
        }
        let df = best.score.iter().filter(|s| **s > 0.0).count();
        let rarity = (1.0 + n as f32 / df.max(1) as f32).ln();
        for s in &mut best.score {
            *s *= rarity;
        }
        best
    }

    /// Each document that matches at least one term, as (document, score, text): those
    /// matching every term only, when there are any, scored by the sum of their terms'
    /// scores. Not in order.
    fn score(&self, terms: &[Term], lang: Option<Lang>) -> Vec<(u32, f32, u8)> {
        let n = self.docs.len();
        let mut total = vec![0.0f32; n];
        let mut count = vec![0usize; n];
        // The text of each document's best-scoring term.
        let mut best = TermScores::new(n);
        for term in terms {
            let scores = self.term_scores(term, lang);
            for doc in 0..n {
                let s = scores.score[doc];
                if s > 0.0 {
                    total[doc] += s;
                    count[doc] += 1;
                    if s > best.score[doc] {
                        best.score[doc] = s;
                        best.text[doc] = scores.text[doc];
                    }
                }
            }
        }
        let every = terms.len();
        let any_complete = count.contains(&every);
        (0..n)
            .filter(|doc| count[*doc] > 0 && (!any_complete || count[*doc] == every))
            .map(|doc| (doc as u32, total[doc], best.text[doc]))
            .collect()
    }
}

/// Per document: how well it matches, and the text (language) of its best match.
struct TermScores {
    score: Vec<f32>,
    text: Vec<u8>,
}

impl TermScores {
    fn new(docs: usize) -> TermScores {
        TermScores {
            score: vec![0.0; docs],
            text: vec![0; docs],
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Filter {
    None,
    Kind,
    Level,
    TargetGroup,
    Audience,
}

/// Filter values with their counts, most first.
fn sorted_counts<K: Copy + std::hash::Hash + Eq>(counts: HashMap<K, usize>) -> Vec<(K, usize)> {
    let mut v: Vec<(K, usize)> = counts.into_iter().collect();
    v.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    v
}

/// A passage of a text around the words that matched, as runs of text with the matched
/// words marked; at most `max_chars` characters (and an ellipsis at either end that was
/// cut). The text is read only as far as the passage goes.
pub fn passage(text: &str, matched: &HashSet<String>, max_chars: usize) -> Vec<(String, bool)> {
    // The passage starts a few words before the first match (or at the start).
    const BEFORE: usize = 6;
    let mut recent: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut words = text::words_in(text).peekable();
    let mut start = 0;
    let mut marked: Vec<std::ops::Range<usize>> = Vec::new();
    for (word, range) in words.by_ref() {
        if recent.len() == BEFORE + 1 {
            recent.pop_front();
        }
        recent.push_back(range.start);
        if matched.contains(&word) {
            start = recent.front().copied().unwrap_or(0);
            marked.push(range);
            break;
        }
    }
    if marked.is_empty() {
        start = 0;
        words = text::words_in(text).peekable();
    }
    // It ends at the end of the last word that fits.
    let limit = text[start..]
        .char_indices()
        .nth(max_chars)
        .map_or(text.len(), |(i, _)| start + i);
    let mut end = if limit == text.len() { limit } else { start };
    if let Some(first) = marked.first() {
        end = end.max(first.end.min(limit));
    }
    for (word, range) in words {
        if range.end > limit {
            break;
        }
        if range.start >= start {
            end = end.max(range.end);
            if matched.contains(&word) {
                marked.push(range);
            }
        }
    }
    if limit == text.len() {
        end = limit;
    }
    let mut runs = Vec::new();
    if start > 0 {
        runs.push(("… ".to_string(), false));
    }
    let mut at = start;
    for range in marked.into_iter().filter(|r| r.end <= end) {
        if range.start > at {
            runs.push((text[at..range.start].replace('\n', " "), false));
        }
        runs.push((text[range.clone()].to_string(), true));
        at = range.end;
    }
    if end > at {
        runs.push((text[at..end].replace('\n', " "), false));
    }
    if end < text.len() {
        runs.push((" …".to_string(), false));
    }
    runs
}

#[cfg(test)]
mod tests;
