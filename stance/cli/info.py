"""Describe a model: where it is, what it knows, how it was trained and scored."""

import json

from ._common import add_model_argument, load_model_argument


def format_parser(parser):
    parser.add_argument("--json", action="store_true", help="print the whole metadata as JSON")
    add_model_argument(parser, profiles=False)


def _get(mapping, *keys, default="?"):
    """``mapping[k1][k2]...``, or ``default`` when a level is missing or not a dict (crafted metadata)."""
    for key in keys:
        if not isinstance(mapping, dict) or key not in mapping:
            return default
        mapping = mapping[key]
    return default if mapping is None or isinstance(mapping, (dict, list)) else mapping


def _score(value):
    return f"{value:.3f}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "?"


def main(args):
    model = load_model_argument(args)
    meta = model.metadata
    if args.json:
        print(json.dumps(meta, indent=2, ensure_ascii=False))
        return 0
    lines = [
        f"model       {_get(meta, 'name')}, version {_get(meta, 'model_version')}  ({model.path})",
        f"created     {_get(meta, 'created')} with stance {_get(meta, 'versions', 'stance')}, "
        f"scikit-learn {_get(meta, 'versions', 'scikit-learn')}",
        f"sha256      {_get(meta, 'artifact', 'sha256')}",
        f"labels      {', '.join(model.labels)}",
        f"trained on  {_get(meta, 'training', 'rows')} rows of {_get(meta, 'training_data', 'path')}",
        f"targets     {len(model.targets)}:",
        *(f"  - {target}" for target in model.targets),
    ]
    profiles = model.profiles
    if profiles:
        lines.append(f"profiles    {len(profiles)} (aliases; allies; opponents):")
        for profile in profiles.values():
            lines.append(
                f"  - {profile.name}: {', '.join(profile.aliases) or '-'}; {', '.join(profile.allies) or '-'}; "
                f"{', '.join(profile.opponents) or '-'}"
            )
    cv = _section(meta, "metrics", "cross_validation")
    if cv:
        folds = (("random folds", cv.get("random")), ("grouped by target", cv.get("grouped_by_target")))
        lines += _scores_lines(f"cross-validated ({_get(cv, 'folds')} folds):", folds, width=18)
    streaming = _section(meta, "streaming")
    if streaming:
        lines.append(
            f"streaming   trained chunk by chunk: {_get(streaming, 'passes')} passes over "
            f"{_get(streaming, 'rows_read')} rows, {_get(streaming, 'chunk_rows')} at a time"
        )
        held_out = _section(meta, "metrics", "held_out")
        if held_out:
            header = f"held-out rows ({_get(held_out, 'texts')}, never learned from):"
            lines += _scores_lines(header, [("streaming model", held_out)])
        comparison = _section(meta, "metrics", "in_memory_comparison")
        if isinstance(comparison.get("held_out"), dict):
            lines.append(_scores_line(f"in-memory '{_get(comparison, 'recipe')}'", comparison["held_out"]))
            gap = _get(comparison, "gap_points")
            gap = f"{gap:+.1f}" if isinstance(gap, (int, float)) else "?"
            lines.append(f"  gap in macro-F1      {gap} points (in-memory minus streaming)")
    print("\n".join(lines))
    return 0


def _section(meta, *keys):
    """A nested dict of the metadata, or ``{}`` if it is missing or of another type."""
    for key in keys:
        meta = meta.get(key) if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def _scores_lines(header, reports, width=20):
    """``header``, then a line of scores for each ``(title, report)`` whose report is a dict."""
    return [header, *(_scores_line(title, report, width) for title, report in reports if isinstance(report, dict))]


def _scores_line(title, report, width=20):
    return (
        f"  {title:<{width}} accuracy {_score(report.get('accuracy'))}  "
        f"macro-F1 {_score(report.get('macro_f1'))}  F_avg {_score(report.get('f_avg'))}"
    )
