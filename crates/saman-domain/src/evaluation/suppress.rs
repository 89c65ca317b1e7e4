//! Keeping small numbers from pointing at anyone: every count below the tenant's
//! threshold (default 5) is shown as "under 5" (primary suppression), and where a hidden
//! count could be worked out from the shown ones and their total, more are hidden
//! (secondary suppression), or the breakdown is withheld.
//!
//! What a reader knows of a hidden count is exactly what the page says: an "under 5"
//! count is from 0 to 4 (zero is hidden too, so that "under 5" never narrows to
//! "1 to 4"), a hidden one is at least 5. A count is safe when what is shown allows at
//! least two values for it. Within a line of counts and their total, the values a hidden
//! count can take form one unbroken range, so checking that range's ends is enough.

/// A count as shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Shown(i64),
    /// Below the threshold: "under 5".
    Under,
    /// At or above the threshold, hidden so that an "under" count cannot be worked out.
    Hidden,
}

impl Cell {
    pub fn shown(self) -> Option<i64> {
        match self {
            Cell::Shown(n) => Some(n),
            _ => None,
        }
    }
}

/// A single count, with no total to be checked against.
pub fn protect_count(count: i64, threshold: i64) -> Cell {
    if count < threshold {
        Cell::Under
    } else {
        Cell::Shown(count)
    }
}

/// Protects `parts`, shown beside their total (which [`protect_count`] protects on its
/// own). `None` when only hiding the total would protect them: the breakdown is then
/// withheld rather than the total hidden, since the total is shown elsewhere too.
pub fn protect_line(parts: &[i64], threshold: i64) -> Option<Vec<Cell>> {
    let mut cells: Vec<Cell> = parts.iter().map(|&p| protect_count(p, threshold)).collect();
    let total: i64 = parts.iter().sum();
    if total < threshold {
        // The total is "under 5" as well: it tells nothing exact.
        return Some(cells);
    }
    while any_pinned(parts, &cells, threshold) {
        let smallest = (0..parts.len())
            .filter(|&i| matches!(cells[i], Cell::Shown(_)))
            .min_by_key(|&i| parts[i])?;
        cells[smallest] = Cell::Hidden;
    }
    Some(cells)
}

/// Whether some hidden part has a single possible value, given the shown parts, the
/// total and what each hidden part's label says of it.
fn any_pinned(parts: &[i64], cells: &[Cell], threshold: i64) -> bool {
    let total: i64 = parts.iter().sum();
    let hidden_sum = total - cells.iter().filter_map(|c| c.shown()).sum::<i64>();
    let bounds: Vec<(i64, i64)> = cells
        .iter()
        .filter_map(|c| match c {
            Cell::Shown(_) => None,
            Cell::Under => Some((0, threshold - 1)),
            Cell::Hidden => Some((threshold, hidden_sum)),
        })
        .collect();
    let low_sum: i64 = bounds.iter().map(|b| b.0).sum();
    let high_sum: i64 = bounds.iter().map(|b| b.1).sum();
    bounds.iter().any(|&(low, high)| {
        let least = low.max(hidden_sum - (high_sum - high));
        let most = high.min(hidden_sum - (low_sum - low));
        least >= most
    })
}

/// Larger than any count, for a hidden count's open upper end.
const UNBOUNDED: i64 = i64::MAX / 8;

/// What a reader learns of a count in a hierarchy of sums, before any protection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// Known without being shown (a month still to come is 0).
    Known,
    /// Shown (or protected) at this level: months 0, terms 1, years 2. A sum is
    /// published after its parts (a term when it ends), so protection hides the highest
    /// level first: it never takes back a count already shown.
    Level(u8),
    /// Not shown at all (a term or year not yet over): nothing is known of it.
    No,
}

