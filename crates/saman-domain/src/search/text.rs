//! Norwegian text for search: words as the index keeps them, and a stemmer for bokmål
//! and nynorsk together, so that inflected forms in either written form meet.

/// The words of a text, lower-cased and with foreign accents folded, each with its
/// byte range in the text (to mark it in a passage).
pub fn words(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    words_in(text).collect()
}

/// The words of a text one by one, for a caller that may stop early.
pub fn words_in(text: &str) -> impl Iterator<Item = (String, std::ops::Range<usize>)> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        // Skip to the next word, then take it.
        while chars.peek().is_some_and(|(_, c)| !c.is_alphanumeric()) {
            chars.next();
        }
        let (start, _) = *chars.peek()?;
        let mut end = start;
        while let Some((i, c)) = chars.peek().copied() {
            if !c.is_alphanumeric() {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        Some((normalize(&text[start..end]), start..end))
    })
}

/// A word as the index keeps it: lower case, with accents other than æ, ø and å folded
/// (é → e, ü → u; ö and ä as their Norwegian letters).
pub fn normalize(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'á' | 'à' | 'â' => 'a',
            'ó' | 'ò' | 'ô' => 'o',
            'ü' | 'ú' | 'ù' | 'û' => 'u',
            'í' | 'ì' | 'ï' | 'î' => 'i',
            'ö' => 'ø',
            'ä' => 'æ',
            other => other,
        })
        .collect()
}

/// Words too common to tell texts apart, in both written forms.
const STOPWORDS: &[&str] = &[
    "av", "at", "de", "dei", "den", "der", "det", "du", "eg", "ein", "eit", "ei", "en", "er", "et",
    "for", "frå", "fra", "han", "har", "ho", "hun", "i", "ikke", "ikkje", "jeg", "kan", "med",
    "meg", "og", "om", "på", "seg", "som", "til", "vi", "å", "så", "var", "vil", "skal",
];

pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.contains(&word)
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'æ' | 'ø' | 'å')
}

/// Inflectional endings of bokmål and nynorsk nouns, adjectives and verbs, longest
/// first (after the Snowball Norwegian stemmer, with nynorsk's -ar, -ane and -a).
const ENDINGS: &[&str] = &[
    "hetenes", "hetene", "hetens", "heten", "heter", "endes", "edes", "enes", "ande", "ende",
    "ene", "ane", "ens", "ers", "ets", "het", "ast", "ar", "er", "en", "et", "as", "es", "a", "e",
];

/// The stem of a normalized word: inflections removed, bokmål's -lig written as
/// nynorsk's -leg, and a doubled last consonant made single, so that "tjenestene",
/// "tjeneste", "barnehagar" and "barnehagen", "ungdommar" and "ungdom", "vanskelig"
/// and "vanskeleg" meet.
pub fn stem(word: &str) -> String {
    let chars: Vec<char> = word.chars().collect();
    if chars.len() < 4 || chars.iter().any(|c| c.is_ascii_digit()) {
        return word.to_string();
    }
    // R1: after the first consonant that follows a vowel, and at least 3 letters in.
    let r1 = chars
        .windows(2)
        .position(|w| is_vowel(w[0]) && !is_vowel(w[1]))
        .map_or(chars.len(), |i| i + 2)
        .max(3);
    let mut stem: Vec<char> = chars.clone();
    // Inflections stack (lærar-ane): a second ending after the first, but not a
    // genitive -s, which would join "helse" and "hele".
    if strip_ending(&mut stem, r1, true) {
        strip_ending(&mut stem, r1, false);
    }
    // -dt and -vt: "godt" → "god".
    if stem.len() > r1 && (stem.ends_with(&['d', 't']) || stem.ends_with(&['v', 't'])) {
        stem.pop();
    }
    // Not removed: "fastlege" is no adjective.
    if stem.ends_with(&['l', 'i', 'g']) {
        let n = stem.len();
        stem[n - 2] = 'e';
    }
    if stem.len() >= 4 {
        let n = stem.len();
        if stem[n - 1] == stem[n - 2] && !is_vowel(stem[n - 1]) {
            stem.pop();
        }
    }
    stem.into_iter().collect()
}

