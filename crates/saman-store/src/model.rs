//! Reading a tenant's model: its items, their texts and relations, and the timeline.

use crate::tenants::TenantId;
use crate::{Result, Store, StoreError};
use saman_domain::*;
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// Which items to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// What the public sees: published items, and only relations between them.
    Published,
    /// Everything, drafts too: for export.
    All,
}

/// A tenant's items and timeline, as read for one request.
#[derive(Debug, Clone)]
pub struct Model {
    /// Sorted by slug.
    pub items: Vec<Item>,
    /// Sorted by slug.
    pub timeline: Vec<TimelineEntry>,
    /// Sorted by slug.
    pub guides: Vec<Guide>,
    /// The tenant's own wording of forms, sorted by form.
    pub forms: Vec<FormWording>,
}

pub(crate) fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

pub(crate) fn parse_lang(s: &str) -> Result<Lang> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("unknown language {s:?}")))
}

pub(crate) fn parse_status(s: &str) -> Result<Status> {
    Status::from_key(s).ok_or_else(|| StoreError::Corrupt(format!("unknown status {s:?}")))
}

/// Parses a comma-separated list of keys.
pub(crate) fn parse_keys<T>(s: &str, from_key: fn(&str) -> Option<T>) -> Result<Vec<T>> {
    s.split(',')
        .filter(|k| !k.is_empty())
        .map(|k| from_key(k).ok_or_else(|| StoreError::Corrupt(format!("unknown key {k:?}"))))
        .collect()
}

pub(crate) fn join_keys<T: Copy>(values: &[T], key: fn(T) -> &'static str) -> String {
    values.iter().map(|v| key(*v)).collect::<Vec<_>>().join(",")
}

pub(crate) fn parse_date(s: &str) -> Result<time::Date> {
    parse_iso_date(s).ok_or_else(|| StoreError::Corrupt(format!("bad date {s:?}")))
}

impl Store {
    /// Reads a tenant's model. With [`Visibility::Published`], drafts and everything
    /// pointing to them are left out. Attachment bytes are read only if `with_files`;
    /// otherwise attachments carry their names and titles with empty contents, and
    /// [`Store::attachment`] serves a file.
    pub async fn model(
        &self,
        tenant: &TenantId,
        visibility: Visibility,
        with_files: bool,
    ) -> Result<Model> {
        let only_published = visibility == Visibility::Published;
        let rows = sqlx::query(
            "SELECT id, slug, kind, levels, target_groups, prevention, owner_slug, review_date, status, \
             priorities, phone, email, address, web, form_key FROM items WHERE tenant_id = $1 ORDER BY slug",
        )
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?;
        let mut items = Vec::with_capacity(rows.len());
        let mut index_of_id: HashMap<String, usize> = HashMap::new();
        for row in rows {
            let status = parse_status(&row.try_get::<String, _>("status")?)?;
            if only_published && status != Status::Published {
                continue;
            }
            let kind_key: String = row.try_get("kind")?;
            let contact = Contact {
                phone: row.try_get("phone")?,
                email: row.try_get("email")?,
                address: row.try_get("address")?,
                web: row.try_get("web")?,
            };
            let review_date: Option<String> = row.try_get("review_date")?;
            index_of_id.insert(row.try_get("id")?, items.len());
            items.push(Item {
                slug: row.try_get("slug")?,
                kind: Kind::from_key(&kind_key)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown kind {kind_key:?}")))?,
                levels: parse_keys(&row.try_get::<String, _>("levels")?, Level::from_key)?,
                target_groups: parse_keys(
                    &row.try_get::<String, _>("target_groups")?,
                    TargetGroup::from_key,
                )?,
                prevention: parse_keys(
                    &row.try_get::<String, _>("prevention")?,
                    Prevention::from_key,
                )?,
                owner: row.try_get("owner_slug")?,
                review_date: review_date.as_deref().map(parse_date).transpose()?,
                status,
                priorities: parse_keys(&row.try_get::<String, _>("priorities")?, |k| {
                    Some(k.to_string())
                })?,
                text: ByLang::default(),
                contact: (!contact.is_empty()).then_some(contact),
                relations: Vec::new(),
                attachments: Vec::new(),
                form: row.try_get("form_key")?,
            });
        }
        let present: HashSet<String> = items.iter().map(|i| i.slug.clone()).collect();
        for item in &mut items {
            if item.owner.as_ref().is_some_and(|o| !present.contains(o)) {
                item.owner = None;
            }
        }

        let rows = sqlx::query(
            "SELECT item_id, lang, title, summary, body, opening_hours FROM item_texts WHERE tenant_id = $1",
        )
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let Some(&i) = index_of_id.get(&row.try_get::<String, _>("item_id")?) else {
                continue;
            };
            items[i].text.set(
                parse_lang(&row.try_get::<String, _>("lang")?)?,
                ItemText {
                    title: row.try_get("title")?,
                    summary: row.try_get("summary")?,
                    body: row.try_get("body")?,
                    opening_hours: row.try_get("opening_hours")?,
                },
            );
        }