/// Protects counts that add up in a hierarchy (months into terms, terms into a year),
/// where every count is one cell wherever it is shown, so that none can be worked out
/// from any mix of the sums it is part of. `lines` are `(parts, total)` by index, and
/// form a tree (each count is a part of at most one line).
///
/// What the shown counts and the labels allow for every hidden one is found by
/// tightening each count's range through every line until nothing changes; in a tree
/// of sums that gives the exact ranges. While a hidden count has a single value, one
/// more count in its lines is hidden: the highest level first, then the smallest.
pub fn protect_sums(
    values: &[i64],
    published: &[Published],
    lines: &[(Vec<usize>, usize)],
    threshold: i64,
) -> Vec<Cell> {
    let mut cells: Vec<Cell> = values
        .iter()
        .zip(published)
        .map(|(&v, p)| match p {
            Published::Known => Cell::Shown(v),
            Published::Level(_) => protect_count(v, threshold),
            Published::No => Cell::Hidden,
        })
        .collect();
    let level = |i: usize| match published[i] {
        Published::Level(l) => Some(l),
        _ => None,
    };
    let hideable = |cells: &[Cell], i: usize| level(i).is_some() && cells[i].shown().is_some();
    // Highest level first, then the smallest count.
    let preference = |i: &usize| (level(*i), std::cmp::Reverse(values[*i]));
    while let Some(pinned) = first_pinned(values, published, &cells, lines, threshold) {
        let near: Vec<usize> = lines
            .iter()
            .filter(|(parts, total)| *total == pinned || parts.contains(&pinned))
            .flat_map(|(parts, total)| parts.iter().chain(std::iter::once(total)).copied())
            .collect();
        let next = near
            .iter()
            .copied()
            .filter(|&i| hideable(&cells, i))
            .max_by_key(preference)
            .or_else(|| {
                (0..cells.len())
                    .filter(|&i| hideable(&cells, i))
                    .max_by_key(preference)
            });
        match next {
            Some(i) => cells[i] = Cell::Hidden,
            // Everything is hidden that can be.
            None => break,
        }
    }
    cells
}

