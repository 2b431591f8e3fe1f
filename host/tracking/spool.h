/* spool.h: records that could not be delivered, kept on disk until
 * `dlpipe mlflow sync` delivers them.
 *
 * A spool is a folder. Each stage that spools writes one file,
 * TIME-PID-RANDOM.jsonl: a header line (the tracker type, its settings, the
 * run key) and one record per line, each written and flushed to disk before
 * the next. A file is locked while its writer or a replay uses it. Beside
 * it, NAME.done counts the records already delivered and NAME.files/ holds
 * copies of the files its artifact records upload. rejected.jsonl keeps the
 * records the server refused, with its answer. */
#pragma once

#include <dlpipe/dlpipe-host.h>

G_BEGIN_DECLS

#define DLP_SPOOL_FORMAT 1
#define DLP_SPOOL_REJECTED "rejected.jsonl"

typedef struct _DlpSpoolWriter DlpSpoolWriter;

/* Creates a new locked spool file in @dir with @header as its first line. */
DlpSpoolWriter *dlp_spool_writer_new (const char *dir, JsonObject *header, GError **error);
const char *dlp_spool_writer_get_path (DlpSpoolWriter *writer);
/* Appends @record durably. Artifact records get a copy of their files in
 * the spool, and their path rewritten to it. */
gboolean dlp_spool_writer_append (DlpSpoolWriter *writer, JsonObject *record, GError **error);
guint dlp_spool_writer_get_n_records (DlpSpoolWriter *writer);
/* Closes and unlocks. */
void dlp_spool_writer_free (DlpSpoolWriter *writer);

/* Appends @record with @reason to @dir/rejected.jsonl, durably. */
gboolean dlp_spool_reject (const char *dir, const char *file, JsonObject *record,
                           const char *reason, GError **error);

/* The spool files of @dir in the order they were made (names, new
 * GPtrArray); none if @dir does not exist. */
GPtrArray *dlp_spool_list (const char *dir, GError **error);

/* One spool file, opened to read. */
typedef struct _DlpSpoolFile DlpSpoolFile;

/* Opens and locks @path; *@busy is set (and NULL returned without error)
 * when another process holds it. */
DlpSpoolFile *dlp_spool_file_open (const char *path, gboolean *busy, GError **error);
JsonObject *dlp_spool_file_get_header (DlpSpoolFile *file);
/* The records, in order (borrowed GPtrArray of JsonObject). */
GPtrArray *dlp_spool_file_get_records (DlpSpoolFile *file);
/* How many records were delivered already. */
guint dlp_spool_file_get_n_done (DlpSpoolFile *file);
gboolean dlp_spool_file_set_n_done (DlpSpoolFile *file, guint n_done, GError **error);
/* Removes the file and what belongs to it (all delivered). */
gboolean dlp_spool_file_remove (DlpSpoolFile *file, GError **error);
void dlp_spool_file_free (DlpSpoolFile *file);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpSpoolWriter, dlp_spool_writer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DlpSpoolFile, dlp_spool_file_free)

G_END_DECLS
