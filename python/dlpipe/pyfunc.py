"""MLflow's python_function flavor of a dlpipe model package: the MLmodel
names this module as its loader_module, so that mlflow.pyfunc.load_model,
`mlflow models predict` and `mlflow models serve` score with dlpipe."""
import pandas as pd

from . import Predictor


class _DlpipeModel:
    def __init__(self, path):
        self._predictor = Predictor(path)

    def predict(self, model_input, params=None):
        """A DataFrame of the inputs in, a DataFrame out: the predicted
        label and each class's probability (p_CLASS), a row per row."""
        if not isinstance(model_input, pd.DataFrame):
            model_input = pd.DataFrame(model_input)
        labels, probabilities = self._predictor.predict(model_input)
        out = pd.DataFrame({"label": labels}, index=model_input.index)
        for c, name in enumerate(self._predictor.classes):
            out[f"p_{name}"] = probabilities[:, c].astype("float64")
        return out


def _load_pyfunc(path):
    """MLflow's loader hook: @path is the package's folder."""
    return _DlpipeModel(path)