/// The first hidden, published count with a single possible value, if any.
fn first_pinned(
    values: &[i64],
    published: &[Published],
    cells: &[Cell],
    lines: &[(Vec<usize>, usize)],
    threshold: i64,
) -> Option<usize> {
    let mut bounds: Vec<(i64, i64)> = cells
        .iter()
        .zip(values)
        .zip(published)
        .map(|((cell, &v), p)| match (p, cell) {
            (Published::No, _) => (0, UNBOUNDED),
            (_, Cell::Shown(_)) => (v, v),
            (_, Cell::Under) => (0, threshold - 1),
            (_, Cell::Hidden) => (threshold, UNBOUNDED),
        })
        .collect();
    // Each pass can only narrow ranges; a tree settles within a few passes.
    for _ in 0..4 * lines.len() + 4 {
        let mut changed = false;
        for (parts, total) in lines {
            // Sums of ranges, an open end staying open.
            let sum = |of: &mut dyn Iterator<Item = (i64, i64)>| {
                of.fold((0i64, 0i64), |(low, high), (l, h)| {
                    (low.saturating_add(l), high.saturating_add(h).min(UNBOUNDED))
                })
            };
            let (low, high) = sum(&mut parts.iter().map(|&i| bounds[i]));
            let t = bounds[*total];
            let narrowed = (t.0.max(low), t.1.min(high).max(t.0.max(low)));
            changed |= narrowed != t;
            bounds[*total] = narrowed;
            let t = bounds[*total];
            for &j in parts {
                let (others_low, others_high) =
                    sum(&mut parts.iter().filter(|&&i| i != j).map(|&i| bounds[i]));
                let b = bounds[j];
                let low = if others_high >= UNBOUNDED {
                    b.0
                } else {
                    b.0.max(t.0 - others_high)
                };
                let high = if t.1 >= UNBOUNDED {
                    b.1
                } else {
                    b.1.min(t.1 - others_low)
                };
                let narrowed = (low, high.max(low));
                changed |= narrowed != b;
                bounds[j] = narrowed;
            }
        }
        if !changed {
            break;
        }
    }
    (0..cells.len()).find(|&i| {
        matches!(published[i], Published::Level(_))
            && cells[i].shown().is_none()
            && bounds[i].0 >= bounds[i].1
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every value the hidden cell `index` can take, found by trying every assignment
    /// of the hidden cells that agrees with what is shown: independent of the ranges
    /// `protect_line` reasons with.
    fn possible_values(cells: &[Cell], total: i64, threshold: i64, index: usize) -> Vec<i64> {
        let hidden: Vec<usize> = (0..cells.len())
            .filter(|&i| cells[i].shown().is_none())
            .collect();
        let rest = total - cells.iter().filter_map(|c| c.shown()).sum::<i64>();
        let mut values = std::collections::BTreeSet::new();
        let mut assignment = vec![0i64; hidden.len()];
        #[allow(clippy::too_many_arguments)]
        fn walk(
            at: usize,
            left: i64,
            hidden: &[usize],
            cells: &[Cell],
            threshold: i64,
            assignment: &mut Vec<i64>,
            index: usize,
            values: &mut std::collections::BTreeSet<i64>,
        ) {
            if at == hidden.len() {
                if left == 0 {
                    let pos = hidden.iter().position(|&h| h == index).unwrap();
                    values.insert(assignment[pos]);
                }
                return;
            }
            let range = match cells[hidden[at]] {
                Cell::Under => 0..=threshold - 1,
                _ => threshold..=left.max(threshold - 1),
            };
            for v in range {
                if v > left {
                    break;
                }
                assignment[at] = v;
                walk(
                    at + 1,
                    left - v,
                    hidden,
                    cells,
                    threshold,
                    assignment,
                    index,
                    values,
                );
            }
        }
        walk(
            0,
            rest,
            &hidden,
            cells,
            threshold,
            &mut assignment,
            index,
            &mut values,
        );
        values.into_iter().collect()
    }

    proptest! {
        #[test]
        fn no_hidden_count_can_be_worked_out(
            parts in prop::collection::vec(0i64..16, 1..7),
            threshold in 3i64..7,
        ) {
            let total: i64 = parts.iter().sum();
            match protect_line(&parts, threshold) {
                None => {
                    // Withheld only when hiding every part still leaves one pinned.
                    let all_hidden: Vec<Cell> = parts.iter().map(|&p| if p < threshold { Cell::Under } else { Cell::Hidden }).collect();
                    prop_assert!(any_pinned(&parts, &all_hidden, threshold));
                }
                Some(cells) => {
                    for (i, (cell, &part)) in cells.iter().zip(&parts).enumerate() {
                        match cell {
                            Cell::Shown(n) => {
                                prop_assert_eq!(*n, part);
                                prop_assert!(part >= threshold);
                            }
                            Cell::Under => prop_assert!(part < threshold),
                            Cell::Hidden => prop_assert!(part >= threshold),
                        }
                        if cell.shown().is_none() && total >= threshold {
                            let values = possible_values(&cells, total, threshold, i);
                            prop_assert!(values.contains(&part), "the truth is possible");
                            prop_assert!(values.len() >= 2, "cell {} of {:?} is pinned: {:?}", i, parts, cells);
                        }
                    }
                }
            }
        }
    }

    const SMALL_LEVELS: [Published; 7] = [
        Published::Level(0),
        Published::Level(0),
        Published::Level(0),
        Published::Level(0),
        Published::Level(1),
        Published::Level(1),
        Published::Level(2),
    ];

    /// A year of two terms of two months: cells 0–3 the months, 4–5 the terms, 6 the year.
    fn small_calendar(months: &[i64]) -> (Vec<i64>, Vec<(Vec<usize>, usize)>) {
        let terms = [months[0] + months[1], months[2] + months[3]];
        let values = vec![
            months[0],
            months[1],
            months[2],
            months[3],
            terms[0],
            terms[1],
            terms[0] + terms[1],
        ];
        let lines = vec![(vec![0, 1], 4), (vec![2, 3], 5), (vec![4, 5], 6)];
        (values, lines)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn no_hidden_count_in_a_hierarchy_can_be_worked_out(
            months in prop::collection::vec(0i64..9, 4),
            threshold in 3i64..6,
        ) {
            let (values, lines) = small_calendar(&months);
            let cells = protect_sums(&values, &SMALL_LEVELS, &lines, threshold);
            for (cell, value) in cells.iter().zip(&values) {
                match cell {
                    Cell::Shown(n) => prop_assert!(*n == *value && *value >= threshold),
                    Cell::Under => prop_assert!(*value < threshold),
                    Cell::Hidden => prop_assert!(*value >= threshold),
                }
            }
            // Every assignment of the months that agrees with everything shown. A shown
            // year bounds every month; a hidden one bounds none, so the search goes a
            // threshold beyond (stopping at the true year pinned a month that only
            // hidden sums hold: a fault of the search, not of the protection).
            let most = match cells[6] {
                Cell::Shown(year) => year + 1,
                _ => values[6].max(threshold) + threshold + 1,
            };
            let fits = |cell: Cell, v: i64| match cell {
                Cell::Shown(n) => v == n,
                Cell::Under => v < threshold,
                Cell::Hidden => v >= threshold,
            };
            let mut seen: Vec<std::collections::BTreeSet<i64>> = vec![Default::default(); 7];
            for a in 0..most { for b in 0..most { for c in 0..most { for d in 0..most {
                let (v, _) = small_calendar(&[a, b, c, d]);
                if v.iter().zip(&cells).all(|(&v, &cell)| fits(cell, v)) {
                    for (set, &x) in seen.iter_mut().zip(&v) { set.insert(x); }
                }
            }}}}
            for (i, cell) in cells.iter().enumerate() {
                prop_assert!(seen[i].contains(&values[i]), "the truth fits");
                if cell.shown().is_none() {
                    prop_assert!(seen[i].len() >= 2, "cell {} of {:?} pinned: {:?}", i, values, cells);
                }
            }
        }
    }

    #[test]
    fn sums_examples() {
        use Cell::*;
        // Year 12 = term 9 + term 3, months 4 + 5 and 1 + 2. The 4 beside the 5 would be
        // given away by the term, so the term (published after its months) is hidden;
        // then the year leaves the 3 between 3 and 4.
        let (values, lines) = small_calendar(&[4, 5, 1, 2]);
        let cells = protect_sums(&values, &SMALL_LEVELS, &lines, 5);
        assert_eq!(
            cells,
            [Under, Shown(5), Under, Under, Hidden, Under, Shown(12)]
        );
        // Months (and a term) still to come are known zeros: they pin nothing.
        let (values, lines) = small_calendar(&[6, 7, 0, 0]);
        let mut levels = SMALL_LEVELS;
        levels[2] = Published::Known;
        levels[3] = Published::Known;
        levels[5] = Published::Known;
        let cells = protect_sums(&values, &levels, &lines, 5);
        assert_eq!(
            cells,
            [
                Shown(6),
                Shown(7),
                Shown(0),
                Shown(0),
                Shown(13),
                Shown(0),
                Shown(13)
            ]
        );
        // A term not yet over is not shown: its months need no protection against it.
        let (values, lines) = small_calendar(&[6, 2, 0, 0]);
        let mut levels = SMALL_LEVELS;
        levels[4] = Published::No;
        levels[6] = Published::No;
        levels[5] = Published::Known;
        levels[2] = Published::Known;
        levels[3] = Published::Known;
        let cells = protect_sums(&values, &levels, &lines, 5);
        assert_eq!(cells[..2], [Shown(6), Under]);
    }

    #[test]
    fn examples() {
        use Cell::*;
        assert_eq!(
            protect_line(&[10, 3, 12], 5),
            Some(vec![Hidden, Under, Shown(12)])
        );
        assert_eq!(
            protect_line(&[10, 3, 4, 12], 5),
            Some(vec![Shown(10), Under, Under, Shown(12)])
        );
        // Two "under 5" that must both be 4 (or both 0): the next smallest is hidden too.
        assert_eq!(
            protect_line(&[4, 4, 9], 5),
            Some(vec![Under, Under, Hidden])
        );
        assert_eq!(
            protect_line(&[0, 0, 9, 20], 5),
            Some(vec![Under, Under, Hidden, Shown(20)])
        );
        assert_eq!(protect_line(&[2, 1], 5), Some(vec![Under, Under]));
        // Only the total could protect these: withheld.
        assert_eq!(protect_line(&[4, 4], 5), None);
        assert_eq!(protect_line(&[0, 5], 5), None);
        assert_eq!(protect_line(&[7], 5), Some(vec![Shown(7)]));
        assert_eq!(protect_count(4, 5), Under);
        assert_eq!(protect_count(5, 5), Shown(5));
    }
}
