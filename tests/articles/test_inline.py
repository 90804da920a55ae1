"""Inline quotations: only quotes of posts count, split quotations are one quote, and each
knows its speaker and, when the article gives it, its post."""

# Typographic quotation marks and dashes are what these tests are about.
# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from archiver.articles import read_html, read_text
from archiver.domain import QuoteKind
from tests.articles.fixtures import read_fixture


def texts(text: str) -> list[str]:
    """The inline quotes found in plain ``text``."""
    return [q.text for q in read_text(text).quotes if q.kind is QuoteKind.INLINE]


def test_spoken_quotes_only_give_nothing() -> None:
    """A press conference, reporters, a hearing, an interview, a statement, a call and scare
    quotes: no quotes of posts, and links to a profile and a video page are no posts."""
    doc = read_fixture("council_spoken_quotes.html")
    assert doc.quotes == ()
    assert doc.post_urls == ()
    assert "Buses Not Budgets" in doc.text


def test_quotation_forms() -> None:
    """A speech-tag split, straight quotes, single quotes nested in double ones and guillemets;
    the spoken quotes at the end are left out."""
    doc = read_fixture("picket_line_quotation_forms.txt")
    assert [(quote.text, quote.speaker) for quote in doc.quotes] == [
        ("We have offered a fair contract, The union has not come back to the table.",
         "Sam Kettering"),
        ("Nobody on the picket line wants to be here. We want to go back to work.", "Alma Ruiz"),
        ("When the director calls us ‘replaceable,’ he tells you everything about this "
         "negotiation.", None),
        ("Le service reprendra dès la signature de l'accord.", None),
    ]  # fmt: skip
    assert {quote.kind for quote in doc.quotes} == {QuoteKind.INLINE}


def test_split_quotation_context_covers_both_parts() -> None:
    """A split quotation starts at its first part and keeps the speech tag in its context."""
    doc = read_fixture("picket_line_quotation_forms.txt")
    first = doc.quotes[0]
    assert doc.text[first.position :].startswith("We have offered")
    assert "Sam Kettering wrote on X on Monday." in first.context


@pytest.mark.parametrize(
    "sentence",
    [
        "“The bridge stays closed,” the mayor tweeted on Sunday.",
        "The mayor posted: “The bridge stays closed until engineers sign off.”",
        "In a post on Threads, the mayor said “the bridge stays closed.”",
        "“The bridge stays closed,” Mayor Ruth Adeyemi wrote on Truth Social.",
        "The mayor told her 40,000 followers that “the bridge stays closed.”",
        "“The bridge stays closed,” Adeyemi skeeted.",
        "In a message on Telegram, the mayor wrote: «The bridge stays closed.»",
        "“The bridge stays closed,” she replied on X to a resident's question.",
    ],
)
def test_post_signals(sentence: str) -> None:
    """Each way of saying a quotation came from a post keeps it."""
    assert len(texts(sentence)) == 1


@pytest.mark.parametrize(
    "sentence",
    [
        "“The bridge stays closed,” the mayor said at a press conference.",
        "“The bridge stays closed,” Adeyemi told reporters on Sunday.",
        "“The bridge stays closed,” the mayor said in an interview with the Courier.",
        "“The bridge stays closed,” the engineer testified during a hearing.",
        "“The bridge stays closed,” the mayor said in a statement.",
        "“The bridge stays closed,” she said on a call with residents.",
        "“The bridge stays closed,” the mayor said on TV.",
        "“The bridge stays closed,” the mayor said.",
        "Residents call it the “bridge to nowhere” on X.",
        "The mayor posted a link to the documentary titled “The Bridge That Waited.”",
        "Critics posted memes about the “bridge fiasco.”",
    ],
)
def test_spoken_scare_and_title_quotes_are_dropped(sentence: str) -> None:
    """Spoken words, unattributed quotes, scare quotes and titles are no quotes of posts."""
    assert texts(sentence) == []


def test_two_word_quote_counts_when_its_sentence_names_a_post() -> None:
    """Short quotes need their own sentence to name a post."""
    assert texts("Adeyemi tweeted “Stay home” at midnight.") == ["Stay home"]