/// Removes the longest inflectional ending that starts in R1; with `genitive`, else a
/// genitive -s after a letter that can end a word before it. Whether anything was
/// removed.
fn strip_ending(stem: &mut Vec<char>, r1: usize, genitive: bool) -> bool {
    for ending in ENDINGS {
        let e: Vec<char> = ending.chars().collect();
        if stem.len() >= r1 + e.len() && stem.ends_with(&e) {
            stem.truncate(stem.len() - e.len());
            return true;
        }
    }
    let n = stem.len();
    if genitive && n > r1 && stem[n - 1] == 's' {
        let before = stem[n - 2];
        let valid = "bcdfghjlmnoprtvyz".contains(before)
            || (before == 'k' && n >= 3 && !is_vowel(stem[n - 3]));
        if valid {
            stem.pop();
            return true;
        }
    }
    false
}

/// The text of Markdown without its markup, blocks separated by new lines.
pub fn plain_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, TagEnd};
    let mut out = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::TableCell,
            ) => out.push('\n'),
            _ => {}
        }
    }
    out.trim_end().to_string()
}

/// The Damerau–Levenshtein distance (with adjacent swaps) between two words, or `None`
/// when it is over `max`.
pub fn distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    let mut rows = vec![vec![0usize; width]; 3];
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (cur, prev, prev2) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        rows[cur][0] = i;
        let mut best = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[prev][j] + 1)
                .min(rows[cur][j - 1] + 1)
                .min(rows[prev][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[prev2][j - 2] + 1);
            }
            rows[cur][j] = d;
            best = best.min(d);
        }
        if best > max {
            return None;
        }
    }
    let d = rows[a.len() % 3][b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_stem(words: &[&str]) {
        let stems: Vec<String> = words.iter().map(|w| stem(w)).collect();
        assert!(
            stems.windows(2).all(|w| w[0] == w[1]),
            "{words:?} → {stems:?}"
        );
    }

    #[test]
    fn inflections_of_both_written_forms_meet() {
        same_stem(&["tjeneste", "tjenesten", "tjenester", "tjenestene"]);
        same_stem(&["teneste", "tenesta", "tenester", "tenestene"]);
        same_stem(&[
            "barnehage",
            "barnehagen",
            "barnehagar",
            "barnehagane",
            "barnehager",
        ]);
        same_stem(&["ungdom", "ungdommen", "ungdommar", "ungdommene"]);
        same_stem(&["lærar", "lærarar", "lærarane"]);
        same_stem(&["melding", "meldinga", "meldingen", "meldingar", "meldinger"]);
        same_stem(&["vanskelig", "vanskeleg"]);
        same_stem(&["foreldre", "foreldrene"]);
        same_stem(&["fastlege", "fastlegen", "fastlegar"]);
        assert_ne!(stem("fastlege"), stem("fast"));
        assert_ne!(stem("helse"), stem("hele"));
        assert_eq!(stem("ppt"), "ppt");
        assert_eq!(stem("2026"), "2026");
    }

    #[test]
    fn words_are_normalized_with_their_place() {
        let w = words("Café-PPT: Ørsta, 12 år.");
        let texts: Vec<&str> = w.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["cafe", "ppt", "ørsta", "12", "år"]);
        assert_eq!(&"Café-PPT: Ørsta, 12 år."[w[2].1.clone()], "Ørsta");
    }

    #[test]
    fn distance_counts_swaps_and_stops_early() {
        let c = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(
            distance(&c("bekymrigsmelding"), &c("bekymringsmelding"), 2),
            Some(1)
        );
        assert_eq!(distance(&c("samtyke"), &c("samtykke"), 1), Some(1));
        assert_eq!(distance(&c("barnverm"), &c("barnvern"), 1), Some(1));
        assert_eq!(distance(&c("smatykke"), &c("samtykke"), 1), Some(1));
        assert_eq!(distance(&c("skole"), &c("helse"), 2), None);
    }

    #[test]
    fn markdown_becomes_plain_text() {
        assert_eq!(
            plain_text("## Hei\n\nSe [PPT](https://x.no) og **BUP**.\n\n- en\n- to"),
            "Hei\nSe PPT og BUP.\nen\nto"
        );
    }
}
