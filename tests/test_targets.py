"""Targets and their profiles: the label depends on the target, as a reader's would."""

from pathlib import Path

import numpy as np
import pytest

import stance
from stance._targets import Target, find_profile, load_profiles, reversed_target, signed_terms

RUSSIA_SANCTIONS = Target(
    "sanctions against Russia",
    aliases=("the restrictive measures",),
    allies=("Kyiv",),
    opponents=("Russia", "Moscow", "the Kremlin"),
)


def terms(target):
    return [(words, side) for words, side, _ in signed_terms(target)]


def test_a_plain_name_is_read_with_its_sides():
    assert terms(Target("sanctions against Russia")) == [(("sancti",), 1), (("russia",), -1)]
    assert terms(Target("lifting sanctions against Russia")) == [(("sancti",), -1), (("russia",), 1)]
    # A restriction ends where a phrase of its own starts.
    assert terms(Target("a ban on smartphones in schools")) == [
        (("ban",), 1),
        (("smartp",), -1),
        (("school",), 1),
    ]


def test_a_profile_overrides_what_the_name_suggests():
    pact = Target("the climate pact", opponents=("climate",))
    assert dict(terms(pact))[("climat",)] == -1


def test_reversals_name_their_base_with_sides_swapped():
    base, reverses = reversed_target(Target("Ending the death penalty", allies=("abolitionists",)))
    assert reverses and base.name == "the death penalty" and base.opponents == ("abolitionists",)
    assert reversed_target(Target("ending the"))[1] is False  # reverses nothing
    assert reversed_target(Target("NATO enlargement"))[1] is False


@pytest.mark.parametrize(
    "name, base",
    [
        ("abandoning the Paris Agreement", "the Paris Agreement"),
        ("the termination of the treaty", "the treaty"),
        ("easing sanctions against Russia", "sanctions against Russia"),
        ("exit from the EU", "the EU"),
        ("it's not true that nuclear power is safe", "nuclear power is safe"),
        ("nuclear power is no longer safe", "nuclear power is safe"),
        ("Nuclear Power Is Not Safe", "Nuclear Power Is Safe"),  # a motion in title case
        ("the claim that vaccines are not safe", "the claim that vaccines are safe"),
        ("climate change is NOT a hoax", "climate change is a hoax"),  # capitals for emphasis
        ("lifting the ban on open carry", "the ban on open carry"),
        ("lifting sanctions on grain shipped out of Ukraine", "sanctions on grain shipped out of Ukraine"),
    ],
)
def test_reversals_and_negations_in_more_words(name, base):
    assert reversed_target(Target(name)) == (Target(base), True)


@pytest.mark.parametrize(
    "name",
    [
        "leaving sanctions against Russia in place",
        "leaving no one behind",
        "lifting families out of poverty",
        "the Do Not Call registry",  # a negator in a proper name
        "nuclear power is not only safe but also cheap",
        "degrees are luxuries society can no longer afford",  # in a clause of its own
        "exit exams for school leavers",
        "ease of doing business reforms",
        "lifting millions of people out of extreme poverty",
    ],
)
def test_names_that_only_look_like_reversals_are_read_as_themselves(name):
    assert reversed_target(Target(name))[1] is False


def test_a_reversal_keeps_its_own_aliases_as_what_is_against_the_base():
    accord_exit = Target("withdrawing from the fisheries accord", aliases=("Fishexit",), allies=("the fleet",))
    base, _ = reversed_target(accord_exit)
    assert base.opponents == ("the fleet", "Fishexit")
    assert stance.predict("We fully support Fishexit.", target=accord_exit) == ["aligned"]
    assert stance.predict("We firmly oppose Fishexit.", target=accord_exit) == ["opposed"]


@pytest.mark.parametrize(
    "aliases, allies, opponents, message",
    [
        (None, (), (), "aliases must be a string or a sequence"),
        ((5,), (), (), "aliases must be strings"),
        ((), ("Kyiv",), ("kyiv",), "both on its side and against it"),
        ((), (), ("X",), "both on its side and against it"),  # the target itself
        ((), (), ("the",), "no word to look for"),
    ],
)
def test_bad_profiles_are_refused_with_one_clear_message(aliases, allies, opponents, message):
    with pytest.raises((TypeError, ValueError), match=message):
        Target("x", aliases=aliases, allies=allies, opponents=opponents)


