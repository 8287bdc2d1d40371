"""Sentence splitting of real-looking documents, the author's voice, and the analyze command.

The three documents in examples/ were written for this project in the styles of a
ministry statement, a UN meeting record and a news report.
"""

import io
import time
from pathlib import Path

import pandas as pd
import pytest

from stance._sentences import sentence_spans, summarize, voice, voices
from stance.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def sentences(name):
    document = (EXAMPLES / name).read_text("utf-8")
    return [document[a:b] for a, b in sentence_spans(document)]


def test_ministry_statement_numbered_paragraphs_titles_references_and_bullets():
    found = sentences("ministry_statement.txt")
    assert found[:3] == [
        "MINISTRY OF FOREIGN AFFAIRS OF THE REPUBLIC OF VALDORIA",
        "Press statement on the draft convention on coastal fisheries",
        "The Republic of Valdoria welcomes the conclusion of negotiations on the draft convention on coastal "
        "fisheries.",
    ]
    # Paragraph numbers are neither sentences nor parts of them.
    assert not any(s.rstrip(".").isdigit() for s in found)
    assert not any(s[:2] in ("1.", "2.", "3.") for s in found)
    # No split after H.E., Amb. or an initial, nor inside a document reference.
    assert (
        "H.E. Amb. Maria L. Okonkwo, Permanent Representative of Valdoria, led our delegation throughout the "
        "talks (see A/78/PV.12 and document A/C.2/78/L.5)." in found
    )
    # Each bullet is its own item, without its dash.
    assert "the creation of a regional observer programme;" in found
    assert "support for small-scale fishing communities." in found
    assert "Dr. Ahmed, the Deputy Minister, will present the Government's ratification plan on 3 May." in found
    assert len(found) == 15


def test_meeting_record_speakers_references_and_times():
    found = sentences("meeting_record.txt")
    assert found[0] == "The meeting was called to order at 10.05 a.m."
    assert found[1] == "Agenda item 68 (continued)"
    assert (
        "The text, she said, ignored the concerns raised during the informal consultations "
        "(see A/79/PV.80, para. 12)." in found
    )
    # A quotation of two sentences stays with its attribution.
    assert (
        '"We cannot accept language that undermines national sovereignty. We will vote against it," '
        "he told the Assembly." in found
    )
    assert len(found) == 11


def test_news_report_quotes_initials_ellipsis_and_acronyms():
    found = sentences("news_report.txt")
    assert "By J. K. Morrow, Transport Correspondent" in found
    assert "The first trams are expected to run in 2028... if the budget holds." in found
    assert "The U.S. firm that won the contract declined to comment." in found
    assert 'Its chair, Dr. Paul Becker, warned that construction "will choke local businesses for three years."' in found


@pytest.mark.parametrize(
    "document, expected",
    [
        ("Mr. Lee spoke first. The U.N. vote is today.\n\nNew topic", ["Mr. Lee spoke first.",
                                                                      "The U.N. vote is today.", "New topic"]),
        ("(a) First item\n(b) Second item.", ["First item", "Second item."]),
        ("We met the U.S. The talks were long.", ["We met the U.S.", "The talks were long."]),
        ("It costs approx. five dollars. Fine.", ["It costs approx. five dollars.", "Fine."]),
        ("He asked (why not? who knows.) and left. Then?", ["He asked (why not? who knows.) and left.", "Then?"]),
        ("We said no. Resolution No. 5 passed (para. 12).", ["We said no.", "Resolution No. 5 passed (para. 12)."]),
        ("\u2022 one point\n\u2022 another point", ["one point", "another point"]),
    ],
)
def test_splitting_cases(document, expected):
    assert [document[a:b] for a, b in sentence_spans(document)] == expected


def test_huge_and_hostile_documents_take_bounded_time():
    hostile = [
        "A." * 200_000,
        "(" * 100_000 + "word. " * 10_000,
        '"' + "Sentence here. " * 30_000,
        "Dr. " * 100_000,
        "x" * 1_000_000,
        "1.\n" * 100_000,
    ]
    for document in hostile:
        started = time.perf_counter()
        spans = sentence_spans(document)
        assert time.perf_counter() - started < 5, document[:20]
        assert all(0 <= a < b <= len(document) for a, b in spans)
    # A quotation or a bracket never holds more than about 600 characters together.
    spans = sentence_spans('"' + "Sentence here. " * 3000)
    assert len(spans) > 10


