//! Key rotation: every sealed value of every log, sealed again under the current key
//! (`saman keys rotate`), each at its own place, so nothing stays sealed under a key
//! that is being retired.

use super::Relay;
use crate::Result;
use crate::seal;

/// A sealed column: its table, the columns that make up its place, and how.
struct SealedColumn {
    table: &'static str,
    column: &'static str,
    /// The row's key columns, in the order `place` takes them.
    keys: &'static [&'static str],
    place: fn(&[String]) -> String,
}

const SEALED: &[SealedColumn] = &[
    SealedColumn {
        table: "relay_logs",
        column: "child",
        keys: &["id"],
        place: |k| seal::place(&k[0], "child"),
    },
    SealedColumn {
        table: "relay_logs",
        column: "concern",
        keys: &["id"],
        place: |k| seal::place(&k[0], "concern"),
    },
    SealedColumn {
        table: "relay_logs",
        column: "closing_note",
        keys: &["id"],
        place: |k| seal::place(&k[0], "closing-note"),
    },
    SealedColumn {
        table: "relay_guardians",
        column: "person",
        keys: &["log_id", "position"],
        place: |k| seal::place(&k[0], &format!("guardian/{}", k[1])),
    },
    SealedColumn {
        table: "relay_consents",
        column: "covers",
        keys: &["log_id", "version"],
        place: |k| seal::place(&k[0], &format!("consent/{}/covers", k[1])),
    },
    SealedColumn {
        table: "relay_consents",
        column: "signed_by",
        keys: &["log_id", "version"],
        place: |k| seal::place(&k[0], &format!("consent/{}/signed-by", k[1])),
    },
    SealedColumn {
        table: "relay_entries",
        column: "body",
        keys: &["log_id", "id"],
        place: |k| seal::place(&k[0], &format!("entry/{}", k[1])),
    },
    SealedColumn {
        table: "relay_files",
        column: "name",
        keys: &["log_id", "id"],
        place: |k| seal::place(&k[0], &format!("file/{}/name", k[1])),
    },
    SealedColumn {
        table: "relay_files",
        column: "content",
        keys: &["log_id", "id"],
        place: |k| seal::place(&k[0], &format!("file/{}/content", k[1])),
    },
];

impl Relay {
    /// Seals again, under the current key, every value sealed with an earlier one.
    /// Returns how many. Safe to run again, and while Saman serves.
    pub async fn reseal_all(&self) -> Result<usize> {
        let secrets = self.store.secrets();
        let mut count = 0;
        for spec in SEALED {
            // Keys are read as text on both databases (positions and versions are
            // numbers), to build the place.
            let keys = spec
                .keys
                .iter()
                .map(|k| format!("CAST({k} AS TEXT)"))
                .collect::<Vec<_>>()
                .join(", ");
            let rows: Vec<sqlx::any::AnyRow> = sqlx::query(&format!(
                "SELECT {keys}, {col} FROM {table} WHERE {col} IS NOT NULL",
                col = spec.column,
                table = spec.table
            ))
            .fetch_all(self.store.pool())
            .await?;
            for row in rows {
                use sqlx::Row;
                let key_values: Vec<String> = (0..spec.keys.len())
                    .map(|i| row.try_get::<String, _>(i))
                    .collect::<std::result::Result<_, _>>()?;
                let sealed: String = row.try_get(spec.keys.len())?;
                if !secrets.sealed_with_older_key(&sealed) {
                    continue;
                }
                let place = (spec.place)(&key_values);
                let value = seal::open(secrets, &place, &sealed)?;
                let condition = spec
                    .keys
                    .iter()
                    .enumerate()
                    .map(|(i, k)| format!("CAST({k} AS TEXT) = ${}", i + 3))
                    .collect::<Vec<_>>()
                    .join(" AND ");
                let statement = format!(
                    "UPDATE {table} SET {col} = $1 WHERE {col} = $2 AND {condition}",
                    table = spec.table,
                    col = spec.column
                );
                let mut update = sqlx::query(&statement)
                    .bind(seal::seal(secrets, &place, &value))
                    .bind(&sealed);
                for k in &key_values {
                    update = update.bind(k);
                }
                update.execute(self.store.pool()).await?;
                count += 1;
            }
        }
        Ok(count)
    }
}
