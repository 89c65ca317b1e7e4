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
