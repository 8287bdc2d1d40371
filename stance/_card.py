"""The model card: what a model is, what it is for, how it was trained and how well it does."""

__all__ = ["render_card"]


def _pct(value):
    return f"{100 * value:.1f}"


def _scores_table(report):
    rows = ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label, row in report["per_class"].items():
        rows.append(
            f"| {label} | {_pct(row['precision'])} | {_pct(row['recall'])} | {_pct(row['f1'])} | {row['support']} |"
        )
    return "\n".join(rows)


def _metrics_section(metrics, streaming=None):
    if streaming is not None:
        return _held_out_section(metrics, streaming)
    cv = metrics.get("cross_validation")
    if not cv:
        return "No cross-validation was run for this model (`--folds 0`).\n"
    random = cv["random"]
    lines = [
        f"Cross-validated on the training data ({cv['folds']} folds; figures in %):",
        "",
        "| folds | accuracy | macro-F1 | F_avg (aligned, opposed) |",
        "|---|---|---|---|",
        f"| random, stratified by label | {_pct(random['accuracy'])} | {_pct(random['macro_f1'])} | {_pct(random['f_avg'])} |",
    ]
    grouped = cv.get("grouped_by_target")
    if grouped:
        lines.append(
            f"| grouped by target (targets unseen in training) | {_pct(grouped['accuracy'])} | "
            f"{_pct(grouped['macro_f1'])} | {_pct(grouped['f_avg'])} |"
        )
    lines += [
        "",
        "Random folds measure new sentences about known targets; grouped folds hold out whole",
        "targets and are the honest figure for a target the model never saw.",
        "",
        "Per label, random folds:",
        "",
        _scores_table(random),
    ]
    calibration = random.get("calibration")
    if calibration:
        lines += [
            "",
            "### Calibration",
            "",
            "Probabilities come from temperature scaling of the SVM's scores, fitted on out-of-fold",
            f"scores. On the random folds the expected calibration error is {calibration['ece']:.3f} "
            f"and the multi-class Brier score {calibration['brier']:.3f}.",
            "",
            *_reliability_table(calibration),
        ]
    return "\n".join(lines) + "\n"


def _reliability_table(calibration):
    return [
        "| confidence bin | texts | mean confidence | accuracy |",
        "|---|---|---|---|",
        *(
            f"| {row['bin']} | {row['texts']} | {row['confidence']:.2f} | {row['accuracy']:.2f} |"
            for row in calibration["reliability"]
        ),
    ]


def _held_out_section(metrics, streaming):
    """The evaluation of a model trained with ``--streaming``: held-out rows, and the in-memory recipe."""
    held_out = metrics.get("held_out")
    if not held_out:
        return "Too few rows were held out to score this model.\n"
    rule = streaming.get("held_out", {})
    lines = [
        f"Scored on rows of the training file held out from learning (every {rule.get('every', '?')}th "
        f"data row, up to {rule.get('max_rows', '?')}: {held_out['texts']} rows; figures in %):",
        "",
        "| model | accuracy | macro-F1 | F_avg (aligned, opposed) |",
        "|---|---|---|---|",
        f"| this streaming model | {_pct(held_out['accuracy'])} | {_pct(held_out['macro_f1'])} | "
        f"{_pct(held_out['f_avg'])} |",
    ]
    comparison = metrics.get("in_memory_comparison") or {}
    if "held_out" in comparison:
        other = comparison["held_out"]
        gap = comparison["gap_points"]
        lines += [
            f"| in-memory recipe `{comparison['recipe']}`, fitted on {comparison['training_rows']} of the "
            f"training rows | {_pct(other['accuracy'])} | {_pct(other['macro_f1'])} | {_pct(other['f_avg'])} |",
            "",
            f"The streaming model's macro-F1 is {abs(gap):.1f} points {'below' if gap >= 0 else 'above'} "
            "that of the in-memory recipe on the same rows.",
        ]
    elif "skipped" in comparison:
        lines += ["", f"No comparison with the in-memory recipe: {comparison['skipped']}"]
    lines += ["", "Per label, streaming model:", "", _scores_table(held_out)]
    calibration = held_out.get("calibration")
    if calibration:
        lines += [
            "",
            "### Calibration",
            "",
            "Probabilities are the softmax of the linear model's log-odds (logistic loss; no separate",
            f"calibration step). On the held-out rows the expected calibration error is {calibration['ece']:.3f} "
            f"and the multi-class Brier score {calibration['brier']:.3f}.",
            "",
            *_reliability_table(calibration),
        ]
    return "\n".join(lines) + "\n"


def _load_line(file):
    if file.endswith(".skops"):
        return f'model = stance.load_model("{file}")'
    # A joblib file is a pickle: loading it is a statement of trust.
    return f'model = stance.load_model("{file}", trusted=True)  # joblib: only from a source you trust'


def _measured_section(section, title, command, against, caveat):
    # Figures recorded after training by a benchmark's --record (the data or
    # the machine it measures on is not shipped): a table, or nothing.
    if not isinstance(section, dict) or not isinstance(section.get("figures"), list):
        return ""
    rows = "\n".join(
        f"| {row.get('figure', '?')} | {row.get('model', '?')} | {row.get('baseline', '?')} | {row.get('goal', '')} |"
        for row in section["figures"]
        if isinstance(row, dict)
    )
    return f"""## {title}
Measured by `{command}` ({section.get("date", "?")}), next to {against(section)}; {caveat}

| figure | this model | baseline | goal |
|---|---|---|---|
{rows}
"""


