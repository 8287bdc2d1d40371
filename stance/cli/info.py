"""Describe a model: where it is, what it knows, how it was trained and scored."""

import json

from ._common import add_model_argument, load_model_argument


def format_parser(parser):
    parser.add_argument("--json", action="store_true", help="print the whole metadata as JSON")
    add_model_argument(parser)


def main(args):
    model = load_model_argument(args)
    meta = model.metadata
    if args.json:
        print(json.dumps(meta, indent=2, ensure_ascii=False))
        return 0
    versions = meta.get("versions", {})
    training = meta.get("training", {})
    lines = [
        f"model       {meta.get('name', '?')}, version {meta.get('model_version', '?')}  ({model.path})",
        f"created     {meta.get('created', '?')} with stance {versions.get('stance', '?')}, "
        f"scikit-learn {versions.get('scikit-learn', '?')}",
        f"sha256      {meta.get('artifact', {}).get('sha256', '?')}",
        f"labels      {', '.join(model.labels)}",
        f"trained on  {training.get('rows', '?')} rows of {meta.get('training_data', {}).get('path', '?')}",
        f"targets     {len(model.targets)}:",
        *(f"  - {target}" for target in model.targets),
    ]
    cv = meta.get("metrics", {}).get("cross_validation")
    if cv:
        lines.append(f"cross-validated ({cv['folds']} folds):")
        for name, title in (("random", "random folds"), ("grouped_by_target", "grouped by target")):
            if name in cv:
                r = cv[name]
                lines.append(
                    f"  {title:<18} accuracy {r['accuracy']:.3f}  macro-F1 {r['macro_f1']:.3f}  F_avg {r['f_avg']:.3f}"
                )
    streaming = meta.get("streaming")
    if streaming:
        lines.append(
            f"streaming   trained chunk by chunk: {streaming.get('passes', '?')} passes over "
            f"{streaming.get('rows_read', '?')} rows, {streaming.get('chunk_rows', '?')} at a time"
        )
        metrics = meta.get("metrics", {})
        held_out = metrics.get("held_out")
        if held_out:
            lines.append(f"held-out rows ({held_out['texts']}, never learned from):")
            lines.append(_scores_line("streaming model", held_out))
        comparison = metrics.get("in_memory_comparison") or {}
        if "held_out" in comparison:
            lines.append(_scores_line(f"in-memory '{comparison['recipe']}'", comparison["held_out"]))
            lines.append(
                f"  gap in macro-F1      {comparison['gap_points']:+.1f} points (in-memory minus streaming)"
            )
    print("\n".join(lines))
    return 0


def _scores_line(title, report):
    return (
        f"  {title:<20} accuracy {report['accuracy']:.3f}  macro-F1 {report['macro_f1']:.3f}  "
        f"F_avg {report['f_avg']:.3f}"
    )
