//! Words that mean the same for search: abbreviations (PPT), synonyms (helsesøster)
//! and the other written form where the stems differ (teneste / tjeneste). Saman has a
//! list for every tenant (`synonyms.txt`); a tenant adds its own groups.

use super::text::{is_stopword, normalize, stem, words};
use std::collections::HashMap;

/// Saman's own list: one group per line, terms separated by commas, `#` for comments.
pub const SAMAN_SYNONYMS: &str = include_str!("synonyms.txt");

/// Groups of terms that mean the same; a term is a phrase of one or more stems.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    groups: Vec<Vec<Vec<String>>>,
    /// A one-word term's stem → the groups it is in.
    by_stem: HashMap<String, Vec<usize>>,
    /// Terms of several words, with their group, longest first.
    phrases: Vec<(Vec<String>, usize)>,
}

impl Synonyms {
    /// Reads groups in the list's format; lines with fewer than two terms are skipped.
    pub fn parse(text: &str) -> Synonyms {
        let groups = text
            .lines()
            .map(|line| line.split('#').next().unwrap_or(""))
            .map(|line| line.split(',').map(str::trim).filter(|t| !t.is_empty()));
        Synonyms::from_groups(groups)
    }

    /// Groups of terms, as typed.
    pub fn from_groups<'a>(
        groups: impl IntoIterator<Item = impl IntoIterator<Item = &'a str>>,
    ) -> Synonyms {
        let mut synonyms = Synonyms::default();
        for group in groups {
            synonyms.add(group);
        }
        synonyms
    }

    /// Adds a group of terms.
    pub fn add<'a>(&mut self, terms: impl IntoIterator<Item = &'a str>) {
        let phrases: Vec<Vec<String>> = terms
            .into_iter()
            .map(phrase_stems)
            .filter(|p| !p.is_empty())
            .collect();
        if phrases.len() < 2 {
            return;
        }
        let index = self.groups.len();
        for phrase in &phrases {
            if phrase.len() == 1 {
                let groups = self.by_stem.entry(phrase[0].clone()).or_default();
                if !groups.contains(&index) {
                    groups.push(index);
                }
            } else {
                self.phrases.push((phrase.clone(), index));
            }
        }
        self.phrases
            .sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        self.groups.push(phrases);
    }

    /// The groups a one-word term with this stem is in.
    pub fn groups_of(&self, stem: &str) -> &[usize] {
        self.by_stem.get(stem).map_or(&[], Vec::as_slice)
    }

    /// The terms of a group, each as its stems.
    pub fn group(&self, index: usize) -> &[Vec<String>] {
        &self.groups[index]
    }

    /// The longest phrase of several words that starts `stems`: its length and group.
    pub fn phrase_at(&self, stems: &[String]) -> Option<(usize, usize)> {
        self.phrases
            .iter()
            .find(|(p, _)| stems.starts_with(p))
            .map(|(p, g)| (p.len(), *g))
    }
}

/// Groups as an editor writes them: one group per line, terms separated by commas.
pub fn synonyms_as_lines(groups: &[Vec<String>]) -> String {
    groups
        .iter()
        .map(|g| g.join(", "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Groups from an editor's lines; blank lines and empty terms are left out.
pub fn synonyms_from_lines(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(|line| {
            line.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .filter(|g| !g.is_empty())
        .collect()
}

/// A term's words as stems, without stopwords.
fn phrase_stems(term: &str) -> Vec<String> {
    words(&normalize(term))
        .into_iter()
        .map(|(w, _)| w)
        .filter(|w| !is_stopword(w))
        .map(|w| stem(&w))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_join_words_and_phrases() {
        let s = Synonyms::parse(
            "# comment\nPPT, pedagogisk-psykologisk tjeneste # the service\nhelsesøster, helsesykepleier\nalone\n",
        );
        let ppt = s.groups_of("ppt");
        assert_eq!(ppt.len(), 1);
        assert_eq!(s.group(ppt[0]).len(), 2);
        let stems: Vec<String> = ["pedagogisk", "psykologisk", "tjeneste", "for"]
            .iter()
            .map(|w| stem(w))
            .collect();
        assert_eq!(s.phrase_at(&stems), Some((3, ppt[0])));
        assert!(s.groups_of(&stem("helsesøster")).len() == 1);
        assert!(s.groups_of("alone").is_empty());
    }

    #[test]
    fn lines_and_groups_round_trip() {
        let groups = synonyms_from_lines("PP-tenesta, PPT\n\n  ,\nhelsesyster ,  helsesøster");
        assert_eq!(
            groups,
            [
                vec!["PP-tenesta", "PPT"],
                vec!["helsesyster", "helsesøster"]
            ]
        );
        assert_eq!(synonyms_from_lines(&synonyms_as_lines(&groups)), groups);
    }

    #[test]
    fn sam_ans_own_list_reads() {
        let s = Synonyms::parse(SAMAN_SYNONYMS);
        assert!(!s.groups_of("ppt").is_empty());
    }
}
