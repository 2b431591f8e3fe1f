/* paths.h: where stages read and write, relative to the working directory
 * (DVC runs a stage from the folder of its dvc.yaml). */
#pragma once

#define DLP_PATH_RAW "data/raw/dataset.safetensors"
#define DLP_PATH_PROCESSED "data/processed/dataset.safetensors"
#define DLP_PATH_TRANSFORM_SUMMARY "data/processed/summary.json"
#define DLP_PATH_TRAIN "data/split/train.safetensors"
#define DLP_PATH_TEST "data/split/test.safetensors"
#define DLP_PATH_VAL "data/split/val.safetensors"
#define DLP_PATH_BUILT "models/built"
#define DLP_PATH_TRAINED "models/trained"
#define DLP_PATH_FINAL "models/final"
#define DLP_PATH_DVCLIVE "dvclive"
#define DLP_PATH_REPORTS "reports"