def test_no_nltk_needed(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_nltk(name, *args, **kwargs):
        if name.startswith("nltk"):
            raise ImportError("no nltk")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_nltk)
    assert len(sentence_spans("One. Two. Three.")) == 3


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("We fully support its adoption.", "author"),
        ("Our country believes that the convention is fair.", "author"),
        ("In conclusion, my delegation will vote in favour.", "author"),
        ("Several delegations expressed reservations about the provisions.", "reported"),
        ("Some states argued that the regime goes too far.", "reported"),
        ("According to the association, the project will cost twice as much.", "reported"),
        ('"This is great news," said the baker.', "reported"),
        ("Council leader Sam Ortiz said the line would cut commuting times.", "reported"),
        ("The draft resolution was adopted by 120 votes to 30.", "author"),
        ("Work begins in the spring.", "author"),
    ],
)
def test_voice(sentence, expected):
    assert voice(sentence) == expected


def test_meeting_record_speakers_are_reported_with_their_names():
    document = (EXAMPLES / "meeting_record.txt").read_text("utf-8")
    who = voices(document)
    assert who[0] == ("author", "")
    assert who[2] == ("reported", "Mr. Tanaka (Freedonia)") and who[3] == ("reported", "Mr. Tanaka (Freedonia)")
    assert who[-1] == ("author", "")


def test_summary_keeps_the_author_and_the_reported_speakers_apart():
    summary = summarize(["aligned", "aligned", "opposed", "opposed", "opposed"],
                        ["author", "author", "reported", "reported", "reported"])
    assert summary["stance"] == "aligned"  # not "opposed", though opposed sentences are more
    assert summary["author"]["counts"] == {"aligned": 2, "neutral": 0, "opposed": 0}
    assert summary["reported"]["stance"] == "opposed"
    assert summary["counts"] == {"aligned": 2, "neutral": 0, "opposed": 3}


def test_analyze_a_supportive_statement_that_reports_objections(capsys):
    status = main(["analyze", str(EXAMPLES / "ministry_statement.txt"),
                   "--target", "the convention on coastal fisheries", "--width", "100"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "author's stance: aligned" in out
    assert "reported speakers' stance:" in out
    # Full sentences, wrapped, never cut.
    assert "..." not in out.replace("2028...", "")
    assert max(len(line) for line in out.splitlines()) <= 100
    words = " ".join(out.split())
    assert "led our delegation throughout the talks (see A/78/PV.12 and document A/C.2/78/L.5)." in words


def test_analyze_a_document_of_reported_speech_alone_says_whose_overall_stance_it_is(tmp_path, capsys):
    document = tmp_path / "report.txt"
    document.write_text("The minister said the government would back the treaty. "
                        "Critics said the plan was reckless.\n")
    assert main(["analyze", str(document), "--target", "the treaty"]) == 0
    out = capsys.readouterr().out
    assert "author's stance: none" in out
    # Not "(the author's)": the author has no sentence of their own.
    assert "overall stance: neutral (the author only reports others' words)" in out
    # A document with no sentence reports nobody's words.
    document.write_text("  \n")
    assert main(["analyze", str(document), "--target", "the treaty"]) == 0
    assert "overall stance: neutral (no sentences)" in capsys.readouterr().out


def test_analyze_and_predict_share_column_names_and_precision(tmp_path, capsys):
    document = EXAMPLES / "meeting_record.txt"
    assert main(["analyze", str(document), "--output-format", "csv"]) == 0
    out, err = capsys.readouterr()
    analyzed = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert list(analyzed.columns) == ["sentence", "start", "end", "voice", "speaker", "text", "stance_label",
                                      "stance_p_aligned", "stance_p_neutral", "stance_p_opposed"]
    assert "author's stance: neutral" in err and "reported speakers' stance: opposed" in err
    texts = analyzed["text"].tolist()
    pd.DataFrame({"text": texts}).to_csv(tmp_path / "s.csv", index=False)
    assert main(["predict", "--input", str(tmp_path / "s.csv")]) == 0
    predicted = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    for column in ("stance_label", "stance_p_aligned", "stance_p_neutral", "stance_p_opposed"):
        assert predicted[column].tolist() == analyzed[column].tolist()
    for frame in (analyzed, predicted):
        for column in ("stance_p_aligned", "stance_p_neutral", "stance_p_opposed"):
            assert frame[column].str.fullmatch(r"[01]\.\d{6}").all()  # never 4.3e-05


def test_analyze_usage_errors(capsys):
    assert main(["analyze", "x.txt", "--width", "10"]) == 2
    assert main(["analyze", "x.txt", "--output", "o.csv"]) == 2
    assert "--output needs --output-format csv or jsonl" in capsys.readouterr().err