def test_a_generator_of_aliases_is_read_once_and_kept():
    assert Target("x", aliases=(a for a in ["y", "z"])).aliases == ("y", "z")


@pytest.mark.parametrize(
    "text, message",
    [
        ('[[target]]\nname = "X"\naliases = "Moscow"\n', "aliases must be a list of strings"),
        ('[[targets]]\nname = "X"\n', "unknown table 'targets'"),
        ('[[target]]\nname = "X"\n[[target]]\nname = "x"\n', "two profiles"),
        ('[[target]]\nname = "X"\ncolour = "red"\n', "unknown key 'colour'"),
        ("[[target]]\naliases = []\n", "needs a name"),
        ("targets.toml", "pass a pathlib.Path"),
    ],
)
def test_bad_profile_files_are_refused_naming_the_problem(text, message):
    with pytest.raises(ValueError, match=message):
        stance.load_profiles(text)


def test_profile_files_are_read_from_paths(tmp_path):
    path = tmp_path / "targets.toml"
    path.write_text('[[target]]\nname = "Widget tax"\nopponents = ["the widget lobby"]\n', encoding="utf-8")
    assert stance.load_profiles(path)["widget tax"].opponents == ("the widget lobby",)
    with pytest.raises(ValueError, match="does not exist"):
        stance.load_profiles(Path(tmp_path / "missing.toml"))
    with pytest.raises(TypeError, match="pathlib.Path"):
        stance.load_profiles(b"[[target]]")


def test_every_corpus_target_has_a_profile_that_the_model_knows():
    model = stance.load_model()
    shipped = stance.load_profiles()
    corpus = stance.load_corpus()
    trained = {target.lower() for target in corpus.loc[corpus["split"] != "heldout", "target"]}
    assert set(model.targets) == trained
    # The rest are the held-out positions, whose sentences never train the model.
    held_out = {target.lower() for target in corpus.loc[corpus["split"] == "heldout", "target"]}
    assert set(shipped) - trained == held_out - trained and len(held_out - trained) == 6
    assert model.profiles["sanctions against russia"] == shipped["sanctions against russia"]


# -- the shipped model: the target changes the label -------------------------


def test_the_same_sentence_takes_different_stances_toward_different_targets():
    text = "We welcome the new sanctions package."
    got = stance.predict(
        [text] * 3,
        target=["sanctions against Russia", "lifting sanctions against Russia", "the Paris Agreement"],
    )
    assert got == ["aligned", "opposed", "neutral"]


def test_attitude_toward_an_opponent_is_the_opposite_stance():
    # (With "Russia" itself the shipped model says opposed: the word has
    # weights of its own from the corpus; the model card says how often
    # stance carried by an opponent is read right.)
    assert stance.predict("We condemn Moscow.", target="sanctions against Russia") == ["aligned"]
    praise = "Moscow deserves praise for its restraint."
    assert stance.predict(praise, target=RUSSIA_SANCTIONS) == ["opposed"]


def test_a_reversed_target_flips_the_side_and_keeps_the_probabilities():
    texts = ["We strongly support the death penalty for terrorists.", "The death penalty is a cruel relic."]
    model = stance.load_model()
    direct = model.predict_proba(texts, target="the death penalty").to_numpy()
    reversed_ = model.predict_proba(texts, target="ending the death penalty").to_numpy()
    np.testing.assert_allclose(reversed_, direct[:, ::-1])  # columns: aligned, neutral, opposed


def test_explain_names_the_mentions_that_decided():
    table = stance.explain("Moscow must end the war.", target=RUSSIA_SANCTIONS)
    assert ("moscow", "opponent", -1) in table.attrs["mentions"]
    assert table.attrs["side"] == -1 and table.attrs["undone_by"] is None
    table = stance.explain("We welcome the lifting of the sanctions.", target="the sanctions")
    assert table.attrs["side"] == -1 and table.attrs["undone_by"] == "lifting"
    assert table.attrs["label"] == "opposed"


def test_explain_gives_the_probability_that_the_text_concerns_its_target():
    text = "We welcome the new sanctions package against Moscow."
    own = stance.explain(text, target="sanctions against Russia")
    other = stance.explain(text, target="school uniforms")
    assert own.attrs["relevance"] > 0.5 and own.attrs["label"] == "aligned"
    # Judged unrelated: neutral, whatever its words push toward.
    assert other.attrs["relevance"] < 0.5 and other.attrs["label"] == "neutral"
    probabilities = stance.load_model().predict_proba([text], target="school uniforms")
    assert probabilities["neutral"][0] >= 1 - other.attrs["relevance"] - 1e-9


