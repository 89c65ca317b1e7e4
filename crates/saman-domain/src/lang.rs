//! The two written standards of Norwegian that every text exists in.

use std::fmt;
use std::str::FromStr;

/// A content and interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    /// Bokmål.
    Nb,
    /// Nynorsk.
    Nn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Nb, Lang::Nn];

    /// The BCP 47 code, used in URLs, `lang` attributes and files.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::Nn => "nn",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Nb => Lang::Nn,
            Lang::Nn => Lang::Nb,
        }
    }
}

/// Stored by its code, as in files and URLs.
impl serde::Serialize for Lang {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> serde::Deserialize<'de> for Lang {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        code.parse()
            .map_err(|_| serde::de::Error::custom(format!("unknown language {code:?}")))
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "nb" => Ok(Lang::Nb),
            "nn" => Ok(Lang::Nn),
            _ => Err(UnknownLang),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("unknown language: expected nb or nn")]
pub struct UnknownLang;

/// A value that may exist in each language.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ByLang<T> {
    pub nb: Option<T>,
    pub nn: Option<T>,
}

impl<T> Default for ByLang<T> {
    fn default() -> Self {
        ByLang { nb: None, nn: None }
    }
}

/// A value picked for a wanted language, with the language it is actually in.
#[derive(Debug)]
pub struct Picked<'a, T> {
    pub value: &'a T,
    pub lang: Lang,
}

impl<T> Clone for Picked<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Picked<'_, T> {}

impl<'a, T> Picked<'a, T> {
    /// True when the wanted language was missing and the other one is shown.
    pub fn is_fallback(&self, wanted: Lang) -> bool {
        self.lang != wanted
    }
}

impl<T> ByLang<T> {
    pub fn get(&self, lang: Lang) -> Option<&T> {
        match lang {
            Lang::Nb => self.nb.as_ref(),
            Lang::Nn => self.nn.as_ref(),
        }
    }

    pub fn set(&mut self, lang: Lang, value: T) {
        match lang {
            Lang::Nb => self.nb = Some(value),
            Lang::Nn => self.nn = Some(value),
        }
    }

    /// The value in `lang`, or else in the other language.
    pub fn pick(&self, lang: Lang) -> Option<Picked<'_, T>> {
        [lang, lang.other()]
            .into_iter()
            .find_map(|l| self.get(l).map(|value| Picked { value, lang: l }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pick_falls_back_to_the_other_language() {
        let only_nb = ByLang {
            nb: Some("bokmål"),
            nn: None,
        };
        let picked = only_nb.pick(Lang::Nn).unwrap();
        assert_eq!(*picked.value, "bokmål");
        assert!(picked.is_fallback(Lang::Nn));
        assert!(!only_nb.pick(Lang::Nb).unwrap().is_fallback(Lang::Nb));
        assert!(ByLang::<u8>::default().pick(Lang::Nb).is_none());
    }

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(lang.code().parse::<Lang>().unwrap(), lang);
        }
        assert!("en".parse::<Lang>().is_err());
    }
}
