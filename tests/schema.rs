//! The two migration trees (migrations/sqlite, migrations/postgres) produce the same schema: the same tables,
//! columns (with the type the code reads each as, nullability and primary key), indexes and unique constraints.
//! Run under scripts/with-postgres.sh (scripts/test.sh does); without ATLAS_INVITES_TEST_POSTGRES_URL this test
//! fails rather than passes unseen.

#[path = "api/support.rs"]
#[allow(dead_code)]
mod support;

use std::collections::BTreeSet;

use atlas_invites::store::Store;
use sqlx::{AnyPool, Row};
use support::{fresh_database_url, postgres_url};

/// Tables only PostgreSQL has: request state that replicas share there and one SQLite process keeps in memory
/// (src/state).
const POSTGRES_ONLY: &[&str] = &["digest_nonce_uses", "rate_buckets"];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Fact {
    Column {
        table: String,
        column: String,
        kind: &'static str,
        nullable: bool,
        primary_key: bool,
    },
    /// An index or unique constraint: its table, columns in order, uniqueness and partial predicate.
    Index {
        table: String,
        columns: Vec<String>,
        unique: bool,
        predicate: Option<String>,
    },
}

/// The Rust type the store decodes a column as, whatever each database calls it.
fn kind(declared: &str) -> &'static str {
    match declared.to_ascii_lowercase().as_str() {
        "text" => "text",
        "integer" | "bigint" => "integer",
        "double precision" | "real" => "float",
        other => panic!("a column type the store does not read: {other}"),
    }
}

/// `kind = 'PROJECT'` however the database prints it (PostgreSQL adds parentheses and casts).
fn normalize_predicate(predicate: &str) -> String {
    predicate.replace("::text", "").replace(['(', ')'], "").split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn sqlite_schema(pool: &AnyPool) -> BTreeSet<Fact> {
    let mut facts = BTreeSet::new();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for table in tables {
        let columns = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info('{table}')"
        )))
        .fetch_all(pool)
        .await
        .unwrap();
        for row in &columns {
            let primary_key = row.get::<i64, _>("pk") > 0;
            facts.insert(Fact::Column {
                table: table.clone(),
                column: row.get("name"),
                kind: kind(&row.get::<String, _>("type")),
                nullable: row.get::<i64, _>("notnull") == 0 && !primary_key,
                primary_key,
            });
        }
        let indexes = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name, \"unique\", partial FROM pragma_index_list('{table}')"
        )))
        .fetch_all(pool)
        .await
        .unwrap();
        for index in &indexes {
            let name: String = index.get("name");
            let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"
            )))
            .fetch_all(pool)
            .await
            .unwrap();
            let predicate = if index.get::<i64, _>("partial") == 1 {
                let sql: String =
                    sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = $1")
                        .bind(&name)
                        .fetch_one(pool)
                        .await
                        .unwrap();
                Some(normalize_predicate(sql.split(" WHERE ").nth(1).expect("a partial index has a WHERE")))
            } else {
                None
            };
            facts.insert(Fact::Index {
                table: table.clone(),
                columns,
                unique: index.get::<i64, _>("unique") == 1,
                predicate,
            });
        }
    }
    facts
}

async fn postgres_schema(pool: &AnyPool) -> BTreeSet<Fact> {
    let mut facts = BTreeSet::new();
    let columns = sqlx::query(
        "SELECT c.table_name::text AS table_name, c.column_name::text AS column_name, c.data_type::text AS data_type, \
           c.is_nullable::text AS is_nullable, \
           CASE WHEN EXISTS (SELECT 1 FROM information_schema.table_constraints t \
               JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name \
               WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_name = c.table_name AND k.column_name = c.column_name) \
             THEN 1 ELSE 0 END AS primary_key \
         FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for row in &columns {
        let primary_key = row.get::<i32, _>("primary_key") == 1;
        facts.insert(Fact::Column {
            table: row.get("table_name"),
            column: row.get("column_name"),
            kind: kind(&row.get::<String, _>("data_type")),
            nullable: row.get::<String, _>("is_nullable") == "YES" && !primary_key,
            primary_key,
        });
    }
    let indexes = sqlx::query(
        "SELECT t.relname::text AS table_name, i.indisunique::int AS is_unique, \
           pg_get_expr(i.indpred, i.indrelid) AS predicate, \
           (SELECT string_agg(a.attname::text, ',' ORDER BY k.ord) FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) \
              JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns \
         FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for row in &indexes {
        let table: String = row.get("table_name");
        let columns: String = row.get("columns");
        facts.insert(Fact::Index {
            table,
            columns: columns.split(',').map(str::to_string).collect(),
            unique: row.get::<i32, _>("is_unique") == 1,
            predicate: row.get::<Option<String>, _>("predicate").map(|p| normalize_predicate(&p)),
        });
    }
    facts
}

fn table_of(fact: &Fact) -> &str {
    match fact {
        Fact::Column { table, .. } | Fact::Index { table, .. } => table,
    }
}

#[tokio::test]
async fn both_migration_trees_build_the_same_schema() {
    assert!(postgres_url().is_some(), "the schema test needs PostgreSQL: run it under scripts/with-postgres.sh");
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open(&format!("sqlite://{}", dir.path().join("schema.db").display())).await.unwrap();
    let postgres = Store::open(&fresh_database_url(&dir, "unused").await).await.unwrap();

    let sqlite_facts = sqlite_schema(sqlite.pool()).await;
    let postgres_facts: BTreeSet<Fact> =
        postgres_schema(postgres.pool()).await.into_iter().filter(|f| !POSTGRES_ONLY.contains(&table_of(f))).collect();
    assert!(sqlite_facts.iter().any(|f| table_of(f) == "invitations"), "the schema was read: {sqlite_facts:?}");
    let only_sqlite: Vec<_> = sqlite_facts.difference(&postgres_facts).collect();
    let only_postgres: Vec<_> = postgres_facts.difference(&sqlite_facts).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "the schemas differ\nonly in SQLite: {only_sqlite:#?}\nonly in PostgreSQL: {only_postgres:#?}"
    );
}