def test_a_profile_is_found_through_quotes_articles_and_its_longer_aliases():
    text = "We condemn Moscow's aggression."
    expected = stance.predict(text, target="sanctions against Russia")[0]
    assert expected == "aligned"  # Moscow is the profile's opponent
    for written in ("\u201csanctions against Russia\u201d", "\u00absanctions against Russia\u00bb",
                    "the sanctions against Russia", "the Russia sanctions"):
        assert stance.predict(text, target=written)[0] == expected, written
    profiles = stance.load_profiles()
    assert find_profile("nato expansion", profiles).name == "NATO enlargement"
    # A generic alias names no profile; neither does a name two profiles share.
    assert find_profile("the fund", profiles) is None
    two = load_profiles('[[target]]\nname = "x"\naliases = ["the big plan"]\n'
                        '[[target]]\nname = "y"\naliases = ["the big plan"]\n')
    assert find_profile("the big plan", two) is None


def test_an_alias_worded_as_a_reversal_is_the_target_itself():
    text = "We support phasing out coal by 2030."
    assert stance.predict(text, target="phasing out coal")[0] == "aligned"
    assert stance.predict(text, target="ending coal power")[0] == "aligned"  # one of its aliases


@pytest.mark.parametrize(
    "reversal",
    ["getting rid of {}", "the abolition of {}", "a withdrawal from {}",
     "calls to end {}", "This house opposes {}", "resistance to {}", "doing away with {}"],
)
def test_reversals_in_other_words_swap_the_sides(reversal):
    texts = ["The death penalty is cruel, irreversible and has no place in a modern justice system.",
             "We strongly support the death penalty for terrorists."]
    model = stance.load_model()
    direct = model.predict_proba(texts, target="the death penalty").to_numpy()
    swapped = model.predict_proba(texts, target=reversal.format("the death penalty")).to_numpy()
    np.testing.assert_allclose(swapped, direct[:, ::-1])


@pytest.mark.parametrize(
    "negation",
    ["it is not true that online tutoring raises exam results", "online tutoring does not raise exam results",
     "online tutoring doesn't raise exam results", "online tutoring cannot raise exam results"],
)
def test_a_negated_position_takes_the_other_side(negation):
    # A position the model never saw, and its negation: the same sentences,
    # the sides swapped ("does not raise" is read as "raise", close enough
    # to "raises" for every word of it to be found).
    texts = ["Pupils who had online tutoring scored far better in the spring exams.",
             "The evaluation found online tutoring made no difference at all to exam results."]
    model = stance.load_model()
    direct = model.predict_proba(texts, target="online tutoring raises exam results").to_numpy()
    np.testing.assert_allclose(model.predict_proba(texts, target=negation).to_numpy(), direct[:, ::-1], atol=0.02)


def test_a_sentence_that_names_the_undoing_of_its_target_takes_the_other_side():
    # The reversal named in the sentence, not in the target: supporting "the
    # repeal of the levy" is opposing the levy; toward "repealing the levy"
    # the two reversals cancel out.
    model = stance.load_model()
    texts = ["We welcome the repeal of the plastic bag levy.",
             "Scrapping the plastic bag levy would be a grave mistake.",
             "Our party will campaign for an end to the plastic bag levy."]
    assert model.predict(texts, target="the plastic bag levy") == ["opposed", "aligned", "opposed"]
    assert model.predict(texts, target="repealing the plastic bag levy") == ["aligned", "opposed", "aligned"]