def _real_text_section(real_text):
    return _measured_section(
        real_text,
        "Real text",
        "python benchmarks/realtext.py --record",
        lambda section: f"stance\n{section.get('baseline', '1.1')}",
        "cross-validation on the written corpus overstates accuracy on real text.",
    )


def _throughput_section(throughput):
    return "\n" * isinstance(throughput, dict) + _measured_section(
        throughput,
        "Speed",
        "python benchmarks/throughput.py --record",
        lambda section: f"{section.get('baseline', 'a plain scikit-learn pipeline')}",
        f"{throughput.get('machine', 'one machine') if isinstance(throughput, dict) else ''}; rates move with "
        "the load on the machine.",
    )


def render_card(metadata):
    """Return the Markdown model card of a model from its metadata."""
    name = metadata.get("name", "stance model")
    data = metadata.get("training_data", {})
    training = metadata.get("training", {})
    counts = ", ".join(f"{label} {n}" for label, n in training.get("label_counts", {}).items())
    params = "\n".join(f"| `{k}` | `{v}` |" for k, v in metadata.get("hyperparameters", {}).items())
    targets = metadata.get("targets", [])
    characters = metadata.get("hyperparameters", {}).get("char_ngram_range")
    features = "TF-IDF word\nn-grams (negation scope marked), stance-lexicon categories" + (
        " and character n-grams" if characters else ""
    )
    streaming = metadata.get("streaming")
    if streaming is None:
        hyper = metadata.get("hyperparameters", {})
        relating = (
            ",\nand features that relate the text to its target (mentions of the target, its allies and its\n"
            "opponents, and how close the text's topic is to the target's)"
            if hyper.get("relation_weight")
            else ""
        )
        sides = (
            " Where the sentence speaks only of the target's other side (opponents\nnamed in its profile, "
            "a target that reverses another, \"ending X\", or the undoing of what it\nmentions, \"the lifting "
            "of the sanctions\"), the label is the opposite of the attitude it shows."
            if hyper.get("relation_weight")
            else ""
        )
        relevance = (
            " A second linear model\njudges whether the sentence concerns its target at all; what it judges "
            "unrelated goes to neutral."
            if hyper.get("relevance") and metadata.get("labels", []).count("neutral")
            else ""
        )
        model = (
            f"It is a linear SVM over {features},\nwith the word features repeated per training target{relating}; "
            f"probabilities are calibrated by\ntemperature scaling.{sides}{relevance}"
        )
        unseen, estimator = "(see the grouped\n  figures below)", "StanceClassifier"
    else:
        model = (
            "It is a streaming model, for data larger than memory: a linear model\n"
            "learned chunk by chunk by averaged stochastic gradient descent (logistic loss) over hashed "
            f"{features},\nwith the word features repeated per training target; its probabilities are "
            "the softmax of its\nlog-odds. It read the training file "
            f"{streaming.get('passes', '?')} times, {streaming.get('chunk_rows', '?')} rows at a time."
        )
        unseen, estimator = (
            "(the held-out\n  rows below are about targets seen in training)",
            "StreamingStanceClassifier",
        )
    return f"""# Model card: {name} (model version {metadata.get("model_version", "?")})

## What it is
A `stance` model: it labels a sentence as **aligned** with, **opposed** to, or **neutral**
toward a target (a policy, a position or an actor). {model}

## Intended use
Labelling sentences from official statements, speeches, news reports and opinion pieces by
their stance toward a named target, for analysts who then read and check the results. Pass the
target when you know it: the label is the stance toward that target (a sentence about something
else is neutral), and a target the model never saw is read through its name and profile.

## Limitations
- English only. Trained on {training.get("rows", "?")} sentences; expect lower accuracy on
  registers and topics far from the training data, and on targets it never saw {unseen}.
- It reads words, not arguments: irony, stance carried by facts alone, and sentences whose
  stance depends on context outside the sentence are often missed.
- Toward a position (a claim, "X harms Y") it reads the attitude shown toward what the sentence
  talks about, not the claim's predicate: a sentence that asserts a claim bad for its subject is
  often read as opposed, and "X is weakening Y" gets the labels of "X is strengthening Y" (an
  explicit negation, "X is not weakening Y", swaps the sides).
- Cross-validation on written sentences overstates accuracy on real text: on real news and web
  sentences a model trained on the bundled corpus is far less accurate (the README's benchmarks
  give the measured figures). Annotate a sample of your own documents and evaluate on it.
- A document's sentences are labelled one by one; the document summary counts them.
- Not for decisions about individuals.

## Training data
- file: `{data.get("path", "?")}` (sha256 `{data.get("sha256", "?")}`)
- rows: {training.get("rows", "?")} ({counts})
- targets ({len(targets)}): {", ".join(targets)}

## Training procedure
Hyperparameters of `{estimator}`:

| parameter | value |
|---|---|
{params}

Fitted in {training.get("fit_seconds", "?")} s with stance {metadata.get("versions", {}).get("stance", "?")}
and scikit-learn {metadata.get("versions", {}).get("scikit-learn", "?")}.

## Evaluation
{_metrics_section(metadata.get("metrics", {}), streaming)}
{_real_text_section(metadata.get("real_text"))}{_throughput_section(metadata.get("throughput"))}
## How to use it
```python
import stance
{_load_line(metadata.get("artifact", {}).get("file", "MODEL.skops"))}
model.predict(["We will not support this proposal."], target="the proposal")
```
"""
