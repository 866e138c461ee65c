-- Rate-limit buckets and digest nonce uses: PostgreSQL keeps them in tables so replicas agree. One process
-- serves a SQLite file, so it keeps them in memory and this step creates nothing.
SELECT 1;