def test_only_a_reversing_word_just_before_the_mention_turns_the_side():
    from stance._featuriser import Featuriser

    texts = ["We back an end to the levy.", "The levy must end.", "We back the levy.",
             "We back the lifting of all of the levy.", "We back lifting it; the levy stays."]
    featuriser = Featuriser.fit(texts, ["the levy"] * 5, relation_weight=1.0)
    _, sides = featuriser.transform(texts, ["the levy"] * 5, sides=True)
    # "of all of the" is four words between: too far; "lifting it" lifts something else.
    assert sides.tolist() == [-1, 1, 1, 1, 1]
    _, sides = featuriser.transform(["We back the lifting of the levy."], ["the levy"], sides=True)
    assert sides.tolist() == [-1]
    # Not a noun "end" that ends nothing, not "leave", not a negated one; but
    # a reversing word the model never saw ("revocation" is not in these texts).
    texts = ["In the end the levy worked.", "Leave the levy in place.", "We must not stop the levy.",
             "We back the revocation of the levy.", "We back the end of the levy."]
    featuriser = Featuriser.fit(texts[:3] + texts[4:], ["the levy"] * 4, relation_weight=1.0)  # knows "not"
    _, sides = featuriser.transform(texts, ["the levy"] * 5, sides=True)
    assert sides.tolist() == [1, 1, 1, -1, -1]
    # A featuriser fitted before the rule (no such setting) labels as it did.
    del featuriser.settings["named_reversals"]
    _, sides = featuriser.transform(texts[:1], ["the levy"], sides=True)
    assert sides.tolist() == [1]


def test_a_reversal_of_a_reversal_is_the_target():
    texts = ["The death penalty is cruel and must go.", "Executions deter murder."]
    model = stance.load_model()
    np.testing.assert_allclose(
        model.predict_proba(texts, target="rejecting calls to end the death penalty").to_numpy(),
        model.predict_proba(texts, target="the death penalty").to_numpy(),
    )


def test_explain_without_a_target_gives_no_relevance():
    assert stance.explain("We back the treaty.").attrs["relevance"] is None


def test_targets_of_the_wrong_type_are_refused():
    with pytest.raises(TypeError, match="dict"):
        stance.predict("x", target={"name": "x"})
    with pytest.raises(TypeError, match="position 1"):
        stance.predict(["x", "y"], target=["a", 5])


# -- profiles from the command line ------------------------------------------


def test_predict_reads_profiles_for_the_rows_that_name_them(tmp_path, capsys):
    from stance.cli import main

    sentences = tmp_path / "s.txt"
    sentences.write_text("Moscow deserves praise for its restraint.\n", encoding="utf-8")
    profiles = tmp_path / "p.toml"
    profiles.write_text(
        '[[target]]\nname = "The Eastern Partnership"\nallies = ["Kyiv"]\nopponents = ["Moscow"]\n', encoding="utf-8"
    )
    args = ["predict", "-i", str(sentences), "--target", "the eastern partnership", "-o", "-", "--output-format", "csv"]
    assert main([*args, "--targets", str(profiles)]) == 0
    with_profile = capsys.readouterr().out
    assert main(args) == 0
    without = capsys.readouterr().out
    assert ",opposed," in with_profile and ",opposed," not in without


def test_a_bad_profiles_file_is_one_line_and_exit_1(tmp_path, capsys):
    from stance.cli import main

    bad = tmp_path / "p.toml"
    bad.write_text('[[target]]\nname = "X"\naliases = "not a list"\n', encoding="utf-8")
    assert main(["predict", "We back it.", "--targets", str(bad)]) == 1
    assert capsys.readouterr().err.strip().endswith("aliases must be a list of strings")


def test_info_lists_the_models_profiles(capsys):
    from stance.cli import main

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "profiles    90" in out and "  - sanctions against Russia:" in out


def test_added_profiles_reach_worker_processes():
    import pickle

    mine = Target("the widget levy", opponents=("the widget lobby",))
    model = stance.load_model().with_profiles([mine])
    copy = pickle.loads(pickle.dumps(model._compiled))
    assert copy.profiles["the widget levy"] == mine


def test_a_reversal_keeps_the_known_profile_of_its_base_with_its_own_actors():
    # "halting NATO enlargement" is read as the shipped NATO enlargement
    # profile (Russia among its opponents), sides swapped, with the
    # reversal's alias against the base; an ally that names the base itself
    # is no ally of it.
    texts = ["We condemn Russia's threats.", "We welcome the accession moratorium."]
    plain = stance.predict(texts, target="halting NATO enlargement")
    profiled = stance.predict(texts, target=Target("halting NATO enlargement", aliases=("the accession moratorium",)))
    assert plain[0] == profiled[0] == "opposed"
    assert profiled[1] == "aligned"
    ending = Target("ending the sanctions", allies=("the sanctions",))  # it used to raise when labelling
    assert stance.predict("We back the sanctions.", target=ending) == ["opposed"]
    halting = Target("halting the NATO expansion", aliases=("NATO enlargement",))  # the known base's own name
    assert stance.predict("We back NATO enlargement.", target=halting) == ["opposed"]


