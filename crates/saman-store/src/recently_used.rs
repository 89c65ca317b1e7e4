//! A map that keeps at most so many entries, dropping the least recently used: what
//! bounds the per-tenant copies an instance keeps in memory (published models, search
//! indexes), so that one instance can serve every tenant of a country in little memory.

use std::collections::HashMap;

#[derive(Debug)]
pub struct RecentlyUsed<V> {
    capacity: usize,
    entries: HashMap<String, (u64, V)>,
    /// A logical clock: raised by every use, stamped on the entry used.
    clock: u64,
}

impl<V> RecentlyUsed<V> {
    /// Keeps at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        RecentlyUsed {
            capacity: capacity.max(1),
            entries: HashMap::new(),
            clock: 0,
        }
    }

    /// The entry for `key`, marked as just used.
    pub fn get(&mut self, key: &str) -> Option<&V> {
        self.clock += 1;
        let clock = self.clock;
        self.entries.get_mut(key).map(|(used, value)| {
            *used = clock;
            &*value
        })
    }

    /// Puts `value` under `key`, first dropping the least recently used entry if full.
    pub fn insert(&mut self, key: &str, value: V) {
        self.clock += 1;
        if self.entries.len() >= self.capacity && !self.entries.contains_key(key) {
            // A scan: capacities are small (tens), and inserts are rare beside gets.
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                self.entries.remove(&oldest);
            }
        }
        self.entries.insert(key.to_string(), (self.clock, value));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::RecentlyUsed;

    #[test]
    fn the_least_recently_used_goes_first() {
        let mut kept = RecentlyUsed::new(2);
        kept.insert("a", 1);
        kept.insert("b", 2);
        assert_eq!(kept.get("a"), Some(&1));
        kept.insert("c", 3);
        assert_eq!(kept.get("b"), None, "b was used least recently");
        assert_eq!(kept.get("a"), Some(&1));
        assert_eq!(kept.get("c"), Some(&3));
        assert_eq!(kept.len(), 2);
    }

    #[test]
    fn replacing_an_entry_drops_nothing_else() {
        let mut kept = RecentlyUsed::new(2);
        kept.insert("a", 1);
        kept.insert("b", 2);
        kept.insert("a", 10);
        assert_eq!(kept.get("a"), Some(&10));
        assert_eq!(kept.get("b"), Some(&2));
    }
}
