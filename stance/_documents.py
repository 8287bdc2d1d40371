"""Labelling a document sentence by sentence: the table and summary of :meth:`StanceModel.analyze`.

The document adapter of :class:`~stance.StanceModel`: it splits a document
into sentences (:mod:`stance._sentences`), labels them with the model's
``predict_proba`` and :func:`~stance._head.most_probable`, and sums them up
by voice. pandas is imported inside the function, so that ``import stance``
stays fast for command-line use.
"""

__all__ = ["analyze_document"]


def analyze_document(model, document, target=None):
    """Return ``model``'s table of ``document``, one row per sentence (see :meth:`StanceModel.analyze`)."""
    import pandas as pd

    from ._head import most_probable
    from ._sentences import sentence_spans, summarize, voices

    if not isinstance(document, str):
        raise TypeError(f"document is {type(document).__name__}, not str")
    spans = sentence_spans(document)
    sentences = [document[start:end] for start, end in spans]
    proba = model.predict_proba(sentences, target)
    labels = most_probable(proba.to_numpy(), model.labels).tolist()
    who = voices(document, spans)
    table = pd.DataFrame(
        {
            "sentence": range(1, len(spans) + 1),
            "start": [start for start, _ in spans],
            "end": [end for _, end in spans],
            "voice": [v for v, _ in who],
            "speaker": [speaker for _, speaker in who],
            "text": sentences,
            "label": labels,
        }
    )
    table = pd.concat([table, proba], axis=1)
    summary = summarize(labels, table["voice"], model.labels)
    summary["mean_probabilities"] = {
        label: float(proba[label].mean()) if len(proba) else 0.0 for label in model.labels
    }
    table.attrs["summary"] = summary
    return table