def test_a_name_that_fits_two_profiles_by_an_alias_names_neither():
    from stance._targets import ProfileIndex

    profiles = {t.key: t for t in (Target("the levy", aliases=("the new tax",)), Target("the duty", aliases=("new tax",)))}
    assert find_profile("new tax", profiles) is None and ProfileIndex(profiles).find_loosely("new tax") is None
    assert find_profile("the levy", ProfileIndex(profiles)).name == "the levy"


def test_a_users_profile_replaces_the_models_of_the_same_name_with_another_article():
    mine = Target("the NATO enlargement", opponents=("Sylvania",))
    model = stance.load_model()
    text = "We condemn Sylvania's threats against the alliance."
    assert "nato enlargement" in model.profiles
    adapted = model.with_profiles([mine])
    assert "nato enlargement" not in adapted.profiles
    # And with a zero-width space or a direction mark pasted in.
    for name in ("NATO enlargement", "the NATO enlargement", "NATO\u200b enlargement", "NATO enlargement\u200e"):
        assert adapted.predict_proba(text, target=name).equals(model.predict_proba(text, target=mine))


def test_a_device_as_profiles_file_is_refused_before_reading():
    with pytest.raises(ValueError, match="not a regular file"):
        stance.load_profiles(Path("/dev/zero"))


def test_a_target_whose_words_the_model_never_saw_is_judged_by_its_mentions():
    # No topic to compare with: a sentence that does not name it is about
    # something else; one that does is about it.
    sided = stance.load_corpus().query("label != 'neutral'").sample(60, random_state=0)
    assert set(stance.predict(list(sided["text"]), target="zoos")) == {"neutral"}
    assert stance.predict("Zoos are cruel and must close.", target="zoos") != ["neutral"]


def test_topic_similarity_is_the_same_summed_densely_or_by_sorting(monkeypatch):
    from stance import _featuriser
    from stance._featuriser import Featuriser

    corpus = stance.load_corpus().sample(600, random_state=0)
    featuriser = Featuriser.fit(list(corpus["text"]), list(corpus["target"]), relation_weight=0.5)
    batch = list(corpus["text"][:50]), list(corpus["target"][::-1][:50])
    dense = featuriser.transform(*batch)
    monkeypatch.setattr(_featuriser, "DENSE_TOPIC_CELLS", 0)
    by_sorting = featuriser.transform(*batch)
    for got, expected in zip(by_sorting, dense):
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert "REL_topic" in {featuriser.feature_name(column)[0] for column in dense[1]}


def test_targets_kept_between_batches_give_what_fresh_ones_give():
    # A featuriser keeps each target's resolution and topic from batch to
    # batch (targets repeat from chunk to chunk): a batch labelled again, or
    # after others, gets the features a new featuriser gives it.
    from stance._featuriser import Featuriser

    corpus = stance.load_corpus().sample(400, random_state=1)
    texts, targets = list(corpus["text"]), list(corpus["target"])
    targets[:3] = ["ending " + targets[3], stance.Target("the widget levy", opponents=("Moscow",)), None]
    arrays = stance.load_model()._compiled.featuriser.arrays
    used = Featuriser(arrays)
    used.transform(texts[::-1], targets[::2] + targets[1::2], sides=True)
    (features, sides), (fresh, fresh_sides) = (
        featuriser.transform(texts, targets, sides=True) for featuriser in (used, Featuriser(arrays))
    )
    for got, expected in zip(features, fresh):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(sides, fresh_sides)


def test_mentions_are_the_same_found_through_the_table_of_term_starts_or_not(monkeypatch):
    from stance import _featuriser

    corpus = stance.load_corpus().sample(500, random_state=2)
    texts, targets = list(corpus["text"]), list(corpus["target"])
    levy = Target("the widget levy", aliases=("widget tax",), opponents=("Moscow",))
    targets[:2] = [levy, "ending the war"]
    featuriser = stance.load_model()._compiled.featuriser
    resolved = featuriser._resolve(targets)
    *_, marks = featuriser._shared_features(texts, resolved)
    through_table = featuriser.mentions(marks, resolved)
    monkeypatch.setattr(_featuriser, "MENTION_TABLE_CELLS", 0)
    among_all_stems = featuriser.mentions(marks, resolved)
    assert len(through_table[0]) > 100
    for got, expected in zip(through_table, among_all_stems):
        np.testing.assert_array_equal(got, expected)
