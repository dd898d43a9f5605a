//! A map that remembers which keys were changed: reading goes through `Deref` to the
//! `BTreeMap`, every way of changing it marks the keys it may change. A table kept this way
//! saves only its changed entries, whatever its size, and cannot miss one: there is no
//! `DerefMut`, so the compiler sends every mutation through here.

use std::borrow::Borrow;
use std::collections::btree_map::{BTreeMap, Entry};
use std::collections::BTreeSet;
use std::ops::Deref;

#[derive(Debug, Clone)]
pub struct Tracked<K: Ord, V> {
    map: BTreeMap<K, V>,
    dirty: BTreeSet<K>,
}

impl<K: Ord, V> Default for Tracked<K, V> {
    fn default() -> Self {
        Tracked {
            map: BTreeMap::new(),
            dirty: BTreeSet::new(),
        }
    }
}

impl<K: Ord, V> Deref for Tracked<K, V> {
    type Target = BTreeMap<K, V>;
    fn deref(&self) -> &BTreeMap<K, V> {
        &self.map
    }
}

impl<K: Ord + Clone, V> Tracked<K, V> {
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        self.dirty.insert(key.clone());
        self.map.insert(key, value)
    }

    pub fn get_mut<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let (k, _) = self.map.get_key_value(key)?;
        if !self.dirty.contains(key) {
            self.dirty.insert(k.clone());
        }
        self.map.get_mut(key)
    }

    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        let (k, v) = self.map.remove_entry(key)?;
        self.dirty.insert(k);
        Some(v)
    }

    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        self.dirty.insert(key.clone());
        self.map.entry(key)
    }

    /// Every entry, mutably: all are marked.
    pub fn iter_mut(&mut self) -> std::collections::btree_map::IterMut<'_, K, V> {
        self.dirty.extend(self.map.keys().cloned());
        self.map.iter_mut()
    }

    pub fn values_mut(&mut self) -> std::collections::btree_map::ValuesMut<'_, K, V> {
        self.dirty.extend(self.map.keys().cloned());
        self.map.values_mut()
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        let dirty = &mut self.dirty;
        self.map.retain(|k, v| {
            let kept = keep(k, v);
            if !kept {
                dirty.insert(k.clone());
            }
            kept
        });
    }

    pub fn clear(&mut self) {
        self.dirty.extend(std::mem::take(&mut self.map).into_keys());
    }

    /// Inserts a loaded entry without marking it (it is stored already).
    pub fn restore(&mut self, key: K, value: V) {
        self.map.insert(key, value);
    }

    /// The changed keys with their values now (`None`: removed), forgetting the marks.
    pub fn take_changes(&mut self) -> Vec<(K, Option<&V>)> {
        let dirty = std::mem::take(&mut self.dirty);
        dirty
            .into_iter()
            .map(|k| {
                let v = self.map.get(&k);
                (k, v)
            })
            .collect()
    }

    pub fn has_changes(&self) -> bool {
        !self.dirty.is_empty()
    }

    /// Forgets the marks (the store was wiped; the entries are saved again when changed).
    pub fn forget_changes(&mut self) {
        self.dirty.clear();
    }
}

impl<K: Ord + Clone, V> FromIterator<(K, V)> for Tracked<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let map: BTreeMap<K, V> = iter.into_iter().collect();
        let dirty = map.keys().cloned().collect();
        Tracked { map, dirty }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_is_marked_and_reported_once() {
        let mut t: Tracked<String, u32> = Tracked::default();
        t.insert("a".into(), 1);
        t.insert("b".into(), 2);
        t.insert("c".into(), 3);
        let changes: Vec<_> = t
            .take_changes()
            .into_iter()
            .map(|(k, v)| (k, v.copied()))
            .collect();
        assert_eq!(changes.len(), 3);
        assert!(t.take_changes().is_empty());
        *t.get_mut("a").unwrap() += 10;
        assert!(t.get_mut("zzz").is_none());
        t.remove("b");
        t.retain(|k, _| k != "c");
        let changes: Vec<_> = t
            .take_changes()
            .into_iter()
            .map(|(k, v)| (k, v.copied()))
            .collect();
        assert_eq!(
            changes,
            vec![
                ("a".into(), Some(11)),
                ("b".into(), None),
                ("c".into(), None)
            ]
        );
        t.restore("d".into(), 4);
        assert!(!t.has_changes());
        assert_eq!(t.get("d"), Some(&4));
    }
}
