//! Which residents may support which ideas: a Bloom filter over `(idea, account)`. It never
//! forgets a pair it was given, so "not there" is certain and lets a support be answered
//! without reading the tables; "maybe" (a pair given, or a false positive, about 1 in 1,000
//! at the planned size) sends it to the tables. A withdrawn support stays a "maybe".

/// Bits per pair planned for.
const BITS_PER_PAIR: u64 = 16;
/// The fewest bits (1 MiB): room for half a million pairs before a restart sizes it anew.
const MIN_BITS: u64 = 1 << 23;
/// Probes per pair (the best for 16 bits a pair is 11; 8 costs little more in false positives
/// and less in time).
const PROBES: u64 = 8;

pub(super) struct SeenFilter {
    words: Vec<u64>,
    /// `bits - 1`: the number of bits is a power of two.
    mask: u64,
    pairs: u64,
}

impl SeenFilter {
    /// A filter with room for `pairs` pairs (and as many again) at its planned rate.
    pub(super) fn with_room_for(pairs: u64) -> SeenFilter {
        let bits = pairs
            .saturating_mul(2 * BITS_PER_PAIR)
            .max(MIN_BITS)
            .checked_next_power_of_two()
            .unwrap_or(1 << 63);
        SeenFilter {
            words: vec![0; usize::try_from(bits / 64).unwrap_or(usize::MAX / 8)],
            mask: bits - 1,
            pairs: 0,
        }
    }

    pub(super) fn insert(&mut self, idea: &str, account: &str) {
        let (mut at, step) = probes(idea, account);
        for _ in 0..PROBES {
            let bit = at & self.mask;
            self.words[(bit / 64) as usize] |= 1 << (bit % 64);
            at = at.wrapping_add(step);
        }
        self.pairs += 1;
    }

    /// False: the pair was never inserted.
    pub(super) fn may_hold(&self, idea: &str, account: &str) -> bool {
        let (mut at, step) = probes(idea, account);
        for _ in 0..PROBES {
            let bit = at & self.mask;
            if self.words[(bit / 64) as usize] & (1 << (bit % 64)) == 0 {
                return false;
            }
            at = at.wrapping_add(step);
        }
        true
    }

    /// Pairs inserted so far (repeats counted).
    pub(super) fn pairs(&self) -> u64 {
        self.pairs
    }

    pub(super) fn bytes(&self) -> usize {
        self.words.len() * 8
    }
}

/// The first probe and the step between probes (odd, so that every bit can be reached).
fn probes(idea: &str, account: &str) -> (u64, u64) {
    let mut hasher = blake3::Hasher::new();
    hasher.update(idea.as_bytes());
    hasher.update(&[0]);
    hasher.update(account.as_bytes());
    let hash = hasher.finalize();
    let bytes = hash.as_bytes();
    let mut first = [0u8; 8];
    let mut step = [0u8; 8];
    first.copy_from_slice(&bytes[..8]);
    step.copy_from_slice(&bytes[8..16]);
    (u64::from_le_bytes(first), u64::from_le_bytes(step) | 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_every_pair_inserted() {
        let mut filter = SeenFilter::with_room_for(10_000);
        for i in 0..10_000 {
            filter.insert(&format!("idea{}", i % 97), &format!("acc{i}"));
        }
        assert_eq!(filter.pairs(), 10_000);
        for i in 0..10_000 {
            assert!(filter.may_hold(&format!("idea{}", i % 97), &format!("acc{i}")));
        }
    }

    #[test]
    fn rarely_holds_a_pair_never_inserted() {
        let mut filter = SeenFilter::with_room_for(300_000);
        for i in 0..300_000 {
            filter.insert(&format!("idea{}", i % 1_000), &format!("acc{i}"));
        }
        let false_positives = (0..100_000)
            .filter(|i| filter.may_hold(&format!("idea{}", i % 1_000), &format!("other{i}")))
            .count();
        // Planned: well under 1 in 1,000 at this size; 1 in 100 would be a broken hash.
        assert!(false_positives < 100, "{false_positives} of 100,000");
    }

    #[test]
    fn the_pair_is_ordered_and_separated() {
        let mut filter = SeenFilter::with_room_for(0);
        filter.insert("ab", "c");
        assert!(filter.may_hold("ab", "c"));
        assert!(!filter.may_hold("a", "bc"));
        assert!(!filter.may_hold("c", "ab"));
    }

    #[test]
    fn is_sized_by_power_of_two_with_a_floor() {
        assert_eq!(SeenFilter::with_room_for(0).bytes(), 1 << 20);
        let big = SeenFilter::with_room_for(1_000_000);
        assert_eq!(big.bytes(), (1usize << 25) / 8);
    }
}