        let rows = sqlx::query(
            "SELECT r.from_item_id, t.slug AS to_slug, r.kind FROM relations r \
             JOIN items t ON t.id = r.to_item_id WHERE r.tenant_id = $1 ORDER BY r.from_item_id, r.position",
        )
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let to: String = row.try_get("to_slug")?;
            let Some(&i) = index_of_id.get(&row.try_get::<String, _>("from_item_id")?) else {
                continue;
            };
            if !present.contains(&to) {
                continue;
            }
            let kind_key: String = row.try_get("kind")?;
            let kind = RelationType::from_key(&kind_key)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown relation {kind_key:?}")))?;
            items[i].relations.push(Relation { kind, to });
        }

        let content = if with_files {
            "content"
        } else {
            "NULL AS content"
        };
        let rows = sqlx::query(&format!(
            "SELECT item_id, file_name, title_nb, title_nn, {content} FROM attachments \
             WHERE tenant_id = $1 ORDER BY item_id, position"
        ))
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let Some(&i) = index_of_id.get(&row.try_get::<String, _>("item_id")?) else {
                continue;
            };
            items[i].attachments.push(Attachment {
                file: FileContent {
                    file_name: row.try_get("file_name")?,
                    bytes: row
                        .try_get::<Option<Vec<u8>>, _>("content")?
                        .unwrap_or_default(),
                },
                title: ByLang {
                    nb: row.try_get("title_nb")?,
                    nn: row.try_get("title_nn")?,
                },
            });
        }

        // Sorted here, not in SQL: PostgreSQL's collation may order `-` differently.
        items.sort_by(|a, b| a.slug.cmp(&b.slug));
        let timeline = self.timeline(tenant, visibility).await?;
        let guides = self.guides(tenant, visibility, &present).await?;
        let forms = self.form_wordings(tenant, visibility).await?;
        Ok(Model {
            items,
            timeline,
            guides,
            forms,
        })
    }

    async fn timeline(
        &self,
        tenant: &TenantId,
        visibility: Visibility,
    ) -> Result<Vec<TimelineEntry>> {
        let rows = sqlx::query(
            "SELECT id, slug, entry_date, status FROM timeline_entries WHERE tenant_id = $1 ORDER BY slug",
        )
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?;
        let mut entries = Vec::new();
        let mut index_of_id = HashMap::new();
        for row in rows {
            let status = parse_status(&row.try_get::<String, _>("status")?)?;
            if visibility == Visibility::Published && status != Status::Published {
                continue;
            }
            index_of_id.insert(row.try_get::<String, _>("id")?, entries.len());
            entries.push(TimelineEntry {
                slug: row.try_get("slug")?,
                date: parse_date(&row.try_get::<String, _>("entry_date")?)?,
                status,
                text: ByLang::default(),
            });
        }
        let rows = sqlx::query(
            "SELECT entry_id, lang, title, body FROM timeline_texts WHERE tenant_id = $1",
        )
        .bind(&tenant.0)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            if let Some(&i) = index_of_id.get(&row.try_get::<String, _>("entry_id")?) {
                entries[i].text.set(
                    parse_lang(&row.try_get::<String, _>("lang")?)?,
                    TimelineText {
                        title: row.try_get("title")?,
                        body: row.try_get("body")?,
                    },
                );
            }
        }
        entries.sort_by(|a, b| a.slug.cmp(&b.slug));
        Ok(entries)
    }

    /// A file attached to a published item.
    pub async fn attachment(
        &self,
        tenant: &TenantId,
        item_slug: &str,
        file_name: &str,
    ) -> Result<Option<FileContent>> {
        let row = sqlx::query(
            "SELECT a.file_name, a.content FROM attachments a JOIN items i ON i.id = a.item_id \
             WHERE a.tenant_id = $1 AND i.tenant_id = $1 AND i.slug = $2 AND i.status = 'published' \
             AND a.file_name = $3",
        )
        .bind(&tenant.0)
        .bind(item_slug)
        .bind(file_name)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(FileContent {
                file_name: row.try_get("file_name")?,
                bytes: row.try_get("content")?,
            })
        })
        .transpose()
    }
}
