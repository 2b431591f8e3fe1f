/* csv-table.h: the columns of a CSV file as they are read. */
#pragma once

#include <dlpipe/dlpipe.h>
#include "csv-reader.h"

typedef enum {
  CSV_TYPE_AUTO, /* numeric until a value says otherwise */
  CSV_TYPE_NUMERIC,
  CSV_TYPE_CATEGORICAL,
} CsvType;

typedef struct _CsvTable CsvTable;

/* @missing: tokens read as missing values (NULL-terminated). */
CsvTable *csv_table_new (const char *path, char **names, const CsvType *types,
                         const char *const *missing);
void csv_table_free (CsvTable *table);

typedef enum {
  CSV_ADD_OK,
  CSV_ADD_RETYPE, /* an auto column met text: read again as categorical */
  CSV_ADD_ERROR,
} CsvAddResult;

/* Appends one record (already checked to have one field per column). On
 * CSV_ADD_RETYPE, *retype_column is the column that must become
 * categorical. */
CsvAddResult csv_table_add_row (CsvTable *table, const CsvField *fields, guint64 line,
                                guint *retype_column, GError **error);
gint64 csv_table_get_n_rows (const CsvTable *table);

/* The columns as a dataset: numeric ones float32 with NaN for missing,
 * categorical ones int32 codes into their sorted categories. */
DlpDataset *csv_table_to_dataset (CsvTable *table, const char *label, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CsvTable, csv_table_free)
