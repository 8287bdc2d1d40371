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
        # Neither the relevance model nor the features relating text and
        # target: every target is known and has its own block, and tweets
        # seldom name their target. (3-fold cross-validation on SemEval's
        # training split: F_avg 69.5 without the relevance model, 68.3 with
        # it; the same 69.5 with the relating features or without them.)
        "settings": {
            "char_ngram_range": (2, 5),
            "C": 0.5,
            "target_features": "all",
            "target_weight": 1.5,
            "relation_weight": 0.0,
            "relevance": False,
        },
    },
}


def make_estimator(recipe="default", streaming=False, **settings):
    """Return an estimator with a recipe's settings, then ``settings``, applied.

    A :class:`StanceClassifier`, or with ``streaming`` a
    :class:`StreamingStanceClassifier`, which takes the recipe's feature
    settings (n-grams, per-target copies and their weight) but not the
    SVM's own (``C``).

    Raises
    ------
    ValueError
        An unknown recipe or setting, or a value out of range.

    Examples
    --------
    >>> make_estimator("per-target", C=1.0).get_params()["target_features"]
    'all'
    >>> make_estimator("per-target", streaming=True, epochs=3).get_params()["target_features"]
    'all'
    """
    if recipe not in RECIPES:
        raise ValueError(f"unknown recipe {recipe!r}; recipes are {', '.join(RECIPES)}")
    if streaming:
        from ._streaming import StreamingStanceClassifier as Estimator
    else:
        from ._estimator import StanceClassifier as Estimator
    estimator = Estimator()
    names = estimator.get_params()
    unknown = sorted(set(settings) - set(names))
    if unknown:
        raise ValueError(f"unknown setting {unknown[0]!r}; settings are {', '.join(sorted(names))}")
    recipe_settings = {name: value for name, value in RECIPES[recipe]["settings"].items() if name in names}
    estimator.set_params(**{**recipe_settings, **settings})
    estimator.check_params()
    return estimator
