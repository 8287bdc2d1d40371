"""Named training recipes: StanceClassifier settings for kinds of data.

A recipe is a starting point chosen by cross-validation; ``stance train
--recipe NAME`` uses it, and ``--set NAME=VALUE`` adjusts any setting.
"""

__all__ = ["RECIPES", "make_estimator"]

RECIPES = {
    "default": {
        "description": "balanced shared and per-target cues; for many targets with tens to hundreds of "
        "texts each, and for new targets at prediction time (the shipped model)",
        "settings": {},
    },
    "per-target": {
        "description": "leans on per-target cues (words and characters copied per target, weighted up); for "
        "hundreds of texts per target when every target is known at prediction time, as in SemEval-2016; "
        "labels about five times slower than the default, for its character n-grams",
        "settings": {"char_ngram_range": (2, 5), "C": 0.5, "target_features": "all", "target_weight": 1.5},
    },
}


def make_estimator(recipe="default", **settings):
    """Return a StanceClassifier with a recipe's settings, then ``settings``, applied.

    Raises
    ------
    ValueError
        An unknown recipe or setting, or a value out of range.

    Examples
    --------
    >>> make_estimator("per-target", C=1.0).get_params()["target_features"]
    'all'
    """
    from ._estimator import StanceClassifier

    if recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}; recipes are {', '.join(RECIPES)}")
    estimator = StanceClassifier()
    unknown = sorted(set(settings) - set(estimator.get_params()))
    if unknown:
        raise ValueError(
            f"unknown setting {unknown[0]!r}; settings are {', '.join(sorted(estimator.get_params()))}"
        )
    estimator.set_params(**{**RECIPES[recipe]["settings"], **settings})
    estimator.check_params()
    return estimator