def test_the_sentence_before_can_name_the_post() -> None:
    """A quotation after a sentence about a post is a quote of it."""
    found = texts("The mayor posted again at noon. “Crews are on the way to Mill Creek,” she said.")
    assert found == ["Crews are on the way to Mill Creek,"]


def test_a_spoken_sentence_before_keeps_it_spoken() -> None:
    """A quotation after a sentence about a press conference is spoken."""
    assert (
        texts("The mayor held a press conference at noon. “Crews are on their way,” she said.")
        == []
    )


def test_a_link_to_a_post_in_the_paragraph_counts_and_sets_the_post_url() -> None:
    """A quotation beside a link to a post is a quote of that post."""
    doc = read_html(
        '<p>Adeyemi <a href="https://x.com/MayorAdeyemi/status/1437890000000000042?s=20">said'
        "</a> the shelters were “full but still taking families.”</p>"
    )
    (quote,) = doc.quotes
    assert quote.post_url == "https://x.com/MayorAdeyemi/status/1437890000000000042"
    assert doc.post_urls == (quote.post_url,)


def test_a_post_url_written_in_plain_text_links_the_quote() -> None:
    """In plain text a written-out post URL in the paragraph does the same."""
    doc = read_text(
        "Adeyemi wrote that shelters were “full but still taking families” "
        "(https://bsky.app/profile/adeyemi.bsky.social/post/3kstorm2abc2x)."
    )
    (quote,) = doc.quotes
    assert quote.post_url == "https://bsky.app/profile/adeyemi.bsky.social/post/3kstorm2abc2x"


def test_the_author_of_an_embedded_post_is_a_post_speaker() -> None:
    """Quoting someone whose post the article embeds counts, and the speaker resolves through
    a pronoun to the embed's author."""
    doc = read_html(
        '<blockquote class="twitter-tweet"><p>Shelters are full. Go to the high school.</p>'
        "&mdash; Ruth Adeyemi (@MayorAdeyemi) "
        '<a href="https://twitter.com/MayorAdeyemi/status/1437890000000000043">September 14,'
        " 2021</a></blockquote>"
        "<p>In the post, she wrote that families should “go to the high school.”</p>"
        "<p>Adeyemi added that the county “will reimburse every hotel night.”</p>"
    )
    embed, inline, added = doc.quotes
    assert embed.kind is QuoteKind.EMBED
    assert (inline.text, inline.speaker) == ("go to the high school.", "Ruth Adeyemi")
    assert inline.post_url == embed.post_url
    assert (added.text, added.speaker, added.post_url) == (
        "will reimburse every hotel night.",
        "Adeyemi",
        None,
    )


def test_apostrophes_are_not_quotation_marks() -> None:
    """Apostrophes and straight single quotes never open a quotation."""
    assert texts("The mayor’s post said the crews’ trucks weren't 'ready' yet, on X.") == []


def test_a_spoken_sentence_beside_a_posted_one_stays_spoken() -> None:
    """A quoted sentence that ends its quotation also ends its sentence, so the next
    sentence's "tweeted" does not turn words told to reporters (or a statement) into a post."""
    assert texts(
        'Senator Lee told reporters on Tuesday that "we will not back down." Later she '
        'tweeted: "We will not back down, not now, not ever."'
    ) == ["We will not back down, not now, not ever."]
    assert texts(
        'The company said in a statement that it "regrets the error." Its chief executive '
        'wrote on X that "mistakes were made by all of us."'
    ) == ["mistakes were made by all of us."]


def test_a_handle_beside_the_verb_is_the_speaker() -> None:
    """``Name (@handle) posted`` names the handle, which finds the post in the archive."""
    for text in (
        'Dana Whitlock (@MayorWhitlock) posted: "Budget passes 7-2. Thank you council!"',
        'The mayor, Dana Whitlock (@MayorWhitlock), posted that "the budget passes."',
    ):
        [quote] = read_text(text).quotes
        assert quote.speaker == "@MayorWhitlock", text


def test_a_short_quote_after_wrote_that_is_no_label() -> None:
    """``posted that "we won."`` is a quote; ``the "hit piece" claim`` stays a label."""
    assert texts('She posted that "we won."') == ["we won."]
    assert texts('He tweeted about the "hit piece" claim.') == []
