import pytest

from interviews.redaction import detect, luhn_valid


def kinds(text, names=None):
    return [(text[d.start:d.end], d.kind, placeholder) for d, placeholder in detect(text, names)]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Mail me at dana.buyer+work@acme-corp.co.uk tomorrow.", [("dana.buyer+work@acme-corp.co.uk", "email", "[EMAIL]")]),
        ("Call me on +44 20 7946 0958 after lunch.", [("+44 20 7946 0958", "phone", "[PHONE]")]),
        ("My cell is (415) 555-0132, text first.", [("(415) 555-0132", "phone", "[PHONE]")]),
        ("The corporate card is 4111 1111 1111 1111 I think.", [("4111 1111 1111 1111", "card", "[CARD]")]),
        ("Refunds go to GB33 BUKB 2020 1555 5555 55 each month.", [("GB33 BUKB 2020 1555 5555 55", "account", "[ACCOUNT]")]),
        ("Our account number: 12345678 at the bank.", [("12345678", "account", "[ACCOUNT]")]),
        ("Find me at linkedin.com/in/dana-buyer-42 or https://github.com/danab.",
         [("linkedin.com/in/dana-buyer-42", "url", "[URL]"), ("https://github.com/danab", "url", "[URL]")]),
    ],
)
def test_detectors_on_realistic_speech(text, expected):
    assert kinds(text) == expected


def test_not_everything_with_digits_is_personal():
    assert kinds("We had 3 vendors in 2024 and paid 15,000 for 12 licences; see acme.com/pricing.") == []
    assert kinds("Order 4111 1111 1111 1112 failed") == []  # fails the Luhn check: not a card


def test_names_of_the_interviews_own_people():
    names = {"Dana Buyer": "[PARTICIPANT 1]", "Rosa": "[TEAM MEMBER 1]"}
    text = "Rosa asked Dana Buyer, and Dana said Buyer is her married name. Danaher is a company."
    assert kinds(text, names) == [
        ("Rosa", "name", "[TEAM MEMBER 1]"),
        ("Dana Buyer", "name", "[PARTICIPANT 1]"),
        ("Dana", "name", "[PARTICIPANT 1]"),
        ("Buyer", "name", "[PARTICIPANT 1]"),
    ]


def test_an_email_is_not_also_a_name():
    assert kinds("write to dana@acme.com", {"Dana": "[PARTICIPANT 1]", "dana": "[PARTICIPANT 1]"}) == [
        ("dana@acme.com", "email", "[EMAIL]")
    ]


def test_luhn():
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
