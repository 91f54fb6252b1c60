/* The outbox's upkeep: personal data erased past retention, and what the
 * on-site admin panel reads and does (reasons, re-sending refused items). */
#include <string.h>

#include "outbox_impl.h"

/* ---- retention ---- */

enum kerr outbox_erase_old(struct outbox *ob, int64_t now_wall_ms, int64_t retention_ms,
                           int64_t dead_retention_ms, int64_t prune_ms, int *erased,
                           int64_t *next_due_wall_ms)
{
    sqlite3_stmt *st = NULL;
    int rc;
    *erased = 0;
    *next_due_wall_ms = 0;
    rc = sqlite3_exec(ob->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) goto fail;
    rc = sqlite3_prepare_v2(
        ob->db,
        "UPDATE items SET body = NULL, answer = NULL, erased = 1 WHERE erased = 0 AND ("
        " (state = 1 AND (done_ms <= ?1 - ?2 OR done_ms > ?1 + ?4)) OR"
        " (state = 2 AND (done_ms <= ?1 - ?3 OR done_ms > ?1 + ?4)))",
        -1, &st, NULL);
    if (rc != SQLITE_OK) goto fail;
    sqlite3_bind_int64(st, 1, now_wall_ms);
    sqlite3_bind_int64(st, 2, retention_ms);
    sqlite3_bind_int64(st, 3, dead_retention_ms);
    sqlite3_bind_int64(st, 4, FUTURE_SLACK_MS);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) goto fail;
    *erased = sqlite3_changes(ob->db);
    rc = sqlite3_prepare_v2(ob->db,
                            "DELETE FROM items WHERE state != 0 AND erased = 1 AND done_ms <= ?1",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) goto fail;
    sqlite3_bind_int64(st, 1, now_wall_ms - prune_ms);
    rc = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_DONE) goto fail;
    /* When the next finished item becomes due, so the sender wakes for it. */
    rc = sqlite3_prepare_v2(ob->db,
                            "SELECT min(CASE state WHEN 1 THEN done_ms + ?1 ELSE done_ms + ?2 END)"
                            " FROM items WHERE erased = 0 AND state != 0",
                            -1, &st, NULL);
    if (rc != SQLITE_OK) goto fail;
    sqlite3_bind_int64(st, 1, retention_ms);
    sqlite3_bind_int64(st, 2, dead_retention_ms);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *next_due_wall_ms = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (rc != SQLITE_ROW) goto fail;
    rc = sqlite3_exec(ob->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) goto fail;
    if (*erased > 0) {
        /* Copy the overwritten pages into the main file and cut the WAL, so the
         * old personal data does not linger in the log. A reader may keep the
         * WAL busy: then it is tried again next time. */
        sqlite3_wal_checkpoint_v2(ob->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    }
    return KERR_OK;
fail:
    sqlite3_finalize(st);
    outbox_tx_rollback(ob);
    *erased = 0;
    return outbox_rc_err(rc);
}

/* ---- the admin panel: reasons, re-sending dead items ---- */

/* Copies src into dst (OUTBOX_REASON_SIZE) cut at a UTF-8 boundary. */
static void reason_copy(char *dst, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= OUTBOX_REASON_SIZE) {
        n = OUTBOX_REASON_SIZE - 1;
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80) n--;
    }
    if (n) memcpy(dst, src, n);
    dst[n] = '\0';
}

enum kerr outbox_reasons(struct outbox *ob, enum outbox_state state, struct outbox_reason *out,
                         int max, int *n)
{
    sqlite3_stmt *st = NULL;
    int rc;
    *n = 0;
    rc = sqlite3_prepare_v2(ob->db,
                            "SELECT coalesce(last_error, ''), count(*) AS c FROM items"
                            " WHERE state = ?1 GROUP BY 1 ORDER BY c DESC, 1 LIMIT ?2",
                            -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int(st, 1, (int)state);
        sqlite3_bind_int(st, 2, max);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
            reason_copy(out[*n].reason, (const char *)sqlite3_column_text(st, 0));
            out[*n].count = sqlite3_column_int(st, 1);
            (*n)++;
        }
        if (rc == SQLITE_DONE || rc == SQLITE_ROW) rc = SQLITE_OK;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_OK) *n = 0;
    return rc == SQLITE_OK ? KERR_OK : outbox_rc_err(rc);
}

enum kerr outbox_resendable(struct outbox *ob, int *n)
{
    int64_t v = 0;
    int rc = outbox_query_int(ob->db,
                       "SELECT count(*) FROM items WHERE state = 2 AND erased = 0 AND body IS NOT NULL",
                       &v);
    *n = (int)v;
    return rc == SQLITE_OK ? KERR_OK : outbox_rc_err(rc);
}

enum kerr outbox_revive_dead(struct outbox *ob, int *revived, int *gone)
{
    int64_t g = 0;
    int rc;
    enum kerr e;
    *revived = *gone = 0;
    e = outbox_begin(ob);
    if (e != KERR_OK) return e;
    rc = sqlite3_exec(ob->db,
                      "UPDATE items SET state = 0, last_error = 'resent', done_ms = NULL,"
                      " next_attempt_ms = NULL WHERE state = 2 AND erased = 0 AND body IS NOT NULL",
                      NULL, NULL, NULL);
    if (rc == SQLITE_OK) *revived = sqlite3_changes(ob->db);
    if (rc == SQLITE_OK) rc = outbox_query_int(ob->db, "SELECT count(*) FROM items WHERE state = 2", &g);
    if (rc != SQLITE_OK) {
        outbox_tx_rollback(ob);
        *revived = 0;
        return outbox_rc_err(rc);
    }
    e = outbox_commit(ob);
    if (e != KERR_OK) {
        *revived = 0;
        return e;
    }
    *gone = (int)g;
    return KERR_OK;
}
